"""Cron and an interactive shell writing at once: every write lands, nobody sees `database is locked`.

The writers are separate OS processes contending for the real file lock. Each
runs hundreds of `therapy` commands through the CLI in-process (a fresh
connection, BEGIN IMMEDIATE, commit and close per command, exactly as the
installed script does, without paying 150 ms of interpreter start-up each
time); a third process runs the installed `therapy` script itself.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

WRITES_EACH = 200

WRITER = textwrap.dedent("""
    import json, sys
    import typer
    from click.testing import CliRunner
    from therapy_cli.cli import app

    db, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    command = typer.main.get_command(app)   # built once: the CLI as the script runs it
    runner = CliRunner()
    failures = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            args = ["client", "add", f"{name} client {i}", "--referral-source", "GP"]
        elif kind == 1:
            args = ["contact", "add", f"{name} contact {i}", "--role", "GP"]
        elif kind == 2:
            args = ["client", "add", f"{name} client {i}", "--dob", "1980-01-01"]
        else:
            args = ["config", "set", "session.duration", str(30 + i % 20)]
        result = runner.invoke(command, ["--db", db, *args, "--json"])
        if result.exit_code != 0 or result.exception and not isinstance(result.exception, SystemExit):
            failures.append({"args": args, "code": result.exit_code, "stderr": result.stderr,
                             "exception": repr(result.exception)})
    print(json.dumps(failures))
""")

READER = textwrap.dedent("""
    import json, sys, time
    import typer
    from click.testing import CliRunner
    from therapy_cli.cli import app
    from therapy_cli.commands._common import STATE, database

    db, seconds = sys.argv[1], float(sys.argv[2])
    command = typer.main.get_command(app)
    runner = CliRunner()
    problems, reads, last = [], 0, -1
    end = time.time() + seconds
    while time.time() < end:
        result = runner.invoke(command, ["--db", db, "client", "list", "--json"])
        if result.exit_code == 0:
            n = len(json.loads(result.stdout))
            if n < last:
                problems.append(f"client count went back from {last} to {n}")
            last = n
        else:
            lines = result.stderr.strip().splitlines()
            if result.exit_code != 1 or len(lines) != 1 or not lines[0].startswith("Error:"):
                problems.append(f"unclear failure {result.exit_code}: {result.stderr!r}")
        # the tool's own read path: one snapshot in which every client has its audit row
        STATE.db, STATE.today = db, None
        with database() as d:
            clients = d.scalar("SELECT count(*) FROM clients")
            audited = d.scalar("SELECT count(*) FROM audit WHERE record_type = 'client' AND action = 'add'")
            if clients != audited:
                problems.append(f"{clients} clients but {audited} audit rows in one snapshot")
        reads += 1
    print(json.dumps({"problems": problems, "reads": reads}))
