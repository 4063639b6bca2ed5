"""Every file the tool writes is readable by its owner alone (0600), whatever the user's umask.

The commands run as real processes with a permissive umask (022), so a file
that is private here is private because the tool made it so.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def _script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy") or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def run(tmp_path):
    db = tmp_path / "data" / "deeper" / "caseload.db"
    env = {**os.environ, "THERAPY_TODAY": "2026-11-27", "THERAPY_DB": str(db)}
    env.pop("THERAPY_KEY_COMMAND", None)

    def go(*args, check=True):
        result = subprocess.run([*_script(), *map(str, args)], capture_output=True, text=True, env=env,
                                cwd=tmp_path, preexec_fn=lambda: os.umask(0o022))
        if check:
            assert result.returncode == 0, (args, result.stderr)
        return result

    go.db = db
    return go


def _caseload(run):
    run("config", "set", "timezone", "Europe/London")
    run("client", "add", "Private Person", "--dob", "1980-01-01", "--referred-on", "2026-10-01")
    run("session", "add", "Private Person", "--at", "2026-11-02 10:00", "--note", "private words")
    run("session", "add", "Private Person", "--at", "2026-12-02 10:00")


def test_database_directory_wal_and_shm_are_private(run, tmp_path):
    _caseload(run)
    db = run.db
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700
    # keep a connection open so the -wal and -shm outlive the next command
    holder = sqlite3.connect(db)
    holder.execute("SELECT count(*) FROM clients").fetchone()
    try:
        run("client", "add", "Another Person")
        for suffix in ("-wal", "-shm"):
            assert os.path.exists(f"{db}{suffix}"), suffix
            assert _mode(f"{db}{suffix}") == 0o600, suffix
    finally:
        holder.close()


def test_a_database_made_readable_by_others_is_made_private_again(run):
    _caseload(run)
    os.chmod(run.db, 0o644)
    run("client", "list")
    assert _mode(run.db) == 0o600


def test_a_database_made_read_only_stays_read_only(run):
    """An archived caseload its owner made read-only (0444) was made 0600 by the next `client list`: writable
    again without a word. Others lose read access; the owner's write is not given back."""
    _caseload(run)
    os.chmod(run.db, 0o444)
    run("client", "list")
    assert _mode(run.db) == 0o400
    os.chmod(run.db, 0o644)
    run("client", "list")
    assert _mode(run.db) == 0o600


def test_backups_are_private_even_over_an_existing_readable_file(run, tmp_path):
    _caseload(run)
    dest = tmp_path / "backup.db"
    dest.write_text("old")
    os.chmod(dest, 0o644)
    run("db", "backup", dest, "--yes")
    assert _mode(dest) == 0o600
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    run("db", "backup", folder)
    made = list(folder.iterdir())
    assert len(made) == 1 and _mode(made[0]) == 0o600
    # restoring keeps the database private too
    run("db", "restore", dest, "--yes")
    assert _mode(run.db) == 0o600


def test_exports_calendars_and_reports_are_private(run, tmp_path):
    _caseload(run)
    targets = {
        "sar.json": ("client", "export", "Private Person", "--yes", "--output"),
        "cal.ics": ("session", "export", "--from", "2026-11-01", "--ics"),
        "report.md": ("report", "client", "Private Person", "--yes", "--output"),
        "report.html": ("report", "client", "Private Person", "--yes", "--output"),
        "sessions.csv": ("export", "sessions", "--yes", "--output"),
        "notes.jsonl": ("export", "notes", "--file-format", "jsonl", "--yes", "--output"),
    }
    for name, args in targets.items():
        path = tmp_path / name
        path.write_text("old")
        os.chmod(path, 0o644)
        run(*args, path)
        assert path.read_text() != "old", name
        assert _mode(path) == 0o600, name
    folder = tmp_path / "everything"
    run("export", "all", "--output", folder)
    files = [p for p in Path(folder).rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert _mode(path) == 0o600, path
    assert _mode(folder) & 0o077 == 0


def test_no_stray_files_are_left_beside_the_database(run, tmp_path):
    _caseload(run)
    run("db", "backup", tmp_path / "b.db")
    run("client", "export", "Private Person", "--output", tmp_path / "sar.json")
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".") and p.is_file()]
    assert leftovers == []
