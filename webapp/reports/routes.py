"""New report (/reports/new) and New export (/exports/new): submit, then show the new job."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.engine import registry, service
from webapp.engine.errors import ParamError
from webapp.generators.order_dates import order_date_range, where_orders_are
from webapp.reports import bp
from webapp.reports.forms import JobForm, NewExportForm, NewReportForm, last_month
from webapp.reports.periods import check_period_has_orders


def _request(form: JobForm, job_type: str, template: str, noun: str) -> Response | tuple[str, int]:
    """Submit the job and go to its page at once; else show the form with its messages."""
    known = order_date_range()  # two index look-ups: cheap enough for every page view
    if form.validate_on_submit():
        try:
            clean = registry.get(job_type).validate(form.params())
            check_period_has_orders(clean, known)  # no job for a period without any order
            job = service.submit(current_user, job_type, clean)
        except ParamError as error:
            form.show_param_error(error)
        else:
            flash(f"Your {noun} is queued. This page follows it as it runs.", "success")
            return redirect(url_for("jobs.show", job_id=job.id), 303)
    status = 400 if form.is_submitted() else 200
    max_days = int(current_app.config["REPORT_MAX_SPAN_DAYS"])
    context = {"form": form, "max_days": max_days, "orders_exist": where_orders_are(known)}
    return render_template(template, **context), status


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report() -> Response | tuple[str, int]:
    """The New report form: a period and a format."""
    form = NewReportForm(data=last_month())
    return _request(form, "sales_report", "reports/new_report.html", "sales report")


@bp.route("/exports/new", methods=["GET", "POST"])
def new_export() -> Response | tuple[str, int]:
    """The New export form: a period, status, region and a format."""
    form = NewExportForm(data=last_month())
    return _request(form, "orders_export", "reports/new_export.html", "orders export")
