"""What the API's views do with jobs: submit with an idempotency key and a callback, find the
user's own, page through them, estimate when to ask again."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from datetime import datetime
from typing import Any

from flask import current_app, request
from sqlalchemy import Row, and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from webapp.api.auth import api_user_id, jobs_read_with_token
from webapp.api.errors import ApiError, api_language, say_known
from webapp.api.schemas import JobListQuery, OrdersExportRequest, SalesReportRequest
from webapp.engine import eta as eta_module
from webapp.engine.errors import ParamError
from webapp.engine.public import STATUS_COLUMNS, iso, job_body, status_path
from webapp.engine.service import submit_row
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, N_
from webapp.i18n import gettext as _
from webapp.jobs.messages import say
from webapp.models.api import IdempotencyKey, JobCallback
from webapp.models.job import ACTIVE_STATUSES, Job
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.notifications.job_webhook import secret_of
from webapp.notifications.safe_http import UnsafeUrl, check_url

# The engine's parameter names, as the API's fields are called (seed 001: from, to).
FIELD_NAMES = {"date_from": "from", "date_to": "to"}
KEY_MAX = 255
RETRY_MIN, RETRY_MAX, RETRY_UNKNOWN = 1, 60, 2
# Why a callback URL is refused, as webapp.notifications.safe_http words it (in English, for the
# webhook log too): said again in the request's language.
UNSAFE_URL_WORDS = (
    N_("Give an http or https URL of at most %(max)s characters."),
    N_("This is not a valid URL."),
    N_("Only http and https URLs can receive webhooks."),
    N_("The URL has no host."),
    N_("The URL may not carry a user name or password."),
    N_("The host %(host)s does not resolve."),
    N_(
        "The host %(host)s is a private, loopback or link-local address (%(address)s); "
        "webhooks go to public addresses only."
    ),
)


def status_url(job_id: str) -> str:
    """/v1/jobs/<id>."""
    return status_path(job_id)


def require_json_body() -> None:
    """before_request: a POST's body must be JSON (415 otherwise) that parses (400)."""
    if request.method != "POST":
        return
    if request.mimetype != "application/json":
        raise ApiError(
            "unsupported_media_type",
            _("Send the body as JSON with Content-Type: application/json."),
            {"content_type": request.mimetype or None},
        )
    try:
        body = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError("malformed_json", _("The body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise ApiError("validation_failed", _("The body must be a JSON object."),
                       [{"field": "body", "message": _("must be a JSON object")}])  # fmt: skip


def own_job(job_id: str) -> Job:
    """The token user's job, or 404 (missing and someone else's alike)."""
    job = None
    if 0 < len(job_id) <= 50:
        job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.user_id != api_user_id():
        raise ApiError("not_found", _("There is no job with this id."))
    return job


_jobs = Job.__table__
# What the status body and the estimate read, by primary key: no object, no join to its user.
_STATUS_ROW = select(*(_jobs.c[name] for name in STATUS_COLUMNS)).where(
    _jobs.c.id == bindparam("job_id")
)


def status_row(job_id: str) -> Row[Any] | None:
    """The job as the status body reads it: a row of the jobs table (no object, no join)."""
    return db.session.execute(_STATUS_ROW, {"job_id": job_id}).first()


def own_job_row(job_id: str) -> Row[Any]:
    """Like own_job, as a row of the jobs table: for a status read, which changes nothing.

    The token's check has usually read it already, in the same statement (api.auth).
    """
    read = jobs_read_with_token()
    row = read.get(job_id)
    if job_id not in read and 0 < len(job_id) <= 50:
        row = status_row(job_id)
    if row is None or row.user_id != api_user_id():
        raise ApiError("not_found", _("There is no job with this id."))
    return row


def status_body(
    job: Job | Row[Any], now: datetime, estimate: datetime | None = None
) -> dict[str, Any]:
    """Seed 001's body, with the estimate (given, or worked out) while the job waits or runs.

    `message` (the stored progress message, English) is said in the request's language when
    webapp.jobs.messages knows it; an English request reads it exactly as stored.
    """
    body = job_body(job, now, str(current_app.config["BASE_URL"]))  # absolute file_url
    if body["message"] and api_language() != DEFAULT_LANGUAGE:
        body["message"] = say(body["message"])
    if job.status in ACTIVE_STATUSES:
        body["estimated_completion"] = iso(estimate or eta(job, now))
    return body


def eta(job: Job | Row[Any], now: datetime) -> datetime | None:
    """When the job will probably be done; None without history."""
    try:
        return eta_module.estimate_completion(job, now)
    except Exception:  # an estimate is a courtesy: never fail a request for it
        current_app.logger.warning("No estimate for job %s", job.id, exc_info=True)
        return None


def retry_after(estimate: datetime | None, now: datetime) -> int:
    """Seconds to wait before asking again: until the estimate, within 1 to 60."""
    if estimate is None:
        return RETRY_UNKNOWN
    seconds = math.ceil((estimate - now).total_seconds())
    return max(RETRY_MIN, min(RETRY_MAX, seconds))


def _params(job_type: str, body: SalesReportRequest | OrdersExportRequest) -> dict[str, Any]:
    params: dict[str, Any] = {"date_from": body.date_from, "date_to": body.to,
                              "format": body.format}  # fmt: skip
    if isinstance(body, OrdersExportRequest):
        params["status"] = body.status or ""
        params["region"] = body.region or ""
    if body.language:  # the validator keeps 'ar' and leaves English (the default) out
        params["language"] = body.language
    return params


def _fingerprint() -> str:
    """The request a key names: its path and its JSON body, keys sorted."""
    body = json.loads(request.get_data(cache=True) or b"null")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise ApiError("validation_failed", _("The Idempotency-Key header is not valid."),
                       [{"field": "Idempotency-Key",
                         "message": _("must be 1 to %(max)s printable characters",
                                      max=KEY_MAX)}])  # fmt: skip
    return key


def _replay(user_id: int, key: str, fingerprint: str) -> Row[Any] | None:
    """The row of the job an earlier request with this key made; 409 if that was another."""
    row = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise ApiError(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used with another request."),
            {"job_id": row.job_id},
        )
    return status_row(row.job_id)


def _callback(user_id: int, url: str | None) -> str | None:
    """The checked callback URL; 422 when unsafe, or when there is no secret to sign with."""
    if url is None:
        return None
    if secret_of(user_id) is None:
        raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.",
                                              fields="callback_url"),
                       [{"field": "callback_url", "message": _(
                           "make a webhook signing secret on your profile page first: "
                           "deliveries are signed with it")}])  # fmt: skip
    allow_private = bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False))
    try:
        check_url(url, allow_private)
    except UnsafeUrl as exc:
        raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.",
                                              fields="callback_url"),
                       [{"field": "callback_url",
                         "message": say_known(str(exc), UNSAFE_URL_WORDS)}]) from None  # fmt: skip
    return url


