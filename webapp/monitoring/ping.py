"""Ping the workers: one `ping` message per queue, and the time until a worker answered it.

Both ends read Redis's clock (TIME), so the figure is true even when the web host's and the
worker host's clocks disagree. Results live in Redis for ten minutes under our own key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq import Message

from webapp.engine.registry import QUEUES

ACTOR = "ping"
KEEP_SECONDS = 600
GIVE_UP_SECONDS = 30.0  # no answer after this long: "no answer"


@dataclass(frozen=True)
class PingResult:
    """One queue's ping: answered after `round_trip_ms`, by `worker`; None while waiting."""

    queue: str
    round_trip_ms: float | None
    worker: str
    waited_seconds: float

    @property
    def state(self) -> str:
        """answered, waiting or no answer."""
        if self.round_trip_ms is not None:
            return "answered"
        return "no answer" if self.waited_seconds > GIVE_UP_SECONDS else "waiting"


def _client() -> Any | None:
    return getattr(dramatiq.get_broker(), "client", None)  # StubBroker has none


def _redis_now(client: Any) -> float:
    seconds, micros = client.time()
    return float(seconds) + micros / 1e6


def _key(token: str) -> str:
    return f"tamam:ping:{token}"


def send_pings() -> str | None:
    """Send a ping to every queue; returns the token to read the answers with (None: no Redis)."""
    client = _client()
    if client is None:
        return None
    token = secrets.token_urlsafe(12)
    sent = _redis_now(client)
    client.hset(_key(token), mapping={f"{queue}:sent": sent for queue in QUEUES})
    client.expire(_key(token), KEEP_SECONDS)
    broker = dramatiq.get_broker()
    for queue in QUEUES:
        broker.enqueue(
            Message(queue_name=queue, actor_name=ACTOR, args=(token, queue), kwargs={}, options={})
        )
    return token


def answer(token: str, queue: str, worker: str) -> None:
    """The worker's side: note when the ping arrived (Redis's clock) and who took it."""
    client = _client()
    if client is None or not client.exists(_key(token)):
        return  # too old: nobody is waiting for it any more
    client.hsetnx(_key(token), f"{queue}:received", _redis_now(client))
    client.hsetnx(_key(token), f"{queue}:worker", worker)


def results(token: str) -> list[PingResult] | None:
    """Each queue's answer so far; None when the token is unknown or expired."""
    client = _client()
    if client is None:
        return None
    fields = client.hgetall(_key(token))
    if not fields:
        return None
    values = {k.decode() if isinstance(k, bytes) else k: v for k, v in fields.items()}
    now = _redis_now(client)
    answers = []
    for queue in QUEUES:
        sent = float(values.get(f"{queue}:sent", now))
        received = values.get(f"{queue}:received")
        worker = values.get(f"{queue}:worker", b"")
        answers.append(
            PingResult(
                queue=queue,
                round_trip_ms=None if received is None else (float(received) - sent) * 1000,
                worker=worker.decode() if isinstance(worker, bytes) else str(worker),
                waited_seconds=now - sent,
            )
        )
    return answers
