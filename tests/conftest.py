"""Every test gets its own caseload file; nothing touches the user's data."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date

import pytest
from typer.testing import CliRunner

from therapy_cli.cli import lazy_root
from therapy_cli.storage.db import open_database

TODAY = "2026-11-27"  # a Friday


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Point THERAPY_DB at tmp_path and pin today, so no test reads the user's data or clock."""
    monkeypatch.setenv("THERAPY_DB", str(tmp_path / "caseload.db"))
    monkeypatch.setenv("THERAPY_TODAY", TODAY)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("THERAPY_DEBUG", raising=False)
    monkeypatch.setenv("TZ", "Europe/London")
    return tmp_path


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "caseload.db"


@pytest.fixture
def db(db_path):
    """A migrated database for domain tests, in Europe/London, today pinned."""
    database = open_database(db_path, today=date.fromisoformat(TODAY))
    database.execute("INSERT INTO settings (key, value) VALUES ('timezone', 'Europe/London')")
    yield database
    database.close()


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str):
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)


_ROOT = None


def entry_point():
    """The click group the console script runs (`therapy_cli.cli:main` → `lazy_root()`), built once per run:
    its commands are converted on first use and kept, as in one process of the real program."""
    global _ROOT
    if _ROOT is None:
        _ROOT = lazy_root()
    return _ROOT


def invoke(*args, input=None, env=None) -> Result:
    """Run `therapy ARGS` in-process through the console entry point; stdin, stdout and stderr captured."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        code = 0
        try:
            entry_point().main(args=[str(a) for a in args], prog_name="therapy")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, (int, type(None))):
                sys.stdout.write(f"{exc.code}\n")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue(), err.getvalue()
    return Result(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))


@pytest.fixture
def cli():
    """Run the CLI in-process: cli('client', 'add', 'X') → Result(exit_code, stdout, stderr)."""
    return invoke


@pytest.fixture
def jcli(cli):
    """Run a command with --json and return the parsed output (asserting exit 0)."""
    def run(*args):
        result = cli(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return result.json()

    return run


def snapshot(path) -> dict:
    """Every row of every table: compare before and after a refused command."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: _rows(conn, t) for t in tables}
    finally:
        conn.close()


def _rows(conn, table: str) -> list:
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # WITHOUT ROWID (the note search index's shadow tables)
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def assert_refused(cli, db_path, *args, code=1, match=None):
    """The command fails with one `Error:` line (or a usage error) and changes nothing."""
    cli("db", "init")
    before = snapshot(db_path)
    result = cli(*args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    if code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        if match:
            assert match.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in result.stderr
    assert snapshot(db_path) == before
    return result
