"""Every string the product shows has its Arabic translation, and the catalogs compile."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog

from tests.i18n.catalog_script import catalogs
from webapp.i18n import AREAS


def test_every_marked_string_has_an_arabic_translation() -> None:
    """`pybabel extract` over every area finds nothing its catalog leaves untranslated."""
    assert list(catalogs.missing()) == []


def test_each_source_file_belongs_to_one_area() -> None:
    """No file is extracted twice: its strings live in exactly one catalog."""
    files = catalogs.area_files()
    seen: dict[Path, str] = {}
    for area, paths in files.items():
        for path in paths:
            assert path not in seen, f"{path} is in {seen[path]} and {area}"
            seen[path] = area
    assert {area.name for area in AREAS} == set(files)


def test_a_missing_translation_is_reported(tmp_path: Path, monkeypatch) -> None:
    """The check names a string marked in code but absent from the catalog."""
    source = tmp_path / "webapp" / "demo_area" / "words.py"
    source.parent.mkdir(parents=True)
    source.write_text('from flask_babel import gettext as _\nTITLE = _("Untranslated words")\n')
    area = catalogs.Area("demo", "demo_area/translations", ("demo_area/**/*.py",))
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    monkeypatch.setattr(catalogs, "WEBAPP", tmp_path / "webapp")
    monkeypatch.setattr(catalogs, "AREAS", (area,))
    [problem] = catalogs.missing()
    assert "Untranslated words" in problem and "words.py:2" in problem
    catalogs.update()  # adds it, untranslated
    po = catalogs.read(catalogs.po_path(area, "ar"), "ar")
    assert isinstance(po, Catalog) and po.get("Untranslated words") is not None
    assert list(catalogs.missing()) != []
