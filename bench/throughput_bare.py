"""The bare-Dramatiq side of bench_throughput: a stock RedisBroker and a do-nothing actor.

Run by `dramatiq --path bench throughput_bare --processes 2 --threads 8`, the same command
shape as `dramatiq tasks.worker`; the bench sends the messages with `noop.send()` first.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

QUEUE = "bare"

dramatiq.set_broker(RedisBroker(url=os.environ["REDIS_URL"]))


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop(job_id: str) -> None:
    """Do nothing (the message's acknowledgement is what the bench waits for)."""
