"""SMS and WhatsApp through a real local HTTP server that checks requests as Twilio does."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.notifications.conftest import CALLBACK
from tests.notifications.helpers import make_customers, outbox_rows
from webapp.engine.clock import database_now, db_time
from webapp.extensions import db
from webapp.models.notify import OptOut
from webapp.models.ops import OutboxMessage
from webapp.notifications import outbox, pace
from webapp.notifications.phones import BadNumber, sms_segments, to_e164
from webapp.notify.hooks import twilio_signature


def add_row(channel: str, to: str, text: str, key: str, customer_id: int | None = None) -> int:
    with db.engine.begin() as conn:
        outbox_id = outbox.add(conn, key, channel, to, "", {"text": text})
        if customer_id is not None:
            conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id)
                .values(customer_id=customer_id)
            )
    return outbox_id


def make_due(outbox_id: int) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(next_attempt_at=db_time(-1))
    )
    db.session.commit()


def test_an_sms_is_one_form_post_with_basic_auth_and_a_status_callback(app, stub_broker, twilio):
    """To, From, Body, StatusCallback, basic auth, the key; the sid becomes the provider id."""
    outbox_id = add_row("sms", "+966501234567", "Your order SO-1 is confirmed", "t-sms-1")
    assert outbox.deliver(outbox_id) == "sent"
    [request] = twilio.requests
    assert request["form"] == {
        "To": "+966501234567",
        "From": "+15005550006",
        "Body": "Your order SO-1 is confirmed",
        "StatusCallback": CALLBACK,
    }
    auth = base64.b64decode(request["headers"]["Authorization"].removeprefix("Basic ")).decode()
    assert auth == f"{twilio.sid}:{twilio.token}"
    assert request["headers"]["Idempotency-Key"] == "t-sms-1"
    [row] = outbox_rows(id=outbox_id)
    assert row.provider_id == twilio.messages[0]["sid"] and row.provider_id.startswith("SM")
    assert [(a.status_code, a.error) for a in outbox.attempts_of(outbox_id)] == [(201, None)]


def test_whatsapp_uses_channel_addresses_and_a_messaging_service_replaces_from(
    app, stub_broker, twilio, monkeypatch
):
    """WhatsApp: whatsapp:+E164 on both ends. SMS with a Messaging Service: no From."""
    assert outbox.deliver(add_row("whatsapp", "+966501234567", "Hi", "t-wa-1")) == "sent"
    monkeypatch.setitem(app.config, "TWILIO_MESSAGING_SERVICE_SID", "MG" + "1" * 32)
    assert outbox.deliver(add_row("sms", "+966501234568", "Hi", "t-ms-1")) == "sent"
    whatsapp, service = (r["form"] for r in twilio.requests)
    assert (whatsapp["To"], whatsapp["From"]) == ("whatsapp:+966501234567", "whatsapp:+14155238886")
    assert service["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in service


def test_a_refused_number_fails_at_once_and_stop_opts_the_customer_out(app, stub_broker, twilio):
    """400 (Twilio 21211, a bad number): failed, not retried. 21610 (the person replied STOP):
    failed, and the customer is opted out of SMS."""
    bad = add_row("sms", "+1555", "Hi", "t-bad-1")
    assert outbox.deliver(bad) == "failed"
    assert outbox_rows(id=bad)[0].last_error.startswith("HTTP 400, Twilio 21211")
    assert stub_broker.queues["notifications"].qsize() == 0  # no retry queued
    [customer] = make_customers(1)
    twilio.answer_next(
        400, body={"code": 21610, "message": "Attempt to send to unsubscribed recipient"}
    )
    stopped = add_row("sms", "+966551900000", "Hi", "t-stop-1", customer_id=customer)
    assert outbox.deliver(stopped) == "failed"
    opt_outs = db.session.execute(select(OptOut.customer_id, OptOut.channel, OptOut.source)).all()
    assert [tuple(o) for o in opt_outs] == [(customer, "sms", "provider")]


def test_a_server_error_is_retried_and_asks_before_sending_again(app, stub_broker, twilio):
    """500: pending again with backoff and in doubt (it may have been created); the retry
    asks the provider's message list first, finds nothing, and sends once."""
    outbox_id = add_row("sms", "+966501234567", "Hello", "t-500-1")
    twilio.answer_next(500, body={"code": 20500, "message": "Internal Server Error"})
    assert outbox.deliver(outbox_id) == "pending"
    row = outbox_rows(id=outbox_id)[0]
    assert (row.attempts, row.in_doubt) == (1, True)
    assert outbox.deliver(outbox_id) is None  # held back by its backoff
    make_due(outbox_id)
    assert outbox.deliver(outbox_id) == "sent"
    assert twilio.lookups == 1 and len(twilio.messages) == 1


