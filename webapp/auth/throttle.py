"""The per-email sign-in throttle, safe under parallel requests.

Every attempt is charged *before* its password is checked, by one compare-and-swap upsert:

    INSERT INTO sign_in_throttles ... ON CONFLICT (email) DO UPDATE
        SET failures = :seen + 1, ... WHERE sign_in_throttles.failures = :seen
        RETURNING failures

Of the requests that read the same count, exactly one gets a row back; the others are told to
try again in a few seconds. So at most one password is checked per count value, whatever the
number of parallel requests, on SQLite and PostgreSQL alike. A successful sign-in deletes the
row; a failed one keeps its charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models.user import SignInThrottle

TABLE = SignInThrottle.__table__


@dataclass(frozen=True)
class Seen:
    """The throttle row as one request read it."""

    failures: int
    last_failure_at: datetime | None
    locked_until: datetime | None


def read(email: str) -> Seen | None:
    """The email's throttle row now, or None; ends the read transaction."""
    row = db.session.execute(
        select(
            SignInThrottle.failures, SignInThrottle.last_failure_at, SignInThrottle.locked_until
        ).where(SignInThrottle.email == email)
    ).first()
    db.session.commit()
    return None if row is None else Seen(row[0], row[1], row[2])


def lock_expired(seen: Seen | None, now: datetime) -> bool:
    """True when the row holds a lock that has served its time (the count starts again)."""
    return seen is not None and seen.locked_until is not None and seen.locked_until <= now


def wait_seconds(seen: Seen | None, now: datetime) -> int:
    """Seconds the caller must still wait before another attempt for this email."""
    if seen is None:
        return 0
    if seen.locked_until and seen.locked_until > now:
        return math.ceil((seen.locked_until - now).total_seconds())
    slow_after = current_app.config["LOGIN_SLOWDOWN_AFTER"]
    if seen.failures >= slow_after and seen.last_failure_at and not lock_expired(seen, now):
        # Slowed: 2, 4, 8 ... seconds between attempts once past the threshold.
        ready = seen.last_failure_at + timedelta(seconds=2 ** (seen.failures - slow_after + 1))
        if ready > now:
            return math.ceil((ready - now).total_seconds())
    return 0


def _insert(dialect: str) -> Any:
    """The dialect's INSERT that knows ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(TABLE)
    if dialect == "sqlite":
        return sqlite.insert(TABLE)
    raise RuntimeError(f"The sign-in throttle needs SQLite or PostgreSQL, not {dialect}")


def charge(email: str, seen: Seen | None, now: datetime) -> int | None:
    """Count one failure in advance; the new count, or None if a parallel request got there first.

    The charge that reaches LOGIN_LOCK_AFTER also sets the lock, so no request can slip in
    between it and its password check; if that password is right the row is deleted anyway.
    """
    config = current_app.config
    expected = 0 if seen is None else seen.failures
    charged = 1 if lock_expired(seen, now) else expected + 1

    def lock_for(count: int) -> datetime | None:
        if count < config["LOGIN_LOCK_AFTER"]:
            return None
        return now + timedelta(seconds=config["LOGIN_LOCK_SECONDS"])

    insert = _insert(db.engine.dialect.name).values(
        email=email, failures=1, last_failure_at=now, locked_until=lock_for(1)
    )
    statement = insert.on_conflict_do_update(
        index_elements=[TABLE.c.email],
        set_={"failures": charged, "last_failure_at": now, "locked_until": lock_for(charged)},
        where=TABLE.c.failures == expected,
    ).returning(TABLE.c.failures)
    count = db.session.execute(statement).scalar()
    db.session.commit()
    return count


def locked_seconds(count: int) -> int:
    """How long a failure that brought the count to `count` locks the email (0: no lock)."""
    config = current_app.config
    return int(config["LOGIN_LOCK_SECONDS"]) if count >= config["LOGIN_LOCK_AFTER"] else 0


def clear(email: str) -> None:
    """Forget the email's failures (a successful sign-in, a new password); caller commits."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.email == email))
