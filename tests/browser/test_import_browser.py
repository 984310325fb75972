"""New import in Chromium: template, upload with bad rows, watch the job, read the counts,
download the rejected rows, fix them and apply; screenshots at 1280 and 390 px."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from tests.imports.helpers import (
    CUSTOMER_HEADER,
    csv_bytes,
    customer,
    forget_imports,
    imported_customers,
    xlsx_bytes,
)
from webapp.models.user import User

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def clean_imports(app):
    yield
    with app.app_context():
        forget_imports()


def upload(page: Page, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


def test_upload_watch_counts_download_rejected_fix_and_apply(
    page: Page, staff: User, worker, tmp_path: Path, clean_imports
) -> None:
    """The whole first-day flow, as a new user would do it."""
    sign_in_through_form(page, staff.email)
    page.get_by_role("link", name="New import").first.click()
    expect(page.get_by_role("heading", name="New import")).to_be_visible()
    save_screenshot(page, "import-new-1280")

    with page.expect_download() as template:
        page.get_by_role("row", name=re.compile("^Customers")).get_by_role(
            "link", name="CSV").click()  # fmt: skip
    assert template.value.suggested_filename == "customers-template.csv"
    assert "email,name,region" in Path(template.value.path()).read_text(encoding="utf-8-sig")

    rows = [CUSTOMER_HEADER, *[customer(n) for n in range(2400)],
            customer(9001, region="Mars"), customer(9002, email="nobody")]  # fmt: skip
    upload(page, "customers.csv", csv_bytes(rows))
    page.get_by_label("Check and apply").check()
    page.get_by_role("button", name="Upload and start").click()

    expect(page).to_have_url(re.compile(r"/jobs/job-[\w-]+$"))
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100",
                                                              timeout=30_000)  # fmt: skip
    figures = page.locator(".figures")
    expect(figures).to_contain_text("Created")
    expect(figures.locator(".figure").nth(0)).to_contain_text("2,400")
    expect(figures.locator(".figure").nth(3)).to_contain_text("Rejected")
    expect(figures.locator(".figure").nth(3)).to_contain_text("2")
    expect(page.locator(".outcome-note")).to_contain_text("2 rows rejected")
    save_screenshot(page, "import-done-1280")
    page.set_viewport_size(PHONE)
    save_screenshot(page, "import-done-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    with page.expect_download() as rejected:
        page.get_by_role("link", name="Download the rejected rows").click()
    assert rejected.value.suggested_filename == "customers-rejected.csv"
    text = Path(rejected.value.path()).read_text(encoding="utf-8-sig")
    assert "region is not one of North, South, East, West, Central" in text
    assert "email is not an email address" in text

    fixed = text.replace("Mars", "West").replace("nobody,", "nobody@imported.example.com,")
    page.get_by_role("link", name="New import").first.click()
    upload(page, "fixed.csv", fixed.encode("utf-8-sig"))
    page.get_by_label("Check and apply").check()
    page.get_by_role("button", name="Upload and start").click()
    expect(page.locator(".figures .figure").nth(0)).to_contain_text("2", timeout=30_000)
    expect(page.locator(".figures .figure").nth(3)).to_contain_text("0")
    assert len(imported_customers()) == 2402


def test_a_wrong_file_is_refused_on_the_form(page: Page, staff: User, clean_imports) -> None:
    """A workbook named .csv: the form comes back with the reason under the file field."""
    sign_in_through_form(page, staff.email)
    page.goto("/imports/new")
    upload(page, "people.csv", xlsx_bytes([CUSTOMER_HEADER, customer(1)]))
    page.get_by_role("button", name="Upload and start").click()
    expect(page.locator("#file-error")).to_contain_text("named .csv but holds a ZIP archive")
    expect(page.get_by_label("File (CSV or Excel .xlsx)")).to_have_attribute("aria-invalid",
                                                                           "true")  # fmt: skip
    page.set_viewport_size(PHONE)
    save_screenshot(page, "import-refused-390")
