#!/usr/bin/env python3
"""Message catalogs: extract each area's strings, update its Arabic catalog, check, compile.

    python scripts/catalogs.py update [--area NAME]   # after marking strings: add them to .po
    python scripts/catalogs.py check [--area NAME]    # every string has Arabic (the tests)
    python scripts/catalogs.py compile                # .po -> .mo (what `make setup` runs)

The areas and their sources are in webapp/i18n.py (AREAS); a file belongs to the first area
whose patterns match it. Strings are found where the code marks them: `_()`, `gettext()`,
`ngettext()`, `lazy_gettext()`/`_l()`, `N_()` (marks a string translated later, where it is
shown) in Python, and `_()` / `{% trans %}` in templates.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"
sys.path.insert(0, str(ROOT))

from webapp.i18n import AREAS, Area  # noqa: E402

TRANSLATED = ("ar",)  # English is the source language: its words are the msgids
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2)}  # fmt: skip
JINJA_OPTIONS = {"trimmed": "true", "newstyle_gettext": "true"}
SKIP_PARTS = {"__pycache__", "static", "translations"}


def _method(path: Path) -> str:
    return "python" if path.suffix == ".py" else "jinja2"


def area_files() -> dict[str, list[Path]]:
    """Each area's source files (a file goes to the first area that claims it)."""
    claimed: set[Path] = set()
    files: dict[str, list[Path]] = {}
    for area in AREAS:
        mine: list[Path] = []
        for pattern in area.sources:
            for path in sorted(WEBAPP.glob(pattern)):
                if path in claimed or not path.is_file() or SKIP_PARTS & set(path.parts):
                    continue
                claimed.add(path)
                mine.append(path)
        files[area.name] = mine
    return files


def extract(area: Area, files: list[Path]) -> Catalog:
    """The area's strings, as a template catalog."""
    template = Catalog(project="Tamam", charset="utf-8")
    for path in files:
        options = JINJA_OPTIONS if _method(path) == "jinja2" else {}
        relative = path.relative_to(ROOT).as_posix()
        found = extract_from_file(_method(path), str(path), keywords=KEYWORDS,
                                  comment_tags=("Translators:",), options=options)  # fmt: skip
        for lineno, message, comments, context in found:
            template.add(message, None, [(relative, lineno)], auto_comments=comments,
                         context=context)  # fmt: skip
    return template


def po_path(area: Area, language: str) -> Path:
    """webapp/<catalog_dir>/<language>/LC_MESSAGES/messages.po"""
    return WEBAPP / area.catalog_dir / language / "LC_MESSAGES" / "messages.po"


def read(path: Path, language: str) -> Catalog:
    """The catalog at `path`, or an empty one for `language`."""
    if not path.exists():
        return Catalog(locale=language, project="Tamam", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _write_po(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True,
                 include_previous=False)  # fmt: skip


def _chosen(area_name: str | None) -> tuple[Area, ...]:
    areas = tuple(area for area in AREAS if area_name in (None, area.name))
    if not areas:
        raise SystemExit(f"No area {area_name!r}; the areas are {[a.name for a in AREAS]}")
    return areas


def update(area_name: str | None = None) -> None:
    """Add new strings to the catalogs (one area's, or all), drop the ones gone."""
    files = area_files()
    for area in _chosen(area_name):
        template = extract(area, files[area.name])
        for language in TRANSLATED:
            path = po_path(area, language)
            catalog = read(path, language)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            _write_po(path, catalog)
            print(f"{path.relative_to(ROOT)}: {len(catalog)} strings")


def missing(area_name: str | None = None) -> Iterator[str]:
    """Every string some area shows that its catalog does not translate, in words."""
    files = area_files()
    for area in _chosen(area_name):
        template = extract(area, files[area.name])
        for language in TRANSLATED:
            path = po_path(area, language)
            catalog = read(path, language)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, context=message.context)
                strings = found.string if found else None
                values = strings if isinstance(strings, tuple | list) else (strings,)
                if found is None or found.fuzzy or not all(values):
                    where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    yield f"{path.relative_to(ROOT)}: no {language} for {msgid!r} ({where})"


def check(area_name: str | None = None) -> int:
    """Print what is missing; 1 if anything is."""
    problems = list(missing(area_name))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} strings have no translation: run `python scripts/catalogs.py "
              "update`, translate them in the .po files, then run this again.")  # fmt: skip
        return 1
    print("Every string is translated.")
    return 0


def compile_catalogs() -> None:
    """Write each .po's .mo beside it (fuzzy entries left out, as gettext does)."""
    for area in AREAS:
        for language in TRANSLATED:
            path = po_path(area, language)
            if not path.exists():
                continue
            catalog = read(path, language)
            with path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)


def main() -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("update", "check", "compile"))
    parser.add_argument("--area", help="only this area's catalog (update and check)")
    arguments = parser.parse_args()
    if arguments.command == "update":
        update(arguments.area)
    elif arguments.command == "compile":
        compile_catalogs()
    else:
        return check(arguments.area)
    return 0


if __name__ == "__main__":
    sys.exit(main())
