"""A 10,000-recipient announcement by email: deliveries/s against a bare smtplib loop.

Both send the same messages (plain text with an HTML alternative, Message-ID, List-Unsubscribe)
to the same local SMTP server (aiosmtpd in a process of its own, counting what it accepts):

- bare loop: one smtplib connection, for each recipient an EmailMessage built and sent; no
  database, no record of anything
- announcement: the real `announcement` job run by the engine in this process: the audience
  read in batches, one outbox row per delivery written a batch per transaction, each message
  rendered from the templates, sent over one kept SMTP session, every outcome recorded (row
  status and an outbox_attempts line) every 25 sends

Each is run twice, alternately; the best of each is compared (target: the announcement at
0.5x the bare loop or better, with every delivery recorded). SQLite by default, or
BENCH_DATABASE_URL (its `public` schema is dropped and rebuilt).

Usage: python bench/bench_notifications.py [RECIPIENTS]
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchjson import headline, table, take_json_path, write_json  # noqa: E402

REGION = "Bench"


def serve(port: int) -> None:
    """The SMTP server process: accept and count messages; print the count on SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Counter.count += 1
            return "250 OK"

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # for sigwait, in every thread
    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM})
    controller.stop()
    print(Counter.count, flush=True)


class Server:
    """An SMTP server process for one phase."""

    def __init__(self) -> None:
        from tests.mail_server import free_port

        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--smtp", str(self.port)],
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def received(self) -> int:
        """Stop the server; how many messages it accepted."""
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        return int(out.strip().splitlines()[-1])


def make_app(work: Path, port: int):
    os.environ.update(SECRET_KEY="bench", INSTANCE_DIR=str(work), TAMAM_ENV="testing")
    from sqlalchemy import text

    from webapp import create_app
    from webapp.extensions import db
    from webapp.settings import engine_options, normalise_database_url

    url = normalise_database_url(
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    )
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "STORAGE_DIR": str(work / "storage"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
        "MAIL_USE_TLS": False, "MAIL_USE_SSL": False, "MAIL_FROM": "Tamam <shop@example.com>",
        "BASE_URL": "https://tamam.example.com", "EMAIL_RATE_PER_SECOND": 0,
    })  # fmt: skip
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
    return app


def seed(recipients: int) -> None:
    from sqlalchemy import insert

    from webapp.extensions import db
    from webapp.models.sales import Customer

    rows = [{"name": f"Customer {n}", "email": f"customer{n}@bench.example.com",
             "region": REGION, "phone": None, "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
            for n in range(recipients)]  # fmt: skip
    db.session.execute(insert(Customer), rows)
    db.session.commit()


SUBJECT = "Spring teas for {first_name}"
BODY = "Dear {name},\n\nOur {region} shelves have new teas this week.\n\nSee you soon."


def bare_loop(port: int, recipients: int) -> float:
    """Build and send each message over one connection: what a script would do."""
    html = ("<!doctype html><html><body><div><p>Dear Customer {n},</p><p>Our Bench shelves "
            "have new teas this week.</p><p>See you soon.</p><p><a href=\"{u}\">Unsubscribe"
            "</a></p></div></body></html>")  # fmt: skip
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        for n in range(recipients):
            url = f"https://tamam.example.com/unsubscribe/token-{n}"
            message = EmailMessage()
            message["From"] = "Tamam <shop@example.com>"
            message["To"] = f"customer{n}@bench.example.com"
            message["Subject"] = "Spring teas for Customer"
            message["Message-ID"] = f"<bench-{n}@tamam>"
            message["List-Unsubscribe"] = f"<{url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            message.set_content(f"Dear Customer {n},\n\nOur Bench shelves have new teas this "
                                f"week.\n\nSee you soon.\n\n--\nUnsubscribe: {url}\n")  # fmt: skip
            message.add_alternative(html.format(n=n, u=url), subtype="html")
            smtp.send_message(message)
    return time.perf_counter() - started


def announcement(user) -> tuple[float, str]:
    """The real job, submitted as the page does and run by the engine in this process."""
    from webapp.engine import service
    from webapp.engine.runner import run_job

    started = time.perf_counter()
    job = service.submit(user, "announcement", {"subject": SUBJECT, "body": BODY,
                                                "audience": "region", "region": REGION,
                                                "channels": ["email"]})  # fmt: skip
    run_job(job.id)
    return time.perf_counter() - started, job.id


def check(job_id: str, recipients: int) -> None:
    """Every delivery is a sent row with one recorded attempt."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models.api import OutboxAttempt
    from webapp.models.job import Job
    from webapp.models.ops import OutboxMessage

    db.session.rollback()
    job = db.session.get(Job, job_id)
    assert job is not None and job.status == "completed", (
        job and job.status,
        job and job.error_message,
    )
    sent = db.session.scalar(
        select(func.count()).where(OutboxMessage.job_id == job_id, OutboxMessage.status == "sent")
    )
    attempts = db.session.scalar(
        select(func.count()).select_from(OutboxAttempt).join(
            OutboxMessage, OutboxMessage.id == OutboxAttempt.outbox_id
        ).where(OutboxMessage.job_id == job_id)
    )  # fmt: skip
    assert sent == recipients and attempts == recipients, (sent, attempts)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--smtp":
        serve(int(sys.argv[2]))
        return
    json_path = take_json_path()
    recipients = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    where = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    with tempfile.TemporaryDirectory(prefix="tamam-bench-") as tmp:
        server = Server()
        app = make_app(Path(tmp), server.port)
        from tasks.broker import build_broker, install
        from webapp.auth.service import create_user
        from webapp.extensions import db

        results: dict[str, list[float]] = {"bare": [], "job": []}
        with app.app_context():
            install(build_broker(None, app))
            seed(recipients)
            user = create_user("bench@example.com", "bench password 1", role="staff")
            db.session.commit()
            received = server.received()
            for _round in range(2):
                server = Server()
                results["bare"].append(bare_loop(server.port, recipients))
                assert server.received() == recipients
                server = Server()
                app.config["MAIL_PORT"] = server.port
                seconds, job_id = announcement(user)
                results["job"].append(seconds)
                received = server.received()
                assert received == recipients, received
                check(job_id, recipients)
        bare, job = min(results["bare"]), min(results["job"])
        print(f"{recipients:,} recipients by email to a local SMTP server (aiosmtpd), {where}")
        print(
            f"  bare smtplib loop          {recipients / bare:>8,.0f} deliveries/s  "
            f"{bare:>6.1f} s (best of {len(results['bare'])})"
        )
        print(
            f"  announcement job (outbox)  {recipients / job:>8,.0f} deliveries/s  "
            f"{job:>6.1f} s (best of {len(results['job'])}), every delivery recorded"
        )
        print(f"announcement / bare loop: {bare / job:.2f}x (target: 0.5x or better)")
        write_json(
            json_path,
            database=where,
            tables=[table(f"{recipients:,} recipients, local SMTP server",
                          ["", "deliveries/s", "seconds"],
                          [["bare smtplib loop", round(recipients / bare), round(bare, 1)],
                           ["announcement job", round(recipients / job), round(job, 1)]])],
            headline=[headline("announcement / bare loop deliveries/s", bare / job, ">= 0.5")],
            figures={"bare_seconds": bare, "job_seconds": job, "recipients": recipients},
        )  # fmt: skip


if __name__ == "__main__":
    main()
