"""`export all` → `import all`: a practitioner can leave with the export and come back without losing a record."""

import json
import sqlite3

import pytest

from conftest import TODAY, assert_refused, invoke, snapshot

REPORTS = [("report", "week"), ("report", "month"), ("report", "quarter"), ("report", "outcomes"),
           ("report", "referrals"), ("report", "caseload"), ("client", "list"), ("contact", "list"),
           ("supervise", "list"), ("supervise", "status"), ("cpd", "list"), ("cpd", "status"), ("remind",),
           ("session", "list", "--from", "2025-01-01", "--to", "2027-12-31")]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo caseload with one client erased (its stub must stay a stub)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    env = {"THERAPY_TODAY": TODAY, "TZ": "Europe/London"}
    assert invoke("demo", "--db", path, env=env).exit_code == 0
    erased = invoke("--db", path, "client", "erase", "2", "--yes", "--force", "--reason", "erasure request",
                    env=env)
    assert erased.exit_code == 0, erased.stderr
    return path


def _outputs(cli, path) -> dict:
    out = {}
    for args in REPORTS:
        result = cli("--db", path, *args, "--json")
        if result.exit_code == 2:   # a command another version of the file does not have
            continue
        assert result.exit_code == 0, (args, result.stderr)
        out[args] = result.stdout
    conn = sqlite3.connect(path)
    clients = [r[0] for r in conn.execute("SELECT id FROM clients ORDER BY id")]
    sessions = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY id")]
    conn.close()
    for cid in clients:
        for args in (("client", "show", cid), ("measure", "list", cid), ("measure", "progress", cid),
                     ("plan", "show", cid)):
            result = cli("--db", path, *args, "--json")
            out[args] = (result.exit_code, result.stdout, result.stderr)
    for sid in sessions[::7]:
        result = cli("--db", path, "session", "show", sid, "--json")
        out[("session", "show", sid)] = (result.exit_code, result.stdout)
    return out


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_all_then_import_all_gives_back_every_record(cli, demo_file, tmp_path, fmt):
    export = tmp_path / "export"
    result = cli("--db", demo_file, "export", "all", "--file-format", fmt, "--output", export)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((export / "manifest.json").read_text())
    assert manifest["tables"]["memberships"] > 0 and manifest["migrations"][0] == "m001_initial"

    moved = tmp_path / "moved.db"
    result = cli("--db", moved, "import", "all", export, "--json")
    assert result.exit_code == 0, result.stderr
    loaded = {item["table"]: item["rows"] for item in result.json()}
    assert loaded == manifest["tables"]

    assert _outputs(cli, moved) == _outputs(cli, demo_file)
    before, after = snapshot(demo_file), snapshot(moved)
    after.pop("_migrations"), before.pop("_migrations")
    for table in [t for t in before if t.startswith("notes_fts")]:   # the index's own pages: rebuilt, not copied
        before.pop(table), after.pop(table)
    audit = after.pop("audit")
    assert audit[:-1] == before.pop("audit")   # and one row saying the restore happened
    assert "restored from an export" in audit[-1][-1]
    assert after == before
    stub = cli("--db", moved, "client", "show", "2", "--json").json()
    assert stub["name"] == before["clients"][1][1] and stub.get("erased_on")
    assert cli("--db", moved, "db", "check").exit_code == 0


def test_import_all_refuses_a_file_that_holds_records(cli, jcli, db_path, demo_file, tmp_path):
    export = tmp_path / "export"
    assert cli("--db", demo_file, "export", "all", "--output", export).exit_code == 0
    jcli("client", "add", "Already Here")
    assert_refused(cli, db_path, "import", "all", export, match="restores into an empty file")


