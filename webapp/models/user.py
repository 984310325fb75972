"""Users who sign in, and the per-email sign-in throttle."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

ROLES = ("staff", "admin")


def password_fingerprint(password_hash: str) -> str:
    """16 hex digits of SHA-256 of the password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class User(UserMixin, db.Model):
    """A back-office user: staff run their own jobs, admins see everyone's and the machinery."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    # 'en' or 'ar'; None follows the browser (Accept-Language). See webapp.i18n.
    language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_id(self) -> str:
        """Flask-Login's id, kept in sessions and remember cookies: '<id>.<fingerprint>'.

        The fingerprint of the password hash makes a new password end every other session and
        revoke every remember cookie (the user loader checks it).
        """
        return f"{self.id}.{password_fingerprint(self.password_hash)}"

    @property
    def is_admin(self) -> bool:
        """True for users with the admin role."""
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """Disabled users cannot sign in or keep a session."""
        return not self.disabled

    @property
    def display_name(self) -> str:
        """The name to show in the navigation."""
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SignInThrottle(db.Model):
    """Failed sign-ins per email address, known or not, so throttling reveals nothing."""

    __tablename__ = "sign_in_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
