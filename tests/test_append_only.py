"""Notes and the audit are append-only in the file itself: no update, no delete, and no REPLACE."""

from __future__ import annotations

import sqlite3

import pytest

from therapy_cli.storage.migrations import APPEND_ONLY, append_only_sql


def _setup(jcli):
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", "Alex Morgan")
    sid = jcli("session", "add", "Alex", "--at", "2026-11-20 10:00")["id"]
    return jcli("session", "note", sid, "the original text")["id"]


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE INTO", "REPLACE INTO"])
def test_replace_cannot_rewrite_a_note_or_forge_an_audit_row(jcli, db_path, verb):
    note_id = _setup(jcli)
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(f"{verb} notes (id, session_id, text, created_at) VALUES (?, 1, 'forged', 'x')",
                         (note_id,))
        audit_id = conn.execute("SELECT min(id) FROM audit").fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(f"{verb} audit (id, at, action, record_type) VALUES (?, 'x', 'forged', 'x')", (audit_id,))
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("INSERT INTO notes (id, session_id, text, created_at) VALUES (?, 1, 'x', 'x') "
                         "ON CONFLICT (id) DO UPDATE SET text = 'forged'", (note_id,))
        conn.rollback()
        # a new row is still welcome
        conn.execute("INSERT INTO notes (session_id, text, created_at) VALUES (1, 'new', 'x')")
        conn.commit()
        assert conn.execute("SELECT text FROM notes WHERE id = ?", (note_id,)).fetchone()[0] == "the original text"
        assert conn.execute("SELECT count(*) FROM audit WHERE action = 'forged'").fetchone()[0] == 0
    finally:
        conn.close()


def test_every_registered_table_has_its_three_triggers(db):
    names = {r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table, triggers in APPEND_ONLY.items():
        three = {f"{table}_no_update", f"{table}_no_delete", f"{table}_no_replace"}
        # a sent client reminder is never rewritten but goes with its session (cascade) or an erasure
        expected = three - {"client_reminders_no_delete"}
        assert set(triggers) == expected, table
        assert set(triggers) <= names
    assert append_only_sql("risk_assessments").count("CREATE TRIGGER") == 3


@pytest.mark.parametrize("dropped", [name for names in APPEND_ONLY.values() for name in names])
def test_db_check_names_a_dropped_trigger_and_opening_does_not_recreate_it(cli, jcli, db_path, dropped):
    _setup(jcli)
    conn = sqlite3.connect(db_path)
    conn.execute(f"DROP TRIGGER {dropped}")
    conn.commit()
    conn.close()
    assert cli("client", "list").exit_code == 0      # opening the file: no silent repair
    result = cli("db", "check")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and dropped in lines[0], result.stderr
    assert cli("db", "check", "--json").json()["missing_triggers"] == [dropped]


def test_db_check_of_a_sound_file_reports_no_missing_trigger(cli, jcli):
    _setup(jcli)
    result = cli("db", "check", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["missing_triggers"] == [] and result.json()["scrub_pending"] is False


def test_erase_still_removes_notes_and_keeps_every_trigger(cli, jcli, db_path):
    _setup(jcli)
    jcli("client", "discharge", "1", "--on", "2026-11-21")
    assert cli("client", "erase", "1", "--yes", "--force", "--reason", "request").exit_code == 0
    assert cli("db", "check").exit_code == 0


def test_the_reasons_typed_for_the_audit_are_append_only_too(jcli, cli, db_path):
    """An UPDATE put 'TAMPERED' in a removal's reason, a DELETE made it read '(reason erased)', db check said ok."""
    import sqlite3

    jcli("client", "add", "Alex Morgan")
    sid = jcli("session", "add", "alex", "--at", "2026-12-01 10:00")["id"]
    jcli("session", "remove", str(sid), "--reason", "booked in error", "--yes")
    conn = sqlite3.connect(db_path)
    try:
        for sql in ("UPDATE audit_reasons SET text = 'TAMPERED'", "DELETE FROM audit_reasons",
                    "INSERT OR REPLACE INTO audit_reasons (audit_id, client_id, text) "
                    "SELECT audit_id, client_id, 'x' FROM audit_reasons"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)
        conn.execute("DROP TRIGGER audit_reasons_no_update")
        conn.commit()
    finally:
        conn.close()
    assert "booked in error" in str(jcli("db", "audit", "--client", "alex"))
    checked = cli("db", "check")
    assert checked.exit_code == 1 and "audit_reasons_no_update" in checked.stderr
