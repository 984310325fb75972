"""The sales report as an Excel workbook: a sheet per section, typed cells and two charts.

Every sheet has one header row, frozen, with an autofilter over its table and columns fitted to
their contents. Money is in currency units with two decimals, counts have thousands
separators, dates are real date cells and shares are percentages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from webapp.generators.progress import Tracker
from webapp.generators.safe_cells import write_cell
from webapp.generators.sales_data import SalesData
from webapp.generators.sales_text import excluded_note, revenue_note

# A column is (header, kind); kind picks the cell format.
Column = tuple[str, str]
FORMATS = {
    "text": {},
    "int": {"num_format": "#,##0"},
    "money": {"num_format": "#,##0.00"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
    "percent": {"num_format": "0.0%"},
}
MAX_WIDTH_PX = 420


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _table(
    book: Workbook,
    name: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    formats: dict[str, Any],
) -> Worksheet:
    """A sheet holding one table: bold frozen header, typed cells, autofilter, fitted widths."""
    ws = book.add_worksheet(name)
    for col, (header, _kind) in enumerate(columns):
        ws.write_string(0, col, header, formats["header"])
    for row_number, row in enumerate(rows, start=1):
        for col, ((_header, kind), value) in enumerate(zip(columns, row, strict=True)):
            if kind == "money" and isinstance(value, int):
                value = value / 100
            write_cell(ws, row_number, col, value, formats[kind])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(rows)), len(columns) - 1)
    ws.autofit(MAX_WIDTH_PX)
    return ws


def _summary(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Totals with what they leave out, and the period and time of the report."""
    t = data.totals
    rows: list[tuple[str, Any, str, str]] = [
        ("Period from", data.date_from, "date", ""),
        ("Period to", data.date_to, "date", ""),
        ("Generated at (UTC)", data.generated_at.replace(tzinfo=None), "datetime", ""),
        ("Currency", ", ".join(data.currencies) or "-", "text", ""),
        ("Orders", t.orders, "int", "Paid, shipped and delivered orders."),
        ("Units sold", data.units, "int", ""),
        ("Revenue (before tax)", t.revenue_cents / 100, "money", revenue_note()),
        ("Tax", t.tax_cents / 100, "money", ""),
        ("Revenue including tax", (t.revenue_cents + t.tax_cents) / 100, "money", ""),
        ("Average order value (before tax)", t.average_cents / 100, "money", ""),
    ]
    for status, bucket in data.excluded.items():
        note = excluded_note(status)
        rows.append((f"{status.capitalize()} orders (not counted)", bucket.orders, "int", note))
        rows.append(
            (f"{status.capitalize()} value (before tax)", bucket.revenue_cents / 100, "money", "")
        )
    ws = book.add_worksheet("Summary")
    for col, header in enumerate(("Measure", "Value", "Note")):
        ws.write_string(0, col, header, formats["header"])
    for row_number, (label, value, kind, note) in enumerate(rows, start=1):
        write_cell(ws, row_number, 0, label, formats["text"])
        write_cell(ws, row_number, 1, value, formats[kind])
        write_cell(ws, row_number, 2, note, formats["text"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), 2)
    ws.autofit(MAX_WIDTH_PX)


def _by_day(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Each day of the period with a line chart of revenue."""
    columns = [("Date", "date"), ("Orders", "int"), ("Revenue", "money"), ("Tax", "money")]
    columns.append(("Average order value", "money"))
    rows = [
        (day, b.orders, b.revenue_cents, b.tax_cents, b.average_cents) for day, b in data.by_day
    ]
    ws = _table(book, "By day", columns, rows, formats)
    chart = book.add_chart({"type": "line"})
    last = len(rows)
    chart.add_series(
        {
            "name": "Revenue",
            "categories": ["By day", 1, 0, last, 0],
            "values": ["By day", 1, 2, last, 2],
        }
    )
    chart.set_title({"name": "Revenue by day"})
    chart.set_x_axis({"date_axis": True, "num_format": "yyyy-mm-dd"})
    chart.set_y_axis({"num_format": "#,##0"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 320})
    ws.insert_chart(1, len(columns) + 1, chart)


def _by_product(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Units and revenue per product, best sellers first."""
    total = data.totals.revenue_cents
    columns = [("SKU", "text"), ("Product", "text"), ("Category", "text"), ("Units", "int")]
    columns += [("Revenue", "money"), ("Share of revenue", "percent")]
    rows = [
        (p.sku, p.name, p.category, p.units, p.revenue_cents, _share(p.revenue_cents, total))
        for p in data.by_product
    ]
    _table(book, "By product", columns, rows, formats)


def _by_region(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Region by sales channel, then revenue per region beside it with a column chart."""
    total = data.totals.revenue_cents
    columns = [("Region", "text"), ("Channel", "text"), ("Orders", "int"), ("Revenue", "money")]
    columns += [("Tax", "money"), ("Share of revenue", "percent")]
    rows = [
        (r, c, b.orders, b.revenue_cents, b.tax_cents, _share(b.revenue_cents, total))
        for r, c, b in data.by_region_channel
    ]
    name = "By region & channel"
    ws = _table(book, name, columns, rows, formats)
    left = len(columns) + 1
    ws.write_string(0, left, "Region", formats["header"])
    ws.write_string(0, left + 1, "Revenue", formats["header"])
    for n, (region, bucket) in enumerate(data.by_region, start=1):
        write_cell(ws, n, left, region, formats["text"])
        write_cell(ws, n, left + 1, bucket.revenue_cents / 100, formats["money"])
    ws.set_column(left, left + 1, 14)
    chart = book.add_chart({"type": "column"})
    last = len(data.by_region)
    chart.add_series(
        {
            "name": "Revenue",
            "categories": [name, 1, left, last, left],
            "values": [name, 1, left + 1, last, left + 1],
        }
    )
    chart.set_title({"name": "Revenue by region"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "#,##0"})
    ws.insert_chart(last + 2, left, chart)


def _top_customers(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """The customers with the most revenue in the period."""
    total = data.totals.revenue_cents
    columns = [("Rank", "int"), ("Customer", "text"), ("Email", "text"), ("Region", "text")]
    columns += [("Orders", "int"), ("Revenue", "money"), ("Share of revenue", "percent")]
    rows = [
        (
            c.rank,
            c.name,
            c.email,
            c.region,
            c.orders,
            c.revenue_cents,
            _share(c.revenue_cents, total),
        )
        for c in data.top_customers
    ]
    _table(book, "Top customers", columns, rows, formats)


SHEETS = (_summary, _by_day, _by_product, _by_region, _top_customers)


def render_excel(data: SalesData, path: Path, tracker: Tracker) -> None:
    """Write the workbook to `path`, advancing progress sheet by sheet up to 99 %."""
    stage = tracker.stage(tracker.percent, 99, len(SHEETS) + 1)
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    formats = {kind: book.add_format(props) for kind, props in FORMATS.items()}
    formats["header"] = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4"})
    book.set_properties({"title": "Sales report", "author": "Tamam"})
    for done, sheet in enumerate(SHEETS, start=1):
        sheet(book, data, formats)
        stage.advance(done, "Writing the workbook")
    book.close()
    stage.advance(len(SHEETS) + 1, "Workbook written")
