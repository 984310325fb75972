"""Make jobs in any state straight in the database, and read pages the way the tests need."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job, JobEvent, new_job_id
from webapp.models.types import utcnow
from webapp.models.user import User

REPORT_PARAMS = {"date_from": "2025-03-01", "date_to": "2025-03-31", "format": "csv"}
CSV_BODY = b"section,name,value\r\ntotals,orders,3\r\n"


def make_job(
    user: User,
    status: str = "pending",
    *,
    job_type: str = "sales_report",
    progress: int = 0,
    message: str = "",
    params: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    with_file: bool = True,
    commit: bool = True,
    **columns: Any,
) -> Job:
    """Insert a job row (and, for a completed one, its CSV file); returns the job."""
    now = created_at or utcnow()
    job = Job(
        id=new_job_id(now),
        user_id=user.id,
        type=job_type,
        queue="reports",
        status=status,
        progress=100 if status == "completed" else progress,
        message=message,
        input_data=dict(params or REPORT_PARAMS),
        created_at=now,
        available_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=1),
        max_attempts=3,
    )
    for name, value in columns.items():
        setattr(job, name, value)
    db.session.add(job)
    db.session.add(JobEvent(job_id=job.id, kind="created", detail="Queued", at=now))
    if status == "completed" and with_file:
        name = "sales-report-2025-03-01-to-2025-03-31.csv"
        folder = job_dir(job.id, create=True)
        (folder / name).write_bytes(CSV_BODY)
        job.result_data = {
            "file_name": name,
            "content_type": "text/csv; charset=utf-8",
            "size_bytes": len(CSV_BODY),
        }
        job.completed_at = now
    if commit:
        db.session.commit()
    return job


def download_href(html: str) -> str:
    """The first signed download link on a page."""
    match = re.search(r'href="(/download/[^"]+)"', html)
    assert match, "no download link on the page"
    return match.group(1)


def rows_of(html: str) -> list[str]:
    """The job ids of the rows on a list page, in order."""
    return re.findall(r'<tr id="job-([^"]+)" class="job-row"', html)


HX = {"HX-Request": "true"}
