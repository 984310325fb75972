"""The query-string helpers added for My jobs: days, search text and lists, parsed strictly."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.query import BadQuery, date_arg, list_arg, search_arg


def test_date_arg_takes_iso_days_only() -> None:
    """YYYY-MM-DD in ASCII digits and a real day; anything else names the parameter."""
    assert date_arg({}, "from") is None
    assert date_arg({"from": "2026-02-28"}, "from") == date(2026, 2, 28)
    for text in ("2026-2-28", "20260228", "2026-02-30", "٢٠٢٦-٠٢-٢٨", "2026-02-28T00:00", "x"):
        with pytest.raises(BadQuery, match=r"^The \?from= parameter "):
            date_arg({"from": text}, "from")


def test_search_arg_collapses_spaces_and_refuses_control_characters() -> None:
    """Search text is trimmed and bounded; NUL and other controls are refused; invisible
    direction marks (pasted with Arabic text) are dropped."""
    assert search_arg({"q": "  board   meeting "}, "q") == "board meeting"
    assert search_arg({"q": "\u200fتقرير\u200f"}, "q") == "تقرير"
    assert search_arg({}, "q") == ""
    for text in ("a\x00b", "a\x1bb", "a\ud800b"):
        with pytest.raises(BadQuery, match="must not contain control characters"):
            search_arg({"q": text}, "q")
    with pytest.raises(BadQuery, match=r"is too long \(at most 5 characters\)"):
        search_arg({"q": "abcdef"}, "q", max_length=5)


def test_list_arg_bounds_items_and_length() -> None:
    """Comma-separated items, each parsed; too many or too long is refused."""
    assert list_arg({}, "ids", int, max_items=3, max_length=20) == []
    assert list_arg({"ids": "1,2,3"}, "ids", int, max_items=3, max_length=20) == [1, 2, 3]
    with pytest.raises(BadQuery, match="may list at most 3 items"):
        list_arg({"ids": "1,2,3,4"}, "ids", int, max_items=3, max_length=20)
    with pytest.raises(BadQuery, match="is too long"):
        list_arg({"ids": "1," * 20}, "ids", int, max_items=50, max_length=20)
