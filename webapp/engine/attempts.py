"""This worker process: who it is, which attempts it runs right now, and what it has done.

The heartbeat renews the leases of exactly the attempts registered here, so a claim that
ended without a final transition (an error in bookkeeping, a lost database connection) is no
longer renewed, and a later process with the same host name and pid adopts nothing: each
process gets a random key of its own.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

_lock = threading.Lock()
_process_keys: dict[int, str] = {}


def process_key() -> str:
    """host:pid:nonce, unique to this process (a fork or a restart gets a new one)."""
    pid = os.getpid()
    with _lock:
        if pid not in _process_keys:
            _process_keys[pid] = f"{socket.gethostname()}:{pid}:{secrets.token_hex(4)}"
        return _process_keys[pid]


def claim_token() -> str:
    """The token a job row carries while this thread runs it: the process key and thread."""
    return f"{process_key()}:{threading.get_ident()}"


@dataclass(frozen=True)
class Attempt:
    """One attempt this process is running: renewed until it leaves or its deadline passes."""

    job_id: str
    token: str
    attempt: int
    renew_until: float  # time.monotonic(): past it, a stuck attempt is left to recovery


_running: dict[str, Attempt] = {}
STATS: Counter[str] = Counter()


def enter(job_id: str, token: str, attempt: int, time_limit: float, grace: float) -> Attempt:
    """Register a claimed attempt; its lease is renewed for at most time_limit + grace s."""
    entry = Attempt(job_id, token, attempt, time.monotonic() + time_limit + grace)
    with _lock:
        _running[token] = entry
        STATS["in_progress"] += 1
    return entry


def leave(entry: Attempt) -> None:
    """The attempt is over, however it ended: stop renewing its lease."""
    with _lock:
        if _running.get(entry.token) is entry:
            del _running[entry.token]
            STATS["in_progress"] -= 1


def renewable() -> list[Attempt]:
    """The attempts whose leases the next heartbeat renews."""
    now = time.monotonic()
    with _lock:
        return [entry for entry in _running.values() if entry.renew_until > now]


def count(key: str, delta: int = 1) -> None:
    """Add to one of this process's counters (processed, failed), read by the heartbeat."""
    with _lock:
        STATS[key] += delta


def snapshot() -> dict[str, int]:
    """This process's counters, for its heartbeat row."""
    with _lock:
        return {key: STATS[key] for key in ("in_progress", "processed", "failed")}
