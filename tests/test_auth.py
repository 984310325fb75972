"""Signing in and out: messages, throttling, cookies, CSRF, redirects, password hashing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import PASSWORD, csrf_from, make_user, sign_in
from webapp.auth import service
from webapp.auth.service import GENERIC_FAILURE, hash_password
from webapp.models.user import User
from webapp.settings import load_settings


def post_login(
    client: FlaskClient, email: str, password: str, query: str = "", token: str | None = None
) -> tuple[int, str, str]:
    """Submit the sign-in form; return status, page text and Location."""
    token = token if token is not None else csrf_from(client, "/login")
    response = client.post(
        f"/login{query}", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code, response.get_data(as_text=True), response.location or ""


def alert_text(html: str) -> str:
    """The text of the page's error alert."""
    match = re.search(r'<div class="alert alert-error" role="alert">\s*<p>(.*?)</p>', html, re.S)
    assert match, "no error alert on the page"
    return match.group(1).strip()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Freeze the sign-in throttle's clock; call the fixture's value to move it forward."""
    now = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(service, "utcnow", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)

    return advance


def test_sign_in_and_out(client: FlaskClient, staff: User) -> None:
    """A user signs in through the form, lands on home, and after signing out is asked again."""
    status, _, location = post_login(client, staff.email, PASSWORD)
    assert status == 302 and location.endswith("/home")
    assert staff.email in client.get("/home").get_data(as_text=True)

    token = csrf_from(client, "/home")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "You have signed out." in client.get("/login").get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_email_is_matched_without_case_or_spaces(client: FlaskClient, staff: User) -> None:
    """The email is trimmed and lower-cased before it is looked up."""
    status, _, _ = post_login(client, "  SARA@Example.COM ", PASSWORD)
    assert status == 302


def test_same_message_for_wrong_email_and_wrong_password(client: FlaskClient, staff: User) -> None:
    """An unknown email and a wrong password get the same status and the same words."""
    wrong_email = post_login(client, "nobody@example.com", PASSWORD)
    wrong_password = post_login(client, staff.email, "not the password")
    assert wrong_email[0] == wrong_password[0] == 401
    assert alert_text(wrong_email[1]) == alert_text(wrong_password[1]) == GENERIC_FAILURE


def test_failures_slow_then_lock_one_account(
    app: Flask,
    client: FlaskClient,
    staff: User,
    other_staff: User,
    clock: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the thresholds an email must wait, then is locked; another account is unaffected."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_AFTER", 2)
    monkeypatch.setitem(app.config, "LOGIN_LOCK_AFTER", 4)
    monkeypatch.setitem(app.config, "LOGIN_LOCK_SECONDS", 600)

    assert post_login(client, staff.email, "wrong-1")[0] == 401
    assert post_login(client, staff.email, "wrong-2")[0] == 401
    status, html, _ = post_login(client, staff.email, PASSWORD)  # right, but too soon
    assert status == 429
    assert alert_text(html) == "Too many failed attempts. Try again in 2 seconds."

    clock(2)
    assert post_login(client, staff.email, "wrong-3")[0] == 401
    clock(4)
    status, html, _ = post_login(client, staff.email, "wrong-4")
    assert status == 429
    assert alert_text(html) == "Too many failed attempts. Try again in 10 minutes."

    clock(60)
    status, html, _ = post_login(client, staff.email, PASSWORD)  # still locked
    assert status == 429 and "Try again in 9 minutes" in alert_text(html)
    assert post_login(client, other_staff.email, PASSWORD)[0] == 302

    client.post("/logout", data={"csrf_token": csrf_from(client, "/home")})
    clock(600)
    assert post_login(client, staff.email, PASSWORD)[0] == 302


def test_unknown_email_is_throttled_like_a_known_one(
    app: Flask, client: FlaskClient, clock: Callable[[float], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Throttling does not reveal whether an account exists: unknown emails lock too."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_AFTER", 1)
    monkeypatch.setitem(app.config, "LOGIN_LOCK_AFTER", 2)
    assert post_login(client, "ghost@example.com", "x")[0] == 401
    clock(2)
    status, html, _ = post_login(client, "ghost@example.com", "x")
    assert status == 429 and alert_text(html).startswith("Too many failed attempts.")


def test_session_cookie_is_httponly_and_lax(client: FlaskClient, staff: User) -> None:
    """The session cookie set at sign-in is HttpOnly and SameSite=Lax (not Secure in tests)."""
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_with_production_settings(
    app: Flask, client: FlaskClient, staff: User, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """With production settings the session and remember cookies are Secure."""
    production = load_settings(
        {"TAMAM_ENV": "production", "SECRET_KEY": "s" * 32, "INSTANCE_DIR": str(tmp_path)}
    )
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", production["SESSION_COOKIE_SECURE"])
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_session_is_renewed_at_sign_in(client: FlaskClient, staff: User) -> None:
    """Whatever the session held before sign-in (a planted value) is gone after it."""
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    sign_in(client, staff.email)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("_user_id") == staff.get_id()  # "<id>.<password fingerprint>"


def test_login_without_csrf_token_is_refused(client: FlaskClient, staff: User) -> None:
    """A sign-in POST without the CSRF token is refused and signs nobody in."""
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_logout_without_csrf_token_is_refused(staff_client: FlaskClient) -> None:
    """Sign-out is a POST with CSRF: without the token nothing happens."""
    response = staff_client.post("/logout")
    assert response.status_code == 400
    assert staff_client.get("/home").status_code == 200


def test_logout_by_get_is_not_allowed(staff_client: FlaskClient) -> None:
    """A GET cannot sign anyone out (no state change on GET)."""
    assert staff_client.get("/logout").status_code == 405
    assert staff_client.get("/home").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "home",
    ],
)
def test_next_parameter_never_leaves_the_site(
    client: FlaskClient, staff: User, target: str
) -> None:
    """?next= pointing off the site (or anything odd) sends the user home instead."""
    from urllib.parse import quote

    status, _, location = post_login(client, staff.email, PASSWORD, f"?next={quote(target)}")
    assert status == 302
    assert location == "/home"


def test_next_parameter_to_a_local_page_is_followed(client: FlaskClient, staff: User) -> None:
    """?next= with a path on this site is where the user lands after signing in."""
    status, _, location = post_login(client, staff.email, PASSWORD, "?next=/login%3Fx%3D1")
    assert status == 302
    assert location == "/login?x=1"


def test_disabled_user_cannot_sign_in(app_ctx: Flask, client: FlaskClient) -> None:
    """A disabled account gets the generic failure, even with the right password."""
    make_user("gone@example.com", disabled=True)
    status, html, _ = post_login(client, "gone@example.com", PASSWORD)
    assert status == 401
    assert alert_text(html) == GENERIC_FAILURE


def test_disabled_user_loses_their_session(
    app_ctx: Flask, staff_client: FlaskClient, staff: User
) -> None:
    """Disabling a signed-in user ends their session at the next request."""
    from webapp.extensions import db

    db.session.get(User, staff.id).disabled = True
    db.session.commit()
    assert staff_client.get("/home").status_code == 302


def test_default_password_hash_is_scrypt_p3(
    app: Flask, app_ctx: Flask, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default hash method is scrypt n=32768 r=8 p=3, and hashes made with it verify."""
    method = load_settings({"INSTANCE_DIR": str(tmp_path)})["PASSWORD_HASH_METHOD"]
    assert method == "scrypt:32768:8:3"
    hashed = generate_password_hash(PASSWORD, method=method)
    assert hashed.startswith("scrypt:32768:8:3$")
    assert check_password_hash(hashed, PASSWORD)
    assert not check_password_hash(hashed, PASSWORD + "!")

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", method)
    assert hash_password(PASSWORD).startswith("scrypt:32768:8:3$")


def test_an_absurdly_long_next_is_refused_not_followed(client: FlaskClient, staff: User) -> None:
    """?next= is read by the strict query helper: over 2000 characters is a 400 naming it."""
    status, html, _ = post_login(client, staff.email, PASSWORD, "?next=/" + "a" * 2001)
    assert status == 400 and "The ?next= parameter is too long" in html
    assert client.get("/home").status_code == 302  # and nobody was signed in


def test_the_attempt_that_reaches_the_lock_still_signs_in_when_right(
    app: Flask,
    client: FlaskClient,
    staff: User,
    clock: Callable[[float], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lock is charged with the last allowed attempt, but a right password still wins."""
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN_AFTER", 5)
    monkeypatch.setitem(app.config, "LOGIN_LOCK_AFTER", 3)
    assert post_login(client, staff.email, "wrong-1")[0] == 401
    assert post_login(client, staff.email, "wrong-2")[0] == 401
    assert post_login(client, staff.email, PASSWORD)[0] == 302
    client.post("/logout", data={"csrf_token": csrf_from(client, "/home")})
    assert post_login(client, staff.email, "wrong-again")[0] == 401  # the count started over
