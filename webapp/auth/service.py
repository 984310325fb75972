"""Users and sign-in: password hashing, account creation, throttling of failed attempts."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth import throttle
from webapp.extensions import db
from webapp.i18n import N_, ngettext
from webapp.i18n import gettext as _
from webapp.models.types import utcnow
from webapp.models.user import ROLES, User

# A hash to check against when the email is unknown, so both paths cost the same.
_DUMMY_HASH: dict[str, str] = {}


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return email.strip().lower()


def validate_email_address(email: str) -> str:
    """The normalised address if a user can have it; UserError saying why not otherwise.

    One rule for `flask users create` and the sign-in form: syntax as email_validator checks
    it, without DNS, refusing special-use domains (.test, .local, localhost, .invalid ...)
    that can never receive mail. Documentation domains such as example.com are accepted.
    """
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise UserError(f"{email!r} is not a valid email address: {exc}") from exc
    return email


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt n=32768 r=8 p=3 by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def generate_password() -> str:
    """A random password for a new account."""
    return secrets.token_urlsafe(12)


def find_user(email: str) -> User | None:
    """The user with this email, or None."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, role: str = "staff", name: str = "") -> User:
    """Create and commit a user; refuses a bad role or email, a short password, a taken email."""
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    email = validate_email_address(email)
    if len(password) < 8:
        raise UserError("The password must be at least 8 characters long.")
    if find_user(email):
        raise UserError(f"A user with the email {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), role=role, name=name)
    db.session.add(user)
    db.session.commit()
    return user


def set_password(email: str, password: str) -> User:
    """Replace a user's password and clear the sign-in throttle for their email."""
    user = find_user(email)
    if user is None:
        raise UserError(f"No user with the email {normalise_email(email)}.")
    if len(password) < 8:
        raise UserError("The password must be at least 8 characters long.")
    user.password_hash = hash_password(password)
    throttle.clear(user.email)
    db.session.commit()
    return user


def count_admins() -> int:
    """How many active admins exist."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.disabled.is_(False))
        )
        or 0
    )


@dataclass
class SignInResult:
    """The outcome of a sign-in attempt: a user, or an error to show."""

    user: User | None = None
    error: str | None = None
    retry_after: int = 0


GENERIC_FAILURE = N_("The email or password is incorrect.")
# Another request for the same email was being checked at the same moment.
BUSY_FAILURE = N_("Too many sign-in attempts at once. Try again in a few seconds.")
BUSY_RETRY_AFTER = 3


def _wait_message(seconds: int) -> str:
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Too many failed attempts. Try again in %(num)s minute.",
            "Too many failed attempts. Try again in %(num)s minutes.",
            minutes,
        )
    return ngettext(
        "Too many failed attempts. Try again in %(num)s second.",
        "Too many failed attempts. Try again in %(num)s seconds.",
        seconds,
    )


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials, with the same answer for a wrong email and a wrong password.

    The attempt is charged to the email's throttle before the password is checked, so parallel
    guesses cannot get more checks than the throttle counts (see webapp/auth/throttle.py).
    """
    email = normalise_email(email)
    now = utcnow()
    seen = throttle.read(email)
    wait = throttle.wait_seconds(seen, now)
    if wait:
        return SignInResult(error=_wait_message(wait), retry_after=wait)
    count = throttle.charge(email, seen, now)
    if count is None:
        return SignInResult(error=_(BUSY_FAILURE), retry_after=BUSY_RETRY_AFTER)
    user = find_user(email)
    if user is None:
        if "h" not in _DUMMY_HASH:
            _DUMMY_HASH["h"] = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH["h"], password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password) and user.is_active
    if not ok:
        locked = throttle.locked_seconds(count)
        if locked:
            return SignInResult(error=_wait_message(locked), retry_after=locked)
        return SignInResult(error=_(GENERIC_FAILURE))
    assert user is not None
    throttle.clear(email)
    user.last_login_at = utcnow()
    db.session.commit()
    return SignInResult(user=user)
