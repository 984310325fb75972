"""Where job result files live: STORAGE_DIR/<job id>/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import current_app

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,50}$")


def job_dir(job_id: str, create: bool = False) -> Path:
    """The folder holding a job's files (job ids are checked so no path escapes STORAGE_DIR)."""
    if not _SAFE_ID.match(job_id):
        raise ValueError(f"Not a job id: {job_id!r}")
    path = Path(current_app.config["STORAGE_DIR"]) / job_id
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def result_path(job_id: str, file_name: str) -> Path | None:
    """The stored result file, or None when it is gone."""
    if "/" in file_name or "\\" in file_name or file_name.startswith("."):
        return None
    path = job_dir(job_id) / file_name
    return path if path.is_file() else None


def remove_job_files(job_id: str) -> None:
    """Delete a job's folder and everything in it (partial files included)."""
    shutil.rmtree(job_dir(job_id), ignore_errors=True)
