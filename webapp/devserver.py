"""The development runner behind `make run` (`python -m webapp.devserver`).

In order: read .env; start an embedded Redis under instance/redis unless REDIS_URL is set;
upgrade the database; create the first admin; seed demo data into an empty database; run the
Procfile's web, worker and scheduler with honcho until Ctrl-C or SIGTERM; wait for any process
left over; stop the Redis it started. Running it again reuses the database, the admin, the data
and the Redis files.

Left-over processes: the Procfile's worker line is `tasks.keep_running`, which runs dramatiq in a
session of its own so that dramatiq stops its worker processes cleanly. honcho gives each line
5 seconds after SIGTERM and then SIGKILLs the line's process group, which does not include
dramatiq; on Linux dramatiq then gets SIGTERM from the kernel (PR_SET_PDEATHSIG) and exits within
a second or two. This runner makes itself their subreaper (PR_SET_CHILD_SUBREAPER), so such
orphans become its children, and it waits for them (SIGKILL after 10 s) before it stops Redis and
returns: when `make run` ends, nothing it started is still running.

The sign-in banner comes last: it waits until the web process answers, a worker writes its
heartbeat, the scheduler holds the maintenance lease, and their start-up lines have stopped. The job
pages' once-a-second polls are not echoed (their access-log lines would bury everything else).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

from flask import Flask

from webapp.settings import PROJECT_ROOT, ConfigError

DEFAULT_PORT = 5000
DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_DEMO_ORDERS = 100_000
PROCESSES = ("web", "worker", "scheduler")  # not `release`: the runner migrates itself
PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
LEFTOVER_GRACE_SECONDS = 10.0
QUIET_SECONDS = 1.5  # start-up is over once the processes have printed nothing for this long
SETTLE_LIMIT_SECONDS = 30.0  # the banner waits for that at most this long after web answers
# A successful poll of a job's live part or row, in gunicorn's access log: not echoed.
POLL_LINE = re.compile(rb'"GET /jobs/[^/" ]+/(?:live|row) HTTP/[\d.]+" 200 ')


@dataclass
class AdminNotice:
    """What to tell the developer about signing in."""

    email: str
    password: str | None = None  # shown once, when this run generated it
    from_environment: bool = False
    created: bool = False
    problem: str | None = None  # why no admin could be created


def say(message: str = "") -> None:
    """Print a line of the runner's own output at once; a closed terminal is not an error."""
    with contextlib.suppress(OSError):
        print(message, flush=True)


class Output:
    """The terminal shared by honcho's lines and the banner: one writer at a time."""

    def __init__(self, sink: IO[bytes] | None) -> None:
        self.sink = sink
        self.lock = threading.Lock()
        self.last_line_at = time.monotonic()

    def _write(self, data: bytes) -> None:
        if self.sink is None:
            return
        try:
            self.sink.write(data)
            self.sink.flush()
        except OSError:
            self.sink = None  # the terminal is gone: keep draining, stop writing

    def line(self, data: bytes) -> None:
        """Echo one line from honcho, unless it is a poll's access-log line."""
        if POLL_LINE.search(data):
            return  # once a second per open job page: neither shown nor counted as noise
        with self.lock:
            self.last_line_at = time.monotonic()
            self._write(data)

    def say(self, text: str) -> None:
        """Print the runner's own text between honcho's lines, never inside one."""
        with self.lock:
            self._write(text.encode() + b"\n")

    def quiet_for(self) -> float:
        """Seconds since the last line echoed."""
        return time.monotonic() - self.last_line_at


