"""The caseload file: location, permissions, migrations, refusal of foreign files, audit, backup."""

import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_refused, snapshot
from therapy_cli.storage import migrations
from therapy_cli.storage.db import open_database, resolve_path
from therapy_cli.errors import DatabaseError


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_path_resolution_order(monkeypatch, tmp_path, cli):
    monkeypatch.setenv("THERAPY_DB", str(tmp_path / "env.db"))
    assert resolve_path("/x/flag.db").as_posix() == "/x/flag.db"
    assert resolve_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("THERAPY_DB")
    assert resolve_path(None) == tmp_path / "xdg" / "therapy" / "caseload.db"
    assert cli("db", "path").stdout.strip() == str(tmp_path / "xdg" / "therapy" / "caseload.db")
    assert cli("--db", tmp_path / "flag.db", "db", "path").stdout.strip() == str(tmp_path / "flag.db")


def test_db_path_takes_the_output_options_and_creates_nothing(tmp_path, jcli, cli):
    assert jcli("--db", tmp_path / "p.db", "db", "path") == {"path": str(tmp_path / "p.db")}
    assert cli("--db", tmp_path / "p.db", "db", "path", "--csv").stdout.splitlines() == ["path", str(tmp_path / "p.db")]
    assert not (tmp_path / "p.db").exists()


def test_new_file_and_directories_are_private(tmp_path, cli):
    target = tmp_path / "deep" / "er" / "caseload.db"
    assert cli("--db", target, "client", "add", "Alex").exit_code == 0
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o700
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{target}{suffix}"):
            assert mode(f"{target}{suffix}") == 0o600


def test_pragmas_wal_and_foreign_keys(db):
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA foreign_keys") == 1
    assert db.scalar("PRAGMA busy_timeout") >= 5000


