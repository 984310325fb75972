"""The sales report as a PDF (reportlab platypus): title block, charts, long tables, page numbers.

Tables break across pages and repeat their header row on every page; each page carries
"Page N of M" in its footer, counted once the whole document is laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from webapp.generators.progress import Tracker
from webapp.generators.sales_charts import region_chart, revenue_by_day_chart
from webapp.generators.sales_data import SalesData
from webapp.generators.sales_text import (
    SECTIONS,
    TITLE,
    clip,
    count,
    excluded_note,
    money,
    percent,
    period_text,
    revenue_note,
)

MARGIN = 18 * mm
ROWS_PER_PAGE = 48  # a rough figure, only to spread progress over the pages being laid out
STYLES = getSampleStyleSheet()
TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#5B6B7B")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F6F8FA")]),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Holds each page back until the end so the footer can say "Page N of M"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        """Keep the finished page instead of writing it now."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Write every page with its footer, now that the page count is known."""
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.HexColor("#5B6B7B"))
            self.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {number} of {total}")
            self.drawString(MARGIN, 10 * mm, TITLE)
            super().showPage()
        super().save()


def _table(
    header: Sequence[str], rows: list[list[str]], widths: Sequence[float], left: Sequence[int]
) -> Table:
    """A table that breaks across pages and repeats its header row; `left` columns are text."""
    table = Table([list(header), *rows], colWidths=list(widths), repeatRows=1)
    table.hAlign = "LEFT"
    table.setStyle(TABLE_STYLE)
    table.setStyle(TableStyle([("ALIGN", (i, 0), (i, -1), "LEFT") for i in left]))
    return table


def _heading(text: str) -> Paragraph:
    return Paragraph(escape(text), STYLES["Heading2"])


def _note(text: str) -> Paragraph:
    return Paragraph(escape(text), STYLES["BodyText"])


def _title_block(data: SalesData) -> list[Flowable]:
    generated = data.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    amounts = f"Amounts in {', '.join(data.currencies)}." if data.currencies else "No sales."
    return [
        Paragraph(TITLE, STYLES["Title"]),
        _note(f"Period: {period_text(data.date_from, data.date_to)}"),
        _note(f"Generated at {generated}. {amounts}"),
        _note(revenue_note()),
        Spacer(1, 4 * mm),
    ]


def _totals(data: SalesData) -> list[Flowable]:
    t = data.totals
    rows = [
        ["Orders", count(t.orders)],
        ["Units sold", count(data.units)],
        ["Revenue (before tax)", money(t.revenue_cents)],
        ["Tax", money(t.tax_cents)],
        ["Revenue including tax", money(t.revenue_cents + t.tax_cents)],
        ["Average order value (before tax)", money(t.average_cents)],
    ]
    notes = []
    for status, bucket in data.excluded.items():
        rows.append([f"{status.capitalize()} orders (not counted)", count(bucket.orders)])
        rows.append([f"{status.capitalize()} value (before tax)", money(bucket.revenue_cents)])
        notes.append(_note(excluded_note(status)))
    table = _table(["Measure", "Value"], rows, [70 * mm, 40 * mm], (0,))
    return [_heading(SECTIONS[0]), table, Spacer(1, 2 * mm), *notes]


def _by_day(data: SalesData) -> list[Flowable]:
    rows = [
        [
            day.isoformat(),
            count(b.orders),
            money(b.revenue_cents),
            money(b.tax_cents),
            money(b.average_cents),
        ]
        for day, b in data.by_day
    ]
    header = ["Date", "Orders", "Revenue", "Tax", "Average order"]
    return [
        _heading(SECTIONS[1]),
        revenue_by_day_chart(data.by_day, data.date_from),
        _table(header, rows, [34 * mm] * 5, (0,)),
    ]


def _by_product(data: SalesData) -> list[Flowable]:
    total = data.totals.revenue_cents
    rows = [
        [
            p.sku,
            clip(p.name, 40),
            clip(p.category, 16),
            count(p.units),
            money(p.revenue_cents),
            percent(p.revenue_cents, total),
        ]
        for p in data.by_product
    ]
    header = ["SKU", "Product", "Category", "Units", "Revenue", "Share"]
    widths = [22 * mm, 60 * mm, 26 * mm, 20 * mm, 28 * mm, 18 * mm]
    return [_heading(SECTIONS[2]), _table(header, rows, widths, (0, 1, 2))]


def _by_region(data: SalesData) -> list[Flowable]:
    total = data.totals.revenue_cents
    rows = [
        [
            region,
            channel,
            count(b.orders),
            money(b.revenue_cents),
            money(b.tax_cents),
            percent(b.revenue_cents, total),
        ]
        for region, channel, b in data.by_region_channel
    ]
    header = ["Region", "Channel", "Orders", "Revenue", "Tax", "Share"]
    widths = [28 * mm, 30 * mm, 24 * mm, 32 * mm, 28 * mm, 20 * mm]
    return [
        KeepTogether([_heading(SECTIONS[3]), region_chart(data.by_region)]),
        _table(header, rows, widths, (0, 1)),
    ]


def _top_customers(data: SalesData) -> list[Flowable]:
    rows = [
        [
            str(c.rank),
            clip(c.name, 30),
            clip(c.email, 38),
            c.region,
            count(c.orders),
            money(c.revenue_cents),
        ]
        for c in data.top_customers
    ]
    header = ["#", "Customer", "Email", "Region", "Orders", "Revenue"]
    widths = [8 * mm, 44 * mm, 60 * mm, 18 * mm, 16 * mm, 28 * mm]
    return [_heading(SECTIONS[4]), _table(header, rows, widths, (1, 2, 3))]


def render_pdf(data: SalesData, path: Path, tracker: Tracker) -> None:
    """Lay out and write the PDF to `path`, advancing progress page by page up to 99 %."""
    rows = len(data.by_day) + len(data.by_product) + len(data.by_region_channel) + 40
    stage = tracker.stage(tracker.percent, 99, rows // ROWS_PER_PAGE + 3)

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        """Called as each page starts: move the bar with the pages laid out."""
        stage.advance(doc.page, f"Laying out page {doc.page}")

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{TITLE} {data.date_from.isoformat()} to {data.date_to.isoformat()}",
        author="Tamam",
        subject=period_text(data.date_from, data.date_to),
    )
    story = [*_title_block(data), *_totals(data), *_by_day(data), *_by_product(data)]
    story += [*_by_region(data), *_top_customers(data)]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_NumberedCanvas)
    stage.advance(stage.total, "PDF written")
