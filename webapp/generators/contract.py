"""The contract between the file generators and the job engine, and the atomic file writer."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webapp.engine.errors import ParamError

__all__ = ["ParamError"]

# progress(percent 0-100, human message). The engine throttles its writes and may raise from
# inside it (for example when the job was cancelled): generators let that exception propagate.
ProgressFn = Callable[[int, str], None]

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
EXTENSIONS = {"pdf": "pdf", "excel": "xlsx", "csv": "csv"}
TEMP_PREFIX = ".tmp-"
_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileResult:
    """A finished file in the job's folder, with what the download needs to serve it."""

    path: Path
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str

    def as_result(self) -> dict[str, Any]:
        """The JSON-able part stored in the job's result (the engine adds expires_at)."""
        return {
            "file_name": self.file_name,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
        }


def temp_path(out_dir: Path) -> Path:
    """A fresh hidden name in out_dir for a file being written."""
    return out_dir / f"{TEMP_PREFIX}{secrets.token_hex(8)}"


def _hash_and_sync(path: Path) -> tuple[int, str]:
    """Return (size, sha256 hex) of the file and flush it to disk."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(fh.fileno())
    return size, digest.hexdigest()


def write_atomically(
    out_dir: Path,
    file_name: str,
    content_type: str,
    write: Callable[[Path], object],
    on_ready: Callable[[FileResult], None] | None = None,
) -> FileResult:
    """Write via a temp file renamed into place, then call on_ready; an exception leaves no file."""
    if "/" in file_name or "\\" in file_name or file_name.startswith("."):
        raise ValueError(f"unsafe file name {file_name!r}")
    tmp = temp_path(out_dir)
    final = out_dir / file_name
    try:
        write(tmp)
        size, sha256 = _hash_and_sync(tmp)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    result = FileResult(final, file_name, content_type, size, sha256)
    if on_ready is not None:
        try:
            on_ready(result)  # e.g. the final progress(100), which may raise on a late cancel
        except BaseException:
            final.unlink(missing_ok=True)
            raise
    return result
