"""One clock: the database's. Leases, `available_at` and every "is it due" comparison use it.

Hosts' clocks drift apart; the database is the one place every web, worker and scheduler host
shares. `db_time(seconds)` is a SQL expression for the database's "now" plus `seconds`, so a
transition writes and compares times in the same statement without a round trip;
`database_now()` reads that clock once, for the rare code that needs the value in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from webapp.models.types import UTCDateTime


class db_time(FunctionElement[datetime]):
    """The database's current UTC time plus `seconds` (negative for the past), as a column value."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_time"

    def __init__(self, seconds: float = 0.0) -> None:
        super().__init__(bindparam(None, round(float(seconds), 3), type_=Float(), unique=True))


@compiles(db_time, "postgresql")
def _postgresql(element: db_time, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return (
        "((statement_timestamp() AT TIME ZONE 'UTC')"
        f" + CAST({seconds} AS DOUBLE PRECISION) * INTERVAL '1 second')"
    )


@compiles(db_time, "sqlite")
def _sqlite(element: db_time, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's format): %f gives SS.SSS, pad it.
    seconds = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%f', 'now', {seconds} || ' seconds') || '000')"


@compiles(db_time)
def _unsupported(element: db_time, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"No database clock for {compiler.dialect.name}")


def database_now(conn: Connection, seconds: float = 0.0) -> datetime:
    """Read the database's clock (plus `seconds`) once, as an aware UTC datetime."""
    value = conn.scalar(select(db_time(seconds)))
    assert value is not None
    return value
