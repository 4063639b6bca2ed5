"""Retention (NHS Records Management Code: 20 years; children to 25/26) and erasure."""

from __future__ import annotations

import os
import sqlite3
from datetime import date

import pytest

from conftest import assert_refused, snapshot
from therapy_cli.practice.retention import retain_until

CANARY_NOTE = "CANARY-NOTE-7f3a9 spoke about the lighthouse"
CANARY_NAME = "Zebulon Canarywood"


@pytest.mark.parametrize("discharged, dob, years, expected", [
    ("2002-01-01", None, 20, "2022-01-01"),                 # adult, no birth date
    ("2002-01-01", "1970-05-05", 20, "2022-01-01"),         # adult
    ("2002-01-01", "1970-05-05", 8, "2010-01-01"),          # the setting shortens it
    ("2020-02-29", None, 1, "2021-03-01"),                  # 29 Feb: kept until 1 March
    # a child of 10 at discharge: 20 years (age 30) is later than the 25th birthday
    ("2010-06-01", "2000-01-01", 20, "2030-06-01"),
    # a child of 10 with a shorter setting: the 25th birthday wins
    ("2010-06-01", "2000-01-01", 8, "2025-01-01"),
    # 17 at discharge: the 26th birthday, when later
    ("2017-06-01", "2000-01-01", 5, "2026-01-01"),
    # 16 at discharge: the 25th birthday
    ("2016-06-01", "2000-01-01", 5, "2025-01-01"),
    # 18 at discharge: an adult
    ("2018-06-01", "2000-01-01", 5, "2023-06-01"),
])
def test_retain_until(discharged, dob, years, expected):
    until, _ = retain_until(date.fromisoformat(discharged), dob and date.fromisoformat(dob), years)
    assert until.isoformat() == expected


