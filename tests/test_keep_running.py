"""tasks.keep_running: restarts a command that exits on its own, stops it once when asked."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tasks.keep_running import Backoff, command_name, describe_exit
from tests.procs import alive, wait_until
from webapp.settings import PROJECT_ROOT

# A stand-in for a worker. It counts its starts in STATE/starts, exits with code 1 on the
# first FAILS starts, then writes its pid to STATE/pid and runs until SIGTERM or SIGINT.
# Every SIGTERM, SIGINT and SIGHUP it receives is appended to STATE/signals. With --linger it
# does not exit on a stop signal until the file STATE/release exists.
CHILD = """
import os, signal, sys, time
from pathlib import Path

state, fails, linger = Path(sys.argv[1]), int(sys.argv[2]), "--linger" in sys.argv
starts = state / "starts"
count = int(starts.read_text()) if starts.exists() else 0
starts.write_text(str(count + 1))
if count < fails:
    sys.exit(1)
stopping = []

def record(signum, frame):
    with open(state / "signals", "a") as log:
        log.write(signal.Signals(signum).name + "\\n")
    if signum != signal.SIGHUP:
        stopping.append(signum)

for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(signum, record)
(state / "pid.tmp").write_text(str(os.getpid()))
(state / "pid.tmp").rename(state / "pid")
while not stopping or (linger and not (state / "release").exists()):
    time.sleep(0.02)
