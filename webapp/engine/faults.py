"""Faults that only the fault soak turns on (scripts/soak.py); nothing happens without them.

TAMAM_FAULTS names a point and when it fires, e.g. on the web processes:

    TAMAM_FAULTS="kill_before_send:0.02"            # SIGKILL this process on 2 % of sends
    TAMAM_FAULTS="kill_before_send:@/tmp/trigger"   # SIGKILL once, when that file appears

The one point today is `kill_before_send`, at the top of `dispatch.send`: the job's row is
committed and its message not yet sent, the gap recovery must close. A trigger file fires in
exactly one process: the one that removes it. Unset (production), `hit()` is one test of a
constant read at import.
"""

from __future__ import annotations

import logging
import os
import random
import signal

log = logging.getLogger("tamam.faults")

KILL_BEFORE_SEND = "kill_before_send"


def parse(spec: str) -> dict[str, str]:
    """'point:rate,point:@file' -> {point: 'rate' or '@file'}; ValueError on a bad entry."""
    rules: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        point, _, when = entry.partition(":")
        if point != KILL_BEFORE_SEND or not when:
            raise ValueError(f"TAMAM_FAULTS: not a fault: {entry!r}")
        if not when.startswith("@"):
            float(when)  # a probability between 0 and 1
        rules[point] = when
    return rules


RULES = parse(os.environ.get("TAMAM_FAULTS", ""))
ACTIVE = bool(RULES)


def _fires(when: str) -> bool:
    if when.startswith("@"):
        try:
            os.unlink(when[1:])  # only the process that removes the trigger fires
        except OSError:
            return False
        return True
    return random.random() < float(when)


def hit(point: str) -> None:
    """At a fault point: SIGKILL this process if TAMAM_FAULTS says so, else nothing."""
    if not ACTIVE:
        return
    when = RULES.get(point)
    if when is not None and _fires(when):
        log.warning("Fault %s: killing process %d", point, os.getpid())
        for handler in logging.getLogger().handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)
