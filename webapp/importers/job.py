"""The bulk_import job: read the uploaded file a row at a time, check every row, and apply (or,
checking only, count) the changes in batches, with progress by rows.

Each applied batch is committed with an ImportBatch row naming it, in one transaction. So a
cancel stops between batches with every committed batch kept, and a second attempt after a
crash reads the file again but skips the batches already applied, taking their counts from
their rows: nothing is applied twice and the counts are those of the first time. Checking only
writes nothing at all.

The words the job writes for people (the error file's problems and headers, the note, a
refused file's message) are in the submitter's language (the job's `language`, English when
none): the attempt runs inside `flask_babel.force_locale`. Progress messages and the figures'
labels stay stored in English; the pages say them in the reader's language
(webapp.jobs.messages).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_decimal
from sqlalchemy import insert, select

from webapp.engine.errors import IMPORT_FILE, JobCancelled, JobError
from webapp.engine.registry import JobContext
from webapp.engine.storage import input_dir
from webapp.extensions import db
from webapp.i18n import DEFAULT_LANGUAGE, N_, ngettext, normalise
from webapp.i18n import gettext as _
from webapp.importers import apply
from webapp.importers.apply import Checked
from webapp.importers.errors_file import ErrorFile
from webapp.importers.kinds import KINDS, Kind
from webapp.importers.reading import FileRefused, open_table
from webapp.importers.rows import HeaderProblem, RowChecker, column_positions, is_blank_row
from webapp.importers.seen import SeenKeys
from webapp.models.imports import ImportBatch

COUNTS = ("created", "updated", "unchanged", "rejected")
UNDO_QUOTE = ("'=", "'+", "'-", "'@")  # how safe_cells writes formula-looking text to CSV
SEEN_FILE = ".seen-keys.sqlite3"  # in the attempt's folder, never a result (a leading dot)
Reject = tuple[int, Sequence[Any], list[str]]  # a rejected row: its line, cells and problems
BATCH_ROW = insert(ImportBatch.__table__)  # a batch's import_batches row, a Core statement


def import_language(params: Mapping[str, Any]) -> str:
    """The language an import's words are written in ('en' when its params name none)."""
    return normalise(params.get("language")) or DEFAULT_LANGUAGE


def upload_path(job_id: str, fmt: str) -> Path:
    """Where a job's uploaded file is kept (with the job, removed with it)."""
    return input_dir(job_id) / f"upload.{fmt}"


