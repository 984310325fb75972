"""Keep one command running: restart it whenever it exits on its own, after a growing pause.

    python -m tasks.keep_running [--max-backoff S] -- COMMAND ARGS...

Why it exists: a `dramatiq` master does not replace a worker process that died. It stops the
others and exits (after waiting up to 30 s if the process died while starting). Under a
Procfile runner such as honcho, one process that exits stops all the others, so one killed
worker process would take the web server and the scheduler down with it. The Procfile's
`worker` line therefore runs dramatiq under this supervisor. Under systemd or a container
runtime, use their restart policy instead (docs/deploy/).

What it does:
- Starts COMMAND, waits, and when it exits on its own (any exit code, or killed by a signal)
  starts it again after a pause: 1 s, then doubling up to --max-backoff (30 s); back to 1 s once
  the command has stayed up 60 s. One line per restart on stderr names the exit code or signal
  and the restart count.
- SIGTERM or SIGINT: sends that signal to COMMAND once, waits for COMMAND to exit, then exits 0
  without restarting. Further stop signals are not forwarded (a second SIGTERM makes dramatiq's
  worker processes exit at once, without cleanup). SIGHUP is forwarded as is (dramatiq reloads
  its worker processes) and supervision goes on.

Signals and process groups: COMMAND runs in a session of its own (`start_new_session=True`).
honcho stops a process by signalling its whole process group, and a terminal's Ctrl-C reaches
the whole foreground group; either would hit dramatiq's worker processes directly and then
again through their master, and a second SIGTERM makes them exit without cleanup (heartbeat
rows left behind, messages not requeued). In its own session COMMAND gets exactly one signal,
from this supervisor, and a dramatiq master then stops its worker processes cleanly.

If the supervisor itself dies, even by SIGKILL, Linux sends COMMAND a SIGTERM
(`prctl(PR_SET_PDEATHSIG)`, set between fork and exec; it follows the thread that forked, and
the supervisor has only its main thread), so COMMAND stops rather than running on unsupervised.
honcho does exactly that to a line still running 5 s after its SIGTERM: dramatiq then gets its
second SIGTERM and its worker processes exit at once. Elsewhere than Linux there is no such
request: a supervisor killed with -9 leaves COMMAND running.

The waits (for COMMAND, and the pause before a restart) are `select()` calls on the signal
wake-up pipe (`signal.set_wakeup_fd`), woken by SIGCHLD and by stop signals: a SIGTERM during
the pause stops the supervisor at once. Signal handlers only record the signal; everything else
runs in the main flow, where the child is reaped, so a signal never reaches a recycled pid.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def say(message: str) -> None:
    """Write one line of the supervisor's own log to stderr; a closed stderr is not an error."""
    with contextlib.suppress(OSError, ValueError):
        print(f"keep_running[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def describe_exit(returncode: int) -> str:
    """'exited with code 1' or 'was killed by SIGKILL', from a Popen return code."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


@dataclass
class Backoff:
    """The pause before each restart: `first`, doubling up to `maximum`, reset after uptime."""

    first: float = 1.0
    maximum: float = 30.0
    reset_after: float = 60.0
    _next: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._next = self.first

    def after_exit(self, uptime: float) -> float:
        """The pause before the next start, given how long the command just ran (seconds)."""
        if uptime >= self.reset_after:
            self._next = self.first
        delay = min(self._next, self.maximum)
        self._next = min(self._next * 2, self.maximum)
        return delay


def command_name(command: Sequence[str]) -> str:
    """A short name for the log: the program's file name, or X for `python -m X`."""
    program = os.path.basename(command[0])
    if program.startswith("python") and len(command) > 2 and command[1] == "-m":
        return command[2]
    return program


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that asks Linux for SIGTERM when the supervisor dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not after
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before the request took effect
            os._exit(1)

    return preexec


class Supervisor:
    """Runs `command`, restarts it when it exits on its own, stops it when asked."""

    def __init__(self, command: Sequence[str], backoff: Backoff) -> None:
        self.command = list(command)
        self.name = command_name(self.command)
        self.backoff = backoff
        self.restarts = 0
        self.stop_signal: int | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self._received: list[int] = []
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self._received.append(signum)  # all handling happens in the main flow

    def install_signal_handlers(self) -> None:
        """Record stop signals, SIGHUP and SIGCHLD; each one also wakes the wait in progress."""
        signal.set_wakeup_fd(self._wake_write, warn_on_full_buffer=False)
        for signum in (*STOP_SIGNALS, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, self._record)

    def _wait_for_wake_up(self, timeout: float | None) -> None:
        """Block until a signal arrives or `timeout` seconds pass, then empty the pipe."""
        select.select([self._wake_read], [], [], timeout)
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 512):
                pass

    def _child_running(self) -> bool:
        return self.child is not None and self.child.poll() is None

    def _handle_signals(self) -> None:
        """Act on the signals received since the last call (forward, or note a stop)."""
        while self._received:
            signum = self._received.pop(0)
            if signum == signal.SIGCHLD:
                continue
            name = signal.Signals(signum).name
            if signum == signal.SIGHUP:
                if self.child is not None and self._child_running():
                    self.child.send_signal(signum)
                    say(f"{name}: forwarded to {self.name} (pid {self.child.pid})")
                continue
            if self.stop_signal is not None:
                say(f"{name} again: {self.name} was already asked to stop once; still waiting")
                continue
            self.stop_signal = signum
            if self.child is not None and self._child_running():
                self.child.send_signal(signum)  # not reaped yet, so the pid is still ours
                say(f"{name}: sent {name} to {self.name} (pid {self.child.pid}); waiting")
            else:
                say(f"{name}: stopping; {self.name} is not running")

    def _start(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(self.command, start_new_session=True, preexec_fn=die_with_parent())
        self.child = child
        say(f"started {shlex.join(self.command)} (pid {child.pid})")
        return child

    def _run_once(self) -> int:
        """Start the command and wait for it to exit; its return code."""
        child = self._start()
        while True:
            self._handle_signals()
            returncode = child.poll()
            if returncode is not None:
                return returncode
            self._wait_for_wake_up(None)  # SIGCHLD or a stop signal wakes it

    def _pause(self, seconds: float) -> bool:
        """Wait `seconds` before a restart; True when a stop was asked for meanwhile."""
        deadline = time.monotonic() + seconds
        while True:
            self._handle_signals()
            if self.stop_signal is not None:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._wait_for_wake_up(remaining)

    def run(self) -> int:
        """Supervise until a stop signal; 0 after a requested stop, 126/127 if it cannot start."""
        while True:
            self._handle_signals()
            if self.stop_signal is not None:
                return 0
            started = time.monotonic()
            try:
                returncode = self._run_once()
            except OSError as exc:  # not found, not executable: restarting will not help
                say(f"cannot start {self.name}: {exc}")
                return 127 if isinstance(exc, FileNotFoundError) else 126
            uptime = time.monotonic() - started
            how = describe_exit(returncode)
            if self.stop_signal is not None:
                say(f"{self.name} {how}; stopped as asked, not restarting")
                return 0
            self.restarts += 1
            delay = self.backoff.after_exit(uptime)
            say(
                f"{self.name} (pid {self.child.pid if self.child else '?'}) {how} "
                f"after {uptime:.1f} s; restart {self.restarts} in {delay:g} s"
            )
            if self._pause(delay):
                say(f"{self.name} not restarted: stopped as asked")
                return 0


def positive_seconds(text: str) -> float:
    """argparse type: a number of seconds greater than 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def parse(argv: Sequence[str]) -> tuple[Backoff, list[str]]:
    """Split `[options] -- COMMAND ARGS...` into the backoff settings and the command."""
    parser = argparse.ArgumentParser(
        prog="python -m tasks.keep_running",
        usage="%(prog)s [--max-backoff S] [--min-backoff S] [--reset-after S] -- COMMAND ARGS...",
        description="Run COMMAND; restart it when it exits on its own; stop it on SIGTERM/SIGINT.",
    )
    parser.add_argument(
        "--min-backoff",
        type=positive_seconds,
        default=1.0,
        metavar="S",
        help="pause before the first restart (default 1)",
    )
    parser.add_argument(
        "--max-backoff",
        type=positive_seconds,
        default=30.0,
        metavar="S",
        help="longest pause between restarts (default 30)",
    )
    parser.add_argument(
        "--reset-after",
        type=positive_seconds,
        default=60.0,
        metavar="S",
        help="uptime after which the pause starts from the minimum again (default 60)",
    )
    argv = list(argv)
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        parser.error("give the command after --, e.g. -- dramatiq tasks.worker")
    split = argv.index("--")
    options = parser.parse_args(argv[:split])
    if options.min_backoff > options.max_backoff:
        parser.error("--min-backoff must not be more than --max-backoff")
    backoff = Backoff(options.min_backoff, options.max_backoff, options.reset_after)
    return backoff, argv[split + 1 :]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then supervise the command until asked to stop."""
    backoff, command = parse(sys.argv[1:] if argv is None else argv)
    supervisor = Supervisor(command, backoff)
    supervisor.install_signal_handlers()
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