def redact(url: str) -> str:
    """The URL with its password, if any, replaced by ***."""
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def port_answers(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def upgrade_database(app: Flask) -> None:
    """Create or upgrade the database with the migrations (`flask db upgrade`)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))


def ensure_admin(environ: dict[str, str]) -> AdminNotice:
    """Create the first admin when there is none (call inside an app context)."""
    from sqlalchemy import select

    from webapp.auth.service import UserError, count_admins, create_user, generate_password
    from webapp.extensions import db
    from webapp.models.user import User

    if count_admins():
        email = db.session.scalar(
            select(User.email)
            .where(User.role == "admin", User.disabled.is_(False))
            .order_by(User.id)
            .limit(1)
        )
        return AdminNotice(email=email or DEFAULT_ADMIN_EMAIL)
    email = environ.get("ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    given = environ.get("ADMIN_PASSWORD")
    password = given or generate_password()
    try:
        create_user(email, password, role="admin", name="Admin")
    except UserError as exc:
        db.session.rollback()
        return AdminNotice(email=email, problem=str(exc))
    return AdminNotice(
        email=email.strip().lower(),
        password=None if given else password,
        from_environment=bool(given),
        created=True,
    )


def ensure_demo_data(orders: int) -> bool:
    """Seed `orders` demo orders when the database has none; True when it seeded."""
    from webapp.demo.seed import has_orders, seed_demo

    if orders <= 0 or has_orders():
        return False
    say(f"Seeding demo data: {orders:,} orders over two years (a few seconds)...")
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 25_000 == 0 or done == total:
            say(f"  {done:,} of {total:,} orders")

    summary = seed_demo(orders=orders, progress=progress)
    say(
        f"Seeded {summary.customers:,} customers, {summary.products} products, "
        f"{summary.orders:,} orders and {summary.lines:,} order lines "
        f"in {time.perf_counter() - started:.1f}s."
    )
    return True


def sign_in_lines(notice: AdminNotice) -> list[str]:
    """The lines that tell the developer how to sign in."""
    reset = f".venv/bin/flask users set-password {notice.email}"
    if notice.problem:
        return [
            f"  No admin could be created: {notice.problem}",
            "  Create one with: .venv/bin/flask users create EMAIL --role admin",
        ]
    if notice.password:
        return [
            f"  Sign in as {notice.email} with the password  {notice.password}",
            "  This password is shown only this once: keep it. To set another one later:",
            f"    {reset}",
        ]
    if notice.from_environment:
        return [f"  Sign in as {notice.email} with the ADMIN_PASSWORD you set."]
    return [
        f"  Sign in as {notice.email} (the admin created on the first run).",
        f"  Lost the password? {reset}",
    ]


def banner(url: str, notice: AdminNotice, ready: bool) -> str:
    """The block printed once the web process listens."""
    state = "is running" if ready else "is starting (the web process is not answering yet)"
    lines = [
        "",
        "=" * 72,
        f"  Tamam {state}: {url}",
        *sign_in_lines(notice),
        "  Stop everything with Ctrl-C.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def everything_started(app: Flask) -> Callable[[], bool]:
    """A check that is true once a worker beats and a scheduler holds the maintenance lease.

    Both are rows in the database: a worker process writes its heartbeat as it boots, and the
    scheduler takes the lease on its first recovery pass, a few seconds after it starts.
    """
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from webapp.engine.clock import db_time
    from webapp.extensions import db
    from webapp.models.job import SchedulerLease, WorkerHeartbeat

    fresh = -2 * float(app.config["WORKER_HEARTBEAT_SECONDS"])

    def started() -> bool:
        with app.app_context():
            try:
                lease = select(SchedulerLease.holder).where(SchedulerLease.expires_at > db_time())
                worker = select(WorkerHeartbeat.id).where(
                    WorkerHeartbeat.last_seen_at >= db_time(fresh)
                )
                return None not in (db.session.scalar(lease), db.session.scalar(worker.limit(1)))
            except SQLAlchemyError:
                return False  # e.g. the database is busy: ask again on the next round
            finally:
                db.session.remove()

    return started


def announce_when_ready(
    host: str,
    port: int,
    url: str,
    notice: AdminNotice,
    honcho: subprocess.Popen[bytes],
    output: Output,
    settled: Callable[[], bool],
) -> None:
    """Wait (in a thread) until everything has started and gone quiet, then print the banner.

    So the one-time password is the last thing on the screen, not scrolled away by the
    processes' start-up lines: first the web process accepts connections, then `settled()`
    (a worker beats, the scheduler holds its lease), then nothing has been printed for
    QUIET_SECONDS. Past SETTLE_LIMIT_SECONDS the banner is printed anyway.
    """
    deadline = time.monotonic() + 60
    ready = False
    while honcho.poll() is None and time.monotonic() < deadline:
        if port_answers(host, port):
            ready = True
            break
        time.sleep(0.2)  # polling a child process's port; nothing to wait on instead
    limit = time.monotonic() + SETTLE_LIMIT_SECONDS
    started = False
    while ready and honcho.poll() is None and time.monotonic() < limit:
        started = started or settled()
        if started and output.quiet_for() >= QUIET_SECONDS:
            break
        time.sleep(0.2)  # polling other processes' progress; nothing to wait on instead
    if honcho.poll() is None:
        output.say(banner(url, notice, ready))


def child_environment(redis_url: str, port: int, bind_host: str) -> dict[str, str]:
    """The environment honcho hands to web, worker and scheduler."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env["REDIS_URL"] = redis_url
    env["PORT"] = str(port)
    env["BIND_HOST"] = bind_host
    env["PYTHONUNBUFFERED"] = "1"
    return env


def honcho_command(port: int, procfile: Path = PROJECT_ROOT / "Procfile") -> list[str]:
    """`honcho start web worker scheduler`; web comes first so it gets exactly $PORT."""
    return [
        sys.executable,
        "-m",
        "honcho",
        "start",
        "--procfile",
        str(procfile),
        "--app-root",
        str(PROJECT_ROOT),
        "--env",
        os.devnull,  # .env is already in our environment; shell settings keep precedence
        "--port",
        str(port),
        *PROCESSES,
    ]


def pump(source: IO[bytes], output: Output) -> None:
    """Copy honcho's output to ours line by line; if ours is gone, keep draining it."""
    for line in source:
        output.line(line)
    source.close()


def run_honcho(
    env: dict[str, str], port: int, url: str, notice: AdminNotice, settled: Callable[[], bool]
) -> int:
    """Run the processes until they stop or we are told to stop; 0 after Ctrl-C or SIGTERM.

    honcho gets its own session, so a closed terminal (SIGHUP) or a broken output pipe cannot
    kill it half way: only this runner tells it to stop, and it stops what it started.
    """
    honcho = subprocess.Popen(
        honcho_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert honcho.stdout is not None
    output = Output(sys.stdout.buffer)
    copier = threading.Thread(target=pump, args=(honcho.stdout, output), daemon=True)
    copier.start()
    stopping: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        if honcho.poll() is None:  # honcho stops every process it started
            honcho.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    probe = "127.0.0.1" if env["BIND_HOST"] == "0.0.0.0" else env["BIND_HOST"]
    threading.Thread(
        target=announce_when_ready,
        args=(probe, port, url),
        kwargs={"notice": notice, "honcho": honcho, "output": output, "settled": settled},
        daemon=True,
    ).start()
    code = honcho.wait()
    copier.join(timeout=5)
    return 0 if stopping else code


def become_subreaper() -> bool:
    """On Linux, adopt the orphans of every process this runner starts; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return bool(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def own_children(keep: set[int]) -> set[int]:
    """The pids whose parent is this process (zombies included), except those in `keep`."""
    mine = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in keep:
            continue
        with contextlib.suppress(OSError, IndexError):
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == mine:
                found.add(int(entry.name))
    return found


def wait_for_leftovers(keep: set[int], grace: float = LEFTOVER_GRACE_SECONDS) -> list[int]:
    """Reap adopted orphans as they exit; SIGKILL those still running after `grace` seconds.

    Only children count, so a pid is never signalled after it could have been reused. Returns
    the pids that had to be killed.
    """
    deadline = time.monotonic() + grace
    while True:
        running = []
        for pid in own_children(keep):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done == 0:
                running.append(pid)
        if not running:
            return []
        if time.monotonic() >= deadline:
            for pid in running:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            return running
        time.sleep(0.1)  # polling processes we cannot be notified about one by one


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    """Set everything up, then serve until stopped."""
    from dotenv import load_dotenv

    load_dotenv(PROJECT_ROOT / ".env", override=False)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_sigterm)  # so `finally` still stops Redis
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    bind_host = os.environ.get("BIND_HOST") or "127.0.0.1"
    probe_host = "127.0.0.1" if bind_host == "0.0.0.0" else bind_host
    url = f"http://{probe_host}:{port}"
    if port_answers(probe_host, port):
        say(
            f"Something already listens on {probe_host}:{port} (another `make run`?). "
            "Stop it, or choose another port: make run PORT=5001"
        )
        return 1

    from webapp.embedded_redis import EmbeddedRedis
    from webapp.settings import RUNNING_URL_FILE, load_settings

    redis = None
    try:
        settings = load_settings()
        if not os.environ.get("REDIS_URL"):
            redis = EmbeddedRedis(Path(settings["INSTANCE_DIR"]) / "redis", persist=True).start()
            os.environ["REDIS_URL"] = redis.url
            # `flask jobs ...` in another terminal finds this Redis through this file.
            (redis.workdir / RUNNING_URL_FILE).write_text(redis.url)
            say(f"Started an embedded Redis on {redis.url} (data in {redis.workdir}).")
        else:
            say(f"Using REDIS_URL ({redact(os.environ['REDIS_URL'])}); not starting a Redis.")

        from webapp import create_app
        from webapp.extensions import db

        app = create_app()
        say(f"Database: {redact(app.config['SQLALCHEMY_DATABASE_URI'])}")
        upgrade_database(app)
        with app.app_context():
            notice = ensure_admin(dict(os.environ))
            ensure_demo_data(int(os.environ.get("DEMO_ORDERS") or DEFAULT_DEMO_ORDERS))
            db.session.remove()
            db.engine.dispose()
        env = child_environment(os.environ["REDIS_URL"], port, bind_host)
        say(f"Starting {', '.join(PROCESSES)} with honcho on {url} ...")
        adopting = become_subreaper()
        code = run_honcho(env, port, url, notice, everything_started(app))
        if adopting:
            keep = {redis.process.pid} if redis is not None and redis.process else set()
            if killed := wait_for_leftovers(keep):
                say(f"Killed {len(killed)} process(es) that had not stopped: {killed}")
        return code
    except ConfigError as exc:
        say(f"Cannot start: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if redis is not None:
            (redis.workdir / RUNNING_URL_FILE).unlink(missing_ok=True)
            redis.stop()
            say("Stopped the embedded Redis.")


if __name__ == "__main__":
    sys.exit(main())
