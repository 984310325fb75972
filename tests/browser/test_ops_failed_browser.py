"""An admin in Chromium on /ops/failed: find a failed job with a filter, retry it, watch it run
to completion on its page (a real worker in this process), and the confirm step of "everything
matching" and the search, at desktop and phone widths."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.ops.failed_helpers import failed_job
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def test_an_admin_filters_the_failed_list_retries_a_job_and_watches_it_complete(
    page: Page, admin: User, staff: User, other_staff: User, worker
) -> None:
    """Type filter → one row; Retry → the job's page, Processing, then Completed on the same id;
    the admin's retry is listed under Admin actions."""
    now = utcnow()
    target = failed_job(
        staff, at=now - timedelta(minutes=3), job_type="ping", queue="default", code="E7000",
        params={"duration": 3.0, "steps": 10},
    )  # fmt: skip
    for i in range(3):
        failed_job(other_staff, at=now - timedelta(minutes=i))
    sign_in_through_form(page, admin.email)
    page.goto("/ops/failed")
    expect(page.get_by_role("heading", name="Failed jobs")).to_be_visible()
    expect(page.locator("tr.ops-job")).to_have_count(4)

    page.get_by_label("Type").select_option(label="Ping")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/ops/failed\?type=ping"))
    rows = page.locator("tr.ops-job")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(staff.email)
    expect(rows.first).to_contain_text("E7000")
    expect(rows.first.locator("time.clock .exact-time, time.clock .clock-day")).not_to_have_count(0)
    save_screenshot(page, "ops-failed-filtered-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "ops-failed-filtered-390")
    page.set_viewport_size(DESKTOP)

    rows.first.get_by_role("button", name=re.compile(r"^Retry")).click()
    expect(page).to_have_url(re.compile(rf"/jobs/{re.escape(target.id)}$"))
    expect(page.locator(".flashes")).to_have_text(
        "Queued again with the same id; this page follows it."
    )
    badge = page.locator("#job-live .badge")
    expect(badge).to_have_text("Processing", timeout=15_000)
    save_screenshot(page, "ops-retried-running-1280")
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    expect(badge).to_have_text("Completed")
    expect(page.locator(".timeline")).to_contain_text("Queued again")
    audit = page.get_by_role("list", name="Admin actions")
    expect(audit).to_contain_text(admin.email)
    expect(audit).to_contain_text("Retried from the failed list")
    save_screenshot(page, "ops-retried-completed-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "ops-retried-completed-390")

    page.goto("/ops/failed?type=ping")
    expect(page.get_by_text("No failed jobs match these filters.")).to_be_visible()


def test_everything_matching_asks_first_and_search_finds_any_job(
    page: Page, admin: User, staff: User
) -> None:
    """Retry all matching… shows the count and a confirm button; Cancel leaves everything as it
    was. The search finds a job by its owner and opens its page."""
    now = utcnow()
    jobs = [failed_job(staff, at=now - timedelta(minutes=i)) for i in range(3)]
    sign_in_through_form(page, admin.email)
    page.goto("/ops/failed")
    page.get_by_role("link", name="Retry all matching…").click()
    confirm = page.get_by_role("region", name=re.compile("^Retry all 3 failed jobs"))
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button", name="Yes, retry 3 jobs")).to_be_visible()
    save_screenshot(page, "ops-failed-confirm-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "ops-failed-confirm-390")
    confirm.get_by_role("link", name="Cancel").click()
    expect(page.locator("tr.ops-job")).to_have_count(3)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Search all jobs").click()
    page.get_by_label("Owner").fill(staff.email)
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("tr.ops-job")).to_have_count(3)
    save_screenshot(page, "ops-search-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "ops-search-390")
    page.locator(f"#found-{jobs[0].id}").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/jobs/{re.escape(jobs[0].id)}$"))
