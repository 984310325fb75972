"""Forms for signing in and for the profile page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.auth.service import UserError, validate_email_address


def _strip(value: str | None) -> str | None:
    """Drop the spaces a paste or an autofill leaves around an email."""
    return value.strip() if isinstance(value, str) else value


def valid_email(form: FlaskForm, field: Field) -> None:
    """The rule `flask users create` applies (validate_email_address), so both always agree."""
    try:
        validate_email_address(field.data or "")
    except UserError as exc:
        raise ValidationError("Enter a valid email.") from exc


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[DataRequired("Enter your email address."), valid_email],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=512)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(FlaskForm):
    """What a user can change about themselves."""

    email_notifications = BooleanField("Email me when my reports and exports are ready")


class TokenForm(FlaskForm):
    """A new personal API token: its name."""

    name = StringField(
        "Token name", filters=[_strip], validators=[Length(max=80)],
        description="What the token is for, e.g. 'nightly sales script'.",
    )  # fmt: skip


class ConfirmForm(FlaskForm):
    """A button with nothing but its CSRF token (revoke, rotate)."""
