"""Staff pages in Chromium: request a report and watch it finish, download it, cancel an export.

The live server is a forked copy of the app sharing the database file and Redis; the `worker`
fixture runs a real Dramatiq worker in this process that picks up what the server enqueues.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.reports_fixtures import ensure_sales_data, last_period
from tests.staff.helpers import make_job
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_request_a_report_watch_it_reach_100_and_download(
    page: Page, staff: User, worker, tmp_path: Path
) -> None:
    """Sign in, fill the form, land on the job page, see the bar reach 100 %, download the PDF."""
    ensure_sales_data()
    date_from, date_to = last_period(60)
    sign_in_through_form(page, staff.email)
    page.get_by_role("link", name="New report").click()
    expect(page.get_by_role("heading", name="New sales report")).to_be_visible()
    page.get_by_label("From").fill(date_from.isoformat())
    page.get_by_label("To", exact=True).fill(date_to.isoformat())
    page.get_by_label("PDF document").check()
    page.get_by_role("button", name="Request report").click()

    expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    expect(page.locator("#job-live .badge")).to_have_text("Completed")
    expect(page).to_have_title("Completed · Sales report · Tamam")
    expect(page.locator("main")).not_to_contain_text("queued")  # no banner left from pending
    expect(page.locator(".timeline")).to_contain_text("Finished")
    polls: list[str] = []
    page.on(
        "request", lambda request: polls.append(request.url) if "/live" in request.url else None
    )
    page.wait_for_timeout(1500)  # a running job would have polled at least once by now
    assert polls == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download", exact=True).click()
    download = download_info.value
    assert re.fullmatch(r"sales-report-[\d-]+-to-[\d-]+\.pdf", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="My jobs", exact=True).click()
    expect(page.locator("tr.job-row")).to_have_count(1)
    expect(page.locator("tr.job-row .badge")).to_have_text("Completed")


def test_start_an_export_and_cancel_it(page: Page, staff: User) -> None:
    """An export waiting for a worker is cancelled from its page; the live part says so."""
    ensure_sales_data()  # the form refuses a period without orders
    sign_in_through_form(page, staff.email)
    page.goto("/exports/new")
    page.get_by_label("Order status").select_option("shipped")
    page.get_by_label("Region").select_option("North")
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Request export").click()
    expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
    expect(page.locator("#job-live .badge")).to_have_text("Pending")
    expect(page.locator("#job-live")).to_contain_text("This page follows it as it runs")
    expect(page.locator(".facts")).to_contain_text("Shipped")
    save_screenshot(page, "staff-job-pending-1280")

    cancel = page.get_by_role("button", name="Cancel")
    page.get_by_role("button", name="Run again with these parameters").focus()
    page.keyboard.press("Shift+Tab")  # back to Cancel, by keyboard
    expect(cancel).to_be_focused()
    page.evaluate(
        "let swaps = 0; document.body.addEventListener('htmx:afterSettle', () => {"
        " swaps += 1; document.body.dataset.swaps = String(swaps); });"
    )
    expect(page.locator("body")).to_have_attribute("data-swaps", "2")  # two polls redrew it
    expect(cancel).to_be_focused()  # htmx gives focus back by the button's id

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#job-live .badge")).to_have_text("Cancelled")
    expect(page.locator("#announcer")).to_have_text("Orders export cancelled.")
    expect(page).to_have_title("Cancelled · Orders export · Tamam")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("Cancelled")
    expect(page.locator("#job-live")).not_to_have_attribute("hx-trigger", re.compile("."))

    page.goto("/jobs?status=completed")
    expect(page.get_by_text("No jobs match these filters.")).to_be_visible()
    page.get_by_label("Status").select_option("cancelled")  # htmx swaps the list, pushes the URL
    expect(page).to_have_url("/jobs?q=&status=cancelled&type=&from=&to=")
    expect(page.locator("tr.job-row")).to_have_count(1)
    expect(page.locator("tr.job-row")).to_contain_text("Orders export")


def make_showcase(staff: User) -> dict[str, str]:
    """Jobs in every state for the screenshots; returns the ids of some by state."""
    now = utcnow()
    long_ago = now - timedelta(hours=3)
    make_job(staff, "completed", created_at=long_ago, job_type="orders_export",
             params={"date_from": "2025-01-01", "date_to": "2025-03-31", "status": "shipped",
                     "region": "North", "format": "excel"})  # fmt: skip
    failed = make_job(staff, "failed", created_at=long_ago + timedelta(minutes=20), progress=35,
             error_code="E7006", error_message="Not enough data",
             error_details="There are no orders in this period.")  # fmt: skip
    feb = {"date_from": "2025-02-01", "date_to": "2025-02-28", "format": "pdf"}
    make_job(staff, "cancelled", created_at=long_ago + timedelta(minutes=40), progress=12,
             params=feb)  # fmt: skip
    done = make_job(staff, "completed", created_at=now - timedelta(minutes=30))
    make_job(staff, "pending", created_at=now - timedelta(seconds=20), job_type="orders_export",
             params={"date_from": "2025-04-01", "date_to": "2025-04-30", "status": "",
                     "region": "", "format": "csv"})  # fmt: skip
    running = make_job(
        staff, "processing", created_at=now - timedelta(minutes=2), progress=45,
        message="Reading orders: 12,400 of 27,500", started_at=now - timedelta(minutes=1),
        params={"date_from": "2025-01-01", "date_to": "2025-06-30", "format": "excel"},
        attempts=1,
    )  # fmt: skip
    return {"running": running.id, "failed": failed.id, "completed": done.id}


def test_screenshots_of_the_staff_pages(page: Page, staff: User) -> None:
    """The job list, a job mid-progress and the new report form on a laptop and a phone."""
    ids = make_showcase(staff)
    sign_in_through_form(page, staff.email)
    for width, viewport in (("1280", {"width": 1280, "height": 800}), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.goto("/jobs")
        expect(page.locator("tr.job-row")).to_have_count(6)
        save_screenshot(page, f"staff-job-list-{width}")
        page.goto(f"/jobs/{ids['running']}")
        expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "45")
        expect(page.locator("#job-live")).to_contain_text("left")
        save_screenshot(page, f"staff-job-page-{width}")
        page.goto("/reports/new")
        page.get_by_label("Name (to tell it apart)").focus()
        page.keyboard.press("Tab")  # keyboard focus on the button: its outline must show
        expect(page.get_by_role("button", name="Request report")).to_be_focused()
        save_screenshot(page, f"staff-new-report-{width}")
        for state in ("completed", "failed"):
            page.goto(f"/jobs/{ids[state]}")
            expect(page.locator("#job-live .badge")).to_have_text(state.capitalize())
            save_screenshot(page, f"staff-job-{state}-{width}")
    page.goto("/reports/new")
    page.get_by_label("From").fill("2025-03-31")
    page.get_by_label("To", exact=True).fill("2025-03-01")
    page.get_by_role("button", name="Request report").click()
    expect(page.locator("#date_to-error")).to_have_text(
        "The end date can't be before the start date."
    )
    save_screenshot(page, "staff-new-report-error-390")


def move(job_id: str, **values: object) -> None:
    """Change a job's row the way a worker does: one UPDATE, committed."""
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.models.job import Job

    db.session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))
    db.session.commit()


