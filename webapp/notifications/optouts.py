"""Opt-outs: customers who left a channel are never sent anything more on it.

An opt-out comes from the unsubscribe link in a bulk email (signed, never expiring: it must
work years later), from the SMS provider (a recipient who replied STOP), or from staff. The
fan-outs skip and count them (webapp.notifications.fanout).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, select

from webapp.engine.clock import db_time
from webapp.engine.links import absolute_url
from webapp.models.notify import OPT_OUT_CHANNELS, OptOut
from webapp.models.ops import OutboxMessage
from webapp.notifications.rows import insert_ignoring

SALT = "unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(customer_id: int, channel: str) -> str:
    """A signed token naming the customer and the channel they may leave."""
    return str(_serializer().dumps([customer_id, channel]))


def unsubscribe_url(customer_id: int, channel: str = "email") -> str:
    """The absolute unsubscribe link for a message sent away (BASE_URL)."""
    return absolute_url("notify.unsubscribe", token=unsubscribe_token(customer_id, channel))


def read_token(token: str) -> tuple[int, str] | None:
    """(customer id, channel) from a genuine token, else None."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    customer_id, channel = payload
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        return None
    return (customer_id, channel) if channel in OPT_OUT_CHANNELS else None


def opt_out(conn: Connection, customer_ids: Iterable[int], channel: str, source: str) -> None:
    """Record that these customers left `channel` (again is harmless)."""
    rows = [{"customer_id": c, "channel": channel, "source": source} for c in customer_ids]
    if rows:
        statement = insert_ignoring(conn, OptOut, ["customer_id", "channel"])
        conn.execute(statement.values(at=db_time()), rows)


def opt_out_rows(conn: Connection, outbox_ids: list[int], source: str) -> None:
    """The customers of these outbox rows leave the rows' channels (a provider said STOP)."""
    found = conn.execute(
        select(OutboxMessage.customer_id, OutboxMessage.channel).where(
            OutboxMessage.id.in_(outbox_ids), OutboxMessage.customer_id.is_not(None)
        )
    ).all()
    for customer_id, channel in found:
        if channel in OPT_OUT_CHANNELS:
            opt_out(conn, [customer_id], channel, source)


def opted_out(conn: Connection, customer_ids: list[int]) -> set[tuple[int, str]]:
    """Of these customers, the (customer id, channel) pairs they left."""
    if not customer_ids:
        return set()
    rows = conn.execute(
        select(OptOut.customer_id, OptOut.channel).where(OptOut.customer_id.in_(customer_ids))
    ).all()
    return {(int(c), str(ch)) for c, ch in rows}
