"""An upload, from the page, the API or the CLI, checked before any job is made, then submitted.

`stage` copies the upload into STORAGE_DIR/.uploads with a size limit (IMPORT_MAX_BYTES),
checks that its content is what its extension says and that its first row has the kind's
columns; only then does `submit_import` make the job, moving the file into the job's input
folder inside the job's own transaction, so the worker always finds it and the purge at the
job's TTL removes it with the job.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context

from webapp.engine import service
from webapp.engine.errors import ParamError
from webapp.engine.storage import input_dir, uploads_dir
from webapp.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, normalise
from webapp.i18n import gettext as _
from webapp.importers.job import upload_path
from webapp.importers.kinds import KINDS
from webapp.importers.reading import FileRefused, file_format, header_of, sniff
from webapp.importers.rows import HeaderProblem, column_positions
from webapp.models.job import Job
from webapp.models.user import User

JOB_TYPE = "bulk_import"
MODES = ("check", "apply")
NAME_MAX = 200
COPY_CHUNK = 1024 * 1024


def max_bytes() -> int:
    """IMPORT_MAX_BYTES: the largest file one import takes."""
    return int(current_app.config.get("IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def size_words(size: int) -> str:
    """52428800 -> '50 MiB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MiB"
    return f"{size / 1024:g} KiB" if size >= 1024 else f"{size} bytes"


@dataclass
class Staged:
    """A checked upload waiting for its job: where it is, and what it is."""

    path: Path
    file_name: str
    fmt: str
    size_bytes: int

    def discard(self) -> None:
        """Remove the staged file (after a refusal, or once moved it is already gone)."""
        self.path.unlink(missing_ok=True)


def clean_file_name(name: str | None) -> str:
    """The name shown on the job: its last path part, printable, at most NAME_MAX long."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if not base:
        raise FileRefused(_("Choose a file to import."))
    return base[-NAME_MAX:]


def stage(kind_name: str, file_name: str | None, stream: IO[bytes]) -> Staged:
    """Copy, size-check and sniff an upload; FileRefused (with words to show) when unusable."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise FileRefused(_("Choose what to import: %(kinds)s.", kinds=", ".join(KINDS)))
    name = clean_file_name(file_name)
    fmt = file_format(name)
    limit = max_bytes()
    folder = uploads_dir(create=True)
    handle, temp = tempfile.mkstemp(dir=folder, suffix=f".{fmt}")
    staged = Staged(Path(temp), name, fmt, 0)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(COPY_CHUNK):
                staged.size_bytes += len(chunk)
                if staged.size_bytes > limit:
                    raise FileRefused(
                        _(
                            "The file is larger than %(size)s, the most one import takes: split "
                            "it into smaller files.",
                            size=size_words(limit),
                        )
                    )
                out.write(chunk)
        sniff(staged.path, fmt)
        known = {column.name for column in kind.columns}
        column_positions(kind, header_of(staged.path, fmt, known))
    except HeaderProblem as exc:
        staged.discard()
        raise FileRefused(str(exc)) from None
    except BaseException:
        staged.discard()
        raise
    return staged


def validate_import(raw: Mapping[str, Any]) -> dict[str, Any]:
    """bulk_import parameters: kind, mode, file_name, format, size_bytes and language.

    `language` (the submitter's: the words of the error file, the note, the refusals) is kept
    only when it is not English, so English jobs keep the parameters they always had.
    """
    unknown = sorted(set(raw) - {"kind", "mode", "file_name", "format", "size_bytes",
                                 "language"})  # fmt: skip
    if unknown:
        raise ParamError(unknown[0], _("bulk_import does not take a parameter called %(name)s.",
                                       name=repr(unknown[0])))  # fmt: skip
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ParamError("kind", _("kind must be one of %(kinds)s.", kinds=", ".join(KINDS)))
    mode = raw.get("mode")
    if mode not in MODES:
        raise ParamError(
            "mode", _("mode must be 'check' (check only) or 'apply' (check and apply).")
        )
    language = raw.get("language") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise ParamError("language", _("language must be one of %(languages)s.",
                                       languages=", ".join(LANGUAGES)))  # fmt: skip
    try:
        name = clean_file_name(str(raw.get("file_name") or ""))
        fmt = file_format(name)
    except FileRefused as exc:
        raise ParamError("file_name", str(exc)) from None
    if raw.get("format", fmt) != fmt:
        raise ParamError("format", _("format must match the file name's extension."))
    try:
        size = int(raw.get("size_bytes") or 0)
    except (TypeError, ValueError):
        raise ParamError("size_bytes", _("size_bytes must be a whole number.")) from None
    clean = {"kind": kind, "mode": mode, "file_name": name, "format": fmt, "size_bytes": size}
    if language != DEFAULT_LANGUAGE:
        clean["language"] = language
    return clean


def submitter_language() -> str:
    """The language of the request submitting an import: the page's (or the API's
    Accept-Language); English outside a request (the CLI)."""
    return current_language() if has_request_context() else DEFAULT_LANGUAGE


def size_hint(params: Mapping[str, Any]) -> int:
    """An import's size for the ETA of waiting jobs: its file's size in KiB."""
    return max(1, int(params.get("size_bytes") or 0) // 1024)


def submit_import(user: User, kind: str, mode: str, staged: Staged, name: str | None = None,
                  language: str | None = None) -> Job:  # fmt: skip
    """Make the job with the staged file moved into its input folder (one transaction); its
    words in `language`, by default the submitting request's."""
    params: dict[str, Any] = {"kind": kind, "mode": mode, "file_name": staged.file_name,
                              "format": staged.fmt, "size_bytes": staged.size_bytes}  # fmt: skip
    language = normalise(language) or submitter_language()
    if language != DEFAULT_LANGUAGE:
        params["language"] = language

    def keep_file(job: Job) -> list[Any]:
        input_dir(job.id, create=True)
        shutil.move(staged.path, upload_path(job.id, staged.fmt))
        return []

    try:
        return service.submit(user, JOB_TYPE, params, name=name, with_rows=keep_file)
    finally:
        staged.discard()
