"""Jobs as JSON in seed 001's status shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from webapp.engine.errors import ERROR_CODES, UNEXPECTED
from webapp.models.job import COMPLETED, FAILED, Job


def iso(moment: datetime | None) -> str | None:
    """2025-01-08T12:00:00Z, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def job_status(
    job: Job,
    *,
    status_url: str | None = None,
    file_url: Callable[[Job], str] | None = None,
    estimated_completion: datetime | None = None,
    include_traceback: bool = False,
) -> dict[str, Any]:
    """The status document: job_id, status, progress, message, result or error, timestamps."""
    body: dict[str, Any] = {
        "job_id": job.id,
        "type": job.type,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "queue": job.queue,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "params": job.input_data,
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
        "started_at": iso(job.started_at),
    }
    if status_url:
        body["status_url"] = status_url
    if job.is_active:
        body["available_at"] = iso(job.available_at)
        body["estimated_completion"] = iso(estimated_completion)
        body["cancel_requested"] = job.cancel_requested
        if job.error_code:  # waiting to retry after a failed attempt
            body["last_error"] = {"code": job.error_code, "message": job.error_message}
    if job.status == COMPLETED:
        body["completed_at"] = iso(job.completed_at)
        result = dict(job.result_data or {})
        result.pop("stored_as", None)  # where it is stored is nobody's business
        if "file_name" in result:
            result["expires_at"] = iso(job.expires_at)
            expired = job.purged_at is not None
            result["expired"] = expired
            result["file_url"] = None if expired or file_url is None else file_url(job)
        body["result"] = result
    if job.status == FAILED:
        body["failed_at"] = iso(job.failed_at)
        body["error"] = error_document(job, include_traceback)
    if job.cancelled_at:
        body["cancelled_at"] = iso(job.cancelled_at)
    body["expires_at"] = iso(job.expires_at)
    return body


def error_document(job: Job, include_traceback: bool = False) -> dict[str, Any]:
    """{code, title, message, details} (and the traceback for admins)."""
    code = job.error_code or UNEXPECTED
    doc: dict[str, Any] = {
        "code": code,
        "title": ERROR_CODES.get(code, ("Error", ""))[0],
        "message": job.error_message or "",
        "details": job.error_details or "",
    }
    if include_traceback:
        doc["traceback"] = job.traceback or ""
    return doc
