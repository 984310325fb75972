"""The JSON API under gunicorn, as deployed: requests/s and latency against a minimal endpoint.

Starts gunicorn like the Procfile's web line (2 workers x 4 threads, gthread) on 127.0.0.1
with a temporary SQLite database (JOBS rows of history, so the ETA has figures) and a private
Redis, then loads it from another process (this one) with 32 threads, each on its own
keep-alive connection, REQUESTS requests per endpoint, at most DEADLINE seconds each (the
load loop is bench_poll_gunicorn.py's):

- minimal: a bare Flask endpoint returning a small JSON object
- POST /v1/reports/sales: token check, validation, the ETA, INSERT + COMMIT, the message to
  Redis, the rate limit's count in Redis
- GET /v1/jobs/<id>: token check, the row, the status body, the ETA and Retry-After

Each endpoint runs ROUNDS rounds, taking turns, and keeps its best round, so that a busy moment
on a shared machine does not pass for the endpoint's cost. It prints requests/s, p50 and p99 in
ms and each one's throughput over the minimal one's (targets: POST 0.5x or more, GET 0.7x or
more, p99 20 ms or less).

Usage: python bench/bench_api.py [JOBS]   (default 10000)
Set BENCH_DATABASE_URL to measure on PostgreSQL (its `public` schema is dropped and rebuilt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_poll_gunicorn import HOST, free_port, load, wait_for  # noqa: E402
from bench_polls import add_rows, build_app  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402
from webapp.auth.service import create_user  # noqa: E402
from webapp.embedded_redis import EmbeddedRedis  # noqa: E402
from webapp.extensions import db  # noqa: E402

CONNECTIONS = 32
REQUESTS = 3000
ROUNDS = 3
WSGI = '''
"""The app for the benchmark: the bench's settings and a minimal JSON endpoint."""
import os
from flask import jsonify
from webapp import PUBLIC_ENDPOINTS, create_app

app = create_app({
    "TAMAM_ENV": "testing",
    "SECRET_KEY": "bench",
    "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_URL"],
    "REDIS_URL": os.environ["BENCH_REDIS"],
    "INSTANCE_DIR": os.environ["BENCH_INSTANCE"],
    "STORAGE_DIR": os.environ["BENCH_INSTANCE"] + "/storage",
    "API_RATE_LIMIT": "1000000 per minute",
})
app.add_url_rule("/bench-minimal", "bench_minimal", lambda: jsonify(ok=True))
PUBLIC_ENDPOINTS.add("bench_minimal")  # no session, like the API: a fair baseline
'''
BODY = json.dumps({"from": "2025-01-01", "to": "2025-01-31", "format": "csv"})


def seed(database_url: str, instance: Path, jobs: int) -> tuple[str, str]:
    """Migrate, a user with a token, JOBS rows of history; (token, one pending job's id)."""
    from webapp.api.tokens import create_token

    app = build_app(database_url, instance)
    with app.app_context():
        user = create_user("api@bench.example.com", "bench-password")
        others = [create_user(f"other{n}@bench.example.com", "bench-password") for n in (1, 2)]
        add_rows(jobs, [user.id] + [o.id for o in others], datetime(2020, 1, 1, tzinfo=UTC))
        pending = db.session.scalar(
            text("SELECT id FROM jobs WHERE status = 'pending' AND user_id = :u LIMIT 1"),
            {"u": user.id},
        )
        # An integrator with a long history and one job waiting (the others' queues stay full).
        db.session.execute(
            text("UPDATE jobs SET status = 'completed', progress = 100 WHERE user_id = :u "
                 "AND status IN ('pending', 'processing') AND id != :j"),
            {"u": user.id, "j": pending},
        )  # fmt: skip
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        _, secret = create_token(user, "bench")
        db.session.remove()
        db.engine.dispose()
    return secret, pending


def main() -> None:
    """Seed, start Redis and gunicorn, load each endpoint, print the table."""
    json_path = take_json_path()
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        redis = EmbeddedRedis(instance / "redis").start()
        try:
            secret, pending = seed(database_url, instance, jobs)
            (instance / "bench_wsgi.py").write_text(WSGI)
            port = free_port()
            env = {**os.environ, "BENCH_URL": database_url, "BENCH_INSTANCE": tmp,
                   "BENCH_REDIS": redis.url, "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}  # fmt: skip
            gunicorn = Path(sys.executable).with_name("gunicorn")
            command = [str(gunicorn), "--bind", f"{HOST}:{port}", "--workers", "2",
                       "--threads", "4", "--no-control-socket", "--log-level", "warning",
                       "bench_wsgi:app"]  # fmt: skip
            proc = subprocess.Popen(command, env=env, cwd=tmp)
            try:
                wait_for(port, proc)
                auth = {"Authorization": f"Bearer {secret}"}
                post = {**auth, "Content-Type": "application/json"}
                cases = [
                    ("minimal JSON endpoint", "GET", "/bench-minimal", {}, None, 200),
                    ("POST /v1/reports/sales", "POST", "/v1/reports/sales", post, BODY, 202),
                    ("GET /v1/jobs/<id>", "GET", f"/v1/jobs/{pending}", auth, None, 200),
                ]  # fmt: skip
                for _, method, path, headers, body, status in cases:  # warm every worker
                    load(port, path, headers, status, method=method, body=body,
                         requests=CONNECTIONS * 4)  # fmt: skip
                results: dict[str, dict[str, float]] = {}
                for _ in range(ROUNDS):
                    for name, method, path, headers, body, status in cases:
                        figures = load(port, path, headers, status, method=method, body=body,
                                       requests=REQUESTS)  # fmt: skip
                        if name not in results or figures["rps"] > results[name]["rps"]:
                            results[name] = figures
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        finally:
            redis.stop()
    base = results["minimal JSON endpoint"]["rps"]
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"gunicorn 2 workers x 4 threads, {database}, {jobs:,} jobs, private Redis; "
          f"{CONNECTIONS} connections, best of {ROUNDS} rounds of {REQUESTS} requests")  # fmt: skip
    print(f"{'':28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs minimal':>12}{'target':>9}")
    targets = {"POST /v1/reports/sales": 0.5, "GET /v1/jobs/<id>": 0.7}
    for name, figures in results.items():
        target = f"{targets[name]:.1f}x" if name in targets else ""
        print(f"{name:28}{figures['rps']:>9.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}"
              f"{figures['rps'] / base:>11.2f}x{target:>9}")  # fmt: skip
    rows = [[name, round(f["rps"]), round(f["p50"], 1), round(f["p99"], 1),
             round(f["rps"] / base, 2), f"{targets[name]:.1f}x" if name in targets else ""]
            for name, f in results.items()]  # fmt: skip
    write_json(
        json_path,
        database=database,
        tables=[table(f"gunicorn 2x4, {jobs:,} jobs, {CONNECTIONS} connections",
                      ["endpoint", "req/s", "p50 ms", "p99 ms", "vs minimal", "target"], rows)],
        headline=[headline(f"{name} req/s vs minimal", results[name]["rps"] / base,
                           f">= {targets[name]}") for name in targets],
        figures=results,
    )  # fmt: skip


if __name__ == "__main__":
    main()
