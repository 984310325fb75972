"""The sales report as an Excel workbook: a sheet per section, typed cells and two charts.

Every sheet has one header row, frozen, with an autofilter over its table and columns fitted to
their contents. Money is in currency units with two decimals (its headers name the currency),
counts have thousands separators, dates are real date cells shown as '1 Mar 2025', and shares
are percentages with enough decimals to tell small ones apart. Sales over time come by day,
week or month, as in the PDF ("By day", "By week" or "By month").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from webapp.generators.progress import Tracker
from webapp.generators.rtl import is_rtl
from webapp.generators.safe_cells import write_cell
from webapp.generators.sales_data import SalesData
from webapp.generators.sales_grain import partial_note
from webapp.generators.sales_text import (
    amounts_note,
    channel_label,
    currency_label,
    excluded_labels,
    excluded_note,
    region_label,
    revenue_by,
    revenue_note,
    share_decimals,
    title,
    with_currency,
)
from webapp.i18n import N_
from webapp.i18n import gettext as _

# A column is (header, kind); kind picks the cell format.
Column = tuple[str, str]
FORMATS = {
    "text": {},
    "int": {"num_format": "#,##0"},
    "money": {"num_format": "#,##0.00"},
    "date": {"num_format": "d mmm yyyy"},
    "datetime": {"num_format": "d mmm yyyy hh:mm"},
    "percent": {"num_format": "0.0%"},
}
MAX_WIDTH_PX = 420


def over_time_sheet(grain: str) -> str:
    """The name of the sheet of sales over time: 'By day', 'By week' or 'By month'."""
    return {"day": _("By day"), "week": _("By week"), "month": _("By month")}[grain]


def _sheet(book: Workbook, name: str) -> Worksheet:
    """A new sheet, running right to left in an Arabic workbook."""
    ws = book.add_worksheet(name)
    if is_rtl():
        ws.right_to_left()
    return ws


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _share_kind(book: Workbook, formats: dict[str, Any], shares: Sequence[float]) -> str:
    """A percent format with enough decimals for the column's smallest share to read apart.

    One decimal ('0.0%') shows every top customer of a large period as 0.0 % or 0.1 %; the
    column gets the decimals its smallest non-zero share needs for two significant digits,
    as the PDF's share columns do (sales_text.share_column).
    """
    smallest = min((share for share in shares if share > 0), default=0.0)
    decimals = share_decimals(100 * smallest)
    kind = f"percent{decimals}"
    if kind not in formats:
        formats[kind] = book.add_format({"num_format": "0." + "0" * decimals + "%"})
    return kind


def _table(
    book: Workbook,
    name: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    formats: dict[str, Any],
) -> Worksheet:
    """A sheet holding one table: bold frozen header, typed cells, autofilter, fitted widths."""
    ws = _sheet(book, name)
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

    def cur(label: str) -> str:
        return with_currency(label, data.currencies)

    currency = currency_label(data.currencies) or "-"
    rows: list[tuple[str, Any, str, str]] = [
        (_("Period from"), data.date_from, "date", ""),
        (_("Period to"), data.date_to, "date", ""),
        (_("Generated at (UTC)"), data.generated_at.replace(tzinfo=None), "datetime", ""),
        (_("Currency"), currency, "text", amounts_note(data.currencies)),
        (_("Orders"), t.orders, "int", _("Paid, shipped and delivered orders.")),
        (_("Units sold"), data.units, "int", ""),
        (cur(_("Revenue before tax")), t.revenue_cents / 100, "money", revenue_note()),
        (cur(_("Tax")), t.tax_cents / 100, "money", ""),
        (cur(_("Revenue including tax")), (t.revenue_cents + t.tax_cents) / 100, "money", ""),
        (cur(_("Average order value before tax")), t.average_cents / 100, "money", ""),
    ]
    for status, bucket in data.excluded.items():
        orders_label, value_label = excluded_labels(status)
        rows.append((orders_label, bucket.orders, "int", excluded_note(status)))
        rows.append((cur(value_label), bucket.revenue_cents / 100, "money", ""))
    ws = _sheet(book, _("Summary"))
    for col, header in enumerate((_("Measure"), _("Value"), _("Note"))):
        ws.write_string(0, col, header, formats["header"])
    for row_number, (label, value, kind, note) in enumerate(rows, start=1):
        write_cell(ws, row_number, 0, label, formats["text"])
        write_cell(ws, row_number, 1, value, formats[kind])
        write_cell(ws, row_number, 2, note, formats["text"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), 2)
    ws.autofit(MAX_WIDTH_PX)


def _over_time(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Each day, week or month of the period (as the PDF) with a line chart of revenue."""
    grain, cur = data.grain, data.currencies
    dates: list[Column] = (
        [(_("Date"), "date")] if grain == "day" else [(_("From"), "date"), (_("To"), "date")]
    )
    columns = [*dates, (_("Orders"), "int"), (with_currency(_("Revenue"), cur), "money")]
    columns += [(with_currency(_("Tax"), cur), "money")]
    columns.append((with_currency(_("Average order value"), cur), "money"))
    rows = [
        (
            *((r.start,) if grain == "day" else (r.start, r.end)),
            r.bucket.orders,
            r.bucket.revenue_cents,
            r.bucket.tax_cents,
            r.bucket.average_cents,
        )
        for r in data.by_period
    ]
    name = over_time_sheet(grain)
    ws = _table(book, name, columns, rows, formats)
    chart = book.add_chart({"type": "line"})
    last, revenue_col = len(rows), len(dates) + 1
    chart.add_series(
        {
            "name": _("Revenue"),
            "categories": [name, 1, 0, last, 0],
            "values": [name, 1, revenue_col, last, revenue_col],
        }
    )
    chart.set_title({"name": revenue_by(grain)})
    axis_format = "mmm yyyy" if grain == "month" else "d mmm yyyy"
    chart.set_x_axis({"date_axis": True, "num_format": axis_format})
    chart.set_y_axis({"num_format": "#,##0"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 320})
    ws.insert_chart(1, len(columns) + 1, chart)
    if note := partial_note(data.by_period, grain):
        ws.write_string(18, len(columns) + 1, note)


