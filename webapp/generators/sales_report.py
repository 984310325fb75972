"""The sales_report job type: totals, by day, by product, by region and channel, top customers.

Progress: counting and reading the period's order rows and order lines moves the bar to 85 %
in proportion to rows read (see sales_data); writing the file moves it to 99 %; 100 % is
reported once the finished file has its final name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from webapp.generators.contract import (
    CONTENT_TYPES,
    EXTENSIONS,
    FileResult,
    ProgressFn,
    write_atomically,
)
from webapp.generators.params import (
    days_in_period,
    period,
    report_language,
    validate_sales_report_params,
)
from webapp.generators.progress import Tracker
from webapp.generators.rtl import written_in
from webapp.generators.sales_csv import render_csv
from webapp.generators.sales_data import SalesData, collect_sales
from webapp.generators.sales_excel import render_excel
from webapp.generators.sales_pdf import render_pdf
from webapp.i18n import N_

Renderer = Callable[[SalesData, Path, Tracker], None]
RENDERERS: dict[str, Renderer] = {"pdf": render_pdf, "excel": render_excel, "csv": render_csv}
READING_ENDS_AT = 85

__all__ = ["build_sales_report", "file_name", "size_hint", "validate_sales_report_params"]


def file_name(params: Mapping[str, Any]) -> str:
    """The download name: sales-report-<from>-to-<to>.<pdf|xlsx|csv>."""
    date_from, date_to = period(params)
    extension = EXTENSIONS[params["format"]]
    return f"sales-report-{date_from.isoformat()}-to-{date_to.isoformat()}.{extension}"


def size_hint(params: Mapping[str, Any]) -> int:
    """How big the job is, for scaling ETAs: the number of days in the period."""
    return days_in_period(params)


def build_sales_report(params: dict[str, Any], out_dir: Path, progress: ProgressFn) -> FileResult:
    """Build the report for validated `params` into out_dir; return the finished file.

    The file's words are in the language `params` name (English unless `language` is 'ar');
    the progress messages stay in English (the pages translate them where they show them).
    """
    fmt = params["format"]
    render = RENDERERS[fmt]
    date_from, date_to = period(params)
    tracker = Tracker(progress)
    tracker.report(0, N_("Starting"))
    data = collect_sales(date_from, date_to, tracker, end=READING_ENDS_AT)
    name = file_name(params)
    with written_in(report_language(params)):
        return write_atomically(
            out_dir,
            name,
            CONTENT_TYPES[fmt],
            lambda path: render(data, path, tracker),
            lambda _result: tracker.done(N_("%(file)s is ready") % {"file": name}),
        )
