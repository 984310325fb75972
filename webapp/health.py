"""GET /healthz: 200 when the database and Redis answer, 503 naming the one that does not."""

from __future__ import annotations

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from webapp.extensions import db

bp = Blueprint("health", __name__)


def check_database() -> str | None:
    """Return None when the database answers, else what went wrong."""
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any driver error means "not answering"
        db.session.rollback()
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def check_redis(url: str) -> str | None:
    """Return None when Redis answers PING within a second, else what went wrong."""
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
        return None
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    finally:
        client.close()


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report the health of the database and Redis."""
    checks = {
        "database": check_database(),
        "redis": check_redis(current_app.config["REDIS_URL"]),
    }
    failing = {name: err for name, err in checks.items() if err}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: ("ok" if err is None else err) for name, err in checks.items()},
    }
    if failing:
        body["failing"] = sorted(failing)
    return jsonify(body), 200 if not failing else 503