def test_blank_database_migrates_to_the_documented_schema(db):
    names = [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY rowid")]
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    tables = set(db.tables())
    for table in ("clients", "contacts", "memberships", "sessions", "notes", "plans", "goals", "measures",
                  "supervision", "cpd", "settings", "audit", "referrals_out"):
        assert table in tables


def test_migrating_twice_is_a_no_op(db_path):
    first = open_database(db_path)
    schema = first.query("SELECT sql FROM sqlite_master ORDER BY name")
    first.close()
    second = open_database(db_path)
    assert migrations.migrate(second) == []
    assert second.query("SELECT sql FROM sqlite_master ORDER BY name") == schema
    second.close()


def test_newer_schema_is_refused(db_path, cli):
    db = open_database(db_path)
    db.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_from_the_future', 'now')")
    db.close()
    before = db_path.read_bytes()
    result = cli("client", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "newer version" in result.stderr
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("content", [b"hello, I am a shopping list\n", b"\x00" * 200, b"SQLite format 2\x00" + b"x" * 100])
def test_a_file_that_is_not_sqlite_is_left_byte_for_byte(tmp_path, cli, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    os.chmod(path, 0o644)
    result = cli("--db", path, "client", "list")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "not a SQLite database" in result.stderr
    assert path.read_bytes() == content
    assert mode(path) == 0o644
    assert not os.path.exists(f"{path}-wal")


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path, cli):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = cli("--db", path, "client", "list")
    assert result.exit_code == 1 and "not a therapy caseload" in result.stderr
    assert path.read_bytes() == before


def test_a_path_that_cannot_be_created(tmp_path, cli):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("--db", blocker / "sub" / "caseload.db", "client", "list")
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot create")
    assert "Traceback" not in result.stderr


def test_a_directory_is_not_a_database(tmp_path, cli):
    result = cli("--db", tmp_path, "client", "list")
    assert result.exit_code == 1 and "directory" in result.stderr


def test_every_change_is_audited_without_names(jcli, db_path):
    jcli("client", "add", "Alexandra Canary")
    jcli("client", "edit", "1", "--phone", "0123")
    jcli("contact", "add", "Dr Shah")
    jcli("config", "set", "session.duration", "45")
    rows = jcli("db", "audit")
    assert [(r["action"], r["record_type"]) for r in rows] == [
        ("add", "client"), ("edit", "client"), ("add", "contact"), ("set", "setting")]
    assert all(r["at"].endswith("+00:00") for r in rows)
    assert "Canary" not in str(rows)
    assert [r["action"] for r in jcli("db", "audit", "--client", "1")] == ["add", "edit"]
    assert jcli("db", "audit", "--since", "2999-01-01") == []


def test_audit_is_append_only_in_the_database(db):
    db.audit("add", "client", 1, "x", 1)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET summary = 'forged'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")


def test_a_failed_command_changes_nothing(cli, db_path):
    cli("client", "add", "Alex Morgan")
    assert_refused(cli, db_path, "client", "add", "Sam", "--member", "Alex", match="individual client has no members")
    assert_refused(cli, db_path, "client", "add", "Couple", "--kind", "couple", "--member", "Alex", "--member", "nobody")


def test_check_clean_and_failing(cli, db_path, jcli):
    jcli("client", "add", "Alex")
    assert jcli("db", "check")["ok"] is True
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO memberships (unit_id, member_id) VALUES (1, 99)")
    conn.commit()
    conn.close()
    result = cli("db", "check", "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the database failed its check")


def test_backup_of_a_file_with_foreign_key_problems_says_so(cli, jcli, db_path, tmp_path):
    jcli("client", "add", "Alex")
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO memberships (unit_id, member_id) VALUES (1, 99)")
    conn.commit()
    conn.close()
    result = assert_refused(cli, db_path, "db", "backup", tmp_path / "b.db", match="1 foreign-key problem")
    assert "db check" in result.stderr and not (tmp_path / "b.db").exists()


def _zero_page_of(db_path, table):
    """Damage the file as a failing disk does: the first page of TABLE's b-tree overwritten with zeros."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    with open(db_path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\0" * size)


def test_a_damaged_file_fails_check_and_backup_with_what_to_do(cli, jcli, db_path, tmp_path):
    """SQLite stops PRAGMA integrity_check with `database disk image is malformed`: that is the finding,
    not an internal error."""
    jcli("client", "add", "Alex Morgan")
    _zero_page_of(db_path, "audit")
    before = db_path.read_bytes()
    result = cli("db", "check", "--json")
    assert result.exit_code == 1 and result.json()["ok"] is False
    assert result.json()["integrity"] == ["database disk image is malformed"]
    assert result.stderr == (f"Error: {db_path} failed its integrity check (database disk image is malformed): the "
                             "file is damaged; restore your latest backup with `therapy db restore BACKUP` (it keeps "
                             "this file beside it)\n")
    result = cli("db", "backup", tmp_path / "b.db")
    assert result.exit_code == 1 and not (tmp_path / "b.db").exists()
    assert result.stderr == ("Error: the database is damaged: its copy failed the integrity check (database disk "
                             "image is malformed); no backup was made; run `therapy db check`\n")
    assert db_path.read_bytes() == before


def test_any_command_on_a_damaged_file_says_the_file_is_damaged_not_an_internal_error(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    _zero_page_of(db_path, "clients")
    before = db_path.read_bytes()
    for args in (["client", "list"], ["client", "add", "Sam Morgan"]):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr == ("Error: the database file is damaged or unreadable (database disk image is "
                                 "malformed); the command stopped and nothing was changed: 'therapy db check' says "
                                 "more, 'therapy db restore BACKUP' restores your latest backup\n"), args
    assert db_path.read_bytes() == before


def test_check_without_a_database(cli, tmp_path):
    result = cli("--db", tmp_path / "missing.db", "db", "check")
    assert result.exit_code == 1 and "no database" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_backup_is_consistent_private_and_restorable(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    dest = tmp_path / "backup.db"
    result = jcli("db", "backup", dest)
    assert result["ok"] and mode(dest) == 0o600
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT name FROM clients").fetchall() == [("Alex Morgan",)]
    copy.close()
    jcli("client", "add", "Sam Later")
    restored = jcli("db", "restore", dest, "--yes")
    assert restored["ok"]
    assert [c["name"] for c in jcli("client", "list")] == ["Alex Morgan"]
    assert mode(db_path) == 0o600
    # the file replaced is kept beside it, private, with the client added after the backup
    kept = Path(restored["previous_kept_as"])
    assert kept.parent == db_path.parent and kept.name.startswith(f"{db_path.stem}-before-restore-")
    assert mode(kept) == 0o600
    assert [c["name"] for c in jcli("--db", kept, "client", "list")] == ["Alex Morgan", "Sam Later"]
    checked = jcli("db", "check")                       # listed as a reminder, not a finding
    assert checked["ok"] is True and checked["restore_copies"] == [kept.name]


def test_a_restore_that_brings_an_erased_client_back_says_so(cli, jcli, tmp_path):
    """A backup made before `client erase` holds the client in full: restoring it brought the records of
    someone who asked to be erased back without a word."""
    gone = jcli("client", "add", "Erin Gone", "--referred-on", "2026-01-05")["id"]
    kept = jcli("client", "add", "Stay Here")["id"]
    jcli("client", "discharge", str(gone), "--on", "2026-02-01")
    jcli("db", "backup", tmp_path / "before.db")
    jcli("client", "erase", str(gone), "--yes", "--force", "--reason", "erasure request")
    jcli("db", "backup", tmp_path / "after.db")
    result = cli("db", "restore", tmp_path / "before.db", "--yes", "--json")
    assert result.exit_code == 0 and result.json()["erasures_undone"] == [gone]
    assert f"predates the erasure of client #{gone}" in result.stderr and "Erin" not in result.stderr
    erased_again = cli("db", "restore", tmp_path / "after.db", "--yes", "--json")
    assert erased_again.json()["erasures_undone"] == [] and "predates" not in erased_again.stderr
    assert kept not in erased_again.json()["erasures_undone"]


def test_restoring_the_wrong_backup_is_undone_by_restoring_the_kept_file(cli, jcli, tmp_path, db_path):
    """8 pm: last month's backup restored instead of last night's. What the WAL held is in the kept file too."""
    jcli("client", "add", "Ann Early")
    jcli("db", "backup", tmp_path / "old.db")
    jcli("client", "add", "Bob Today")
    holder = sqlite3.connect(db_path)      # another reader keeps the WAL from being folded in at close
    holder.execute("SELECT count(*) FROM clients").fetchone()
    jcli("session", "add", "bob", "--at", "2026-11-27 09:00")
    assert Path(f"{db_path}-wal").stat().st_size > 0
    holder.close()
    first = jcli("db", "restore", tmp_path / "old.db", "--yes")
    assert [c["name"] for c in jcli("client", "list")] == ["Ann Early"]
    undo = jcli("db", "restore", first["previous_kept_as"], "--yes")
    assert [c["name"] for c in jcli("client", "list")] == ["Ann Early", "Bob Today"]
    assert len(jcli("session", "list", "--client", "bob", "--from", "2026-11-01")) == 1
    assert undo["previous_kept_as"] != first["previous_kept_as"]            # two restores, two kept files
    assert sorted(p.name for p in db_path.parent.glob(f"{db_path.stem}-before-restore-*.db")) == sorted(
        Path(r["previous_kept_as"]).name for r in (first, undo))


def test_restore_onto_a_new_machine_creates_the_private_data_directory(cli, jcli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    jcli("db", "backup", tmp_path / "b.db")
    target = tmp_path / "new" / "home" / "caseload.db"
    restored = jcli("--db", target, "db", "restore", tmp_path / "b.db", "--yes")
    assert restored["ok"] and restored["previous_kept_as"] is None          # nothing was there to keep
    assert mode(target) == 0o600 and mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o700
    assert [c["name"] for c in jcli("--db", target, "client", "list")] == ["Alex Morgan"]


def test_restore_refuses_without_yes_off_a_terminal(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("db", "backup", tmp_path / "b.db")
    result = assert_refused(cli, db_path, "db", "restore", tmp_path / "b.db", match="--yes")


def test_restore_refuses_a_bad_source_and_replaces_nothing(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    assert_refused(cli, db_path, "db", "restore", junk, "--yes", match="not a SQLite database")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    assert_refused(cli, db_path, "db", "restore", other, "--yes", match="not a therapy caseload")
    assert_refused(cli, db_path, "db", "restore", tmp_path / "missing.db", "--yes", match="no file")


def test_restore_of_an_export_directory_says_what_it_is(cli, jcli, tmp_path, db_path):
    """`db restore ~/caseload-export/` answered "no file at" a directory that is plainly there."""
    jcli("client", "add", "Alex Morgan")
    cli("export", "all", "--output", tmp_path / "export")
    assert_refused(cli, db_path, "db", "restore", tmp_path / "export", "--yes",
                   match="is a directory, not a backup file (give the file `therapy db backup` wrote); it is an "
                         "`export all` directory: restore it into a new file with `therapy --db NEW.db import all")
    (tmp_path / "folder").mkdir()
    assert_refused(cli, db_path, "db", "restore", tmp_path / "folder", "--yes", match="is a directory, not a backup")


def test_a_backup_is_never_written_as_the_databases_own_wal(cli, jcli, db_path):
    """`db backup caseload.db-wal --yes` said ok, and SQLite deleted the 'backup' as the command closed."""
    jcli("client", "add", "Alex Morgan")
    for suffix in ("-wal", "-shm"):
        assert_refused(cli, db_path, "db", "backup", f"{db_path}{suffix}", "--yes",
                       match="the backup must go to another file than the database itself")


def test_backup_while_another_connection_writes(jcli, db_path, tmp_path):
    jcli("client", "add", "Alex Morgan")
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN")
    writer.execute("INSERT INTO contacts (name, created_at) VALUES ('uncommitted', 'x')")
    result = jcli("db", "backup", tmp_path / "b.db")
    writer.execute("ROLLBACK")
    writer.close()
    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert result["ok"]


def test_today_option_and_env(cli, jcli, monkeypatch):
    record = jcli("--today", "2026-01-15", "client", "add", "Alex", "--referred-on", "today")
    assert record["referred_on"] == "2026-01-15"
    monkeypatch.setenv("THERAPY_TODAY", "2026-03-01")
    assert jcli("client", "add", "Sam", "--referred-on", "yesterday")["referred_on"] == "2026-02-28"
    result = cli("--today", "2026-13-01", "client", "list")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_backup_over_an_existing_file_needs_yes(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    dest = tmp_path / "b.db"
    dest.write_bytes(b"an older backup")
    result = cli("db", "backup", dest)
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert dest.read_bytes() == b"an older backup"
    assert jcli("db", "backup", dest, "--yes")["ok"]
    assert dest.read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_backup_to_an_empty_destination_is_refused(cli, jcli, tmp_path, monkeypatch):
    """`db backup "$BACKUP_DIR"` with the variable unset wrote caseload-DATE.db into whatever folder the job
    ran in, and reported it ok."""
    jcli("client", "add", "Alex Morgan")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for dest in ("", "  "):
        result = cli("db", "backup", dest, "--yes")
        assert result.exit_code == 2 and "DEST is empty" in result.stderr, dest
    assert list(work.iterdir()) == []


def test_backup_of_a_caseload_that_is_not_there_is_refused(cli, tmp_path):
    """A mistyped --db (or THERAPY_DB) in a backup job made a new, empty caseload and reported its copy ok."""
    missing = tmp_path / "caseloads.db"
    dest = tmp_path / "backup.db"
    result = cli("--db", missing, "db", "backup", dest)
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: no database at {missing}"
    assert not missing.exists() and not dest.exists()


def test_a_restore_through_a_symlink_replaces_the_file_it_points_to(cli, jcli, tmp_path):
    """`db restore` on a linked path replaced the link: the real file kept what the backup should have undone."""
    real = tmp_path / "volume" / "caseload.db"
    real.parent.mkdir()
    link = tmp_path / "caseload.db"
    assert cli("--db", real, "client", "add", "Before Backup").exit_code == 0
    assert cli("--db", real, "db", "backup", tmp_path / "b.db", "--yes").exit_code == 0
    assert cli("--db", real, "client", "add", "After Backup").exit_code == 0
    link.symlink_to(real)
    assert cli("--db", link, "db", "restore", tmp_path / "b.db", "--yes").exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert [c["name"] for c in jcli("--db", real, "client", "list")] == ["Before Backup"]
    kept = list(real.parent.glob("caseload-before-restore-*.db"))        # kept beside the real file
    assert [c["name"] for c in jcli("--db", kept[0], "client", "list")] == ["After Backup", "Before Backup"]
    # and erasing through the link names that copy, as erasure cannot reach it
    cid = jcli("--db", link, "client", "add", "Gone Soon", "--referred-on", "2026-01-05")["id"]
    jcli("--db", link, "client", "discharge", str(cid), "--on", "2026-11-01")
    erased = cli("--db", link, "client", "erase", str(cid), "--yes", "--force", "--reason", "request", "--json")
    assert erased.exit_code == 0 and kept[0].name in erased.stderr


def test_a_caseload_in_a_folder_that_cannot_be_written_is_named_as_such(jcli, db_path, tmp_path):
    """A sound caseload on a read-only disk or in a read-only folder: SQLite cannot make its -wal/-shm files
    beside it and says only 'unable to open database file', which every command printed as it was."""
    from therapy_cli.storage.db import _explain

    jcli("client", "add", "Alex Morgan")
    said = _explain(sqlite3.OperationalError("unable to open database file"), db_path)
    assert said.startswith(f"cannot open {db_path}: SQLite keeps caseload.db-wal and caseload.db-shm beside it")
    assert "read-only folder or disk" in said
    missing = tmp_path / "none.db"
    assert _explain(sqlite3.OperationalError("unable to open database file"), missing) == (
        f"database error on {missing}: unable to open database file")

