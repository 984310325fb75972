"""Test helpers that look at live processes through /proc (Linux), and a polling wait."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from scripts.proof.procfs import alive, children_of, command_line, descendants

__all__ = ["alive", "children_of", "command_line", "descendants", "wait_until"]

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, what: str = "") -> T:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        time.sleep(0.05)  # polling an observable condition, not standing in for one
    return value
