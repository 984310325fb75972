"""What the staff pages' polls and lists cost as the jobs table grows: 1 thousand rows, then more.

For each table size the same requests run in this process through Flask's test client, signed in
as a staff member with 25 jobs of their own among everyone's: the running job's page poll
(/jobs/<id>/live, rendered and as the 204 it answers while nothing changed), a row poll
(/jobs/<id>/row), My jobs' one poll for 12 active rows (/jobs/live, none changed: 204; all
changed: 12 rows out of band), the same poll for the 50 running rows a busy staff member's My
jobs can hold (LIVE_ROWS_MAX, the most one poll names), My jobs filtered by status, and an admin's
lists (all, by status, by type); a minimal Flask endpoint in the same app is the baseline.
It prints milliseconds per request (the best of 3 rounds of 200) and, per size, the ratio
against the 1 thousand row run (the target: within 2x at a million rows).

Usage: python bench/bench_polls.py [SIZES] [--json PATH]   e.g. 1000,100000 (default)
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

from sqlalchemy import insert, select, text

from bench.benchjson import headline, table, take_json_path, write_json
from webapp import create_app
from webapp.auth.service import create_user
from webapp.extensions import db
from webapp.models.job import Job

REQUESTS = 200
ROUNDS = 3  # the best of 3 rounds: a busy moment on the machine slows one round, not all three
CHUNK = 20_000
STATUSES = ("completed",) * 16 + ("failed", "cancelled", "pending", "processing")
TYPES = ("sales_report", "orders_export", "ping")
HX = {"HX-Request": "true"}
RUNNING = 50  # the staff member's running jobs: My jobs' poll names at most 50 rows
# The polls an open page sends, compared with the minimal endpoint in the JSON's headline.
POLLS = ("job page poll, unchanged", "list poll, 50 rows unchanged", "list poll, 50 rows changed")


def build_app(database_url: str, instance: Path):  # type: ignore[no-untyped-def]
    """The app on a fresh database, with a minimal endpoint for the baseline."""
    from flask_migrate import upgrade

    app = create_app(
        {
            "TAMAM_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_DIR": str(instance),
            "STORAGE_DIR": str(instance / "storage"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.add_url_rule("/bench-minimal", "bench_minimal", lambda: "ok")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    return app


def add_rows(count: int, owners: list[int], start: datetime) -> None:
    """Insert `count` synthetic jobs of many owners, oldest first, in chunks."""
    for base in range(0, count, CHUNK):
        rows = []
        for n in range(base, min(count, base + CHUNK)):
            created = start + timedelta(seconds=n)
            status = STATUSES[n % len(STATUSES)]
            rows.append(
                dict(
                    id=f"job-bench-{n:08d}-{secrets.token_hex(4)}", user_id=owners[n % 3],
                    type=TYPES[n % 3], queue="reports", status=status, progress=100,
                    message="", input_data={"date_from": "2025-01-01", "date_to": "2025-01-31",
                    "format": "pdf"}, created_at=created, available_at=created,
                    updated_at=created, expires_at=created + timedelta(days=1),
                    started_at=created, completed_at=created + timedelta(seconds=3),
                    attempts=1, max_attempts=3,
                )
            )  # fmt: skip
        db.session.execute(insert(Job), rows)
        db.session.commit()


def timed(client, path: str, headers: dict | None = None, status: int = 200) -> float:  # type: ignore[no-untyped-def]
    """Milliseconds per request for `path` (after a warm-up, the best of ROUNDS rounds), failing
    on any other status."""
    for _ in range(10):
        assert client.get(path, headers=headers).status_code == status, path
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        best = min(best, time.perf_counter() - started)
    return best * 1000 / REQUESTS


def add_running(owner: int) -> None:
    """RUNNING jobs of the owner in progress, as a busy My jobs page shows them."""
    now = datetime.now(UTC)
    db.session.execute(
        insert(Job),
        [
            dict(
                id=f"job-bench-running-{n:03d}", user_id=owner, type="sales_report",
                queue="reports", status="processing", progress=40, message="",
                input_data={"date_from": "2025-01-01", "date_to": "2025-01-31", "format": "pdf"},
                created_at=now - timedelta(minutes=1, seconds=n), available_at=now,
                updated_at=now, expires_at=now + timedelta(days=1), started_at=now,
                attempts=1, max_attempts=3,
            )
            for n in range(RUNNING)
        ],
    )  # fmt: skip
    db.session.commit()


def live_rows(owner: int, count: int = 12) -> tuple[str, str]:
    """?rows= for `count` of the owner's active jobs: with their versions, and stale ones."""
    from webapp.jobs.present import row_version

    active = ("pending", "processing") if count < RUNNING else ("processing",)
    jobs = db.session.scalars(
        select(Job).where(Job.user_id == owner, Job.status.in_(active)).limit(count)
    ).all()
    assert len(jobs) == count, "too few active jobs for the list poll"
    fresh = ",".join(f"{job.id}.{row_version(job)}" for job in jobs)
    return fresh, ",".join(f"{job.id}.000000000000" for job in jobs)


