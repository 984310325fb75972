"""Preset periods on the forms: counted from the server's UTC today, working with and without JS."""

from __future__ import annotations

import re
from datetime import date

import pytest

from webapp.reports import routes
from webapp.reports.periods import PRESETS, preset_links, preset_period

# (today, preset) -> (first day, last day); both ends included.
CASES = [
    (date(2026, 11, 23), "this_month", (date(2026, 11, 1), date(2026, 11, 23))),
    (date(2026, 11, 23), "last_month", (date(2026, 10, 1), date(2026, 10, 31))),
    (date(2026, 11, 23), "this_quarter", (date(2026, 10, 1), date(2026, 11, 23))),
    (date(2026, 11, 23), "last_7_days", (date(2026, 11, 17), date(2026, 11, 23))),
    (date(2026, 11, 23), "last_30_days", (date(2026, 10, 25), date(2026, 11, 23))),
    (date(2026, 11, 23), "year_to_date", (date(2026, 1, 1), date(2026, 11, 23))),
    # New Year's Day: last month and last 7 days cross the year; the rest are one day long.
    (date(2026, 1, 1), "this_month", (date(2026, 1, 1), date(2026, 1, 1))),
    (date(2026, 1, 1), "last_month", (date(2025, 12, 1), date(2025, 12, 31))),
    (date(2026, 1, 1), "this_quarter", (date(2026, 1, 1), date(2026, 1, 1))),
    (date(2026, 1, 1), "last_7_days", (date(2025, 12, 26), date(2026, 1, 1))),
    (date(2026, 1, 1), "year_to_date", (date(2026, 1, 1), date(2026, 1, 1))),
    # A leap year's March: last month is February's 29 days; the quarter began in January.
    (date(2024, 3, 31), "last_month", (date(2024, 2, 1), date(2024, 2, 29))),
    (date(2024, 3, 31), "this_quarter", (date(2024, 1, 1), date(2024, 3, 31))),
    (date(2024, 3, 1), "last_30_days", (date(2024, 2, 1), date(2024, 3, 1))),
    (date(2025, 9, 30), "this_quarter", (date(2025, 7, 1), date(2025, 9, 30))),
]


@pytest.mark.parametrize(("today", "name", "expected"), CASES)
def test_presets_from_a_fixed_today(today: date, name: str, expected: tuple[date, date]) -> None:
    """Each preset's first and last day, counted from the given UTC date."""
    assert preset_period(name, today) == expected


def test_unknown_presets_are_ignored() -> None:
    """A name the forms do not offer gives nothing, so the form keeps its default."""
    assert preset_period("next_year", date(2026, 1, 1)) is None


def test_preset_links_say_their_dates_in_the_app_style() -> None:
    """Labels in the forms' order, dates as '1-31 Oct 2026', the form's own period marked."""
    links = preset_links(date(2026, 11, 23), "2026-10-01", "2026-10-31")
    assert [(link.label, link.dates, link.current) for link in links] == [
        ("This month", "1\u201323 Nov 2026", False),
        ("Last month", "1\u201331 Oct 2026", True),
        ("This quarter", "1 Oct \u2013 23 Nov 2026", False),
        ("Last 7 days", "17\u201323 Nov 2026", False),
        ("Last 30 days", "25 Oct \u2013 23 Nov 2026", False),
        ("Year to date", "1 Jan \u2013 23 Nov 2026", False),
    ]


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The server's UTC today, fixed at 23 Nov 2026."""
    today = date(2026, 11, 23)
    monkeypatch.setattr(routes, "utc_today", lambda: today)
    return today


def dates_in(html: str) -> tuple[str, str]:
    """The values of the From and To inputs."""
    found = [
        re.search(rf'id="{name}"[^>]* value="([^"]*)"', html) for name in ("date_from", "date_to")
    ]
    assert all(found), "date inputs missing"
    return found[0].group(1), found[1].group(1)


def test_a_preset_link_fills_the_form_without_javascript(staff_client, fixed_today) -> None:
    """/reports/new?preset=last_7_days comes back with those dates, marked as current."""
    html = staff_client.get("/reports/new?preset=last_7_days").get_data(as_text=True)
    assert dates_in(html) == ("2026-11-17", "2026-11-23")
    current = re.findall(r'<a class="preset" id="preset-(\w+)"[^>]*aria-current="true"', html)
    assert current == ["last_7_days"]


def test_preset_links_carry_the_other_choices(staff_client, fixed_today) -> None:
    """A preset link keeps the format (report) or status, region and format (export)."""
    html = staff_client.get("/reports/new?preset=this_quarter&format=excel").get_data(as_text=True)
    assert dates_in(html) == ("2026-10-01", "2026-11-23")
    assert re.search(r'id="format-1" name="format" type="radio" value="excel"', html)
    assert re.search(r'<input [^>]*checked id="format-1"', html)
    assert 'href="/reports/new?preset=last_month&amp;format=excel"' in html
    url = "/exports/new?preset=year_to_date&status=shipped&region=North&format=csv"
    html = staff_client.get(url).get_data(as_text=True)
    assert dates_in(html) == ("2026-01-01", "2026-11-23")
    assert '<option selected value="shipped">' in html and '<option selected value="North">' in html
    assert (
        'href="/exports/new?preset=this_month&amp;status=shipped&amp;region=North&amp;format=csv"'
        in html
    )


def test_with_htmx_a_preset_swaps_only_the_period(staff_client, fixed_today) -> None:
    """Each link asks htmx for the same URL and swaps in just the period fieldset."""
    html = staff_client.get("/reports/new").get_data(as_text=True)
    links = re.findall(
        r'<a class="preset" id="preset-(\w+)" href="([^"]+)" hx-get="([^"]+)"\s+'
        r'hx-select="#period" hx-target="#period" hx-swap="outerHTML"',
        html,
    )
    assert [name for name, _href, _hx in links] == list(PRESETS)
    assert all(href == hx for _name, href, hx in links)
    assert '<fieldset class="period" id="period"' in html
