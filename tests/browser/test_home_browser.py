"""The home page in Chromium: live rows, light and dark, laptop and phone; reduced motion.

The live server is a forked copy of the app sharing the database file: rows made or changed
here show on its pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.staff.helpers import make_job
from webapp.engine.errors import NO_DATA, WORKER_LOST
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

SIZES = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
DARK_BG, LIGHT_BG = "rgb(18, 21, 28)", "rgb(246, 247, 249)"


def fill_home(staff: User) -> dict[str, str]:
    """A running job, a waiting one, two ready files and two failures of this week."""
    now = utcnow()
    running = make_job(
        staff, "processing", progress=45, message="Reading orders: 12,400 of 27,500",
        started_at=now - timedelta(minutes=1), attempts=1,
    )  # fmt: skip
    make_job(
        staff, "pending", message="Waiting for a worker", created_at=now - timedelta(seconds=5)
    )
    make_job(staff, "completed", created_at=now - timedelta(hours=1))
    make_job(
        staff, "completed", job_type="orders_export", created_at=now - timedelta(hours=3),
        params={"date_from": "2025-01-01", "date_to": "2025-03-31", "format": "csv"},
    )  # fmt: skip
    for code, ago in ((NO_DATA, timedelta(hours=2)), (WORKER_LOST, timedelta(days=2))):
        make_job(staff, "failed", error_code=code, created_at=now - ago, failed_at=now - ago)
    return {"running": running.id}


def test_a_running_row_on_home_follows_its_job(page: Page, staff: User) -> None:
    """The bar on home moves when the job does, and the row shows the file when it completes."""
    ids = fill_home(staff)
    sign_in_through_form(page, staff.email)
    expect(page.get_by_role("heading", name="Running now")).to_be_visible()
    row = page.locator(f"#job-{ids['running']}")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "45")
    from webapp.models.job import Job

    job = db.session.get(Job, ids["running"])
    job.progress, job.message, job.updated_at = 80, "Writing the file", utcnow()
    db.session.commit()
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "80")
    expect(row).to_contain_text("Writing the file")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_home(page: Page, staff: User, scheme: str) -> None:
    """Home at 1280 and 390 px, in the light and the dark palette."""
    fill_home(staff)
    page.emulate_media(color_scheme=scheme)
    sign_in_through_form(page, staff.email)
    expected = DARK_BG if scheme == "dark" else LIGHT_BG
    expect(page.locator("html")).to_have_css("background-color", expected)  # once styled
    for width, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto("/home")
        expect(page.locator(".ready-item")).to_have_count(2)
        expect(page.locator(".failure-item")).to_have_count(2)
        expect(page.locator(".failure-item").first).to_contain_text("Choose a period with orders.")
        save_screenshot(page, f"home-{width}-{scheme}")
        page.goto("/reports/new")
        page.get_by_label("CSV file").focus()
        page.keyboard.press("Tab")  # the focus ring must show on the button
        save_screenshot(page, f"new-report-{width}-{scheme}")


def test_screenshots_of_a_waiting_jobs_page(page: Page, staff: User) -> None:
    """A waiting job's page says its place in line, light at 1280 px and dark at 390 px."""
    now = utcnow()
    done = now - timedelta(hours=1)
    make_job(staff, "completed", created_at=done, started_at=done - timedelta(minutes=2))
    make_job(staff, "pending", created_at=now - timedelta(minutes=2))
    waiting = make_job(staff, "pending", created_at=now - timedelta(minutes=1))
    sign_in_through_form(page, staff.email)
    for scheme, width in (("light", "1280"), ("dark", "390")):
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size(SIZES[width])
        page.goto(f"/jobs/{waiting.id}")
        expect(page.locator("#job-live .status-line")).to_contain_text("2nd in line")
        expect(page.locator("#job-live .status-line")).to_contain_text("(estimate)")
        save_screenshot(page, f"job-waiting-{width}-{scheme}")


def test_dark_and_reduced_motion_are_honoured(page: Page, staff: User) -> None:
    """Dark palette and no bar transition under emulation; the light one slides the bar."""
    make_job(staff, "processing", progress=30, started_at=utcnow(), attempts=1)
    sign_in_through_form(page, staff.email)
    bar = page.locator(".progress > .bar").first
    expect(bar).to_be_visible()
    assert bar.evaluate("el => getComputedStyle(el).transitionDuration") == "0.4s"
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == DARK_BG
    assert bar.evaluate("el => getComputedStyle(el).transitionDuration") == "0s"
    track = page.locator(".progress").first
    assert track.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(125, 134, 153)"
    text = page.evaluate("getComputedStyle(document.body).color")
    assert text == "rgb(230, 233, 239)"
    page.get_by_role("link", name="New sales report").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert focused == "rgb(143, 176, 255)"
