"""Error pages in the site layout, the navigation by role, security headers, vendor files."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Blueprint, Flask, abort
from flask.testing import FlaskClient

from tests.conftest import IsolatedClient, sign_in
from webapp import create_app, templating
from webapp.assets import check_vendor_files, missing_vendor_files
from webapp.extensions import db
from webapp.models.user import User


def probe_blueprint() -> Blueprint:
    """Routes that fail on purpose, to see the error pages."""
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/forbidden")
    def forbidden() -> str:
        abort(403)

    @bp.get("/probe/crash")
    def crash() -> str:
        raise RuntimeError("boom")

    @bp.get("/probe/admin")
    def admin_page() -> str:
        return "admin only"

    return bp


@pytest.fixture
def probe_app(app: Flask) -> Iterator[Flask]:
    """A second app on the test database with the probe routes added."""
    config = {key: value for key, value in app.config.items() if key.isupper()}
    probe = create_app(config)
    probe.register_blueprint(probe_blueprint())
    probe.test_client_class = IsolatedClient
    yield probe
    with probe.app_context():
        db.engine.dispose()


@pytest.fixture
def probe_client(probe_app: Flask, staff: User) -> FlaskClient:
    """A staff member signed in to the probe app."""
    client = probe_app.test_client()
    sign_in(client, staff.email)
    return client


def assert_in_layout(html: str, user: User | None = None) -> None:
    """The page uses the site layout: brand, stylesheet, main landmark, who is signed in."""
    assert '<a class="brand" href="/home">Tamam</a>' in html
    assert 'href="/static/css/app.css"' in html
    assert '<main id="main"' in html
    if user is not None:
        assert user.display_name in html and ">Sign out</button>" in html


def test_404_page_in_the_layout(staff_client: FlaskClient, staff: User) -> None:
    """An unknown address shows the 404 page inside the layout, with the navigation."""
    response = staff_client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert_in_layout(html, staff)
    assert "We couldn't find that" in html


def test_404_for_a_visitor_still_renders(client: FlaskClient) -> None:
    """A visitor who is not signed in also gets the 404 page, not a crash or a redirect."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We couldn't find that" in response.get_data(as_text=True)


def test_403_page_in_the_layout(probe_client: FlaskClient, staff: User) -> None:
    """A forbidden page shows the 403 page inside the layout."""
    response = probe_client.get("/probe/forbidden")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert_in_layout(html, staff)
    assert "You can't open this" in html


def test_500_page_in_the_layout_and_logged(
    probe_client: FlaskClient, staff: User, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error shows the 500 page in the layout and logs the traceback."""
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        response = probe_client.get("/probe/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert_in_layout(html, staff)
    assert "Something went wrong on our side" in html
    assert "boom" not in html
    assert any("RuntimeError: boom" in (r.exc_text or "") for r in caplog.records)


def test_errors_are_json_for_api_clients(probe_client: FlaskClient) -> None:
    """A client that asks for JSON gets the error as JSON, not a page."""
    response = probe_client.get("/probe/forbidden", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "HTTP403"


def test_navigation_shows_who_is_signed_in(staff_client: FlaskClient, staff: User) -> None:
    """Every page's navigation shows the user's name, their role and a sign-out button."""
    html = staff_client.get("/home").get_data(as_text=True)
    assert f'title="Your profile">{staff.display_name}</a>' in html
    assert '<span class="badge badge-role">staff</span>' in html
    assert re.search(r'<form method="post" action="/logout"', html)


def test_admin_links_are_hidden_from_staff(
    probe_app: Flask, staff: User, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links that need the admin role appear for admins and not for staff."""
    monkeypatch.setattr(
        templating,
        "NAV_LINKS",
        (*templating.NAV_LINKS, ("probe.admin_page", "Probe admin", "admin")),
    )
    as_staff, as_admin = probe_app.test_client(), probe_app.test_client()
    sign_in(as_staff, staff.email)
    sign_in(as_admin, admin.email)
    assert 'href="/probe/admin"' not in as_staff.get("/home").get_data(as_text=True)
    assert 'href="/probe/admin"' in as_admin.get("/home").get_data(as_text=True)


def test_visitors_see_no_navigation(client: FlaskClient) -> None:
    """The sign-in page shows no navigation or sign-out to a visitor."""
    html = client.get("/login").get_data(as_text=True)
    assert 'aria-label="Main"' not in html and "Sign out" not in html


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    """Pages carry a strict CSP (scripts from our origin only) and the usual hardening headers."""
    for path in ("/login", "/healthz", "/no/such/page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_htmx_is_served_from_our_origin(client: FlaskClient) -> None:
    """The layout loads htmx from /static/vendor, never from a CDN, and the file is served."""
    html = client.get("/login").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/htmx.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in response.data[:200]
    response.close()


def test_missing_htmx_is_reported_at_start_up(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the fetched htmx the app logs an error that says how to fetch it."""
    assert missing_vendor_files(tmp_path) == ["vendor/htmx.min.js"]
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with caplog.at_level(logging.ERROR):
        check_vendor_files(app)
    assert "vendor/htmx.min.js" in caplog.text
    assert "make setup" in caplog.text


def test_pages_ask_search_engines_not_to_index(client: FlaskClient) -> None:
    """A back office stays out of search engines: a robots meta tag and an X-Robots-Tag header."""
    response = client.get("/login")
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    for path in ("/login", "/healthz", "/static/css/app.css"):
        response = client.get(path)
        assert response.headers["X-Robots-Tag"] == "noindex"
        response.close()


def test_times_show_the_exact_moment_beside_the_relative_words() -> None:
    """The exact time is text after the relative words, not hover text only."""
    moment = datetime(2025, 3, 12, 14, 5, 9, tzinfo=UTC)
    html = str(templating.time_element(moment, "3 minutes ago"))
    assert html == (
        '<time datetime="2025-03-12T14:05:09Z">3 minutes ago '
        '<small class="exact-time">12 Mar 2025, 14:05 UTC</small></time>'
    )
    assert "title=" not in str(templating.time_tag(moment))
