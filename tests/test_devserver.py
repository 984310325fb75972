"""The dev runner behind `make run`: first admin, banner, honcho command, and a real run."""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_user
from tests.procs import alive, children_of, command_line, descendants, wait_until
from webapp import devserver
from webapp.auth.service import authenticate, find_user
from webapp.embedded_redis import free_port
from webapp.settings import PROJECT_ROOT


def test_first_admin_from_the_environment(app_ctx: Flask) -> None:
    """With ADMIN_EMAIL and ADMIN_PASSWORD set, that admin is created and no password shown."""
    notice = devserver.ensure_admin(
        {"ADMIN_EMAIL": "Boss@Example.com", "ADMIN_PASSWORD": "a long secret"}
    )
    assert notice.created and notice.from_environment and notice.password is None
    assert notice.email == "boss@example.com"
    assert authenticate("boss@example.com", "a long secret").user is not None
    assert "with the ADMIN_PASSWORD you set" in "\n".join(devserver.sign_in_lines(notice))


def test_first_admin_with_a_generated_password(app_ctx: Flask) -> None:
    """Without settings, admin@example.com gets a generated password, shown once with advice."""
    notice = devserver.ensure_admin({})
    assert notice.created and notice.email == "admin@example.com"
    assert notice.password and len(notice.password) >= 12
    assert authenticate("admin@example.com", notice.password).user is not None
    lines = "\n".join(devserver.sign_in_lines(notice))
    assert notice.password in lines
    assert "shown only this once" in lines
    assert "flask users set-password admin@example.com" in lines


def test_existing_admin_is_kept(app_ctx: Flask, admin) -> None:
    """When an admin exists nothing is created and no password is printed."""
    notice = devserver.ensure_admin({"ADMIN_EMAIL": "other@example.com", "ADMIN_PASSWORD": "x" * 9})
    assert not notice.created and notice.password is None
    assert notice.email == admin.email
    assert find_user("other@example.com") is None
    assert "Lost the password?" in "\n".join(devserver.sign_in_lines(notice))


def test_admin_email_taken_by_staff_is_explained(app_ctx: Flask) -> None:
    """If ADMIN_EMAIL belongs to a staff account, the runner says how to make an admin."""
    make_user("taken@example.com", "staff")
    notice = devserver.ensure_admin({"ADMIN_EMAIL": "taken@example.com"})
    assert notice.problem and "already exists" in notice.problem
    assert "flask users create EMAIL --role admin" in "\n".join(devserver.sign_in_lines(notice))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://tamam:s3cret@db:5432/tamam",
            "postgresql+psycopg://tamam:***@db:5432/tamam",
        ),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("sqlite:////srv/tamam/instance/tamam.db", "sqlite:////srv/tamam/instance/tamam.db"),
    ],
)
def test_printed_urls_hide_passwords(url: str, shown: str) -> None:
    """The runner prints where the database and Redis are, never their passwords."""
    assert devserver.redact(url) == shown


def test_honcho_runs_web_first_so_it_gets_port() -> None:
    """honcho gives the first process $PORT and later ones +100: web must come first."""
    command = devserver.honcho_command(5123)
    assert command[-3:] == ["web", "worker", "scheduler"]
    assert command[command.index("--port") + 1] == "5123"
    assert "release" not in command


def test_procfile_has_every_process() -> None:
    """The Procfile runs release, web on $PORT, a supervised worker on all queues, the scheduler."""
    lines = dict(
        line.split(": ", 1) for line in (PROJECT_ROOT / "Procfile").read_text().splitlines()
    )
    assert lines["release"] == "flask db upgrade"
    assert lines["web"].startswith("gunicorn --bind ${BIND_HOST:-0.0.0.0}:${PORT:-5000} ")
    assert lines["web"].endswith(" wsgi:app")
    # A dramatiq master exits when one of its worker processes dies: the supervisor restarts it,
    # so under honcho a dead worker process does not stop web and scheduler.
    assert lines["worker"].startswith("python -m tasks.keep_running -- dramatiq tasks.worker ")
    assert "--queues" not in lines["worker"]
    assert lines["scheduler"] == "python -m tasks.scheduler"