""")


def _therapy_script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy") or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _spawn(code: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_writers_and_a_reader_at_once(tmp_path):
    db = tmp_path / "shared.db"
    script = _therapy_script()
    subprocess.run([*script, "--db", str(db), "db", "init"], check=True, capture_output=True)

    started = time.time()
    writers = [_spawn(WRITER, db, name, WRITES_EACH) for name in ("cron", "shell")]
    reader = _spawn(READER, db, 8)
    # the installed script itself, in a loop, at the same time
    script_failures = []
    for i in range(20):
        result = subprocess.run([*script, "--db", str(db), "client", "add", f"script client {i}", "--json"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            script_failures.append(result.stderr)
    outputs = [w.communicate(timeout=300) for w in writers]
    reader_out, reader_err = reader.communicate(timeout=300)
    elapsed = time.time() - started

    for proc, (out, err) in zip(writers, outputs):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert json.loads(out) == [], out[:2000]
    assert script_failures == []
    assert reader.returncode == 0, reader_err
    report = json.loads(reader_out)
    assert report["problems"] == [] and report["reads"] > 0
    for text in [err for _, err in outputs] + [reader_err]:
        assert "locked" not in text and "busy" not in text

    conn = sqlite3.connect(db)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM clients")}
        contacts = {r[0] for r in conn.execute("SELECT name FROM contacts")}
        for name in ("cron", "shell"):
            for i in range(WRITES_EACH):
                kind = i % 4
                if kind in (0, 2):
                    assert f"{name} client {i}" in names
                elif kind == 1:
                    assert f"{name} contact {i}" in contacts
        assert {f"script client {i}" for i in range(20)} <= names
        # every change audited: one audit row per successful write
        total = 2 * WRITES_EACH + 20
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == total
    finally:
        conn.close()
    check = subprocess.run([*script, "--db", str(db), "db", "check", "--json"], capture_output=True, text=True)
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] is True
    assert elapsed < 120


@pytest.mark.slow
def test_many_processes_creating_the_file_at_once(tmp_path):
    """The very first run from cron and a shell together: one creates and migrates, none fails."""
    db = tmp_path / "new" / "fresh.db"
    script = _therapy_script()
    procs = [subprocess.Popen([*script, "--db", str(db), "client", "add", f"first {i}", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(6)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert results == [(0, "")] * 6
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 6
    assert conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] >= 1
    conn.close()
    assert oct(os.stat(db).st_mode & 0o777) == "0o600"


def test_a_writer_held_past_the_busy_timeout_gets_one_clear_error(cli, db_path, monkeypatch):
    """When the lock never comes, the user sees one `Error:` line, not `database is locked`."""
    from therapy_cli.storage import db as dbmod

    cli("db", "init")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = cli("client", "add", "Waiting Person")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "busy" in lines[0], result.stderr
    assert "database is locked" not in result.stderr


@pytest.mark.slow
def test_a_reader_during_a_bulk_import_and_a_demo_sees_before_or_after(tmp_path):
    """Long writes (a 3,000-row import, the demo rebuilding the file) never show a reader half of it."""
    db = tmp_path / "bulk.db"
    script = _therapy_script()
    env = {**os.environ, "THERAPY_TODAY": "2026-11-27"}
    subprocess.run([*script, "--db", str(db), "client", "add", "Bulk Person"], check=True, capture_output=True,
                   env=env)
    rows = ["client,starts_at,duration_min,status,note"]
    rows += [f"Bulk Person,{2010 + i // 300}-{1 + (i % 300) // 25:02d}-{1 + i % 25:02d} 10:00,50,attended,"
             f"note {i}" for i in range(3000)]
    csv = tmp_path / "bulk.csv"
    csv.write_text("\n".join(rows) + "\n")
    importer = subprocess.Popen([*script, "--db", str(db), "import", "sessions", str(csv)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen = set()
    while importer.poll() is None:
        result = subprocess.run([*script, "--db", str(db), "db", "audit", "--json"], capture_output=True,
                                text=True, env=env)
        if result.returncode == 0:
            conn = sqlite3.connect(db)
            seen.add(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
            conn.close()
        else:
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    out, err = importer.communicate()
    assert importer.returncode == 0, err
    result = subprocess.run([*script, "--db", str(db), "session", "list", "--client", "Bulk Person", "--json"],
                            capture_output=True, text=True, env=env)
    assert len(json.loads(result.stdout)) == 3000
    assert seen <= {0, 3000}

    # the demo rebuilding the same file, while reports are read from it
    demo = subprocess.Popen([*script, "--db", str(db), "demo", "--yes", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    answers = 0
    while demo.poll() is None:
        result = subprocess.run([*script, "--db", str(db), "report", "week", "--json"], capture_output=True,
                                text=True, env=env)
        if result.returncode == 0:
            json.loads(result.stdout)
            answers += 1
        else:
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    out, err = demo.communicate()
    assert demo.returncode == 0, err
    check = subprocess.run([*script, "--db", str(db), "db", "check"], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stderr


def test_switching_to_wal_waits_for_a_writer_instead_of_failing(tmp_path):
    """SQLite refuses the switch to WAL at once ("database is locked", no busy wait) while another
    connection holds a write lock: two first runs switching a new file together met that (one in ~300
    process starts failed with "busy"). use_wal tries again within the busy timeout."""
    import threading

    from therapy_cli.storage.db import use_wal

    path = tmp_path / "rollback.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    switcher = sqlite3.connect(path, isolation_level=None)
    switcher.execute("PRAGMA busy_timeout = 30000")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):      # what SQLite itself answers
        switcher.execute("PRAGMA journal_mode = WAL")
    done = threading.Timer(0.3, lambda: writer.execute("COMMIT"))
    started = time.monotonic()
    done.start()
    try:
        use_wal(switcher, path)
    finally:
        done.join()
    assert time.monotonic() - started >= 0.25
    assert switcher.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert switcher.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    switcher.close()
    writer.close()
