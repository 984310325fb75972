"""SQLite writers queue for their turn (webapp.database.SQLiteWriter) instead of sleeping in
SQLite's busy handler: within a process on a thread lock, between processes on an flock."""

from __future__ import annotations

import fcntl
import os

import pytest

from webapp.database import write_transaction
from webapp.extensions import db
from webapp.notifications import outbox


@pytest.fixture
def sqlite_path(app_ctx) -> str:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write turn is SQLite's only")
    return str(db.engine.url.database)


def _try_lock(path: str) -> bool:
    """Could another process take the write turn right now? (its own open file description)"""
    fd = os.open(f"{path}.writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken here
    return True


def test_a_write_transaction_holds_the_turn_until_it_ends(sqlite_path):
    with write_transaction(db.engine):
        assert not _try_lock(sqlite_path)  # another process would wait for it
        with write_transaction(db.engine):  # re-entrant within the thread
            pass
        assert not _try_lock(sqlite_path)  # still held by the outer one
    assert _try_lock(sqlite_path)


def test_the_turn_is_given_back_when_the_transaction_fails(sqlite_path):
    with pytest.raises(RuntimeError), write_transaction(db.engine):
        raise RuntimeError("boom")
    assert _try_lock(sqlite_path)


def test_the_turn_ends_before_the_after_commit_sends(sqlite_path, monkeypatch):
    """The outbox's messages go to Redis when the connection goes back to the pool, after the
    commit: a slow Redis there must not keep every other writer waiting."""
    held_while_sending: list[bool] = []
    monkeypatch.setattr(
        outbox, "dispatch", lambda ids: held_while_sending.append(not _try_lock(sqlite_path))
    )
    with write_transaction(db.engine) as conn:
        outbox.dispatch_after_commit(conn, [1])
    assert held_while_sending == [False]
