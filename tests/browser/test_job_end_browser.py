"""A job that ends while its page is open: the tab title, a screen-reader announcement, and an
opt-in browser notification when the tab is in the background.

The browser's Notification API and page visibility are replaced by a small stand-in (an init
script) that records what the page asks for: headless Chromium shows no notifications and has no
background tabs. Everything else is the real page, polling the live server.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.staff.helpers import CSV_BODY, make_job
from webapp.engine.storage import job_dir
from webapp.extensions import db
from webapp.models.job import Job, JobEvent
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
STAND_IN = """
window.__asked = 0;
window.__shown = [];
function StandInNotification(title, options) {
  window.__shown.push(title + ": " + options.body);
  this.close = function () {};
}
StandInNotification.permission = "default";
StandInNotification.requestPermission = function () {
  window.__asked += 1;
  StandInNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = StandInNotification;
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true,
  get: function () { return window.__hidden ? "hidden" : "visible"; }
});
"""


def running_job(staff: User) -> Job:
    """A sales report halfway through, as a worker leaves it."""
    started = utcnow() - timedelta(minutes=1)
    return make_job(
        staff, "processing", progress=50, message="Reading orders", started_at=started, attempts=1
    )


def complete(job: Job) -> None:
    """Finish the job the way the runner does: its file, the completed row, a timeline line."""
    name = "sales-report-2025-03-01-to-2025-03-31.csv"
    (job_dir(job.id, create=True) / name).write_bytes(CSV_BODY)
    job.status, job.progress, job.message = "completed", 100, "Done"
    job.result_data = {"file_name": name, "content_type": "text/csv", "size_bytes": len(CSV_BODY)}
    job.completed_at = utcnow()
    db.session.add(JobEvent(job_id=job.id, kind="completed", attempt=1, detail="Done", at=utcnow()))
    db.session.commit()


def test_a_job_ending_in_a_background_tab_notifies_when_asked(page: Page, staff: User) -> None:
    """Notify me → permission asked once; the job ends while the tab is hidden → one notification,
    a new tab title and an announcement; the button goes away."""
    page.add_init_script(STAND_IN)
    job = running_job(staff)
    sign_in_through_form(page, staff.email)
    page.goto(f"/jobs/{job.id}")
    expect(page).to_have_title("50 % · Sales report · Tamam")
    button = page.get_by_role("button", name="Notify me when it ends")
    expect(button).to_be_visible()
    assert page.evaluate("window.__asked") == 0  # nothing asked before the click: opt-in
    for width, viewport in (("1280", {"width": 1280, "height": 800}), ("390", PHONE)):
        page.set_viewport_size(viewport)
        save_screenshot(page, f"job-running-notify-offer-{width}")
    page.set_viewport_size({"width": 1280, "height": 800})

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#notify-note")).to_have_text(
        "You will get a notification if this tab is in the background."
    )
    assert page.evaluate("window.__asked") == 1
    save_screenshot(page, "job-running-notify-on-1280")

    page.evaluate("window.__hidden = true")
    complete(job)
    expect(page.locator("#job-live .badge")).to_have_text("Completed")
    expect(page).to_have_title("Completed · Sales report · Tamam")
    expect(page.locator("#announcer")).to_have_text(
        "Sales report completed: the file is ready to download."
    )
    assert page.evaluate("window.__shown") == [
        "Tamam: Sales report completed: the file is ready to download."
    ]
    expect(button).to_be_hidden()
    for width, viewport in (("1280", {"width": 1280, "height": 800}), ("390", PHONE)):
        page.set_viewport_size(viewport)
        save_screenshot(page, f"job-ended-{width}")


def test_no_notification_without_asking_or_while_the_tab_is_visible(
    page: Page, staff: User
) -> None:
    """Not asked: no notification, even hidden. Asked but visible: none either. The title and the
    announcement change all the same."""
    page.add_init_script(STAND_IN)
    quiet, watched = running_job(staff), running_job(staff)
    sign_in_through_form(page, staff.email)

    page.goto(f"/jobs/{quiet.id}")
    expect(page.get_by_role("button", name="Notify me when it ends")).to_be_visible()
    page.evaluate("window.__hidden = true")
    quiet.status, quiet.message = "cancelled", "Cancelled"
    db.session.commit()
    expect(page).to_have_title("Cancelled · Sales report · Tamam")
    expect(page.locator("#announcer")).to_have_text("Sales report cancelled.")
    assert page.evaluate("[window.__asked, window.__shown]") == [0, []]

    page.goto(f"/jobs/{watched.id}")
    page.get_by_role("button", name="Notify me when it ends").click()
    expect(page.locator("#notify-note")).not_to_be_empty()
    complete(watched)  # the tab stays visible
    expect(page.locator("#announcer")).to_have_text(
        "Sales report completed: the file is ready to download."
    )
    assert page.evaluate("window.__shown") == []


def test_a_job_that_is_already_over_offers_no_notification(page: Page, staff: User) -> None:
    """Opening a finished job announces nothing and offers nothing to wait for."""
    job = make_job(staff, "completed")
    sign_in_through_form(page, staff.email)
    page.goto(f"/jobs/{job.id}")
    expect(page).to_have_title("Completed · Sales report · Tamam")
    expect(page.get_by_role("button", name="Notify me when it ends")).to_have_count(0)
    expect(page.locator("#announcer")).to_be_empty()
    expect(page.get_by_role("link", name="Download", exact=True)).to_be_visible()
