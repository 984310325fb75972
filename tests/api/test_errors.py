"""One envelope for every API error: {"error": {"code", "message", "details"}}, with the
status and headers RFC 9110 asks for."""

from __future__ import annotations

import pytest

from tests.api.conftest import SALES, bearer, new_token
from webapp.api.errors import CODES


def envelope_of(response) -> dict:
    """The error object, after checking the envelope's shape."""
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] in CODES
    assert CODES[body["error"]["code"]][0] == response.status_code
    assert response.mimetype == "application/json"
    return body["error"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer tamam_not-a-real-token"}, {"Authorization": "Bearer " + "x" * 5000}],
)  # fmt: skip
def test_401_with_www_authenticate(api, staff, headers):
    """Missing, malformed or unknown credentials: 401, WWW-Authenticate: Bearer."""
    response = api.get("/v1/jobs", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="tamam"')
    assert envelope_of(response)["code"] == "unauthorized"


def test_404_for_unknown_paths_and_405_with_allow(api, auth):
    """Routing errors under /v1 use the envelope too."""
    assert envelope_of(api.get("/v1/nothing-here", headers=auth))["code"] == "not_found"
    response = api.put("/v1/jobs", headers=auth)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert envelope_of(response)["code"] == "method_not_allowed"


def test_415_for_a_body_that_is_not_json(api, auth, stub_broker):
    """A form post or text body is refused before anything else."""
    response = api.post("/v1/reports/sales", data={"from": "2025-01-01"}, headers=auth)
    assert response.status_code == 415
    assert envelope_of(response)["code"] == "unsupported_media_type"


def test_400_for_malformed_json(api, auth, stub_broker):
    """JSON that does not parse."""
    response = api.post("/v1/reports/sales", data="{nope", content_type="application/json",
                        headers=auth)  # fmt: skip
    assert response.status_code == 400 and envelope_of(response)["code"] == "malformed_json"


def test_413_for_a_body_over_the_limit(api, auth, app, monkeypatch, stub_broker):
    """MAX_CONTENT_LENGTH holds for the API and answers in the envelope."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    body = {**SALES, "name": "x" * 2000}
    response = api.post("/v1/reports/sales", json=body, headers=auth)
    assert response.status_code == 413 and envelope_of(response)["code"] == "payload_too_large"


def test_422_details_name_fields(api, auth, stub_broker):
    """Each detail has a field and a message."""
    response = api.post("/v1/reports/sales", json={"format": "pdf"}, headers=auth)
    error = envelope_of(response)
    assert error["code"] == "validation_failed"
    assert {d["field"] for d in error["details"]} == {"from", "to"}


def test_429_per_token_on_post_with_retry_after(api, app, staff, other_staff, monkeypatch,
                                                stub_broker):  # fmt: skip
    """Over API_RATE_LIMIT POSTs a token gets 429 + Retry-After; another token is not held."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    mine, theirs = bearer(new_token(staff)), bearer(new_token(other_staff))
    statuses = [api.post("/v1/reports/sales", json=SALES, headers=mine).status_code
                for _ in range(4)]  # fmt: skip
    assert statuses == [202, 202, 202, 429]
    response = api.post("/v1/reports/sales", json=SALES, headers=mine)
    assert response.status_code == 429 and envelope_of(response)["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert api.get("/v1/jobs", headers=mine).status_code == 200  # GETs are not limited
    assert api.post("/v1/reports/sales", json=SALES, headers=theirs).status_code == 202


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Each test counts from zero."""
    from webapp.api.limits import limiter

    with app.app_context():
        limiter.reset()
    yield
