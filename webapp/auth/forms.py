"""Forms for signing in and for the profile page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.auth.service import UserError, validate_email_address
from webapp.i18n import LANGUAGE_NAMES, LANGUAGES


def _strip(value: str | None) -> str | None:
    """Drop the spaces a paste or an autofill leaves around an email."""
    return value.strip() if isinstance(value, str) else value


def valid_email(form: FlaskForm, field: Field) -> None:
    """The rule `flask users create` applies (validate_email_address), so both always agree."""
    try:
        validate_email_address(field.data or "")
    except UserError as exc:
        raise ValidationError(_l("Enter a valid email.")) from exc


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter your email address.")), valid_email],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=512)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(FlaskForm):
    """What a user can change about themselves."""

    email_notifications = BooleanField(_l("Email me when my reports and exports are ready"))
    # Each language named in itself; "" follows the browser (its Accept-Language). A form
    # that leaves the field out (older clients, tests) keeps the user's choice: no validation.
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("Follow my browser"))]
        + [
            SelectChoice(code, LANGUAGE_NAMES[code], {"lang": code, "translate": "no"})
            for code in LANGUAGES
        ],
        validate_choice=False,
    )


class TokenForm(FlaskForm):
    """A new personal API token: its name."""

    name = StringField(
        _l("Token name"), filters=[_strip], validators=[Length(max=80)],
        description=_l("What the token is for, e.g. 'nightly sales script'."),
    )  # fmt: skip


class ConfirmForm(FlaskForm):
    """A button with nothing but its CSRF token (revoke, rotate)."""
