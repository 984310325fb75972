"""The benches' machine-readable figures: `--json PATH` taken off argv, one JSON object written.

bench/run_all.py passes `--json PATH` to every bench and reads back an object with "tables"
(title, columns, rows: each becomes a Markdown table in bench/RESULTS.md), "headline" (name,
ratio, target: the README's short table) and free-form "figures" (what the plots draw).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def take_json_path(argv: list[str] | None = None) -> Path | None:
    """Remove `--json PATH` from argv (sys.argv by default) and return PATH, or None."""
    args = sys.argv if argv is None else argv
    if "--json" not in args:
        return None
    at = args.index("--json")
    if at + 1 >= len(args):
        raise SystemExit("--json needs a file path")
    path = Path(args[at + 1])
    del args[at : at + 2]
    return path


def table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """One table of figures, as RESULTS.md shows it."""
    return {"title": title, "columns": columns, "rows": rows}


def headline(name: str, ratio: float, target: str = "") -> dict[str, Any]:
    """One ratio for the README's short table."""
    return {"name": name, "ratio": ratio, "target": target}


def write_json(path: Path | None, **content: Any) -> None:
    """Write the figures to `path` (nothing when no --json was given)."""
    if path is not None:
        path.write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")
