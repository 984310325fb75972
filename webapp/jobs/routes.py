"""My jobs (/jobs), a job's page (/jobs/<id>) and the partials their polls fetch."""

from __future__ import annotations

import re
import time
import zlib
from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.engine import pauses, registry
from webapp.engine.eta import estimate_completion, queue_position
from webapp.engine.service import NAME_MAX, get_job_for, visible_jobs
from webapp.extensions import db
from webapp.jobs import bp
from webapp.jobs.listing import PAGE_SIZE, SEARCH_MAX, Cursor, JobFilters, list_jobs
from webapp.jobs.messages import figure_label, show
from webapp.jobs.present import (
    VERSION_COLUMNS,
    audit_action,
    clock_tag,
    eta_tag,
    eta_words,
    isolate,
    job_view,
    row_version,
    status_word,
    timeline,
)
from webapp.models.job import PENDING, STATUSES, Job
from webapp.models.user import User
from webapp.monitoring import audit
from webapp.monitoring.keyset import JOB_ID
from webapp.notify.present import delivery_view
from webapp.query import list_arg

bp.add_app_template_filter(eta_tag, "eta_tag")
bp.add_app_template_filter(clock_tag, "clock_tag")
bp.add_app_template_global(status_word, "status_word")
bp.add_app_template_global(audit_action, "audit_action")
bp.add_app_template_filter(isolate, "isolate")
bp.add_app_template_global(figure_label, "figure_label")
bp.add_app_template_global(show, "stored_words")

NO_CHANGE = 204  # htmx swaps nothing on 204: the page keeps what it shows
VERSION = re.compile(r"[0-9a-f]{12}")
VERSION_HEADER = "X-Job-Version"  # the job page's poll: what it shows, and what it now is
LIVE_ROWS_MAX = 2 * PAGE_SIZE


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
        "paused": pauses.paused_queues().get(job.queue) if job.status == PENDING else None,
        "timeline": timeline(job.events),
        "delivery": delivery_view(job),
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
        "types": [jt for jt in registry.all_types() if current_user.is_admin or not jt.admin_only],
        "show_owner": current_user.is_admin,
        "owners": _owners() if current_user.is_admin else [],
        "search_max": SEARCH_MAX,
    }
    template = "jobs/_job_list.html" if htmx_target("job-list") else "jobs/index.html"
    return page_response(render_template(template, **context))


def _owners() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    return [(row[0], row[1]) for row in rows]


def _row_and_version(text: str) -> tuple[str, str]:
    """'<job id>.<version>' from ?rows=, as the list's script writes it."""
    job_id, dot, version = text.partition(".")
    if not dot or not JOB_ID.fullmatch(job_id) or not VERSION.fullmatch(version):
        raise ValueError("must list <job id>.<version> items, as the list's script sends them")
    return job_id, version


def _changed_ids(shown: dict[str, str]) -> list[str]:
    """Of the rows the page shows, the visible ones whose version moved: one narrow SELECT."""
    query = visible_jobs(current_user).with_only_columns(Job.id, *VERSION_COLUMNS)
    rows = db.session.execute(query.where(Job.id.in_(list(shown))))
    return [row.id for row in rows if row_version(row) != shown[row.id]]


@bp.get("/live")
def live_rows() -> Response:
    """The list's one poll: of the rows it names, only those that changed, as out-of-band swaps.

    ?rows=<id>.<version>,... lists the page's active rows with the version each shows. Rows the
    user may not see, or that do not exist, are left out without a word; 204 when none changed.
    """
    if not is_htmx():
        return redirect(url_for("jobs.index"))
    shown = dict(
        list_arg(
            request.args,
            "rows",
            _row_and_version,
            max_items=LIVE_ROWS_MAX,
            max_length=LIVE_ROWS_MAX * 64,
        )
    )
    changed = _changed_ids(shown) if shown else []
    jobs = []
    if changed:  # only the changed rows are loaded whole (with their owner) and rendered
        query = visible_jobs(current_user).where(Job.id.in_(changed))
        jobs = list(db.session.scalars(query.execution_options(populate_existing=True)))
    if not jobs:
        response = make_response("", NO_CHANGE)
        response.vary.add("HX-Request")
        return response
    jobs.sort(key=lambda job: (job.created_at, job.id), reverse=True)
    admin = current_user.is_admin
    body = "".join(
        render_template("jobs/_job_row.html", view=job_view(job, admin=admin), show_owner=admin,
                        oob=True)
        for job in jobs
    )  # fmt: skip
    return page_response(body)


@bp.get("/<job_id>")
def show(job_id: str) -> str:
    """A job's page: status, progress, ETA, timeline, parameters and what can be done; admins
    also see the audit log's entries for the job."""
    job = load_job(job_id)
    entries = audit.for_job(job.id) if current_user.is_admin else ()
    return render_template("jobs/show.html", **live_context(job), name_max=NAME_MAX, audit=entries)


@bp.get("/<job_id>/live")
def live(job_id: str) -> Response:
    """The job page's live part alone, for its poll (the page itself without HTMX).

    The reply carries the part's version in X-Job-Version; app.js sends it back with the next
    poll, and while it still holds the answer is an empty 204: no timeline read, no render.
    """
    job = load_job(job_id)
    if not is_htmx():
        return redirect(url_for("jobs.show", job_id=job.id))
    version = live_version(job, estimate_completion(job))  # ETA figures are cached: cheap
    if request.headers.get(VERSION_HEADER) == version:
        response = make_response("", NO_CHANGE)
        response.vary.add("HX-Request")
    else:
        response = page_response(render_template("jobs/_job_live.html", **live_context(job)))
    response.headers[VERSION_HEADER] = version
    response.vary.add(VERSION_HEADER)
    return response


def live_version(job: Job, eta: Any) -> str:
    """The live part's version: the row's, its ETA in words, and a 15 s tick for the timeline's
    relative times ("2 minutes ago"), so an unchanged job is redrawn at most 4 times a minute."""
    tick = int(time.time() // 15)
    words = eta_words(eta) if eta is not None else ""
    if job.status == PENDING and job.queue in pauses.paused_queues():
        words += " paused"  # a pause or resume redraws the part at once
    return f"{row_version(job)}-{zlib.crc32(words.encode()):08x}-{tick:x}"


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
