"""`flask users create | list | disable | set-password`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD, csrf_from, make_user, sign_in
from webapp.auth.service import authenticate, find_user
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import SignInThrottle


@pytest.fixture
def cli(app: Flask, app_ctx: Flask) -> FlaskCliRunner:
    """A runner for the app's `flask` commands, with an app context for checking results."""
    return app.test_cli_runner()


def test_create_with_password(cli: FlaskCliRunner) -> None:
    """`users create --role admin --password` makes an admin who can sign in."""
    result = cli.invoke(
        args=["users", "create", "Boss@Example.com", "--role", "admin", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com." in result.output
    user = find_user("boss@example.com")
    assert user is not None and user.role == "admin"
    assert authenticate("boss@example.com", PASSWORD).user is not None


def test_create_prompts_for_the_password_twice(cli: FlaskCliRunner) -> None:
    """Without --password the command asks for it, hidden, with a confirmation."""
    result = cli.invoke(
        args=["users", "create", "new@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert PASSWORD not in result.output
    user = find_user("new@example.com")
    assert user is not None and user.role == "staff"


def test_create_refuses_a_taken_email(cli: FlaskCliRunner, staff) -> None:
    """A second account with the same email is refused with a clear message."""
    result = cli.invoke(args=["users", "create", staff.email, "--password", PASSWORD])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_refuses_a_short_password(cli: FlaskCliRunner) -> None:
    """Passwords under eight characters are refused."""
    result = cli.invoke(args=["users", "create", "short@example.com", "--password", "abc"])
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    assert find_user("short@example.com") is None


def test_create_refuses_an_unknown_role(cli: FlaskCliRunner) -> None:
    """Only staff and admin are roles."""
    result = cli.invoke(
        args=["users", "create", "x@example.com", "--role", "owner", "--password", PASSWORD]
    )
    assert result.exit_code == 2
    assert "'owner' is not one of 'staff', 'admin'" in result.output


def test_list_shows_users_with_role_and_state(cli: FlaskCliRunner, staff, admin) -> None:
    """`users list` prints every user with role, state and last sign-in."""
    staff.disabled = True
    db.session.commit()
    lines = cli.invoke(args=["users", "list"]).output.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:3] == ["admin@example.com", "admin", "active"]
    assert lines[1].split()[:3] == ["sara@example.com", "staff", "disabled"]
    assert lines[1].endswith("last sign-in never")


def test_list_without_users_says_how_to_create_one(cli: FlaskCliRunner) -> None:
    """An empty list tells the reader the command that creates the first user."""
    result = cli.invoke(args=["users", "list"])
    assert "flask users create EMAIL --role admin" in result.output


def test_disable_stops_sign_in(cli: FlaskCliRunner, staff) -> None:
    """A disabled user can no longer sign in."""
    result = cli.invoke(args=["users", "disable", staff.email])
    assert result.exit_code == 0 and f"Disabled {staff.email}." in result.output
    assert authenticate(staff.email, PASSWORD).user is None


def test_disable_unknown_email_fails(cli: FlaskCliRunner) -> None:
    """Disabling an email nobody has is an error, not a silent no-op."""
    result = cli.invoke(args=["users", "disable", "nobody@example.com"])
    assert result.exit_code == 1 and "No user with the email" in result.output


def test_set_password_replaces_it_and_lifts_the_lock(cli: FlaskCliRunner, staff) -> None:
    """`users set-password` sets a new password and clears a sign-in lock on that email."""
    db.session.add(
        SignInThrottle(
            email=staff.email,
            failures=9,
            last_failure_at=utcnow(),
            locked_until=utcnow() + timedelta(minutes=15),
        )
    )
    db.session.commit()
    result = cli.invoke(args=["users", "set-password", staff.email, "--password", "a new secret"])
    assert result.exit_code == 0, result.output
    assert f"Set a new password for {staff.email}." in result.output
    db.session.expire_all()
    assert db.session.get(SignInThrottle, staff.email) is None
    assert authenticate(staff.email, "a new secret").user is not None
    assert authenticate(staff.email, PASSWORD).user is None


def test_set_password_prompts_when_omitted(cli: FlaskCliRunner, staff) -> None:
    """Without --password the new one is asked for twice and never echoed."""
    result = cli.invoke(
        args=["users", "set-password", staff.email], input="prompted secret\nprompted secret\n"
    )
    assert result.exit_code == 0, result.output
    assert "New password:" in result.output and "prompted secret" not in result.output
    db.session.expire_all()
    assert check_password_hash(find_user(staff.email).password_hash, "prompted secret")


def test_set_password_for_a_disabled_user_says_so(cli: FlaskCliRunner) -> None:
    """Setting a disabled user's password works but warns that they still cannot sign in."""
    make_user("old@example.com", disabled=True)
    result = cli.invoke(args=["users", "set-password", "old@example.com", "--password", PASSWORD])
    assert result.exit_code == 0
    assert "disabled" in result.output


def test_set_password_unknown_email_fails(cli: FlaskCliRunner) -> None:
    """An unknown email is an error."""
    result = cli.invoke(args=["users", "set-password", "nobody@example.com", "--password", "x" * 9])
    assert result.exit_code == 1 and "No user with the email nobody@example.com" in result.output


REFUSED = [
    "x@perf.test",  # special-use domains cannot receive mail
    "root@localhost",
    "printer@office.local",
    "x@example.invalid",
    "no-at-sign.example.com",
    "a@b",
    "two@@example.com",
    "a b@example.com",
    "dot.@example.com",
]
ACCEPTED = [
    "me@example.com",  # the README's example and the demo's admin
    "First.Last+reports@Example.COM",
    "o'brien@example.org",
    "ops@corp.internal",
    "ana@sub.example.co.uk",
    "名前@example.jp",
]


@pytest.mark.parametrize("address", REFUSED)
def test_create_refuses_what_the_sign_in_form_refuses(
    cli: FlaskCliRunner, client: FlaskClient, address: str
) -> None:
    """An address the form would refuse is refused at creation, saying why."""
    result = cli.invoke(args=["users", "create", address, "--password", PASSWORD])
    assert result.exit_code == 1
    assert "is not a valid email address" in result.output
    assert find_user(address) is None
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": address, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "Enter a valid email." in response.get_data(as_text=True)


@pytest.mark.parametrize("address", ACCEPTED)
def test_every_address_create_accepts_can_sign_in(
    cli: FlaskCliRunner, client: FlaskClient, address: str
) -> None:
    """What `users create` accepts, the sign-in form accepts too: that user can sign in."""
    result = cli.invoke(args=["users", "create", address, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    sign_in(client, address)
    assert client.get("/home").status_code == 200
