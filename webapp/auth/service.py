"""Users and sign-in: password hashing, account creation, throttling of failed attempts."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import ROLES, SignInThrottle, User

# A hash to check against when the email is unknown, so both paths cost the same.
_DUMMY_HASH: dict[str, str] = {}


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return email.strip().lower()


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
    """Create and commit a user; refuses a bad role, short password or taken email."""
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address.")
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
    throttle = db.session.get(SignInThrottle, user.email)
    if throttle is not None:
        db.session.delete(throttle)
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


GENERIC_FAILURE = "The email or password is incorrect."


def _wait_message(seconds: int) -> str:
    if seconds >= 90:
        return f"Too many failed attempts. Try again in {math.ceil(seconds / 60)} minutes."
    return f"Too many failed attempts. Try again in {seconds} seconds."


def _throttle_wait(row: SignInThrottle | None) -> int:
    """Seconds the caller must still wait before another attempt for this email."""
    if row is None:
        return 0
    now = utcnow()
    if row.locked_until and row.locked_until > now:
        return math.ceil((row.locked_until - now).total_seconds())
    slow_after = current_app.config["LOGIN_SLOWDOWN_AFTER"]
    if row.failures >= slow_after and row.last_failure_at:
        # Slowed: 2, 4, 8 ... seconds between attempts once past the threshold.
        delay = timedelta(seconds=2 ** (row.failures - slow_after + 1))
        ready = row.last_failure_at + delay
        if ready > now:
            return math.ceil((ready - now).total_seconds())
    return 0


def _record_failure(email: str, row: SignInThrottle | None) -> int:
    now = utcnow()
    if row is None:
        row = SignInThrottle(email=email, failures=0)
        db.session.add(row)
    if row.locked_until and row.locked_until <= now:
        row.failures, row.locked_until = 0, None  # the lock served its time
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= current_app.config["LOGIN_LOCK_AFTER"]:
        row.locked_until = now + timedelta(seconds=current_app.config["LOGIN_LOCK_SECONDS"])
    db.session.commit()
    return _throttle_wait(row)


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials, with the same answer for a wrong email and a wrong password."""
    email = normalise_email(email)
    row = db.session.get(SignInThrottle, email)
    wait = _throttle_wait(row)
    if wait:
        return SignInResult(error=_wait_message(wait), retry_after=wait)
    user = find_user(email)
    if user is None:
        if "h" not in _DUMMY_HASH:
            _DUMMY_HASH["h"] = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH["h"], password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password) and user.is_active
    if not ok:
        wait = _record_failure(email, row)
        if row is not None and row.locked_until and wait:
            return SignInResult(error=_wait_message(wait), retry_after=wait)
        return SignInResult(error=GENERIC_FAILURE)
    if row is not None:
        db.session.delete(row)
    assert user is not None
    user.last_login_at = utcnow()
    db.session.commit()
    return SignInResult(user=user)
