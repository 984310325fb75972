"""New report and New export forms. The job type's validator has the last word on each field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.fields.core import Field

from webapp.engine.errors import ParamError
from webapp.models.sales import ORDER_STATUSES, REGIONS


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def last_month(today: date | None = None) -> dict[str, str]:
    """The default period: the whole of the previous calendar month."""
    first_of_this = (today or date.today()).replace(day=1)
    last = first_of_this - timedelta(days=1)
    return {"date_from": last.replace(day=1).isoformat(), "date_to": last.isoformat()}


class JobForm(FlaskForm):
    """A form whose fields are a job type's parameters, named as the validator names them."""

    date_from = StringField("From", filters=[_strip])
    date_to = StringField("To", filters=[_strip])

    def params(self) -> dict[str, Any]:
        """The submitted values as the job type's raw parameters."""
        return {
            name: field.data or ""
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }

    def show_param_error(self, error: ParamError) -> None:
        """Put the validator's message under the field it names (or above the form)."""
        field: Field | None = self._fields.get(error.field)
        if field is None or error.field == "csrf_token":
            self.form_errors.append(error.message)
            return
        field.errors = [*field.errors, error.message]


class NewReportForm(JobForm):
    """A sales report: a period and a format."""

    format = SelectField(
        "Format",
        choices=[
            SelectChoice("pdf", "PDF document"),
            SelectChoice("excel", "Excel workbook (.xlsx)"),
            SelectChoice("csv", "CSV file"),
        ],
        default="pdf",
        validate_choice=False,
    )


class NewExportForm(JobForm):
    """An orders export: a period, optional status and region, and a format."""

    status = SelectField(
        "Order status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(status, status.capitalize()) for status in ORDER_STATUSES],
        default="",
        validate_choice=False,
    )
    region = SelectField(
        "Region",
        choices=[SelectChoice("", "Any region")] + [SelectChoice(r, r) for r in REGIONS],
        default="",
        validate_choice=False,
    )
    format = SelectField(
        "Format",
        choices=[SelectChoice("excel", "Excel workbook (.xlsx)"), SelectChoice("csv", "CSV file")],
        default="excel",
        validate_choice=False,
    )
