"""New report (/reports/new) and New export (/exports/new): submit, then show the new job.

A GET may name a preset (`?preset=last_month`) and the form's other choices: the page comes back
with those dates filled in. That is how the preset links work without JavaScript; with it, htmx
fetches the same URL and swaps in only the period fieldset, so other choices stay as they are.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.engine import registry, service
from webapp.engine.errors import ParamError
from webapp.engine.eta import queue_position
from webapp.engine.links import download_url_if_available
from webapp.engine.same_request import SameRequest, same_request
from webapp.generators.dates import span_limit
from webapp.generators.order_dates import order_date_range, where_orders_are
from webapp.i18n import current_language, normalise
from webapp.jobs.present import status_word
from webapp.reports import bp
from webapp.reports.forms import FORMAT_HINTS, JobForm, NewExportForm, NewReportForm, last_month
from webapp.reports.periods import check_period_has_orders, preset_data, preset_links, utc_today


def _user_language() -> str:
    """The language a new form offers for the file: the user's own, else the page's."""
    return normalise(getattr(current_user, "language", None)) or current_language()


def _initial(form_class: type[JobForm]) -> dict[str, Any]:
    """A new form's values: last month, or the preset and choices the URL names."""
    today = utc_today()
    data: dict[str, Any] = last_month(today)
    data.setdefault("language", _user_language())
    data.update(preset_data(request.args.get("preset", ""), today))
    data.update({name: request.args[name] for name in form_class.carried if name in request.args})
    return data


def _request(form_class: type[JobForm], job_type: str, template: str) -> Response | tuple[str, int]:
    """Submit the job and go to its page at once; else show the form with its messages."""
    initial = _initial(form_class)
    form = form_class(data=initial)
    form.language_default = _user_language()
    known = order_date_range()  # two index look-ups: cheap enough for every page view
    same = SameRequest()
    if form.validate_on_submit():
        try:
            clean = registry.get(job_type).validate(form.params())
            check_period_has_orders(clean, known)  # no job for a period without any order
            name = service.clean_name(form.name.data)
            if request.form.get("fresh") != "1":  # "a fresh copy anyway" skips the look-up
                same = same_request(current_user, job_type, clean)
            if not same.found:
                job = service.submit(current_user, job_type, clean, name=name)
        except ParamError as error:
            form.show_param_error(error)
        else:
            if not same.found:
                # No "queued" flash: it would outlive the state it names. While the job
                # waits, its live part says that the page follows it.
                return redirect(url_for("jobs.show", job_id=job.id), 303)
    status = 400 if form.is_submitted() and not same.found else 200
    max_days = int(current_app.config["REPORT_MAX_SPAN_DAYS"])
    context = {
        "form": form,
        "endpoint": request.endpoint,
        "span_limit": span_limit(max_days),
        "orders_exist": where_orders_are(known),
        "presets": preset_links(utc_today(), form.date_from.data, form.date_to.data),
        "first_invalid": form.first_invalid(),
        "format_hints": FORMAT_HINTS,
        "same": same,
        "name_max": service.NAME_MAX,
        "same_context": _same_context(same) if same.found else {},
    }
    return render_template(template, **context), status


def _same_context(same: SameRequest) -> dict[str, Any]:
    """What the notice says about the request already made: its place, its file."""
    waiting, ready = same.waiting, same.ready
    return {
        "status_word": status_word(waiting.status) if waiting is not None else "",
        "place": queue_position(waiting) if waiting is not None else None,
        "download_url": download_url_if_available(ready) if ready is not None else None,
    }


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report() -> Response | tuple[str, int]:
    """The New report form: a period (typed or a preset) and a format."""
    return _request(NewReportForm, "sales_report", "reports/new_report.html")


@bp.route("/exports/new", methods=["GET", "POST"])
def new_export() -> Response | tuple[str, int]:
    """The New export form: a period (typed or a preset), status, region and a format."""
    return _request(NewExportForm, "orders_export", "reports/new_export.html")
