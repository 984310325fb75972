"""/ops/failed: failed jobs to retry or discard, one at a time, a selection, or all matching.

Every action is a POST with CSRF and writes an audit entry per job it changed, plus a summary
entry (target_kind "jobs") for a selection or a filter. "Everything matching" asks first
(/ops/failed?confirm=retry shows the count); beyond a page it runs as an ops_bulk job and the
admin lands on that job's page, where its progress shows.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.engine import registry, service
from webapp.engine.errors import ERROR_CODES
from webapp.engine.registry import QUEUES
from webapp.extensions import db
from webapp.i18n import gettext as _
from webapp.i18n import ngettext
from webapp.jobs.present import job_view
from webapp.models.job import Job
from webapp.monitoring import audit
from webapp.monitoring.audit import client_address
from webapp.monitoring.bulk import ACTIONS, DONE_WORDS, Outcome, apply
from webapp.monitoring.failed import (
    PAGE_SIZE,
    FailedFilter,
    count_matching,
    failed_page,
    matching_ids,
)
from webapp.monitoring.keyset import JOB_ID, Cursor
from webapp.ops import bp
from webapp.ops.present import outcome_words
from webapp.query import BadQuery, choice_arg

SEE_OTHER = 303
VERBS = {"retry": "Retry", "discard": "Discard"}


@bp.get("/failed")
def failed() -> str:
    """The failed jobs, newest failure first, filtered and paged; ?confirm= asks about a bulk."""
    failed_filter = FailedFilter.from_args(request.args)
    page = failed_page(
        failed_filter,
        before=Cursor.from_args(request.args, "before"),
        after=Cursor.from_args(request.args, "after"),
    )
    confirm = choice_arg(request.args, "confirm", ACTIONS)
    return render_template(
        "ops/failed.html",
        page=page,
        views=[job_view(job, admin=True) for job in page.jobs],
        filters=failed_filter,
        back=_list_args(),
        confirm=confirm,
        matching=count_matching(failed_filter) if confirm else 0,
        page_size=PAGE_SIZE,
        types=registry.all_types(),
        queues=QUEUES,
        error_codes=ERROR_CODES,
    )


def _list_args() -> dict[str, str]:
    """The list's filter and page from this request's query string, to come back to it."""
    try:
        args = FailedFilter.from_args(request.args).query_args()
        before = Cursor.from_args(request.args, "before")
    except BadQuery:
        return {}
    return {**args, "before": before.encode()} if before else args


def _back() -> Response:
    return redirect(url_for("ops.failed", **_list_args()), SEE_OTHER)


def _flash_outcome(outcome: Outcome) -> None:
    flash(outcome_words(outcome) + ".", "warning" if outcome.skipped else "success")


@bp.post("/jobs/<job_id>/retry")
def retry_job(job_id: str) -> Response:
    """Retry one failed job (same id, attempts counted) and follow it on its page."""
    job = _job_or_404(job_id)
    outcome = apply("retry", [job.id], current_user)
    if outcome.done:
        flash(_("Queued again with the same id; this page follows it."), "success")
        return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
    _flash_outcome(outcome)
    return _back()


@bp.post("/jobs/<job_id>/discard")
def discard_job(job_id: str) -> Response:
    """Take one failed job off the list (its row stays, its files go)."""
    job = _job_or_404(job_id)
    outcome = apply("discard", [job.id], current_user)
    if outcome.done:
        flash(
            _("Discarded: the job is off the failed list; its page and timeline stay."), "success"
        )
    else:
        _flash_outcome(outcome)
    return _back()


def _job_or_404(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if JOB_ID.fullmatch(job_id) else None
    if job is None:
        abort(404)
    return job


def _action() -> str:
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400, description=_("action must be 'retry' or 'discard'."))
    return action


@bp.post("/failed/selected")
def failed_selected() -> Response:
    """Retry or discard the jobs ticked on the page (at most a page of them)."""
    action = _action()
    ids = request.form.getlist("ids")
    if len(ids) > PAGE_SIZE:
        abort(400, description=_("Select at most %(n)s jobs, one page.", n=PAGE_SIZE))
    if any(not JOB_ID.fullmatch(job_id) for job_id in ids):
        abort(400, description=_("ids must be job ids, as the list's checkboxes send them."))
    if not ids:
        flash(_("Tick the jobs to act on first."), "warning")
        return _back()
    outcome = apply(action, ids, current_user, detail=f"{DONE_WORDS[action]} with a selection")
    _summary(action, "", f"{VERBS[action]} {len(ids)} selected: {outcome.words()}")
    _flash_outcome(outcome)
    return _back()


@bp.post("/failed/matching")
def failed_matching() -> Response:
    """Retry or discard everything matching the filter: here up to a page, else an ops_bulk job."""
    action = _action()
    failed_filter = FailedFilter.from_args(request.form)
    first = matching_ids(failed_filter, None, PAGE_SIZE + 1)
    what = failed_filter.scope()
    if len(first) <= PAGE_SIZE:
        detail = f"{DONE_WORDS[action]} with {what}"
        outcome = apply(action, [p.job_id for p in first], current_user, detail=detail)
        _summary(action, "", f"{VERBS[action]} {what}: {outcome.words()}")
        _flash_outcome(outcome)
        return redirect(url_for("ops.failed", **failed_filter.query_args()), SEE_OTHER)
    params = {"action": action, "filter": failed_filter.query_string(),
              "requested_from": client_address()}  # fmt: skip
    name = f"{VERBS[action]} {what}"
    job = service.submit(current_user, "ops_bulk", params, name=name[: service.NAME_MAX])
    total = count_matching(failed_filter)
    _summary(action, job.id, f"{VERBS[action]} {what}: {total} jobs, as background job {job.id}")
    if action == "retry":
        started = ngettext(
            "Retry of %(num)s job started; this page shows how far it is.",
            "Retry of %(num)s jobs started; this page shows how far it is.",
            total,
        )
    else:
        started = ngettext(
            "Discard of %(num)s job started; this page shows how far it is.",
            "Discard of %(num)s jobs started; this page shows how far it is.",
            total,
        )
    flash(started, "info")
    return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)


def _summary(action: str, target_id: str, detail: str) -> None:
    """The one audit entry that sums up a request on several jobs."""
    audit.record(current_user, action, "jobs", target_id, detail)
