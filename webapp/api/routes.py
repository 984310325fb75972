"""/v1: request work (202 + Location + Retry-After), follow it, cancel it, download its file.

Every route but the document and its page needs a token (webapp.api.auth); a job that is not
the token's user's answers 404 exactly as a missing one does.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Response, current_app, jsonify, render_template, request
from spectree import Response as Resp

from webapp.api import bp, jobs
from webapp.api.auth import api_user, api_user_id, require_token
from webapp.api.errors import ApiError, speaks
from webapp.api.limits import post_rate_limit
from webapp.api.reads import close_read_connection, reads_only
from webapp.api.schemas import (
    ErrorEnvelope,
    JobAccepted,
    JobList,
    JobListQuery,
    JobStatus,
    OrdersExportRequest,
    SalesReportRequest,
    WebhookAttempts,
)
from webapp.api.spec import JOBS, document, spec
from webapp.engine.errors import JobStateError
from webapp.engine.links import result_expired, result_file, signed_download_url
from webapp.engine.public import iso
from webapp.engine.service import cancel_job
from webapp.extensions import csrf
from webapp.i18n import gettext as _
from webapp.models.job import COMPLETED, FINAL_STATUSES
from webapp.models.types import utcnow
from webapp.notifications.job_webhook import attempts_for

# Token authentication, not cookies: a cross-site form cannot send an Authorization header,
# so CSRF tokens have nothing to protect here (and integrators' scripts have none to send).
csrf.exempt(bp)
bp.before_request(require_token)
bp.teardown_request(close_read_connection)
bp.before_request(jobs.require_json_body)

ERRORS = {
    f"HTTP_{status}": ErrorEnvelope for status in (400, 401, 404, 405, 409, 410, 413, 415, 422, 429)
}
JOB_ID = {"job_id": "The job's id, as returned by the POST (job-YYYYMMDD-...)."}


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return speaks(response)


def _accepted(job_type: str, body: SalesReportRequest | OrdersExportRequest) -> Response:
    # The row as its INSERT returned it (or, for a replay, as it is now): not read again.
    job, replayed = jobs.submit_request(api_user_id(), job_type, body)
    assert job is not None  # just committed, or found by its key; jobs are never deleted here
    reads_only()  # the estimate's figures, outside a transaction (nothing more is written)
    now = utcnow()
    eta = jobs.eta(job, now)
    headers = {"Location": jobs.status_url(job.id), "Retry-After": str(jobs.retry_after(eta, now))}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    payload = {
        "job_id": job.id,
        "status": job.status if replayed else "pending",
        "created_at": iso(job.created_at),
        "estimated_completion": iso(eta),
        "status_url": jobs.status_url(job.id),
    }
    return _json(payload, 202, headers)


@bp.post("/reports/sales")
@post_rate_limit
@spec.validate(json=SalesReportRequest, resp=Resp(HTTP_202=JobAccepted, **ERRORS), tags=[JOBS])
def sales_report() -> Response:
    """Request a sales report (PDF, Excel or CSV) for a period.

    Answers 202 Accepted at once with `Location` and `Retry-After`; poll `status_url`. With
    `Idempotency-Key`, the same key and body give the same job; another body gives 409.
    """
    return _accepted("sales_report", request.context.json)  # type: ignore[attr-defined]


@bp.post("/exports/orders")
@post_rate_limit
@spec.validate(json=OrdersExportRequest, resp=Resp(HTTP_202=JobAccepted, **ERRORS), tags=[JOBS])
def orders_export() -> Response:
    """Request an orders export (Excel or CSV) for a period, optionally by status and region.

    Answers like POST /v1/reports/sales.
    """
    return _accepted("orders_export", request.context.json)  # type: ignore[attr-defined]


@bp.get("/jobs")
@spec.validate(query=JobListQuery, resp=Resp(HTTP_200=JobList, **ERRORS), tags=[JOBS])
def list_jobs() -> Response:
    """Your jobs, newest first, by status and type; follow `next_cursor` for the next page."""
    query: JobListQuery = request.context.query  # type: ignore[attr-defined]
    rows, next_cursor = jobs.page(api_user(), query)
    now = utcnow()
    return _json({"jobs": [jobs.status_body(job, now) for job in rows], "next_cursor": next_cursor})


@bp.get("/jobs/<job_id>")
@spec.validate(resp=Resp(HTTP_200=JobStatus, **ERRORS), tags=[JOBS],
               path_parameter_descriptions=JOB_ID)  # fmt: skip
def show_job(job_id: str) -> Response:
    """A job's status (seed 001's shapes); sends Retry-After while it is not final."""
    job = jobs.own_job_row(job_id)
    now = utcnow()
    if job.status in FINAL_STATUSES:
        return _json(jobs.status_body(job, now))
    eta = jobs.eta(job, now)  # once, for the body and Retry-After
    headers = {"Retry-After": str(jobs.retry_after(eta, now))}
    return _json(jobs.status_body(job, now, eta), 200, headers)


@bp.delete("/jobs/<job_id>")
@spec.validate(resp=Resp(HTTP_200=JobStatus, HTTP_202=JobStatus, **ERRORS), tags=[JOBS],
               path_parameter_descriptions=JOB_ID)  # fmt: skip
def cancel(job_id: str) -> Response:
    """Cancel a job: 200 when it was waiting (cancelled now), 202 while a running one stops,
    409 when it already finished."""
    job = jobs.own_job(job_id)
    try:
        outcome = cancel_job(job)
    except JobStateError:  # the engine's English, said in the request's language
        message = _("The job is already %(status)s; there is nothing to cancel.",
                    status=job.status)  # fmt: skip
        raise ApiError("job_final", message, {"status": job.status}) from None
    now = utcnow()
    if outcome == "cancelled":
        return _json(jobs.status_body(job, now), 200)
    headers = {"Retry-After": "1", "Location": jobs.status_url(job.id)}
    return _json(jobs.status_body(job, now), 202, headers)


@bp.get("/jobs/<job_id>/download")
@spec.validate(resp=Resp("HTTP_303", **ERRORS), tags=[JOBS], path_parameter_descriptions=JOB_ID)
def download(job_id: str) -> Response:
    """303 See Other to a fresh signed link to the file (usable without a token until it
    expires); 409 while the job has no file, 410 once its file was removed."""
    job = jobs.own_job(job_id)
    if job.status != COMPLETED or not (job.result_data or {}).get("file_name"):
        raise ApiError("job_not_completed",
                       _("The job is %(status)s: it has no file to download.", status=job.status),
                       {"status": job.status})  # fmt: skip
    if result_expired(job) or result_file(job) is None:
        raise ApiError("result_expired", _("The job's file was removed after its time to live."))
    response = Response(status=303)
    response.headers["Location"] = signed_download_url(job, external=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<job_id>/webhooks")
@spec.validate(resp=Resp(HTTP_200=WebhookAttempts, **ERRORS), tags=[JOBS],
               path_parameter_descriptions=JOB_ID)  # fmt: skip
def webhook_attempts(job_id: str) -> Response:
    """Every attempt at delivering the job's webhook: when, the HTTP status, how long."""
    job = jobs.own_job(job_id)
    attempts = [{**item, "at": iso(item["at"])} for item in attempts_for(job.id)]
    return _json({"attempts": attempts})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (no token needed)."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/docs")
def docs() -> str:
    """The API described for people, from the same document (no script, no other origin)."""
    return render_template(
        "api/docs.html",
        doc=document(),
        base_url=current_app.config["BASE_URL"],
        ceil=math.ceil,
    )
