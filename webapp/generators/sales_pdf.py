"""The sales report as a PDF (reportlab platypus): title block, charts, long tables, page numbers.

Sales over time come by day, week or month depending on the period's length (sales_grain), so
two years take a few pages, not seventeen. A heading always starts with room for its chart and
the first rows of its table below it; tables break across pages and repeat their header row.
Each page carries "Page N of M" in its footer, counted once the whole document is laid out.
Dates are written as the app writes them; money columns name their currency.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from webapp.generators import pdf_layout as layout
from webapp.generators.pdf_layout import MARGIN, ROOM, NumberedCanvas
from webapp.generators.progress import Tracker
from webapp.generators.sales_charts import HEIGHT, region_chart, revenue_over_time_chart
from webapp.generators.sales_data import SalesData
from webapp.generators.sales_grain import partial_note, row_label
from webapp.generators.sales_text import (
    amounts_note,
    channel_label,
    clip,
    count,
    currency_label,
    excluded_labels,
    excluded_note,
    grain_title,
    moment_text,
    money,
    period_text,
    region_label,
    revenue_note,
    sections,
    share_column,
    title,
    with_currency,
)
from webapp.i18n import N_
from webapp.i18n import gettext as _

ROWS_PER_PAGE = 48  # a rough figure, only to spread progress over the pages being laid out


class _Canvas(NumberedCanvas):
    """Pages footed with the report's title (read as the canvas is made, in the file's language)."""

    @property
    def footer(self) -> str:  # type: ignore[override]
        """The report's title."""
        return title()


def _title_block(data: SalesData) -> list[Flowable]:
    generated = _("Generated at %(moment)s.", moment=moment_text(data.generated_at))
    return [
        layout.title(title()),
        layout.note(_("Period: %(period)s", period=period_text(data.date_from, data.date_to))),
        layout.note(f"{generated} {amounts_note(data.currencies)}"),
        layout.note(revenue_note()),
        Spacer(1, 4 * mm),
    ]


def _totals(data: SalesData) -> list[Flowable]:
    t, cur = data.totals, data.currencies
    rows = [
        [_("Orders"), count(t.orders)],
        [_("Units sold"), count(data.units)],
        [with_currency(_("Revenue before tax"), cur), money(t.revenue_cents)],
        [with_currency(_("Tax"), cur), money(t.tax_cents)],
        [with_currency(_("Revenue including tax"), cur), money(t.revenue_cents + t.tax_cents)],
        [with_currency(_("Average order value before tax"), cur), money(t.average_cents)],
    ]
    notes = []
    for status, bucket in data.excluded.items():
        orders_label, value_label = excluded_labels(status)
        rows.append([orders_label, count(bucket.orders)])
        rows.append([with_currency(value_label, cur), money(bucket.revenue_cents)])
        notes.append(layout.note(excluded_note(status)))
    totals = layout.table([_("Measure"), _("Value")], rows, [80 * mm, 40 * mm], (0,))
    return [*layout.section(sections(data.grain)[0], ROOM, totals), Spacer(1, 2 * mm), *notes]


def _over_time(data: SalesData) -> list[Flowable]:
    grain, cur = data.grain, data.currencies
    rows = [
        [
            row_label(row, grain),
            count(row.bucket.orders),
            money(row.bucket.revenue_cents),
            money(row.bucket.tax_cents),
            money(row.bucket.average_cents),
        ]
        for row in data.by_period
    ]
    money_headers = (_("Revenue"), _("Tax"), _("Average order"))
    header = [grain_title(grain), _("Orders"), *(with_currency(h, cur) for h in money_headers)]
    widths = [42 * mm, 24 * mm, 38 * mm, 34 * mm, 36 * mm]
    chart = revenue_over_time_chart(data.by_period, grain, currency_label(cur))
    body: list[Flowable] = [chart]
    if partial := partial_note(data.by_period, grain):  # under the chart, which dips for them
        body.append(layout.note(partial))
    body.append(layout.table(header, rows, widths, (0,)))
    return layout.section(sections(grain)[1], ROOM + HEIGHT, *body)


def _by_product(data: SalesData) -> list[Flowable]:
    shares = share_column([p.revenue_cents for p in data.by_product], data.totals.revenue_cents)
    rows = [
        [
            p.sku,
            clip(p.name, 40),
            clip(p.category, 16),
            count(p.units),
            money(p.revenue_cents),
            share,
        ]
        for p, share in zip(data.by_product, shares, strict=True)
    ]
    header = [_("SKU"), _("Product"), _("Category"), _("Units")]
    header += [with_currency(_("Revenue"), data.currencies), _("Share")]
    widths = [22 * mm, 56 * mm, 26 * mm, 20 * mm, 32 * mm, 18 * mm]
    grid = layout.table(header, rows, widths, (0, 1, 2))
    return layout.section(sections(data.grain)[2], ROOM, grid)


def _by_region(data: SalesData) -> list[Flowable]:
    cur, places = data.currencies, data.by_region_channel
    shares = share_column([b.revenue_cents for _r, _c, b in places], data.totals.revenue_cents)
    rows = [
        [
            region_label(r),
            channel_label(c),
            count(b.orders),
            money(b.revenue_cents),
            money(b.tax_cents),
            share,
        ]
        for (r, c, b), share in zip(places, shares, strict=True)
    ]
    header = [
        _("Region"),
        _("Channel"),
        _("Orders"),
        with_currency(_("Revenue"), cur),
        with_currency(_("Tax"), cur),
        _("Share"),
    ]
    widths = [28 * mm, 30 * mm, 20 * mm, 36 * mm, 32 * mm, 20 * mm]
    chart = region_chart(data.by_region, currency_label(cur))
    grid = layout.table(header, rows, widths, (0, 1))
    return layout.section(sections(data.grain)[3], ROOM + HEIGHT, chart, grid)


def _top_customers(data: SalesData) -> list[Flowable]:
    top = data.top_customers
    shares = share_column([c.revenue_cents for c in top], data.totals.revenue_cents)
    rows = [
        [
            str(c.rank),
            clip(c.name, 26),
            clip(c.email, 34),
            region_label(c.region),
            count(c.orders),
            money(c.revenue_cents),
            share,
        ]
        for c, share in zip(top, shares, strict=True)
    ]
    header = ["#", _("Customer"), _("Email"), _("Region"), _("Orders")]
    header += [with_currency(_("Revenue"), data.currencies), _("Share")]
    widths = [8 * mm, 40 * mm, 52 * mm, 18 * mm, 14 * mm, 26 * mm, 16 * mm]
    grid = layout.table(header, rows, widths, (1, 2, 3))
    return layout.section(sections(data.grain)[4], ROOM, grid)


def render_pdf(data: SalesData, path: Path, tracker: Tracker) -> None:
    """Lay out and write the PDF to `path`, advancing progress page by page up to 99 %."""
    rows = len(data.by_period) + len(data.by_product) + len(data.by_region_channel) + 40
    stage = tracker.stage(tracker.percent, 99, rows // ROWS_PER_PAGE + 3)

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        """Called as each page starts: move the bar with the pages laid out."""
        stage.advance(doc.page, N_("Laying out page %(page)s") % {"page": doc.page})

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{title()}, {period_text(data.date_from, data.date_to)}",
        author="Tamam",
        subject=period_text(data.date_from, data.date_to),
    )
    story = [*_title_block(data), *_totals(data), *_over_time(data), *_by_product(data)]
    story += [*_by_region(data), *_top_customers(data)]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_Canvas)
    stage.advance(stage.total, N_("PDF written"))
