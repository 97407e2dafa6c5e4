"""The baseline for bench/checkout.py: a Flask endpoint that does one INSERT, served the same way.

bench/checkout.py creates its table, `bench_hits`, in the scratch database.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

from core.db import normalize_url

app = Flask(__name__)
engine = create_engine(normalize_url(os.environ["DATABASE_URL"]), pool_size=10, max_overflow=10)


@app.post("/hits")
def hit():
    with engine.begin() as connection:
        new_id = connection.execute(text("INSERT INTO bench_hits (n) VALUES (:n) RETURNING id"),
                                    {"n": request.get_json()["n"]}).scalar_one()
    return jsonify(id=new_id), 201
