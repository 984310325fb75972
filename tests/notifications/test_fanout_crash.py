"""A real worker process killed with -9 in the middle of a fan-out: recovery gives the job to
a second worker, which finishes it; every customer is reached exactly once on each channel."""

from __future__ import annotations

import os
import signal
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from tests.jobs.helpers import wait_for
from tests.jobs.test_worker_processes import heartbeat_pids, start_worker, wait_until  # noqa: F401
from tests.notifications.helpers import DOMAIN, REGION, make_customers, outbox_rows
from webapp.engine import recovery, service
from webapp.extensions import db
from webapp.models.ops import OutboxMessage
from webapp.notifications.mail import message_id_for

pytestmark = pytest.mark.slow
CUSTOMERS = 600


def sent_rows(job_id: str) -> int:
    db.session.rollback()
    query = select(func.count()).where(
        OutboxMessage.job_id == job_id, OutboxMessage.status == "sent"
    )
    return db.session.scalar(query) or 0


def settled(job_id: str) -> bool:
    """No delivery of the job is still held by a sender or waiting for a retry."""
    return not [r for r in outbox_rows(job_id=job_id) if r.status in ("held", "pending")]


def test_killed_mid_fanout_then_finished_exactly_once(
    app,
    start_worker,  # noqa: F811
    staff,
    inbox,
    twilio,
):
    """SIGKILL once 200 of 1,200 messages are out; a second worker finishes the job and the
    outbox sends what the dead one held. Each phone gets one SMS (the in-doubt ones are looked
    up at the provider before any resend); each address gets one email Message-ID (an email
    the dead worker may have sent is sent again with the same Message-ID, which is what a
    receiver drops), and every repeat is of a row that was in doubt."""
    make_customers(CUSTOMERS)
    settings = {
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "MAIL_USE_TLS": "false", "MAIL_USE_SSL": "false", "BASE_URL": "https://tamam.example.com",
        "TWILIO_BASE_URL": twilio.url, "TWILIO_ACCOUNT_SID": twilio.sid,
        "TWILIO_AUTH_TOKEN": twilio.token, "TWILIO_FROM": "+15005550006",
        "EMAIL_RATE_PER_SECOND": "150", "SMS_RATE_PER_SECOND": "150",
        "NOTIFY_BATCH_SIZE": "100", "OUTBOX_SEND_LEASE_SECONDS": "4",
    }  # fmt: skip
    first = start_worker(settings=settings)
    first_pids = wait_until(heartbeat_pids)
    job = service.submit(staff, "announcement", {
        "subject": "Hello {first_name}", "body": "Dear {name}", "audience": "region",
        "region": REGION, "channels": ["email", "sms"]})  # fmt: skip
    wait_until(lambda: sent_rows(job.id) >= 200, timeout=60)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    at_kill = sent_rows(job.id)
    assert at_kill < 2 * CUSTOMERS, "the fan-out finished before the kill: make it longer"

    start_worker(settings=settings)
    wait_until(lambda: heartbeat_pids() - first_pids)
    wait_until(lambda: recovery.recover().requeued, timeout=30)
    done = wait_for(job.id, lambda j: j.is_final, timeout=120)
    assert done.status == "completed", (done.error_code, done.error_message)
    assert done.attempts == 2
    wait_until(lambda: settled(job.id), timeout=60)

    rows = outbox_rows(job_id=job.id)
    assert len(rows) == 2 * CUSTOMERS and {r.status for r in rows} == {"sent"}
    phones = [m["to"] for m in twilio.messages]
    assert len(phones) == len(set(phones)) == CUSTOMERS  # exactly once, no repeat at all

    ids = defaultdict(list)
    for message in list(inbox.messages):
        ids[message["To"]].append(message["Message-ID"])
    assert len(ids) == CUSTOMERS
    by_address = {r.recipient: r for r in rows if r.channel == "email"}
    for address, message_ids in ids.items():
        assert address.endswith(DOMAIN)
        assert set(message_ids) == {message_id_for(by_address[address].key)}  # one delivery
        if len(message_ids) > 1:  # the same delivery again: only a row the dead worker held
            assert by_address[address].attempts >= 2
    repeats = sum(len(m) - 1 for m in ids.values())
    print(f"\nKilled at {at_kill} of {2 * CUSTOMERS} sent; {repeats} email(s) sent again with "
          "their Message-ID; 0 SMS repeated")  # fmt: skip
