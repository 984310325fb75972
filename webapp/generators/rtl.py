"""Arabic in the report files: the file's language, its direction, and text set for a PDF.

A report is written in the language its job names (`language`, English by default): the build
runs inside `flask_babel.force_locale(language)`, so `gettext` gives the file's words and
`is_rtl()` says whether tables and pages run right to left. reportlab draws glyphs in the order
it is given them and does not join Arabic letters, so text with Arabic in it is shaped
(arabic-reshaper) and put in visual order (python-bidi) before it is drawn: `visual()`.
python-bidi's own implementation of the algorithm (`bidi.algorithm`) is used: it also mirrors
brackets in right-to-left runs (rule L4), which its faster `bidi.get_display` leaves to the
renderer, and reportlab draws "(USD)" in Arabic as ")USD(" without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import arabic_reshaper
from bidi.algorithm import get_display
from flask_babel import force_locale

from webapp.i18n import RTL_LANGUAGES, current_language

# Hebrew, Arabic, Syriac, Thaana, NKo ... and the Arabic presentation forms.
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@contextmanager
def written_in(language: str) -> Iterator[None]:
    """Build a file in `language`: its words come from that language's catalog."""
    with force_locale(language):
        yield


def is_rtl() -> bool:
    """True while a file is being written in a right-to-left language (Arabic)."""
    return current_language() in RTL_LANGUAGES


def has_rtl(text: str) -> bool:
    """True when `text` holds a right-to-left letter (Arabic data in an English report too)."""
    return bool(_RTL_CHARS.search(text))


def visual(text: str, rtl: bool | None = None) -> str:
    """`text` shaped and in visual order for drawing, when it holds Arabic (else unchanged).

    `rtl` is the paragraph's base direction: the file's direction unless given.
    """
    if not has_rtl(text):
        return text
    base = "R" if (is_rtl() if rtl is None else rtl) else "L"
    return str(get_display(arabic_reshaper.reshape(text), base_dir=base))
