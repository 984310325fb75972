"""'Keep me signed in': the cookie lasts REMEMBER_DAYS and a new password revokes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, csrf_from
from webapp.auth.service import set_password
from webapp.models.user import User
from webapp.settings import load_settings

NEW_PASSWORD = "a brand new passphrase"


def sign_in_remembered(client: FlaskClient, email: str) -> str:
    """Sign in with the box ticked; return the Set-Cookie header of the remember cookie."""
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    return next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )


def only_the_remember_cookie(app: Flask, client: FlaskClient) -> FlaskClient:
    """A fresh client holding nothing but `client`'s remember cookie (no session cookie)."""
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value, domain=cookie.domain or "localhost")
    return fresh


def test_remember_days_setting(tmp_path: Path) -> None:
    """REMEMBER_DAYS (default 14) becomes Flask-Login's REMEMBER_COOKIE_DURATION."""
    default = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert default["REMEMBER_DAYS"] == 14
    assert default["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    three = load_settings({"INSTANCE_DIR": str(tmp_path), "REMEMBER_DAYS": "3"})
    assert three["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)


def test_the_remember_cookie_expires_after_remember_days(client: FlaskClient, staff: User) -> None:
    """The cookie a browser gets expires in 14 days, not a year."""
    header = sign_in_remembered(client, staff.email)
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=14))) < timedelta(minutes=5)
    assert "HttpOnly" in header


def test_the_remember_cookie_alone_signs_in(app: Flask, client: FlaskClient, staff: User) -> None:
    """Without a session, the remember cookie is enough (so the next test proves something)."""
    sign_in_remembered(client, staff.email)
    response = only_the_remember_cookie(app, client).get("/home")
    assert response.status_code == 200 and staff.display_name in response.get_data(as_text=True)


def test_a_new_password_revokes_the_remember_cookie(
    app: Flask, client: FlaskClient, staff: User
) -> None:
    """After `set_password` (the CLI's service), the old remember cookie signs nobody in."""
    sign_in_remembered(client, staff.email)
    set_password(staff.email, NEW_PASSWORD)
    response = only_the_remember_cookie(app, client).get("/home")
    assert response.status_code == 302 and "/login" in response.location


def test_a_new_password_ends_other_sessions(staff_client: FlaskClient, staff: User) -> None:
    """A session signed in with the old password is signed out at its next request."""
    assert staff_client.get("/home").status_code == 200
    set_password(staff.email, NEW_PASSWORD)
    assert staff_client.get("/home").status_code == 302


def test_a_session_id_without_the_fingerprint_is_refused(
    staff_client: FlaskClient, staff: User
) -> None:
    """A session holding only the numeric user id (the old format, or a forgery) is anonymous."""
    with staff_client.session_transaction() as session:
        assert session["_user_id"] == staff.get_id()
        session["_user_id"] = str(staff.id)
    assert staff_client.get("/home").status_code == 302
