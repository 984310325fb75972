"""Personal API tokens: made with 256 random bits, shown once, kept only as a SHA-256.

A token reads `tamam_<43 url-safe characters>`: the prefix makes a leaked one easy to spot
(secret scanners, logs). Its hash is all the database holds, so a copy of the database signs
nobody in. A high-entropy secret needs no slow hash: SHA-256 cannot be reversed, and a lookup
by hash is one indexed read per request: the token's and its user's columns the API needs,
read without building either object; a status poll's job row comes in the same statement.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import Row, and_, bindparam, select, update

from webapp.api.reads import read_apart
from webapp.engine.public import STATUS_COLUMNS
from webapp.extensions import db
from webapp.i18n import N_
from webapp.i18n import gettext as _
from webapp.models.api import ApiToken
from webapp.models.job import Job
from webapp.models.types import utcnow
from webapp.models.user import User

PREFIX = "tamam_"
SHOWN = 12  # characters of a token kept to tell tokens apart in lists: "tamam_AbCdEf"
NAME_MAX = 80
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token
# The profile page's flash after a revocation (webapp/auth/api_access.py): the API's catalog
# holds the words about tokens.
REVOKED = N_("The token “%(name)s” (%(prefix)s…) is revoked.")


class TokenError(ValueError):
    """A token cannot be made or found as asked."""


class Caller(NamedTuple):
    """Who a request's valid token speaks for (and the job asked for with it, if theirs)."""

    token_id: int
    user_id: int
    job: Row[Any] | None = None


_tokens, _users, _jobs = ApiToken.__table__, User.__table__, Job.__table__
# Built once: the token with its user's `disabled`, by hash (unique index), in one read.
_LOOKUP = (
    select(_tokens.c.id.label("token_id"), _tokens.c.user_id.label("token_user_id"),
           _tokens.c.revoked_at, _tokens.c.last_used_at, _users.c.disabled)
    .join(_users, _users.c.id == _tokens.c.user_id)
    .where(_tokens.c.token_hash == bindparam("token_hash"))
)  # fmt: skip
# The same, with one job of the token's user by id (its status columns; NULLs when the job is
# missing or another user's): a status poll's two reads in one statement.
_LOOKUP_WITH_JOB = (
    _LOOKUP.add_columns(*(_jobs.c[name] for name in STATUS_COLUMNS))
    .outerjoin(_jobs, and_(_jobs.c.id == bindparam("job_id"),
                           _jobs.c.user_id == _tokens.c.user_id))
)  # fmt: skip


def hash_token(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make, store (as a hash) and return a token with its secret: the only time it is seen."""
    label = " ".join((name or "").split())
    if len(label) > NAME_MAX:
        raise TokenError(_("A token's name can be at most %(max)s characters long.", max=NAME_MAX))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=label or "API token",
        prefix=secret[:SHOWN],
        token_hash=hash_token(secret),
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens (TokenError when it is not theirs or not found)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate(secret: str, job_id: str | None = None) -> Caller | None:
    """Who an active token with this secret speaks for, if its user may sign in; else None.

    With `job_id`, that job's row comes in the same read when it is the token user's
    (`Caller.job`, else None): the token is checked exactly as without it.
    """
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    params = {"token_hash": hash_token(secret)}
    if job_id is None:
        row = db.session.execute(_LOOKUP, params).first()
    else:  # a status poll, which changes nothing: its one read, outside the session
        row = read_apart(_LOOKUP_WITH_JOB, {**params, "job_id": job_id}).first()
    if row is None or row.revoked_at is not None or row.disabled:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        db.session.execute(
            update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now)
        )
        db.session.commit()
    job = row if job_id is not None and row.id is not None else None
    return Caller(row.token_id, row.token_user_id, job)
