"""My jobs (/jobs), a job's page (/jobs/<id>) and the partials their polls fetch."""

from __future__ import annotations

from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.engine import registry
from webapp.engine.eta import estimate_completion, queue_position
from webapp.engine.service import get_job_for
from webapp.extensions import db
from webapp.jobs import bp
from webapp.jobs.listing import Cursor, JobFilters, list_jobs
from webapp.jobs.present import eta_tag, job_view, timeline
from webapp.models.job import STATUSES, Job
from webapp.models.user import User

bp.add_app_template_filter(eta_tag, "eta_tag")


def load_job(job_id: str) -> Job:
    """The job if the signed-in user may see it; 404 otherwise (also for other users' jobs)."""
    job = get_job_for(current_user, job_id)
    if job is None:
        abort(404)
    return job


def htmx_target(name: str) -> bool:
    """True for an HTMX request aimed at the element with id `name` (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == name


def is_htmx() -> bool:
    """True for any HTMX request."""
    return bool(getattr(request, "htmx", None))


def page_response(body: str) -> Response:
    """A response whose content depends on HX-Request, so caches keep the two apart."""
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


def live_context(job: Job) -> dict[str, Any]:
    """What the job page's live part needs: the view, place in line, the ETA and the timeline."""
    return {
        "job": job,
        "view": job_view(job, admin=current_user.is_admin),
        "position": queue_position(job),
        "eta": estimate_completion(job),
        "timeline": timeline(job.events),
    }


@bp.get("")
def index() -> Response:
    """The signed-in user's jobs (every job for admins), newest first, filtered and paged."""
    filters = JobFilters.from_args(request.args, current_user)
    page = list_jobs(
        current_user,
        filters,
        before=Cursor.from_args(request.args, "before"),
        after=Cursor.from_args(request.args, "after"),
    )
    context = {
        "page": page,
        "views": [job_view(job, admin=current_user.is_admin) for job in page.jobs],
        "filters": filters,
        "statuses": STATUSES,
        "types": registry.all_types(),
        "show_owner": current_user.is_admin,
        "owners": _owners() if current_user.is_admin else [],
    }
    template = "jobs/_job_list.html" if htmx_target("job-list") else "jobs/index.html"
    return page_response(render_template(template, **context))


def _owners() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    return [(row[0], row[1]) for row in rows]


@bp.get("/<job_id>")
def show(job_id: str) -> str:
    """A job's page: status, progress, ETA, timeline, parameters and what can be done."""
    job = load_job(job_id)
    return render_template("jobs/show.html", **live_context(job))


@bp.get("/<job_id>/live")
def live(job_id: str) -> Response:
    """The job page's live part alone, for its poll (the page itself without HTMX)."""
    job = load_job(job_id)
    if not is_htmx():
        return redirect(url_for("jobs.show", job_id=job.id))
    return page_response(render_template("jobs/_job_live.html", **live_context(job)))


@bp.get("/<job_id>/row")
def row(job_id: str) -> Response:
    """One row of My jobs alone, for its poll (the job's page without HTMX)."""
    job = load_job(job_id)
    if not is_htmx():
        return redirect(url_for("jobs.show", job_id=job.id))
    body = render_template(
        "jobs/_job_row.html",
        view=job_view(job, admin=current_user.is_admin),
        show_owner=current_user.is_admin,
    )
    return page_response(body)
