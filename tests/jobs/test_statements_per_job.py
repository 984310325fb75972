"""What one job costs the database: the statements and commits of a ping job's delivery.

A worker's time per job is mostly its round trips to the database and the building of their
statements (bench/bench_throughput.py). A job is claimed (one UPDATE ... RETURNING, its
"started" line) and completed (one UPDATE ... RETURNING, its "completed" line): four
statements in two transactions. A statement added to that path fails here first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from webapp.engine import service
from webapp.engine.runner import run_job
from webapp.extensions import db
from webapp.models.job import Job


@contextmanager
def counting() -> Iterator[dict[str, list[str]]]:
    """Record every statement (its SQL) and every commit on the app's engine meanwhile."""
    seen: dict[str, list[str]] = {"statements": [], "commits": []}

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen["statements"].append(" ".join(sql.split())[:120])

    def on_commit(_conn: Any) -> None:
        seen["commits"].append("COMMIT")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


def test_a_ping_job_costs_four_statements_in_two_commits(stub_broker, staff):
    """Claim (UPDATE ... RETURNING, INSERT its line), complete (the same): nothing else."""
    job_id = service.submit(staff, "ping", {"steps": 1}).id
    db.session.commit()
    with counting() as seen:
        run_job(job_id, "ping")  # as the broker delivers it (a fair claim for its type)
    done = db.session.get(Job, job_id, populate_existing=True)
    assert (done.status, done.progress, done.attempts) == ("completed", 100, 1)
    kinds = [sql.split()[0] + " " + sql.split()[1] for sql in seen["statements"]]
    assert kinds == ["UPDATE jobs", "INSERT INTO", "UPDATE jobs", "INSERT INTO"], seen
    assert len(seen["commits"]) == 2, seen


def test_progress_reports_are_throttled_and_100_is_left_to_complete(stub_broker, staff):
    """Ten quick steps write the first report only; 100 % is written by the completion."""
    job_id = service.submit(staff, "ping", {"steps": 10}).id
    db.session.commit()
    with counting() as seen:
        run_job(job_id, "ping")
    assert len(seen["statements"]) == 5, seen  # claim 2, one progress UPDATE, complete 2
    assert len(seen["commits"]) == 3, seen
    assert db.session.get(Job, job_id, populate_existing=True).progress == 100


def test_the_worker_pool_pings_only_a_server(monkeypatch, database_url, tmp_path):
    """On SQLite the worker's pool does not ping (no SELECT 1 per transaction: a file has no
    server to drop a connection); on PostgreSQL it does, so that a job's progress write or
    completion after a server restart reconnects instead of failing the attempt."""
    from tasks.broker import worker_app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    app = worker_app()
    sqlite = database_url.startswith("sqlite")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is not sqlite
