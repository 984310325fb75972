"""The New report form in Chromium: presets with and without JavaScript, focus on a bad field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.reports_fixtures import ensure_sales_data
from webapp.generators.order_dates import order_date_range
from webapp.models.user import User

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def no_js_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page in a context with JavaScript turned off, as some staff browsers run."""
    context = browser.new_context(
        java_script_enabled=False, base_url=base_url, viewport={"width": 1280, "height": 800}
    )
    yield context.new_page()
    context.close()


def test_a_preset_fills_the_dates_and_keeps_the_format(page: Page, staff: User) -> None:
    """With htmx: the period is swapped in place; the chosen format stays chosen."""
    ensure_sales_data()
    today = datetime.now(UTC).date()  # the server's idea of today, in UTC
    sign_in_through_form(page, staff.email)
    page.goto("/reports/new")
    page.get_by_label("Excel workbook (.xlsx)").check()
    page.get_by_role("link", name=re.compile(r"^Last 7 days")).click()
    expect(page.get_by_label("From")).to_have_value((today - timedelta(days=6)).isoformat())
    expect(page.get_by_label("To", exact=True)).to_have_value(today.isoformat())
    expect(page.locator("#preset-last_7_days")).to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Excel workbook (.xlsx)")).to_be_checked()
    expect(page).to_have_url(re.compile(r"/reports/new$"))  # no page load: htmx swapped it
    # Screenshots last: Playwright leaves style="" on inputs, which a later swap would copy.
    save_screenshot(page, "report-form-preset-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "report-form-preset-390")


def test_a_period_without_orders_is_refused_with_focus_on_the_date(page: Page, staff: User) -> None:
    """The error names the period and the first order; focus lands on the end date."""
    ensure_sales_data()
    first, _last = order_date_range()
    sign_in_through_form(page, staff.email)
    page.set_viewport_size(PHONE)
    page.goto("/reports/new")
    page.get_by_label("From").fill("1990-01-01")
    page.get_by_label("To", exact=True).fill("1990-01-31")
    page.get_by_role("button", name="Request report").click()
    expect(page.locator("#date_to-error")).to_have_text(
        f"No orders between 1 Jan 1990 and 31 Jan 1990: the first order is from "
        f"{first.day} {first:%b %Y}."
    )
    expect(page.get_by_label("To", exact=True)).to_be_focused()
    save_screenshot(page, "report-form-error-390")


def test_presets_and_focus_work_without_javascript(no_js_page: Page, staff: User) -> None:
    """A preset link reloads the form with its dates and the format kept; autofocus needs no JS."""
    ensure_sales_data()
    page = no_js_page
    today = datetime.now(UTC).date()
    sign_in_through_form(page, staff.email)
    page.goto("/reports/new")
    page.get_by_label("CSV file").check()
    page.get_by_role("link", name=re.compile(r"^Last month")).click()  # still PDF in its URL
    expect(page).to_have_url(re.compile(r"/reports/new\?preset=last_month&format=pdf$"))
    page.get_by_label("CSV file").check()
    page.get_by_role("link", name=re.compile(r"^Year to date")).click()
    expect(page).to_have_url(re.compile(r"preset=year_to_date&format=pdf$"))
    expect(page.get_by_label("From")).to_have_value(today.replace(month=1, day=1).isoformat())
    expect(page.get_by_label("To", exact=True)).to_have_value(today.isoformat())
    page.get_by_label("From").fill("2030-02-01")
    page.get_by_label("To", exact=True).fill("2030-01-01")
    page.get_by_role("button", name="Request report").click()
    expect(page.locator("#date_to-error")).to_have_text(
        "The end date can't be before the start date."
    )
    expect(page.get_by_label("To", exact=True)).to_be_focused()
    page.goto("/exports/new?preset=this_quarter&region=North")
    expect(page.get_by_label("Region")).to_have_value("North")
    save_screenshot(page, "export-form-no-js-1280")