def page_version(client, job_id: str) -> str:  # type: ignore[no-untyped-def]
    """The version the job page's poll got last (what app.js sends back)."""
    return client.get(f"/jobs/{job_id}/live", headers=HX).headers["X-Job-Version"]


def sign_in(client, email: str) -> None:  # type: ignore[no-untyped-def]
    """Through the real form (CSRF is off for the bench)."""
    response = client.post("/login", data={"email": email, "password": "bench-password"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def measure(app, size: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Fill the table to `size` rows and time every request."""
    with app.app_context():
        have = db.session.scalar(text("SELECT count(*) FROM jobs")) or 0
        owners = [u.id for u in db.session.execute(text("SELECT id FROM users ORDER BY id"))]
        start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=have)
        add_rows(size - have, owners, start)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE jobs"))
        else:
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        running = db.session.scalar(
            text("SELECT id FROM jobs WHERE status = 'processing' AND user_id = :u LIMIT 1"),
            {"u": owners[0]},
        )
        rows, stale = live_rows(owners[0])
        rows50, stale50 = live_rows(owners[0], RUNNING)
    staff, admin = app.test_client(), app.test_client()
    sign_in(staff, "staff@bench.example.com")
    sign_in(admin, "admin@bench.example.com")
    return {
        "minimal endpoint": timed(staff, "/bench-minimal"),
        "job page poll": timed(staff, f"/jobs/{running}/live", HX),
        "job page poll, unchanged": timed(
            staff,
            f"/jobs/{running}/live",
            {**HX, "X-Job-Version": page_version(staff, running)},
            status=204,
        ),
        "list poll, 12 rows unchanged": timed(staff, f"/jobs/live?rows={rows}", HX, status=204),
        "list poll, 12 rows changed": timed(staff, f"/jobs/live?rows={stale}", HX),
        "list poll, 50 rows unchanged": timed(staff, f"/jobs/live?rows={rows50}", HX, status=204),
        "list poll, 50 rows changed": timed(staff, f"/jobs/live?rows={stale50}", HX),
        "row poll": timed(staff, f"/jobs/{running}/row", HX),
        "My jobs ?status=pending": timed(staff, "/jobs?status=pending"),
        "admin all jobs": timed(admin, "/jobs"),
        "admin ?status=failed": timed(admin, "/jobs?status=failed"),
        "admin ?type=ping": timed(admin, "/jobs?type=ping"),
    }


def make_users() -> None:
    """A staff member, an admin and another staff member, with the bench password."""
    for email, role in (("staff@bench.example.com", "staff"),
                        ("admin@bench.example.com", "admin"),
                        ("other@bench.example.com", "staff")):  # fmt: skip
        create_user(email, "bench-password", role=role)


def print_table(title: str, results: dict[int, dict[str, float]]) -> None:
    """ms per request at each size, with the ratio to the smallest size."""
    sizes = sorted(results)
    base = results[sizes[0]]
    print(f"{title} (ratio to {sizes[0]:,} rows)")
    print(f"{'':28}" + "".join(f"{size:>22,}" for size in sizes))
    for name in base:
        cells = "".join(
            f"{results[s][name]:>13.2f} ({results[s][name] / base[name]:4.2f}x)" for s in sizes
        )
        print(f"{name:28}{cells}")


def main() -> None:
    """Measure at each size and print the table."""
    json_path = take_json_path()
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1000,100000").split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        app = build_app(database_url, Path(tmp))
        with app.app_context():
            make_users()
            staff = db.session.scalar(text("SELECT min(id) FROM users"))
            add_running(staff)
        results = {size: measure(app, size) for size in sorted(sizes)}
    dialect = re.sub(r"[+:].*", "", database_url)
    title = f"{dialect}, {REQUESTS} requests each, ms per request"
    print_table(title, results)
    write_results(json_path, title, results)


def write_results(
    json_path: Path | None,
    title: str,
    results: dict[int, dict[str, float]],
    against_minimal: tuple[str, ...] = POLLS,
) -> None:
    """The table as JSON: ms at each size, the ratios to the minimal endpoint and to size 1."""
    sizes = sorted(results)
    first, last = results[sizes[0]], results[sizes[-1]]
    minimal = last["minimal endpoint"]
    columns = ["request", *(f"{size:,} rows ms" for size in sizes), "vs minimal",
               f"{sizes[-1]:,} / {sizes[0]:,}"]  # fmt: skip
    rows = [[name, *(round(results[s][name], 2) for s in sizes), round(last[name] / minimal, 2),
             round(last[name] / first[name], 2)] for name in first]  # fmt: skip
    worst = max(last[name] / first[name] for name in first)
    lines = [headline(f"worst page time, {sizes[-1]:,} / {sizes[0]:,} rows", worst, "<= 2")]
    lines += [
        headline(f"{name}, time vs minimal", last[name] / minimal) for name in against_minimal
    ]
    write_json(
        json_path,
        tables=[table(title, columns, rows)],
        headline=lines,
        figures={"sizes": sizes, "ms": {str(s): results[s] for s in sizes}},
    )


if __name__ == "__main__":
    main()
