"""Fixtures for the JSON API: tokens, an anonymous client, bearer headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.api.tokens import create_token
from webapp.models.user import User

SALES = {"from": "2025-01-01", "to": "2025-01-31", "format": "pdf"}
ORDERS = {"from": "2025-01-01", "to": "2025-01-31", "format": "csv", "region": "North"}


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {secret}"}


def new_token(user: User, name: str = "test") -> str:
    """A fresh token's secret for `user`."""
    return create_token(user, name)[1]


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    """A client with no session at all: the API's callers are scripts."""
    return app.test_client()


@pytest.fixture
def token(staff: User) -> str:
    """A token of the staff user."""
    return new_token(staff)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """The staff user's bearer header."""
    return bearer(token)


def post_json(client: FlaskClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    """POST `body` as JSON."""
    return client.post(path, json=body, headers=headers)


def fetch(client: FlaskClient, url: str, **kwargs: Any) -> tuple[int, bytes, Any]:
    """GET url: (status, body, headers), closing the file a download holds open."""
    response = client.get(url, **kwargs)
    body = response.get_data()
    response.close()
    return response.status_code, body, response.headers
