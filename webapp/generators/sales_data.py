"""Gather a sales report's figures by streaming order rows in chunks and adding them up in Python.

What counts: revenue is the order subtotal before tax, from orders that are paid, shipped or
delivered. Cancelled orders never took money and refunded orders gave it all back, so both are
left out of every figure (orders, revenue, tax, units, average, top customers); the report shows
their count and value on separate lines so the money left out is visible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from webapp.generators.order_dates import no_data, order_date_range
from webapp.generators.progress import Tracker
from webapp.generators.sales_grain import Bucket, PeriodRow, grain_for, group_days
from webapp.generators.streaming import AnyRow, count_rows, reading, stream
from webapp.i18n import N_
from webapp.models.sales import CHANNELS, REGIONS, Customer, Order, OrderLine, Product

REVENUE_STATUSES = ("paid", "shipped", "delivered")
EXCLUDED_STATUSES = ("cancelled", "refunded")
TOP_CUSTOMERS = 20
_ID_BATCH = 500


@dataclass(frozen=True)
class ProductRow:
    """One product's units and revenue."""

    sku: str
    name: str
    category: str
    units: int
    revenue_cents: int


@dataclass(frozen=True)
class CustomerRow:
    """One of the top customers by revenue."""

    rank: int
    customer_id: int
    name: str
    email: str
    region: str
    orders: int
    revenue_cents: int


@dataclass
class SalesData:
    """Every figure a sales report shows, whatever its format."""

    date_from: date
    date_to: date
    generated_at: datetime
    totals: Bucket = field(default_factory=Bucket)
    units: int = 0
    excluded: dict[str, Bucket] = field(default_factory=dict)
    grain: str = "day"
    by_period: list[PeriodRow] = field(default_factory=list)
    by_region_channel: list[tuple[str, str, Bucket]] = field(default_factory=list)
    by_region: list[tuple[str, Bucket]] = field(default_factory=list)
    by_product: list[ProductRow] = field(default_factory=list)
    top_customers: list[CustomerRow] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)


