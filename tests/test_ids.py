"""Ids are never given twice (m014), and an invoiced session stays on the record."""

from __future__ import annotations

import sqlite3

from conftest import assert_refused

from therapy_cli.storage import migrations
from therapy_cli.storage.db import open_database


def test_the_newest_session_removed_keeps_its_id(jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "Alex", "--at", "2026-12-01 10:00")
    booked = jcli("session", "add", "Alex", "--at", "2026-12-08 10:00")["id"]
    jcli("session", "remove", str(booked), "--reason", "booked in error", "--yes")
    again = jcli("session", "add", "Alex", "--at", "2026-12-09 10:00")["id"]
    assert again == booked + 1
    audit = [(r["action"], r["record_id"]) for r in jcli("db", "audit") if r["record_type"] == "session"]
    assert ("remove", booked) in audit and ("add", again) in audit
    assert [a for a, i in audit if i == booked] == ["add", "remove"]      # one session's story per id


def test_removed_measures_and_contacts_keep_their_ids_too(jcli):
    jcli("client", "add", "Alex Morgan")
    first = jcli("measure", "add", "Alex", "phq9", "--score", "12", "--on", "2026-11-20")["id"]
    jcli("measure", "remove", str(first), "--yes")
    assert jcli("measure", "add", "Alex", "phq9", "--score", "11", "--on", "2026-11-20")["id"] == first + 1
    contact = jcli("contact", "add", "Dr Typo")["id"]
    jcli("contact", "remove", "Typo", "--yes")
    assert jcli("contact", "add", "Dr Shah")["id"] == contact + 1


def test_an_invoiced_session_cannot_be_removed(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan", "--fee", "80")
    session = jcli("session", "add", "Alex", "--at", "2026-11-20 10:00", "--status", "dna")["id"]
    number = jcli("invoice", "create", "Alex", "--month", "2026-11")["number"]
    result = assert_refused(cli, db_path, "session", "remove", str(session), "--reason", "booked in error",
                            "--yes", match="on invoice")
    assert number in result.stderr
    # a void invoice still names it
    jcli("invoice", "void", number, "--reason", "wrong fee")
    assert_refused(cli, db_path, "session", "remove", str(session), "--reason", "booked in error", "--yes",
                   match=number)


def test_the_upgrade_keeps_every_row_and_starts_each_counter_above_every_id_used(jcli, cli, db_path, monkeypatch):
    with monkeypatch.context() as before_m014:       # a file made and used by the version before m014
        before_m014.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS
                                                       if m is not migrations.m014_ids_never_reused])
        jcli("config", "set", "timezone", "Europe/London")
        jcli("client", "add", "Alex Morgan", "--fee", "80", "--email", "alex@example.org", "--reminders", "email")
        for day in ("2026-11-02", "2026-11-09", "2026-11-16"):
            jcli("session", "add", "Alex", "--at", f"{day} 10:00")
        jcli("session", "note", "1", "Explored sleep")
        jcli("measure", "add", "Alex", "phq9", "--score", "12", "--session", "1")
        jcli("invoice", "create", "Alex", "--month", "2026-11")
        newest = jcli("session", "add", "Alex", "--at", "2026-12-07 10:00")["id"]
        jcli("session", "remove", str(newest), "--reason", "booked in error", "--yes")
    conn = sqlite3.connect(db_path)
    assert "AUTOINCREMENT" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sessions'").fetchone()[0]
    conn.execute("INSERT INTO client_reminders (session_id, client_id, starts_utc, to_address, sent_at) "
                 "VALUES (2, 1, '2026-11-09T10:00:00+00:00', 'alex@example.org', '2026-11-08T09:00:00+00:00')")
    conn.commit()
    before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
              for t in ("sessions", "notes", "measures", "invoice_lines", "client_reminders")}
    conn.close()

    first = cli("remind", "--today", "2026-11-27")            # the first run after the upgrade migrates
    assert first.exit_code == 0 and not first.stderr, first.stderr
    checked = cli("db", "check")
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT name FROM _migrations ORDER BY rowid DESC LIMIT 1").fetchone()[0] == \
        "m014_ids_never_reused"
    after = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in before}
    assert after == before                               # nothing lost, the sent reminder not cascaded away
    for table in migrations.NEVER_REUSED:
        assert "AUTOINCREMENT" in conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'sessions' AND type = 'index'")}
    assert {"sessions_client", "sessions_client_status", "sessions_scheduled", "sessions_unnoted"} <= indexes
    assert {"notes_no_update", "notes_no_delete", "notes_fts_add"} <= {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'notes' AND type = 'trigger'")}
    conn.close()
    # the removed session's id, known only to the audit log, is not given again; notes stay append-only
    assert jcli("session", "add", "Alex", "--at", "2026-12-14 10:00")["id"] == newest + 1
    assert [n["session_id"] for n in jcli("note", "search", "sleep")] == [1]
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("UPDATE notes SET text = 'changed'")
        raise AssertionError("notes must stay append-only")
    except sqlite3.IntegrityError:
        pass
    finally:
        conn.close()


def test_a_dna_or_late_cancellation_is_not_removed_unseen(jcli, cli, db_path):
    """They count in the reports (the DNA rate): a booking made in error goes back to scheduled first."""
    jcli("client", "add", "Ann A")
    jcli("session", "add", "Ann", "--at", "2026-11-24 10:00", "--status", "dna")
    jcli("session", "add", "Ann", "--at", "2026-11-25 10:00", "--status", "late-cancelled")
    for sid, status in (("1", "dna"), ("2", "late-cancelled")):
        result = assert_refused(cli, db_path, "session", "remove", sid, "--reason", "x", "--yes", match="the reports count")
        assert f"recorded as {status}" in result.stderr and f"therapy session unattend {sid}" in result.stderr
    assert jcli("report", "week")["sessions"]["dna"] == 1
    jcli("session", "unattend", "1")
    assert jcli("session", "remove", "1", "--reason", "booked in error", "--yes")["removed"] is True
    assert jcli("report", "week")["sessions"]["dna"] == 0


def test_an_import_never_gives_a_removed_sessions_id_again(jcli, cli, db_path, tmp_path):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "Alex", "--at", "2026-11-02 10:00")
    removed = jcli("session", "add", "Alex", "--at", "2026-12-08 10:00")["id"]
    jcli("session", "remove", str(removed), "--reason", "booked in error", "--yes")
    path = tmp_path / "sessions.csv"
    path.write_text("client,starts_at,status\n1,2026-11-09 10:00,attended\n", encoding="utf-8")
    jcli("import", "sessions", path)
    assert [s["id"] for s in jcli("session", "list", "--from", "2026-11-01", "--to", "2026-11-30")] == [1, removed + 1]
    path.write_text(f"id,client,starts_at,status\n{removed},1,2026-11-16 10:00,attended\n", encoding="utf-8")
    result = assert_refused(cli, db_path, "import", "sessions", path, match="never used twice")
    assert f"id {removed} was given to a record this file no longer holds" in result.stderr
