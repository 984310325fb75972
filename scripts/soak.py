"""Fault soak: real processes, jobs of every kind, faults injected; nothing lost or doubled.

    make soak SOAK_ARGS=--short          # CI: a few hundred jobs, each fault once, < 5 min
    make soak SOAK_ARGS="--jobs 3000 --minutes 10 --seed 7"

Starts a private redis-server (unless SOAK_REDIS_URL), gunicorn (2 workers), two supervised
`dramatiq tasks.worker` commands, the scheduler and a local SMTP server; SQLite in a temporary
folder unless SOAK_DATABASE_URL (PostgreSQL: its schema is dropped and rebuilt, then
`flask db upgrade`). Submits through the JSON API (reports, exports, imports, with
Idempotency-Key and retries as a client would) and through the services the pages call (ping,
announcements, cancels), while it injects, at times drawn from a seeded RNG (--seed replays):
SIGKILL of a worker process every few seconds; Redis restarted empty; a web process killed
between a job's commit and its send (webapp/engine/faults.py); the database made unavailable
(PostgreSQL: ALLOW_CONNECTIONS false and every session terminated; SQLite: an exclusive lock
held past the 15 s busy timeout, so writers fail); one worker's clock 30 s off (libfaketime).
Then it waits until every job and every outbox row is final and runs scripts/proof/checks.py.
Exit 1 on anything lost or doubled, or when the wait times out.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

import requests

from scripts.proof import stack
from scripts.proof.checks import wait_until_final
from scripts.proof.launcher import Launcher, Proc
from scripts.proof.mailbox import Mailbox, free_port
from scripts.proof.procfs import alive, descendants

# What is submitted, by weight.
KINDS = {"ping": 40, "sales_report": 15, "orders_export": 15, "import": 12, "announcement": 6,
         "cancel": 4}  # fmt: skip
START = time.monotonic()


def now() -> float:
    """Seconds since the soak started."""
    return time.monotonic() - START


def say(text: str) -> None:
    """One line of the soak's own output, stamped with the run time."""
    print(f"[{now():6.1f}s] {text}", flush=True)


@dataclass
class Tally:
    """What was submitted and what the faults did, filled in by several threads."""

    submitted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    answer_lost: int = 0
    retried_posts: int = 0
    faults: list[tuple[float, float, str, str]] = field(default_factory=list)  # start, end, ...
    killed_pids: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, started: float, name: str, detail: str) -> None:
        """Record one fault injected from `started` until now."""
        with self.lock:
            self.faults.append((started, now(), name, detail))
        say(f"FAULT {name}: {detail}")


# --- set-up ----------------------------------------------------------------------------------


# --- submitting ------------------------------------------------------------------------------


