"""The New announcement and Order confirmations forms; the job types' validators decide."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.engine.errors import ParamError
from webapp.i18n import LANGUAGE_NAMES
from webapp.notifications.announcements import CHANNELS
from webapp.notifications.audience import AUDIENCES


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def language_field() -> RadioField:
    """The language of the words Tamam adds to a customer's email (footer, headings)."""
    return RadioField(
        _l("Language of Tamam's words in the message"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="en",
        validate_choice=False,
    )


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

    subject = StringField(_l("Subject (email)"), filters=[_strip])
    body = TextAreaField(_l("Message"))
    audience = RadioField(
        _l("Who gets it"),
        choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()],
        default="all",
        validate_choice=False,
    )
    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    date_from = StringField(_l("Ordered from"), filters=[_strip])
    date_to = StringField(_l("to"), filters=[_strip])
    channels = SelectMultipleField(
        _l("Channels"),
        choices=[SelectChoice(k, v) for k, v in CHANNELS.items()],
        default=["email"],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    preview_as = StringField(_l("Preview for (a customer's email)"), filters=[_strip])
    language = language_field()
    name = StringField(_l("Name (to tell it apart)"), filters=[_strip])

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
            "language": self.language.data or "en",
        }


class ConfirmationsForm(ParamForm):
    """Every order of a day, or the orders listed."""

    which = RadioField(
        _l("Which orders"),
        choices=[
            SelectChoice("date", _l("Every order of a day")),
            SelectChoice("orders", _l("These orders")),
        ],
        default="date",
        validate_choice=False,
    )
    date = StringField(_l("Day"), filters=[_strip])
    orders = TextAreaField(_l("Order numbers"), filters=[_strip])
    language = language_field()
    name = StringField(_l("Name (to tell it apart)"), filters=[_strip])

    def params(self) -> dict[str, Any]:
        """The job's raw parameters: the day, or the numbers."""
        language = self.language.data or "en"
        if self.which.data == "orders" or (self.orders.data and not self.date.data):
            return {"orders": self.orders.data or "", "language": language}
        return {"date": self.date.data or "", "language": language}