def test_the_list_polls_once_for_all_rows_and_can_pause(page: Page, staff: User) -> None:
    """Three running rows, one request per interval to /jobs/live (never a row's own poll);
    a row that moves is redrawn, a job that ends is announced; Pause stops the requests."""
    started = utcnow() - timedelta(minutes=1)
    jobs = [
        make_job(staff, "processing", progress=10 * n, started_at=started, attempts=1,
                 name=f"Audit {n}")
        for n in (1, 2, 3)
    ]  # fmt: skip
    make_job(staff, "completed", name="Old one")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/jobs/" in r.url else None)
    sign_in_through_form(page, staff.email)
    page.goto("/jobs")
    expect(page.locator("tr.job-row")).to_have_count(4)
    expect(page.locator(f"#job-{jobs[0].id}")).to_contain_text("Audit 1")
    expect(page.locator(f"#job-{jobs[0].id} .duration")).to_contain_text("Running 1 min")
    toggle = page.get_by_role("button", name="Pause live updates")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    move(jobs[1].id, progress=65, message="Writing the file")
    row = page.locator(f"#job-{jobs[1].id}")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "65")
    expect(row).to_contain_text("Writing the file")
    polls = [url for url in requests if "/jobs/live" in url]
    assert polls and all("rows=" in url for url in polls)
    assert not [url for url in requests if url.endswith("/row")]
    for job in jobs:  # each poll names every active row, once
        assert job.id in polls[-1]

    move(jobs[2].id, status="completed", progress=100, message="Done", completed_at=utcnow())
    expect(page.locator("#announcer")).to_have_text("Sales report completed.")
    expect(page.locator(f"#job-{jobs[2].id} .badge")).to_have_text("Completed")
    save_screenshot(page, "staff-live-list-1280")

    toggle.click()
    expect(page.get_by_role("button", name="Resume live updates")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#live-note")).to_have_text(
        "Live updates are paused: the list stays as it is."
    )
    count = len([url for url in requests if "/jobs/live" in url])
    move(jobs[0].id, progress=80)
    page.wait_for_timeout(2500)  # a live list would have asked at least once by now
    assert len([url for url in requests if "/jobs/live" in url]) == count
    expect(page.locator(f"#job-{jobs[0].id}").get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", "10"
    )
    page.get_by_role("button", name="Resume live updates").click()
    expect(page.locator(f"#job-{jobs[0].id}").get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", "80"
    )
    page.set_viewport_size(PHONE)
    save_screenshot(page, "staff-live-list-390")


def test_asking_twice_shows_the_waiting_job_and_a_fresh_copy_button(
    page: Page, staff: User
) -> None:
    """The same export twice: the second says so and links the first; 'a fresh copy anyway'
    makes a second job on purpose."""
    ensure_sales_data()
    sign_in_through_form(page, staff.email)
    for attempt in (1, 2):
        page.goto("/exports/new")
        page.get_by_label("Format").select_option("csv")
        page.get_by_label("Name (to tell it apart)").fill("Quarter close")
        page.get_by_role("button", name="Request export").click()
        if attempt == 1:
            expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
            first = page.url
    notice = page.get_by_role("status").filter(has_text="You already asked for this export")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link", name="Quarter close")).to_have_attribute(
        "href", re.compile(first.rsplit("/", 1)[1])
    )
    for width, viewport in (("1280", {"width": 1280, "height": 800}), ("390", PHONE)):
        page.set_viewport_size(viewport)
        save_screenshot(page, f"staff-same-request-{width}")
    page.get_by_role("button", name="Request a fresh copy anyway").click()
    expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
    assert page.url != first
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quarter close")
    page.goto("/jobs?q=quarter")
    expect(page.locator("tr.job-row")).to_have_count(2)