def _client(db_path, name=CANARY_NAME, dob="1960-03-03", discharged="2004-05-06", notes=(CANARY_NOTE,),
            tag="CANARY"):
    """A discharged client with a session, notes (one amended), a plan, goal, measure and referral."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    now = "2004-01-01T00:00:00+00:00"
    cur = conn.execute(
        "INSERT INTO clients (name, kind, status, date_of_birth, email, referred_on, discharged_on, "
        f"discharge_reason, created_at) VALUES (?, 'individual', 'discharged', ?, '{tag}@example.org', "
        f"'2004-01-01', ?, '{tag}-REASON', ?)", (name, dob, discharged, now))
    cid = cur.lastrowid
    sid = conn.execute(
        "INSERT INTO sessions (client_id, starts_at, starts_utc, ends_utc, local_date, duration_min, status, "
        "created_at) VALUES (?, '2004-02-02T10:00:00+00:00', '2004-02-02T10:00:00+00:00', "
        "'2004-02-02T10:50:00+00:00', '2004-02-02', 50, 'attended', ?)", (cid, now)).lastrowid
    first = None
    for text in notes:
        nid = conn.execute("INSERT INTO notes (session_id, text, created_at) VALUES (?, ?, ?)",
                           (sid, text, now)).lastrowid
        first = first or nid
    conn.execute("INSERT INTO notes (session_id, text, amends_note_id, reason, created_at) "
                 f"VALUES (?, '{tag}-AMENDMENT', ?, 'typo', ?)", (sid, first, now))
    pid = conn.execute("INSERT INTO plans (client_id, version, modality, problems, started_on, created_at) "
                       f"VALUES (?, 1, 'cbt', '[\"{tag}-PROBLEM\"]', '2004-01-10', ?)", (cid, now)).lastrowid
    conn.execute("INSERT INTO plan_reviews (client_id, plan_id, reviewed_on, note, created_at) "
                 f"VALUES (?, ?, '2004-03-01', '{tag}-REVIEW', ?)", (cid, pid, now))
    gid = conn.execute(f"INSERT INTO goals (client_id, text, created_on) VALUES (?, '{tag}-GOAL', '2004-01-10')",
                       (cid,)).lastrowid
    conn.execute("INSERT INTO goal_ratings (goal_id, rated_on, score, created_at) VALUES (?, '2004-02-02', 4, ?)",
                 (gid, now))
    conn.execute("INSERT INTO measures (client_id, instrument, taken_on, score, session_id, created_at) "
                 "VALUES (?, 'PHQ-9', '2004-02-02', 12, ?, ?)", (cid, sid, now))
    contact = conn.execute("INSERT INTO contacts (name, created_at) VALUES ('Dr Who', ?)", (now,)).lastrowid
    conn.execute("INSERT INTO referrals_out (client_id, contact_id, referred_on, reason, created_at) "
                 f"VALUES (?, ?, '2004-04-04', '{tag}-REFERRAL', ?)", (cid, contact, now))
    conn.execute("INSERT INTO audit (at, action, record_type, record_id, client_id) "
                 "VALUES (?, 'add', 'client', ?, ?)", (now, cid, cid))
    conn.commit()
    conn.close()
    return cid


def _file_bytes(db_path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm"):
        try:
            with open(f"{db_path}{suffix}", "rb") as fh:
                data += fh.read()
        except FileNotFoundError:
            pass
    return data


def test_retention_lists_only_clients_past_it(cli, jcli, db_path):
    cli("db", "init")
    old = _client(db_path, "Old Adult", dob="1950-01-01", discharged="2005-01-01")
    _client(db_path, "Recent Adult", dob="1950-01-01", discharged="2010-01-01")
    # discharged at 17 in 2000: 26th birthday 2009, 20 years 2020 -> 2020
    teen = _client(db_path, "Teen Once", dob="1983-02-01", discharged="2000-06-01")
    rows = jcli("db", "retention")
    assert [r["client_id"] for r in rows] == [teen, old]
    assert rows[1]["retain_until"] == "2025-01-01"
    everyone = jcli("db", "retention", "--all")
    assert len(everyone) == 3
    # a shorter setting brings the recent one in
    cli("config", "set", "retention.years", "10")
    assert len(jcli("db", "retention")) == 3


@pytest.fixture(params=["build default", "secure_delete off"])
def secure_delete_off(request, monkeypatch):
    """Also run where SQLite is built without SECURE_DELETE: erasure must switch it on itself."""
    if request.param == "secure_delete off":
        from therapy_cli.storage import db as dbmod

        real = dbmod.connect

        def connect(*args, **kwargs):
            conn = real(*args, **kwargs)
            conn.execute("PRAGMA secure_delete = OFF")
            return conn

        monkeypatch.setattr(dbmod, "connect", connect)


def test_erase_removes_everything_but_a_stub_and_the_canary_leaves_the_file(cli, jcli, db_path, secure_delete_off):
    cli("db", "init")
    keep = _client(db_path, "Kept Client", discharged="2020-01-01", notes=("KEEP-THIS-NOTE",), tag="KEEP")
    cid = _client(db_path)
    assert CANARY_NOTE.encode() in _file_bytes(db_path)
    result = jcli("client", "erase", str(cid), "--yes")
    assert result["id"] == cid and result["forced"] is False
    assert result["removed"]["notes"] == 2 and result["removed"]["sessions"] == 1
    data = _file_bytes(db_path)
    for canary in (CANARY_NOTE, CANARY_NAME, "CANARY-AMENDMENT", "CANARY-PROBLEM", "CANARY-REVIEW",
                   "CANARY-GOAL", "CANARY-REFERRAL", "CANARY-REASON", "CANARY@example.org"):
        assert canary.encode() not in data, canary
    assert b"KEEP-THIS-NOTE" in data
    stub = jcli("client", "show", str(cid))
    assert stub["name"] == f"erased #{cid}" and stub["erased_on"] == "2026-11-27"
    assert stub["discharged_on"] == "2004-05-06" and stub["referred_on"] == "2004-01-01"
    assert stub["date_of_birth"] is None
    conn = sqlite3.connect(db_path)
    for table in ("sessions", "measures", "plans", "plan_reviews", "goals", "referrals_out"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE client_id = ?", (cid,)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sessions WHERE client_id = ?", (keep,)).fetchone()[0] == 1
    # no table but the audit and the stub itself still points at the client (a future table must be erased too)
    for table in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]:
        if table in ("audit", "clients"):
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        links = [r[3] for r in conn.execute(f"PRAGMA foreign_key_list({table})") if r[2] == "clients"]
        for column in set(links) | {c for c in columns if c == "client_id"}:
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (cid,)).fetchone()[0] == 0, \
                (table, column)
    # the append-only trigger is back, and the erasure is audited without the name
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"notes_no_delete", "notes_no_update", "audit_no_delete"} <= names
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM notes")
    erase_rows = conn.execute("SELECT action, summary FROM audit WHERE client_id = ? AND action = 'erase'",
                              (cid,)).fetchall()
    assert erase_rows == [("erase", "erased after retention")]
    conn.close()
    assert cli("db", "check").exit_code == 0
    assert cid not in [c["id"] for c in jcli("client", "list")]
    # erasing twice is a conflict
    assert_refused(cli, db_path, "client", "erase", str(cid), "--yes", match="already erased")


def test_erase_before_retention_is_refused_unless_forced_with_a_reason(cli, jcli, db_path):
    cli("db", "init")
    cid = _client(db_path, discharged="2020-01-01")
    assert_refused(cli, db_path, "client", "erase", str(cid), "--yes", match="within retention until 2040-01-01")
    assert_refused(cli, db_path, "client", "erase", str(cid), "--yes", "--force", match="--reason")
    assert_refused(cli, db_path, "client", "erase", str(cid), "--yes", "--force", "--reason", "  ",
                   match="--reason")
    # no terminal and no --yes: refused
    assert_refused(cli, db_path, "client", "erase", str(cid), "--force", "--reason", "request")
    result = jcli("client", "erase", str(cid), "--yes", "--force", "--reason", "erasure request")
    assert result["forced"] is True
    assert CANARY_NOTE.encode() not in _file_bytes(db_path)
    audit = jcli("db", "audit", "--client", str(cid))
    assert audit[-1]["action"] == "erase"
    assert "erasure request" in audit[-1]["summary"] and "2040-01-01" in audit[-1]["summary"]


def test_erase_refuses_a_client_still_in_treatment(cli, jcli, db_path):
    cid = jcli("client", "add", "Still Here")["id"]
    assert_refused(cli, db_path, "client", "erase", str(cid), "--yes", "--force", "--reason", "x",
                   match="discharge")


def test_erase_of_a_member_keeps_the_unit(cli, jcli, db_path):
    a = jcli("client", "add", "Alex Member")["id"]
    b = jcli("client", "add", "Bo Member")["id"]
    unit = jcli("client", "add", "The Couple", "--kind", "couple", "--member", str(a), "--member", str(b))["id"]
    jcli("client", "discharge", str(a), "--on", "2026-11-01")
    jcli("client", "erase", str(a), "--yes", "--force", "--reason", "request")
    members = jcli("client", "show", str(unit))["members"]
    # the stub stays in the couple's history, its membership ended on the discharge: a member no more
    assert [(m["id"], m["name"], m["left_on"]) for m in members] == [(a, f"erased #{a}", "2026-11-01"),
                                                                     (b, "Bo Member", None)]
    assert cli("db", "check").exit_code == 0


def test_erasing_a_couple_leaves_its_members_discharged_and_counted(cli, jcli, db_path):
    """Erasing the unit deleted the memberships: its two members fell back to `waiting` (the week's waiting
    count up by two) and out of retention, where nothing would ever flag them for erasure again."""
    a = jcli("client", "add", "Ann One")["id"]
    b = jcli("client", "add", "Bob Two")["id"]
    unit = jcli("client", "add", "One-Two", "--kind", "couple", "--member", str(a), "--member", str(b),
                "--referred-on", "2026-01-01")["id"]
    jcli("session", "add", str(unit), "--at", "2026-01-10 10:00")
    jcli("client", "discharge", str(unit), "--on", "2026-02-01")
    waiting = jcli("report", "week")["waiting"]
    jcli("client", "erase", str(unit), "--yes", "--force", "--reason", "the couple asked")
    listed = {c["id"]: c["status"] for c in jcli("client", "list")}
    assert (listed[a], listed[b]) == ("discharged", "discharged")
    assert jcli("report", "week")["waiting"] == waiting
    assert {r["client_id"] for r in jcli("db", "retention", "--all")} >= {a, b}


def test_an_erased_stub_keeps_no_address_payer_fee_or_consent(cli, jcli, db_path):
    jcli("client", "add", "Cara Canary", "--address", "7 Canary Lane;Leeds LS1 1AA", "--referred-on", "2026-01-01",
         "--fee", "60", "--payer", "Acme EAP", "--email", "cara@example.org", "--reminders", "email")
    jcli("session", "add", "cara", "--at", "2026-01-10 10:00")
    jcli("client", "discharge", "cara", "--on", "2026-02-01")
    jcli("client", "erase", "1", "--yes", "--force", "--reason", "art. 17")
    stub = jcli("client", "show", "1")
    assert stub["address"] is None and stub["email"] is None and stub["reminders"] == "none"
    assert "fees" not in stub or (stub["fees"]["payer"] is None and not stub["fees"]["own_fee"])
    assert b"Canary Lane" not in db_path.read_bytes() and b"Acme EAP" not in db_path.read_bytes()


def test_reasons_typed_for_corrections_leave_with_the_erased_client(cli, jcli, db_path):
    """'Dora phoned, in hospital after overdose' stayed in the append-only audit after erasure."""
    jcli("client", "add", "Dora Dee", "--referred-on", "2026-01-01")
    jcli("session", "add", "dora", "--at", "2026-01-10 10:00")
    jcli("session", "add", "dora", "--at", "2026-01-17 10:00")
    jcli("session", "dna", "2", "--reason", "Dora phoned, in hospital after overdose", "--yes")
    booked = jcli("session", "add", "dora", "--at", "2026-12-20 10:00")["id"]
    jcli("session", "remove", str(booked), "--reason", "Dora Dee asked to stop", "--yes")
    summaries = [a["summary"] for a in jcli("db", "audit", "--client", "1")]
    assert "attended -> dna (correction: Dora phoned, in hospital after overdose; notes and measures kept)" in summaries
    assert any(s.endswith("removed: Dora Dee asked to stop") for s in summaries)
    assert "Dora phoned" in str(jcli("client", "export", "dora")["audit"])          # the subject access export too
    jcli("client", "discharge", "dora", "--on", "2026-02-01")
    jcli("client", "erase", "1", "--yes", "--force", "--reason", "request")
    summaries = [a["summary"] for a in jcli("db", "audit", "--client", "1")]
    assert "attended -> dna (correction: (reason erased); notes and measures kept)" in summaries
    assert any(s.endswith("removed: (reason erased)") for s in summaries)
    assert cli("db", "check").exit_code == 0
    data = db_path.read_bytes() + (db_path.with_name(db_path.name + "-wal").read_bytes()
                                   if db_path.with_name(db_path.name + "-wal").exists() else b"")
    assert b"overdose" not in data and b"asked to stop" not in data


def test_erase_rolls_back_whole_on_failure(cli, db_path, monkeypatch):
    """A failure midway leaves every row, and the notes trigger, as they were."""
    cli("db", "init")
    cid = _client(db_path)
    before = snapshot(db_path)
    from therapy_cli.practice import retention

    real = retention.chunked

    def explode(ids, size=500):
        yield from real(ids, size)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retention, "chunked", explode)
    result = cli("client", "erase", str(cid), "--yes")
    assert result.exit_code == 1 and "internal error" in result.stderr
    assert snapshot(db_path) == before
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    conn.close()
    assert "notes_no_delete" in names


def test_a_member_discharged_with_their_couple_can_be_erased_and_is_listed(jcli, cli):
    """Retention runs from the end of the couple's therapy for a member with no case of their own."""
    jcli("client", "add", "Pat Partner")
    jcli("client", "add", "Quinn Partner", "--referred-on", "2026-10-01")
    jcli("client", "add", "The Couple", "--kind", "couple", "--member", "Pat", "--member", "Quinn")
    jcli("session", "add", "The Couple", "--at", "2026-11-02 09:00")
    refused = cli("client", "erase", "Pat", "--force", "--reason", "asked", "--yes")
    assert refused.exit_code == 1 and "client #1 is active" in refused.stderr
    jcli("client", "discharge", "The Couple", "--on", "2026-11-10")
    listed = {r["client_id"]: r["discharged_on"] for r in jcli("db", "retention", "--all")}
    assert listed == {1: "2026-11-10", 2: "2026-11-10", 3: "2026-11-10"}
    erased = jcli("client", "erase", "Pat", "--force", "--reason", "asked", "--yes")
    assert erased["forced"] is True and erased["retain_until"] == "2046-11-10"
    assert 1 not in {r["client_id"] for r in jcli("db", "retention", "--all")}