def test_import_all_refuses_what_it_cannot_restore(cli, db_path, demo_file, tmp_path):
    export = tmp_path / "export"
    assert cli("--db", demo_file, "export", "all", "--output", export).exit_code == 0
    assert_refused(cli, db_path, "import", "all", tmp_path / "nowhere", match="not a directory")
    (export / "invoices_of_the_future.csv").write_text("id\n1\n")
    assert_refused(cli, db_path, "import", "all", export, match="is not a table of this file")
    (export / "invoices_of_the_future.csv").unlink()
    # a session whose client is missing: the file would not hold together
    lines = (export / "clients.csv").read_text().splitlines()
    (export / "clients.csv").write_text("\n".join(lines[:-3]) + "\n")
    assert_refused(cli, db_path, "import", "all", export, match="clients.csv holds")
    # an export killed before it finished: no manifest (written last), perhaps a table half-written
    (export / "manifest.json").rename(tmp_path / "manifest.json")
    (export / ".therapy-tmp-4242-notes.csv").write_text("id,session_id\n1,1\n")
    assert_refused(cli, db_path, "import", "all", export, match="has no manifest.json: `therapy export all` writes it "
                                                                  "last, so this export did not finish")
    (tmp_path / "manifest.json").rename(export / "manifest.json")
    # whole tables missing (an incomplete copy): refused by name, not restored as empty
    (export / "cpd.csv").rename(tmp_path / "cpd.csv")
    (export / "audit.csv").rename(tmp_path / "audit.csv")
    result = assert_refused(cli, db_path, "import", "all", export, match="the directory is incomplete")
    assert "audit.csv (" in result.stderr and "cpd.csv (" in result.stderr
    assert "copy the whole directory" in result.stderr
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["migrations"].append("m999_from_the_future")
    (export / "manifest.json").write_text(json.dumps(manifest))
    assert_refused(cli, db_path, "import", "all", export, match="newer version")


