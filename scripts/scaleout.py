"""Scale-out run: three "hosts" share one Redis and one PostgreSQL; one is cut off mid-run.

    make scaleout                       # SCALEOUT_ARGS="--jobs 400 --seed 3"

Each host is a UTS namespace of its own (`unshare --uts`, hostname host-a, host-b, host-c)
with its own loopback address (127.0.0.2-4, gunicorn bound there), its own web, worker
command and scheduler; they share SCALEOUT_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/scaleout, created when missing, schema rebuilt) and a
private redis-server (or SCALEOUT_REDIS_URL). Jobs are submitted through all three webs (the
JSON API) and the service; mid-run every process of one host (the one whose scheduler holds
the maintenance lease, so another must take it over) is frozen (SIGSTOP), then killed
(SIGKILL). Checked: jobs keep completing on the others; /ops, signed in as an admin over
HTTP, shows every host's workers; the cut-off host's running jobs are recovered by the
others; and the soak's end checks (scripts/proof/checks.py): nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from scripts.proof import stack
from scripts.proof.launcher import Launcher, Proc
from scripts.proof.mailbox import Mailbox, free_port

HOSTS = {"host-a": "127.0.0.2", "host-b": "127.0.0.3", "host-c": "127.0.0.4"}
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/scaleout"
START = time.monotonic()


def say(text: str) -> None:
    """One line of output, stamped with the run time."""
    print(f"[{time.monotonic() - START:6.1f}s] {text}", flush=True)


def namespace(launcher: Launcher, host: str) -> list[str]:
    """Start a process holding a UTS namespace named `host`; the prefix that enters it."""
    holder = launcher.start(
        f"{host}-uts",
        ["unshare", "--uts", "sh", "-c", f"hostname {host} && exec sleep infinity"],
    )
    prefix = ["nsenter", f"--uts=/proc/{holder.pid}/ns/uts", "--"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        name = subprocess.run([*prefix, "hostname"], capture_output=True, text=True).stdout
        if name.strip() == host:
            return prefix
        time.sleep(0.1)  # until the holder has set its hostname
    raise RuntimeError(f"could not make a UTS namespace called {host}")


def sign_in(base: str, email: str, password: str) -> requests.Session:
    """A browser-like session signed in through the login form (CSRF token included)."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    answer = session.post(f"{base}/login", data=form, timeout=10, allow_redirects=False)
    assert answer.status_code in (302, 303), f"sign-in refused ({answer.status_code})"
    return session


def ops_hosts(session: requests.Session, base: str) -> set[str]:
    """The hosts named on /ops's workers table (the live part the page polls)."""
    html = session.get(f"{base}/ops/live", timeout=10).text
    return set(re.findall(r"<bdi>(host-[abc])</bdi>", html))


def held_by(host: str) -> list[str]:
    """Jobs now processing on `host`'s workers (worker ids start with the hostname)."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.job import Job

    db.session.rollback()
    return list(
        db.session.scalars(
            select(Job.id).where(Job.status == "processing", Job.worker_id.like(f"{host}:%"))
        )
    )


LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+\].*\) completed on attempt", re.M)


def completed_by_host(logs: Path, cut_at: datetime) -> tuple[Counter[str], Counter[str]]:
    """Jobs each host's workers completed before and after `cut_at` (UTC), from their logs."""
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for host in HOSTS:
        log = logs / f"{host}-worker.log"
        for stamp in LOG_LINE.findall(log.read_text(errors="replace") if log.exists() else ""):
            at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            (before if at < cut_at else after)[host] += 1
    return before, after


def takeovers(logs: Path) -> list[str]:
    """'host-x at HH:MM:SS' for each scheduler that took the maintenance lease."""
    found = []
    for host in HOSTS:
        log = logs / f"{host}-scheduler.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        for stamp in re.findall(
            r"(\d\d:\d\d:\d\d),\d+ scheduler INFO This scheduler now runs", text
        ):
            found.append(f"{host} at {stamp}")
    return sorted(found, key=lambda item: item.split(" at ")[1])


def watch(app: Any, job_ids: list[str], since: float, out: dict[str, float]) -> None:
    """Record in out["seconds"] when every one of `job_ids` is final, counted from `since`."""
    with app.app_context():
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if final(job_ids):
                out["seconds"] = time.monotonic() - since
                return
            time.sleep(0.2)  # polling the cut-off host's jobs


