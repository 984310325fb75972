"""Each list filter and the ETA read an index in their own order: no scan, no sort step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from tests.staff.helpers import make_job
from webapp.engine import eta
from webapp.extensions import db
from webapp.jobs.listing import JobFilters, list_jobs
from webapp.models.types import utcnow


@pytest.fixture(autouse=True)
def sqlite_only(app_ctx):
    """EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on table statistics."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on table statistics")


def plans(run: Callable[[], Any], marker: str) -> list[str]:
    """The query plans of the statements `run` executes that contain `marker`."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    found = []
    for statement, parameters in captured:
        if marker in statement:
            rows = db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
            found.append(" | ".join(row[3] for row in rows))
    assert found, f"no statement with {marker!r} ran"
    return found


@pytest.mark.parametrize(
    ("who", "filters", "index"),
    [
        ("staff", JobFilters(status="pending"), "idx_user_status"),
        ("admin", JobFilters(status="failed"), "idx_status_created"),
        ("admin", JobFilters(type="sales_report"), "idx_type_created"),
        ("admin", JobFilters(), "idx_created"),
    ],
)
def test_list_filters_read_their_index_in_order(staff, admin, who, filters, index):
    """The newest page of a filtered list is read through an index already in that order."""
    make_job(staff, "pending")
    user = staff if who == "staff" else admin
    plan = plans(lambda: list_jobs(user, filters), "ORDER BY jobs.created_at DESC")[0]
    assert f"INDEX {index} " in plan and "TEMP B-TREE" not in plan, plan


def test_eta_reads_recent_runtimes_through_an_index_and_caches_them(staff):
    """The type's last completions come from idx_type_status_completed, once per cache period."""
    finished = utcnow()
    make_job(staff, "completed", started_at=finished - timedelta(seconds=9), completed_at=finished)
    eta.forget()
    plan = plans(lambda: eta.typical_seconds("sales_report"), "ORDER BY jobs.completed_at DESC")[0]
    assert "INDEX idx_type_status_completed" in plan and "TEMP B-TREE" not in plan, plan
    with pytest.raises(AssertionError, match="no statement"):
        plans(lambda: eta.typical_seconds("sales_report"), "ORDER BY jobs.completed_at DESC")
