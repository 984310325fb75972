"""Real `dramatiq tasks.worker` processes: one is killed with SIGKILL half way, another finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.jobs.helpers import wait_for
from webapp.engine import recovery, service
from webapp.extensions import db
from webapp.models.job import WorkerHeartbeat

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_worker(app, database_url, redis_url, redis_broker) -> Iterator:
    """Start real worker processes on the test database and Redis; stop them afterwards."""
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "TAMAM_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "INSTANCE_DIR": app.config["INSTANCE_DIR"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "JOB_LEASE_SECONDS": "3",
        "WORKER_HEARTBEAT_SECONDS": "1",
    }

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dramatiq",
                "tasks.worker",
                "--processes",
                "1",
                "--threads",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def heartbeat_pids() -> set[int]:
    db.session.rollback()
    return set(db.session.scalars(select(WorkerHeartbeat.pid)))


def wait_until(predicate, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """Poll `predicate` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)  # polling an observable condition, not standing in for one
    return value


def test_killed_worker_job_finishes_elsewhere(start_worker, staff):
    """SIGKILL a worker mid-job: recovery returns the job and a second worker completes it."""
    first = start_worker()
    first_pids = wait_until(heartbeat_pids)
    job = service.submit(staff, "ping", {"duration": 3, "steps": 30})
    running = wait_for(job.id, lambda j: j.status == "processing" and j.progress > 0, 30)
    assert any(running.worker_id.split(":")[1] == str(pid) for pid in first_pids)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)

    second = start_worker()
    wait_until(lambda: heartbeat_pids() - first_pids)
    wait_until(lambda: recovery.recover().requeued, timeout=30)  # once the lease runs out
    done = wait_for(job.id, lambda j: j.is_final, timeout=30)
    assert (done.status, done.attempts, done.progress) == ("completed", 2, 100)
    kinds = [(e.kind, e.attempt, e.error_code) for e in done.events]
    assert ("attempt_failed", 1, "E7003") in kinds and ("completed", 2, None) in kinds
    assert second.poll() is None


def test_heartbeat_recorded_and_removed_on_clean_shutdown(start_worker):
    """A worker process records host, pid, queues and threads; SIGTERM removes its row."""
    proc = start_worker()
    wait_until(heartbeat_pids)
    beat = db.session.scalars(select(WorkerHeartbeat)).one()
    assert beat.threads == 2 and "reports" in beat.queues and beat.host
    proc.send_signal(signal.SIGTERM)  # to the dramatiq master, which stops its workers
    proc.wait(30)
    assert heartbeat_pids() == set()
