"""Checking rows: every cell of the kind's columns, then, a batch at a time, keys seen before
in the file (kept on disk by webapp.importers.seen, so memory stays flat however long the file).

A row's problems are listed in words, one per cell, e.g. "email is not an email address;
region is not one of North, South, East, West, Central".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import TYPE_CHECKING, Any

from webapp.i18n import gettext as _
from webapp.importers.cells import CellProblem
from webapp.importers.kinds import Kind, header_key
from webapp.importers.seen import SeenKeys

if TYPE_CHECKING:
    from webapp.importers.apply import Checked


class HeaderProblem(ValueError):
    """The header row lacks a required column (or names one twice)."""


def column_positions(kind: Kind, header: Sequence[str]) -> dict[str, int]:
    """Where each of the kind's columns is in the file; HeaderProblem when a required one is not."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = header_key(cell)
        if any(column.name == name for column in kind.columns):
            if name in positions:
                raise HeaderProblem(_("The column %(name)s appears twice in the first row.",
                                      name=name))  # fmt: skip
            positions[name] = index
    missing = [name for name in kind.required if name not in positions]
    if missing:
        expected = ", ".join(column.name for column in kind.columns)
        either = reduce(lambda first, second: _("%(first)s or %(second)s", first=first,
                                                 second=second), missing)  # fmt: skip
        raise HeaderProblem(
            _(
                "The first row has no %(missing)s column. %(kind)s files need these columns: "
                "%(expected)s (download the template to start from one).",
                missing=either,
                kind=_(kind.label),
                expected=expected,
            )
        )
    return positions


class RowChecker:
    """Checks rows of one file in order: each row's cells, then, a batch at a time, whether a
    unique column repeats a value of an earlier row (`seen` remembers the file's values)."""

    def __init__(self, kind: Kind, positions: dict[str, int], region: str,
                 seen: SeenKeys) -> None:  # fmt: skip
        self.kind = kind
        self.seen = seen
        self.width = len(kind.columns)
        self.cells = [
            (slot, column.name, positions[column.name], column.parser(region), column.required)
            for slot, column in enumerate(kind.columns)
            if column.name in positions
        ]
        names = [column.name for column in kind.columns]
        self.unique = [(str(n), names.index(name), name)
                       for n, name in enumerate(kind.unique) if name in positions]  # fmt: skip
        self.batches = 0  # batches whose values `seen` recorded

    def check(self, raw: Sequence[Any]) -> tuple[tuple[Any, ...], list[str]]:
        """The row's clean values, one per column of the kind in its order (None for a blank
        optional cell or a column the file lacks), and its cells' problems."""
        values: list[Any] = [None] * self.width
        problems: list[str] = []
        width = len(raw)
        for slot, name, index, parse, required in self.cells:
            cell = raw[index] if index < width else None
            if cell is None or (isinstance(cell, str) and (not cell or cell.isspace())):
                if required:
                    problems.append(_("%(column)s is missing", column=name))
                continue
            try:
                values[slot] = parse(cell)
            except CellProblem as problem:
                problems.append(problem.words(name))
        return tuple(values), problems

    def repeats(self, rows: Sequence[Checked]) -> list[tuple[Checked, list[str]]]:
        """A batch's rows whose unique values earlier rows of the file had, with the problems
        (the first row keeps a value; a rejected row's values are not remembered)."""
        if not self.unique:
            return []
        self.batches += 1
        keys = [tag + str(value).lower() for _line, _raw, values in rows
                for tag, slot, _name in self.unique
                if (value := values[slot]) is not None]  # fmt: skip
        if self.seen.add(keys, self.batches) == len(keys):
            return []  # every value new, none twice: no repeats (the usual case)
        earlier = self.seen.earlier(keys, self.batches)
        kept: set[str] = set()
        found = []
        for row in rows:
            keyed = [(tag + str(value).lower(), name, value) for tag, slot, name in self.unique
                     if (value := row[2][slot]) is not None]  # fmt: skip
            problems = [_("%(column)s %(value)s appears in an earlier row of this file",
                          column=name, value=value)
                        for key, name, value in keyed if key in earlier or key in kept]  # fmt: skip
            if problems:
                found.append((row, problems))
            else:
                kept.update(key for key, _name, _value in keyed)
        self.seen.forget(set(keys) - earlier - kept, self.batches)  # rejected rows' values
        return found


def is_blank_row(raw: Sequence[Any]) -> bool:
    """A row with nothing in any cell (left out: not counted, not rejected)."""
    for cell in raw:  # a loop, not all(): most rows end at their first cell
        if cell is not None and (not isinstance(cell, str) or (cell and not cell.isspace())):
            return False
    return True
