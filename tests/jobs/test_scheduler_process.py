"""The real `python -m tasks.scheduler` process gives its lease up however it is stopped."""

from __future__ import annotations

import signal
import sys

import pytest
from sqlalchemy import select

from tasks.scheduler import LEASE_NAME
from tests.jobs.test_worker_processes import start_worker, wait_until  # noqa: F401 (fixture)
from webapp.extensions import db
from webapp.models.job import SchedulerLease

pytestmark = pytest.mark.slow


def lease_holder() -> str | None:
    """Who holds the maintenance lease now (None when nobody does)."""
    db.session.rollback()
    return db.session.scalar(select(SchedulerLease.holder).where(SchedulerLease.name == LEASE_NAME))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_scheduler_lets_go_of_its_lease(start_worker, stop):  # noqa: F811
    """systemd, Docker and Kubernetes stop with SIGTERM, Ctrl-C sends SIGINT: either way the
    scheduler exits 0 and another can take over at once instead of waiting out the lease."""
    scheduler = start_worker(command=[sys.executable, "-m", "tasks.scheduler"])
    wait_until(lease_holder, 60)
    scheduler.send_signal(stop)
    assert scheduler.wait(30) == 0
    assert lease_holder() is None
