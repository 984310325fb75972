"""Engine tuning so several processes share one database safely."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event


def configure_engine(engine: Engine) -> None:
    """On SQLite: WAL journal, a busy timeout and foreign keys, set on every connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class SQLiteWriter:
    """One writer at a time for a SQLite file, woken as soon as the previous one is done.

    SQLite lets one connection write at a time; every other writer sleeps in its busy handler
    (1, 2, 5, 10 ... ms) and tries again, while the write itself takes a fraction of a
    millisecond: a worker's threads spent most of their time asleep there. Here writers queue
    on a thread lock within the process and on an flock of `<database>.writer` between the
    processes; the kernel wakes the next one the moment the lock is released (or its holder
    dies). Writers that do not queue here (a migration, a shell) still meet SQLite's own lock.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the write turn (re-entrant within a thread)."""
        with self._lock:
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)


_writers: dict[tuple[int, str], SQLiteWriter] = {}
_writers_lock = threading.Lock()


def _writer(engine: Engine) -> SQLiteWriter | None:
    """This process's writer queue for the engine's SQLite file (None: in memory)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = (os.getpid(), database)  # a forked child opens its own lock file descriptor
    writer = _writers.get(key)
    if writer is None:
        with _writers_lock:
            writer = _writers.setdefault(key, SQLiteWriter(f"{database}.writer"))
    return writer


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """`engine.begin()`; on SQLite, queued for the write turn (SQLiteWriter) first."""
    writer = _writer(engine) if engine.dialect.name == "sqlite" else None
    if writer is None:
        with engine.begin() as conn:
            yield conn
        return
    # The turn ends with the commit, before the connection goes back to the pool: what runs at
    # check-in (the outbox's after-commit sends to Redis) must not hold up every other writer.
    with engine.connect() as conn, writer.held(), conn.begin():
        yield conn
