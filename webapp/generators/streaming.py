"""Read large query results in chunks on a connection of the generator's own.

Generators read through `reading()`, never through `db.session`: the job engine's progress
function may commit or roll back the session (to record progress or notice a cancel) while a
chunked read is half way, and that must not close the read's cursor. On PostgreSQL the chunks
come from a server-side cursor (`yield_per`), so memory stays flat however many rows match.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable, Row, Select, func, select

from webapp.extensions import db

CHUNK_ROWS = 5_000
# Rows, results and selects of any width (SQLAlchemy types them by their column tuple).
AnyRow = Row[*tuple[Any, ...]]
AnyResult = CursorResult[*tuple[Any, ...]]
AnySelect = Select[*tuple[Any, ...]]


@contextmanager
def reading() -> Iterator[Connection]:
    """A pooled connection, used only for this generator's reads and closed after them."""
    with db.engine.connect() as conn:  # rolled back and returned to the pool on the way out
        yield conn


def stream(conn: Connection, stmt: Executable, size: int | None = None) -> AnyResult:
    """Execute `stmt` streaming; use as `with stream(...) as result: result.partitions()`."""
    return conn.execute(stmt.execution_options(yield_per=size or CHUNK_ROWS))


def count_rows(conn: Connection, stmt: AnySelect) -> int:
    """How many rows `stmt` would return."""
    return int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
