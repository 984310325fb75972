"""A job as integrators see it: seed 001's status body, for the JSON API and job webhooks.

Works on a `Job` or on a row of the jobs table (a webhook is written inside the transaction
of the job's final change, from the row as that transaction sees it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.engine.links import link_ttl, make_token, path_for, result_file
from webapp.models.job import CANCELLED, COMPLETED, FAILED

# The jobs table's columns a status body and its estimate read (by name).
STATUS_COLUMNS = (
    "id", "user_id", "type", "queue", "status", "progress", "message", "name", "input_data",
    "result_data", "error_code", "error_message", "error_details", "cancel_requested",
    "created_at", "available_at", "started_at", "completed_at", "failed_at", "cancelled_at",
    "updated_at", "expires_at", "purged_at",
)  # fmt: skip


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, whole seconds: '2025-01-08T12:00:00Z'."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def status_path(job_id: str) -> str:
    """The job's status URL path: /v1/jobs/<id>."""
    return f"/v1/jobs/{job_id}"


def file_url(job: Any, base_url: str | None = None) -> str:
    """A fresh signed link to the job's file; absolute when `base_url` is given."""
    path = path_for("downloads.download", token=make_token(job))
    return f"{base_url.rstrip('/')}{path}" if base_url else path


def job_body(job: Any, now: datetime, base_url: str | None = None) -> dict[str, Any]:
    """Seed 001's shape for the job's state: common keys, then result, error or cancelled_at."""
    body: dict[str, Any] = {
        "job_id": job.id,
        "type": job.type,
        "name": job.name,
        "status": job.status,
        "progress": int(job.progress),
        "message": job.message or "",
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
    }
    if job.status == COMPLETED:
        body["completed_at"] = iso(job.completed_at)
        body["result"] = result_body(job, now, base_url)
    elif job.status == FAILED:
        body["failed_at"] = iso(job.failed_at)
        body["error"] = {
            "code": job.error_code or "E7000",
            "message": job.error_message or "",
            "details": job.error_details or "",
        }
    elif job.status == CANCELLED:
        body["cancelled_at"] = iso(job.cancelled_at)
    counts = (job.result_data or {}).get("counts") if job.status != FAILED else None
    if isinstance(counts, dict):  # an import's rows: created, updated, unchanged, rejected
        body["counts"] = counts
    return body


def result_body(job: Any, now: datetime, base_url: str | None = None) -> dict[str, Any] | None:
    """file_url (signed, fresh), expires_at (of that link), size_bytes and content_type.

    None when the job produced no file, or its file is gone (purged or past its TTL).
    """
    data = job.result_data or {}
    if result_file(job) is None:
        return None
    expires = min(now + timedelta(seconds=link_ttl()), job.expires_at)
    return {
        "file_url": file_url(job, base_url),
        "expires_at": iso(expires),
        "size_bytes": int(data.get("size_bytes") or 0),
        "content_type": str(data.get("content_type") or "application/octet-stream"),
    }
