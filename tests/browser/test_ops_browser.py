"""/ops in Chromium: an admin reads the queues, pauses and resumes one, pings the workers (a real
Dramatiq worker in this process answers), and pauses the live refresh; light and dark, laptop
and phone. The refresh itself runs on Playwright's clock, so its timing is exact, not waited for.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.jobs.helpers import add_heartbeat
from tests.ops.dashboard_helpers import finish, roll_up_from
from tests.staff.helpers import make_job
from webapp.engine.attempts import process_key
from webapp.extensions import db
from webapp.models.ops import Alert
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Counts the page's own refresh requests as it makes them (synchronously, before any answer).
COUNT_REFRESHES = """
window.__refreshes = [];
const realFetch = window.fetch;
window.fetch = function (url, options) {
  window.__refreshes.push(String(url));
  return realFetch.apply(this, arguments);
};
"""


def a_busy_hour(staff: User) -> None:
    """Finished jobs over the last hour (rolled up for the charts), work waiting, a stale
    worker and an open alert: what a real dashboard shows."""
    now = utcnow().replace(second=0, microsecond=0)
    for minutes_ago in range(2, 58):
        if minutes_ago in (20, 21, 22):
            continue  # a quiet spell: the lines break there
        ended = now - timedelta(minutes=minutes_ago, seconds=-20)
        for n in range(minutes_ago % 4 + 1):
            finish(staff, "completed", ended, wait=0.2 + n * n, run=6.0 + minutes_ago % 9 + 3 * n)
        if minutes_ago % 11 == 0:
            finish(staff, "failed", ended, wait=1.0, run=2.0)
    roll_up_from(now - timedelta(minutes=61))
    for _ in range(3):
        make_job(staff, "pending", job_type="orders_export", queue="exports")
    add_heartbeat("old-host:4242:dead", "reports,exports", 4, silent_for=95)
    with db.engine.begin() as conn:
        conn.execute(
            insert(Alert).values(
                key="backlog:exports", kind="backlog", queue="exports",
                summary="exports has 1,450 messages waiting (threshold 1,000)",
                latest="exports has 1,210 messages waiting (threshold 1,000)",
                opened_at=now - timedelta(minutes=12), notified_at=now,
            )
        )  # fmt: skip


def test_an_admin_pauses_resumes_and_pings_the_workers(
    page: Page, admin: User, staff: User, worker
) -> None:
    """Queues as a table; Pause shows 'Paused since' and Resume; Resume says how many jobs went;
    Ping shows each queue answered by this worker; the refresh pauses on request."""
    a_busy_hour(staff)
    sign_in_through_form(page, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ops").click()
    expect(page.get_by_role("heading", name="Ops", exact=True)).to_be_visible()
    queues = page.get_by_role("table", name=re.compile("^Each queue's messages"))
    expect(queues.get_by_role("rowheader")).to_have_text(
        ["default", "reports", "exports", "notifications"]
    )
    exports = page.locator("#queue-exports")
    expect(exports.get_by_role("cell").nth(4)).to_have_text("3")  # pending rows
    expect(page.locator("#alerts")).to_contain_text("Queue backlog detected · queue exports")
    expect(page.locator("#workers")).to_contain_text(re.compile(r"no heartbeat for 1 min 3\d s"))

    page.get_by_role("button", name="Pause queue exports").click()
    expect(page.locator(".flashes")).to_have_text(
        "Queue exports paused: its jobs wait until you resume it."
    )
    expect(exports).to_contain_text(re.compile(r"Paused since .+ by admin@example\.com"))
    expect(exports.get_by_role("cell").nth(6)).to_have_text("— paused")
    save_screenshot(page, "ops-paused-1280")

    page.get_by_role("button", name="Resume queue exports").click()
    expect(page.locator(".flashes")).to_have_text("Queue exports resumed; 3 waiting jobs sent.")
    expect(exports).not_to_contain_text("Paused since")
    expect(page.locator("#audit tbody tr").first).to_contain_text("resume")

    page.get_by_role("button", name="Ping the workers").click()
    answers = page.locator("#ping-result li")
    expect(answers).to_have_count(4)
    expect(page.locator("#ping-result .ping-waiting")).to_have_count(0)
    expect(answers).to_have_text([
        re.compile(rf"^{queue}: answered in (under 1|\d+) ms by {re.escape(process_key())}$")
        for queue in ("default", "reports", "exports", "notifications")
    ])  # fmt: skip
    expect(page.locator("#announcer")).to_have_text("Ping: 4 of 4 queues answered.")

    page.get_by_role("button", name="Pause live updates").click()
    toggle = page.locator("#live-toggle")  # its name is now "Resume live updates"
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Resume live updates")
    expect(page.locator("#live-note")).to_have_text(
        "Live updates are paused: the figures stay as they are."
    )
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, viewport in (("1280", LAPTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)
            save_screenshot(page, f"ops-{name}-{scheme}")


def test_the_live_figures_refresh_every_5_s_until_paused(page: Page, admin: User) -> None:
    """One request per refresh brings a new worker in; paused, no request for a minute; on
    resume one at once. The charts refresh on their own, once a minute."""
    page.add_init_script(COUNT_REFRESHES)
    page.clock.install()
    sign_in_through_form(page, admin.email)
    page.goto("/ops/")
    workers = page.locator("#workers")
    expect(workers).to_contain_text("No live worker")
    save_screenshot(page, "ops-empty-1280")

    add_heartbeat("fresh-host:101:aa", "reports", 3)
    page.clock.run_for(5_100)
    expect(workers.get_by_role("rowheader")).to_have_text(["fresh-host"])
    assert page.evaluate("window.__refreshes") == ["/ops/live"]

    page.get_by_role("button", name="Pause live updates").click()
    add_heartbeat("later-host:202:bb", "exports", 1)
    page.clock.run_for(65_000)
    assert page.evaluate("window.__refreshes") == ["/ops/live"]  # nothing while paused
    expect(workers.get_by_role("rowheader")).to_have_text(["fresh-host"])

    page.get_by_role("button", name="Resume live updates").click()
    page.clock.run_for(100)
    expect(workers.get_by_role("rowheader")).to_have_text(["fresh-host", "later-host"])
    assert sorted(page.evaluate("window.__refreshes")) == ["/ops/charts", "/ops/live", "/ops/live"]
