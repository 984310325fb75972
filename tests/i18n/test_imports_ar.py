"""The New import page in Arabic: the form, the kinds, check only or apply, the templates."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_from
from tests.i18n.leftovers import english_leftovers
from webapp.importers.kinds import KINDS
from webapp.imports.forms import KIND_HINTS, KIND_LABELS

AR = {"Accept-Language": "ar"}
PATH = "/imports/new"


def main_part(html: str) -> str:
    """The page's <main> (the layout around it is the core area's)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match is not None
    return match.group(0)


def test_the_kinds_english_words_are_the_importers(app: Flask) -> None:
    """The page's English for each kind is word for word what webapp.importers says."""
    with app.test_request_context():
        for name, kind in KINDS.items():
            assert str(KIND_LABELS[name]) == kind.label
            assert str(KIND_HINTS[name]) == kind.description


def test_the_import_page_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """No English of ours on the page; column names are data (translate="no")."""
    staff_client.get(PATH)  # shows (and so clears) the sign-in flash, the core's words
    page = staff_client.get(PATH, headers=AR).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert english_leftovers(main_part(page)) == []
    for words in ("استيراد جديد", "ما تريد استيراده", "العملاء", "تحديثات الأسعار",
                  "التحقق فقط", "التحقق والتطبيق", "القوالب", "الرفع والبدء"):  # fmt: skip
        assert words in page
    assert 'aria-label="قالب العملاء بصيغة CSV"' in page
    assert 'data-too-large="الملف أكبر من' in page  # the script's words, from the server
    english = staff_client.get(PATH).get_data(as_text=True)
    assert "New import" in english and "Check and apply" in english
    assert "Price updates" in english and "Upload and start" in english


def test_form_errors_in_arabic(app: Flask, staff_client: FlaskClient) -> None:
    """A missing file is named in Arabic under its field (400)."""
    data = {"csrf_token": csrf_from(staff_client, PATH), "kind": "customers", "mode": "check"}
    page = staff_client.post(PATH, data=data, headers=AR)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "اختر ملفًا لاستيراده." in html
    assert english_leftovers(main_part(html)) == []