def test_job_page_polls_are_not_echoed_and_do_not_count_as_noise() -> None:
    """Under `make run` a poll's access-log line is dropped; other lines, failed polls included,
    are echoed and make the output not quiet."""
    sink = io.BytesIO()
    output = devserver.Output(sink)
    output.last_line_at -= 10  # quiet for 10 s
    poll = (
        b"12:00:01 web.1 | 127.0.0.1 - - [23/Nov/2026:12:00:01 +0000] "
        b'"GET /jobs/job-20261123-abc/live HTTP/1.1" 200 2345 "-" "Mozilla/5.0"\n'
    )
    output.line(poll)
    output.line(poll.replace(b"/live", b"/row"))
    assert sink.getvalue() == b"" and output.quiet_for() >= 10
    failed = poll.replace(b'" 200 ', b'" 500 ')
    page = poll.replace(b"/jobs/job-20261123-abc/live", b"/jobs/job-20261123-abc")
    output.line(failed)
    output.line(page)
    assert sink.getvalue() == failed + page and output.quiet_for() < 10


def test_the_banner_waits_for_every_process_and_for_quiet(monkeypatch) -> None:
    """Web answering is not enough: the banner follows the line printed when the last process
    is up (here on the third check), once the output has gone quiet."""
    monkeypatch.setattr(devserver, "QUIET_SECONDS", 0.3)
    sink = io.BytesIO()
    output = devserver.Output(sink)
    checks: list[bool] = []

    def settled() -> bool:
        checks.append(len(checks) == 2)
        if checks[-1]:
            output.line(b"scheduler.1 | This scheduler now runs the maintenance\n")
        return checks[-1]

    class Honcho:
        def poll(self) -> None:
            return None

    with socket.create_server(("127.0.0.1", 0)) as web:
        port = web.getsockname()[1]
        notice = devserver.AdminNotice(email="admin@example.com", password="once-only")
        honcho = Honcho()  # stands in for the running honcho: never exits
        args = ("127.0.0.1", port, "http://x", notice, honcho, output, settled)
        devserver.announce_when_ready(*args)  # type: ignore[arg-type]
    printed = sink.getvalue().decode()
    assert checks[:3] == [False, False, True]
    assert printed.index("now runs the maintenance") < printed.index("Tamam is running")
    assert printed.rstrip().endswith("=" * 72) and "once-only" in printed


class Runner:
    """`python -m webapp.devserver` in the background, its output read line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp.devserver"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        """Block until a line matches `pattern`; fail with the output so far if it never does."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no line matched {pattern!r} in time:\n{''.join(self.output)}")
            if line is None:
                pytest.fail(f"the runner ended before {pattern!r}:\n{''.join(self.output)}")
            self.output.append(line)
            if re.search(pattern, line):
                return line

    def seen_or_wait_for(self, pattern: str, timeout: float = 120) -> str:
        """A line matching `pattern` already printed, else the next one that matches."""
        for line in self.output:
            if re.search(pattern, line):
                return line
        return self.wait_for(pattern, timeout)

    def stop(self, signum: int) -> int:
        """Send `signum` to the runner alone (as `kill` would) and wait for it to finish."""
        self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        while (line := self.lines.get(timeout=10)) is not None:
            self.output.append(line)
        return code

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        """Whatever happened in the test, stop the runner and close its pipe."""
        if self.process.poll() is None:
            self.stop(signal.SIGTERM)
        self.process.wait(timeout=60)
        assert self.process.stdout is not None
        self.process.stdout.close()


