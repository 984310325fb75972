"""Dramatiq's Redis key layout, which JobRedisBroker alone reads: this fails if an upgrade moves it.

If a test here fails after upgrading Dramatiq, update `JobRedisBroker.holds_messages` and
`queue_counts` (tasks/broker.py) to the new layout; recovery and the backlog figures use them.
"""

from __future__ import annotations

import threading

import dramatiq
import pytest
from dramatiq import Message

from tasks.broker import build_broker
from tests.jobs.helpers import wait_until
from webapp.engine import dispatch, transitions

RELEASE = threading.Event()
STARTED = threading.Event()


def job_message(actor_name: str, queue: str) -> Message:  # type: ignore[type-arg]
    """A message filed like a job's: under its own id (option `job`)."""
    return Message(
        queue_name=queue, actor_name=actor_name, args=(), kwargs={}, options={"job": True},
        message_id=transitions.new_message_id(),
    )  # fmt: skip


@pytest.fixture
def layout_actors(redis_broker):
    """On their own queue: an actor that blocks (in flight) and one that fails (dead letter)."""
    RELEASE.clear()
    STARTED.clear()

    @dramatiq.actor(queue_name="layout", max_retries=0, actor_name="layout_block")
    def block() -> None:
        STARTED.set()
        RELEASE.wait(10)

    @dramatiq.actor(queue_name="layout", max_retries=0, actor_name="layout_fail")
    def fail() -> None:
        raise RuntimeError("dead letter")

    yield
    RELEASE.set()


def test_ready_and_delayed_messages(redis_broker):
    """Ready ids in a list and bodies in .msgs; delayed ones in .DQ and .DQ.msgs; by their id."""
    client = redis_broker.client
    ready, delayed = transitions.new_message_id(), transitions.new_message_id()
    redis_broker.enqueue(dispatch.build_message("job-a", "ping", ready))
    redis_broker.enqueue(dispatch.build_message("job-b", "ping", delayed), delay=3_600_000)
    assert client.lrange("dramatiq:default", 0, -1) == [ready.encode()]
    assert client.hkeys("dramatiq:default.msgs") == [ready.encode()]
    assert client.lrange("dramatiq:default.DQ", 0, -1) == [delayed.encode()]
    assert client.hkeys("dramatiq:default.DQ.msgs") == [delayed.encode()]
    assert redis_broker.holds_messages(
        [("default", ready), ("default", delayed), ("default", "gone")]
    ) == [True, True, False]
    assert redis_broker.queue_counts(["default", "reports"]) == [(1, 1, 0), (0, 0, 0)]


def test_in_flight_and_dead_messages(redis_broker, layout_actors):
    """In flight: out of the list, still in .msgs; dead: in .XQ. Both counted and found."""
    client = redis_broker.client
    in_flight = redis_broker.enqueue(job_message("layout_block", "layout"))
    redis_broker.enqueue(job_message("layout_fail", "layout"))
    worker = dramatiq.Worker(redis_broker, queues={"layout"}, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        assert STARTED.wait(10)
        wait_until(lambda: client.zcard("dramatiq:layout.XQ") == 1)
        assert client.llen("dramatiq:layout") == 0
        assert redis_broker.holds_messages([("layout", in_flight.message_id)]) == [True]
        assert redis_broker.queue_counts(["layout"]) == [(1, 0, 1)]
    finally:
        RELEASE.set()
        worker.stop()


def test_the_broker_uses_its_timeouts():
    """A Redis that stops answering fails a call after 10 s (5 s to connect), as set."""
    broker = build_broker("redis://127.0.0.1:9/0")  # nothing listens there; nothing connects
    settings = broker.client.connection_pool.connection_kwargs
    assert (settings["socket_timeout"], settings["socket_connect_timeout"]) == (10, 5)
