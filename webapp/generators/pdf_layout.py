"""Report PDF pages: the table style, "Page N of M" footers, kept-together sections.

English reports are set in Helvetica, as they always were; a cell or line that holds Arabic
(a customer's name, say) is set in DejaVu Sans, which has Arabic glyphs. Arabic reports are set
in DejaVu Sans throughout and run right to left: tables start at the right margin with their
first column rightmost, text is right-aligned, and the footer's page number sits on the left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from webapp.assets import FONTS_DIR, missing_font_files
from webapp.generators.rtl import has_rtl, is_rtl, visual
from webapp.i18n import gettext as _

MARGIN = 18 * mm
ROOM = 45 * mm  # a heading, a table's header and its first few rows
FRAME_WIDTH = A4[0] - 2 * MARGIN - 12  # a SimpleDocTemplate frame's width, less its padding
STYLES = getSampleStyleSheet()
ARABIC_FONT, ARABIC_BOLD = "DejaVuSans", "DejaVuSans-Bold"
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


class FontMissing(RuntimeError):
    """DejaVu Sans is not in place: the message says how to fetch it."""


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process."""
    if ARABIC_FONT in pdfmetrics.getRegisteredFontNames():
        return
    missing = missing_font_files()
    if missing:
        raise FontMissing(
            f"Missing {', '.join(missing)} in {FONTS_DIR}: run `make setup` "
            "(or `python scripts/fetch_fonts.py`)."
        )
    pdfmetrics.registerFont(TTFont(ARABIC_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(ARABIC_FONT, str(FONTS_DIR / "DejaVuSans.ttf")))


def font_for(text: str, bold: bool = False) -> str:
    """The font to draw `text` in: DejaVu Sans for Arabic reports or Arabic text, else Helvetica."""
    if is_rtl() or has_rtl(text):
        register_fonts()
        return ARABIC_BOLD if bold else ARABIC_FONT
    return "Helvetica-Bold" if bold else "Helvetica"


def _style(name: str) -> ParagraphStyle:
    """The sample style `name`, in DejaVu Sans and right-aligned for an Arabic report."""
    base = STYLES[name]
    if not is_rtl():
        return base
    register_fonts()
    bold = base.fontName.endswith("Bold")
    return ParagraphStyle(
        f"{name}-rtl",
        parent=base,
        fontName=ARABIC_BOLD if bold else ARABIC_FONT,
        alignment=TA_RIGHT,
    )


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Holds each page back until the end so the footer can say "Page N of M" beside `footer`."""

    footer = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        # The words are read now, while the file's language is in force.
        self._rtl = is_rtl()
        self._footer_text = visual(str(self.footer))
        self._page_words = _("Page %(number)s of %(total)s")

    def showPage(self) -> None:
        """Keep the finished page instead of writing it now."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Write every page with its footer, now that the page count is known."""
        total = len(self._pages)
        rtl, footer, words = self._rtl, self._footer_text, self._page_words
        font = ARABIC_FONT if rtl else "Helvetica"
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#5B6B7B"))
            page = visual(words % {"number": number, "total": total}, rtl)
            if rtl:  # mirrored: the title at the right, the page number at the left
                self.drawString(MARGIN, 10 * mm, page)
                self.drawRightString(A4[0] - MARGIN, 10 * mm, footer)
            else:
                self.drawRightString(A4[0] - MARGIN, 10 * mm, page)
                self.drawString(MARGIN, 10 * mm, footer)
            super().showPage()
        super().save()


def table(
    header: Sequence[str], rows: list[list[str]], widths: Sequence[float], left: Sequence[int]
) -> Table:
    """A table that breaks across pages and repeats its header row; `left` columns are text.

    In an Arabic report the columns run from the right (the first one rightmost) and text
    columns are aligned to the right, where Arabic starts.
    """
    rtl = is_rtl()
    cells = [list(header), *rows]
    count = len(header)
    order = list(range(count))[::-1] if rtl else list(range(count))
    grid_cells = [[visual(str(row[i])) for i in order] for row in cells]
    grid = Table(grid_cells, colWidths=[widths[i] for i in order], repeatRows=1)
    grid.hAlign = "RIGHT" if rtl else "LEFT"
    grid.setStyle(TABLE_STYLE)
    extra: list[tuple[Any, ...]] = []
    if rtl:
        register_fonts()
        extra += [("FONT", (0, 0), (-1, -1), ARABIC_FONT, 8)]
        extra += [("FONT", (0, 0), (-1, 0), ARABIC_BOLD, 8)]
    else:
        extra += [("ALIGN", (i, 0), (i, -1), "LEFT") for i in left]
        for r, row in enumerate(cells):  # Arabic data in an English report
            for c, value in enumerate(row):
                if has_rtl(str(value)):
                    extra.append(("FONT", (c, r), (c, r), font_for(str(value), r == 0), 8))
    if extra:
        grid.setStyle(TableStyle(extra))
    return grid


def _paragraph(text: str, style_name: str) -> Paragraph:
    """A paragraph; an Arabic one is broken into lines in reading order, then each set visually.

    reportlab wraps the characters it is given from left to right, so a whole paragraph set in
    visual order would come out with its lines in the wrong order: it is wrapped here first.
    """
    style = _style(style_name)
    if not is_rtl() and not has_rtl(text):
        return Paragraph(escape(text), style)
    style = style if is_rtl() else ParagraphStyle(f"{style_name}-mixed", parent=style)
    style.fontName = font_for(text, style.fontName.endswith("Bold"))
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        width = pdfmetrics.stringWidth(visual(candidate), style.fontName, style.fontSize)
        if line and width > FRAME_WIDTH:
            lines.append(line)
            candidate = word
        line = candidate
    lines.append(line)
    return Paragraph("<br/>".join(escape(visual(part)) for part in lines), style)


def title(text: str) -> Paragraph:
    """The report's title."""
    return _paragraph(text, "Title")


def heading(text: str) -> Paragraph:
    """A section heading."""
    return _paragraph(text, "Heading2")


def note(text: str) -> Paragraph:
    """A paragraph of body text."""
    return _paragraph(text, "BodyText")


def section(title: str, room: float, *body: Flowable) -> list[Flowable]:
    """A heading and what follows it, starting a new page unless `room` is left below.

    `room` covers the heading, any chart, the table's header and its first rows, so a heading
    never sits alone at the foot of a page.
    """
    return [CondPageBreak(room), heading(title), *body]
