"""When the database does not answer: keep the message for later and say so once per outage.

A worker that cannot claim a job because the database is down must not dead-letter the
message (recovery would have to find every one of them later) nor log a traceback per message.
The message is sent again with a growing delay, under the same id, and the log says one line
when the outage starts and one when the database answers again.
"""

from __future__ import annotations

import logging
import random
import threading
import time

import dramatiq
from dramatiq.middleware import CurrentMessage
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

log = logging.getLogger("tamam.jobs")

# Errors that say "the database is unreachable or busy", not "this statement is wrong".
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)
WAIT_FIRST, WAIT_MAX = 1.0, 30.0  # seconds before a message is tried again: 1, 2, 4 ... 30


class Outage:
    """This process's view of one dependency: answering, or down since when."""

    def __init__(self, name: str, meanwhile: str) -> None:
        self.name, self.meanwhile = name, meanwhile
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.deferred = 0

    def failed(self, exc: BaseException) -> None:
        """Count a failure; the first one of an outage is logged, with its reason."""
        with self._lock:
            self.deferred += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        log.warning("%s unreachable (%s); %s", self.name, reason, self.meanwhile)

    def answered(self) -> None:
        """The dependency answered: log the end of an outage, once."""
        if self.down_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self.down_since is None:
                return
            seconds, deferred = time.monotonic() - self.down_since, self.deferred
            self.down_since, self.deferred = None, 0
        log.warning("%s answers again after %.1f s (%d failed calls)", self.name, seconds, deferred)


database_outage = Outage("The database", "job messages wait until it answers")
heartbeat_outage = Outage("The database", "heartbeats are missed until it answers")


def deliver_later() -> None:
    """Send the message being processed again after a growing delay (the same message id)."""
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("deliver_later() runs inside an actor only")
    waits = int(message.options.get("database_waits", 0)) + 1
    delay = min(WAIT_MAX, WAIT_FIRST * 2 ** (waits - 1)) * random.uniform(0.8, 1.2)
    # Into the delay queue under the same id: the delivery now ending is acknowledged from the
    # ready queue, a different Redis hash, so recovery keeps seeing exactly one live message.
    dramatiq.get_broker().enqueue(
        message.copy(options={"database_waits": waits}), delay=int(delay * 1000)
    )
