"""scripts/catalogs.py, imported (scripts/ is not a package)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from webapp.settings import PROJECT_ROOT


def load() -> ModuleType:
    """Import scripts/catalogs.py."""
    spec = importlib.util.spec_from_file_location(
        "catalogs", PROJECT_ROOT / "scripts" / "catalogs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalogs = load()