class Submitter:
    """Submits one job of a kind, through the API or the services, as a client would."""

    def __init__(self, app: Any, base: str, token: str, staff_id: int, rng: random.Random,
                 tally: Tally) -> None:  # fmt: skip
        self.app, self.base, self.staff_id, self.tally = app, base, staff_id, tally
        self.headers = {"Authorization": f"Bearer {token}"}
        self.rng = random.Random(rng.random())
        self.rng_lock = threading.Lock()
        self.imported = 0
        self.job_ids: list[str] = []

    def period(self) -> tuple[str, str]:
        """A short period inside the demo data."""
        with self.rng_lock:
            back = self.rng.randint(5, 50)
            span = self.rng.randint(1, 10)
        end = date.today() - timedelta(days=back)
        return (end - timedelta(days=span)).isoformat(), end.isoformat()

    def pick(self, *choices: Any) -> Any:
        """A seeded choice, safe from several threads."""
        with self.rng_lock:
            return self.rng.choice(choices)

    def post(self, kind: str, path: str, **kwargs: Any) -> None:
        """POST with an Idempotency-Key; retry the same key on a broken answer (up to 60 s)."""
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        deadline = time.monotonic() + 60
        tries = 0
        while True:
            tries += 1
            try:
                response = requests.post(self.base + path, headers=headers, timeout=30, **kwargs)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code == 202:
                with self.tally.lock:
                    self.tally.submitted[kind] += 1
                    self.tally.retried_posts += tries > 1
                    self.job_ids.append(response.json()["job_id"])
                return
            if response is not None and response.status_code < 500:
                with self.tally.lock:
                    self.tally.refused[f"{kind} {response.status_code}"] += 1
                return
            if time.monotonic() > deadline:
                with self.tally.lock:
                    self.tally.answer_lost += 1
                return
            time.sleep(0.5)  # a client's pause before it tries the same request again

    def service(self, kind: str, job_type: str, params: dict[str, Any]) -> str | None:
        """Submit as the pages do (webapp.engine.service.submit); None when refused."""
        from webapp.engine import service
        from webapp.extensions import db
        from webapp.models.user import User

        with self.app.app_context():
            try:
                job = service.submit(db.session.get(User, self.staff_id), job_type, params)
                job_id = job.id
            except Exception as exc:  # the database is down: the page would show an error
                with self.tally.lock:
                    self.tally.refused[f"{kind} {type(exc).__name__}"] += 1
                return None
            finally:
                db.session.remove()
        with self.tally.lock:
            self.tally.submitted[kind] += 1
            self.job_ids.append(job_id)
        return job_id

    def cancel_one(self) -> None:
        """Submit a slow ping and cancel it as the job page's button does."""
        from webapp.engine import service
        from webapp.extensions import db

        job_id = self.service("ping (cancelled)", "ping", {"duration": 3, "steps": 10})
        if job_id is None:
            return
        time.sleep(self.pick(0.0, 0.5, 1.5))  # cancel while pending, or while it runs
        with self.app.app_context():
            with contextlib.suppress(Exception):  # already final, or the database is down
                service.cancel_job(service.get_job(job_id))
            db.session.remove()

    def submit(self, kind: str) -> None:
        """One job of `kind`."""
        if kind == "ping":
            duration = self.pick(0, 0, 0.2, 1.0, 2.5)
            self.service(kind, "ping", {"duration": duration, "steps": 5})
        elif kind == "sales_report":
            start, end = self.period()
            body = {"from": start, "to": end, "format": self.pick("pdf", "excel", "csv")}
            self.post(kind, "/v1/reports/sales", json=body)
        elif kind == "orders_export":
            start, end = self.period()
            body = {"from": start, "to": end, "format": self.pick("excel", "csv")}
            self.post(kind, "/v1/exports/orders", json=body)
        elif kind == "import":
            with self.rng_lock:
                self.imported += 1
                n = self.imported
            rows = ["email,name,region,phone,customer_since"]
            rows += [f"soak{n}-{i}@proof.example,Soak {n} {i},North,,2024-01-15" for i in range(3)]
            data = ("\r\n".join(rows) + "\r\n").encode()
            mode = self.pick("check", "apply")
            files = {"file": (f"customers-{n}.csv", data, "text/csv")}
            self.post(kind, "/v1/imports/customers", files=files, data={"mode": mode})
        elif kind == "announcement":
            region = self.pick("South", "East", "West")
            params = {"subject": "Soak {name}", "body": "Hello {name}", "audience": "region",
                      "region": region, "channels": ["email"]}  # fmt: skip
            self.service(kind, "announcement", params)
        elif kind == "cancel":
            self.cancel_one()


def plan_jobs(rng: random.Random, jobs: int, window: float) -> list[tuple[float, str]]:
    """(when, kind) for every job, spread over `window` seconds."""
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=jobs)
    return sorted((rng.uniform(0, window), kind) for kind in kinds)


def run_submissions(submitter: Submitter, plan: list[tuple[float, str]], offset: float) -> None:
    """Submit the plan on time from 6 threads."""

    def one(item: tuple[float, str]) -> None:
        wait = offset + item[0] - now()
        if wait > 0:
            time.sleep(wait)  # the plan's time for this submission
        submitter.submit(item[1])

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(one, plan))


