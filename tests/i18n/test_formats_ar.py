"""Dates, times and numbers by locale, and the two settings that change them on Arabic pages:
ARABIC_DIGITS (western | arabic-indic) and HIJRI_DATES (off | on)."""

# ruff: noqa: RUF001  (Arabic-Indic digits are the point here)

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from hijridate import Gregorian

from tests.staff.helpers import make_job
from webapp.models.types import utcnow
from webapp.models.user import User
from webapp.settings import ConfigError, load_settings
from webapp.templating import exact_words, file_size, format_number, hijri_words, time_ago

AR = {"Accept-Language": "ar"}
MOMENT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)


def test_the_settings_and_their_defaults() -> None:
    """Western digits and no Hijri dates unless asked; anything else is refused by name."""
    config = load_settings({"TAMAM_ENV": "testing"})
    assert (config["ARABIC_DIGITS"], config["HIJRI_DATES"]) == ("western", "off")
    config = load_settings({"TAMAM_ENV": "testing", "ARABIC_DIGITS": "Arabic-Indic",
                            "HIJRI_DATES": "on"})  # fmt: skip
    assert (config["ARABIC_DIGITS"], config["HIJRI_DATES"]) == ("arabic-indic", "on")
    with pytest.raises(ConfigError, match="ARABIC_DIGITS must be western or arabic-indic"):
        load_settings({"TAMAM_ENV": "testing", "ARABIC_DIGITS": "eastern"})
    with pytest.raises(ConfigError, match="HIJRI_DATES must be off or on"):
        load_settings({"TAMAM_ENV": "testing", "HIJRI_DATES": "yes"})


def test_formatters_in_each_language_and_digits(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Western digits by default in both languages; Arabic-Indic in Arabic only when set."""
    three_minutes = MOMENT - timedelta(minutes=3)
    with app.test_request_context():
        assert time_ago(three_minutes, MOMENT) == "3 minutes ago"
        assert format_number(12345) == "12,345" and file_size(1536) == "1.5 KB"
        assert exact_words(MOMENT) == "24 Nov 2026, 14:05 UTC"
        with force_locale("ar"):
            assert time_ago(three_minutes, MOMENT) == "منذ 3 دقائق"
            assert format_number(12345) == "12,345" and file_size(37) == "37 بايت"
            assert exact_words(MOMENT) == "24 نوفمبر 2026، 14:05 UTC"
        monkeypatch.setitem(app.config, "ARABIC_DIGITS", "arabic-indic")
        with force_locale("ar"):
            assert time_ago(three_minutes, MOMENT) == "منذ ٣ دقائق"
            assert format_number(12345) == "١٢٬٣٤٥"
            assert file_size(37) == "٣٧ بايت" and file_size(1536) == "١٫٥ KB"
            assert exact_words(MOMENT) == "٢٤ نوفمبر ٢٠٢٦، ١٤:٠٥ UTC"
        assert time_ago(three_minutes, MOMENT) == "3 minutes ago"  # English keeps its digits
        assert format_number(12345) == "12,345"


def test_hijri_words(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Umm al-Qura date of the moment's UTC day, in the page's language and digits."""
    hijri = Gregorian(2026, 11, 24).to_hijri()
    with app.test_request_context():
        assert hijri_words(MOMENT) == f"{hijri.day} {hijri.month_name('en')} {hijri.year} AH"
        with force_locale("ar"):
            assert hijri_words(MOMENT) == f"{hijri.day} {hijri.month_name('ar')} {hijri.year} هـ"
            monkeypatch.setitem(app.config, "ARABIC_DIGITS", "arabic-indic")
            assert hijri_words(MOMENT).endswith("١٤٤٨ هـ")
        assert hijri_words(datetime(1900, 1, 1, tzinfo=UTC)) == ""  # before the calendar's table


def _hijri(html: str) -> list[str]:
    return re.findall(r'<small class="hijri-date">([^<]+)</small>', html)


def test_pages_follow_the_settings(
    app: Flask, staff_client: FlaskClient, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's page: no Hijri date and Western digits by default; with the settings on, the
    Hijri date under each time and Arabic-Indic digits in Arabic; English keeps its digits."""
    job = make_job(staff, "completed", created_at=utcnow() - timedelta(minutes=3))
    html = staff_client.get(f"/jobs/{job.id}", headers=AR).get_data(as_text=True)
    assert _hijri(html) == [] and 'data-digits="latn"' in html and "data-hijri" not in html
    assert "منذ 3 دقائق" in html
    monkeypatch.setitem(app.config, "ARABIC_DIGITS", "arabic-indic")
    monkeypatch.setitem(app.config, "HIJRI_DATES", "on")
    html = staff_client.get(f"/jobs/{job.id}", headers=AR).get_data(as_text=True)
    assert 'data-digits="arab"' in html and 'data-hijri="on"' in html
    assert "منذ ٣ دقائق" in html and "٣٧ بايت" in html
    hijri = Gregorian.fromdate(job.created_at.astimezone(UTC).date()).to_hijri()
    assert f"{hijri.month_name('ar')} ١٤٤" in _hijri(html)[0] and _hijri(html)[0].endswith(" هـ")
    english = staff_client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "3 minutes ago" in english and 'data-digits="latn"' in english
    assert f"{hijri.day} {hijri.month_name('en')} {hijri.year} AH" in _hijri(english)