def sign_in_over_http(base: str, email: str, password: str) -> str:
    """Sign in with a cookie jar the way a browser would; return the home page's HTML."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    ).encode()
    return opener.open(f"{base}/login", data=form, timeout=10).read().decode()


@pytest.fixture
def runner_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for a private run: its own instance folder, SQLite file, port and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_"))}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "TAMAM_ENV": "development",
            "SECRET_KEY": "dev-runner-test",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'tamam.db'}",
            "PORT": str(free_port()),
            "ADMIN_EMAIL": "owner@example.com",
            "ADMIN_PASSWORD": "owner password",
            "DEMO_ORDERS": "300",
            "WEB_CONCURRENCY": "1",
            "WORKER_PROCESSES": "1",
            "WORKER_THREADS": "2",
        }
    )
    yield env


def supervised_dramatiq(root: int) -> tuple[int, int, set[int]] | None:
    """(keep_running, dramatiq master, its worker processes) under `root`, once workers exist."""
    for pid in descendants(root):
        if command_line(pid).split()[1:3] == ["-m", "tasks.keep_running"]:  # python, not sh
            for master in children_of(pid):
                if workers := children_of(master):
                    return pid, master, workers
    return None


def submit_ping(env: dict[str, str], *params: str) -> str:
    """`flask jobs submit ping` against the runner's database and Redis; the new job's id."""
    pairs = [arg for param in params for arg in ("--param", param)]
    submit = [sys.executable, "-m", "flask", "jobs", "submit", "ping"]
    done = subprocess.run(
        [*submit, "--user", "owner@example.com", *pairs],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def job_status(env: dict[str, str], job_id: str) -> tuple[str, int] | None:
    """(status, progress) of a job, read straight from the runner's SQLite file."""
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as conn:
        row = conn.execute("SELECT status, progress FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return (row[0], row[1]) if row else None


def check_a_killed_worker_process_is_replaced(run: Runner, base: str, env: dict[str, str]) -> None:
    """kill -9 of a dramatiq worker process: web and scheduler stay up, a new worker takes jobs."""
    run.seen_or_wait_for(r"Worker process is ready for action")
    supervisor, master, workers = wait_until(
        lambda: supervised_dramatiq(run.process.pid), 60, "dramatiq under keep_running"
    )
    others = descendants(run.process.pid) - descendants(supervisor)  # web, scheduler, redis...
    os.kill(min(workers), signal.SIGKILL)
    run.wait_for(rf"dramatiq \(pid {master}\) exited with code 1 after [\d.]+ s; restart 1 in 1 s")

    def replaced() -> set[int] | None:
        found = supervised_dramatiq(run.process.pid)
        return found[2] if found and found[1] != master else None

    new_workers = wait_until(replaced, 60, "a new dramatiq master with its worker processes")
    assert not new_workers & workers
    run.wait_for(r"Worker process is ready for action")
    assert [pid for pid in others if not alive(pid)] == []  # nothing else restarted or stopped
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
        assert health.status == 200
    job = submit_ping(env)
    wait_until(lambda: job_status(env, job) == ("completed", 100), 60, "the ping job to complete")


@pytest.mark.slow
def test_make_run_serves_then_stops_everything(runner_env: dict[str, str]) -> None:
    """First run sets up and serves; Ctrl-C stops all; a second run reuses it; SIGTERM stops all."""
    base = f"http://127.0.0.1:{runner_env['PORT']}"

    with Runner(runner_env) as first:
        first.wait_for(r"Started an embedded Redis on redis://127\.0\.0\.1:\d+/0")
        first.wait_for(r"Seeded \d+ customers, \d+ products, 300 orders")
        first.wait_for(rf"Tamam is running: {re.escape(base)}")
        before_banner = "".join(first.output)  # every process's start-up lines come first
        assert "Worker process is ready for action" in before_banner
        assert "This scheduler now runs the maintenance" in before_banner
        first.wait_for(r"Sign in as owner@example\.com with the ADMIN_PASSWORD you set\.")
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
            assert health.status == 200
        home = sign_in_over_http(base, "owner@example.com", "owner password")
        assert "Signed in as <bdi>owner@example.com</bdi>." in home
        check_a_killed_worker_process_is_replaced(first, base, runner_env)
        # Ctrl-C while a job runs: dramatiq waits for it, honcho SIGKILLs the worker line after
        # 5 s, dramatiq then gets SIGTERM from the kernel and the runner waits for it to go.
        busy = submit_ping(runner_env, "duration=20", "steps=20")
        wait_until(lambda: (job_status(runner_env, busy) or ("", 0))[1] > 0, 60, "a running job")
        started = descendants(first.process.pid)
        assert len(started) >= 8  # redis, honcho and its helpers, gunicorn, keep_running,
        # dramatiq and its worker process, scheduler
        assert first.stop(signal.SIGINT) == 0
        assert "Stopped the embedded Redis." in "".join(first.output)
        assert not [pid for pid in started if alive(pid)]

    with Runner(runner_env) as second:
        second.wait_for(rf"Tamam is running: {re.escape(base)}")
        second.wait_for(r"Sign in as owner@example\.com \(the admin created on the first run\)")
        assert "Seeding demo data" not in "".join(second.output)
        started = descendants(second.process.pid)
        assert second.stop(signal.SIGTERM) == 0
        assert not [pid for pid in started if alive(pid)]


def test_refuses_to_start_on_a_busy_port(runner_env: dict[str, str]) -> None:
    """If something already listens on PORT the runner says so and starts nothing."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        runner_env["PORT"] = str(busy.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "webapp.devserver"],
            cwd=PROJECT_ROOT,
            env=runner_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "already listens on" in result.stdout and "make run PORT=" in result.stdout
    assert not Path(runner_env["INSTANCE_DIR"], "redis").exists()


@pytest.mark.slow
def test_closed_terminal_still_stops_everything(runner_env: dict[str, str]) -> None:
    """With its output pipe gone (terminal closed) and then SIGHUP, nothing is left behind."""
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.devserver"],
        cwd=PROJECT_ROOT,
        env=runner_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if b"Tamam is running" in line:
                break
        started = descendants(process.pid)
    finally:
        process.stdout.close()  # the terminal goes away; the runner must not care
    url = f"http://127.0.0.1:{runner_env['PORT']}/healthz"
    with urllib.request.urlopen(url, timeout=10) as health:
        assert health.status == 200
    process.send_signal(signal.SIGHUP)
    assert process.wait(timeout=60) == 0
    assert started and not [pid for pid in started if alive(pid)]


def test_under_honcho_a_dying_worker_line_stops_nothing_else_when_supervised(
    tmp_path: Path,
) -> None:
    """honcho stops every line when one exits; under keep_running the worker line never does."""
    procfile = tmp_path / "Procfile"
    env = devserver.child_environment("redis://127.0.0.1:1/0", free_port(), "127.0.0.1")
    wait = 'python -c "import signal; signal.pause()"'
    crash = 'python -c "import sys; sys.exit(3)"'

    def start(worker_line: str) -> subprocess.Popen[str]:
        procfile.write_text(f"web: {wait}\nworker: {worker_line}\nscheduler: {wait}\n")
        return subprocess.Popen(
            devserver.honcho_command(int(env["PORT"]), procfile=procfile),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    bare = start(crash)  # what the worker line did before: its exit ends the whole run
    out, _ = bare.communicate(timeout=30)
    assert "sending SIGTERM to web.1" in out and "sending SIGTERM to scheduler.1" in out

    honcho = start(f"python -m tasks.keep_running --min-backoff 0.05 -- {crash}")
    assert honcho.stdout is not None
    lines: list[str] = []
    try:
        for line in honcho.stdout:
            lines.append(line)
            if "exited with code 3" in line and "restart 3 " in line:
                break
        assert honcho.poll() is None, "".join(lines)
        others = [pid for pid in descendants(honcho.pid) if "signal.pause" in command_line(pid)]
        assert len(others) >= 2 and all(alive(pid) for pid in others)  # web and scheduler
        started = descendants(honcho.pid)
    finally:
        honcho.send_signal(signal.SIGTERM)
        rest, _ = honcho.communicate(timeout=30)
    assert "keep_running" in rest and "stopped as asked" in rest  # in a pause or a run
    assert "sending SIGKILL" not in rest  # every line stopped within honcho's 5 s
    assert not [pid for pid in started if alive(pid)]


def test_the_runner_waits_for_orphans_and_kills_those_that_linger() -> None:
    """Orphans of what it started become its children; quick ones are reaped, slow ones killed."""
    script = """
import subprocess, sys
from webapp import devserver

assert devserver.become_subreaper()
spawn = (
    "import subprocess, sys; quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(0.3)'], **quiet);"
    "print(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], **quiet).pid)"
)
lingering = int(subprocess.run([sys.executable, "-c", spawn], capture_output=True,
                               text=True, check=True).stdout)  # its parent exits at once
print(lingering, devserver.wait_for_leftovers(keep=set(), grace=1.5), flush=True)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    lingering, killed = done.stdout.split(" ", 1)
    assert killed.strip() == f"[{lingering}]"  # the 0.3 s one exited and was reaped, not killed
    assert not alive(int(lingering))
