"""GET /healthz: 200 when the database and Redis answer, 503 naming the one that does not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.embedded_redis import free_port
from webapp.extensions import db


def test_healthy_when_both_answer(client: FlaskClient) -> None:
    """With the database and Redis up, /healthz says ok with 200, without signing in."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_503_names_redis_when_it_does_not_answer(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With REDIS_URL pointing at a closed port, /healthz is 503 and names redis only."""
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unavailable"
    assert body["failing"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert "ConnectionError" in body["checks"]["redis"]


@pytest.fixture
def app_without_database(tmp_path: Path, redis_url: str) -> Iterator[Flask]:
    """An app whose SQLite file lives in a folder that does not exist."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'x.db'}",
            "REDIS_URL": redis_url,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_503_names_the_database_when_it_does_not_answer(app_without_database: Flask) -> None:
    """With a database that cannot be opened, /healthz is 503 and names the database."""
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["failing"] == ["database"]
    assert response.json["checks"]["redis"] == "ok"