# --- faults ----------------------------------------------------------------------------------


class Faults:
    """The faults, each a method; the worker killer runs in a thread of its own."""

    def __init__(self, rng: random.Random, tally: Tally, workers: list[Proc], web: Proc,
                 redis: stack.Redis, database_url: str, trigger: Path) -> None:  # fmt: skip
        self.rng, self.tally, self.workers, self.web = rng, tally, workers, web
        self.redis, self.database_url, self.trigger = redis, database_url, trigger
        self.first_seen: dict[int, float] = {}
        self.stop = threading.Event()

    def worker_children(self) -> list[int]:
        """dramatiq worker processes (children of a dramatiq master) up for 5 s at least."""
        found = []
        for proc in self.workers:
            for pid in descendants(proc.pid):
                kids = descendants(pid)
                if kids or not alive(pid):
                    continue  # a supervisor or a master has children; worker processes none
                seen = self.first_seen.setdefault(pid, now())
                if now() - seen >= 5 and pid not in self.tally.killed_pids:
                    found.append(pid)
        return sorted(found)

    def kill_workers(self, every: tuple[float, float], until: float) -> None:
        """SIGKILL a random worker process every few seconds until `until`."""
        next_at = now() + self.rng.uniform(*every)
        while not self.stop.wait(0.25):
            if now() >= until:
                return
            if now() < next_at:
                continue
            candidates = self.worker_children()
            if candidates:
                pid = self.rng.choice(candidates)
                started = now()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                self.tally.killed_pids.add(pid)
                self.tally.fault(started, "worker SIGKILL", f"pid {pid}")
            next_at = now() + self.rng.uniform(*every)

    def restart_redis(self) -> None:
        """Redis loses everything it held."""
        started = now()
        how = self.redis.restart_empty()
        self.tally.fault(started, "Redis restarted empty", how)

    def kill_web_before_send(self) -> None:
        """The next send of a web process kills it between the commit and the send."""
        started = now()
        self.trigger.touch()
        deadline = time.monotonic() + 60
        while self.trigger.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # until a web process reaches the fault point
        fired = not self.trigger.exists()
        self.trigger.unlink(missing_ok=True)
        detail = (
            "a gunicorn worker SIGKILLed after COMMIT, before the send"
            if fired
            else ("no web send reached the point within 60 s (not injected)")
        )
        self.tally.fault(started, "web killed before send", detail)

    def database_outage(self, seconds: float) -> None:
        """The database refuses everyone for `seconds`."""
        started = now()
        if self.database_url.startswith("sqlite"):
            path = self.database_url.split("///", 1)[1]
            conn = sqlite3.connect(path, timeout=60, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)  # the outage itself
            conn.execute("ROLLBACK")
            conn.close()
            how = f"SQLite: BEGIN EXCLUSIVE held {seconds:.0f} s (> the 15 s busy timeout)"
        else:
            how = self._postgres_outage(seconds)
        self.tally.fault(started, "database unavailable", how)

    def _postgres_outage(self, seconds: float) -> str:
        from sqlalchemy import create_engine, text

        from webapp.settings import normalise_database_url

        url = normalise_database_url(self.database_url)
        base, _, name = url.rpartition("/")
        name = name.split("?", 1)[0]
        engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            ended = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})  # fmt: skip
            time.sleep(seconds)  # the outage itself
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        engine.dispose()
        return (f"PostgreSQL: ALLOW_CONNECTIONS false for {seconds:.0f} s, "
                f"{ended} sessions terminated")  # fmt: skip


def spaced_times(
    rng: random.Random, count: int, low: float, high: float, gap: float
) -> list[float]:
    """`count` random times in [low, high], at least `gap` apart when that fits."""
    for _ in range(200):
        times = sorted(rng.uniform(low, high) for _ in range(count))
        if all(b - a >= gap for a, b in itertools.pairwise(times)):
            return times
    return sorted(rng.uniform(low, high) for _ in range(count))


