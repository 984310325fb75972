"""The sales report as one tidy CSV table.

One header line, then one row per figure; the first column, `section`, says which part of the
report a row belongs to: `total` (one row), `excluded` (cancelled and refunded orders, one row per
status, not counted in any other row), then sales over time at the PDF's grain: `day`, `week`
or `month` rows (every day of the period in exactly one, zeros included; `date` is the row's
first day and `date_to` its last, both inside the period, so the first and last weeks or months
may be partial), then `product`, `region_channel` and `top_customer` (ranked). Columns that do
not apply to a section are empty. A spreadsheet user filters on `section` to get any part, and
every amount sits in the same `revenue` and `tax` columns, so sums and pivots work; a file with
several tables stacked one after another would break both filtering and every CSV importer.

Amounts are currency units with two decimals and a dot (no thousands separators), revenue is
before tax, dates are YYYY-MM-DD. The file is UTF-8 with a byte-order mark so Excel reads
accented names correctly. Text from the data is neutralised against formula injection.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from webapp.generators.progress import Tracker
from webapp.generators.safe_cells import csv_row, money_text
from webapp.generators.sales_data import Bucket, SalesData
from webapp.i18n import N_

COLUMNS = (
    "section", "date", "date_to", "region", "channel", "status", "sku", "product", "category",
    "rank", "customer_id", "customer", "email", "orders", "units", "revenue", "tax",
)  # fmt: skip


def _row(section: str, **values: Any) -> list[Any]:
    """A row with `values` in their columns and the rest empty."""
    for key in ("revenue", "tax"):
        if key in values:
            values[key] = money_text(values[key])
    return csv_row([section, *(values.get(name) for name in COLUMNS[1:])])


def _sums(b: Bucket) -> dict[str, int]:
    return {"orders": b.orders, "revenue": b.revenue_cents, "tax": b.tax_cents}


def sales_rows(data: SalesData) -> list[list[Any]]:
    """Every row of the tidy table, in report order."""
    rows = [_row("total", units=data.units, **_sums(data.totals))]
    rows += [_row("excluded", status=s, **_sums(b)) for s, b in data.excluded.items()]
    rows += [
        _row(data.grain, date=r.start, date_to=r.end, **_sums(r.bucket)) for r in data.by_period
    ]
    for p in data.by_product:
        product = {"sku": p.sku, "product": p.name, "category": p.category}
        rows.append(_row("product", **product, units=p.units, revenue=p.revenue_cents))
    rows += [
        _row("region_channel", region=r, channel=c, **_sums(b))
        for r, c, b in data.by_region_channel
    ]
    for c in data.top_customers:
        who = {"customer_id": c.customer_id, "customer": c.name, "email": c.email}
        sums = {"orders": c.orders, "revenue": c.revenue_cents}
        rows.append(_row("top_customer", rank=c.rank, **who, region=c.region, **sums))
    return rows


def render_csv(data: SalesData, path: Path, tracker: Tracker) -> None:
    """Write the tidy CSV to `path`."""
    stage = tracker.stage(tracker.percent, 99, 1)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(sales_rows(data))
    stage.advance(1, N_("CSV written"))
