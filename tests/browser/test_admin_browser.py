"""An admin in Chromium: the navigation says All jobs; run again on a staff member's job asks
whose the new job is, the owner's by default."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.staff.helpers import make_job
from webapp.models.user import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_an_admin_runs_a_staff_members_job_again_for_its_owner(
    page: Page, admin: User, staff: User
) -> None:
    """All jobs in the navigation; the owner's choice checked; the new job is the owner's."""
    job = make_job(staff, "completed")
    sign_in_through_form(page, admin.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="All jobs", exact=True).click()
    expect(page.get_by_role("heading", name="All jobs")).to_be_visible()
    expect(nav.get_by_role("link", name="My jobs", exact=True)).to_have_count(0)

    page.goto(f"/jobs/{job.id}")
    owner = page.get_by_role("radio", name=re.compile(f"^{re.escape(staff.email)}, the owner"))
    expect(owner).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile("^Yourself"))).not_to_be_checked()
    page.get_by_role("group", name=re.compile("^Run again")).scroll_into_view_if_needed()
    save_screenshot(page, "admin-run-again-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "admin-run-again-390")

    page.get_by_role("button", name="Run again", exact=True).click()
    expect(page).not_to_have_url(re.compile(re.escape(job.id)))
    expect(page.locator(".flashes")).to_have_text(
        f"A new sales report for {staff.email}, with the same parameters."
    )
    expect(page.locator(".facts")).to_contain_text(f"Owner{staff.email}")
