"""New report and New export forms. The job type's validator has the last word on each field."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.fields.core import Field

from webapp.engine.errors import ParamError
from webapp.models.sales import ORDER_STATUSES, REGIONS
from webapp.reports.periods import preset_data, utc_today

# What each format is good for, one line under its radio button.
FORMAT_HINTS = {
    "pdf": _l("To read and print."),
    "excel": _l("To filter, sort and chart."),
    "csv": _l("For other tools and imports."),
}
STATUS_LABELS = {
    "paid": _l("Paid"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "refunded": _l("Refunded"),
    "cancelled": _l("Cancelled"),
}
REGION_LABELS = {
    "North": _l("North"),
    "South": _l("South"),
    "East": _l("East"),
    "West": _l("West"),
    "Central": _l("Central"),
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def name_field() -> StringField:
    """The optional name a user gives a request to tell it apart in My jobs."""
    return StringField(_l("Name (to tell it apart)"), filters=[_strip])


def language_field() -> SelectField:
    """The language the file is written in (the form starts with the user's)."""
    return SelectField(
        _l("Report language"),
        # Arabic is named in Arabic on every page; English in the page's language.
        choices=[SelectChoice("en", _l("English")), SelectChoice("ar", "العربية")],
        default="en",
        validate_choice=False,
    )


def last_month(today: date | None = None) -> dict[str, str]:
    """The default period: the whole of the previous calendar month (today in UTC by default)."""
    return preset_data("last_month", today or utc_today())


class JobForm(FlaskForm):
    """A form whose fields are a job type's parameters, named as the validator names them."""

    date_from = StringField(_l("From"), filters=[_strip])
    date_to = StringField(_l("To"), filters=[_strip])
    # Fields a preset link carries over, so choosing a period without JavaScript keeps them.
    carried: tuple[str, ...] = ()
    # The language the form starts with: the user's (set by the view).
    language_default = "en"

    def params(self) -> dict[str, Any]:
        """The submitted values as the job type's raw parameters (the job's name is not one)."""
        return {
            name: field.data or ""
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit", "name")
        }

    def resubmit_values(self) -> dict[str, str]:
        """Every submitted value but the token, to post the same request again on purpose."""
        values = {key: str(value) for key, value in self.params().items()}
        name = self._fields.get("name")
        if name is not None and name.data:
            values["name"] = str(name.data)
        return values

    def show_param_error(self, error: ParamError) -> None:
        """Put the validator's message under the field it names (or above the form)."""
        field: Field | None = self._fields.get(error.field)
        if field is None or error.field == "csrf_token":
            self.form_errors.append(error.message)
            return
        field.errors = [*field.errors, error.message]

    def first_invalid(self) -> str:
        """The name of the first field, in page order, that shows an error ('' for none)."""
        return next((name for name, field in self._fields.items() if field.errors), "")

    def carried_values(self) -> dict[str, str]:
        """The carried fields' current values, for the preset links (empty ones left out).

        The language is left out while it is the one the form starts with (the user's), so
        the links stay as short as they were before files had a language.
        """
        return {
            name: str(self[name].data)
            for name in self.carried
            if self[name].data
            and not (name == "language" and self[name].data == self.language_default)
        }


class NewReportForm(JobForm):
    """A sales report: a period and a format."""

    format = RadioField(
        _l("Format"),
        choices=[
            SelectChoice("pdf", _l("PDF document")),
            SelectChoice("excel", _l("Excel workbook (.xlsx)")),
            SelectChoice("csv", _l("CSV file")),
        ],
        default="pdf",
        validate_choice=False,
    )
    language = language_field()
    name = name_field()
    carried = ("format", "language", "name")


class NewExportForm(JobForm):
    """An orders export: a period, optional status and region, and a format."""

    status = SelectField(
        _l("Order status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [
            SelectChoice(status, STATUS_LABELS.get(status, status.capitalize()))
            for status in ORDER_STATUSES
        ],
        default="",
        validate_choice=False,
    )
    region = SelectField(
        _l("Region"),
        choices=[SelectChoice("", _l("Any region"))]
        + [SelectChoice(r, REGION_LABELS.get(r, r)) for r in REGIONS],
        default="",
        validate_choice=False,
    )
    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("excel", _l("Excel workbook (.xlsx)")),
            SelectChoice("csv", _l("CSV file")),
        ],
        default="excel",
        validate_choice=False,
    )
    language = language_field()
    name = name_field()
    carried = ("status", "region", "format", "language", "name")
