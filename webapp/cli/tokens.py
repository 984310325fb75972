"""`flask tokens create | list | revoke`: personal API tokens from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.api.tokens import TokenError, create_token, revoke_token, tokens_of
from webapp.auth.service import find_user

tokens = AppGroup("tokens", help="Create, list and revoke users' personal API tokens.")


def _user(email: str):  # type: ignore[no-untyped-def]
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
def create(email: str, name: str) -> None:
    """Make a token for EMAIL and print it (the only time it is shown)."""
    try:
        token, secret = create_token(_user(email), name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created token {token.id} “{token.name}” for {email}. It is shown only now:",
               err=True)  # fmt: skip
    click.echo(secret)


@tokens.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List EMAIL's tokens (their prefixes only: secrets are not kept)."""
    rows = tokens_of(_user(email))
    if not rows:
        click.echo(f"{email} has no API tokens.")
    for token in rows:
        state = "revoked" if token.revoked_at else "active"
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never"
        click.echo(f"{token.id:>5}  {token.prefix}…  {state:<7}  last used {used}  {token.name}")


@tokens.command("revoke")
@click.argument("email")
@click.argument("token_id", type=int)
def revoke(email: str, token_id: int) -> None:
    """Revoke EMAIL's token TOKEN_ID (see `flask tokens list EMAIL`)."""
    try:
        token = revoke_token(_user(email), token_id)
    except TokenError as exc:
        raise click.ClickException(f"{email} has no token {token_id}.") from exc
    click.echo(f"Revoked token {token.id} “{token.name}” of {email}.")
