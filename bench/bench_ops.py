"""What the admins' pages cost as the jobs table grows: 1 thousand rows, 100 thousand, a million.

For each table size the same requests run in this process through Flask's test client, signed in
as an admin: /ops (queues, workers, charts, alerts, audit log), its one live refresh
(/ops/live), the failed list (all, by type, by error code, one page back), the search (by status,
by owner) and /metrics; a minimal Flask endpoint in the same app is the baseline. A day of
per-minute figures is in place, as the scheduler's roll-up leaves it, so the charts draw real
points. It prints milliseconds per request and, per size, the ratio against the smallest run
(the target: a million rows within 2x of a thousand).

Usage: python bench/bench_ops.py [SIZES]   e.g. 1000,100000 (default) or 1000,100000,1000000
Set BENCH_DATABASE_URL to measure on PostgreSQL (its `public` schema is dropped and rebuilt).
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bench.bench_polls import build_app, make_users, print_table, sign_in, write_results
from bench.benchjson import take_json_path
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.ops import JobMinute
from webapp.models.types import utcnow

REQUESTS = 50
ROUNDS = 3
CHUNK = 20_000
# The table grows with history: finished jobs. The work in hand (ACTIVE) is the same at every
# size, as on a real system whose backlog does not grow with its past.
STATUSES = ("completed",) * 16 + ("failed", "failed", "cancelled")
ACTIVE = ("pending",) * 200 + ("processing",) * 8
TYPES = ("sales_report", "orders_export", "ping")
QUEUES = {"sales_report": "reports", "orders_export": "exports", "ping": "default"}
CODES = ("E5001", "E7003", "E5002")
HX = {"HX-Request": "true"}


def add_rows(count: int, owners: list[int], start: datetime) -> None:
    """Insert `count` synthetic jobs of many owners and every state, oldest first."""
    for base in range(0, count, CHUNK):
        rows = []
        for n in range(base, min(count, base + CHUNK)):
            created = start + timedelta(seconds=n)
            status, job_type = STATUSES[n % len(STATUSES)], TYPES[n % 3]
            ended = created + timedelta(seconds=3)
            rows.append(
                dict(
                    id=f"job-bench-{n:08d}-{secrets.token_hex(4)}",
                    user_id=owners[n % 3],
                    type=job_type,
                    queue=QUEUES[job_type],
                    status=status,
                    progress=100 if status == "completed" else 0,
                    message="",
                    input_data={
                        "date_from": "2025-01-01",
                        "date_to": "2025-01-31",
                        "format": "pdf",
                    },
                    created_at=created,
                    available_at=created,
                    updated_at=ended,
                    expires_at=created + timedelta(days=1),
                    started_at=created,
                    completed_at=ended if status == "completed" else None,
                    failed_at=ended if status == "failed" else None,
                    error_code=CODES[n % 3] if status == "failed" else None,
                    error_message="Report generation failed" if status == "failed" else None,
                    attempts=3 if status == "failed" else 1,
                    max_attempts=3,
                )
            )
        db.session.execute(insert(Job), rows)
        db.session.commit()


def add_active(owners: list[int]) -> None:
    """The work in hand: 200 waiting jobs and 8 running, created in the last minutes."""
    now = utcnow()
    db.session.execute(
        insert(Job),
        [
            dict(
                id=f"job-active-{n:05d}-{secrets.token_hex(4)}",
                user_id=owners[n % 3],
                type=TYPES[n % 3],
                queue=QUEUES[TYPES[n % 3]],
                status=status,
                progress=0,
                message="",
                input_data={},
                created_at=now - timedelta(seconds=n),
                available_at=now - timedelta(seconds=n),
                updated_at=now,
                expires_at=now + timedelta(days=1),
                attempts=0,
                max_attempts=3,
            )
            for n, status in enumerate(ACTIVE)
        ],
    )
    db.session.commit()


def add_day_of_minutes() -> None:
    """A day of per-minute figures for three queues, as the roll-up leaves them."""
    now = utcnow().replace(second=0, microsecond=0)
    db.session.execute(
        insert(JobMinute),
        [
            dict(
                minute=now - timedelta(minutes=m),
                queue=QUEUES[t],
                type=t,
                completed=40,
                failed=2,
                wait_hist={"30": 30, "40": 12},
                run_hist={"45": 35, "52": 7},
                wait_sum=30.0,
                run_sum=300.0,
            )
            for m in range(1, 24 * 60 + 1)
            for t in TYPES
        ],
    )
    db.session.commit()


def timed(client, path: str, headers: dict | None = None) -> float:  # type: ignore[no-untyped-def]
    """Milliseconds per request for `path`: the best of ROUNDS rounds of REQUESTS (after a
    warm-up), so a busy moment of the machine does not pass for the page's cost."""
    for _ in range(5):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        best = min(best, (time.perf_counter() - started) * 1000 / REQUESTS)
    return best


def measure(app, size: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Fill the table to `size` rows and time every request."""
    with app.app_context():
        have = db.session.scalar(text("SELECT count(*) FROM jobs")) or 0
        owners = [u.id for u in db.session.execute(text("SELECT id FROM users ORDER BY id"))]
        start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=have)
        add_rows(size - have - (0 if have else len(ACTIVE)), owners, start)
        if not have:
            add_active(owners)
        db.session.execute(
            text("ANALYZE jobs" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        )
        db.session.commit()
        older = db.session.execute(
            text(
                "SELECT failed_at, id FROM jobs WHERE status = 'failed' ORDER BY failed_at DESC,"
                " id DESC LIMIT 1 OFFSET 49"
            )
        ).one()
    admin = app.test_client()
    sign_in(admin, "admin@bench.example.com")
    failed_page_two = admin.get("/ops/failed").get_data(as_text=True)
    match = re.search(r'href="(/ops/failed\?[^"]*(?:before|after|cursor)[^"]*)"', failed_page_two)
    assert match, f"no 'older' link on the failed list (row 50 is {older.id})"
    return {
        "minimal endpoint": timed(admin, "/bench-minimal"),
        "/ops": timed(admin, "/ops/"),
        "/ops/live (the refresh)": timed(admin, "/ops/live", HX),
        "failed list": timed(admin, "/ops/failed"),
        "failed list, page 2": timed(admin, match.group(1).replace("&amp;", "&")),
        "failed ?type=ping": timed(admin, "/ops/failed?type=ping"),
        "failed ?error_code=E7003": timed(admin, "/ops/failed?error_code=E7003"),
        "search ?status=pending": timed(admin, "/ops/jobs?status=pending"),
        "search ?owner=staff": timed(admin, "/ops/jobs?owner=staff%40bench.example.com"),
        "/metrics": timed(admin, "/metrics"),
    }


def main() -> None:
    """Measure at each size and print the table."""
    json_path = take_json_path()
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1000,100000").split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        app = build_app(database_url, Path(tmp))
        with app.app_context():
            make_users()
            add_day_of_minutes()
        results = {size: measure(app, size) for size in sorted(sizes)}
    dialect = re.sub(r"[+:].*", "", database_url)
    title = f"{dialect}, best of {ROUNDS} rounds of {REQUESTS} requests, ms per request"
    print_table(title, results)
    write_results(json_path, title, results, ())


if __name__ == "__main__":
    main()
