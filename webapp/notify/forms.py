"""The New announcement and Order confirmations forms; the job types' validators decide."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.engine.errors import ParamError
from webapp.notifications.announcements import CHANNELS
from webapp.notifications.audience import AUDIENCES


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ParamForm(FlaskForm):
    """A form whose fields are a job type's parameters; a ParamError lands on its field."""

    def show_param_error(self, error: ParamError) -> None:
        """Put the validator's message under the field it names (or above the form)."""
        field = self._fields.get(error.field)
        if field is None or error.field == "csrf_token":
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]


class AnnouncementForm(ParamForm):
    """Subject, body, audience, channels; and who the preview shows it to."""

    subject = StringField("Subject (email)", filters=[_strip])
    body = TextAreaField("Message")
    audience = RadioField(
        "Who gets it",
        choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()],
        default="all",
        validate_choice=False,
    )
    region = SelectField("Region", choices=[], validate_choice=False)
    date_from = StringField("Ordered from", filters=[_strip])
    date_to = StringField("to", filters=[_strip])
    channels = SelectMultipleField(
        "Channels",
        choices=[SelectChoice(k, v) for k, v in CHANNELS.items()],
        default=["email"],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    preview_as = StringField("Preview for (a customer's email)", filters=[_strip])
    name = StringField("Name (to tell it apart)", filters=[_strip])

    def params(self) -> dict[str, Any]:
        """The job's raw parameters."""
        return {
            "subject": self.subject.data or "",
            "body": self.body.data or "",
            "audience": self.audience.data or "",
            "region": self.region.data or "",
            "date_from": self.date_from.data or "",
            "date_to": self.date_to.data or "",
            "channels": list(self.channels.data or []),
        }


class ConfirmationsForm(ParamForm):
    """Every order of a day, or the orders listed."""

    which = RadioField(
        "Which orders",
        choices=[
            SelectChoice("date", "Every order of a day"),
            SelectChoice("orders", "These orders"),
        ],
        default="date",
        validate_choice=False,
    )
    date = StringField("Day", filters=[_strip])
    orders = TextAreaField("Order numbers", filters=[_strip])
    name = StringField("Name (to tell it apart)", filters=[_strip])

    def params(self) -> dict[str, Any]:
        """The job's raw parameters: the day, or the numbers."""
        if self.which.data == "orders" or (self.orders.data and not self.date.data):
            return {"orders": self.orders.data or ""}
        return {"date": self.date.data or ""}
