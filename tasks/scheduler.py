"""The scheduler process: the periodic maintenance, run here and not on the workers' queues.

Recovery, the purge and the backlog monitor are plain function calls in this process, so a
worker pool busy with long exports cannot delay or drop them. Only the scheduler holding the
"maintenance" lease (webapp.engine.leader) runs them: start two and the second waits.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

RECOVER_EVERY_SECONDS = 5
LEASE_NAME = "maintenance"
LEASE_SECONDS = 3 * RECOVER_EVERY_SECONDS

log = logging.getLogger("tamam.scheduler")


class Maintenance:
    """The periodic tasks, each run in an app context by the lease holder only."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        from webapp.engine.attempts import process_key

        self.app = app
        self.holder = holder or process_key()
        self.leading = False

    def run(self, name: str, work: Callable[[], Any]) -> bool:
        """Run `work` if this scheduler holds (or takes) the lease; False when another does."""
        from webapp.engine import leader

        with self.app.app_context():
            leading = leader.hold(LEASE_NAME, self.holder, LEASE_SECONDS)
            if leading != self.leading:
                self.leading = leading
                log.info(
                    "This scheduler %s the maintenance (%s)",
                    "now runs" if leading else "no longer runs",
                    self.holder,
                )
            if not leading:
                return False
            work()
            return True

    def recover(self) -> bool:
        """Release dead workers' jobs and re-send lost messages."""
        from webapp.engine.recovery import recover

        return self.run("recover", recover)

    def purge(self) -> bool:
        """Remove expired results and rows past their retention."""
        from webapp.engine.recovery import purge_expired

        return self.run("purge", purge_expired)

    def monitor(self) -> bool:
        """Open, remind and resolve alerts (backlog, long wait, no worker, failures, dead)."""
        from webapp.monitoring.alerts import check_alerts

        return self.run("monitor", check_alerts)

    def rollup(self) -> bool:
        """Roll finished minutes up into the charts' and /metrics' figures."""
        from webapp.monitoring.stats import rollup

        return self.run("rollup", rollup)

    def outbox(self) -> bool:
        """Re-send outbox deliveries whose messages were lost."""
        from webapp.notifications.outbox import resend_due

        return self.run("outbox", resend_due)

    def stop(self) -> None:
        """Give up the lease so another scheduler can take over at once."""
        from webapp.engine import leader

        with self.app.app_context():
            leader.let_go(LEASE_NAME, self.holder)


def build_scheduler(maintenance: Maintenance) -> BlockingScheduler:
    """Recovery every 5 s, lost outbox deliveries every 15 s, the per-minute roll-up every
    30 s, alerts every BACKLOG_CHECK_INTERVAL (5 minutes), purge of expired results hourly."""
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    scheduler.add_job(maintenance.recover, "interval", seconds=RECOVER_EVERY_SECONDS, id="recover")
    check_every = int(maintenance.app.config["BACKLOG_CHECK_INTERVAL"])
    scheduler.add_job(maintenance.outbox, "interval", seconds=15, id="outbox")
    scheduler.add_job(maintenance.rollup, "interval", seconds=30, id="rollup")
    scheduler.add_job(maintenance.monitor, "interval", seconds=check_every, id="monitor")
    scheduler.add_job(maintenance.purge, "cron", minute=7, id="purge")
    return scheduler


def main() -> None:
    """Build the app (which installs the broker), then run the schedule until stopped."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # no line per run
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the app's set-up lines
    from webapp import create_app

    maintenance = Maintenance(create_app())
    scheduler = build_scheduler(maintenance)
    # systemd, Docker and Kubernetes stop with SIGTERM: leave as on Ctrl-C, giving the lease up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    log.info("Scheduler started: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
    finally:
        maintenance.stop()


if __name__ == "__main__":
    main()
