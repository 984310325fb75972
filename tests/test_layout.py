"""The layout's one rule: worker code (tasks, engine, generators, importers...) imports no view."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER_CODE = (
    "tasks",
    "webapp/engine",
    "webapp/generators",
    "webapp/notifications",
    "webapp/monitoring",
    "webapp/importers",
)
VIEW_PACKAGES = (
    "webapp.jobs",
    "webapp.reports",
    "webapp.downloads",
    "webapp.main",
    "webapp.auth",
    "webapp.ops",
    "webapp.imports",
    "webapp.notify",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_worker_code_imports_no_view_package() -> None:
    """A worker never needs a blueprint: engine, generators and tasks stand on their own."""
    offenders = []
    for folder in WORKER_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in _imports(path):
                allowed = name == "webapp.auth.service"  # users are looked up, not viewed
                if not allowed and any(
                    name == view or name.startswith(view + ".") for view in VIEW_PACKAGES
                ):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
