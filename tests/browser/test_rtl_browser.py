"""Arabic in Chromium: right to left where it should be (bars, nav, tables), laptop and phone.

Screenshots of the sign-in page, home and the profile in Arabic land in test-results/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.browser.test_home_browser import fill_home
from webapp.extensions import db
from webapp.models.user import User

pytestmark = pytest.mark.browser

SIZES = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}


def in_arabic(user: User) -> None:
    """The user's own choice: Arabic."""
    user.language = "ar"
    db.session.commit()


def box(page: Page, selector: str) -> dict[str, float]:
    """The element's bounding box (it must be on the page)."""
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_the_sign_in_page_switches_to_arabic(page: Page) -> None:
    """The switch on the sign-in page turns the page right to left, in Arabic."""
    page.goto("/login")
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="تسجيل الدخول إلى Tamam")).to_be_visible()
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        save_screenshot(page, f"rtl-login-{size}")
    # The labels start at the right edge of the form.
    label, field = box(page, "label[for=email]"), box(page, "#email")
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2


def test_home_reads_right_to_left(page: Page, staff: User) -> None:
    """In Arabic the bar fills from the right, the nav runs right to left, cells align right."""
    ids = fill_home(staff)
    in_arabic(staff)
    sign_in_through_form(page, staff.email)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="قيد التنفيذ الآن")).to_be_visible()

    track = box(page, f"#job-{ids['running']} .progress")
    bar = box(page, f"#bar-{ids['running']}")
    assert 0 < bar["width"] < track["width"]
    assert abs((bar["x"] + bar["width"]) - (track["x"] + track["width"])) < 2  # the right edge
    assert bar["x"] > track["x"] + 5  # the empty part is on the left

    home, jobs = box(page, ".nav a >> nth=0"), box(page, ".nav a >> nth=1")
    assert home["x"] > jobs["x"]  # the first link is the rightmost
    brand, nav = box(page, ".brand"), box(page, ".nav")
    assert brand["x"] > nav["x"]  # the brand starts the bar, at the right

    # app.js rewrites exact times in the page's language: Arabic months, Western digits.
    exact = page.locator("time .exact-time").first
    expect(exact).to_have_text(re.compile(r"\d\d:\d\d [صم]"))  # the server writes 24-hour times
    assert re.search(r"[0-9]", exact.inner_text()) and re.search(
        r"[\u0600-\u06FF]", exact.inner_text()
    )

    header = box(page, ".jobs-table th >> nth=0")
    text_right = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jobs-table th')).textAlign"
    )
    assert text_right in ("start", "right") and header["x"] > 0
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        save_screenshot(page, f"rtl-home-{size}")


def test_the_profile_in_arabic(page: Page, staff: User) -> None:
    """The profile's language choice, right to left, at both sizes."""
    in_arabic(staff)
    sign_in_through_form(page, staff.email)
    page.goto("/profile")
    expect(page.get_by_role("heading", name="ملفك الشخصي")).to_be_visible()
    expect(page.get_by_label("اللغة")).to_have_value("ar")
    term, value = box(page, "dl.facts dt"), box(page, "dl.facts dd")
    assert term["x"] > value["x"]  # the term on the right, its value to its left
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        save_screenshot(page, f"rtl-profile-{size}")
    page.get_by_label("اللغة").select_option("en")
    page.get_by_role("button", name="حفظ التفضيلات").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