@dataclass
class Tally:
    """Rows so far: read (not blank), and how many of each outcome."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def add(self, counts: dict[str, int]) -> None:
        for name in COUNTS:
            self.counts[name] += counts.get(name, 0)


def _applied(job_id: str) -> dict[int, ImportBatch]:
    """Batches an earlier attempt of this job committed."""
    rows = db.session.scalars(select(ImportBatch).where(ImportBatch.job_id == job_id)).all()
    found = {row.batch: row for row in rows}
    db.session.rollback()
    return found


def _unquote(raw: list[Any]) -> list[Any]:
    try:
        if "'" not in "".join(raw):  # most rows: nothing to undo
            return raw
    except TypeError:  # a workbook's numbers and dates
        pass
    return [cell[1:] if isinstance(cell, str) and cell.startswith(UNDO_QUOTE) else cell
            for cell in raw]  # fmt: skip


class Importer:
    """One attempt at one import job."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.kind: Kind = KINDS[ctx.params["kind"]]
        self.applying = ctx.params["mode"] == "apply"
        self.fmt = str(ctx.params["format"])
        self.batch_rows = max(1, int(current_app.config.get("IMPORT_BATCH_ROWS", 1000)))
        self.region = str(current_app.config.get("IMPORT_PHONE_REGION", "SA"))
        self.tally = Tally()
        self.done = _applied(ctx.job_id) if self.applying else {}
        self.can_assume_new = self.applying and apply.can_assume_new(self.kind)
        self.assume_new = self.can_assume_new  # see _write_new
        self.about: int | None = None
        self.started = time.monotonic()

    def run(self) -> dict[str, Any]:
        source = upload_path(self.ctx.job_id, self.fmt)
        if not source.is_file():
            raise JobError(IMPORT_FILE, _("The uploaded file is no longer kept with this job."),
                           _("Upload the file again on New import."), retry=False)  # fmt: skip
        self.ctx.progress(0, "Reading the file")
        known = {column.name for column in self.kind.columns}
        try:
            with open_table(source, self.fmt, known) as table:
                self.about = table.about_rows
                positions = column_positions(self.kind, table.header)
                errors = ErrorFile(self.ctx.out_dir, self.kind.name, self.fmt, table.header)
                seen = SeenKeys(self.ctx.out_dir / SEEN_FILE)
                try:
                    checker = RowChecker(self.kind, positions, self.region, seen)
                    self._rows(table.rows, checker, errors)
                finally:
                    seen.close()
                    file_fields = errors.close()
        except (FileRefused, HeaderProblem) as exc:
            raise JobError(IMPORT_FILE, str(exc), retry=False) from None
        result = self.result()
        if file_fields:
            result |= file_fields
        self.ctx.progress(100, "Done")
        return result

    def _rows(self, rows: Any, checker: RowChecker, errors: ErrorFile) -> None:
        batch: list[Checked] = []
        rejects: list[Reject] = []  # rows whose cells are wrong, in this batch
        number, read = 0, 0
        for line, raw in rows:
            if is_blank_row(raw):
                continue
            read += 1
            values, problems = checker.check(_unquote(raw))
            if problems:
                rejects.append((line, raw, problems))
            else:
                batch.append((line, tuple(raw), values))
            if read % self.batch_rows == 0:
                number += 1
                self._batch(number, batch, rejects, read, checker, errors)
                batch, rejects = [], []
        if batch or rejects:
            self._batch(number + 1, batch, rejects, read, checker, errors)

    def _batch(self, number: int, rows: list[Checked], rejects: list[Reject], read: int,
               checker: RowChecker, errors: ErrorFile) -> None:  # fmt: skip
        """Reject repeats; plan the batch; apply and commit it with its ImportBatch row (unless
        done before). Rejected rows go to the error file in the upload's order."""
        repeats = checker.repeats(rows)
        if repeats:
            repeated = {row[0] for row, _problems in repeats}
            rows = [row for row in rows if row[0] not in repeated]
            rejects = [*rejects, *((line, raw, problems) for (line, raw, _), problems in repeats)]
            rejects.sort(key=itemgetter(0))
        for line, raw, problems in rejects:
            errors.add(line, raw, problems)
        earlier = self.done.get(number)
        writing = self.applying and earlier is None
        plan = self._write_new(rows) if writing and self.assume_new else None
        if plan is None:
            plan = apply.plan(self.kind, rows)
            for (line, raw, _values), problems in plan.rejects:
                errors.add(line, raw, problems)
            if writing:
                apply.write(self.kind, plan)
                self.assume_new = self.can_assume_new and plan.all_creates  # new again?
        counts = {
            "created": len(plan.creates),
            "updated": len(plan.updates),
            "unchanged": plan.unchanged,
            "rejected": len(rejects) + len(plan.rejects),
        }
        if earlier is not None:  # applied by an earlier attempt: its counts, not today's view
            counts = {name: int(getattr(earlier, name)) for name in COUNTS}
            db.session.rollback()
        elif self.applying:
            row = {"job_id": self.ctx.job_id, "batch": number, "rows": read, **counts}
            db.session.connection().execute(BATCH_ROW, row)  # no unit of work, no ORM bulk
            db.session.commit()
        else:
            db.session.rollback()  # checking only: nothing written, no transaction kept open
        self.tally.rows = read
        self.tally.add(counts)
        self._progress()

    def _write_new(self, rows: list[Checked]) -> apply.Plan | None:
        """Write the batch as new rows without reading first; None (rolled back) when a row's
        key is stored, and later batches are read first until one is all new again."""
        plan = apply.assume_new(self.kind, rows)
        try:
            apply.write(self.kind, plan)
        except apply.NotAllNew:
            db.session.rollback()
            self.assume_new = False
            return None
        return plan

    def _progress(self) -> None:
        """Progress by rows, 'Applied 3,000 of about 10,000 rows'; raises when cancelled."""
        read = self.tally.rows
        verb = "Applied" if self.applying else "Checked"
        if self.about:
            percent = min(99, read * 100 // max(self.about, 1))
            words = f"{verb} {read:,} of about {max(self.about, read):,} rows"
        else:
            percent, words = 50, f"{verb} {read:,} rows"
        try:
            self.ctx.progress(percent, words)
        except JobCancelled:
            applied = "everything before stays applied" if self.applying else "nothing was written"
            raise JobCancelled(self.ctx.job_id, detail=f"stopped after {read:,} rows; {applied}",
                               result=self.result(stopped=True)) from None  # fmt: skip

    def result(self, stopped: bool = False) -> dict[str, Any]:
        """Counts and words for the job page, the API and `flask jobs show`."""
        counts = dict(self.tally.counts)
        return {
            "kind": self.kind.name,
            "mode": "apply" if self.applying else "check",
            "rows": self.tally.rows,
            "counts": counts,
            "figures": figures(counts, self.applying),
            "note": note(self.kind, counts, self.tally.rows, self.applying, stopped),
            "file_label": "Download the rejected rows",
        }


def figures(counts: dict[str, int], applying: bool) -> list[list[Any]]:
    """[[label, number]] as the job page shows them."""
    labels = (("created", "Created"), ("updated", "Updated"), ("unchanged", "Unchanged"),
              ("rejected", "Rejected"))  # fmt: skip
    if not applying:
        labels = (("created", "Would be created"), ("updated", "Would be updated"),
                  ("unchanged", "Unchanged"), ("rejected", "Rejected"))  # fmt: skip
    return [[label, counts[name]] for name, label in labels]


# What one import reads, as the note names it (English: the kind's label in lower case).
KIND_ROWS = {
    "customers": N_("Read %(rows)s rows of customers; the figures say what became of each."),
    "products": N_("Read %(rows)s rows of products; the figures say what became of each."),
    "prices": N_("Read %(rows)s rows of price updates; the figures say what became of each."),
}


def note(kind: Kind, counts: dict[str, int], rows: int, applying: bool, stopped: bool) -> str:
    """A sentence or two on what happened, or would happen (in the current language)."""
    rejected = counts["rejected"]
    number = format_decimal(rows)
    tail = ""
    if rejected:
        tail = " " + ngettext(
            "%(count)s row rejected: download them with the problem named on each, fix them and "
            "import that file.",
            "%(count)s rows rejected: download them with the problem named on each, fix them and "
            "import that file.",
            rejected,
            count=format_decimal(rejected),
        )
    if stopped:
        if applying:
            return _("Cancelled after %(rows)s rows. The rows before that stay applied.",
                     rows=number) + tail  # fmt: skip
        return _("Cancelled after %(rows)s rows. Nothing was written.", rows=number) + tail
    if not applying:
        return _("Checked only: nothing was written. Applying this file would make the changes "
                 "counted here.") + tail  # fmt: skip
    said = KIND_ROWS.get(kind.name)
    if said is None:  # a kind added later: its own English
        return (f"Read {number} rows of {kind.label.lower()}; the figures say what became of "
                f"each.{tail}")  # fmt: skip
    return _(said, rows=number) + tail


def run_import(ctx: JobContext) -> dict[str, Any]:
    """The job type's work function (webapp.engine.catalog), in the submitter's language."""
    with force_locale(import_language(ctx.params)):
        return Importer(ctx).run()