sys.exit(0)
"""


class Supervised:
    """`python -m tasks.keep_running ... -- python child.py` with its stderr in a file."""

    def __init__(self, tmp_path: Path, fails: int, options: list[str], linger: bool) -> None:
        self.state = tmp_path / "state"
        self.state.mkdir()
        script = tmp_path / "child.py"
        script.write_text(CHILD)
        self.log_path = tmp_path / "keep_running.log"
        command = [sys.executable, str(script), str(self.state), str(fails)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tasks.keep_running", *options, "--", *command]
                + (["--linger"] if linger else []),
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,  # its own process group, as honcho gives each line
            )

    def log(self) -> str:
        """What the supervisor (and the child) wrote so far."""
        return self.log_path.read_text(errors="replace")

    def starts(self) -> int:
        """How many times the child started."""
        path = self.state / "starts"
        return int(path.read_text()) if path.exists() else 0

    def signals(self) -> list[str]:
        """The signals the child received, in order."""
        path = self.state / "signals"
        return path.read_text().split() if path.exists() else []

    def child_pid(self, other_than: int | None = None) -> int:
        """Wait until a child is up (and is not `other_than`); its pid."""

        def current() -> int | None:
            try:
                pid = int((self.state / "pid").read_text())
            except (OSError, ValueError):
                return None
            return pid if pid != other_than and alive(pid) else None

        return wait_until(current, 15, f"a running child\n{self.log()}")

    def wait_for_log(self, pattern: str) -> None:
        """Wait until the log has a line matching `pattern`."""
        wait_until(lambda: re.search(pattern, self.log()), 15, f"{pattern!r} in\n{self.log()}")

    def wait(self) -> int:
        """Wait for the supervisor to exit; its exit code."""
        return self.process.wait(timeout=15)

    def kill_everything(self) -> None:
        """SIGKILL the supervisor and its child if a test left them running."""
        pid_file = self.state / "pid"
        if pid_file.exists() and alive(child := int(pid_file.read_text())):
            os.kill(child, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=15)


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator[Callable[..., Supervised]]:
    """Start a supervised child that fails `fails` times; everything is killed afterwards."""
    started: list[Supervised] = []

    def start(fails: int = 0, options: tuple[str, ...] = (), linger: bool = False) -> Supervised:
        options = options or ("--min-backoff", "0.05", "--max-backoff", "0.2")
        run = Supervised(tmp_path, fails, list(options), linger)
        started.append(run)
        return run

    yield start
    for run in started:
        run.kill_everything()


def test_backoff_doubles_up_to_the_maximum_and_resets_after_a_long_run() -> None:
    """1, 2, 4 ... 30, 30 seconds between quick exits; back to 1 once it stayed up 60 s."""
    backoff = Backoff()
    assert [backoff.after_exit(uptime=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.after_exit(uptime=60) == 1
    assert backoff.after_exit(uptime=3) == 2


def test_exits_are_described_by_code_or_signal_and_commands_by_a_short_name() -> None:
    """The restart line says which exit code, or which signal killed which command."""
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL"
    assert command_name(["/srv/venv/bin/dramatiq", "tasks.worker"]) == "dramatiq"
    assert command_name([sys.executable, "-m", "dramatiq", "tasks.worker"]) == "dramatiq"
    assert command_name([sys.executable, "child.py"]) == os.path.basename(sys.executable)


def test_restarts_a_failing_command_until_it_stays_up_then_stops_it_on_sigterm(
    supervise: Callable[..., Supervised],
) -> None:
    """Three failed starts are restarted with a growing pause; SIGTERM then stops all, code 0."""
    run = supervise(fails=3)
    child = run.child_pid()
    log = run.log()
    assert run.starts() == 4
    restarts = re.findall(r"exited with code 1 after [\d.]+ s; restart (\d) in ([\d.]+) s", log)
    assert restarts == [("1", "0.05"), ("2", "0.1"), ("3", "0.2")]
    assert run.process.poll() is None

    run.process.send_signal(signal.SIGTERM)
    assert run.wait() == 0
    assert run.signals() == ["SIGTERM"]
    assert not alive(child)
    assert "stopped as asked, not restarting" in run.log()
    assert "restart 4" not in run.log() and run.starts() == 4


def test_a_command_killed_with_sigkill_is_started_again(
    supervise: Callable[..., Supervised],
) -> None:
    """kill -9 of the command (a dramatiq master, say) is an exit like any other: restart."""
    run = supervise()
    first = run.child_pid()
    os.kill(first, signal.SIGKILL)
    second = run.child_pid(other_than=first)
    assert run.starts() == 2
    killed = rf"\(pid {first}\) was killed by SIGKILL after [\d.]+ s; restart 1 in 0.05 s"
    assert re.search(killed, run.log())
    run.process.send_signal(signal.SIGINT)  # Ctrl-C: forwarded as SIGINT, also a stop
    assert run.wait() == 0
    assert run.signals() == ["SIGINT"] and not alive(second)


def test_a_group_sigterm_reaches_the_command_once(supervise: Callable[..., Supervised]) -> None:
    """honcho signals the whole group: the command still gets one SIGTERM, from the supervisor."""
    run = supervise(linger=True)
    child = run.child_pid()
    os.killpg(run.process.pid, signal.SIGTERM)
    run.wait_for_log(r"SIGTERM: sent SIGTERM to python[\d.]* \(pid \d+\); waiting")
    os.killpg(run.process.pid, signal.SIGTERM)  # a second stop is not passed on
    run.wait_for_log(r"SIGTERM again: .* already asked to stop once; still waiting")
    assert run.process.poll() is None and alive(child)  # it waits for the command to finish

    (run.state / "release").touch()
    assert run.wait() == 0
    assert run.signals() == ["SIGTERM"]
    assert run.starts() == 1


def test_sigterm_during_the_pause_stops_at_once_without_a_restart(
    supervise: Callable[..., Supervised],
) -> None:
    """A stop asked for while waiting 30 s to restart ends the wait and starts nothing."""
    run = supervise(fails=1, options=("--min-backoff", "30"))
    run.wait_for_log(r"exited with code 1 after [\d.]+ s; restart 1 in 30 s")
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=10) == 0  # well before the 30 s pause would end
    assert "not restarted: stopped as asked" in run.log()
    assert run.starts() == 1


def test_sighup_is_passed_on_and_is_not_a_stop(supervise: Callable[..., Supervised]) -> None:
    """SIGHUP goes to the command (dramatiq reloads its workers); supervision goes on."""
    run = supervise()
    child = run.child_pid()
    run.process.send_signal(signal.SIGHUP)
    wait_until(lambda: run.signals() == ["SIGHUP"], 15, "the command to get SIGHUP")
    assert run.process.poll() is None and alive(child)
    run.process.send_signal(signal.SIGTERM)
    assert run.wait() == 0
    assert run.signals() == ["SIGHUP", "SIGTERM"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_supervisor_killed_with_sigkill_takes_its_command_down(
    supervise: Callable[..., Supervised],
) -> None:
    """kill -9 of the supervisor leaves no orphan: the command gets SIGTERM and stops."""
    run = supervise()
    child = run.child_pid()
    run.process.kill()
    run.process.wait(timeout=15)
    wait_until(lambda: not alive(child), 15, "the orphaned command to stop")
    assert run.signals() == ["SIGTERM"]


def test_usage_errors_and_a_missing_command_fail_loudly(tmp_path: Path) -> None:
    """No `--`: usage error (2). A command that does not exist: 127, nothing restarted."""
    module = [sys.executable, "-m", "tasks.keep_running"]
    no_command = subprocess.run(
        [*module, "dramatiq"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30
    )
    assert no_command.returncode == 2 and "give the command after --" in no_command.stderr
    missing = subprocess.run(
        [*module, "--", str(tmp_path / "no-such-program")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert missing.returncode == 127 and "cannot start no-such-program" in missing.stderr