def run_faults(faults: Faults, rng: random.Random, window: float, offset: float, repeats: int,
               outage: float) -> None:  # fmt: skip
    """The schedule: worker kills throughout, the other faults `repeats` times each."""
    kinds = ["redis", "web", "database"] * repeats
    rng.shuffle(kinds)
    times = spaced_times(rng, len(kinds), 0.15 * window, 0.8 * window, outage + 6)
    killer = threading.Thread(
        target=faults.kill_workers, args=((4.0, 9.0), offset + 0.9 * window), daemon=True
    )
    killer.start()
    for at, kind in zip(times, kinds, strict=True):
        wait = offset + at - now()
        if wait > 0:
            time.sleep(wait)  # the schedule's time for this fault
        if kind == "redis":
            faults.restart_redis()
        elif kind == "web":
            faults.kill_web_before_send()
        else:
            faults.database_outage(outage)
    killer.join()


# --- after -----------------------------------------------------------------------------------


def probe(app: Any, staff_id: int, timeout: float = 120) -> float | None:
    """Seconds for a fresh ping (submitted now) to complete; None on timeout."""
    from webapp.engine import service
    from webapp.extensions import db
    from webapp.models.user import User

    started = time.monotonic()
    job_id = None
    while time.monotonic() - started < timeout:
        with app.app_context():
            try:
                if job_id is None:
                    job_id = service.submit(db.session.get(User, staff_id), "ping", {}).id
                if service.get_job(job_id).status == "completed":
                    return time.monotonic() - started
            except Exception:  # still recovering: ask again
                db.session.rollback()
            finally:
                db.session.remove()
        time.sleep(0.2)  # polling the probe job's row
    return None


LOG_PATTERNS = {
    "redelivered messages absorbed (job already taken or final)":
        ("worker", r"nothing to do \(already taken, final or cancelled\)"),
    "stale attempts discarded (claim lost)":
        ("worker", r"lost its claim|finished after losing its claim"),
    "early messages delayed again": ("worker", r"arrived [\d.]+ s early"),
    "saved but not sent (broker down), left to recovery": ("web", r"is saved but not yet sent"),
}  # fmt: skip


def log_figures(logs: Path) -> dict[str, int]:
    """Counts read from the processes' logs."""
    text = {kind: "".join(p.read_text(errors="replace") for p in logs.glob(f"{kind}*.log"))
            for kind in ("worker", "web", "scheduler")}  # fmt: skip
    figures = {name: len(re.findall(pattern, text[kind]))
               for name, (kind, pattern) in LOG_PATTERNS.items()}  # fmt: skip
    recovery = re.findall(r"Recovery: (\d+) re-sent, (\d+) returned to pending", text["scheduler"])
    figures["re-sent by recovery (message lost)"] = sum(int(a) for a, _ in recovery)
    figures["returned to pending by recovery (worker dead, lease out)"] = sum(
        int(b) for _, b in recovery
    )
    outbox = re.findall(r"Outbox: (\d+) deliveries re-sent", text["scheduler"])
    figures["outbox deliveries re-sent by recovery"] = sum(int(n) for n in outbox)
    figures["worker restarts (keep_running)"] = len(re.findall(r"; restart \d+ in", text["worker"]))
    figures["web processes killed at the fault point"] = len(
        re.findall(r"Fault kill_before_send: killing", text["web"])
    ) or len(re.findall(r"was sent SIGKILL|Worker \(pid:\d+\) was sent", text["web"]))
    return figures


def dead_not_killed(logs: Path, killed: set[int]) -> list[str]:
    """Worker keys the scheduler judged dead whose process we did not kill."""
    text = "".join(p.read_text(errors="replace") for p in logs.glob("scheduler*.log"))
    keys = set()
    for listed in re.findall(r"\(dead workers: ([^)]*)\)", text):
        keys |= {k.strip() for k in listed.split(",") if k.strip() and k.strip() != "none"}
    return sorted(k for k in keys if int(k.split(":")[1]) not in killed)