def test_an_erased_client_still_counts_as_started_in_the_referrals_report(jcli):
    jcli("client", "add", "Rita Ref", "--referred-on", "2026-01-02", "--referral-source", "GP")
    jcli("session", "add", "rita", "--at", "2026-01-09 10:00")
    jcli("client", "discharge", "rita", "--on", "2026-02-01")

    def started() -> tuple[int, int]:
        report = jcli("report", "referrals", "--from", "2026-01-01", "--to", "2026-01-31")
        return report["referrals_in"], sum(row["started"] for row in report["by_source"])

    assert started() == (1, 1)
    jcli("client", "erase", "1", "--yes", "--force", "--reason", "request")
    assert started() == (1, 1)          # the stub's first attended day: counted as before (its source: unknown)


def test_erase_names_the_copies_db_restore_kept_which_still_hold_the_records(cli, jcli, db_path, tmp_path):
    cid = jcli("client", "add", "Gone Soon", "--referred-on", "2026-01-05")["id"]
    jcli("client", "discharge", str(cid), "--on", "2026-11-01")
    plain = cli("client", "erase", str(cid), "--yes", "--force", "--reason", "request", "--json")
    assert plain.exit_code == 0 and plain.stderr == ""          # no copies: nothing more to say
    cid = jcli("client", "add", "Gone Later", "--referred-on", "2026-01-05")["id"]
    jcli("client", "discharge", str(cid), "--on", "2026-11-01")
    jcli("db", "backup", tmp_path / "b.db")
    kept = jcli("db", "restore", tmp_path / "b.db", "--yes")["previous_kept_as"]
    result = cli("client", "erase", str(cid), "--yes", "--force", "--reason", "request", "--json")
    assert result.exit_code == 0 and result.json()["id"] == cid
    assert result.stderr.startswith("Warning: these records are still in what db restore kept beside the caseload")
    assert os.path.basename(kept) in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_erasure_reason_that_names_the_client_is_refused_and_the_question_names_them(cli, jcli, db_path):
    """The reason stays in the audit after the erasure: a name typed in it outlived what it erased."""
    jcli("client", "add", "Quentin Zabriskie")
    jcli("client", "discharge", "quentin")
    assert_refused(cli, db_path, "client", "erase", "quentin", "--yes", "--force", "--reason",
                   "court order re Quentin Zabriskie", match="--reason names the client")
    asked = assert_refused(cli, db_path, "client", "erase", "zab", "--force", "--reason", "court order")
    assert "Erase the records of client #1? This cannot be undone (no terminal" in asked.stderr   # no name logged
    from test_editor import run_on_terminal

    code, text = run_on_terminal(["--db", db_path, "client", "erase", "zab", "--force", "--reason", "court order"],
                                 {}, reply=(b"[y/N]:", b"n\n"))
    assert code == 1 and "Erase the records of client #1 Quentin Zabriskie? This cannot be undone" in text, text
    assert cli("client", "erase", "quentin", "--yes", "--force", "--reason", "court order").exit_code == 0


