"""Periods on the forms: where orders exist, and refusing a period that holds none at all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from webapp.engine.errors import ParamError
from webapp.generators.dates import short_date
from webapp.generators.order_dates import DateRange


def check_period_has_orders(clean: Mapping[str, Any], known: DateRange | None) -> None:
    """Refuse validated params whose period lies wholly outside the dates that hold orders.

    The message sits under the date that, moved alone, would fix it: the start date when the
    period is after the last order, the end date when it is before the first.
    """
    date_from = date.fromisoformat(clean["date_from"])
    date_to = date.fromisoformat(clean["date_to"])
    if known is None:
        raise ParamError("period", "There are no orders yet, so any report would be empty.")
    first, last = known
    between = f"No orders between {short_date(date_from)} and {short_date(date_to)}"
    if date_from > last:
        raise ParamError("date_from", f"{between}: the last order is from {short_date(last)}.")
    if date_to < first:
        raise ParamError("date_to", f"{between}: the first order is from {short_date(first)}.")