def table(rows: list[tuple[str, Any]]) -> None:
    """Print label/value rows."""
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


# --- main ------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="CI form: ~300 jobs, faults once")
    parser.add_argument("--jobs", type=int, help="jobs to submit (short 300, long 3000)")
    parser.add_argument("--minutes", type=float, help="submission window (short 1, long 8)")
    parser.add_argument("--seed", type=int, help="replay a run's faults and jobs")
    parser.add_argument("--timeout", type=float, default=180, help="wait for the end (s)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    return parser.parse_args()


def main() -> int:
    """Run the soak; 0 when nothing was lost or doubled."""
    args = arguments()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    jobs = args.jobs or (300 if args.short else 3000)
    window = 60 * (args.minutes or (1.0 if args.short else 8.0))
    repeats = 1 if args.short else max(2, int(window // 120))
    database_url = os.environ.get("SOAK_DATABASE_URL") or ""
    workdir = Path(tempfile.mkdtemp(prefix="tamam-soak-"))
    database_url = database_url or f"sqlite:///{workdir / 'soak.db'}"
    is_sqlite = database_url.startswith("sqlite")
    outage = 17.0 if is_sqlite else 6.0
    say(f"seed {seed} (replay with --seed {seed}); {jobs} jobs over {window:.0f} s; "
        f"work folder {workdir}")  # fmt: skip
    say(f"database {stack.redact(database_url)}; "
        f"redis {os.environ.get('SOAK_REDIS_URL') or 'private redis-server'}")  # fmt: skip

    redis = stack.start_redis(workdir, os.environ.get("SOAK_REDIS_URL"))
    mailbox = Mailbox().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    trigger = workdir / "kill-before-send"
    env = stack.base_env(workdir, database_url, redis.url,
                         {**mailbox.settings(), "PORT": str(port), "BASE_URL": base})  # fmt: skip
    os.environ.update(env)
    launcher = Launcher(workdir / "logs", env)
    tally = Tally()
    try:
        if not is_sqlite:
            stack.ensure_postgres_database(database_url)
        stack.reset_database(database_url)
        stack.migrate(env)
        from webapp import create_app

        app = create_app()
        ready = stack.prepare(app)
        say("database migrated and seeded; starting web, workers, scheduler")
        web = launcher.start("web", stack.gunicorn_argv("127.0.0.1", port),
                             {"TAMAM_FAULTS": f"kill_before_send:@{trigger}"})  # fmt: skip
        skew = rng.choice((-30, 30))
        skew_env = stack.skewed(skew, workdir / "faketime-shim")
        first = stack.start_workers(launcher, "worker-1", 2, 4)
        second = stack.start_workers(launcher, "worker-2", 1, 4, skew_env or {})
        launcher.start("scheduler", stack.scheduler_argv())
        stack.wait_http(base + "/health", proc=web)
        if skew_env:
            if is_sqlite:
                say(
                    "note: SQLite's 'now' is computed by each process from its own clock, so on "
                    "SQLite the skewed worker writes and compares skewed times (PostgreSQL's "
                    "clock is the server's)"
                )
            tally.fault(now(), "clock skew", f"worker-2 runs {skew:+d} s off (libfaketime, "
                        "whole run)")  # fmt: skip
        else:
            say("clock skew SKIPPED: libfaketime is not installed (apt-get install faketime)")
        submitter = Submitter(app, base, ready["token"], ready["staff_id"], rng, tally)
        plan = plan_jobs(rng, jobs, window)
        faults = Faults(rng, tally, [first, second], web, redis, database_url, trigger)
        offset = now() + 3
        say(f"submitting {jobs} jobs; faults from {offset + 0.15 * window:.0f} s")
        fault_thread = threading.Thread(
            target=run_faults,
            args=(faults, rng, window, offset, repeats, outage),
        )
        fault_thread.start()
        run_submissions(submitter, plan, offset)
        fault_thread.join()
        last_fault = max(end for _, end, name, _ in tally.faults if name != "clock skew")
        say("submissions and faults done; probing and waiting for every job to be final")
        probe_seconds = probe(app, ready["staff_id"])
        waited = wait_until_final(args.timeout, app, say)
        drained_at = now()
        from scripts.proof.checks import check_everything

        with app.app_context():
            found = check_everything(Path(env["STORAGE_DIR"]), mailbox.counting.snapshot())
        if waited is None:
            found.problem(f"not everything was final {args.timeout:.0f} s after the load ended")
        skew_done = skewed_completions(launcher.logs)
        report(found, tally, launcher.logs, probe_seconds, drained_at - last_fault, skew_done,
               seed)  # fmt: skip
        return 1 if found.problems else 0
    finally:
        stack.tear_down(launcher, mailbox, redis, workdir, args.keep, say)


def skewed_completions(logs: Path) -> int:
    """Jobs the skewed worker command (worker-2) completed, from its log."""
    log = logs / "worker-2.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(re.findall(r"\) completed on attempt \d+", text))


def report(found: Any, tally: Tally, logs: Path, probe_seconds: float | None, drain: float,
           skew_done: int, seed: int) -> None:  # fmt: skip
    """The table, then the verdict."""
    figures = found.figures
    print(f"\n== Soak results (seed {seed})")
    rows: list[tuple[str, Any]] = [
        ("submitted (accepted)", sum(tally.submitted.values())),
        *[(f"  {kind}", n) for kind, n in sorted(tally.submitted.items())],
        ("refused at submit (none made)", dict(tally.refused) or 0),
        ("API POSTs retried with the same Idempotency-Key", tally.retried_posts),
        ("API POSTs never answered (60 s)", tally.answer_lost),
        ("jobs in the database", figures.get("jobs")),
        ("completed", figures["by_status"].get("completed", 0)),
        ("failed, by error code", dict(figures["failed_by_code"]) or 0),
        ("cancelled", figures["by_status"].get("cancelled", 0)),
        ("jobs that needed more than one attempt", figures["attempts_over_one"]),
        ("result files (one per completed file job)", figures["result_files"]),
        ("killed attempts' leftover folders (go at expiry)", figures["leftover_attempt_folders"]),
        ("uploads staged but never made a job", figures["staged_uploads_left"]),
        ("emails expected / received", f"{figures['emails_expected']} / "
                                        f"{figures['emails_received']}"),
        ("email repeats with the same Message-ID", figures["email_repeats_same_message_id"]),
        ("outbox rows by status", dict(figures["outbox_by_status"])),
        *log_figures(logs).items(),
        ("jobs completed by the skewed worker", skew_done),
        ("workers judged dead that were not killed", dead_not_killed(logs, tally.killed_pids)
         or "none"),
        ("a fresh ping after the faults completed in",
         f"{probe_seconds:.1f} s" if probe_seconds is not None else "TIMEOUT"),
        ("everything final after the last fault", f"{drain:.1f} s"),
    ]  # fmt: skip
    table(rows)
    print("\n== Faults injected")
    for started, ended, name, detail in sorted(tally.faults):
        print(f"  {started:6.1f}s-{ended:6.1f}s  {name}: {detail}")
    print()
    if found.problems:
        print(f"SOAK FAILED: {len(found.problems)} lost or doubled (seed {seed}):")
        for problem in found.problems[:50]:
            print(f"  - {problem}")
    else:
        repeats = figures["email_repeats_same_message_id"]
        print(f"SOAK PASSED in {now():.0f} s: every job final, none completed twice, one file "
              "per completed file job, every email delivered, a second time only with the same "
              f"Message-ID after its sender died mid-send ({repeats}).")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
