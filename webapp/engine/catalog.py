"""The built-in job types: ping, sales_report, orders_export."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app

from webapp.engine.errors import GENERATION_FAILED, ParamError
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
    """Sales report parameters (see webapp.generators.params)."""
    return dict(validate_sales_report_params(raw, _max_span()))


def validate_orders_export(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Orders export parameters (see webapp.generators.params)."""
    return dict(validate_orders_export_params(raw, _max_span()))


def run_sales_report(ctx: JobContext) -> dict[str, Any]:
    """Build the sales report file."""
    from webapp.generators.sales_report import build_sales_report

    return build_sales_report(ctx.params, ctx.out_dir, ctx.progress).as_result()


def run_orders_export(ctx: JobContext) -> dict[str, Any]:
    """Build the orders export file."""
    from webapp.generators.orders_export import build_orders_export

    return build_orders_export(ctx.params, ctx.out_dir, ctx.progress).as_result()


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