@dataclass
class _Tally:
    """Running sums while the order rows stream by."""

    totals: Bucket = field(default_factory=Bucket)
    days: dict[date, Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    places: dict[tuple[str, str], Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    customers: dict[int, Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    excluded: dict[str, Bucket] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    units: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    product_revenue: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def collect_sales(date_from: date, date_to: date, tracker: Tracker, end: int) -> SalesData:
    """Read the period's orders and lines in chunks; progress runs from where it is up to `end`.

    A period without a single order (of any status) raises NO_DATA instead of a file of zeros.
    """
    tracker.report(tracker.percent, N_("Counting orders"))
    in_period = Order.order_date.between(date_from, date_to)
    sold = (in_period, Order.status.in_(REVENUE_STATUSES))
    columns = (Order.order_date, Order.status, Order.region, Order.channel, Order.customer_id)
    orders = select(*columns, Order.currency, Order.subtotal_cents, Order.tax_cents)
    orders = orders.where(in_period)
    lines = select(OrderLine.product_id, OrderLine.quantity, OrderLine.line_total_cents)
    lines = lines.join(Order).where(*sold)
    tally = _Tally(excluded={status: Bucket() for status in EXCLUDED_STATUSES})
    with reading() as conn:
        n_orders = count_rows(conn, select(Order.id).where(in_period))
        if n_orders == 0:
            raise no_data(date_from, date_to, order_date_range(conn))
        n_lines = count_rows(conn, select(OrderLine.id).join(Order).where(*sold))
        stage = tracker.stage(tracker.percent + 1, end, n_orders + n_lines)
        done = 0
        with stream(conn, orders) as result:
            for part in result.partitions():
                _add_orders(tally, part)
                done += len(part)
                stage.advance(
                    done,
                    N_("Read %(done)s of %(total)s orders")
                    % {"done": f"{done:,}", "total": f"{n_orders:,}"},
                )
        done = 0
        with stream(conn, lines) as result:
            for part in result.partitions():
                for product_id, quantity, line_total in part:
                    tally.units[product_id] += quantity
                    tally.product_revenue[product_id] += line_total
                done += len(part)
                stage.advance(
                    n_orders + done,
                    N_("Read %(done)s of %(total)s order lines")
                    % {"done": f"{done:,}", "total": f"{n_lines:,}"},
                )
        data = _summarise(conn, tally, date_from, date_to)
    tracker.report(end, N_("Figures ready"))
    return data


def _add_orders(tally: _Tally, rows: Sequence[AnyRow]) -> None:
    """Add a chunk of order rows to the running sums."""
    for day, status, region, channel, customer_id, currency, revenue, tax in rows:
        tally.currencies.add(currency)  # excluded amounts are shown too, in the same currency
        if status not in REVENUE_STATUSES:
            tally.excluded.setdefault(status, Bucket()).add(revenue, tax)
            continue
        tally.totals.add(revenue, tax)
        tally.days[day].add(revenue, tax)
        tally.places[region, channel].add(revenue, tax)
        tally.customers[customer_id].add(revenue, tax)


def _summarise(conn: Connection, tally: _Tally, date_from: date, date_to: date) -> SalesData:
    """Turn the running sums into the report's sections."""
    keys = {(r, c) for r in REGIONS for c in CHANNELS} | set(tally.places)
    by_region_channel = [(r, c, tally.places.get((r, c), Bucket())) for r, c in sorted(keys)]
    grain = grain_for(date_from, date_to)
    return SalesData(
        date_from=date_from,
        date_to=date_to,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        totals=tally.totals,
        units=sum(tally.units.values()),
        excluded=tally.excluded,
        grain=grain,
        by_period=group_days(tally.days, date_from, date_to, grain),
        by_region_channel=by_region_channel,
        by_region=_regions(by_region_channel),
        by_product=_products(conn, tally.units, tally.product_revenue),
        top_customers=_top_customers(conn, tally.customers),
        currencies=sorted(tally.currencies),
    )


def _regions(rows: list[tuple[str, str, Bucket]]) -> list[tuple[str, Bucket]]:
    regions: dict[str, Bucket] = {}
    for region, _channel, bucket in rows:
        regions.setdefault(region, Bucket()).absorb(bucket)
    return sorted(regions.items())


def _products(conn: Connection, units: dict[int, int], revenue: dict[int, int]) -> list[ProductRow]:
    ids = sorted(units)
    info: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(ids), _ID_BATCH):
        batch = ids[start : start + _ID_BATCH]
        stmt = select(Product.id, Product.sku, Product.name, Product.category)
        for pid, sku, name, category in conn.execute(stmt.where(Product.id.in_(batch))):
            info[pid] = (sku, name, category)
    rows = [
        ProductRow(*info.get(pid, ("", f"Product {pid}", "")), units[pid], revenue[pid])
        for pid in ids
    ]
    return sorted(rows, key=lambda row: (-row.revenue_cents, row.sku))


def _top_customers(conn: Connection, customers: dict[int, Bucket]) -> list[CustomerRow]:
    ranked = sorted(customers.items(), key=lambda item: (-item[1].revenue_cents, item[0]))
    top = ranked[:TOP_CUSTOMERS]
    stmt = select(Customer.id, Customer.name, Customer.email, Customer.region)
    found = {row.id: row for row in conn.execute(stmt.where(Customer.id.in_([c for c, _ in top])))}
    rows = []
    for rank, (customer_id, bucket) in enumerate(top, start=1):
        row = found.get(customer_id)
        name, email, region = (row.name, row.email, row.region) if row else ("", "", "")
        rows.append(
            CustomerRow(rank, customer_id, name, email, region, bucket.orders, bucket.revenue_cents)
        )
    return rows