def test_erasing_a_member_whose_therapy_ended_with_the_couple_keeps_that_end(cli, jcli):
    """The stub said 'waiting', the membership ended on the erasure day, and a meeting of the couple reopened
    later counted the erased person at it."""
    jcli("client", "add", "Sam Parry", "--referred-on", "2026-01-05")
    jcli("client", "add", "Jo Parry", "--referred-on", "2026-01-05")
    jcli("client", "add", "Parry couple", "--kind", "couple", "--member", "sam", "--member", "jo",
         "--referred-on", "2026-01-05")
    jcli("session", "add", "Parry couple", "--at", "2026-02-02 10:00")
    jcli("client", "discharge", "Parry couple", "--on", "2026-05-20")
    assert jcli("client", "erase", "sam", "--yes", "--force", "--reason", "erasure request")["erased_on"]
    stub = jcli("client", "show", "1")
    assert (stub["status"], stub["discharged_on"]) == ("discharged", "2026-05-20")
    members = {m["id"]: m for m in jcli("client", "show", "3")["members"]}
    assert members[1]["left_on"] == "2026-05-20"
    jcli("client", "reopen", "3")
    jcli("session", "add", "3", "--at", "2026-11-04 10:00")
    assert jcli("client", "show", "1")["sessions"]["attended"] == 1
