"""Which dates hold orders, and the failure a report or export gives when its period has none.

`order_date_range` is one query of two index look-ups (MIN and MAX of the indexed order date,
each in its own scalar subquery so SQLite and PostgreSQL seek the index instead of scanning it),
cheap enough for every form page without a cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, func, select

from webapp.engine.errors import NO_DATA, JobError
from webapp.extensions import db
from webapp.generators.dates import short_date
from webapp.i18n import gettext as _
from webapp.models.sales import Order

DateRange = tuple[date, date]


def order_date_range(conn: Connection | None = None) -> DateRange | None:
    """(first, last) order date in the database, or None when there are no orders at all."""
    first = select(func.min(Order.order_date)).scalar_subquery()
    last = select(func.max(Order.order_date)).scalar_subquery()
    stmt = select(first, last)
    row = (conn.execute(stmt) if conn is not None else db.session.execute(stmt)).one()
    if row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def where_orders_are(known: DateRange | None) -> str:
    """'Orders exist from 3 Jan 2024 to 23 Nov 2026.' (or that there are none yet)."""
    if known is None:
        return _("There are no orders yet.")
    first, last = known
    if first == last:
        return _("Orders exist on %(day)s only.", day=short_date(first))
    return _(
        "Orders exist from %(first)s to %(last)s.", first=short_date(first), last=short_date(last)
    )


def filters_words(filters: Sequence[tuple[str, str]]) -> str:
    """' with status Shipped in region North' for the filters that are set ('' for none)."""
    words = {"status": "with status", "region": "in region"}
    return "".join(f" {words.get(name, name)} {value.capitalize()}" for name, value in filters)


def no_data(
    date_from: date,
    date_to: date,
    known: DateRange | None,
    filters: Sequence[tuple[str, str]] = (),
    unfiltered: int = 0,
) -> JobError:
    """The failure for a period (and filters) without orders: NO_DATA, never retried.

    `unfiltered` is how many orders the period holds without the filters, to say whether the
    period or the filters left nothing.
    """
    between = f"{short_date(date_from)} and {short_date(date_to)}"
    message = f"No orders between {between}{filters_words(filters)}"
    if filters and unfiltered:
        noun = "order" if unfiltered == 1 else "orders"
        details = f"The period holds {unfiltered:,} {noun}, but none match the filters."
    else:
        details = f"{where_orders_are(known)} Choose a period that overlaps them."
        if known is None:
            details = where_orders_are(known)
    return JobError(NO_DATA, message, details, retry=False)