def submit_request(
    user_id: int, job_type: str, body: SalesReportRequest | OrdersExportRequest
) -> tuple[Row[Any], bool]:
    """Submit (or find, for a repeated Idempotency-Key) the job; (its row, was it a replay).

    A new job's row is the one its INSERT returned (nothing is read again); a replayed one's
    is read as it is now.
    """
    key = _idempotency_key()
    fingerprint = _fingerprint() if key else ""
    if key:
        earlier = _replay(user_id, key, fingerprint)
        if earlier is not None:
            return earlier, True
    callback = _callback(user_id, body.callback_url)

    def rows(job: Job) -> list[Any]:
        extra: list[Any] = []
        if callback:
            extra.append(JobCallback(job_id=job.id, user_id=user_id, url=callback,
                                     created_at=utcnow()))  # fmt: skip
        if key:
            extra.append(IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint,
                                        job_id=job.id, created_at=utcnow()))  # fmt: skip
        return extra

    try:
        job = submit_row(user_id, job_type, _params(job_type, body), name=body.name,
                         with_rows=rows)  # fmt: skip
    except ParamError as exc:
        db.session.rollback()
        field = FIELD_NAMES.get(exc.field, exc.field)
        raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.",
                                              fields=field),
                       [{"field": field, "message": exc.message}]) from None  # fmt: skip
    except IntegrityError:  # the same key at the same moment: the other request won
        db.session.rollback()
        earlier = _replay(user_id, key or "", fingerprint) if key else None
        if earlier is None:
            raise
        return earlier, True
    return job, False


def encode_cursor(job: Job) -> str:
    raw = json.dumps([job.created_at.isoformat(), job.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, job_id = json.loads(raw)
        moment = datetime.fromisoformat(created)
        if not isinstance(job_id, str) or moment.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise ApiError("validation_failed", _("Some fields are not valid: %(fields)s.",
                                              fields="cursor"),
                       [{"field": "cursor", "message": _("is not a cursor this API gave")}],
                       ) from None  # fmt: skip
    return moment, job_id


def page(user: User, query: JobListQuery) -> tuple[list[Job], str | None]:
    """One page of the user's jobs, newest first, and the cursor of the next one."""
    stmt = select(Job).where(Job.user_id == user.id)
    if query.status:
        stmt = stmt.where(Job.status == query.status)
    if query.type:
        stmt = stmt.where(Job.type == query.type)
    if query.cursor:
        created, job_id = decode_cursor(query.cursor)
        stmt = stmt.where(
            or_(Job.created_at < created, and_(Job.created_at == created, Job.id < job_id))
        )
    stmt = stmt.order_by(Job.created_at.desc(), Job.id.desc()).limit(query.limit + 1)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None
