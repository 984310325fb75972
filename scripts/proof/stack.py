"""The product's processes for a proof run: Redis, the database, gunicorn, workers, scheduler.

Each is started as production starts it (the Procfile's commands), with short heartbeat and
lease settings so that recovery after a fault takes seconds, not the default half minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy import create_engine, text

from scripts.proof.launcher import ROOT, Launcher, Proc
from scripts.proof.mailbox import Mailbox
from webapp.embedded_redis import EmbeddedRedis
from webapp.settings import normalise_database_url

PY = sys.executable
DEMO_ORDERS = 1000  # a small demo data set: reports and exports take milliseconds
# Recovery in seconds: a silent worker is dead after 3 beats (6 s), a job's lease lasts 10 s,
# a sender's hold on an outbox row 20 s (default 120: a dead fan-out's rows wait that long).
FAST_RECOVERY = {"WORKER_HEARTBEAT_SECONDS": "2", "JOB_LEASE_SECONDS": "10",
                 "OUTBOX_SEND_LEASE_SECONDS": "20"}  # fmt: skip
FAKETIME_LIBS = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/faketime/libfaketimeMT.so.1",
)


def redact(url: str) -> str:
    """The URL without its password."""
    if "@" not in url or ":" not in url.split("@", 1)[0].split("//", 1)[-1]:
        return url
    scheme, rest = url.split("//", 1)
    user = rest.split("@", 1)[0].split(":", 1)[0]
    return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"


def base_env(
    workdir: Path, database_url: str, redis_url: str, extra: dict[str, str]
) -> dict[str, str]:
    """The environment every process of the run shares."""
    venv_bin = str(Path(PY).parent)
    return {
        **{k: v for k, v in os.environ.items() if k not in {"TAMAM_FAULTS", "LD_PRELOAD"}},
        "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")]),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "TAMAM_ENV": "testing",
        "SECRET_KEY": "proof-run-secret",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "INSTANCE_DIR": str(workdir / "instance"),
        "STORAGE_DIR": str(workdir / "storage"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "API_RATE_LIMIT": "100000 per minute",
        "MAIL_FROM": "Tamam <tamam@proof.example>",
        **FAST_RECOVERY,
        **extra,
    }


def start_private_redis(workdir: Path, port: int | None = None) -> EmbeddedRedis:
    """A redis-server of our own (no persistence), on `port` or a free one."""
    return EmbeddedRedis(workdir, port=port, persist=False).start()


def reset_database(database_url: str) -> None:
    """PostgreSQL: drop and recreate the public schema (as the tests do); SQLite: a new file."""
    url = normalise_database_url(database_url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def ensure_postgres_database(database_url: str) -> None:
    """Create the database named in the URL when it does not exist yet."""
    url = normalise_database_url(database_url)
    base, _, name = url.rpartition("/")
    name = name.split("?", 1)[0]
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def migrate(env: dict[str, str]) -> None:
    """`flask db upgrade`, as a release step does."""
    subprocess.run([str(Path(PY).parent / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip


def gunicorn_argv(host: str, port: int, workers: int = 2, threads: int = 4) -> list[str]:
    """The Procfile's web line."""
    return [PY, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "--error-logfile", "-",
            "--no-control-socket", "wsgi:app"]  # fmt: skip


def worker_argv(processes: int, threads: int) -> list[str]:
    """The Procfile's worker line: dramatiq under the restart loop (quick restarts here)."""
    return [PY, "-m", "tasks.keep_running", "--min-backoff", "0.2", "--max-backoff", "2", "--",
            PY, "-m", "dramatiq", "tasks.worker", "--processes", str(processes),
            "--threads", str(threads)]  # fmt: skip


def scheduler_argv() -> list[str]:
    """The Procfile's scheduler line."""
    return [PY, "-m", "tasks.scheduler"]


def faketime_lib() -> str | None:
    """libfaketime's multi-threaded library when installed (apt-get install faketime)."""
    return next((lib for lib in FAKETIME_LIBS if Path(lib).exists()), None)


# libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 fails clock_nanosleep (EINVAL), which
# Python's time.sleep uses; faking the monotonic clock too hangs timed lock waits. So the wall
# clock alone is moved and, in the skewed process only, time.sleep waits with select() instead.
SLEEP_SHIM = """import select, time
def _sleep(seconds):
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)
time.sleep = _sleep
"""


def skewed(seconds: int, shim_dir: Path) -> dict[str, str] | None:
    """Environment that moves a Python process's wall clock by `seconds` (None: no libfaketime).

    Monotonic time is left alone; `shim_dir` gets a sitecustomize.py with the sleep above.
    """
    lib = faketime_lib()
    if lib is None:
        return None
    shim_dir.mkdir(parents=True, exist_ok=True)
    (shim_dir / "sitecustomize.py").write_text(SLEEP_SHIM)
    return {
        "LD_PRELOAD": lib,
        "FAKETIME": f"{seconds:+d}s",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_NO_CACHE": "1",
        "PYTHONPATH": os.pathsep.join([str(shim_dir), str(ROOT)]),
    }


def wait_http(url: str, timeout: float = 60.0, proc: Proc | None = None) -> None:
    """Wait until `url` answers (any status)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            if proc is not None and proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited at start-up; see {proc.log}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout:.0f} s") from None
            time.sleep(0.2)  # a child process getting ready to listen


@dataclass
class Redis:
    """The run's Redis: ours (restartable) or one given by URL (only emptied)."""

    url: str
    own: EmbeddedRedis | None

    def restart_empty(self) -> str:
        """kill -9 ours and start it again empty on the same port; FLUSHDB a given one."""
        if self.own is None:
            client = redis.Redis.from_url(self.url)
            client.flushdb()
            client.close()
            return "FLUSHDB (a Redis given by URL is not ours to restart)"
        assert self.own.process is not None
        self.own.process.kill()
        self.own.process.wait()
        shutil.rmtree(self.own.workdir, ignore_errors=True)
        self.own.start()
        return "kill -9, started again empty on the same port"

    def stop(self) -> None:
        """Stop ours."""
        if self.own is not None:
            self.own.stop()


def start_redis(workdir: Path, given: str | None) -> Redis:
    """A private redis-server unless a URL is given (then it is emptied first)."""
    if given:
        client = redis.Redis.from_url(given, socket_connect_timeout=2)
        client.flushdb()
        client.close()
        return Redis(given, None)
    own = start_private_redis(workdir / "redis")
    return Redis(own.url, own)


def start_workers(
    launcher: Launcher,
    name: str,
    processes: int,
    threads: int,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> Proc:
    """One worker command (supervised dramatiq)."""
    return launcher.start(name, worker_argv(processes, threads), env, prefix)


def prepare(app: Any) -> dict[str, Any]:
    """Demo data, an admin and a staff member, and the staff member's API token."""
    from webapp.api.tokens import create_token
    from webapp.auth.service import create_user
    from webapp.demo.seed import seed_demo
    from webapp.extensions import db

    with app.app_context():
        seed_demo(orders=DEMO_ORDERS, days=60)
        create_user("admin@proof.example", "proof-admin-pw", role="admin", name="Admin")
        staff = create_user("staff@proof.example", "proof-staff-pw", role="staff", name="Staff")
        _token, secret = create_token(staff, "soak")
        staff_id = staff.id
        db.session.remove()
    return {"staff_id": staff_id, "token": secret}


def tear_down(launcher: Launcher, mailbox: Mailbox, run_redis: Redis, workdir: Path, keep: bool,
              say: Callable[[str], None]) -> None:  # fmt: skip
    """Stop every process, the mailbox and Redis; remove the work folder unless it is kept."""
    launcher.stop_all()
    mailbox.stop()
    run_redis.stop()
    if keep:
        say(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
