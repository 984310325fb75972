"""Where job result files live: STORAGE_DIR/<job id>/attempt-<n>/, one folder per attempt.

An attempt writes only into its own folder, so a stale attempt (its lease ran out while it
still ran) can never overwrite or delete the file another attempt completed with. The job row
names the kept file by its place under the job's folder (`stored_as`, e.g. attempt-2/x.pdf).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from flask import current_app

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,50}$")
_STORED_AS = re.compile(r"^(attempt-[0-9]{1,6}/)?[^/\\]+$")


def job_dir(job_id: str, create: bool = False) -> Path:
    """The folder holding a job's files (job ids are checked so no path escapes STORAGE_DIR)."""
    if not _SAFE_ID.match(job_id):
        raise ValueError(f"Not a job id: {job_id!r}")
    path = Path(current_app.config["STORAGE_DIR"]) / job_id
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


INPUT_FOLDER = "input"  # files a job was given (an uploaded spreadsheet), kept as long as the job


def input_dir(job_id: str, create: bool = False) -> Path:
    """The folder of the files a job was given; attempts read it and never write into it."""
    path = job_dir(job_id) / INPUT_FOLDER
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def copy_inputs(source_id: str, target_id: str) -> None:
    """Give a new job (run again) the input files of another, when it still has them."""
    source = input_dir(source_id)
    if source.is_dir():
        shutil.copytree(source, input_dir(target_id), dirs_exist_ok=True)


def attempt_folder(attempt: int) -> str:
    """The name of one attempt's folder under its job's folder."""
    return f"attempt-{int(attempt)}"


def attempt_dir(job_id: str, attempt: int, create: bool = False) -> Path:
    """The folder that one attempt of a job writes into, and nothing else does."""
    path = job_dir(job_id) / attempt_folder(attempt)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def result_path(job_id: str, stored_as: str) -> Path | None:
    """The stored result file (`stored_as` relative to the job's folder), or None when gone."""
    if not _STORED_AS.match(stored_as) or stored_as.rsplit("/", 1)[-1].startswith("."):
        return None
    path = job_dir(job_id) / stored_as
    return path if path.is_file() else None


def remove_attempt_files(job_id: str, attempt: int) -> None:
    """Delete one attempt's folder: only that attempt, holding its claim, may call this."""
    shutil.rmtree(attempt_dir(job_id, attempt), ignore_errors=True)


def remove_job_files(job_id: str) -> None:
    """Delete a job's whole folder (cancel, purge, retention: no attempt of it is running)."""
    shutil.rmtree(job_dir(job_id), ignore_errors=True)


UPLOADS_FOLDER = ".uploads"  # STORAGE_DIR/.uploads: uploads checked before their job exists
STALE_UPLOAD_SECONDS = 3600  # a staged upload is moved into its job within its request


def uploads_dir(create: bool = False) -> Path:
    """The folder where uploads wait while they are checked, before their job is made."""
    path = Path(current_app.config["STORAGE_DIR"]) / UPLOADS_FOLDER
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def remove_stale_uploads(older_than: float = STALE_UPLOAD_SECONDS) -> int:
    """Delete staged uploads no job took (their request died half way); how many went."""
    folder = uploads_dir()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # taken by its job or removed by another purge meanwhile
            continue
    return removed
