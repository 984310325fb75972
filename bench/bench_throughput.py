"""Job throughput with the real `dramatiq` command: tracked ping jobs against bare Dramatiq.

Tamam: N `ping` jobs (steps=1) submitted through webapp.engine.service.submit (timed: the
submit rate), then `dramatiq tasks.worker --processes 2 --threads 8` started as a subprocess
with the same environment, timed until every row is completed (the bench polls the row count).
Bare: N messages sent with `actor.send()` to a do-nothing actor on a stock RedisBroker (timed),
then `dramatiq --path bench throughput_bare --processes 2 --threads 8` on the same Redis,
timed until its queue is drained (every message body acknowledged: `dramatiq:bare.msgs` empty).

Two windows are timed for each side: from the command's start (process boot included) and
from the first message fetched off the Redis queue to the last job done (the rate that counts;
ratios use it). Worker CPU is the worker processes' user+system time within that window.
Statements, commits and pool pings per job are counted in-process (SQLAlchemy events) on a
further batch run by the worker's own app with an in-process dramatiq Worker (8 threads).

Usage: PYTHONPATH=. .venv/bin/python bench/bench_throughput.py [--jobs N] [--json PATH]
SQLite in a temp dir by default; BENCH_DATABASE_URL for PostgreSQL (its public schema is
dropped and migrated afresh); a private redis-server unless BENCH_REDIS_URL (its db is flushed).
BENCH_THREADS changes both commands' --threads (8 by default, the issue's shape).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROCESSES, THREADS = 2, int(os.environ.get("BENCH_THREADS", "8"))  # both sides' --threads
POLL = 0.005  # seconds between checks for the first fetch and for drain
COUNT_JOBS = 200  # jobs run in-process to count statements, commits and pings


@dataclass
class Run:
    """One side's figures."""

    enqueue_s: float = 0.0  # submit (Tamam) or send (bare) of all N, in this process
    total_s: float = 0.0  # command start -> last job done
    window_s: float = 0.0  # first message fetched -> last job done
    cpu_s: float = 0.0  # worker processes' CPU within the window
    db_window_s: float | None = None  # Tamam: first started_at -> last completed_at (DB clock)
    per_job: dict[str, float] = field(default_factory=dict)


def _cpu(pid: int) -> float:
    """User+system seconds of a process and all its descendants (that are alive now)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_command(
    args: list[str], env: dict[str, str], logfile: Path, fetched: Callable[[], bool],
    done: Callable[[], bool], timeout: float,
) -> Run:  # fmt: skip
    """Start the worker command, time it until `done()`, then stop it with SIGTERM."""
    run = Run()
    with open(logfile, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        profiler = None
        try:
            first = cpu0 = None
            while True:
                now = time.perf_counter()
                if now - started > timeout:
                    raise RuntimeError(
                        f"{args[1]} did not finish in {timeout:.0f} s; see {logfile}"
                    )
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[1]} exited with {proc.returncode}; see {logfile}")
                if first is None and fetched():
                    first, cpu0 = now, _cpu(proc.pid)
                    profiler = _profile(proc.pid, logfile)
                if first is not None and done():
                    end = time.perf_counter()
                    run.cpu_s = _cpu(proc.pid) - (cpu0 or 0.0)
                    run.total_s, run.window_s = end - started, end - first
                    break
                time.sleep(POLL)
        finally:
            if profiler is not None:
                profiler.wait()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return run


def _profile(pid: int, logfile: Path) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=seconds: py-spy samples the workers that long (raw stacks file next
    to the log; BENCH_PROFILE_IDLE=1 samples waiting threads too)."""
    seconds = os.environ.get("BENCH_PROFILE")
    if not seconds:
        return None
    out = logfile.with_suffix(".stacks")
    idle = ["--idle"] if os.environ.get("BENCH_PROFILE_IDLE") else []
    args = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
            "--subprocesses", "--format", "raw", "--duration", seconds, "-r", "250", *idle,
            "-o", str(out)]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _ready_below(client: redis.Redis, queue: str, n: int) -> Callable[[], bool]:
    """True once a worker took a message off the ready list (prefetch counts)."""
    return lambda: int(client.llen(f"dramatiq:{queue}")) < n


