"""Forms for signing in and for the profile page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


def _strip(value: str | None) -> str | None:
    """Drop the spaces a paste or an autofill leaves around an email."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email",
        filters=[_strip],
        validators=[DataRequired("Enter your email address."), Email("Enter a valid email.")],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=512)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(FlaskForm):
    """What a user can change about themselves."""

    email_notifications = BooleanField("Email me when my reports and exports are ready")
