"""Charts for the sales report PDF, drawn with reportlab.graphics."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from webapp.generators.dates import month_label, short_date
from webapp.generators.pdf_layout import font_for
from webapp.generators.rtl import is_rtl, visual
from webapp.generators.sales_grain import Bucket, PeriodRow
from webapp.generators.sales_text import region_label, revenue_by
from webapp.i18n import gettext as _

WIDTH = 174 * mm
HEIGHT = 62 * mm
LINE_COLOUR = colors.HexColor("#2E6DA4")


def _thousands(value: float) -> str:
    """Axis labels: whole numbers with separators, decimals only when a tick needs them."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _caption(drawing: Drawing, text: str, currency: str) -> None:
    """'Revenue by week (before tax, USD)' above the chart (at its right in an Arabic report)."""
    if currency:
        words = _("%(chart)s (before tax, %(currency)s)", chart=text, currency=currency)
    else:
        words = _("%(chart)s (before tax)", chart=text)
    font = font_for(words, bold=True)
    if is_rtl():
        caption = String(WIDTH, HEIGHT - 10, visual(words), textAnchor="end")
    else:
        caption = String(0, HEIGHT - 10, words)
    caption.fontName, caption.fontSize = font, 9
    drawing.add(caption)


def _label_font(labels: list[str]) -> str:
    """The font an axis's labels need: DejaVu Sans when one of them holds Arabic."""
    return font_for(" ".join(labels))


def _axis_label(row: PeriodRow, grain: str) -> str:
    """A tick under the line: the day or week's first day, or the month."""
    return visual(month_label(row.start) if grain == "month" else short_date(row.start))


def revenue_over_time_chart(rows: list[PeriodRow], grain: str, currency: str) -> Drawing:
    """A line of revenue (before tax, currency units) for each day, week or month of the period."""
    drawing = Drawing(WIDTH, HEIGHT)
    _caption(drawing, revenue_by(grain), currency)
    plot = LinePlot()
    plot.x, plot.y = 18 * mm, 10 * mm
    plot.width, plot.height = WIDTH - 30 * mm, HEIGHT - 24 * mm
    points = [(float(n), row.bucket.revenue_cents / 100) for n, row in enumerate(rows)]
    plot.data = [points or [(0.0, 0.0)]]
    plot.lines[0].strokeColor = LINE_COLOUR
    plot.lines[0].strokeWidth = 1
    last = max(1, len(rows) - 1)
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = last
    plot.xValueAxis.valueSteps = sorted({round(last * k / 4) for k in range(5)})
    labels = [_axis_label(row, grain) for row in rows] or [""]
    plot.xValueAxis.labelTextFormat = lambda v: labels[min(int(v), len(labels) - 1)]
    plot.xValueAxis.labels.fontSize = 7
    plot.xValueAxis.labels.fontName = _label_font(labels)
    top = max((revenue for _n, revenue in points), default=0.0)
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = top * 1.1 if top > 0 else 1
    plot.yValueAxis.valueStep = None if top > 0 else 1
    plot.yValueAxis.labelTextFormat = _thousands
    plot.yValueAxis.labels.fontSize = 7
    drawing.add(plot)
    return drawing


def region_chart(by_region: list[tuple[str, Bucket]], currency: str) -> Drawing:
    """Bars of revenue (before tax, currency units) per region."""
    drawing = Drawing(WIDTH, HEIGHT)
    _caption(drawing, _("Revenue by region"), currency)
    chart = VerticalBarChart()
    chart.x, chart.y = 18 * mm, 10 * mm
    chart.width, chart.height = WIDTH - 24 * mm, HEIGHT - 24 * mm
    values = [bucket.revenue_cents / 100 for _region, bucket in by_region]
    chart.data = [values or [0.0]]
    names = [visual(region_label(region)) for region, _bucket in by_region] or ["-"]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fontName = _label_font(names)
    chart.bars[0].fillColor = LINE_COLOUR
    top = max(values, default=0.0)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top * 1.1 if top > 0 else 1
    chart.valueAxis.valueStep = None if top > 0 else 1
    chart.valueAxis.labelTextFormat = _thousands
    chart.valueAxis.labels.fontSize = 7
    drawing.add(chart)
    return drawing
