"""Languages: which one a request speaks, its direction, and where each area's catalog lives.

Arabic and English, from message catalogs (Flask-Babel). Each area that users see keeps its
own catalog beside its code (like Django's per-app locale directories), all in the `messages`
domain: Flask-Babel merges them per request. `scripts/catalogs.py` extracts, updates, checks
and compiles them; `make setup` compiles them.

The language of a page: the signed-in user's choice (profile), else the choice made on the
sign-in page (a cookie), else the browser's `Accept-Language`, else English. The JSON API
reads `Accept-Language` only: its messages change, its codes never do.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, has_app_context, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, get_locale, get_translations
from flask_babel import support as babel_support

LANGUAGES = ("en", "ar")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})
LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}  # each in its own language
LANGUAGE_COOKIE = "tamam_lang"
# Blueprints that never read the session or the cookie: their language is Accept-Language's.
HEADER_ONLY_BLUEPRINTS = frozenset({"api", "api_imports"})


@dataclass(frozen=True)
class Area:
    """One catalog: the sources `pybabel extract` reads for it, relative to webapp/."""

    name: str
    catalog_dir: str  # relative to webapp/, holds <lang>/LC_MESSAGES/messages.po
    sources: tuple[str, ...]  # glob patterns relative to webapp/


# Every source file that shows words to users belongs to exactly one area.
AREAS = (
    Area("ops", "ops/translations",
         ("ops/**/*.py", "monitoring/**/*.py", "templates/ops/**/*.html")),
    Area("imports", "imports/translations",
         ("imports/**/*.py", "importers/**/*.py", "templates/imports/**/*.html")),
    Area("notify", "notify/translations",
         ("notify/**/*.py", "notifications/**/*.py", "templates/notify/**/*.html",
          "templates/email/**/*.html", "templates/email/**/*.txt")),
    Area("api", "api/translations", ("api/**/*.py", "templates/api/**/*.html")),
    # The report forms and what the files say (titles, headers, page numbers).
    Area("reports", "reports/translations",
         ("reports/**/*.py", "generators/**/*.py", "templates/reports/**/*.html")),
    # My jobs, a job's page, downloads, and the engine's messages and error titles.
    Area("jobs", "jobs/translations",
         ("jobs/**/*.py", "engine/**/*.py", "downloads/**/*.py", "templates/jobs/**/*.html",
          "templates/downloads/**/*.html")),
    # Everything else: the layout, sign-in, profile, home, errors, the CLI's words.
    Area("core", "translations", ("*.py", "**/*.py", "templates/**/*.html")),
)  # fmt: skip


def N_(message: str) -> str:
    """Mark a string for translation without translating it (stored now, shown later via _)."""
    return message


def normalise(language: str | None) -> str | None:
    """'ar-SA' -> 'ar'; None for a language we do not speak."""
    if not language:
        return None
    code = language.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


def header_language() -> str | None:
    """The best language the request's Accept-Language names, if we speak one of them."""
    return request.accept_languages.best_match(LANGUAGES)


def select_locale() -> str:
    """Flask-Babel's locale selector: see the module's docstring for the order."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # workers name the language they write in (force_locale)
    if request.blueprint not in HEADER_ONLY_BLUEPRINTS:
        from flask_login import current_user

        chosen = getattr(current_user, "language", None) if current_user else None
        language = normalise(chosen) or normalise(request.cookies.get(LANGUAGE_COOKIE))
        if language:
            return language
    return header_language() or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of what is being rendered ('en' or 'ar')."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def text_direction(language: str | None = None) -> str:
    """'rtl' for Arabic, else 'ltr'."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic_indic_digits(language: str | None = None) -> bool:
    """True when Arabic is being written and ARABIC_DIGITS is 'arabic-indic'."""
    if (language or current_language()) != "ar" or not has_app_context():
        return False
    return current_app.config.get("ARABIC_DIGITS") == "arabic-indic"


def numbering_system(language: str | None = None) -> str:
    """Babel's numbering system for the language being written: 'arab' or 'latn'."""
    return "arab" if arabic_indic_digits(language) else "latn"


def localise_digits(text: str, language: str | None = None) -> str:
    """`text` with Arabic-Indic digits when ARABIC_DIGITS asks for them (Babel's dates and
    durations have no numbering system of their own), else as it is."""
    return text.translate(ARABIC_INDIC) if arabic_indic_digits(language) else text


def hijri_dates() -> bool:
    """True when pages show the Hijri date beside the Gregorian one (HIJRI_DATES=on)."""
    return has_app_context() and current_app.config.get("HIJRI_DATES") == "on"


def translations() -> babel_support.NullTranslations:
    """The catalog of the language being rendered, found once per locale per request.

    Flask-Babel's own lookup walks several context proxies on every call (about 15 µs, and a
    page of job rows makes hundreds of calls); this keeps the translations beside the locale
    Flask-Babel chose, so force_locale() and refresh() (which replace that locale) still take
    effect at once.
    """
    app_ctx = _cv_app.get(None)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    locale = getattr(state, "babel_locale", None)
    if locale is not None:
        kept = getattr(state, "tamam_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]  # type: ignore[no-any-return]
    found = get_translations()  # Flask-Babel's full lookup (chooses the locale if need be)
    state = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.tamam_translations = (state.babel_locale, found)
    return found


def gettext(string: str, **variables: object) -> str:
    """flask_babel.gettext, with the request's catalog found once (see translations())."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """flask_babel.ngettext, with the request's catalog found once; `num` is a variable too."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables: object) -> str:
    """flask_babel.pgettext, with the request's catalog found once."""
    text = translations().upgettext(context, string)
    return text % variables if variables else text


babel = Babel()


def init_app(app: Flask) -> None:
    """Flask-Babel with every area's catalog; Jinja gets `_`, `{% trans %}` and the direction."""
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", ";".join(area.catalog_dir for area in AREAS)
    )
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks ignore line breaks
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        text_direction=text_direction,
        numbering_system=numbering_system,
        hijri_dates=hijri_dates,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
