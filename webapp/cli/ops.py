"""`flask ops status|worker-health|pause|resume|check-alerts`: the machinery from a terminal."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from webapp.engine import pauses
from webapp.engine.registry import QUEUES
from webapp.monitoring import audit
from webapp.monitoring.alerts import check_alerts
from webapp.monitoring.status import OpsStatus, ops_status

ops = AppGroup("ops", help="Queue and worker figures, and health checks for process managers.")


def _print_table(status: OpsStatus) -> None:
    """The figures as a table, then each problem on a line of its own."""
    click.echo(
        f"{'queue':<14}{'ready':>7}{'delayed':>9}{'dead':>6}{'pending':>9}{'running':>9}"
        f"{'oldest':>9}{'workers':>9}{'threads':>9}"
    )
    for q in status.queues:
        oldest = "-" if q.oldest_pending_seconds is None else f"{q.oldest_pending_seconds:.0f}s"
        click.echo(
            f"{q.queue:<14}{q.ready:>7}{q.delayed:>9}{q.dead:>6}{q.pending:>9}{q.processing:>9}"
            f"{oldest:>9}{q.workers:>9}{q.threads:>9}"
        )
    click.echo(f"Live workers: {status.live_workers}; stale: {status.stale_workers}.")
    for q in status.queues:
        for problem in q.problems:
            click.echo(f"UNHEALTHY {q.queue}: {problem}")
    if status.healthy:
        click.echo("Healthy.")


@ops.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def status_command(as_json: bool) -> None:
    """Print every queue's figures; exit 1 when a queue needs attention."""
    status = ops_status()
    if as_json:
        click.echo(json.dumps(status.as_dict(), indent=2))
    else:
        _print_table(status)
    sys.exit(0 if status.healthy else 1)


@ops.command("worker-health")
@click.option("--queue", default=None, help="Only workers serving this queue count.")
def worker_health_command(queue: str | None) -> None:
    """Exit 0 when a worker's heartbeat is fresh (for a process manager's health check), else 1."""
    status = ops_status()
    if queue is None:
        live = status.live_workers
    else:
        live = next((q.workers for q in status.queues if q.queue == queue), 0)
    where = f" serving {queue}" if queue else ""
    if live:
        click.echo(f"{live} live worker(s){where}.")
        sys.exit(0)
    click.echo(f"No worker{where} has sent a heartbeat recently.", err=True)
    sys.exit(1)


@ops.command("pause")
@click.argument("queue", type=click.Choice(QUEUES))
def pause_command(queue: str) -> None:
    """Pause QUEUE: its jobs stay pending until it is resumed."""
    if not pauses.pause(queue, None):
        click.echo(f"Queue {queue} was already paused.")
        return
    audit.record(None, "pause", "queue", queue, "from the command line")
    click.echo(f"Queue {queue} paused; its jobs wait until `flask ops resume {queue}`.")


@ops.command("resume")
@click.argument("queue", type=click.Choice(QUEUES))
def resume_command(queue: str) -> None:
    """Resume QUEUE and send its waiting jobs."""
    sent = pauses.resume(queue, None)
    if sent is None:
        click.echo(f"Queue {queue} was not paused.")
        return
    audit.record(None, "resume", "queue", queue, "from the command line")
    click.echo(f"Queue {queue} resumed; {sent} waiting job(s) sent now, any others by recovery.")


@ops.command("check-alerts")
def check_alerts_command() -> None:
    """Check the alert conditions now (what the scheduler runs every BACKLOG_CHECK_INTERVAL)."""
    report = check_alerts()
    for condition in report.conditions:
        click.echo(f"{condition.key}: {condition.words}")
    click.echo(
        f"Opened {len(report.opened)}, reminded {len(report.reminded)},"
        f" resolved {len(report.resolved)}; {len(report.conditions)} condition(s) now."
    )
