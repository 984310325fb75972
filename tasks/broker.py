"""Build the Dramatiq broker from REDIS_URL and install it before any actor is imported."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis, dq_name, xq_name
from dramatiq.middleware import CurrentMessage
from flask import Flask

from tasks.middleware.app_context import AppContextMiddleware
from tasks.middleware.heartbeat import HeartbeatMiddleware

# Dead workers' messages are requeued after this long without a heartbeat (ms).
HEARTBEAT_TIMEOUT_MS = 30_000
# Out of a million broker calls, how many also run queue maintenance (requeue dead workers').
MAINTENANCE_CHANCE = 10_000


class JobRedisBroker(RedisBroker):
    """RedisBroker that files job messages in Redis under their own message id.

    Stock Dramatiq files each message under a random id, so nobody can ask Redis "is job X's
    message still there?". Recovery must ask that to re-send exactly the messages Redis lost.
    This is safe for job messages only (option `job`): each send gets a fresh message id and
    job actors never use Dramatiq's own retries, which would re-enqueue the same id.

    Everything in Tamam that reads Dramatiq's Redis key layout is a method of this class
    (`holds_messages`, `queue_counts`); tests/jobs/test_redis_layout.py fails if a Dramatiq
    upgrade changes that layout. The keys, for a queue q in namespace ns:
    `ns:q` ready ids, `ns:q.msgs` ready and in-flight bodies by id, `ns:q.DQ.msgs` delayed and
    retrying bodies by id, `ns:q.XQ` dead-lettered ids.
    """

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        """Enqueue like RedisBroker, keyed by message_id for job messages."""
        if not message.options.get("job"):
            return super().enqueue(message, delay=delay)
        queue_name = message.queue_name
        message = message.copy(options={"redis_message_id": message.message_id})
        if delay is not None:
            queue_name = dq_name(queue_name)
            message = message.copy(queue_name=queue_name, options={"eta": current_millis() + delay})
        self.emit_before("enqueue", message, delay)
        self.do_enqueue(queue_name, message.message_id, message.encode())
        self.emit_after("enqueue", message, delay)
        return message

    def _key(self, queue_name: str, suffix: str = "") -> str:
        return f"{self.namespace}:{queue_name}{suffix}"

    def holds_messages(self, messages: Sequence[tuple[str, str]]) -> list[bool]:
        """For each (queue, message id): is it ready, in flight or delayed? One round trip."""
        if not messages:
            return []
        with self.client.pipeline(transaction=False) as pipe:
            for queue_name, message_id in messages:
                pipe.hexists(self._key(queue_name, ".msgs"), message_id)
                pipe.hexists(self._key(dq_name(queue_name), ".msgs"), message_id)
            found = pipe.execute()
        return [bool(found[i] or found[i + 1]) for i in range(0, len(found), 2)]

    def queue_counts(self, queue_names: Iterable[str]) -> list[tuple[int, int, int]]:
        """(ready incl. in flight, delayed or retrying, dead-lettered) per queue."""
        names = list(queue_names)
        with self.client.pipeline(transaction=False) as pipe:
            for queue_name in names:
                pipe.hlen(self._key(queue_name, ".msgs"))
                pipe.hlen(self._key(dq_name(queue_name), ".msgs"))
                pipe.zcard(self._key(xq_name(queue_name)))
            counts = pipe.execute()
        return [(counts[i], counts[i + 1], counts[i + 2]) for i in range(0, len(counts), 3)]


def build_broker(
    redis_url: str | None,
    app: Flask | Callable[[], Flask] | None = None,
) -> dramatiq.Broker:
    """A RedisBroker for `redis_url`, or a StubBroker when it is None (unit tests only).

    Each message runs inside its own app context; `app` is the app, or a factory called once
    per worker process (the default builds the app from the environment).
    """
    if redis_url is None:
        broker: dramatiq.Broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        # The client is built here: given a URL, Dramatiq makes a pool from it alone and the
        # timeouts passed beside it would be ignored.
        client = redis.Redis.from_url(
            redis_url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
        )
        broker = JobRedisBroker(
            client=client,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
        )
    broker.add_middleware(CurrentMessage())  # a job waiting for the database is re-delayed
    broker.add_middleware(AppContextMiddleware(app or worker_app))
    broker.add_middleware(HeartbeatMiddleware())
    return broker


def worker_app() -> Flask:
    """The app a worker process builds from the environment; on SQLite its pool does not ping.

    A ping is a `SELECT 1` before every checkout, one per transaction. A SQLite file has no
    server to drop a connection, so the worker does without it there. On PostgreSQL it stays:
    after a server restart or a failover a pooled connection is dead, and without the ping the
    first statement on it (a progress write, a job's completion) would fail and cost the job
    an attempt instead of reconnecting unnoticed.
    """
    from webapp import create_app
    from webapp.settings import engine_options, load_settings

    url = load_settings()["SQLALCHEMY_DATABASE_URI"]
    options = engine_options(url)
    if url.startswith("sqlite"):
        options = {**options, "pool_pre_ping": False}
    return create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})


def install(broker: dramatiq.Broker) -> dramatiq.Broker:
    """Make `broker` the global broker and move every actor declared so far onto it."""
    previous = dramatiq.broker.global_broker  # read directly: get_broker() would invent one
    dramatiq.set_broker(broker)
    if previous is not None and previous is not broker:
        for name in previous.get_declared_actors():
            actor = previous.get_actor(name)
            actor.broker = broker
            broker.declare_actor(actor)
    return broker


def install_from_environment() -> dramatiq.Broker:
    """Install the broker for the environment's REDIS_URL (the worker's entry point)."""
    from webapp.settings import load_settings

    return install(build_broker(load_settings()["REDIS_URL"]))


def init_app(app: Flask) -> None:
    """Give the web app a broker for its REDIS_URL unless one is installed, then the actors."""
    if dramatiq.broker.global_broker is None:
        install(build_broker(app.config["REDIS_URL"], app))
    import tasks.actors  # noqa: F401  (declares every actor on the installed broker)
