"""The values of a file's unique columns met so far, kept on disk so that memory stays flat.

A million-row file has two million emails and phones to remember; as Python sets they took
about 125 MiB. They live instead in a private SQLite file in the attempt's folder (an index on
disk, a 2 MiB page cache in memory), each value with the number of the batch that recorded it.
A batch records its values with one statement (INSERT OR IGNORE from a JSON list: SQLite's
JSON functions, built in since 3.38); when every one was new, that is the whole answer. Only
otherwise does the caller ask which were `earlier`, and `forget`s those of its own that belong
to rows it then rejects. Each attempt of a job starts its own file; `close` removes it. It
never touches the application's database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from pathlib import Path

CACHE_KIB = 2048  # SQLite's page cache for this file


class SeenKeys:
    """A set of strings on disk, each tagged with the batch that added it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.unlink(missing_ok=True)  # an earlier attempt's: this attempt reads the file again
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "locking_mode=EXCLUSIVE",
                       f"cache_size=-{CACHE_KIB}", "temp_store=FILE"):  # fmt: skip
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, batch INTEGER) WITHOUT ROWID")

    def add(self, keys: Collection[str], batch: int) -> int:
        """Record `keys` for `batch`; how many were recorded (the others were there already,
        or appear twice in `keys`)."""
        if not keys:
            return 0
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO seen (key, batch) SELECT value, ? FROM json_each(?)",
            (batch, _json(keys)),
        )
        return cursor.rowcount

    def earlier(self, keys: Collection[str], batch: int) -> set[str]:
        """The keys among `keys` that batches before `batch` recorded."""
        rows = self._db.execute(
            "SELECT key FROM seen WHERE key IN (SELECT value FROM json_each(?)) AND batch < ?",
            (_json(keys), batch),
        )
        return {key for (key,) in rows}

    def forget(self, keys: Collection[str], batch: int) -> None:
        """Remove the keys among `keys` that `batch` recorded."""
        if keys:
            self._db.execute(
                "DELETE FROM seen WHERE key IN (SELECT value FROM json_each(?)) AND batch = ?",
                (_json(keys), batch),
            )

    def close(self) -> None:
        """Forget everything: the file is removed."""
        self._db.close()
        self.path.unlink(missing_ok=True)


def _json(keys: Collection[str]) -> str:
    return json.dumps(keys if isinstance(keys, list) else list(keys))
