"""`flask users create | list | disable | set-password`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth.service import UserError, create_user, find_user, set_password
from webapp.extensions import db
from webapp.models.user import ROLES, User

users = AppGroup("users", help="Create, list and disable users; reset a password.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when omitted.",
)
def create(email: str, role: str, name: str, password: str) -> None:
    """Create a user who can sign in."""
    try:
        user = create_user(email, password, role=role, name=name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.email}.")


@users.command("list")
def list_users() -> None:
    """List every user with role and state."""
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    if not rows:
        click.echo("No users yet. Create one with: flask users create EMAIL --role admin")
        return
    width = max(len(u.email) for u in rows)
    for user in rows:
        state = "disabled" if user.disabled else "active"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.email:<{width}}  {user.role:<5}  {state:<8}  last sign-in {last}")


@users.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Stop a user from signing in; their jobs are kept."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    user.disabled = True
    db.session.commit()
    click.echo(f"Disabled {user.email}.")


@users.command("set-password")
@click.argument("email")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when omitted.",
)
def set_password_command(email: str, password: str) -> None:
    """Give a user a new password and lift any sign-in lock on their email."""
    try:
        user = set_password(email, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    note = " The account is disabled: it still cannot sign in." if user.disabled else ""
    click.echo(f"Set a new password for {user.email}.{note}")
