"""Report PDF pages: the table style, "Page N of M" footers, kept-together sections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

MARGIN = 18 * mm
ROOM = 45 * mm  # a heading, a table's header and its first few rows
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


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Holds each page back until the end so the footer can say "Page N of M" beside `footer`."""

    footer = ""

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
            self.drawString(MARGIN, 10 * mm, self.footer)
            super().showPage()
        super().save()


def table(
    header: Sequence[str], rows: list[list[str]], widths: Sequence[float], left: Sequence[int]
) -> Table:
    """A table that breaks across pages and repeats its header row; `left` columns are text."""
    grid = Table([list(header), *rows], colWidths=list(widths), repeatRows=1)
    grid.hAlign = "LEFT"
    grid.setStyle(TABLE_STYLE)
    grid.setStyle(TableStyle([("ALIGN", (i, 0), (i, -1), "LEFT") for i in left]))
    return grid


def heading(text: str) -> Paragraph:
    """A section heading."""
    return Paragraph(escape(text), STYLES["Heading2"])


def note(text: str) -> Paragraph:
    """A paragraph of body text."""
    return Paragraph(escape(text), STYLES["BodyText"])


def section(title: str, room: float, *body: Flowable) -> list[Flowable]:
    """A heading and what follows it, starting a new page unless `room` is left below.

    `room` covers the heading, any chart, the table's header and its first rows, so a heading
    never sits alone at the foot of a page.
    """
    return [CondPageBreak(room), heading(title), *body]
