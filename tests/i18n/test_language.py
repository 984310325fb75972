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
