"""/ops/jobs: search every job in every state; each row opens the job's own page."""

from __future__ import annotations

from flask import render_template, request

from webapp.engine import registry
from webapp.engine.registry import QUEUES
from webapp.jobs.present import job_view
from webapp.models.job import STATUSES
from webapp.monitoring.job_search import PAGE_SIZE, JobSearch, search_page
from webapp.monitoring.keyset import Cursor
from webapp.ops import bp


@bp.get("/jobs")
def search() -> str:
    """Jobs matching the search, newest first, Older and Newer by keyset."""
    job_search = JobSearch.from_args(request.args)
    page = search_page(
        job_search,
        before=Cursor.from_args(request.args, "before"),
        after=Cursor.from_args(request.args, "after"),
    )
    return render_template(
        "ops/search.html",
        page=page,
        views=[job_view(job, admin=True) for job in page.jobs],
        search=job_search,
        page_size=PAGE_SIZE,
        types=registry.all_types(),
        statuses=STATUSES,
        queues=QUEUES,
    )
