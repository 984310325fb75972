"""The orders_export job type: every order in a period with its customer and totals.

Filters: date range (both ends included), status and region (empty means all). Rows come in
order date order, streamed from the database in chunks and written straight out, so memory
stays flat for a million rows: CSV row by row, Excel with xlsxwriter's constant_memory mode.
An Excel sheet holds at most 1,048,576 rows; when one is full the rows continue on a new sheet
("Orders", "Orders (2)", ...), each with its header row, frozen, and an autofilter.
Progress is rows written out of a COUNT(*) taken first.

The CSV is UTF-8 with a byte-order mark (so Excel reads accented names), one header line,
dates as YYYY-MM-DD and amounts as currency units with a dot and two decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from webapp.engine.errors import JobError
from webapp.generators.contract import (
    CONTENT_TYPES,
    EXTENSIONS,
    FileResult,
    ProgressFn,
    write_atomically,
)
from webapp.generators.order_dates import no_data, order_date_range
from webapp.generators.orders_writers import write_orders_csv, write_orders_excel
from webapp.generators.params import (
    days_in_period,
    period,
    report_language,
    validate_orders_export_params,
)
from webapp.generators.progress import Tracker
from webapp.generators.rtl import written_in
from webapp.generators.streaming import AnySelect, reading, stream
from webapp.i18n import N_
from webapp.models.sales import Customer, Order

Writer = Callable[[Path, Iterable[Sequence[Any]], Tracker, int], None]

__all__ = ["build_orders_export", "file_name", "size_hint", "validate_orders_export_params"]

WRITERS: dict[str, Writer] = {"csv": write_orders_csv, "excel": write_orders_excel}


def file_name(params: Mapping[str, Any]) -> str:
    """The download name: orders-<from>-to-<to>[-<status>][-<region>].<csv|xlsx>."""
    date_from, date_to = period(params)
    parts = ["orders", date_from.isoformat(), "to", date_to.isoformat()]
    parts += [params[key].lower() for key in ("status", "region") if params.get(key)]
    return "-".join(parts) + "." + EXTENSIONS[params["format"]]


def size_hint(params: Mapping[str, Any]) -> int:
    """How big the job is, for scaling ETAs: the number of days in the period."""
    return days_in_period(params)


def _conditions(params: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The export's filters on orders: the period (both ends included), status and region."""
    date_from, date_to = period(params)
    found = [Order.order_date.between(date_from, date_to)]
    if params.get("status"):
        found.append(Order.status == params["status"])
    if params.get("region"):
        found.append(Order.region == params["region"])
    return found


def orders_query(params: Mapping[str, Any]) -> AnySelect:
    """The export's rows, oldest first: order, customer and amounts in cents."""
    return (
        select(
            Order.number,
            Order.order_date,
            Order.status,
            Order.region,
            Order.channel,
            Order.customer_id,
            Customer.name,
            Customer.email,
            Order.currency,
            Order.subtotal_cents,
            Order.tax_cents,
            Order.total_cents,
        )
        .join(Customer, Customer.id == Order.customer_id)
        .where(*_conditions(params))
        .order_by(Order.order_date, Order.id)
    )


def count_orders(conn: Connection, params: Mapping[str, Any]) -> int:
    """How many rows the export holds, counted on orders alone: every order has its customer
    (a NOT NULL foreign key, enforced), so the join adds no row and takes none away, and the
    count reads the (order_date, status, region) index instead of joining a million rows."""
    return int(
        conn.scalar(select(func.count()).select_from(Order).where(*_conditions(params))) or 0
    )


def _no_data(conn: Connection, params: Mapping[str, Any]) -> JobError:
    """NO_DATA naming the period and the filters, and whether the filters left nothing."""
    filters = [(key, params[key]) for key in ("status", "region") if params.get(key)]
    unfiltered = 0
    if filters:
        whole_period = {"date_from": params["date_from"], "date_to": params["date_to"]}
        unfiltered = count_orders(conn, whole_period)
    return no_data(*period(params), order_date_range(conn), filters, unfiltered)


def build_orders_export(params: dict[str, Any], out_dir: Path, progress: ProgressFn) -> FileResult:
    """Export the orders matching validated `params` into out_dir; return the finished file.

    No matching order raises NO_DATA (not retried) instead of writing a file of headers only.
    """
    fmt = params["format"]
    write = WRITERS[fmt]
    tracker = Tracker(progress)
    tracker.report(0, N_("Counting orders"))
    stmt = orders_query(params)
    name = file_name(params)
    with reading() as conn:
        total = count_orders(conn, params)
        if total == 0:
            raise _no_data(conn, params)
        tracker.report(1, N_("Exporting %(total)s orders") % {"total": f"{total:,}"})

        def produce(path: Path) -> None:
            """Stream the rows into the temp file at `path`, its words in the job's language."""
            with written_in(report_language(params)), stream(conn, stmt) as result:
                write(path, result.partitions(), tracker, total)

        return write_atomically(
            out_dir,
            name,
            CONTENT_TYPES[fmt],
            produce,
            lambda _r: tracker.done(N_("%(file)s is ready") % {"file": name}),
        )
