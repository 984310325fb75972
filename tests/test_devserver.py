"""The dev runner behind `make run`: first admin, banner, honcho command, and a real run."""

from __future__ import annotations

import http.cookiejar
import os
import queue
import re
import signal
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


def descendants(root: int) -> set[int]:
    """Every live process under `root` (by parent pid, read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True when the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


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


@pytest.mark.slow
def test_make_run_serves_then_stops_everything(runner_env: dict[str, str]) -> None:
    """First run sets up and serves; Ctrl-C stops all; a second run reuses it; SIGTERM stops all."""
    base = f"http://127.0.0.1:{runner_env['PORT']}"

    with Runner(runner_env) as first:
        first.wait_for(r"Started an embedded Redis on redis://127\.0\.0\.1:\d+/0")
        first.wait_for(r"Seeded \d+ customers, \d+ products, 300 orders")
        first.wait_for(rf"Tamam is running: {re.escape(base)}")
        first.wait_for(r"Sign in as owner@example\.com with the ADMIN_PASSWORD you set\.")
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
            assert health.status == 200
        home = sign_in_over_http(base, "owner@example.com", "owner password")
        assert "Signed in as owner@example.com." in home
        started = descendants(first.process.pid)
        assert len(started) >= 6  # redis, honcho and its helpers, gunicorn, dramatiq, scheduler
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
