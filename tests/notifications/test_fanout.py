"""Fan-out jobs run by the job engine: announcements and order confirmations, opt-outs,
cancel, the delivery report and its CSV; mail to a real SMTP server, SMS to a Twilio-like one."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select, update

from tests.notifications.helpers import DOMAIN, REGION, make_customers, make_orders, outbox_rows
from tests.notifications.test_sms import FakeClock
from webapp.engine import runner, service
from webapp.engine.clock import db_time
from webapp.extensions import db
from webapp.models.job import Job
from webapp.models.ops import OutboxMessage
from webapp.models.sales import Customer
from webapp.notifications import fanout, optouts, outbox, pace
from webapp.notifications.report import report

DAY = date(2031, 1, 15)  # no seeded order is this late


def announce(user, **params):
    values = {"subject": "News for {first_name}", "body": "Hello {name},\n\nNew teas in {region}.",
              "audience": "region", "region": REGION, "channels": ["email", "sms"]}  # fmt: skip
    values.update(params)
    return service.submit(user, "announcement", values)


def run(job: Job) -> Job:
    runner.run_job(job.id)
    db.session.rollback()
    return db.session.get(Job, job.id, populate_existing=True)


def opt_out(customer_ids: list[int], channel: str) -> None:
    with db.engine.begin() as conn:
        optouts.opt_out(conn, customer_ids, channel, "staff")


def test_an_announcement_reaches_each_customer_once_per_channel(
    app, stub_broker, inbox, twilio, staff
):
    """30 customers, 3 without a phone, 2 opted out of email and 1 of SMS: every other
    customer gets one email (placeholders filled, unsubscribe link) and one SMS."""
    ids = make_customers(27) + make_customers(3, phones=False, start=27)
    opt_out(ids[:2], "email")
    opt_out([ids[5]], "sms")
    done = run(announce(staff))
    assert done.status == "completed", done.error_message
    assert done.result_data["counts"] == {"sent": 28 + 26, "failed": 0, "opted_out": 3,
                                          "skipped": 3, "waiting": 0, "cancelled": 0}  # fmt: skip
    recipients = Counter(r[0] for r in inbox.recipients)
    assert len(recipients) == 28 and set(recipients.values()) == {1}
    assert f"person0@{DOMAIN}" not in recipients
    sample = next(m for m in inbox.messages if m["To"] == f"person7@{DOMAIN}")
    assert sample["Subject"] == "News for Customer"
    text = sample.get_payload()[0].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert "Hello Customer 7,\n\nNew teas in Testland." in text and "/unsubscribe/" in text
    assert sample["List-Unsubscribe"].startswith("<https://tamam.example.com/unsubscribe/")
    sms_to = Counter(m["to"] for m in twilio.messages)
    assert len(sms_to) == 26 and set(sms_to.values()) == {1} and "+966551900005" not in sms_to
    lines = {line.channel: line.figures for line in report(done.id).lines}
    assert lines["email"]["opted_out"] == 2 and lines["sms"]["opted_out"] == 1
    assert report(done.id).skipped_reasons == [("no phone number", 3), ("opted out", 3)]


def test_placeholders_and_audience_are_checked_before_any_job(app, stub_broker, staff):
    """Unknown placeholders, an empty region, no channel: refused with the field named."""
    from webapp.engine.errors import ParamError

    make_customers(2)
    for params, field in (
        ({"body": "Hi {nme}"}, "body"),
        ({"subject": "{email.__class__}"}, "subject"),
        ({"region": "Atlantis"}, "region"),
        ({"channels": []}, "channels"),
        ({"audience": "ordered", "date_from": "2031-02-01", "date_to": "2031-01-01"}, "date_to"),
    ):
        with pytest.raises(ParamError) as refused:
            announce(staff, **params)
        assert refused.value.field == field
    job = announce(staff, body="Use {{braces}} freely, {first_name}.", channels=["sms"])
    assert job.input_data["recipients"] == 2


def test_order_confirmations_are_sent_once_whichever_job_asks(
    app, stub_broker, inbox, twilio, staff
):
    """Every order of a day: an email with its lines and an SMS where there is a phone. A
    second job for the same day sends nothing and says why."""
    customers = make_customers(4) + make_customers(1, phones=False, start=4)
    orders = make_orders(customers, DAY)
    first = run(service.submit(staff, "order_confirmations", {"date": DAY.isoformat()}))
    assert first.status == "completed" and first.input_data["recipients"] == 5
    assert first.result_data["counts"]["sent"] == 5 + 4
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == sorted(f"Your order NT-{c} is confirmed" for c in customers)
    html = inbox.messages[0].get_payload()[1].get_payload(decode=True).decode()
    assert "Test tea" in html and "28.75 USD" in html
    assert sorted(m["body"] for m in twilio.messages)[0].startswith("Tamam: your order NT-")
    again = run(service.submit(staff, "order_confirmations", {"date": DAY.isoformat()}))
    assert again.result_data["counts"] == {"sent": 0, "failed": 0, "opted_out": 0,
                                           "skipped": 10, "waiting": 0, "cancelled": 0}  # fmt: skip
    (reason, number), no_phone = report(again.id).skipped_reasons
    assert number == 9 and reason.startswith(f"already sent by an earlier job ({first.id}")
    assert no_phone == ("no phone number", 1)
    assert len(inbox.messages) == 5 and len(twilio.messages) == 4
    chosen = run(service.submit(staff, "order_confirmations",
                                {"orders": f"NT-{customers[0]}"}))  # fmt: skip
    assert chosen.result_data["counts"]["sent"] == 0 and len(orders) == 5


def test_cancel_midway_keeps_what_was_sent_and_sends_nothing_more(
    app, stub_broker, inbox, staff, monkeypatch
):
    """The owner cancels after the 30th email: the group in flight finishes and is recorded,
    the rest is cancelled; the job ends cancelled with the figures, nothing is sent twice."""
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0)  # every progress call is a check
    monkeypatch.setattr(fanout, "GROUP", 20)
    make_customers(120, phones=False)
    job = announce(staff, channels=["email"])
    sends = 0
    real_attempt = outbox.attempt

    def attempt_then_cancel(row, senders):
        nonlocal sends
        sends += 1
        if sends == 30:
            service.cancel_job(db.session.get(Job, job.id))
        return real_attempt(row, senders)

    monkeypatch.setattr(outbox, "attempt", attempt_then_cancel)
    done = run(job)
    assert done.status == "cancelled"
    counts = report(done.id).totals
    assert counts["sent"] == 40 and counts["cancelled"] == 80  # the 2nd group of 20 finished
    assert len(inbox.messages) == 40 and len({m["To"] for m in inbox.messages}) == 40
    assert "stopped after 40 of 120 customers; 80 messages not sent" in done.events[-1].detail
    assert outbox_rows(job_id=done.id, status="held") == []


def test_the_report_csv_is_a_signed_link(app, stub_broker, inbox, staff, client):
    """One line per delivery with its status and reason; a changed token is refused."""
    make_customers(3, phones=False)
    opt_out(make_customers(1, start=3)[-1:], "email")
    done = run(announce(staff, channels=["email", "sms"]))
    from webapp.notifications.report import signed_csv_url

    url = signed_csv_url(done.id)
    answer = client.get(url)  # no session: the link is the credential
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 8
    assert Counter((r["channel"], r["status"], r["reason"]) for r in rows) == Counter({
        ("email", "sent", ""): 3, ("email", "opted out", "opted out"): 1,
        ("sms", "skipped", "no phone number"): 3, ("sms", "sent", ""): 1,
    })  # fmt: skip
    assert client.get(url[:-6] + "AAAAAA.csv").status_code == 403


def test_the_rate_limit_spaces_sends_and_a_429_pauses_the_channel(
    app, stub_broker, twilio, staff, monkeypatch
):
    """SMS at 5/s: the job sleeps 0.2 s before each send after the first; the provider's 429
    with Retry-After 3 after the 6th makes every sender wait 3 s (a second at a time, still
    cancellable) and the refused message goes first once it is over. Order kept, none twice."""
    clock = FakeClock()
    pace.use(pace.LocalPace(clock))
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the waits asked for; time moves by exactly that
        waits.append(round(seconds, 6))
        clock.now += seconds

    monkeypatch.setattr(fanout, "sleep", sleep)
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 5)
    make_customers(10)
    posts = 0
    real_attempt = outbox.attempt

    def attempt(row, senders):
        nonlocal posts
        posts += 1
        if posts == 7:
            twilio.answer_next(429, {"Retry-After": "3"}, {"code": 20429, "message": "Too Many"})
        return real_attempt(row, senders)

    monkeypatch.setattr(outbox, "attempt", attempt)
    done = run(announce(staff, channels=["sms"]))
    assert done.status == "completed"
    assert waits == [0.2] * 6 + [1.0, 1.0, 1.0] + [0.2] * 3
    arrived = [m["to"] for m in twilio.messages]
    assert arrived == [f"+9665519{n:05d}" for n in range(10)]
    refused = outbox_rows(recipient="+966551900006")[0]
    assert [a.status_code for a in outbox.attempts_of(refused.id)] == [429, 201]
    assert refused.attempts == 1


def test_a_second_attempt_sends_only_what_is_still_unsent(app, stub_broker, inbox, staff):
    """A first attempt stopped half way: of its 10 rows it had claimed 6 and sent 4. The next
    attempt writes nothing new and sends the 4 never claimed; the 2 the dead sender still holds
    go to the outbox, due when its lease ends, and are sent then: 10 people, once each."""
    make_customers(10, phones=False)
    job = announce(staff, channels=["email"])
    drafts = [
        fanout.Draft(
            f"{job.id}:email:{c}",
            "email",
            e,
            "Hi",
            {"template": "bulk", "text": "x", "unsubscribe": "u"},
            customer_id=c,
        )
        for c, e in db.session.execute(
            select(Customer.id, Customer.email).where(Customer.region == REGION)
        )
    ]
    ctx = type("Ctx", (), {"job_id": job.id, "progress": lambda *a: None})()
    first = fanout.FanOut(ctx, 10, "customers", ["email"])
    first.write(drafts)
    first.group = 6
    claimed = first.claim()
    first.send_group(claimed[:4])  # four sent, then the worker died holding two more
    first.senders.close()
    done = run(job)
    assert done.status == "completed" and len(inbox.messages) == 8
    handed = outbox_rows(job_id=job.id, status="pending")
    assert sorted(r.id for r in handed) == sorted(r.id for r in claimed[4:])
    assert all(r.next_attempt_at >= r.sending_until for r in handed)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([r.id for r in handed]))
        .values(sending_until=db_time(-1), next_attempt_at=db_time(-1))
    )
    db.session.commit()
    assert [outbox.deliver(r.id) for r in handed] == ["sent", "sent"]
    assert report(done.id).totals["sent"] == 10
    assert len(inbox.messages) == 10 and len({m["To"] for m in inbox.messages}) == 10
