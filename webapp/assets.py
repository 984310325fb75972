"""Third-party static files that are fetched at set-up, never committed (see scripts/)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

# Paths under webapp/static/ that scripts/fetch_htmx.py puts in place.
VENDOR_FILES = ("vendor/htmx.min.js",)


def missing_vendor_files(static_folder: str | Path) -> list[str]:
    """The vendor files that are not under `static_folder`."""
    root = Path(static_folder)
    return [name for name in VENDOR_FILES if not (root / name).is_file()]


def check_vendor_files(app: Flask) -> None:
    """Log an error at start-up when htmx is missing; /healthz and plain pages still work."""
    missing = missing_vendor_files(app.static_folder or "")
    if missing:
        app.logger.error(
            "Missing %s under webapp/static/: live progress and buttons that use htmx will not "
            "work. Run `make setup` (or `python scripts/fetch_htmx.py`) to fetch it.",
            ", ".join(missing),
        )
