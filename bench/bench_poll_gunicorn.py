"""The staff pages' polls under gunicorn, as deployed: requests/s and latency against a bare one.

Starts gunicorn like the Procfile's web line (2 workers x 4 threads, gthread) on 127.0.0.1 and a
temporary SQLite database seeded with JOBS rows (12 of them the signed-in staff member's active
jobs), then loads it from this process with 32 threads, each on its own keep-alive connection,
REQUESTS requests per endpoint, at most DEADLINE seconds each:

- minimal: a Flask endpoint returning "ok" (still signed in: the session is read, as for a poll)
- job page poll: /jobs/<id>/live sending back the version of its last answer, as app.js does
  (nothing changed: 204; a render when the version's 15 s tick moves on)
- job page poll, rendered: the same without the version (the live part rendered)
- list poll: /jobs/live?rows= for the 12 active rows, nothing changed (204)
- list poll, 12 changed: stale versions, so all 12 rows come back out of band

It prints requests/s, p50 and p99 in ms, and each poll's throughput over the minimal one's
(target: 0.7 or more for the polls that find nothing changed, what a page sends most).

Usage: python bench/bench_poll_gunicorn.py [JOBS]   (default 100000)
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_polls import add_rows, build_app, live_rows  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402
from webapp.auth.service import create_user  # noqa: E402
from webapp.extensions import db  # noqa: E402

CONNECTIONS = 32
REQUESTS = 4000
DEADLINE = 60.0
HOST = "127.0.0.1"
WSGI = '''
"""The app for the benchmark: the bench's settings and a minimal endpoint."""
import os
from webapp import create_app

