"""The two statements a batch repeats a thousand times a million rows, made cheap.

- `one_of(column, name, dialect)`: `column IN (...)` with the whole list as one bound
  parameter, a JSON list (SQLite: `IN (SELECT value FROM json_each(?))`, PostgreSQL:
  `= ANY(array(SELECT json_array_elements_text(?)))`), so neither SQLAlchemy nor the driver
  renders and converts a thousand parameters per query, in a statement built once (building it
  anew each batch cost as much again); both use the column's index.
- `insert_rows(table, columns, rows)`: the batch's new rows as plain tuples through the
  session's connection (in its transaction), each value converted by its column's own type
  first, so a UTCDateTime is stored exactly as the ORM stores it: one executemany INSERT on
  SQLite, as the bare baseline does; COPY on PostgreSQL (psycopg), where executemany cost the
  worker about 9 µs of CPU a row and COPY about 1.

- `insert_rows(..., if_new=True)`: the same INSERT, kept only when no row meets a unique key
  already stored (SQLite: `ON CONFLICT DO NOTHING` and the count of rows inserted; PostgreSQL:
  the COPY fails on a unique violation). A batch of rows that are all new (a first import) is
  then written without reading the table first: the unique indexes the INSERT updates anyway
  answer the question the batch's SELECT asked (about a third of the import's database time).

Other databases get SQLAlchemy's own `in_` and executemany (and no `if_new`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute

from webapp.extensions import db

MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # positional placeholders
CONVERTED_KEPT = 4096  # converted values remembered per column (dates repeat)


def dialect_name() -> str:
    """'sqlite', 'postgresql'...: the database the session writes to."""
    return db.session.get_bind().dialect.name


def one_of(column: InstrumentedAttribute[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column IN :name`, where :name is bound to `listed(values, dialect)`: one parameter
    where the database allows it. Build the statement once and execute it for every batch."""
    if dialect == "postgresql":  # = ANY(array(SELECT json_array_elements_text(...)))
        items = func.json_array_elements_text(cast(bindparam(name, type_=String), JSON))
        return column == any_(func.array(select(items).scalar_subquery()))
    if dialect == "sqlite":
        return column.in_(select(func.json_each(bindparam(name)).table_valued("value").c.value))
    return column.in_(bindparam(name, expanding=True))


def listed(values: Collection[Any], dialect: str) -> Any:
    """`values` as the parameter of a `one_of`: JSON text on SQLite and PostgreSQL (psycopg
    turns a list into an array literal in Python, several times slower), a list elsewhere."""
    return json.dumps(list(values)) if dialect in ("sqlite", "postgresql") else list(values)


def commit_without_flush_wait() -> None:
    """PostgreSQL: this transaction's COMMIT need not wait for its WAL to reach the disk.

    Safe for a batch: its changes and its ImportBatch row commit together or not at all; the
    next synchronous commit (progress, the job's end, a cancel) flushes all WAL before it, so a
    server crash can only lose the last batches of a job that has not ended, and the retry
    applies exactly those again. Saves a disk flush per batch (about 5 s a million rows here).
    """
    if dialect_name() == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def inserts_if_new() -> bool:
    """Whether `insert_rows(..., if_new=True)` can tell here (SQLite, PostgreSQL with psycopg)."""
    dialect = db.session.get_bind().dialect
    return dialect.name == "sqlite" or (dialect.name, dialect.driver) == ("postgresql", "psycopg")


def _same(value: Any) -> Any:
    return value


def stored_form(table: Table, name: str) -> Callable[[Any], Any]:
    """The function `insert_rows` applies to the column's values (its type's bind processor,
    or none): a caller that builds its rows anyway applies it there and passes `converted`,
    which saves building every row a second time."""
    dialect = db.session.get_bind().dialect
    if MARKS.get(dialect.paramstyle) is None:
        return _same  # SQLAlchemy's own executemany converts
    return _converter(table, name, dialect) or _same


def insert_rows(table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]],
                if_new: bool = False, converted: bool = False) -> bool:  # fmt: skip
    """INSERT `rows` (tuples of `columns`' values) with one executemany, in the session.

    With `if_new` (where `inserts_if_new()`): False when a row met a unique key already
    stored; the transaction then holds part of the rows (or is aborted) and the caller must
    roll it back. True when every row was inserted. `converted`: the rows' values are already
    in `stored_form`.
    """
    if not rows:
        return True
    connection = db.session.connection()
    dialect = connection.dialect
    mark = MARKS.get(dialect.paramstyle)
    if mark is None:
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return True
    converters = [] if converted else [
        (index, converter)
        for index, name in enumerate(columns)
        if (converter := _converter(table, name, dialect)) is not None
    ]  # fmt: skip
    if len(converters) == 1:  # customers: created_at
        index, convert = converters[0]
        rows = [(*row[:index], convert(row[index]), *row[index + 1 :]) for row in rows]
    elif converters:
        rows = [_converted(row, converters) for row in rows]
    quote = dialect.identifier_preparer.quote
    into = f"{quote(table.name)} ({', '.join(quote(name) for name in columns)})"
    if dialect.driver == "psycopg":  # COPY: the same rows, a fraction of executemany's work
        return _copy(connection.connection.driver_connection, into, rows, if_new)
    values = f"VALUES ({', '.join([mark] * len(columns))})"
    if not if_new:
        connection.exec_driver_sql(f"INSERT INTO {into} {values}", rows)
        return True
    done = connection.exec_driver_sql(f"INSERT INTO {into} {values} ON CONFLICT DO NOTHING", rows)
    return done.rowcount == len(rows)  # executemany sums the rows each INSERT added


def _copy(driver: Any, into: str, rows: list[tuple[Any, ...]], if_new: bool) -> bool:
    """COPY `rows` into the table; with `if_new`, False when a unique key was already stored."""
    from psycopg.errors import UniqueViolation

    try:
        with driver.cursor() as cursor, cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except UniqueViolation:
        if not if_new:
            raise
        return False
    return True


_CONVERTERS: dict[tuple[str, str, str], Callable[[Any], Any] | None] = {}


def _converter(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind processor (None: values go as they are), remembering its answers
    for the values it sees most (dates repeat)."""
    key = (table.name, name, dialect.name)
    if key not in _CONVERTERS:
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        _CONVERTERS[key] = None if processor is None else _remembering(processor)
    return _CONVERTERS[key]


def _remembering(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    remembered = lru_cache(maxsize=CONVERTED_KEPT)(processor)

    def convert(value: Any) -> Any:
        try:
            return remembered(value)
        except TypeError:  # unhashable: converted every time
            return processor(value)

    return convert


def _converted(row: tuple[Any, ...], converters: list[tuple[int, Callable[[Any], Any]]]
               ) -> tuple[Any, ...]:  # fmt: skip
    cells = list(row)
    for index, convert in converters:
        cells[index] = convert(cells[index])
    return tuple(cells)
