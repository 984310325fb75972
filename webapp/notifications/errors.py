"""How a delivery attempt ends, as every channel reports it to the outbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """A delivery that went through: the provider's id, the HTTP status, how long it took."""

    provider_id: str | None
    status: int | None = None
    duration_ms: int = 0


class DeliveryError(Exception):
    """A delivery that did not go through; `http_status` when the receiver answered."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class Transient(DeliveryError):
    """Worth trying again later; `maybe_sent` when the request may have reached the provider."""

    def __init__(self, message: str, maybe_sent: bool = False, http_status: int | None = None):
        super().__init__(message, http_status)
        self.maybe_sent = maybe_sent


class Permanent(DeliveryError):
    """The message itself was refused (a bad number, an unknown address): never retried.

    `opted_out` when the provider says the recipient unsubscribed (an SMS STOP).
    """

    def __init__(self, message: str, opted_out: bool = False, http_status: int | None = None):
        super().__init__(message, http_status)
        self.opted_out = opted_out


class RateLimited(DeliveryError):
    """The provider asked to slow down (429): nothing was sent; again after `retry_after` s."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, 429)
        self.retry_after = retry_after


class Skip(Exception):
    """Nothing to send after all (the owner turned job emails off, the file expired)."""
