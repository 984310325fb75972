"""Personal API tokens: random, prefixed, kept only as a hash, last use recorded; made and
revoked on the profile page and with `flask tokens`; the API ignores sessions and the pages
ignore tokens."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from tests.api.conftest import SALES, bearer, new_token
from tests.conftest import csrf_from, sign_in
from webapp.api.tokens import PREFIX, revoke_token
from webapp.extensions import db
from webapp.models.api import ApiToken

TOKEN = re.compile(r"^tamam_[A-Za-z0-9_-]{43}$")


def test_a_token_is_prefixed_random_and_stored_only_as_its_hash(staff):
    """256 random bits after tamam_; the row holds its SHA-256 and a short prefix, never it."""
    secrets = {new_token(staff) for _ in range(20)}
    assert len(secrets) == 20 and all(TOKEN.match(s) for s in secrets)
    rows = db.session.scalars(select(ApiToken)).all()
    stored = {r.token_hash for r in rows}
    assert stored == {hashlib.sha256(s.encode()).hexdigest() for s in secrets}
    for row in rows:
        values = [str(getattr(row, c.key)) for c in ApiToken.__table__.c]
        assert not any(s in v for s in secrets for v in values)
        assert row.prefix.startswith(PREFIX) and len(row.prefix) == 12


def test_last_used_at_is_recorded(api, staff):
    """The first authenticated request stamps last_used_at."""
    secret = new_token(staff)
    assert db.session.scalar(select(ApiToken.last_used_at)) is None
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_revoked_token_stops_working_at_once(api, staff):
    """401 with WWW-Authenticate after revoking, in the API's envelope."""
    secret = new_token(staff)
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 200
    revoke_token(staff, db.session.scalar(select(ApiToken.id)))
    response = api.get("/v1/jobs", headers=bearer(secret))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_disabled_users_token_stops_working(api, staff):
    """Disabling a user disables their tokens."""
    secret = new_token(staff)
    staff.disabled = True
    db.session.commit()
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 401


def test_the_profile_page_creates_shows_once_lists_and_revokes(client, staff, app):
    """Create with a name: the secret shows once; the list shows the prefix; revoke works."""
    sign_in(client, staff.email)
    token = csrf_from(client, "/profile")
    page = client.post("/profile/tokens", data={"csrf_token": token, "name": "nightly script"})
    assert page.status_code == 201 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = re.search(r'data-testid="new-token">(tamam_[^<]+)<', html).group(1)
    api = app.test_client()
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 200
    later = client.get("/profile").get_data(as_text=True)
    assert "nightly script" in later and secret[:12] in later and secret not in later
    row = db.session.scalar(select(ApiToken))
    response = client.post(f"/profile/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 401


def test_the_profile_forms_need_csrf_and_the_owner(client, staff, other_staff):
    """No CSRF token: 400; another user's token id: 404 and still active."""
    mine = new_token(staff)
    assert mine
    sign_in(client, other_staff.email)
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 400
    token = csrf_from(client, "/profile")
    row = db.session.scalar(select(ApiToken))
    assert client.post(f"/profile/tokens/{row.id}/revoke",
                       data={"csrf_token": token}).status_code == 404  # fmt: skip
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None


def test_flask_tokens_create_and_revoke(app, staff):
    """`flask tokens create EMAIL --name N` prints a working token; `revoke` ends it."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", staff.email, "--name", "ci"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert TOKEN.match(secret)
    api = app.test_client()
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["tokens", "list", staff.email])
    assert secret[:12] in listed.output and secret not in listed.output and "ci" in listed.output
    row = db.session.scalar(select(ApiToken))
    assert runner.invoke(args=["tokens", "revoke", staff.email, str(row.id)]).exit_code == 0
    assert api.get("/v1/jobs", headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["tokens", "create", "nobody@example.com"]).exit_code != 0


def test_the_api_ignores_a_session_and_pages_ignore_tokens(client, staff, stub_broker):
    """A signed-in browser gets 401 from the API; a token gets no page."""
    sign_in(client, staff.email)
    response = client.post("/v1/reports/sales", json=SALES)
    assert response.status_code == 401
    secret = new_token(staff)
    fresh = client.application.test_client()
    page = fresh.get("/jobs", headers=bearer(secret))
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_the_api_needs_no_csrf_token(api, auth, stub_broker):
    """Token-authenticated POSTs pass without a CSRF token (the blueprint is exempt)."""
    assert api.post("/v1/reports/sales", json=SALES, headers=auth).status_code == 202