def _by_product(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Units and revenue per product, best sellers first."""
    total = data.totals.revenue_cents
    shares = [_share(p.revenue_cents, total) for p in data.by_product]
    columns = [(_("SKU"), "text"), (_("Product"), "text"), (_("Category"), "text")]
    columns += [(_("Units"), "int"), (with_currency(_("Revenue"), data.currencies), "money")]
    columns += [(_("Share of revenue"), _share_kind(book, formats, shares))]
    rows = [
        (p.sku, p.name, p.category, p.units, p.revenue_cents, share)
        for p, share in zip(data.by_product, shares, strict=True)
    ]
    _table(book, _("By product"), columns, rows, formats)


def _by_region(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """Region by sales channel, then revenue per region beside it with a column chart."""
    total, cur = data.totals.revenue_cents, data.currencies
    shares = [_share(b.revenue_cents, total) for _r, _c, b in data.by_region_channel]
    columns = [(_("Region"), "text"), (_("Channel"), "text"), (_("Orders"), "int")]
    columns += [(with_currency(_("Revenue"), cur), "money")]
    columns += [(with_currency(_("Tax"), cur), "money")]
    columns += [(_("Share of revenue"), _share_kind(book, formats, shares))]
    rows = [
        (region_label(r), channel_label(c), b.orders, b.revenue_cents, b.tax_cents, share)
        for (r, c, b), share in zip(data.by_region_channel, shares, strict=True)
    ]
    name = _("By region & channel")
    ws = _table(book, name, columns, rows, formats)
    left = len(columns) + 1
    ws.write_string(0, left, _("Region"), formats["header"])
    ws.write_string(0, left + 1, with_currency(_("Revenue"), cur), formats["header"])
    for n, (region, bucket) in enumerate(data.by_region, start=1):
        write_cell(ws, n, left, region_label(region), formats["text"])
        write_cell(ws, n, left + 1, bucket.revenue_cents / 100, formats["money"])
    ws.set_column(left, left + 1, 14)
    chart = book.add_chart({"type": "column"})
    last = len(data.by_region)
    chart.add_series(
        {
            "name": _("Revenue"),
            "categories": [name, 1, left, last, left],
            "values": [name, 1, left + 1, last, left + 1],
        }
    )
    chart.set_title({"name": _("Revenue by region")})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "#,##0"})
    ws.insert_chart(last + 2, left, chart)


def _top_customers(book: Workbook, data: SalesData, formats: dict[str, Any]) -> None:
    """The customers with the most revenue in the period."""
    total = data.totals.revenue_cents
    shares = [_share(c.revenue_cents, total) for c in data.top_customers]
    columns = [(_("Rank"), "int"), (_("Customer"), "text"), (_("Email"), "text")]
    columns += [(_("Region"), "text"), (_("Orders"), "int")]
    columns += [(with_currency(_("Revenue"), data.currencies), "money")]
    columns += [(_("Share of revenue"), _share_kind(book, formats, shares))]
    rows = [
        (c.rank, c.name, c.email, region_label(c.region), c.orders, c.revenue_cents, share)
        for c, share in zip(data.top_customers, shares, strict=True)
    ]
    _table(book, _("Top customers"), columns, rows, formats)


SHEETS = (_summary, _over_time, _by_product, _by_region, _top_customers)


def render_excel(data: SalesData, path: Path, tracker: Tracker) -> None:
    """Write the workbook to `path`, advancing progress sheet by sheet up to 99 %."""
    stage = tracker.stage(tracker.percent, 99, len(SHEETS) + 1)
    book = xlsxwriter.Workbook(str(path), {"in_memory": True})
    formats = {kind: book.add_format(props) for kind, props in FORMATS.items()}
    formats["header"] = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4"})
    book.set_properties({"title": title(), "author": "Tamam"})
    for done, sheet in enumerate(SHEETS, start=1):
        sheet(book, data, formats)
        stage.advance(done, N_("Writing the workbook"))
    book.close()
    stage.advance(len(SHEETS) + 1, N_("Workbook written"))
