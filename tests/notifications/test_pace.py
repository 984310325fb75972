"""Per-channel rate limits: the slots handed out and what a sender does with them.

Every assertion is on a decision (the wait a slot means, the sleep asked for, the delay a
delivery is re-queued with), read from a clock the test controls or bounded by Redis's own;
none measures how long anything took.
"""

from __future__ import annotations

import itertools
import time

import dramatiq
import pytest
import redis

from tests.notifications.test_sms import FakeClock, add_row
from webapp.notifications import outbox, pace


def test_slots_are_one_over_the_rate_apart_and_a_pause_moves_them():
    """rate 5/s: waits 0, 0.2, 0.4...; a slot later in time shortens the wait; Retry-After
    pushes the next slot; another channel is not affected; rate 0 means no limit."""
    clock = FakeClock()
    slots = pace.LocalPace(clock)
    assert [slots.reserve("sms", 5) for _ in range(4)] == pytest.approx([0, 0.2, 0.4, 0.6])
    clock.now += 0.5
    assert slots.reserve("sms", 5) == pytest.approx(0.3)  # its slot is 0.8 after the start
    slots.pause("sms", 3)
    assert slots.reserve("sms", 5) == pytest.approx(3.0)
    assert slots.reserve("whatsapp", 5) == 0 and slots.reserve("email", 0) == 0


def test_redis_slots_are_shared_and_spaced_by_the_rate(redis_url):
    """Through Redis (one clock for every worker): each slot is 1/rate after the previous
    one, so the n-th wait is (n-1)/rate less only the time that passed between the calls."""
    client = redis.Redis.from_url(redis_url)
    client.delete("tamam:test-pace:sms")
    slots = pace.RedisPace(client, "tamam:test-pace")
    other = pace.RedisPace(client, "tamam:test-pace")  # another worker's view: same slots
    started = time.monotonic()
    waits = [(slots if n % 2 else other).reserve("sms", 10) for n in range(6)]
    elapsed = time.monotonic() - started
    assert waits[0] == pytest.approx(0, abs=0.01)
    assert all(b > a for a, b in itertools.pairwise(waits))
    assert 0.5 - elapsed <= waits[-1] <= 0.5 + 1e-6
    slots.pause("sms", 30)
    assert 30 - 1 <= other.reserve("sms", 10) <= 30 + 1e-6
    client.delete("tamam:test-pace:sms")
    client.close()


def test_a_delivery_waits_for_its_slot_or_comes_back_in_it(app, stub_broker, twilio, monkeypatch):
    """rate 1/s: the 2nd and 3rd SMS sleep 1 s and 2 s before sending; at rate 0.1/s the 2nd
    would wait 10 s, past MAX_INLINE_WAIT: it is given back unsent and re-queued for then."""
    slept: list[float] = []
    monkeypatch.setattr(outbox.time, "sleep", slept.append)
    pace.use(pace.LocalPace(FakeClock()))
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 1)
    ids = [add_row("sms", f"+96650123456{n}", "Hi", f"t-pace-{n}") for n in range(3)]
    assert [outbox.deliver(i) for i in ids] == ["sent", "sent", "sent"]
    assert slept == [1.0, 2.0] and len(twilio.messages) == 3

    pace.use(pace.LocalPace(FakeClock()))
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 0.1)
    first, second = (add_row("sms", f"+96650123457{n}", "Hi", f"t-slow-{n}") for n in range(2))
    assert outbox.deliver(first) == "sent"
    assert outbox.deliver(second) == "pending"
    row = outbox.db.session.get(outbox.OutboxMessage, second, populate_existing=True)
    assert (row.attempts, row.sending_until, row.status) == (0, None, "pending")
    [queued] = stub_broker.queues["notifications.DQ"].queue
    message = dramatiq.Message.decode(queued)
    assert message.args == (second,) and message.options["eta"] - message.message_timestamp >= 9_900
    assert len(twilio.messages) == 4
