"""Liveness and readiness probes; no credentials."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from core import jobs
from core.db import database

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    checks = {}
    try:
        with database.require_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means "not ready"; the body says which
        checks["database"] = f"error: {type(error).__name__}"
    if jobs.runtime.redis_url:
        try:
            from redis import Redis

            Redis.from_url(jobs.runtime.redis_url, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:
        body.update(code=503, reason="not_ready", message="A dependency is unreachable")
    return jsonify(body), 200 if ready else 503