def lease_holder() -> str | None:
    """The host whose scheduler holds the maintenance lease now."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models.job import SchedulerLease

    db.session.rollback()
    holder = db.session.scalar(
        select(SchedulerLease.holder).where(SchedulerLease.name == "maintenance")
    )
    return holder.split(":", 1)[0] if holder and holder.split(":", 1)[0] in HOSTS else None


def final(job_ids: list[str]) -> bool:
    """True when every one of these jobs is final."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models.job import FINAL_STATUSES, Job

    db.session.rollback()
    left = db.session.scalar(
        select(func.count()).where(Job.id.in_(job_ids), Job.status.not_in(FINAL_STATUSES))
    )
    return not left


class Load:
    """Submits jobs through the three webs (API) and the service (slow pings)."""

    def __init__(self, app: Any, bases: dict[str, str], token: str, staff_id: int,
                 rng: random.Random) -> None:  # fmt: skip
        self.app, self.bases, self.staff_id, self.rng = app, bases, staff_id, rng
        self.headers = {"Authorization": f"Bearer {token}"}
        self.by_web: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.lock = threading.Lock()

    def api(self, host: str) -> None:
        """A small CSV report or export through `host`'s web."""
        kind = self.rng.choice(("reports/sales", "exports/orders"))
        end = date.today() - timedelta(days=2)
        body = {"from": (end - timedelta(days=7)).isoformat(), "to": end.isoformat(),
                "format": "csv"}  # fmt: skip
        try:
            answer = requests.post(f"{self.bases[host]}/v1/{kind}", json=body,
                                   headers=self.headers, timeout=20)  # fmt: skip
            ok = answer.status_code == 202
        except requests.RequestException:
            ok = False
        with self.lock:
            (self.by_web if ok else self.refused)[host] += 1

    def ping(self) -> None:
        """A ping that takes a few seconds, so some are running when a host is cut off."""
        from webapp.engine import service
        from webapp.extensions import db
        from webapp.models.user import User

        with self.app.app_context():
            service.submit(db.session.get(User, self.staff_id), "ping",
                           {"duration": self.rng.choice((0, 1, 3, 5)), "steps": 5})  # fmt: skip
            db.session.remove()
        with self.lock:
            self.by_web["service"] += 1

    def run(self, jobs: int, seconds: float, alive_hosts: list[str]) -> None:
        """Submit `jobs` over `seconds`, round robin over the webs still up."""
        started = time.monotonic()

        def one(n: int) -> None:
            wait = started + n * seconds / jobs - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # spread over the window
            if n % 2:
                self.ping()
            else:
                self.api(alive_hosts[(n // 2) % len(alive_hosts)])

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(one, range(jobs)))


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=240, help="jobs before and after the cut")
    parser.add_argument("--seconds", type=float, default=40, help="submission window, each half")
    parser.add_argument("--freeze", type=float, default=10,
                        help="seconds the host stays frozen at least (it stays so while the "
                             "second half is submitted)")  # fmt: skip
    parser.add_argument("--seed", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    return parser.parse_args()


def main() -> int:  # one straight story: hosts up, load, cut one off, load, check
    """Run the scale-out; 0 when everything checked out."""
    args = arguments()
    if os.geteuid() != 0:
        print("scaleout needs root (unshare --uts and hostname).")
        return 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    database_url = os.environ.get("SCALEOUT_DATABASE_URL") or DEFAULT_DATABASE
    workdir = Path(tempfile.mkdtemp(prefix="tamam-scaleout-"))
    say(f"seed {seed}; database {stack.redact(database_url)}; work folder {workdir}")
    redis = stack.start_redis(workdir, os.environ.get("SCALEOUT_REDIS_URL"))
    mailbox = Mailbox().start()
    port = free_port()
    bases = {host: f"http://{ip}:{port}" for host, ip in HOSTS.items()}
    env = stack.base_env(workdir, database_url, redis.url,
                         {**mailbox.settings(), "BASE_URL": bases["host-a"]})  # fmt: skip
    os.environ.update(env)
    launcher = Launcher(workdir / "logs", env)
    problems: list[str] = []
    try:
        if not database_url.startswith("sqlite"):
            stack.ensure_postgres_database(database_url)
        stack.reset_database(database_url)
        stack.migrate(env)
        from webapp import create_app

        app = create_app()
        ready = stack.prepare(app)
        procs: dict[str, list[Proc]] = {}
        for host, ip in HOSTS.items():
            prefix = namespace(launcher, host)
            procs[host] = [
                launcher.start(f"{host}-web", stack.gunicorn_argv(ip, port), prefix=prefix),
                stack.start_workers(launcher, f"{host}-worker", 1, 4, prefix=prefix),
                launcher.start(f"{host}-scheduler", stack.scheduler_argv(), prefix=prefix),
            ]
        for host in HOSTS:
            stack.wait_http(bases[host] + "/healthz", proc=procs[host][0])
        say("three hosts up: " + ", ".join(f"{h} on {HOSTS[h]}:{port}" for h in HOSTS))
        admin = sign_in(bases["host-a"], "admin@proof.example", "proof-admin-pw")
        deadline = time.monotonic() + 30
        seen: set[str] = set()
        while time.monotonic() < deadline and seen != set(HOSTS):
            seen = ops_hosts(admin, bases["host-a"])
            time.sleep(0.5)  # until every host's workers have written a heartbeat
        say(f"/ops (signed in as admin over HTTP) shows workers of: {sorted(seen)}")
        if seen != set(HOSTS):
            problems.append(f"/ops shows {sorted(seen)}, not every host")

        load = Load(app, bases, ready["token"], ready["staff_id"], rng)
        half = args.jobs // 2
        say(f"submitting {half} jobs through the three webs and the service")
        load.run(half, args.seconds, list(HOSTS))
        with app.app_context():
            cut = lease_holder() or "host-c"
            say(f"cutting off {cut}, whose scheduler holds the maintenance lease")
            deadline = time.monotonic() + 20
            while not (running := held_by(cut)) and time.monotonic() < deadline:
                load.ping()
                time.sleep(0.5)  # until the host runs something worth recovering
        cut_at = datetime.now(UTC)
        frozen_at = time.monotonic()
        pids = [pid for proc in procs[cut] for pid in launcher.signal_tree(proc, signal.SIGSTOP)]
        say(f"{cut} FROZEN (SIGSTOP to {len(pids)} processes) while it runs {len(running)} jobs")
        recovery: dict[str, float] = {}
        watcher = threading.Thread(target=watch, args=(app, running, frozen_at, recovery))
        watcher.start()
        load.run(half, args.seconds, [h for h in HOSTS if h != cut])
        time.sleep(max(0.0, args.freeze - (time.monotonic() - frozen_at)))
        for proc in procs[cut]:
            launcher.signal_tree(proc, signal.SIGKILL)
        say(f"{cut} KILLED (SIGKILL) {time.monotonic() - frozen_at:.1f} s after the freeze")
        watcher.join()
        recovered = recovery.get("seconds")
        from scripts.proof.checks import check_everything, wait_until_final

        killed_at = time.monotonic()
        waited = wait_until_final(180, app)
        drained = time.monotonic() - killed_at
        with app.app_context():
            found = check_everything(Path(env["STORAGE_DIR"]), mailbox.counting.snapshot())
        problems += found.problems
        if waited is None:
            problems.append("not everything was final 180 s after the load ended")
        if recovered is None:
            problems.append(f"{cut}'s running jobs were not all final 120 s after the cut")
        before, after = completed_by_host(launcher.logs, cut_at)
        flowed = {h: after[h] for h in HOSTS if h != cut}
        if not all(flowed.values()):
            problems.append(f"a remaining host completed nothing after the cut: {flowed}")
        print(f"\n== Scale-out results (seed {seed})")
        rows = [
            ("jobs submitted per web (API) / service", dict(load.by_web)),
            ("API refusals or broken answers per web", dict(load.refused) or 0),
            ("completed per host before the cut", dict(before)),
            ("completed per host after the cut", dict(after)),
            ("schedulers that took the maintenance lease", takeovers(launcher.logs)),
            (f"{cut}'s running jobs at the freeze", len(running)),
            ("all of them final again, after the freeze",
             f"{recovered:.1f} s" if recovered else "TIMEOUT"),
            ("everything final after the kill", f"{drained:.1f} s"),
            ("jobs / completed / failed", f"{found.figures['jobs']} / "
             f"{found.figures['by_status'].get('completed', 0)} / "
             f"{dict(found.figures['failed_by_code']) or 0}"),
            ("emails expected / received", f"{found.figures['emails_expected']} / "
                                            f"{found.figures['emails_received']}"),
        ]  # fmt: skip
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            print(f"  {label:<{width}}  {value}")
        if problems:
            print(f"\nSCALE-OUT FAILED ({len(problems)}):")
            for problem in problems[:50]:
                print(f"  - {problem}")
            return 1
        print(f"\nSCALE-OUT PASSED in {time.monotonic() - START:.0f} s")
        return 0
    finally:
        stack.tear_down(launcher, mailbox, redis, workdir, args.keep, say)


if __name__ == "__main__":
    sys.exit(main())
