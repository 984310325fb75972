"""Which language a page speaks: the user's choice, the sign-in page's, the browser's."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def html_tag(page: str) -> str:
    """The page's <html ...> tag."""
    match = re.search(r"<html[^>]*>", page)
    assert match is not None
    return match.group(0)


def test_english_by_default(client: FlaskClient) -> None:
    """No preference anywhere: English, left to right."""
    page = client.get("/login").get_data(as_text=True)
    assert html_tag(page) == '<html lang="en" dir="ltr">'


def test_the_browser_asks_for_arabic(client: FlaskClient) -> None:
    """Accept-Language: ar-SA gives an Arabic page, right to left."""
    page = client.get("/login", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"})
    assert html_tag(page.get_data(as_text=True)) == '<html lang="ar" dir="rtl">'


def test_a_language_we_do_not_speak_falls_back_to_english(client: FlaskClient) -> None:
    """Accept-Language: fr gives English."""
    page = client.get("/login", headers={"Accept-Language": "fr-FR"})
    assert html_tag(page.get_data(as_text=True)) == '<html lang="en" dir="ltr">'


def test_leftovers_find_english_but_not_user_data() -> None:
    """The leftover check flags our words left in English, never data marked as data."""
    from tests.i18n.leftovers import english_leftovers

    page = (
        '<p>تقرير <bdi>Sara Ahmed</bdi></p><p dir="auto">Acme Ltd</p><code>E7003</code>'
        '<button aria-label="Close">-</button><p>ملف PDF</p><p>Download</p>'
        "<script>var x = 'hello';</script>"
    )
    assert english_leftovers(page) == ["Close", "Download"]


def test_the_sign_in_page_switches_language_with_a_cookie(client: FlaskClient) -> None:
    """The switch on the sign-in page sets tamam_lang for a year and returns to the page."""
    page = client.get("/login?next=/jobs").get_data(as_text=True)
    link = re.search(r'<a lang="ar"[^>]*href="([^"]+)"', page)
    assert link is not None and "العربية" in page
    answer = client.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/jobs"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("tamam_lang=ar;") and "Max-Age=31536000" in cookie
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_tag(page) == '<html lang="ar" dir="rtl">'  # the cookie beats the browser
    assert '<span lang="ar" translate="no" aria-current="true">العربية</span>' in page
    client.get("/login?lang=en")
    assert html_tag(client.get("/login").get_data(as_text=True)) == '<html lang="en" dir="ltr">'


def test_an_unknown_language_changes_nothing(client: FlaskClient) -> None:
    """?lang=fr sets no cookie and shows the page again."""
    answer = client.get("/login?lang=fr")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert "Set-Cookie" not in answer.headers or "tamam_lang" not in answer.headers["Set-Cookie"]


def test_the_profile_saves_a_language_and_says_so_in_it(client: FlaskClient, staff) -> None:
    """Choosing Arabic on the profile stores it and the flash is Arabic; the user's choice
    beats the cookie; 'Follow my browser' clears it."""
    from tests.conftest import csrf_from, sign_in
    from webapp.extensions import db

    sign_in(client, staff.email)
    client.get("/home")  # the sign-in flash
    token = csrf_from(client, "/profile")
    client.set_cookie("tamam_lang", "en")
    answer = client.post(
        "/profile", data={"csrf_token": token, "language": "ar"}, follow_redirects=True
    )
    page = answer.get_data(as_text=True)
    assert "حُفظت تفضيلاتك." in page and html_tag(page) == '<html lang="ar" dir="rtl">'
    assert '<option lang="ar" selected translate="no" value="ar">' in page
    db.session.refresh(staff)
    assert staff.language == "ar"
    answer = client.post("/profile", data={"csrf_token": token, "language": ""})
    page = client.get("/profile", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    db.session.refresh(staff)
    assert staff.language is None and html_tag(page) == '<html lang="en" dir="ltr">'  # cookie
    assert "Your preferences are saved." in page


def test_a_profile_form_without_the_field_keeps_the_language(client: FlaskClient, staff) -> None:
    """A post that leaves the language out (the notifications switch alone) keeps it."""
    from tests.conftest import csrf_from, sign_in
    from webapp.extensions import db

    staff.language = "ar"
    db.session.commit()
    sign_in(client, staff.email)
    token = csrf_from(client, "/profile")
    client.post("/profile", data={"csrf_token": token})
    db.session.refresh(staff)
    assert staff.language == "ar" and staff.email_notifications is False


def test_the_kept_catalog_follows_force_locale_and_refresh(app) -> None:
    """webapp.i18n.gettext keeps the request's catalog, yet a forced or refreshed locale
    changes the words at once (emails in the recipient's language, a new profile choice)."""
    from flask_babel import force_locale, refresh

    from webapp.i18n import gettext

    with app.test_request_context("/login", headers={"Accept-Language": "ar"}):
        arabic = gettext("Sign out")
        assert arabic != "Sign out"
        with force_locale("en"):
            assert gettext("Sign out") == "Sign out"
        assert gettext("Sign out") == arabic
        refresh()
        assert gettext("Sign out") == arabic
