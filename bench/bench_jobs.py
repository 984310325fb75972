"""Job engine overhead: N ping jobs through Tamam vs N bare Dramatiq messages, same Redis.

Both run in this process on the same Redis with the same in-process dramatiq Worker
(threads=4). Tamam's path adds: validate, INSERT + COMMIT; per job then a claim (UPDATE ...
RETURNING and its timeline row, one COMMIT) and a completion (the same). This in-process figure
flatters Tamam: bench_throughput.py measures the real `dramatiq` command against bare Dramatiq.
Usage: python bench/bench_jobs.py [N]  (default 500).
Set BENCH_DATABASE_URL / BENCH_REDIS_URL to measure on PostgreSQL or another Redis.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select

from bench.bench_throughput import services
from tasks.broker import build_broker, install
from webapp import create_app
from webapp.extensions import db

THREADS = 4


def run_worker(broker: dramatiq.Broker, queue: str) -> float:
    """Start a worker, wait until `queue` is drained, return the seconds it took."""
    worker = dramatiq.Worker(broker, worker_threads=THREADS, worker_timeout=100)
    started = time.perf_counter()
    worker.start()
    broker.join(queue)
    worker.join()
    elapsed = time.perf_counter() - started
    worker.stop()
    return elapsed


def bench_bare(redis_url: str, n: int) -> tuple[float, float]:
    """(send seconds, process seconds) for n messages to a do-nothing actor."""
    broker = install(RedisBroker(url=redis_url))  # stock Dramatiq, no Tamam middleware
    broker.emit_after("process_boot")
    broker.flush_all()

    @dramatiq.actor(queue_name="bare", max_retries=0)
    def noop(job_id: str) -> None:
        """Do nothing."""

    started = time.perf_counter()
    for i in range(n):
        noop.send(f"job-{i}")
    sent = time.perf_counter() - started
    return sent, run_worker(broker, "bare")


def bench_tamam(app, redis_url: str, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(submit seconds, process seconds) for n ping jobs through the engine."""
    from webapp.engine import service
    from webapp.models.job import Job
    from webapp.models.user import User

    broker = install(build_broker(redis_url, app))
    broker.emit_after("process_boot")
    broker.flush_all()
    with app.app_context():
        user = User(email="bench@example.com", password_hash="x", role="staff")
        db.session.add(user)
        db.session.commit()
        started = time.perf_counter()
        for _ in range(n):
            service.submit(user, "ping", {"steps": 1})
        submitted = time.perf_counter() - started
        processed = run_worker(broker, "default")
        done = db.session.scalar(
            select(func.count()).select_from(Job).where(Job.status == "completed")
        )
        assert done == n, f"only {done} of {n} completed"
    return submitted, processed


def main() -> None:
    """Run both and print the figures and ratios."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    workdir = Path(tempfile.mkdtemp(prefix="tamam-bench-"))
    with services(workdir) as (database_url, redis_url):
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "REDIS_URL": redis_url,
                "STORAGE_DIR": str(workdir / "storage"),
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
        bare_send, bare_run = bench_bare(redis_url, n)
        ours_send, ours_run = bench_tamam(app, redis_url, n)
    db_kind = database_url.split(":")[0]
    print(f"{n} jobs, {THREADS} worker threads, {db_kind}, Redis at {redis_url}")
    print(f"{'':24}{'bare Dramatiq':>16}{'Tamam':>12}{'Tamam/bare time':>17}")
    print(
        f"{'enqueue/submit ms each':24}{bare_send / n * 1000:>16.2f}"
        f"{ours_send / n * 1000:>12.2f}{ours_send / bare_send:>16.1f}x"
    )
    print(
        f"{'processed per second':24}{n / bare_run:>16.0f}{n / ours_run:>12.0f}"
        f"{ours_run / bare_run:>16.1f}x"
    )


if __name__ == "__main__":
    main()
