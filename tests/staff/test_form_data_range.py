"""The forms say which dates hold orders, and refuse a period wholly outside them (no job)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.reports_fixtures import ensure_sales_data
from tests.staff.test_forms import job_count, post_form
from webapp.engine.errors import ParamError
from webapp.generators.order_dates import order_date_range
from webapp.reports.periods import check_period_has_orders


@pytest.mark.parametrize("path", ["/reports/new", "/exports/new"])
def test_forms_say_beforehand_which_dates_hold_orders(staff_client, path):
    """Under the dates, in the app's date style: the first and last order dates."""
    ensure_sales_data()
    first, last = order_date_range()
    html = staff_client.get(path).get_data(as_text=True)
    words = f"Orders exist from {first.day} {first:%b %Y} to {last.day} {last:%b %Y}."
    assert f'<p class="hint" id="period-data">{words}</p>' in html
    assert 'aria-describedby="period-data"' in html


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/reports/new", {"format": "pdf"}), ("/exports/new", {"format": "csv"})],
)
@pytest.mark.parametrize("side", ["before", "after"])
def test_a_period_wholly_outside_the_orders_is_refused_inline(
    staff_client, stub_broker, path, extra, side
):
    """No job; the message names the period and sits under the date that would fix it."""
    ensure_sales_data()
    first, last = order_date_range()
    if side == "before":
        date_from, date_to, field = first - timedelta(days=40), first - timedelta(days=1), "date_to"
        tail = f"the first order is from {first.day} {first:%b %Y}."
    else:
        date_from, date_to, field = last + timedelta(days=1), last + timedelta(days=30), "date_from"
        tail = f"the last order is from {last.day} {last:%b %Y}."
    response = post_form(
        staff_client, path, date_from=date_from.isoformat(), date_to=date_to.isoformat(), **extra
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    between = f"{date_from.day} {date_from:%b %Y} and {date_to.day} {date_to:%b %Y}"
    assert error and error.group(1) == f"No orders between {between}: {tail}"
    assert job_count() == 0 and stub_broker.queues[stub_queue(path)].qsize() == 0


def stub_queue(path: str) -> str:
    """The queue a form's jobs go to."""
    return "reports" if path == "/reports/new" else "exports"


def test_a_period_that_overlaps_the_orders_is_accepted(staff_client, stub_broker):
    """Half outside is fine: the report covers the days that hold orders."""
    ensure_sales_data()
    _first, last = order_date_range()
    response = post_form(
        staff_client,
        "/reports/new",
        date_from=(last - timedelta(days=3)).isoformat(),
        date_to=(last + timedelta(days=20)).isoformat(),
        format="csv",
    )
    assert response.status_code == 303 and job_count() == 1


def test_without_any_order_every_period_is_refused():
    """No orders at all: the form says so above the fields instead of queuing an empty job."""
    clean = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    with pytest.raises(ParamError) as caught:
        check_period_has_orders(clean, None)
    assert caught.value.field == "period"
    assert caught.value.message == "There are no orders yet, so any report would be empty."
    check_period_has_orders(clean, (date(2025, 3, 31), date(2025, 4, 30)))  # one day is enough
