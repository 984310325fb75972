"""What can be done to a job: cancel it, run it again, name it, get a fresh download link (POST)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import update
from werkzeug.wrappers import Response

from webapp.engine import service
from webapp.engine.clock import db_time
from webapp.engine.describe import type_label
from webapp.engine.errors import JobStateError, ParamError
from webapp.engine.links import file_name_of, result_file, signed_download_url
from webapp.extensions import db
from webapp.i18n import N_
from webapp.i18n import gettext as _
from webapp.jobs import bp
from webapp.jobs.present import isolate, status_word
from webapp.jobs.routes import htmx_target, live_context, load_job, page_response
from webapp.models.job import COMPLETED, Job
from webapp.monitoring import audit

SEE_OTHER = 303
RUN_AS = ("owner", "me")  # whose a run again is, when an admin runs someone else's job
# The audit log keeps English; the job page translates it (webapp/jobs/messages.py).
CANCEL_WORDS = {"cancelled": N_("Cancelled from the job page"),
                "requested": N_("Cancel requested from the job page")}  # fmt: skip


@bp.post("/<job_id>/cancel")
def cancel(job_id: str) -> Response:
    """Cancel a pending job now, or ask a running one to stop; HTMX gets the live part back."""
    job = load_job(job_id)
    try:
        outcome = service.cancel_job(job)
    except JobStateError:
        outcome = None
    if outcome is not None and job.user_id != current_user.id:  # an admin, on someone's job
        audit.record(current_user, "cancel", "job", job.id, CANCEL_WORDS[outcome])
    if htmx_target("job-live"):
        return page_response(render_template("jobs/_job_live.html", **live_context(job)))
    if outcome == "cancelled":
        flash(_("The job is cancelled."), "success")
    elif outcome == "requested":
        flash(_("Cancelling: the job stops at its next step."), "info")
    else:
        flash(_("The job is already %(status)s; there was nothing to cancel.",
                status=status_word(job.status).lower()), "warning")  # fmt: skip
    return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)


@bp.post("/<job_id>/run-again")
def run_again(job_id: str) -> Response:
    """A new job of the same type and parameters, owned by the job's owner or by the admin.

    Staff run their own jobs again as themselves. An admin running someone else's job chooses
    (`run_as`): `owner`, the default, so the new job and its file are the owner's, or `me`.
    """
    job = load_job(job_id)
    run_as = request.form.get("run_as", "owner")
    if run_as not in RUN_AS:
        abort(400, description=_("run_as must be 'owner' or 'me'."))
    user = job.user if current_user.is_admin and run_as == "owner" else current_user
    if user.disabled:
        flash(
            Markup(
                _(
                    "%(email)s is disabled: run the job again as yourself.",
                    email=isolate(user.email),
                )
            ),
            "error",
        )
        return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
    try:
        fresh = service.run_again(user, job)
    except ParamError as exc:
        flash(_("This job can't run again as it was: %(problem)s", problem=exc.message), "error")
        return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
    if job.user_id != current_user.id:  # an admin, on someone else's job
        words = N_("As %(email)s: job %(job)s") % {"email": user.email, "job": fresh.id}
        audit.record(current_user, "run_again", "job", job.id, words)
    # Says what was done, not the new job's state, so it stays true once the job ends.
    label = type_label(fresh.type).lower()
    if user.id == current_user.id:
        flash(_("A new %(job)s, with the same parameters.", job=label), "success")
    else:
        flash(Markup(_("A new %(job)s for %(email)s, with the same parameters.", job=escape(label),
                       email=isolate(user.email))), "success")  # fmt: skip
    return redirect(url_for("jobs.show", job_id=fresh.id), SEE_OTHER)


@bp.post("/<job_id>/link")
def fresh_link(job_id: str) -> Response | tuple[str, int]:
    """A new signed link for the job's file: the download starts at once."""
    job = load_job(job_id)
    if job.status != COMPLETED or file_name_of(job) is None:
        flash(_("This job has no file to download."), "warning")
        return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
    if result_file(job) is None:
        return render_template("downloads/result_expired.html", job=job), 410
    return redirect(signed_download_url(job), SEE_OTHER)


@bp.post("/<job_id>/name")
def rename(job_id: str) -> Response:
    """The owner names the job (or clears its name) to tell it apart in the list."""
    job = load_job(job_id)
    if job.user_id != current_user.id:
        abort(403, description=_("Only the job's owner can name it."))
    try:
        label = service.clean_name(request.form.get("name", ""))
    except ParamError as exc:
        flash(exc.message, "error")
        return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
    db.session.execute(
        update(Job).where(Job.id == job.id).values(name=label, updated_at=db_time())
    )  # only these two columns: a running attempt's own updates are untouched
    db.session.commit()
    named = (
        Markup(_("Named “%(name)s”.", name=isolate(label))) if label else _("The name is cleared.")
    )
    flash(named, "success")
    return redirect(url_for("jobs.show", job_id=job.id), SEE_OTHER)
