"""The built-in job types: ping, sales_report, orders_export, ops_bulk, bulk_import,
order_confirmations and announcement."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app

from webapp.engine.errors import GENERATION_FAILED, IMPORT_FILE, ParamError
from webapp.engine.registry import JobContext, JobType, register
from webapp.generators.params import (
    days_in_period,
    validate_orders_export_params,
    validate_sales_report_params,
)


def validate_ping(raw: Mapping[str, Any]) -> dict[str, Any]:
    """ping takes an optional duration in seconds (0-300) and a number of steps (1-100)."""
    clean: dict[str, Any] = {}
    for name, kind, low, high, default in (
        ("duration", float, 0.0, 300.0, 0.0),
        ("steps", int, 1, 100, 10),
    ):
        value = raw.get(name, default)
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ParamError(name, f"{name} must be a number.") from None
        if not low <= number <= high:
            raise ParamError(name, f"{name} must be between {low:g} and {high:g}.")
        clean[name] = number
    unknown = sorted(set(raw) - set(clean))
    if unknown:
        raise ParamError(unknown[0], f"ping does not take a parameter called {unknown[0]!r}.")
    return clean


def run_ping(ctx: JobContext) -> dict[str, Any]:
    """Do no work: optionally pass `duration` seconds in `steps`, reporting progress."""
    steps, duration = int(ctx.params["steps"]), float(ctx.params["duration"])
    pause = threading.Event()
    for step in range(1, steps + 1):
        if duration:
            pause.wait(duration / steps)  # simulated work, for health checks and fault drills
        ctx.progress(step * 100 // steps, f"Step {step} of {steps}")
    return {"pong": True, "attempt": ctx.attempt}


def _max_span() -> int:
    return int(current_app.config["REPORT_MAX_SPAN_DAYS"])


def validate_sales_report(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Sales report parameters: period, format, language 'en' or 'ar' (see generators.params)."""
    return dict(validate_sales_report_params(raw, _max_span()))


def validate_orders_export(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Orders export parameters: period, filters, format, language (see generators.params)."""
    return dict(validate_orders_export_params(raw, _max_span()))


def run_sales_report(ctx: JobContext) -> dict[str, Any]:
    """Build the sales report file."""
    from webapp.generators.sales_report import build_sales_report

    return build_sales_report(ctx.params, ctx.out_dir, ctx.progress).as_result()


def run_orders_export(ctx: JobContext) -> dict[str, Any]:
    """Build the orders export file."""
    from webapp.generators.orders_export import build_orders_export

    return build_orders_export(ctx.params, ctx.out_dir, ctx.progress).as_result()


def validate_ops_bulk(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An admin's bulk retry or discard (see webapp.monitoring.bulk)."""
    from webapp.monitoring.bulk import validate_bulk

    return validate_bulk(raw)


def run_ops_bulk(ctx: JobContext) -> dict[str, Any]:
    """Retry or discard every failed job matching a filter, in batches."""
    from webapp.monitoring.bulk import run_bulk

    return run_bulk(ctx)


def validate_bulk_import(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An import's kind, mode and uploaded file (see webapp.importers.uploads)."""
    from webapp.importers.uploads import validate_import

    return validate_import(raw)


def run_bulk_import(ctx: JobContext) -> dict[str, Any]:
    """Check and apply (or check only) every row of the uploaded file, in batches."""
    from webapp.importers.job import run_import

    return run_import(ctx)


def import_size(params: Mapping[str, Any]) -> int:
    """An import's size for ETAs: its file in KiB."""
    from webapp.importers.uploads import size_hint

    return size_hint(params)


def validate_confirmations(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A day or order numbers (see webapp.notifications.confirmations)."""
    from webapp.notifications.confirmations import validate

    return validate(raw)


def run_confirmations(ctx: JobContext) -> dict[str, Any]:
    """Email (and SMS) a confirmation for every order named."""
    from webapp.notifications.confirmations import run

    return run(ctx)


def validate_announcement(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A message, an audience and channels (see webapp.notifications.announcements)."""
    from webapp.notifications.announcements import validate

    return validate(raw)


def run_announcement(ctx: JobContext) -> dict[str, Any]:
    """Send the message to every customer of the audience on every channel chosen."""
    from webapp.notifications.announcements import run

    return run(ctx)


def recipients(params: Mapping[str, Any]) -> int:
    """A fan-out's size for ETAs: the customers or orders it was counted with."""
    return int(params.get("recipients") or 1)


register(
    JobType(
        name="ping",
        label="Ping",
        run=run_ping,
        validate=validate_ping,
        queue="default",
        max_attempts=3,
        time_limit=600,
        result_ttl=24 * 3600,
        backoff=2.0,
    )
)
register(
    JobType(
        name="sales_report",
        label="Sales report",
        run=run_sales_report,
        validate=validate_sales_report,
        queue="reports",
        max_attempts=3,
        time_limit=15 * 60,
        result_ttl=24 * 3600,
        error_code=GENERATION_FAILED,
        size_hint=days_in_period,
        produces_file=True,
        notify_owner=True,
    )
)
register(
    JobType(
        name="orders_export",
        label="Orders export",
        run=run_orders_export,
        validate=validate_orders_export,
        queue="exports",
        max_attempts=3,
        time_limit=30 * 60,
        result_ttl=24 * 3600,
        error_code=GENERATION_FAILED,
        size_hint=days_in_period,
        produces_file=True,
        notify_owner=True,
    )
)
register(
    JobType(
        name="ops_bulk",
        label="Bulk retry or discard",
        run=run_ops_bulk,
        validate=validate_ops_bulk,
        queue="default",
        # A second attempt goes on where the first stopped: the jobs done are no longer failed.
        max_attempts=2,
        time_limit=60 * 60,
        result_ttl=7 * 24 * 3600,
        backoff=5.0,
        admin_only=True,
    )
)
register(
    JobType(
        name="bulk_import",
        label="Bulk import",
        run=run_bulk_import,
        validate=validate_bulk_import,
        queue="default",
        # A second attempt skips the batches the first one committed (webapp.importers.job).
        max_attempts=3,
        time_limit=60 * 60,
        result_ttl=3 * 24 * 3600,  # the uploaded file and the rejected rows are kept this long
        error_code=IMPORT_FILE,
        size_hint=import_size,
        produces_file=True,
    )
)
# Fan-outs keep what they sent: a second attempt sends only what is still unsent.
for _name, _label, _validate, _run in (
    ("order_confirmations", "Order confirmations", validate_confirmations, run_confirmations),
    ("announcement", "Announcement", validate_announcement, run_announcement),
):
    register(
        JobType(
            name=_name,
            label=_label,
            run=_run,
            validate=_validate,
            queue="notifications",
            max_attempts=3,
            time_limit=2 * 3600,
            result_ttl=7 * 24 * 3600,
            backoff=10.0,
            size_hint=recipients,
        )
    )
