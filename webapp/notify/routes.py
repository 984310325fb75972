"""New announcement (/notify/announcements/new), Order confirmations (/notify/confirmations/new)
and a fan-out's delivery report as CSV (/notify/reports/<token>.csv, a signed link).

The announcement form has two buttons: Preview shows the message filled in for a real customer
and how many the audience reaches per channel (no job is made); Send makes the job and goes to
its page, where progress, the ETA, Cancel and then the delivery report are.
"""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from webapp.engine import registry, service
from webapp.engine.errors import ParamError
from webapp.extensions import db, login_manager
from webapp.i18n import current_language
from webapp.i18n import gettext as _
from webapp.models.sales import Customer
from webapp.notifications import report as reports
from webapp.notifications.announcements import CHANNELS
from webapp.notifications.audience import PLACEHOLDERS, audience_from, fill, reach
from webapp.notifications.phones import sms_segments
from webapp.notify import bp
from webapp.notify.forms import AnnouncementForm, ConfirmationsForm, ParamForm


def _regions() -> list[SelectChoice]:
    """Every region a customer is in."""
    rows = db.session.scalars(
        select(Customer.region).group_by(Customer.region).order_by(Customer.region)
    )
    return [SelectChoice(r, r) for r in rows]


def _submit(form: ParamForm, job_type: str) -> str | None:
    """Validate with the job type and submit; the job id, or None with the form's messages."""
    try:
        clean = registry.get(job_type).validate(form.params())
        name = service.clean_name(form.name.data)  # type: ignore[attr-defined]
        job = service.submit(current_user, job_type, clean, name=name)
    except ParamError as error:
        form.show_param_error(error)
        return None
    return job.id


@bp.route("/notify/announcements/new", methods=["GET", "POST"])
def new_announcement() -> Response | tuple[str, int]:
    """Write, preview, send."""
    form = AnnouncementForm()
    form.region.choices = _regions()
    if not form.is_submitted():
        form.language.data = current_language()
    preview = None
    status = 200
    if form.validate_on_submit():
        if request.form.get("action") == "send":
            job_id = _submit(form, "announcement")
            if job_id:
                return redirect(url_for("jobs.show", job_id=job_id), 303)
        else:
            preview = _preview(form)
        status = 400 if form.errors or form.form_errors else 200
    elif form.is_submitted():
        status = 400
        if form.csrf_token.errors:
            form.form_errors.append(_("The form had expired: please send it again."))
    context = {"form": form, "preview": preview, "placeholders": PLACEHOLDERS,
               "channels": CHANNELS, "name_max": service.NAME_MAX}  # fmt: skip
    return render_template("notify/new_announcement.html", **context), status


def _preview(form: AnnouncementForm) -> dict[str, Any] | None:
    """The message as one real customer would get it, and the audience's reach per channel."""
    try:
        clean = registry.get("announcement").validate(form.params())
    except ParamError as error:
        form.show_param_error(error)
        return None
    audience = audience_from(clean)
    customer = None
    if form.preview_as.data:
        customer = db.session.execute(
            audience.query().where(func.lower(Customer.email) == form.preview_as.data.lower())
        ).first()
        if customer is None:
            form.preview_as.errors = [_("No customer of this audience has that email address.")]
            return None
    customer = customer or audience.first()
    text = fill(clean["body"], customer)
    counts = reach(audience)
    return {
        "customer": customer,
        "subject": fill(clean["subject"], customer),
        "text": text,
        "segments": sms_segments(text),
        "characters": len(text),
        "channels": clean["channels"],
        "reach": counts,
        "audience": audience.words(),
        "recipients": clean["recipients"],
    }


@bp.route("/notify/confirmations/new", methods=["GET", "POST"])
def new_confirmations() -> Response | tuple[str, int]:
    """Confirm every order of a day, or the orders listed."""
    form = ConfirmationsForm()
    if not form.is_submitted():
        form.language.data = current_language()
    status = 200
    if form.validate_on_submit():
        job_id = _submit(form, "order_confirmations")
        if job_id:
            return redirect(url_for("jobs.show", job_id=job_id), 303)
        status = 400
    elif form.is_submitted():
        status = 400
        if form.csrf_token.errors:
            form.form_errors.append(_("The form had expired: please send it again."))
    return render_template("notify/new_confirmations.html", form=form,
                           name_max=service.NAME_MAX), status  # fmt: skip


@bp.get("/notify/reports/<token>.csv")
def report_csv(token: str) -> FlaskResponse | tuple[str, int]:
    """Every delivery of a fan-out job as CSV, from a signed link (no session needed unless
    DOWNLOAD_REQUIRES_LOGIN)."""
    requires_login = bool(current_app.config.get("DOWNLOAD_REQUIRES_LOGIN", False))
    if requires_login and not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    found = reports.read_csv_token(token)
    if found is None:
        abort(403, description=_("This link is not valid: it was changed or copied incompletely."))
    job_id, expired = found
    job = service.get_job_for(current_user, job_id) if requires_login else service.get_job(job_id)
    if job is None or job.type not in reports.FANOUT_TYPES:
        abort(404)
    if expired:
        return render_template("downloads/link_expired.html", job=job), 410
    body = "".join(reports.csv_rows(job.id))  # thousands of short lines: one page of memory
    response = FlaskResponse(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="deliveries-{job.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