def bench_bare(env: dict[str, str], client: redis.Redis, n: int, workdir: Path) -> Run:
    """Send n messages to the do-nothing actor, then drain them with the dramatiq command."""
    sys.path.insert(0, str(ROOT / "bench"))
    import throughput_bare

    started = time.perf_counter()
    for i in range(n):
        throughput_bare.noop.send(f"job-{i}")
    enqueue = time.perf_counter() - started
    args = [_dramatiq(), "throughput_bare", *_shape(), "--path", "bench"]
    run = run_command(
        args, env, workdir / "bare.log",
        fetched=_ready_below(client, throughput_bare.QUEUE, n),
        done=lambda: int(client.hlen(f"dramatiq:{throughput_bare.QUEUE}.msgs")) == 0,
        timeout=120 + n / 50,
    )  # fmt: skip
    run.enqueue_s = enqueue
    return run


def bench_tamam(app: Any, env: dict[str, str], client: redis.Redis, n: int, workdir: Path) -> Run:
    """Submit n ping jobs through the service, then run them with `dramatiq tasks.worker`."""
    from sqlalchemy import func, select

    from webapp.engine import service
    from webapp.extensions import db
    from webapp.models.job import COMPLETED, Job

    with app.app_context():
        user = _bench_user()
        started = time.perf_counter()
        for _ in range(n):
            service.submit(user, "ping", {"steps": 1})
        enqueue = time.perf_counter() - started
        db.session.remove()
        engine = db.engine
        completed = select(func.count()).select_from(Job).where(Job.status == COMPLETED)

        def done() -> bool:
            with engine.connect() as conn:
                return int(conn.scalar(completed) or 0) >= n

        args = [_dramatiq(), "tasks.worker", *_shape()]
        run = run_command(
            args, env, workdir / "tamam.log", fetched=_ready_below(client, "default", n),
            done=done, timeout=120 + n / 5,
        )  # fmt: skip
        with engine.connect() as conn:
            first, last = conn.execute(
                select(func.min(Job.started_at), func.max(Job.completed_at))
            ).one()
        run.db_window_s = (last - first).total_seconds()
    run.enqueue_s = enqueue
    return run


def count_per_job(redis_url: str, k: int) -> dict[str, float]:
    """Statements, commits and pool pings per ping job, run by the worker's own app in-process."""
    import dramatiq
    from sqlalchemy import event

    import tasks.broker as tasks_broker
    from webapp.engine import service
    from webapp.extensions import db

    app = tasks_broker.worker_app()
    broker = tasks_broker.install(tasks_broker.build_broker(redis_url, app))
    broker.emit_after("process_boot")
    with app.app_context():
        user = _bench_user()
        for _ in range(k):
            service.submit(user, "ping", {"steps": 1})
        db.session.remove()
        engine = db.engine
    counts = {"statements": 0, "commits": 0, "pings": 0}

    def on_statement(*_args: Any) -> None:
        counts["statements"] += 1

    def on_commit(*_args: Any) -> None:
        counts["commits"] += 1

    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        counts["pings"] += 1
        return bool(real_ping(dbapi_connection))

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
    worker = dramatiq.Worker(broker, worker_threads=THREADS, worker_timeout=100)
    try:
        worker.start()
        broker.join("default")
        worker.join()
    finally:
        worker.stop()
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
        engine.dialect.do_ping = real_ping  # type: ignore[method-assign]
    return {name: value / k for name, value in counts.items()}


def count_in_child(env: dict[str, str], k: int) -> dict[str, float]:
    """count_per_job in a fresh interpreter (as a worker process is), for the same env."""
    args = [sys.executable, __file__, "--count-only", str(k)]
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _bench_user() -> Any:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.user import User

    user = db.session.scalar(select(User).where(User.email == "bench@example.com"))
    if user is None:
        user = User(email="bench@example.com", password_hash="x", role="staff")
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
    # Loaded once, like a request's signed-in user: each submit's commit would expire it and
    # the next submit would read the user again, a SELECT no request pays.
    db.session.expunge(user)
    return user


def _dramatiq() -> str:
    return str(Path(sys.executable).parent / "dramatiq")


def _shape() -> list[str]:
    return ["--processes", str(PROCESSES), "--threads", str(THREADS)]


