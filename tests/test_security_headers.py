"""Security headers: HSTS in production only, and the ones every response carries."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp.settings import load_settings

YEAR = 31536000


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TAMAM_ENV": "production", "SECRET_KEY": "s" * 32}, YEAR),
        ({"TAMAM_ENV": "production", "SECRET_KEY": "s" * 32, "HSTS_SECONDS": "0"}, 0),
        ({"TAMAM_ENV": "production", "SECRET_KEY": "s" * 32, "HSTS_SECONDS": "600"}, 600),
        ({}, 0),
        ({"TAMAM_ENV": "testing"}, 0),
    ],
)
def test_hsts_seconds_defaults_to_a_year_in_production_only(
    tmp_path: Path, env: dict[str, str], expected: int
) -> None:
    """HSTS_SECONDS: a year in production unless set; 0 (off) in development and testing."""
    assert load_settings({**env, "INSTANCE_DIR": str(tmp_path)})["HSTS_SECONDS"] == expected


@pytest.mark.parametrize(
    ("tamam_env", "seconds", "header"),
    [
        ("production", YEAR, f"max-age={YEAR}; includeSubDomains"),
        ("production", 0, None),
        ("development", YEAR, None),
        ("testing", YEAR, None),
    ],
)
def test_strict_transport_security_only_in_production(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    tamam_env: str,
    seconds: int,
    header: str | None,
) -> None:
    """Production answers with Strict-Transport-Security; development and testing never do."""
    monkeypatch.setitem(app.config, "TAMAM_ENV", tamam_env)
    monkeypatch.setitem(app.config, "HSTS_SECONDS", seconds)
    for path in ("/login", "/healthz", "/jobs"):  # a page, a probe, a redirect to sign-in
        assert client.get(path).headers.get("Strict-Transport-Security") == header


def test_every_response_carries_the_basic_headers(client: FlaskClient) -> None:
    """CSP, nosniff, referrer policy and frame denial are on every response."""
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
