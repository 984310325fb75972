"""`flask jobs submit | show | list | cancel | retry | recover | purge-expired`."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth.service import find_user
from webapp.engine import registry, service
from webapp.engine.errors import JobStateError, ParamError, UnknownJobType
from webapp.engine.eta import estimate_completion
from webapp.engine.recovery import purge_expired, recover
from webapp.engine.serialize import job_status
from webapp.extensions import db
from webapp.models.job import STATUSES, Job

jobs = AppGroup("jobs", help="Submit, inspect, cancel, retry and recover jobs.")


def _load(job_id: str) -> Job:
    job = service.get_job(job_id)
    if job is None:
        raise click.ClickException(f"No job with the id {job_id}.")
    return job


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not key=value.", param_hint="--param")
        params[key.strip()] = value
    return params


@jobs.command("submit")
@click.argument("job_type")
@click.option("--user", "email", required=True, help="Email of the job's owner.")
@click.option("--param", "pairs", multiple=True, help="key=value, repeatable.")
@click.option("--delay", type=click.FloatRange(0, 7 * 86400), help="Run after SECONDS.")
def submit(job_type: str, email: str, pairs: tuple[str, ...], delay: float | None) -> None:
    """Submit a job and print its id."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    try:
        job = service.submit(
            user,
            job_type,
            _parse_params(pairs),
            delay=timedelta(seconds=delay) if delay else None,
        )
    except UnknownJobType as exc:
        raise click.ClickException(str(exc)) from exc
    except ParamError as exc:
        raise click.ClickException(f"Parameter {exc.field!r}: {exc.message}") from exc
    click.echo(job.id)


@jobs.command("show")
@click.argument("job_id")
def show(job_id: str) -> None:
    """Print a job as JSON in the API's status shape (traceback included)."""
    job = _load(job_id)
    doc = job_status(job, estimated_completion=estimate_completion(job), include_traceback=True)
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@jobs.command("list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--type", "job_type", help="Only jobs of this type.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def list_jobs(status: str | None, job_type: str | None, limit: int) -> None:
    """List recent jobs, newest first."""
    if job_type:
        try:
            registry.get(job_type)
        except UnknownJobType as exc:
            raise click.ClickException(str(exc)) from exc
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if job_type:
        query = query.where(Job.type == job_type)
    rows = db.session.scalars(query).all()
    if not rows:
        click.echo("No jobs match.")
        return
    for job in rows:
        click.echo(
            f"{job.id}  {job.type:<14} {job.status:<10} {job.progress:>3}%  "
            f"{job.created_at:%Y-%m-%d %H:%M:%S}  {job.user.email}  {job.message}"
        )


@jobs.command("cancel")
@click.argument("job_id")
def cancel(job_id: str) -> None:
    """Cancel a pending job, or ask a running one to stop."""
    job = _load(job_id)
    try:
        outcome = service.cancel_job(job)
    except JobStateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Cancelled." if outcome == "cancelled" else "Cancel requested; it stops shortly.")


@jobs.command("retry")
@click.argument("job_id")
def retry(job_id: str) -> None:
    """Queue a failed job again."""
    job = _load(job_id)
    try:
        service.retry_job(job)
    except JobStateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Queued {job.id} again (attempts allowed now: {job.max_attempts}).")


@jobs.command("recover")
def recover_command() -> None:
    """Re-send lost pending jobs and return jobs of dead workers to the queue."""
    report = recover()
    click.echo(
        f"Re-sent {len(report.resent)} lost, returned {len(report.requeued)} stale, "
        f"failed {len(report.failed)}, cancelled {len(report.cancelled)}."
    )


@jobs.command("purge-expired")
def purge_command() -> None:
    """Delete expired results and jobs past the retention period."""
    report = purge_expired()
    click.echo(f"Expired {len(report.expired)} results; deleted {report.deleted} old jobs.")