def test_a_send_whose_sender_died_is_not_sent_twice(app, stub_broker, twilio, monkeypatch):
    """The sender is killed after Twilio created the message, before the row said so: once
    its lease runs out, the next delivery finds the message at Twilio and records it."""
    monkeypatch.setitem(app.config, "OUTBOX_SEND_LEASE_SECONDS", 0.5)
    outbox_id = add_row("sms", "+966501234567", "Your code is 1234", "t-died-1")
    claimed = outbox._claim(outbox_id)  # the dead sender's claim...
    with outbox.Senders() as senders:  # ...and its send, never recorded
        senders.send(claimed)
    assert len(twilio.messages) == 1 and outbox.deliver(outbox_id) is None  # still leased
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(sending_until=db_time(-1))
    )
    db.session.commit()
    assert outbox.deliver(outbox_id) == "sent"
    row = outbox_rows(id=outbox_id)[0]
    assert row.provider_id == twilio.messages[0]["sid"] and not row.in_doubt
    assert len(twilio.messages) == 1 and len(twilio.requests) == 1 and twilio.lookups == 1


def test_429_waits_for_retry_after_without_counting_an_attempt(app, stub_broker, twilio):
    """The provider says slow down: the channel pauses for Retry-After for every sender, and
    the row is due again then, its attempt not counted against it."""
    clock = FakeClock()
    pace.use(slots := pace.LocalPace(clock))
    outbox_id = add_row("sms", "+966501234567", "Hi", "t-429-1")
    twilio.answer_next(429, {"Retry-After": "7"}, {"code": 20429, "message": "Too Many Requests"})
    before = database_now(db.session.connection())
    assert outbox.deliver(outbox_id) == "pending"
    row = outbox_rows(id=outbox_id)[0]
    assert row.attempts == 0 and not row.in_doubt and "Twilio 20429" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=7)
    assert slots.reserve("sms", 10) == pytest.approx(7.0)  # the next slot is after the pause
    [message] = stub_broker.queues["notifications.DQ"].queue
    assert message  # re-queued with its delay


def test_status_callbacks_are_signed_and_recorded(app, stub_broker, twilio, client):
    """delivered / undelivered with its error code land on the row; a bad signature is 403."""
    outbox_id = add_row("sms", "+966501234567", "Hi", "t-cb-1")
    outbox.deliver(outbox_id)
    sid = outbox_rows(id=outbox_id)[0].provider_id
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    signature = twilio_signature(CALLBACK, form, twilio.token)
    forged = client.post("/hooks/sms/status", data=form, headers={"X-Twilio-Signature": "x"})
    assert forged.status_code == 403
    answer = client.post("/hooks/sms/status", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 204
    row = outbox_rows(id=outbox_id)[0]
    assert (row.status, row.delivery_status, row.last_error) == (
        "sent", "undelivered", "Twilio 30003: undelivered")  # fmt: skip


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_numbers_are_normalised_to_e164():
    """Spaces, 00 and national numbers (read in the region) become E.164; others are refused."""
    assert to_e164("+966 50 123 4567") == "+966501234567"
    assert to_e164("00966501234567") == "+966501234567"
    assert to_e164("050 123 4567", "SA") == "+966501234567"
    assert to_e164("(202) 555-0143", "US") == "+12025550143"
    for bad in ("12", "hello", "+966 12", ""):
        with pytest.raises(BadNumber):
            to_e164(bad)


def test_sms_segments():
    """160 GSM-7 characters a part (153 when split); 70 (67) for other scripts."""
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2
    assert sms_segments("مرحبا" * 14) == 1 and sms_segments("مرحبا" * 15) == 2
