"""The scheduler process: it only sends actor messages, on a clock (APScheduler 3, UTC)."""

from __future__ import annotations

import contextlib
import logging

from apscheduler.schedulers.blocking import BlockingScheduler

RECOVER_EVERY_SECONDS = 10


def build_scheduler() -> BlockingScheduler:
    """Recovery every 10 s, backlog monitor every 5 minutes, purge of expired results hourly."""
    from tasks.actors import monitor_backlog, purge_expired_jobs, recover_jobs

    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    scheduler.add_job(recover_jobs.send, "interval", seconds=RECOVER_EVERY_SECONDS, id="recover")
    scheduler.add_job(monitor_backlog.send, "cron", minute="*/5", id="monitor")
    scheduler.add_job(purge_expired_jobs.send, "cron", minute=7, id="purge")
    return scheduler


def main() -> None:
    """Install the broker, then run the schedule until stopped."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s"
    )
    from tasks.broker import install_from_environment

    install_from_environment()
    import tasks.actors  # noqa: F401

    scheduler = build_scheduler()
    logging.getLogger(__name__).info("Scheduler started: %s", [j.id for j in scheduler.get_jobs()])
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


if __name__ == "__main__":
    main()
