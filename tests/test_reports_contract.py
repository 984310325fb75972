"""Files appear whole or not at all, and progress only moves forward."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.reports_fixtures import Cancelled, Recorder
from webapp.generators.contract import FileResult, ParamError, write_atomically
from webapp.generators.progress import Tracker


def test_file_is_renamed_into_place_with_its_digest(tmp_path: Path) -> None:
    """The finished file has its final name, true size and sha256; no temp file is left."""
    result = write_atomically(tmp_path, "out.csv", "text/csv", lambda p: p.write_bytes(b"a,b\n"))
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert result == FileResult(
        tmp_path / "out.csv", "out.csv", "text/csv", 4, hashlib.sha256(b"a,b\n").hexdigest()
    )
    assert json.loads(json.dumps(result.as_result())) == {
        "file_name": "out.csv",
        "content_type": "text/csv",
        "size_bytes": 4,
        "sha256": hashlib.sha256(b"a,b\n").hexdigest(),
    }


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    """An exception half way through writing removes the temp file and propagates."""

    def write(path: Path) -> None:
        """Write part of a file, then fail."""
        path.write_bytes(b"half")
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        write_atomically(tmp_path, "out.csv", "text/csv", write)
    assert list(tmp_path.iterdir()) == []


def test_a_late_cancel_removes_the_finished_file(tmp_path: Path) -> None:
    """When the final progress call raises, the renamed file goes too."""

    def on_ready(_result: FileResult) -> None:
        """Fail as the final progress call would on a late cancel."""
        raise Cancelled("too late")

    with pytest.raises(Cancelled):
        write_atomically(tmp_path, "out.csv", "text/csv", lambda p: p.write_bytes(b"x"), on_ready)
    assert list(tmp_path.iterdir()) == []


def test_an_earlier_file_of_the_same_name_is_replaced(tmp_path: Path) -> None:
    """A retried job overwrites its own earlier file."""
    (tmp_path / "out.csv").write_bytes(b"old")
    write_atomically(tmp_path, "out.csv", "text/csv", lambda p: p.write_bytes(b"new"))
    assert (tmp_path / "out.csv").read_bytes() == b"new"


@pytest.mark.parametrize("name", ["../escape.csv", "a/b.csv", ".hidden"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    """A final name cannot leave out_dir or hide itself."""
    with pytest.raises(ValueError, match="unsafe file name"):
        write_atomically(tmp_path, name, "text/csv", lambda p: p.write_bytes(b"x"))


def test_param_error_names_its_field() -> None:
    """ParamError is a ValueError carrying the field and a plain message."""
    error = ParamError("date_to", "The end date can't be before the start date.")
    assert isinstance(error, ValueError)
    assert (error.field, str(error)) == ("date_to", "The end date can't be before the start date.")


def test_tracker_never_goes_back_and_stages_stop_short_of_100() -> None:
    """A lower figure is raised to the last one; a stage ends at 99; only done() says 100."""
    recorder = Recorder()
    tracker = Tracker(recorder)
    tracker.report(40, "a")
    tracker.report(10, "b")
    stage = tracker.stage(50, 100, 4)
    for done in range(5):
        stage.advance(done, "c")
    tracker.stage(0, 99, 0).advance(0, "nothing to do")
    tracker.done()
    assert recorder.percents == [40, 40, 50, 62, 74, 86, 99, 99, 100]
