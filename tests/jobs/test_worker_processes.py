"""Real `dramatiq tasks.worker` processes: killed with SIGKILL half way, stopped, supervised."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.jobs.helpers import wait_for
from tests.procs import alive, children_of, descendants
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

    def start(
        processes: int = 1,
        supervised: bool = False,
        log: Path | None = None,
        settings: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> subprocess.Popen:
        """`dramatiq tasks.worker`, the Procfile's `tasks.keep_running -- dramatiq ...`, or
        `command`, with `settings` over the test environment."""
        if command is None:
            command = [sys.executable, "-m", "dramatiq", "tasks.worker"]
            command += ["--processes", str(processes), "--threads", "2"]
        if supervised:
            command = [sys.executable, "-m", "tasks.keep_running", "--min-backoff", "0.2", "--"]
            command += [sys.executable, "-m", "dramatiq", "tasks.worker"]
            command += ["--processes", str(processes), "--threads", "2"]
        with open(log or os.devnull, "wb") as output:
            proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, **(settings or {})},
                stdout=output,
                stderr=output,
                start_new_session=True,  # its own process group, as honcho gives each line
            )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            # keep_running's dramatiq has a session of its own: kill the whole tree, not the group
            tree = descendants(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.wait(10)
            wait_until(lambda tree=tree: not any(alive(pid) for pid in tree), 10)


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
    """A worker process records host, pid, queues, threads and memory; SIGTERM removes its row."""
    proc = start_worker()
    wait_until(heartbeat_pids)
    beat = db.session.scalars(select(WorkerHeartbeat)).one()
    assert beat.threads == 2 and "reports" in beat.queues and beat.host
    assert 10 * 2**20 < beat.memory_bytes < 2 * 2**30  # a Python process with the app loaded
    proc.send_signal(signal.SIGTERM)  # to the dramatiq master, which stops its workers
    proc.wait(30)
    assert heartbeat_pids() == set()


def test_supervised_worker_comes_back_after_a_worker_process_is_killed(
    start_worker, staff, tmp_path: Path
) -> None:
    """The Procfile's worker: kill -9 of one worker process brings dramatiq back, jobs run again.

    dramatiq stops its other worker process and exits; keep_running starts it again. Then a
    SIGTERM to the whole process group, as honcho sends, stops the new workers cleanly.
    """
    log = tmp_path / "worker.log"
    supervisor = start_worker(processes=2, supervised=True, log=log)

    def two(pids: set[int]) -> set[int] | None:
        return pids if len(pids) == 2 else None

    first = wait_until(lambda: two(heartbeat_pids()))
    (master,) = children_of(supervisor.pid)
    assert children_of(master) == first
    os.kill(min(first), signal.SIGKILL)

    second = wait_until(lambda: two(heartbeat_pids() - first))
    assert supervisor.poll() is None
    (new_master,) = children_of(supervisor.pid)
    assert new_master != master and children_of(new_master) == second
    assert re.search(
        rf"dramatiq \(pid {master}\) exited with code 1 after [\d.]+ s; restart 1 in 0.2 s",
        log.read_text(),
    )
    assert max(first) not in heartbeat_pids()  # the sibling was stopped cleanly

    job = service.submit(staff, "ping", {})
    done = wait_for(job.id, lambda j: j.is_final, timeout=30)
    assert done.status == "completed"

    os.killpg(supervisor.pid, signal.SIGTERM)
    assert supervisor.wait(30) == 0
    assert not heartbeat_pids() & second  # each new worker process removed its own row
    assert "Killing worker process" not in log.read_text()  # none got a second SIGTERM


def test_killed_worker_jobs_run_again_well_before_their_lease(start_worker, staff, app):
    """Default settings (heartbeat 5 s, lease 30 s), the real scheduler: SIGKILL a worker mid-job
    and its job is running on another worker long before the lease would have let it go."""
    defaults = {"JOB_LEASE_SECONDS": "30", "WORKER_HEARTBEAT_SECONDS": "5"}
    first = start_worker(settings=defaults)
    first_pids = wait_until(heartbeat_pids)
    job = service.submit(staff, "ping", {"duration": 60, "steps": 60})
    running = wait_for(job.id, lambda j: j.status == "processing" and j.progress > 0, 30)
    start_worker(settings=defaults)
    start_worker(command=[sys.executable, "-m", "tasks.scheduler"], settings=defaults)
    wait_until(lambda: heartbeat_pids() - first_pids)
    lease_at_kill = running.lease_expires_at
    os.killpg(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    again = wait_for(job.id, lambda j: j.attempts == 2 and j.status == "processing", 40)
    seconds = time.monotonic() - killed_at
    print(f"\nA killed worker's job was running again {seconds:.1f} s after SIGKILL")
    assert again.started_at < lease_at_kill  # released on the silent heartbeat, not the lease
    kinds = [(e.kind, e.attempt, e.error_code) for e in again.events]
    assert ("attempt_failed", 1, "E7003") in kinds
    service.cancel_job(again)
    assert wait_for(job.id, lambda j: j.is_final, 30).status == "cancelled"
