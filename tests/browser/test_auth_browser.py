"""Signing in and out in a real browser (Chromium) against the live server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, sign_in_through_form
from webapp.extensions import db
from webapp.models.types import utcnow
from webapp.models.user import SignInThrottle, User

pytestmark = pytest.mark.browser


def test_sign_in_shows_home_and_who_is_signed_in(page: Page, staff: User) -> None:
    """Filling in the form signs the user in; home greets them and the navigation names them."""
    page.goto("/home")
    expect(page).to_have_url("/login?next=%2Fhome")
    expect(page.get_by_role("heading", name="Sign in to Tamam")).to_be_visible()
    save_screenshot(page, "sign-in")

    sign_in_through_form(page, staff.email)
    expect(page).to_have_url("/home")
    expect(page.get_by_role("heading", name=f"Welcome, {staff.display_name}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {staff.email}.")
    expect(page.locator(".whoami")).to_contain_text(staff.display_name)
    expect(page.locator(".whoami")).to_contain_text("staff")
    save_screenshot(page, "home")


def test_sign_out(page: Page, staff: User) -> None:
    """The sign-out button ends the session: home asks to sign in again."""
    sign_in_through_form(page, staff.email)
    expect(page).to_have_url("/home")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/login")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    page.goto("/home")
    expect(page).to_have_url("/login?next=%2Fhome")


def test_wrong_password_message(page: Page, staff: User) -> None:
    """A wrong password shows the generic message and keeps the user on the form."""
    sign_in_through_form(page, staff.email, "not the password")
    expect(page.get_by_role("alert")).to_have_text("The email or password is incorrect.")
    expect(page.get_by_label("Email")).to_have_value(staff.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    save_screenshot(page, "wrong-password")


def test_locked_account_message(page: Page, app_ctx: Flask, staff: User) -> None:
    """A locked account is refused, even with the right password, with a wait to respect."""
    db.session.add(
        SignInThrottle(
            email=staff.email,
            failures=8,
            last_failure_at=utcnow(),
            locked_until=utcnow() + timedelta(minutes=15),
        )
    )
    db.session.commit()
    sign_in_through_form(page, staff.email)
    expect(page.get_by_role("alert")).to_have_text(
        "Too many failed attempts. Try again in 15 minutes."
    )
    expect(page).to_have_url("/login")
    save_screenshot(page, "locked")
