"""Reads without a transaction around them, for the API's requests that change nothing.

Each statement still sees only committed data (READ COMMITTED takes a snapshot per statement
either way), but no BEGIN and ROLLBACK travel to PostgreSQL: two round trips fewer for a
status poll, and for reading back a job just committed. SQLite's driver opens no transaction
for a SELECT in the first place, so there it is left alone (switching the connection to
autocommit and back would cost more than it saves).
"""

from __future__ import annotations

from flask import current_app

from webapp.extensions import db


def reads_only() -> None:
    """Run the request's next statements in autocommit, unless a transaction is under way."""
    if str(current_app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    session = db.session()
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
