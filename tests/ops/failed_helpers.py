"""Failed jobs made straight in the database, and the rows the ops pages show."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.staff.helpers import make_job
from webapp.models.job import Job
from webapp.models.types import utcnow
from webapp.models.user import User


def failed_job(
    owner: User,
    *,
    at: datetime | None = None,
    job_type: str = "sales_report",
    queue: str = "reports",
    code: str = "E7005",
    **columns: Any,
) -> Job:
    """A job that failed at `at` after three attempts, with an error code and message."""
    failed_at = at or utcnow()
    return make_job(
        owner,
        "failed",
        job_type=job_type,
        queue=queue,
        created_at=failed_at - timedelta(minutes=5),
        failed_at=failed_at,
        attempts=3,
        error_code=code,
        error_message="Report generation failed",
        error_details="RuntimeError: boom",
        message="Failed",
        **columns,
    )


def failed_rows(html: str) -> list[str]:
    """The job ids of the failed list's rows, in order."""
    return re.findall(r'<tr id="failed-([^"]+)" class="ops-job"', html)


def found_rows(html: str) -> list[str]:
    """The job ids of the search's rows, in order."""
    return re.findall(r'<tr id="found-([^"]+)" class="ops-job"', html)


def older_link(html: str) -> str | None:
    """The href of the pager's Older link, if any."""
    match = re.search(r'rel="next" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def newer_link(html: str) -> str | None:
    """The href of the pager's Newer link, if any."""
    match = re.search(r'rel="prev" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def flashes(html: str) -> list[str]:
    """The flashed messages on a page."""
    return re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', html)