app = create_app({
    "TAMAM_ENV": "testing",
    "SECRET_KEY": "bench",
    "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_URL"],
    "INSTANCE_DIR": os.environ["BENCH_INSTANCE"],
    "STORAGE_DIR": os.environ["BENCH_INSTANCE"] + "/storage",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "WTF_CSRF_ENABLED": False,
})
app.add_url_rule("/bench-minimal", "bench_minimal", lambda: "ok")
'''


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def seed(database_url: str, instance: Path, jobs: int) -> tuple[str, str, str]:
    """Migrate, create the users and JOBS rows; the staff member's running job and ?rows=."""
    app = build_app(database_url, instance)
    with app.app_context():
        for email, role in (("staff@bench.example.com", "staff"),
                            ("admin@bench.example.com", "admin"),
                            ("other@bench.example.com", "staff")):  # fmt: skip
            create_user(email, "bench-password", role=role)
        owners = [u.id for u in db.session.execute(text("SELECT id FROM users ORDER BY id"))]
        add_rows(jobs, owners, datetime(2020, 1, 1, tzinfo=UTC))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        running = db.session.scalar(
            text("SELECT id FROM jobs WHERE status = 'processing' AND user_id = :u LIMIT 1"),
            {"u": owners[0]},
        )
        fresh, stale = live_rows(owners[0])
        db.session.remove()
        db.engine.dispose()
    return running, fresh, stale


def sign_in(port: int) -> str:
    """The session cookie of the staff member, through the real sign-in form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    body = urllib.parse.urlencode(
        {"email": "staff@bench.example.com", "password": "bench-password"}
    )
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    cookies = [v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return "; ".join(cookies)


def load(port: int, path: str, headers: dict[str, str], status: int, *, method: str = "GET",
         body: str | None = None, requests: int | None = None) -> dict[str, float]:  # fmt: skip
    """`requests` (REQUESTS) requests over CONNECTIONS keep-alive connections: requests/s,
    p50, p99 (ms). bench_api.py loads its POSTs with it too.

    With an X-Job-Version header each connection sends back the version of its last 200, as
    the page's script does; those 200s are allowed and counted (`rendered`).
    """
    latencies: list[float] = []
    lock = threading.Lock()
    left = [REQUESTS if requests is None else requests]
    errors: list[str] = []
    rendered = [0]
    stop_at = time.monotonic() + DEADLINE
    follows = "X-Job-Version" in headers

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        sent = dict(headers)
        while time.monotonic() < stop_at:
            with lock:
                if left[0] == 0:
                    break
                left[0] -= 1
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            mine.append((time.perf_counter() - started) * 1000)
            if follows and response.status == 200:
                sent["X-Job-Version"] = response.getheader("X-Job-Version") or ""
                with lock:
                    rendered[0] += 1
            elif response.status != status:
                errors.append(f"{method} {path}: {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    cuts = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50": cuts[49], "p99": cuts[98],
            "rendered": rendered[0]}  # fmt: skip


def wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until gunicorn answers (or died, or 30 s passed)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 30 s")


def main() -> None:
    """Seed, start gunicorn, load each endpoint, print the table."""
    json_path = take_json_path()
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        database_url = f"sqlite:///{tmp}/bench.db"
        running, fresh, stale = seed(database_url, instance, jobs)
        (instance / "bench_wsgi.py").write_text(WSGI)
        port = free_port()
        env = {**os.environ, "BENCH_URL": database_url, "BENCH_INSTANCE": tmp,
               "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}  # fmt: skip
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", "4",
                   "--no-control-socket", "--log-level", "warning", "bench_wsgi:app"]  # fmt: skip
        proc = subprocess.Popen(command, env=env, cwd=tmp)
        try:
            wait_for(port, proc)
            cookie = sign_in(port)
            hx = {"Cookie": cookie, "HX-Request": "true"}
            cases = [
                ("minimal endpoint", "/bench-minimal", {"Cookie": cookie}, 200),
                ("job page poll (unchanged, 204)", f"/jobs/{running}/live",
                 {**hx, "X-Job-Version": ""}, 204),
                ("job page poll (rendered)", f"/jobs/{running}/live", hx, 200),
                ("list poll, 12 rows (unchanged, 204)", f"/jobs/live?rows={fresh}", hx, 204),
                ("list poll, 12 rows changed", f"/jobs/live?rows={stale}", hx, 200),
            ]  # fmt: skip
            for _, path, headers, status in cases:  # warm-up: every worker, every path
                load_small(port, path, headers, status)
            results = {
                name: load(port, path, headers, status) for name, path, headers, status in cases
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    base = results["minimal endpoint"]["rps"]
    print(f"gunicorn 2 workers x 4 threads, SQLite, {jobs:,} jobs; {CONNECTIONS} connections, "
          f"{REQUESTS} requests each")  # fmt: skip
    print(f"{'':38}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs minimal':>12}")
    for name, figures in results.items():
        print(f"{name:38}{figures['rps']:>9.0f}{figures['p50']:>9.1f}{figures['p99']:>9.1f}"
              f"{figures['rps'] / base:>11.2f}x")  # fmt: skip
    renders = results["job page poll (unchanged, 204)"]["rendered"]
    print(f"(the job page poll rendered {renders} of its {REQUESTS} answers: one per connection "
          "at its first request and at each 15 s tick)")  # fmt: skip
    rows = [[name, round(f["rps"]), round(f["p50"], 1), round(f["p99"], 1),
             round(f["rps"] / base, 2)] for name, f in results.items()]  # fmt: skip
    write_json(
        json_path,
        database="SQLite",
        tables=[table(f"gunicorn 2x4, SQLite, {jobs:,} jobs, {CONNECTIONS} connections",
                      ["endpoint", "req/s", "p50 ms", "p99 ms", "vs minimal"], rows)],
        headline=[headline(f"{name} req/s vs minimal", results[name]["rps"] / base, ">= 0.7")
                  for name in results if "unchanged" in name],
        figures=results,
    )  # fmt: skip


def load_small(port: int, path: str, headers: dict[str, str], status: int) -> None:
    """A few requests per connection before measuring."""
    load(port, path, headers, status, requests=CONNECTIONS * 4)


if __name__ == "__main__":
    main()
