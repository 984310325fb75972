"""The main pages in Chromium, in Arabic and English, on a laptop (1280 px) and a phone (390 px).

Each page is saved as test-results/page-<name>-<language>-<width>.png to be looked at; the test
checks what a screenshot would show wrong: nothing wider than the screen, a one-line nav on a
phone, the page's direction, and (in Arabic) the nav starting at the right.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import RESULTS_DIR, sign_in_through_form
from tests.staff.helpers import make_job
from webapp.extensions import db
from webapp.models.job import JobEvent
from webapp.models.types import utcnow
from webapp.models.user import User

pytestmark = pytest.mark.browser

# test-results/ by default; PAGE_SHOTS_DIR keeps them apart (pytest-playwright empties
# test-results/ whenever any browser test run starts).
SHOTS = Path(os.environ.get("PAGE_SHOTS_DIR") or RESULTS_DIR)
SIZES = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}


def fill(owner: User) -> dict[str, str]:
    """A running job, a failed one and a completed one, with their timelines."""
    now = utcnow()
    running = make_job(owner, "processing", progress=45, message="Read 12,400 of 27,500 orders",
                       created_at=now - timedelta(minutes=2),
                       started_at=now - timedelta(minutes=1), attempts=1)  # fmt: skip
    failed = make_job(owner, "failed", created_at=now - timedelta(hours=2), attempts=3,
                      failed_at=now - timedelta(hours=1), message="Failed", error_code="E7002",
                      error_message="The attempt ran past the 900 s time limit.")  # fmt: skip
    make_job(owner, "completed", created_at=now - timedelta(hours=1), name="March close")
    export = {"date_from": "2025-01-01", "date_to": "2025-03-31", "format": "csv"}
    make_job(owner, "completed", job_type="orders_export", params=export,
             created_at=now - timedelta(hours=3))  # fmt: skip
    db.session.add_all([
        JobEvent(job_id=running.id, kind="started", attempt=1, detail="Attempt 1 started",
                 at=now - timedelta(minutes=1)),
        JobEvent(job_id=failed.id, kind="attempt_failed", attempt=1, error_code="E7002",
                 detail="The attempt ran past the 900 s time limit.", at=now - timedelta(hours=1)),
    ])  # fmt: skip
    db.session.commit()
    return {"running": running.id, "failed": failed.id}


def save_screenshot(page: Page, name: str) -> None:
    """The whole page as SHOTS/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def layout_problems(page: Page, language: str, width: int) -> list[str]:
    """Nothing wider than the screen; a one-line nav on a phone; the nav reads the page's way."""
    where = f"{page.url} ({language}, {width}px)"
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        problems.append(f"{where} is {overflow}px wider than the screen")
    links = page.locator("nav.nav a")
    if links.count() < 2:
        return problems
    nav, first = page.locator("nav.nav").bounding_box(), links.first.bounding_box()
    assert nav and first
    if width < 640 and nav["height"] > 1.6 * first["height"]:
        problems.append(f"{where}: the nav wraps")
    current = page.locator("nav.nav a[aria-current]")
    shown = current.bounding_box() if current.count() else None
    if shown and not (nav["x"] - 1 <= shown["x"] <= nav["x"] + nav["width"] - shown["width"] + 1):
        problems.append(f"{where}: the current page's link is scrolled out of sight")
    if language == "ar" and first["x"] + first["width"] < nav["x"] + nav["width"] - 20:
        problems.append(f"{where}: the nav does not start at the right")
    return problems


def test_main_pages_in_both_languages(page: Page, admin: User) -> None:
    """Sign-in, home, My jobs, a running and a failed job, the forms, the ops pages."""
    ids = fill(admin)
    pages = {
        "home": "/home",
        "jobs": "/jobs",
        "running": f"/jobs/{ids['running']}",
        "failed": f"/jobs/{ids['failed']}",
        "report": "/reports/new",
        "ops": "/ops/",
        "ops-failed": "/ops/failed",
        "import": "/imports/new",
        "announcement": "/notify/announcements/new",
    }
    problems: list[str] = []
    for language in ("en", "ar"):
        page.context.clear_cookies()
        page.goto("/login")
        url = page.url.split("/login")[0]
        page.context.add_cookies([{"name": "tamam_lang", "value": language, "url": url}])
        for width, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto("/login")
            expect(page.locator("html")).to_have_attribute("lang", language)
            problems += layout_problems(page, language, width)
            save_screenshot(page, f"page-login-{language}-{width}")
    page.context.clear_cookies()
    sign_in_through_form(page, admin.email)
    for language in ("en", "ar"):
        admin.language = language
        db.session.commit()
        for width, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            for name, path in pages.items():
                page.goto(path)
                expect(page.locator("html")).to_have_attribute(
                    "dir", "rtl" if language == "ar" else "ltr"
                )
                page.wait_for_load_state("networkidle")
                problems += layout_problems(page, language, width)
                save_screenshot(page, f"page-{name}-{language}-{width}")
    assert problems == [], "\n".join(problems)
