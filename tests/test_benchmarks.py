"""The benchmark harness cannot rot: a tiny generate + run, and the lazy start-up path it measures."""

import importlib
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench(tmp_path, monkeypatch):
    monkeypatch.setenv("THERAPY_BENCH_DATA", str(tmp_path / "data"))
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    for name in ("generate", "run"):
        sys.modules.pop(name, None)
    generate = importlib.import_module("generate")
    run = importlib.import_module("run")
    return generate, run


def test_generator_is_seeded_and_goes_through_import(bench, tmp_path):
    generate, _ = bench
    first = generate.write_csvs(tmp_path / "a", 50, 1000, 200)
    generate.write_csvs(tmp_path / "b", 50, 1000, 200)
    for name in ("clients.csv", "sessions.csv", "measures.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first == {"clients": 50, "sessions": 1000, "measures": 200}
    assert sum(1 for _ in open(tmp_path / "a" / "sessions.csv")) == 1001
    assert sum(1 for _ in open(tmp_path / "a" / "measures.csv")) == 201
    out = generate.build("tiny", quiet=True)
    import sqlite3

    conn = sqlite3.connect(out / "service.db")
    counts = conn.execute("SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM sessions), "
                          "(SELECT count(*) FROM measures)").fetchone()
    # written by `therapy import`: its audit rows are there, clients with attended sessions are active
    imports = conn.execute("SELECT count(*) FROM audit WHERE action = 'import' AND client_id IS NULL").fetchone()[0]
    waiting_with_attended = conn.execute(
        "SELECT count(*) FROM clients c WHERE status = 'waiting' AND EXISTS "
        "(SELECT 1 FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended')").fetchone()[0]
    conn.close()
    assert counts == (200, 5000, 1000)
    assert imports == 3 and waiting_with_attended == 0
    # a second build reuses the data
    stamp = (out / "service.db").stat().st_mtime_ns
    generate.build("tiny", quiet=True)
    assert (out / "service.db").stat().st_mtime_ns == stamp


def test_generator_writes_an_indexed_note_on_every_attended_session(bench):
    generate, _ = bench
    path = generate.build_notes("tiny", quiet=True)
    import sqlite3

    conn = sqlite3.connect(path)
    attended, notes, indexed, rare = conn.execute(
        "SELECT (SELECT count(*) FROM sessions WHERE status = 'attended'), (SELECT count(*) FROM notes), "
        "(SELECT count(*) FROM notes_fts), (SELECT count(*) FROM notes_fts WHERE notes_fts MATCH ?)",
        (generate.RARE_WORD,)).fetchone()
    conn.close()
    assert attended == notes == indexed > 1000
    assert rare == generate.RARE_NOTES
    assert generate.build_notes("tiny", quiet=True) == path  # reused


def test_runner_measures_every_target_row_and_writes_the_table(bench, tmp_path, capsys):
    _, run = bench
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nProse kept by hand.\n\n{run.BEGIN}\nold table\n{run.END}\n\nMore prose.\n")
    rows = run.run("tiny", runs=1, import_runs=1, output=doc)
    operations = [row.operation for row in rows]
    assert operations[0] == "`therapy --help` (editable install)" and "remind" in operations[1]
    assert operations[2] == "`therapy --help` (`pip install .`)" and "remind" in operations[3]
    for name in ("`report week` (tiny file)", "`report outcomes` (tiny file)", "`report caseload` (tiny file)",
                 "`client show` (tiny file)", "import of 5,000 sessions", "peak memory of `report month` (tiny file)"):
        assert name in operations, name
    assert any("note search" in op for op in operations)
    assert "lighthouse" in rows[[i for i, op in enumerate(operations) if "note search" in op][0]].note
    assert any(op.startswith("`practice report week` (10 x 5,000") for op in operations)
    assert "`therapy remind` (tiny file)" in operations and "peak memory of `remind` (tiny file)" in operations
    assert "`invoice create` (tiny file)" in operations and "`report income` (tiny file)" in operations
    assert "`config set timezone` (tiny file)" in operations
    for row in rows:
        assert row.therapy_ms is not None, row.note
        assert row.therapy_ms > 0
    assert all(row.ratio is not None for row in rows if row.unit == "ms")
    text = doc.read_text()
    assert "Prose kept by hand." in text and "More prose." in text and "old table" not in text
    table = text.split(run.BEGIN)[1].split(run.END)[0]
    table_lines = [line for line in table.splitlines() if line.startswith("| ")][2:]   # after header and rule
    assert len(table_lines) == len(rows)
    assert all(re.search(r"\d+\.\d\dx|MiB", line) for line in table_lines)


def _therapy(*args, eager=False):
    """The console script's path (lazy root), or the full Typer tree (eager), in a fresh process."""
    import subprocess

    code = ("from therapy_cli.cli import app; app(prog_name='therapy')" if eager
            else "from therapy_cli.cli import main; main()")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"})


def test_lazy_root_shows_the_same_help_and_runs_commands(tmp_path):
    for args in (["--help"], ["client", "--help"], ["import", "sessions", "--help"], ["export", "--help"],
                 ["plan", "goal", "--help"], ["plan", "goal"], ["clint"], ["client", "shw"]):
        lazy, eager = _therapy(*args), _therapy(*args, eager=True)
        assert (lazy.returncode, lazy.stdout, lazy.stderr) == (eager.returncode, eager.stdout, eager.stderr), args
    assert "Did you mean 'show'?" in _therapy("client", "shw").stderr
    assert "import     Import clients, sessions or measures" in _therapy("--help").stdout
    db = tmp_path / "lazy.db"
    result = _therapy("--db", db, "client", "add", "Alex Morgan", "--json")
    assert result.returncode == 0 and '"name": "Alex Morgan"' in result.stdout
    result = _therapy("--db", db, "client", "show", "nobody")
    assert result.returncode == 1 and result.stderr.startswith("Error: no client matches")
    assert _therapy("--db", db, "nonsense").returncode == 2


def test_startup_imports_stay_lean():
    """`therapy --help` must not load Rich, sqlite-utils, dateutil or icalendar."""
    import subprocess

    code = ("import sys; sys.argv = ['therapy', '--help']\n"
            "from therapy_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('rich', 'sqlite_utils', 'dateutil', 'icalendar', 'pydantic') if m in sys.modules]\n"
            "print('HEAVY', heavy, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert "HEAVY []" in result.stderr, result.stderr
