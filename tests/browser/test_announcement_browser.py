"""New announcement in Chromium: compose, preview with a real customer, send, watch progress,
read the delivery report and download it; then order confirmations. Screenshots at 1280 and
390 px under test-results/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.notifications.conftest import inbox, twilio  # noqa: F401  (fixtures)
from tests.notifications.helpers import REGION, forget_customers, make_customers, make_orders
from tests.notifications.test_fanout import DAY, opt_out
from webapp.models.user import User

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
CUSTOMERS = 240


@pytest.fixture
def audience(app):
    """240 customers in Testland (40 without a phone), 3 opted out of email; removed after."""
    with app.app_context():
        ids = make_customers(CUSTOMERS - 40) + make_customers(40, phones=False, start=200)
        opt_out(ids[:3], "email")
    yield ids
    with app.app_context():
        forget_customers()


def test_compose_preview_send_watch_and_read_the_report(
    page: Page,
    staff: User,
    worker,
    inbox,  # noqa: F811
    twilio,  # noqa: F811
    audience,
    app,
    monkeypatch,
) -> None:
    """The whole flow as a new user does it, at a pace the progress can be watched."""
    monkeypatch.setitem(app.config, "EMAIL_RATE_PER_SECOND", 120)  # the worker's settings
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 120)
    sign_in_through_form(page, staff.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notify customers").click()
    expect(page.get_by_role("heading", name="New announcement")).to_be_visible()
    page.get_by_label("Subject (email)").fill("Spring teas for {first_name}")
    page.get_by_label("Message").fill("Dear {name},\n\nOur {region} shelves have new teas.")
    page.get_by_label("Customers in a region").check()
    page.get_by_label("Region", exact=True).select_option(REGION)
    page.get_by_label("SMS", exact=True).check()
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(page).to_have_url(re.compile(r"#preview$"))  # a phone scrolls to it
    expect(preview).to_contain_text("Dear Customer 0,")
    expect(preview).to_contain_text("Our Testland shelves have new teas.")
    expect(preview).to_contain_text("Email: 237 will get it (3 opted out)")
    expect(preview).to_contain_text("SMS: 200 will get it (40 without a phone)")
    expect(page.get_by_label("Subject (email)")).to_have_value("Spring teas for {first_name}")
    save_screenshot(page, "announcement-preview-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "announcement-preview-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name=f"Send to {CUSTOMERS} customers").click()
    expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
    bar = page.get_by_role("progressbar")
    expect(page.locator(".progress-message")).to_contain_text(f"of {CUSTOMERS} customers done",
                                                              timeout=15_000)  # fmt: skip
    expect(page.locator("#delivery-report")).to_contain_text("Email")
    save_screenshot(page, "announcement-running-1280")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    report = page.locator("#delivery-report")
    email_row = report.get_by_role("row", name=re.compile("^Email"))
    expect(email_row.locator('[data-label="Sent"]')).to_have_text("237")
    expect(email_row.locator('[data-label="Opted out"]')).to_have_text("3")
    sms_row = report.get_by_role("row", name=re.compile("^SMS"))
    expect(sms_row.locator('[data-label="Sent"]')).to_have_text("200")
    expect(sms_row.locator('[data-label="Skipped"]')).to_have_text("40")
    expect(report).to_contain_text("no phone number")
    save_screenshot(page, "announcement-done-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "announcement-done-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    with page.expect_download() as download:
        page.get_by_role("link", name="Every delivery as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 2 * CUSTOMERS
    assert sum(r["status"] == "sent" for r in rows) == 437
    assert len(inbox.messages) == 237 and len(twilio.messages) == 200


def test_confirm_the_orders_of_a_day(
    page: Page,
    staff: User,
    worker,
    inbox,  # noqa: F811
    twilio,  # noqa: F811
    audience,
    app,
) -> None:
    """Confirm orders: a day, then the report; a second time sends nothing."""
    with app.app_context():
        make_orders(audience[:5], DAY)
    sign_in_through_form(page, staff.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notify customers").click()
    page.get_by_role("link", name="Order confirmations").click()
    page.get_by_label("Day", exact=True).fill(DAY.isoformat())
    save_screenshot(page, "confirmations-new-1280")
    page.get_by_role("button", name="Send confirmations").click()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100",
                                                              timeout=30_000)  # fmt: skip
    row = page.locator("#delivery-report").get_by_role("row", name=re.compile("^Email"))
    expect(row.locator('[data-label="Sent"]')).to_have_text("2")  # 3 of the 5 opted out
    expect(row.locator('[data-label="Opted out"]')).to_have_text("3")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "confirmations-done-390")
    assert len(inbox.messages) == 2 and len(twilio.messages) == 5
