"""Browser fixtures: Playwright (pytest-playwright) driving Debian's Chromium against a live server.

Use the `page` fixture: it opens on the live server (relative URLs work, `page.goto("/login")`)
in a fresh browser context per test, and fails the test on any script or console error.
Helpers: `sign_in_through_form(page, email)` and `save_screenshot(page, name)` (PNG files under
test-results/).

Where /usr/bin/chromium is missing these tests skip and say how to install it; in CI (CI=true)
they fail instead, so they can never be skipped quietly there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.settings import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
RESULTS_DIR = PROJECT_ROOT / "test-results"
WAIT_MS = 5_000
expect.set_options(timeout=WAIT_MS)
MISSING = (
    f"Chromium is not installed at {CHROMIUM}: install it with `apt-get install chromium` "
    "(Debian/Ubuntu) to run the browser tests."
)


def in_ci() -> bool:
    """True when running under CI (CI=true), where browser tests must not be skipped."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (locally) or fail (in CI) every browser test when Chromium is missing."""
    if CHROMIUM.exists():
        return
    if in_ci():
        pytest.fail(f"{MISSING} In CI the browser tests must run.", pytrace=False)
    pytest.skip(MISSING)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder carries the `browser` marker (`-m "not browser"` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_url(request: pytest.FixtureRequest, app: Flask) -> str:
    """Start pytest-flask's live server (a forked copy of the session app) and return its URL."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the forked server must not share the parent's open connections
    server = request.getfixturevalue("live_server")
    app.config["SERVER_NAME"] = None  # live_server sets it; tests in this process need None
    return str(server.url()).rstrip("/")


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], live_url: str
) -> dict[str, Any]:
    """Launch Debian's Chromium (no browser download), after the live server has forked."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_url: str) -> str:
    """Relative URLs in `page.goto` and `expect(page).to_have_url` are on the live server.

    (This also replaces pytest-playwright's own `base_url`, whose definition pytest 9 warns
    about, and warnings are errors here.)
    """
    return live_url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Each test's context has a laptop-sized viewport."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


# A response with an error status (a form's 400, a 404 page) is logged by Chromium as a console
# error; the test that asks for it checks that status itself, so only those lines are let through.
HTTP_STATUS_LINE = re.compile(r"^Failed to load resource: the server responded with a status of")


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """pytest-playwright's page, waiting five seconds at most so a broken page fails quickly.

    Any uncaught script error (`pageerror`) or console error (a CSP violation, a failed
    `console.error`) fails the test at teardown.
    """
    problems: list[str] = []

    def keep_console(message: ConsoleMessage) -> None:
        """Keep a console error, other than an HTTP error status."""
        if message.type == "error" and not HTTP_STATUS_LINE.match(message.text):
            problems.append(f"console error at {page.url}: {message.text}")

    def keep_page_error(error: Error) -> None:
        """Keep an uncaught exception thrown by a page's script."""
        problems.append(f"page error at {page.url}: {error.name}: {error.message}")

    page.on("console", keep_console)
    page.on("pageerror", keep_page_error)
    page.set_default_timeout(WAIT_MS)
    yield page
    assert problems == [], "the page reported errors:\n" + "\n".join(problems)


def sign_in_through_form(page: Page, email: str, password: str = PASSWORD) -> None:
    """Open /login and submit the form the way a person does (labels, then the button)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-results/<name>.png and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
