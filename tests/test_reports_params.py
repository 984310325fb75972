"""Report and export requests are checked field by field, with messages in plain words."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from webapp.generators import orders_export, sales_report
from webapp.generators.contract import ParamError
from webapp.generators.dates import span_limit
from webapp.generators.params import validate_orders_export_params, validate_sales_report_params

MAX = 1096


def sales(**overrides: Any) -> dict[str, Any]:
    """A valid sales report request with some fields replaced."""
    return {"date_from": "2025-01-01", "date_to": "2025-01-31", "format": "pdf", **overrides}


def orders(**overrides: Any) -> dict[str, Any]:
    """A valid orders export request with some fields replaced."""
    raw = {"date_from": "2025-01-01", "date_to": "2025-01-31", "status": "", "region": ""}
    return {**raw, "format": "csv", **overrides}


def test_valid_sales_request_is_normalised() -> None:
    """Whitespace and case are forgiven; the result holds ISO dates and only known fields."""
    raw = sales(date_from=" 2025-01-01 ", format=" Excel ", extra="ignored")
    assert validate_sales_report_params(raw, MAX) == {
        "date_from": "2025-01-01",
        "date_to": "2025-01-31",
        "format": "excel",
    }


def test_date_objects_are_accepted() -> None:
    """A form library may hand over date objects instead of text."""
    raw = sales(date_from=date(2025, 1, 1), date_to=date(2025, 1, 1))
    assert validate_sales_report_params(raw, MAX)["date_to"] == "2025-01-01"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_from": ""}, "date_from", "Enter a start date."),
        ({"date_from": None}, "date_from", "Enter a start date."),
        ({"date_to": "  "}, "date_to", "Enter an end date."),
        ({"date_from": "2025-02-30"}, "date_from", "The start date must be a real date"),
        ({"date_to": "31/01/2025"}, "date_to", "The end date must be a real date"),
        ({"date_to": "2024-12-31"}, "date_to", "The end date can't be before the start date."),
        (
            {"date_to": "2028-01-02"},
            "date_to",
            "The period can be at most 3 years; this one is 1,097 days.",
        ),
        ({"format": "docx"}, "format", "Format must be one of pdf, excel, csv."),
        ({"format": ""}, "format", "Choose a format."),
    ],
)
def test_sales_errors_name_the_field(overrides: dict[str, Any], field: str, message: str) -> None:
    """Each mistake is reported on the field that holds it, in words a user understands."""
    with pytest.raises(ParamError) as caught:
        validate_sales_report_params(sales(**overrides), MAX)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


def test_span_limit_counts_both_ends() -> None:
    """A period of exactly the maximum number of days is allowed; one more is not."""
    ok = validate_sales_report_params(sales(date_from="2025-01-01", date_to="2025-01-10"), 10)
    assert ok["date_to"] == "2025-01-10"
    with pytest.raises(ParamError, match="at most 10 days"):
        validate_sales_report_params(sales(date_from="2025-01-01", date_to="2025-01-11"), 10)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (1098, "3 years"),  # the default REPORT_MAX_SPAN_DAYS
        (1096, "3 years"),  # three years with a leap day
        (1095, "1,095 days"),  # three years only when none holds a 29 February
        (1126, "3 years"),
        (1127, "1,127 days"),  # a month past three years: say the days
        (366, "a year"),
        (365, "365 days"),
        (10, "10 days"),
        (1, "1 day"),
    ],
)
def test_the_span_limit_in_words(days: int, words: str) -> None:
    """Whole years only when that many calendar years always fit in the limit."""
    assert span_limit(days) == words


def test_valid_orders_request_is_normalised() -> None:
    """Status and region match their canonical spelling; empty means all."""
    result = validate_orders_export_params(orders(status="SHIPPED", region="north"), MAX)
    assert result == {
        "date_from": "2025-01-01",
        "date_to": "2025-01-31",
        "status": "shipped",
        "region": "North",
        "format": "csv",
    }
    assert validate_orders_export_params(orders(status=None), MAX)["status"] == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"status": "lost"}, "status", "Status must be one of paid, shipped, delivered"),
        ({"region": "Mars"}, "region", "Region must be one of North, South, East, West, Central"),
        ({"format": "pdf"}, "format", "Format must be one of excel, csv."),
        ({"date_to": "2024-01-01"}, "date_to", "The end date can't be before the start date."),
    ],
)
def test_orders_errors_name_the_field(overrides: dict[str, Any], field: str, message: str) -> None:
    """Unknown choices are refused with the allowed values listed."""
    with pytest.raises(ParamError) as caught:
        validate_orders_export_params(orders(**overrides), MAX)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)


def test_size_hints_and_file_names() -> None:
    """Size hints count the days; file names carry the period, the filters and the extension."""
    params = validate_sales_report_params(sales(format="excel"), MAX)
    assert sales_report.size_hint(params) == 31
    assert sales_report.file_name(params) == "sales-report-2025-01-01-to-2025-01-31.xlsx"
    export = validate_orders_export_params(orders(status="paid", region="West"), MAX)
    assert orders_export.size_hint(export) == 31
    assert orders_export.file_name(export) == "orders-2025-01-01-to-2025-01-31-paid-west.csv"
    plain = validate_orders_export_params(orders(format="excel"), MAX)
    assert orders_export.file_name(plain) == "orders-2025-01-01-to-2025-01-31.xlsx"