@contextmanager
def services(workdir: Path) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL): BENCH_* when set, else SQLite here and a private Redis."""
    from webapp.embedded_redis import EmbeddedRedis

    server = None
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if not redis_url:
        server = EmbeddedRedis(workdir / "redis").start()
        redis_url = server.url
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    try:
        yield database_url, redis_url
    finally:
        if server is not None:
            server.stop()


def prepare(database_url: str, workdir: Path) -> dict[str, str]:
    """Set this process's environment for the run and migrate a clean database; the env."""
    from webapp.settings import normalise_database_url

    env = {
        "DATABASE_URL": normalise_database_url(database_url),
        "SECRET_KEY": "bench",
        "INSTANCE_DIR": str(workdir / "instance"),
        "STORAGE_DIR": str(workdir / "storage"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "TAMAM_ENV": "development",
    }
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp import create_app
    from webapp.extensions import db

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def main() -> None:
    """Run both sides and print the table, the ratios and (with --json) write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs (and bare messages) per side")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (worker logs)")
    parser.add_argument("--count-only", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.count_only:  # the child of count_in_child: env already set
        print(json.dumps(count_per_job(os.environ["REDIS_URL"], options.count_only)))
        return
    n = options.jobs
    workdir = Path(tempfile.mkdtemp(prefix="tamam-throughput-"))
    try:
        with services(workdir) as (database_url, redis_url):
            os.environ["REDIS_URL"] = redis_url
            env = prepare(database_url, workdir)
            client = redis.Redis.from_url(redis_url)
            client.flushdb()
            bare = bench_bare(env, client, n, workdir)
            client.flushdb()
            from tasks.broker import build_broker, install
            from webapp import create_app

            app = create_app()
            install(build_broker(redis_url, app))
            ours = bench_tamam(app, env, client, n, workdir)
            client.flushdb()
            ours.per_job = count_in_child(env, COUNT_JOBS)
            client.flushdb()
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    figures = report(n, database_url.split(":")[0].split("+")[0], bare, ours)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


def report(n: int, database: str, bare: Run, ours: Run) -> dict[str, Any]:
    """Print the table and ratios; the figures as a dict."""
    rate = lambda run, seconds: n / seconds if seconds else 0.0  # noqa: E731
    rows = [
        ("submit/send per second", rate(bare, bare.enqueue_s), rate(ours, ours.enqueue_s)),
        ("jobs/s, first fetch->done", rate(bare, bare.window_s), rate(ours, ours.window_s)),
        ("jobs/s, command start->done", rate(bare, bare.total_s), rate(ours, ours.total_s)),
        ("worker CPU ms per job", bare.cpu_s / n * 1000, ours.cpu_s / n * 1000),
    ]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"{n} jobs, `dramatiq ... --processes {PROCESSES} --threads {THREADS}`, {database}, "
          f"{when}, {platform.node()} ({os.cpu_count()} CPUs)")  # fmt: skip
    print(f"{'':30}{'bare Dramatiq':>14}{'Tamam':>10}{'Tamam/bare':>12}")
    for label, theirs, mine in rows:
        ratio = mine / theirs if theirs else 0.0
        print(f"{label:30}{theirs:>14.1f}{mine:>10.1f}{ratio:>11.2f}x")
    if ours.db_window_s:
        print(f"Tamam, first started_at->last completed_at (database clock): "
              f"{n / ours.db_window_s:.0f} jobs/s")  # fmt: skip
    per = ours.per_job
    print(f"Tamam per job (in-process, {COUNT_JOBS} jobs, {THREADS} threads): "
          f"{per['statements']:.2f} statements, {per['commits']:.2f} commits, "
          f"{per['pings']:.2f} pool pings")  # fmt: skip
    return {
        "bench": "throughput",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "database": database,
        "jobs": n,
        "command": f"--processes {PROCESSES} --threads {THREADS}",
        "bare": asdict(bare),
        "tamam": asdict(ours),
        "rates": {label: {"bare": theirs, "tamam": mine} for label, theirs, mine in rows},
        "ratio": ours.window_s and bare.window_s / ours.window_s,
        "ratio_from_command_start": ours.total_s and bare.total_s / ours.total_s,
        "submit_ratio": ours.enqueue_s and bare.enqueue_s / ours.enqueue_s,
        "cpu_ms_per_job": {"bare": bare.cpu_s / n * 1000, "tamam": ours.cpu_s / n * 1000},
        "per_job": per,
    }


if __name__ == "__main__":
    main()