def test_export_all_leaves_out_the_files_bookkeeping(cli, jcli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    out = tmp_path / "export"
    assert cli("export", "all", "--output", out).exit_code == 0
    names = {p.name for p in out.iterdir()}
    assert "manifest.json" in names and "_migrations.csv" not in names
    assert not any(n.startswith("sqlite_") for n in names)


def test_a_table_added_by_a_later_migration_travels_too(cli, jcli, db_path, tmp_path):
    """Generic over the schema: a new table (with a foreign key, an append-only trigger, no rowid) needs no code."""
    jcli("client", "add", "Alex Morgan")
    conn = sqlite3.connect(db_path)
    conn.executescript("""
        CREATE TABLE later_records (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
                                       level TEXT NOT NULL, note TEXT);
        CREATE TRIGGER later_records_no_update BEFORE UPDATE ON later_records
        BEGIN SELECT RAISE(ABORT, 'append-only'); END;
        CREATE TABLE tags (client_id INTEGER NOT NULL REFERENCES clients(id), tag TEXT NOT NULL,
                           PRIMARY KEY (client_id, tag)) WITHOUT ROWID;
        INSERT INTO later_records VALUES (1, 1, 'low', 'reviewed'), (2, 1, 'none', NULL);
        INSERT INTO tags VALUES (1, 'evening');
    """)
    conn.close()
    export = tmp_path / "export"
    assert cli("export", "all", "--output", export, "--file-format", "jsonl").exit_code == 0
    moved = tmp_path / "moved.db"
    conn = sqlite3.connect(moved)
    conn.close()
    assert cli("--db", moved, "db", "init").exit_code == 0
    conn = sqlite3.connect(moved)
    conn.executescript("""
        CREATE TABLE later_records (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
                                       level TEXT NOT NULL, note TEXT);
        CREATE TABLE tags (client_id INTEGER NOT NULL REFERENCES clients(id), tag TEXT NOT NULL,
                           PRIMARY KEY (client_id, tag)) WITHOUT ROWID;
    """)
    conn.close()
    result = cli("--db", moved, "import", "all", export, "--json")
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect(moved)
    assert conn.execute("SELECT * FROM later_records ORDER BY id").fetchall() == [
        (1, 1, "low", "reviewed"), (2, 1, "none", None)]
    assert conn.execute("SELECT * FROM tags").fetchall() == [(1, "evening")]
    conn.close()


def test_spreadsheet_guarded_csv_comes_back_exactly(cli, jcli, tmp_path):
    """`export all` CSV guards formula-like text for spreadsheets; `import all` takes exactly that guard off."""
    names = ['=HYPERLINK("http://evil.example/","x") Smith', "'Tis Jones", "''Quoted Twice", "+Plus Person"]
    for name in names:
        jcli("client", "add", name)
    export = tmp_path / "export"
    assert cli("export", "all", "--output", export).exit_code == 0
    text = (export / "clients.csv").read_text()
    assert "'=HYPERLINK" in text and "''Tis Jones" in text and "'+Plus" in text
    moved = tmp_path / "moved.db"
    assert cli("--db", moved, "import", "all", export).exit_code == 0, "import all refused"
    back = [c["name"] for c in jcli("--db", moved, "client", "list")]
    assert sorted(back) == sorted(names)


def test_a_voided_and_reissued_invoice_comes_back(cli, jcli, tmp_path):
    """A session on a void invoice and on the invoice that replaced it: the voids load before the lines, so
    the database's one-live-invoice rule sees the first invoice void, as it was when the second was issued."""
    jcli("config", "set", "fees.default", "80")
    jcli("client", "add", "Ann Bell")
    jcli("session", "add", "Ann", "--at", "2026-10-05 10:00")
    jcli("invoice", "create", "Ann", "--month", "2026-10")
    jcli("payment", "add", "INV-2026-0001", "20")
    jcli("invoice", "void", "INV-2026-0001", "--reason", "wrong fee")
    jcli("invoice", "create", "Ann", "--month", "2026-10")
    export, moved = tmp_path / "export", tmp_path / "moved.db"
    assert cli("export", "all", "--output", export).exit_code == 0
    result = cli("--db", moved, "import", "all", export)
    assert result.exit_code == 0, result.stderr
    for args in (("invoice", "list"), ("report", "income", "--from", "2026-10-01", "--to", "2026-11-30"), ("client", "show", "Ann")):
        assert cli("--db", moved, *args, "--json").stdout == cli(*args, "--json").stdout


@pytest.mark.parametrize("column, value, match", [
    ("instrument", "BDI-II", "unknown instrument"),
    ("taken_on", "2031-01-01", "in the future"),
    ("score", "2", "not the items' total"),
    ("severity", "severe", "severity, caseness or risk"),
])
def test_import_all_checks_questionnaires_as_measure_add_does(cli, jcli, tmp_path, column, value, match):
    """An export edited by hand cannot restore a questionnaire `measure add` would refuse; nothing is restored."""
    import csv

    jcli("client", "add", "Ann One")
    jcli("measure", "add", "Ann", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-01")
    export = tmp_path / "export"
    assert cli("export", "all", "--output", export).exit_code == 0
    path = export / "measures.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[0][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    moved = tmp_path / "moved.db"
    result = cli("--db", moved, "import", "all", export)
    assert result.exit_code == 1 and result.stderr.startswith("Error: measures.csv: measure #1: ")
    assert match in result.stderr
    assert cli("--db", moved, "client", "list", "--json").json() == []


def test_import_all_into_a_file_whose_settings_were_changed_says_what_to_do(cli, jcli, tmp_path):
    jcli("client", "add", "Pat Example")
    export, new = tmp_path / "export", tmp_path / "new.db"
    assert cli("export", "all", "--output", export).exit_code == 0
    assert cli("--db", new, "db", "init").exit_code == 0
    assert cli("--db", new, "import", "all", export).exit_code == 0       # db init alone: still empty
    other = tmp_path / "other.db"
    assert cli("--db", other, "config", "set", "timezone", "Europe/London").exit_code == 0
    result = cli("--db", other, "import", "all", export)
    assert result.exit_code == 1 and "already has settings changed" in result.stderr
    assert "restore into a file never used" in result.stderr


def test_a_restored_file_keeps_its_calendar_event_ids(cli, jcli, tmp_path):
    """After export all / import all every event had a new UID: importing the next calendar export added a
    second copy of each session, and moves and cancellations no longer updated the first."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    assert cli("--db", old, "client", "add", "Alex Morgan").exit_code == 0
    assert cli("--db", old, "session", "add", "alex", "--at", "2026-12-02 10:00").exit_code == 0
    import sqlite3

    conn = sqlite3.connect(old)     # a file made long ago, not in the same second as its restored copy
    conn.execute("UPDATE _migrations SET applied_at = '2021-03-04T05:06:07+00:00' WHERE name = 'm001_initial'")
    conn.commit()
    conn.close()
    assert cli("--db", old, "export", "all", "--output", tmp_path / "out").exit_code == 0
    assert cli("--db", new, "import", "all", tmp_path / "out").exit_code == 0

    def uids(path) -> list[str]:
        text = cli("--db", path, "session", "export", "--ics", "-", "--from", "2026-12-01").stdout
        return [line for line in text.splitlines() if line.startswith("UID:")]

    assert uids(old) and uids(new) == uids(old)
