"""The baseline for bench/checkout.py: a Flask endpoint that does one INSERT, served the same way.

bench/checkout.py creates its table, `bench_hits`, in the scratch database.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import text

from core.db import database

app = Flask(__name__)
# The app's own engine settings (pool size, overflow, recycling, no pre-ping): fair both ways.
database.configure(os.environ["DATABASE_URL"], pool_size=int(os.environ.get("DATABASE_POOL_SIZE", 10)))
engine = database.require_engine()


@app.post("/hits")
def hit():
    with engine.begin() as connection:
        new_id = connection.execute(text("INSERT INTO bench_hits (n) VALUES (:n) RETURNING id"),
                                    {"n": request.get_json()["n"]}).scalar_one()
    return jsonify(id=new_id), 201
