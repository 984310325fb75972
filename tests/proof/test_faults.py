"""The soak's fault hook: nothing without TAMAM_FAULTS; with it, SIGKILL at the point named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.engine import faults

ROOT = Path(__file__).resolve().parents[2]
AT_THE_POINT = (
    "from webapp.engine import faults; faults.hit(faults.KILL_BEFORE_SEND); print('alive')"
)


def run_with(spec: str | None) -> subprocess.CompletedProcess[str]:
    """A fresh Python that reaches the fault point with TAMAM_FAULTS=spec (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "TAMAM_FAULTS"}
    if spec is not None:
        env["TAMAM_FAULTS"] = spec
    return subprocess.run([sys.executable, "-c", AT_THE_POINT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_unset_is_inactive_and_the_hook_returns():
    """In this process (no TAMAM_FAULTS) the hook is off and returns."""
    assert "TAMAM_FAULTS" not in os.environ
    assert faults.ACTIVE is False and faults.RULES == {}
    assert faults.hit(faults.KILL_BEFORE_SEND) is None


def test_unset_in_a_subprocess_the_process_lives():
    """Without TAMAM_FAULTS the point is passed."""
    done = run_with(None)
    assert (done.returncode, done.stdout.strip()) == (0, "alive")


def test_rate_one_kills_at_the_point():
    """kill_before_send:1 SIGKILLs the process at the point; nothing after it runs."""
    done = run_with("kill_before_send:1")
    assert done.returncode == -signal.SIGKILL and "alive" not in done.stdout


def test_rate_zero_never_fires():
    """kill_before_send:0 is on but never fires."""
    assert run_with("kill_before_send:0").returncode == 0


def test_a_trigger_file_fires_once(tmp_path: Path):
    """@file: the process that removes the file dies; the next one, finding none, lives."""
    trigger = tmp_path / "kill-now"
    spec = f"kill_before_send:@{trigger}"
    assert run_with(spec).returncode == 0  # no file yet
    trigger.touch()
    assert run_with(spec).returncode == -signal.SIGKILL
    assert not trigger.exists()
    assert run_with(spec).returncode == 0


def test_dispatch_send_reaches_the_point_before_the_broker(tmp_path: Path):
    """dispatch.send calls the hook first: killed there, no message was enqueued."""
    code = (
        "import dramatiq\n"
        "from dramatiq.brokers.stub import StubBroker\n"
        "b = StubBroker(); dramatiq.set_broker(b)\n"
        "from webapp.engine import dispatch\n"
        "b.enqueue = lambda *a, **k: print('enqueued', flush=True)\n"
        "dispatch.send('j', 'ping', 'm')\n"
    )
    env = {**os.environ, "TAMAM_FAULTS": "kill_before_send:1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == -signal.SIGKILL and "enqueued" not in done.stdout


@pytest.mark.parametrize("spec", ["kill_after_send:1", "kill_before_send", "kill_before_send:x"])
def test_a_bad_spec_is_refused(spec: str):
    """A point that does not exist or a rate that is not a number: ValueError, not silence."""
    with pytest.raises(ValueError):
        faults.parse(spec)
