"""app.css colours: every pair a reader depends on meets WCAG 2.2 contrast, light and dark."""

from __future__ import annotations

import re

import pytest

from webapp.settings import PROJECT_ROOT

CSS = (PROJECT_ROOT / "webapp" / "static" / "css" / "app.css").read_text()
TEXT, UI = 4.5, 3.0  # 1.4.3 text, 1.4.11 non-text (borders, focus ring, bar against track)

# (foreground, background, minimum, what it is)
PAIRS = [
    ("text", "bg", TEXT, "body text"),
    ("text", "surface", TEXT, "text on cards"),
    ("muted", "bg", TEXT, "secondary text"),
    ("muted", "surface", TEXT, "secondary text on cards"),
    ("muted", "code-bg", TEXT, "traceback summary on code"),
    ("text", "code-bg", TEXT, "traceback text"),
    ("accent", "bg", TEXT, "links"),
    ("accent", "surface", TEXT, "links on cards"),
    ("on-accent", "accent", TEXT, "primary button label"),
    ("on-accent", "accent-dark", TEXT, "primary button label, hovered"),
    ("accent-dark", "accent-soft", TEXT, "current page in the nav, chosen preset"),
    ("text", "choice-soft", TEXT, "chosen format's label"),
    ("muted", "choice-soft", TEXT, "chosen format's hint"),
    ("ok", "surface", TEXT, "success text"),
    ("bad", "surface", TEXT, "error text and danger button"),
    ("bad", "bg", TEXT, "error text on the page"),
    ("muted", "badge-bg", TEXT, "role badge"),
    ("badge-pending", "badge-bg", TEXT, "pending badge"),
    ("badge-processing", "badge-processing-bg", TEXT, "processing badge"),
    ("badge-completed", "badge-completed-bg", TEXT, "completed badge"),
    ("badge-failed", "badge-failed-bg", TEXT, "failed badge"),
    ("badge-cancelled", "badge-cancelled-bg", TEXT, "cancelled badge"),
    ("flash-success", "flash-success-bg", TEXT, "success message"),
    ("flash-info", "flash-info-bg", TEXT, "info message"),
    ("flash-warning", "flash-warning-bg", TEXT, "warning message"),
    ("flash-error", "flash-error-bg", TEXT, "error message"),
    ("focus", "bg", UI, "focus ring on the page"),
    ("focus", "surface", UI, "focus ring on cards"),
    ("control-border", "surface", UI, "input, button and track borders on cards"),
    ("control-border", "bg", UI, "input, button and track borders on the page"),
    ("bad", "surface", UI, "invalid input and danger button borders"),
    ("accent", "surface", UI, "chosen preset and format borders"),
    ("accent", "track", UI, "running bar against its track"),
    ("ok", "track", UI, "completed bar against its track"),
    ("bad", "track", UI, "failed bar against its track"),
    ("stopped", "track", UI, "cancelled bar against its track"),
]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rgb or #rrggbb."""
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variables(block: str) -> dict[str, str]:
    """--name: #hex declarations of a CSS block."""
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))


def palettes() -> dict[str, dict[str, str]]:
    """The light palette (the first :root) and the dark one, which overrides it."""
    light = re.search(r"^:root \{(.*?)^\}", CSS, re.S | re.M)
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", CSS, re.S)
    assert light and dark, "app.css has lost a palette"
    light_vars = variables(light.group(1))
    return {"light": light_vars, "dark": {**light_vars, **variables(dark.group(1))}}


def test_the_contrast_ratio_formula() -> None:
    """Black on white is 21:1, a colour on itself 1:1, WCAG's grey #767676 on white 4.54:1."""
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#2f5bd3", "#2f5bd3") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "minimum", "what"), PAIRS, ids=[p[3] for p in PAIRS])
def test_colour_pairs_meet_their_minimum(scheme: str, fg: str, bg: str, minimum: float, what: str):
    """Each pair a reader depends on, in both palettes."""
    palette = palettes()[scheme]
    ratio = contrast(palette[fg], palette[bg])
    assert ratio >= minimum, f"{scheme}: {what} is {ratio:.2f}:1 ({fg} on {bg}), needs {minimum}:1"


def test_the_dark_palette_sets_every_colour() -> None:
    """Dark mode redefines every colour of the light palette: none is left light by mistake."""
    light = re.search(r"^:root \{(.*?)^\}", CSS, re.S | re.M)
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{(.*?)\}", CSS, re.S)
    assert light and dark
    assert set(variables(light.group(1))) == set(variables(dark.group(1)))


def test_no_colour_outside_the_palettes() -> None:
    """Rules use the palette's variables, so these checks cover every colour on the page."""
    rules = re.sub(
        r"\A.*?@media \(prefers-color-scheme: dark\) \{\s*:root \{.*?\}\s*\}", "", CSS, flags=re.S
    )
    assert re.findall(r"#[0-9a-fA-F]{3,6}\b|\brgba?\(|:\s*(?:white|black)\b", rules) == []
