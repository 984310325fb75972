"""Test-only job types with controllable behaviour, and a way to wait on a job's state."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from webapp.engine.errors import JobError
from webapp.engine.registry import JobContext, JobType, register
from webapp.extensions import db
from webapp.models.job import Job

# Per-test knobs the test job types read; reset by the `scripted` fixture.
SCRIPT: dict[str, Any] = {}
STARTED = threading.Event()
RELEASE = threading.Event()


def _accept(raw: Mapping[str, Any]) -> dict[str, Any]:
    return dict(raw)


def run_flaky(ctx: JobContext) -> dict[str, Any]:
    """Fails the first SCRIPT['fail_times'] attempts, then succeeds."""
    ctx.progress(50, "Half way")
    if ctx.attempt <= SCRIPT.get("fail_times", 0):
        raise RuntimeError(f"boom on attempt {ctx.attempt}")
    ctx.progress(100, "Done")
    return {"attempt": ctx.attempt}


def run_no_data(ctx: JobContext) -> dict[str, Any]:
    """A known, permanent failure."""
    raise JobError("E7006", "Not enough data", "No orders in the period", retry=False)


def run_blocking(ctx: JobContext) -> dict[str, Any]:
    """Reports progress in a loop until RELEASE is set (or forever, for timeouts)."""
    STARTED.set()
    step = 0
    while not RELEASE.is_set():
        step += 1
        ctx.progress(min(99, step), f"Step {step}")
        RELEASE.wait(0.05)
    return {"steps": step}


def run_spinning(ctx: JobContext) -> dict[str, Any]:
    """Burns CPU without progress calls, so only the time limit can stop it."""
    STARTED.set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sum(range(1000))
    return {}


def run_cancelled_then_failing(ctx: JobContext) -> dict[str, Any]:
    """The owner's cancel lands after the last progress call, then the attempt fails."""
    from webapp.engine import service

    ctx.progress(10, "Working")
    service.cancel_job(db.session.get(Job, ctx.job_id))  # the owner clicks Cancel now
    raise RuntimeError("boom after the cancel")


def run_file_per_attempt(ctx: JobContext) -> dict[str, Any]:
    """Writes a file naming its attempt; attempt 1 waits for RELEASE, then does SCRIPT['late']."""
    if ctx.attempt == 1:
        STARTED.set()
        assert RELEASE.wait(30)
    path = ctx.out_dir / "result.txt"
    path.write_text(f"written by attempt {ctx.attempt}")
    if ctx.attempt == 1 and SCRIPT.get("late") == "fail":
        raise RuntimeError("attempt 1 fails late")
    return {"file_name": "result.txt", "content_type": "text/plain", "size_bytes": 19}


TEST_TYPES = [
    JobType(name="t_flaky", label="Flaky", run=run_flaky, validate=_accept, backoff=0.05),
    JobType(name="t_no_data", label="No data", run=run_no_data, validate=_accept),
    JobType(
        name="t_blocking",
        label="Blocking",
        run=run_blocking,
        validate=_accept,
        backoff=0.05,
        produces_file=True,
    ),
    JobType(
        name="t_cancel_fail",
        label="Cancel, fail",
        run=run_cancelled_then_failing,
        validate=_accept,
        backoff=0.05,
    ),
    JobType(
        name="t_cancel_fail_once",
        label="Cancel, fail",
        run=run_cancelled_then_failing,
        validate=_accept,
        max_attempts=1,
    ),
    JobType(
        name="t_files",
        label="Files",
        run=run_file_per_attempt,
        validate=_accept,
        produces_file=True,
        backoff=0.05,
    ),
    JobType(
        name="t_timeout",
        label="Timeout",
        run=run_spinning,
        validate=_accept,
        time_limit=1,
        max_attempts=2,
        backoff=0.05,
    ),
]


def register_test_types() -> None:
    """Add the test job types to the registry and declare their actors on the current broker."""
    from tasks.actors import declare_job_actor

    for jt in TEST_TYPES:
        register(jt)
        declare_job_actor(jt)


def wait_for(job_id: str, predicate: Any, timeout: float = 15.0) -> Job:
    """Poll the row (the product's own source of truth) until predicate(job) or fail."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        job = db.session.scalar(
            select(Job).where(Job.id == job_id).execution_options(populate_existing=True)
        )
        if job is not None and predicate(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting on {job_id}: {job!r}")
        time.sleep(0.02)  # polling the database row; the assertion is the predicate


def wait_until(predicate: Any, timeout: float = 15.0) -> Any:
    """Poll an observable condition until it holds (returns its value) or fail."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a condition")
        time.sleep(0.02)  # polling the condition; the assertion is the predicate
    return value


def add_heartbeat(
    key: str, queues: str = "default", threads: int = 4, silent_for: float = 0
) -> None:
    """A worker process's heartbeat row, last seen `silent_for` seconds ago."""
    from datetime import timedelta

    from sqlalchemy import insert

    from webapp.models.job import WorkerHeartbeat
    from webapp.models.types import utcnow

    seen = utcnow() - timedelta(seconds=silent_for)
    with db.engine.begin() as conn:
        conn.execute(
            insert(WorkerHeartbeat).values(
                id=key,
                host=key.split(":")[0],
                pid=int(key.split(":")[1]),
                queues=queues,
                threads=threads,
                started_at=seen,
                last_seen_at=seen,
            )
        )
