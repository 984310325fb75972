"""Worker heartbeats: each worker process records itself every few seconds and renews leases."""

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
        from webapp.engine.runner import process_prefix
        from webapp.models.types import utcnow

        app = next(m for m in broker.middleware if isinstance(m, AppContextMiddleware)).app
        self.interval = float(app.config["WORKER_HEARTBEAT_SECONDS"])
        queues = sorted(worker.consumer_whitelist or broker.get_declared_queues())
        self._info = {
            "id": process_prefix(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "queues": ",".join(q for q in queues if not q.endswith((".DQ", ".XQ")))[:255],
            "threads": worker.worker_threads,
            "started_at": utcnow(),
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
        while True:
            try:
                with app.app_context():
                    beat(self._info)
            except Exception:  # a missed beat is logged; the next one tries again
                log.exception("Heartbeat failed")
            if self._stop.wait(self.interval):
                return


def beat(info: dict[str, Any]) -> None:
    """Upsert this process's heartbeat row and extend the leases of the jobs it runs."""
    from datetime import timedelta

    from webapp.engine.runner import STATS
    from webapp.engine.transitions import lease_seconds
    from webapp.extensions import db
    from webapp.models.job import PROCESSING, Job, WorkerHeartbeat
    from webapp.models.types import utcnow

    now = utcnow()
    counts = {
        "last_seen_at": now,
        "jobs_in_progress": STATS["in_progress"],
        "processed": STATS["processed"],
        "failed": STATS["failed"],
    }
    with db.engine.begin() as conn:
        updated = conn.execute(
            update(WorkerHeartbeat).where(WorkerHeartbeat.id == info["id"]).values(**counts)
        )
        if updated.rowcount == 0:
            conn.execute(insert(WorkerHeartbeat).values(**info, **counts))
        conn.execute(
            update(Job)
            .where(Job.status == PROCESSING, Job.worker_id.like(f"{info['id']}:%"))
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds()))
        )
