"""Reads without a transaction around them, for the API's requests that change nothing.

Each statement still sees only committed data (READ COMMITTED takes a snapshot per statement
either way), but no BEGIN and ROLLBACK travel to PostgreSQL: two round trips fewer for a
status poll, and for reading back a job just committed. SQLite's driver opens no transaction
for a SELECT in the first place, so there it is left alone (switching the connection to
autocommit and back would cost more than it saves).

A status poll's one read (the token with the job, webapp.api.tokens) goes further: it runs on
a pooled connection of its own, outside the ORM session, whose transaction bookkeeping would
cost the poll more than the read itself.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from sqlalchemy import Connection, Executable, Result

from webapp.extensions import db


def _on_sqlite() -> bool:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


def reads_only() -> None:
    """Run the request's next statements in autocommit, unless a transaction is under way."""
    if _on_sqlite():
        return
    session = db.session()
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def read_apart(statement: Executable, params: dict[str, Any]) -> Result[Any]:
    """Run a read on the request's own connection (autocommit, no ORM session), kept until
    the request ends (close_read_connection)."""
    conn: Connection | None = g.get("api_read_connection")
    if conn is None:
        conn = db.engine.connect()
        if not _on_sqlite():
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        g.api_read_connection = conn
    return conn.execute(statement, params)


def close_read_connection(_error: BaseException | None = None) -> None:
    """teardown_request: give the request's read connection back to the pool."""
    conn: Connection | None = g.pop("api_read_connection", None)
    if conn is not None:
        conn.close()
