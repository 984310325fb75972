"""Per-channel rate limits: each send takes the channel's next free slot, one clock for all.

A channel allowed `rate` messages a second hands out slots 1/rate apart ("virtual scheduling",
as in GCRA): `reserve()` returns how long the caller waits before its send. A provider's 429
with Retry-After moves the channel's next slot past it (`pause()`), for every sender at once.

With Redis (the broker's), the slots are shared by every worker process on every host and
timed by Redis's own clock; `LocalPace` is the same rule in one process, with a clock and a
sleep that tests can replace to assert the decisions without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import dramatiq
from flask import current_app

RATE_SETTINGS = {
    "email": "EMAIL_RATE_PER_SECOND",
    "sms": "SMS_RATE_PER_SECOND",
    "whatsapp": "WHATSAPP_RATE_PER_SECOND",
}


def rate_of(channel: str) -> float:
    """Messages a second the channel may send (0: no limit)."""
    setting = RATE_SETTINGS.get(channel)
    return float(current_app.config.get(setting, 0) or 0) if setting else 0.0


class Pace(Protocol):
    """Hands out send slots per channel."""

    def reserve(self, channel: str, rate: float) -> float:
        """Take the next slot; returns the seconds to wait before sending in it."""

    def pause(self, channel: str, seconds: float) -> None:
        """No slot before `seconds` from now (a provider's Retry-After)."""


class LocalPace:
    """Slots in this process only, on `clock` (time.monotonic unless given)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.next_at: dict[str, float] = {}
        self.lock = threading.Lock()

    def reserve(self, channel: str, rate: float) -> float:
        """The next slot: now, or 1/rate after the previous one, whichever is later."""
        if rate <= 0:
            return 0.0
        with self.lock:
            now = self.clock()
            start = max(now, self.next_at.get(channel, now))
            self.next_at[channel] = start + 1.0 / rate
            return start - now

    def pause(self, channel: str, seconds: float) -> None:
        """Push the channel's next slot to at least `seconds` from now."""
        with self.lock:
            until = self.clock() + max(0.0, seconds)
            self.next_at[channel] = max(self.next_at.get(channel, until), until)


# KEYS[1]: the channel's next free slot (seconds, Redis clock). ARGV[1]: seconds per message,
# ARGV[2]: 1 to reserve a slot, 0 to push it to now + ARGV[1] (a pause). Returns the wait.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local step = tonumber(ARGV[1])
if ARGV[2] == '1' then
  local start = math.max(now, nxt)
  redis.call('SET', KEYS[1], tostring(start + step), 'EX', 3600)
  return tostring(start - now)
end
local untl = math.max(nxt, now + step)
redis.call('SET', KEYS[1], tostring(untl), 'EX', 3600)
return '0'
"""


class RedisPace:
    """Slots shared through Redis by every sender, on Redis's clock."""

    def __init__(self, client: object, namespace: str = "tamam:pace") -> None:
        self.script = client.register_script(_SCRIPT)  # type: ignore[attr-defined]
        self.namespace = namespace

    def reserve(self, channel: str, rate: float) -> float:
        """The next shared slot; the seconds until it."""
        if rate <= 0:
            return 0.0
        wait = self.script(keys=[f"{self.namespace}:{channel}"], args=[1.0 / rate, 1])
        return max(0.0, float(wait))

    def pause(self, channel: str, seconds: float) -> None:
        """No slot for anyone before `seconds` from now."""
        self.script(keys=[f"{self.namespace}:{channel}"], args=[max(0.0, seconds), 0])


_local = LocalPace()
_override: Pace | None = None


def current() -> Pace:
    """The broker's Redis when there is one, else this process's own slots."""
    if _override is not None:
        return _override
    client = getattr(dramatiq.get_broker(), "client", None)
    if client is None:
        return _local
    pace = getattr(client, "_tamam_pace", None)
    if pace is None:
        pace = RedisPace(client)
        client._tamam_pace = pace  # one registered script per connection pool
    return pace


def use(pace: Pace | None) -> None:
    """Make every sender use `pace` (tests), or go back to the default with None."""
    global _override
    _override = pace
