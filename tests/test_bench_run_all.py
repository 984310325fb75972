"""bench/run_all.py: benches run as subprocesses, their --json figures gathered into RESULTS.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import results_md, run_all
from bench.benchjson import take_json_path

FAKE_BENCH = """
import sys
sys.path.insert(0, {root!r})
from bench.benchjson import headline, table, take_json_path, write_json

path = take_json_path()
print("fake bench ran with", sys.argv[1:])
write_json(path, tables=[table("fake", ["", "ratio"], [["x", 0.5]])],
           headline=[headline("x / baseline", 0.5, "<= 1")], figures={{"x": 1}})
"""


def fake_bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> run_all.Bench:
    """A bench script in a temporary bench directory."""
    (tmp_path / "bench_fake.py").write_text(body.format(root=str(run_all.ROOT)))
    monkeypatch.setattr(run_all, "BENCH_DIR", tmp_path)
    return run_all.Bench("fake", "bench_fake.py", ("full",), ("small",), "A fake bench.")


def test_take_json_path_removes_the_option() -> None:
    """--json PATH comes off argv; the rest stays for the bench's own arguments."""
    argv = ["bench.py", "1000", "--json", "/tmp/x.json", "--repeat", "2"]
    assert take_json_path(argv) == Path("/tmp/x.json")
    assert argv == ["bench.py", "1000", "--repeat", "2"]
    assert take_json_path(["bench.py"]) is None


def test_run_one_gathers_the_figures_and_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script runs in its own process with --json; its output is shown and kept."""
    bench = fake_bench(tmp_path, monkeypatch, FAKE_BENCH)
    run = run_all.run_one(bench, run_all.SQLITE, quick=True, work=tmp_path)
    assert run.status == "ok"
    assert "fake bench ran with ['small']" in run.output
    assert "fake bench ran with ['small']" in capsys.readouterr().out
    assert run.figures["headline"] == [{"name": "x / baseline", "ratio": 0.5, "target": "<= 1"}]


def test_a_missing_or_failing_bench_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing script is skipped with a word; a failing one is recorded with its exit code."""
    monkeypatch.setattr(run_all, "BENCH_DIR", tmp_path)
    missing = run_all.Bench("gone", "bench_gone.py", (), (), "Not here.")
    assert run_all.run_one(missing, run_all.SQLITE, False, tmp_path).status == "missing"
    failing = fake_bench(tmp_path, monkeypatch, "import sys\nprint('boom')\nsys.exit(3)\n")
    run = run_all.run_one(failing, run_all.SQLITE, False, tmp_path)
    assert run.status == "failed (exit 3)"
    assert run.output == "boom\n"


def test_postgresql_only_when_asked_and_used() -> None:
    """SQLite always; PostgreSQL when BENCH_DATABASE_URL is set, for benches that use it."""
    both = run_all.Bench("b", "b.py", (), (), "")
    sqlite_only = run_all.Bench("s", "s.py", (), (), "", (run_all.SQLITE,))
    assert run_all.databases_for(both, postgresql=False) == ["SQLite"]
    assert run_all.databases_for(both, postgresql=True) == ["SQLite", "PostgreSQL"]
    assert run_all.databases_for(sqlite_only, postgresql=True) == ["SQLite"]


def test_only_refuses_unknown_names() -> None:
    """--only keeps the named benches in the given order; an unknown name stops the run."""
    assert [b.name for b in run_all.chosen("pdf,reports")] == ["pdf", "reports"]
    with pytest.raises(SystemExit, match="unknown bench nope"):
        run_all.chosen("pdf,nope")


def test_throughputs_own_json_becomes_tables_and_plot_figures() -> None:
    """bench_throughput's shape (rates, ratio) is turned into a table, headline and figures."""
    found = run_all.normalise(
        {"jobs": 100, "command": "--processes 2 --threads 8", "ratio": 0.25,
         "submit_ratio": 0.1, "rates": {
             "submit/send per second": {"bare": 1000.0, "tamam": 100.0},
             "jobs/s, first fetch->done": {"bare": 400.0, "tamam": 100.0}}}
    )  # fmt: skip
    assert found["tables"][0]["rows"][1] == ["jobs/s, first fetch->done", 400.0, 100.0, 0.25]
    assert found["figures"]["tamam_jobs_per_s"] == 100.0
    assert found["figures"]["bare_send_per_s"] == 1000.0
    assert [line["ratio"] for line in found["headline"]] == [0.25, 0.1]


def test_results_md_has_machine_headlines_tables_and_failures(tmp_path: Path) -> None:
    """One headline row per measure with a column per database; a failed run shows its output."""
    runs = [
        {"name": "fake", "script": "bench_fake.py", "about": "A fake bench.", "database": db,
         "status": "ok", "seconds": 3.0, "output": "", "figures": {
             "tables": [{"title": "t", "columns": ["", "rows/s"], "rows": [["ours", 12345.6]]}],
             "headline": [{"name": "x / baseline", "ratio": ratio, "target": "<= 1"}]}}
        for db, ratio in (("SQLite", 0.5), ("PostgreSQL", 0.75))
    ] + [{"name": "broken", "script": "bench_broken.py", "about": "Breaks.", "database": "SQLite",
          "status": "failed (exit 1)", "seconds": 1.0, "output": "Traceback: boom\n",
          "figures": {}}]  # fmt: skip
    text = results_md.render(
        runs, {"CPU": "Test CPU", "cores": "2"}, datetime(2026, 11, 24, tzinfo=UTC), 90.0,
        "bench/run_all.py", False, [tmp_path / "plots" / "page_time.png"], tmp_path,
    )  # fmt: skip
    assert "| CPU | Test CPU |" in text
    assert "| fake | x / baseline | 0.50x | 0.75x | <= 1 |" in text
    assert "| ours | 12,346 |" in text
    assert "![page_time](plots/page_time.png)" in text
    assert "### SQLite: failed (exit 1), 1 s" in text and "Traceback: boom" in text
    json.dumps(runs)  # what results.json holds is plain data
