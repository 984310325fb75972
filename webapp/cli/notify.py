"""`flask notify confirmations | announce | report`: fan-outs for operators and scripts."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from webapp.auth.service import find_user
from webapp.engine import service
from webapp.engine.errors import ParamError
from webapp.models.user import User

notify = AppGroup("notify", help="Send order confirmations and announcements; read reports.")
CHANNELS = click.Choice(["email", "sms", "whatsapp"])


def _owner(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


def _submit(email: str, job_type: str, params: dict[str, Any], name: str | None) -> None:
    try:
        job = service.submit(_owner(email), job_type, params, name=service.clean_name(name))
    except ParamError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc
    click.echo(job.id)


def audience_option(text: str) -> dict[str, str]:
    """all | region:NAME | ordered:YYYY-MM-DD..YYYY-MM-DD, as an announcement's parameters."""
    kind, _, rest = text.partition(":")
    if kind == "all" and not rest:
        return {"audience": "all"}
    if kind == "region" and rest:
        return {"audience": "region", "region": rest}
    if kind == "ordered" and ".." in rest:
        start, _, end = rest.partition("..")
        return {"audience": "ordered", "date_from": start, "date_to": end}
    raise click.BadParameter(
        "use all, region:NAME or ordered:YYYY-MM-DD..YYYY-MM-DD", param_hint="--audience"
    )


@notify.command("confirmations")
@click.option("--date", "day", help="Every order of this day (YYYY-MM-DD).")
@click.option("--orders", help="These order numbers instead (comma-separated).")
@click.option("--user", "email", required=True, help="Email of the job's owner.")
@click.option("--name", help="A name for the job, shown in My jobs.")
def confirmations(day: str | None, orders: str | None, email: str, name: str | None) -> None:
    """Email (and SMS) order confirmations; prints the job's id."""
    params: dict[str, Any] = {"date": day or ""}
    if orders:
        params = {"orders": orders}
    _submit(email, "order_confirmations", params, name)


@notify.command("announce")
@click.option("--audience", required=True, help="all, region:NAME or ordered:FROM..TO.")
@click.option("--channel", "channels", type=CHANNELS, multiple=True, required=True,
              help="email, sms or whatsapp; repeat for several.")  # fmt: skip
@click.option("--subject", default="", help="The email's subject ({name} placeholders).")
@click.option(
    "--body", required=True, help="The message ({name}, {first_name}, {email}, {region})."
)
@click.option("--user", "email", required=True, help="Email of the job's owner.")
@click.option("--name", help="A name for the job, shown in My jobs.")
def announce(audience: str, channels: tuple[str, ...], subject: str, body: str, email: str,
             name: str | None) -> None:  # fmt: skip
    """Send an announcement to an audience; prints the job's id."""
    params = {**audience_option(audience), "channels": list(channels), "subject": subject,
              "body": body}  # fmt: skip
    _submit(email, "announcement", params, name)


@notify.command("report")
@click.argument("job_id")
@click.option("--csv", "as_csv", is_flag=True, help="Every delivery as CSV instead.")
def report(job_id: str, as_csv: bool) -> None:
    """Print a fan-out job's delivery report."""
    from webapp.notifications import report as reports

    job = service.get_job(job_id)
    if job is None or job.type not in reports.FANOUT_TYPES:
        raise click.ClickException(f"No announcement or confirmations job {job_id}.")
    if as_csv:
        for line in reports.csv_rows(job.id):
            click.echo(line, nl=False)
        return
    found = reports.report(job.id)
    click.echo(f"{job.id}: {job.status}")
    for line in found.lines:
        figures = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in line.figures.items() if v)
        click.echo(f"  {line.label}: {figures or 'nothing yet'}")
    for reason, number in found.reasons:
        click.echo(f"  failed ({number:,}): {reason}")
