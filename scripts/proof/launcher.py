"""Start real processes with logs of their own, find their children, kill and stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.proof.procfs import alive, descendants

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Proc:
    """One started process and its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """The pid of the process started (a supervisor, a gunicorn master...)."""
        return self.popen.pid

    def tree(self) -> set[int]:
        """This process and everything under it."""
        return {self.pid, *descendants(self.pid)} if self.popen.poll() is None else set()


@dataclass
class Launcher:
    """Starts processes in sessions of their own, each logging to `logs/<name>.log`."""

    logs: Path
    env: dict[str, str]
    started: list[Proc] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        prefix: Sequence[str] = (),
    ) -> Proc:
        """Start `prefix + argv` in the project's root with the base env plus `env`."""
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{name}.log"
        with open(log, "ab") as output:
            popen = subprocess.Popen(
                [*prefix, *argv],
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def signal_tree(self, proc: Proc, signum: int) -> list[int]:
        """Send `signum` to every process of `proc`'s tree; the pids signalled."""
        pids = sorted(proc.tree())
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        return pids

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM what is still running, then SIGKILL whatever is left after `grace` s."""
        trees = {proc.name: proc.tree() for proc in self.started}
        for proc in self.started:
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        everything = set().union(*trees.values()) if trees else set()
        while time.monotonic() < deadline and any(alive(pid) for pid in everything):
            for proc in self.started:
                proc.popen.poll()
            time.sleep(0.1)  # waiting for processes to exit; nothing to wait on instead
        for pid in everything:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for proc in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(5)
