"""Third-party files that are fetched at set-up, never committed (see scripts/).

htmx goes under webapp/static/vendor/ (scripts/fetch_htmx.py); the report PDFs' font, DejaVu
Sans (Arabic and Latin glyphs), under webapp/generators/fonts/ (scripts/fetch_fonts.py).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# Paths under webapp/static/ that scripts/fetch_htmx.py puts in place.
VENDOR_FILES = ("vendor/htmx.min.js",)
# The fonts scripts/fetch_fonts.py puts in FONTS_DIR.
FONTS_DIR = Path(__file__).resolve().parent / "generators" / "fonts"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def missing_vendor_files(static_folder: str | Path) -> list[str]:
    """The vendor files that are not under `static_folder`."""
    root = Path(static_folder)
    return [name for name in VENDOR_FILES if not (root / name).is_file()]


def missing_font_files(fonts_dir: str | Path = FONTS_DIR) -> list[str]:
    """The report fonts that are not in `fonts_dir`."""
    root = Path(fonts_dir)
    return [name for name in FONT_FILES if not (root / name).is_file()]


def check_vendor_files(app: Flask, fonts_dir: str | Path = FONTS_DIR) -> None:
    """Log an error at start-up when htmx or the report font is missing; pages still work."""
    missing = missing_vendor_files(app.static_folder or "")
    if missing:
        app.logger.error(
            "Missing %s under webapp/static/: live progress and buttons that use htmx will not "
            "work. Run `make setup` (or `python scripts/fetch_htmx.py`) to fetch it.",
            ", ".join(missing),
        )
    fonts = missing_font_files(fonts_dir)
    if fonts:
        app.logger.error(
            "Missing %s in %s: report PDFs cannot be written (Arabic needs this font). Run "
            "`make setup` (or `python scripts/fetch_fonts.py`) to fetch it.",
            ", ".join(fonts),
            fonts_dir,
        )
