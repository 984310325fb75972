"""Times in a real browser: exact moments in the reader's own time zone, visible without hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_through_form
from tests.staff.helpers import make_job
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

REQUESTED = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)


@pytest.mark.browser_context_args(timezone_id="Europe/Paris", locale="en-GB")
def test_exact_times_are_shown_in_the_readers_time_zone(page: Page, staff: User) -> None:
    """A reader in Paris sees 11:30 CET beside a job requested at 10:30 UTC, on the list and page.

    The page fixture fails the test on any script error, such as the one a bad date format throws.
    """
    job = make_job(staff, "completed", created_at=REQUESTED)
    sign_in_through_form(page, staff.email)
    page.goto("/jobs")
    requested = page.locator(f"#job-{job.id} .when-cell")  # the list says the time of day
    expect(requested.locator(".clock-time")).to_have_text("11:30")
    expect(requested.locator(".clock-day")).to_have_text("15 Jan 2025, CET")

    page.goto(f"/jobs/{job.id}")
    expect(page.locator(".timeline .exact-time").first).to_have_text("15 Jan 2025, 11:30 CET")
    expect(page.locator(".facts .exact-time")).to_have_text("15 Jan 2025, 11:30 CET")


@pytest.mark.browser_context_args(timezone_id="Asia/Riyadh", locale="en-GB")
def test_a_running_jobs_page_polls_without_script_errors(page: Page, staff: User) -> None:
    """A running job's page redraws its live part every second; each redraw localises its times."""
    job = make_job(
        staff, "processing", progress=40, started_at=utcnow() - timedelta(minutes=1), attempts=1
    )
    sign_in_through_form(page, staff.email)
    page.goto(f"/jobs/{job.id}")
    page.evaluate(
        "let swaps = 0; document.body.addEventListener('htmx:afterSettle', () => {"
        " swaps += 1; document.body.dataset.swaps = String(swaps); });"
    )
    expect(page.locator("body")).to_have_attribute("data-swaps", "2")
    exact = page.locator("#job-live .timeline .exact-time").first
    expect(exact).to_contain_text("GMT+3")  # each redrawn part is in the reader's zone again
