"""Worker heartbeats: each worker process records itself every few seconds and renews leases.

Only the attempts this process is running right now (webapp.engine.attempts) are renewed, so
a claim that ended without a final transition stops being renewed and recovery finds it. Times
are the database's, like every other time the engine compares.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware
from sqlalchemy import delete, insert, update

from tasks.middleware.app_context import AppContextMiddleware

log = logging.getLogger("tamam.heartbeat")


class HeartbeatMiddleware(Middleware):
    """Writes a worker_heartbeats row per process and renews the leases of its running jobs."""

    def __init__(self) -> None:
        self.interval = 5.0  # WORKER_HEARTBEAT_SECONDS, read at boot
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._info: dict[str, Any] = {}

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Record this process and start beating."""
        from webapp.engine.attempts import process_key

        app = next(m for m in broker.middleware if isinstance(m, AppContextMiddleware)).app
        self.interval = float(app.config["WORKER_HEARTBEAT_SECONDS"])
        queues = sorted(worker.consumer_whitelist or broker.get_declared_queues())
        self._info = {
            "id": process_key(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "queues": ",".join(q for q in queues if not q.endswith((".DQ", ".XQ")))[:255],
            "threads": worker.worker_threads,
        }
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(app,), name="tamam-heartbeat", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        """Stop beating and remove this process's row: a clean shutdown leaves no ghost."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=self.interval * 2)
        self._thread = None
        app = next(m for m in broker.middleware if isinstance(m, AppContextMiddleware)).app
        with app.app_context():
            from webapp.extensions import db
            from webapp.models.job import WorkerHeartbeat

            with db.engine.begin() as conn:
                conn.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == self._info["id"]))

    def _run(self, app: Any) -> None:
        from webapp.engine.outage import DATABASE_UNAVAILABLE, heartbeat_outage

        while True:
            try:
                with app.app_context():
                    beat(self._info)
                heartbeat_outage.answered()
            except DATABASE_UNAVAILABLE as exc:  # one line per outage, not one per beat
                heartbeat_outage.failed(exc)
            except Exception:  # a missed beat is logged; the next one tries again
                log.exception("Heartbeat failed")
            if self._stop.wait(self.interval):
                return


def resident_memory() -> int | None:
    """This process's resident set size in bytes (Linux /proc), None where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def beat(info: dict[str, Any]) -> None:
    """Upsert this process's heartbeat row and extend the leases of the attempts it runs."""
    from webapp.engine import attempts
    from webapp.engine.clock import db_time
    from webapp.engine.transitions import lease_seconds
    from webapp.extensions import db
    from webapp.models.job import PROCESSING, Job, WorkerHeartbeat

    stats = attempts.snapshot()
    counts = {
        "last_seen_at": db_time(),
        "jobs_in_progress": stats["in_progress"],
        "processed": stats["processed"],
        "failed": stats["failed"],
        "memory_bytes": resident_memory(),
    }
    running = attempts.renewable()
    with db.engine.begin() as conn:
        updated = conn.execute(
            update(WorkerHeartbeat).where(WorkerHeartbeat.id == info["id"]).values(**counts)
        )
        if updated.rowcount == 0:
            conn.execute(insert(WorkerHeartbeat).values(**info, started_at=db_time(), **counts))
        if running:
            conn.execute(
                update(Job)
                .where(
                    Job.status == PROCESSING,
                    Job.id.in_([entry.job_id for entry in running]),
                    Job.worker_id.in_([entry.token for entry in running]),
                )
                .values(lease_expires_at=db_time(lease_seconds()))
            )
