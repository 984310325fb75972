"""`flask imports template KIND FILE` and `flask imports submit KIND FILE --user EMAIL`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.auth.service import find_user
from webapp.engine.errors import ParamError
from webapp.importers.kinds import KINDS
from webapp.importers.reading import FileRefused, file_format
from webapp.importers.template import template_bytes
from webapp.importers.uploads import stage, submit_import

imports = AppGroup("imports", help="Write import templates and submit files to import.")
KIND = click.Choice(sorted(KINDS))


@imports.command("template")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def template(kind: str, file: Path) -> None:
    """Write KIND's template (its columns and one example row) to FILE (.csv or .xlsx)."""
    try:
        fmt = file_format(file.name)
    except FileRefused as exc:
        raise click.ClickException(str(exc)) from None
    file.write_bytes(template_bytes(KINDS[kind], fmt))
    click.echo(f"Wrote {file} ({', '.join(column.name for column in KINDS[kind].columns)})")


@imports.command("submit")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="Email of the job's owner.")
@click.option("--check-only", is_flag=True, help="Check every row and write nothing.")
@click.option("--name", help="A name for the job, shown in My jobs.")
def submit(kind: str, file: Path, email: str, check_only: bool, name: str | None) -> None:
    """Check FILE as the New import page does, submit the import job and print its id.

    `flask jobs show ID` then gives its counts.
    """
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    try:
        with file.open("rb") as stream:
            staged = stage(kind, file.name, stream)
        job = submit_import(user, kind, "check" if check_only else "apply", staged, name)
    except FileRefused as exc:
        raise click.ClickException(str(exc)) from None
    except ParamError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    click.echo(job.id)
