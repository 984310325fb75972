"""Bearer-token authentication for /v1: the only credential the API accepts.

Session cookies are never read here (the API works the same with or without one), and the
pages never read tokens (Flask-Login only knows sessions), so neither can stand in for the
other.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy import Row
from sqlalchemy.orm import make_transient_to_detached

from webapp.api.errors import ApiError
from webapp.api.reads import reads_only
from webapp.api.tokens import authenticate
from webapp.extensions import db
from webapp.i18n import gettext as _
from webapp.models.user import User

# Endpoints of the blueprint anyone may read: the API's description and its docs page.
OPEN_ENDPOINTS = {"api.openapi", "api.docs"}
READ_METHODS = {"GET", "HEAD"}  # every API view for them only reads
# Views that read one job as a row: the token's check reads it in the same statement.
ONE_JOB_READS = {"api.show_job"}


def bearer_secret() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_token() -> None:
    """before_request of the API: sets g.api_user_id and g.api_token_id, or answers 401."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    secret = bearer_secret()
    if secret is None:
        raise ApiError(
            "unauthorized",
            _(
                "Send a personal API token: Authorization: Bearer <token> "
                "(make one on your profile)."
            ),
        )
    job_id = None
    if request.endpoint in ONE_JOB_READS:  # the token and the job in one read (read_apart)
        asked = str((request.view_args or {}).get("job_id", ""))
        job_id = asked if 0 < len(asked) <= 50 else None
    if request.method in READ_METHODS and job_id is None:
        reads_only()
    caller = authenticate(secret, job_id)
    if caller is None:
        raise ApiError(
            "unauthorized",
            _("This token is not valid: unknown, revoked, or its user is disabled."),
            headers={"WWW-Authenticate": 'Bearer realm="tamam", error="invalid_token"'},
        )
    g.api_token_id = caller.token_id
    g.api_user_id = caller.user_id
    if job_id is not None:
        g.api_job_rows = {job_id: caller.job}


def jobs_read_with_token() -> dict[str, Row[Any] | None]:
    """The job rows the token's check read (job id: its row, None when not the user's)."""
    rows: dict[str, Row[Any] | None] = g.get("api_job_rows") or {}
    return rows


def api_user_id() -> int:
    """The id of the user the request's token belongs to (no query)."""
    user_id: int = g.api_user_id
    return user_id


def api_user() -> User:
    """The user the request's token belongs to, as a persistent object that knows only its id.

    The token's check has just read the row; submitting work needs no more than the id, so no
    second read is made for it. Any other column is loaded when first used (SQLAlchemy's
    merge without load: the object is attached to the session under its identity).
    """
    user: User | None = g.get("api_user")
    if user is None:
        known = User(id=g.api_user_id)
        make_transient_to_detached(known)
        user = db.session.merge(known, load=False)
        g.api_user = user
    return user
