"""A client added in error: warned of at `client add`, removed with `client remove`, the id never given again."""

from __future__ import annotations

import sqlite3

from conftest import assert_refused

from therapy_cli.storage import migrations


def test_a_second_record_of_one_person_is_warned_of_and_removed(jcli, cli, db_path):
    # made at referral from the letter, without a date of birth; added again at the first session with it
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-12")
    added = cli("client", "add", "alex morgan", "--dob", "1990-04-02", "--referred-on", "2026-10-12", "--json")
    assert added.exit_code == 0
    assert added.stderr.strip() == (
        "Warning: #1 Alex Morgan (no date of birth, waiting) has this name too: if this is the same person, remove "
        "this one ('therapy client remove 2 --yes') and use that record ('therapy client edit 1 --dob 1990-04-02' "
        "adds the date of birth to it)")
    assert jcli("report", "period", "--from", "2026-10-12", "--to", "2026-10-12")["new_referrals"] == 2
    removed = jcli("client", "remove", "2", "--yes")
    assert removed["removed"] is True and removed["name"] == "alex morgan"
    jcli("client", "edit", "1", "--dob", "1990-04-02")
    assert [c["id"] for c in jcli("client", "list")] == [1]
    # the referral counted twice now counts once, and the newest id is not given to the next client
    assert jcli("report", "period", "--from", "2026-10-12", "--to", "2026-10-12")["new_referrals"] == 1
    assert jcli("client", "add", "Sam Morgan")["id"] == 3
    audit = [(r["action"], r["record_id"], r["summary"]) for r in jcli("db", "audit") if r["record_type"] == "client"]
    assert ("remove", 2, "individual client removed (added in error)") in audit
    assert not any("alex" in (detail or "").lower() for _, _, detail in audit)   # the audit keeps no name


def test_different_or_unknown_dates_of_birth_warn_only_where_nothing_tells_them_apart(jcli, cli):
    jcli("client", "add", "Dana Hill", "--dob", "1980-02-01")
    assert cli("client", "add", "Dana Hill", "--dob", "1991-07-09").stderr == ""      # another Dana Hill
    both = cli("client", "add", "Dana Hill")            # no date of birth: either of them, or a third
    assert both.exit_code == 0
    assert "#1 Dana Hill (born 1980-02-01, waiting); #2 Dana Hill (born 1991-07-09, waiting) has this name" \
        in both.stderr and "client edit" not in both.stderr and "'therapy client remove 3 --yes'" in both.stderr
    assert cli("client", "add", "Dana Hill", "--allow-duplicate").stderr == ""      # asked for: no warning


def test_a_client_with_anything_recorded_is_not_removed(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "Alex", "--at", "2026-12-01 10:00")
    assert_refused(cli, db_path, "client", "remove", "Alex", "--yes",
                   match="client #1 has 1 session on the record; only a client added in error")
    jcli("client", "add", "Bo Lee")
    jcli("measure", "add", "Bo", "phq9", "--score", "12")
    jcli("risk", "assess", "Bo", "--level", "low")
    assert_refused(cli, db_path, "client", "remove", "Bo", "--yes",
                   match="has 1 questionnaire, 1 risk assessment on the record")
    jcli("client", "add", "Cy Ames")
    jcli("client", "add", "Cy and Di", "--kind", "couple", "--member", "Cy Ames")
    assert_refused(cli, db_path, "client", "remove", "Cy Ames", "--yes",
                   match="listed as a member of #4 Cy and Di (couple)")
    jcli("client", "add", "Zed Typo")
    assert_refused(cli, db_path, "client", "remove", "Zed", match="--yes")    # never without asking


def test_a_unit_added_in_error_goes_with_its_member_list_and_then_its_member_can_go(jcli, db_path):
    jcli("client", "add", "Cy Ames")
    jcli("client", "add", "Cy and Di", "--kind", "couple", "--member", "Cy Ames")
    assert jcli("client", "remove", "Cy and Di", "--yes")["members"][0]["name"] == "Cy Ames"
    assert jcli("client", "remove", "Cy Ames", "--yes")["removed"] is True
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM memberships").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_an_erased_clients_stub_is_not_removed(jcli, cli, db_path):
    jcli("client", "add", "Old Client", "--referred-on", "2000-01-01")
    jcli("client", "discharge", "Old", "--on", "2000-06-01")
    jcli("client", "erase", "1", "--yes")
    assert_refused(cli, db_path, "client", "remove", "1", "--yes", match="was erased on")


def test_the_upgrade_makes_client_ids_never_reused_above_every_id_the_audit_names(jcli, db_path, monkeypatch):
    with monkeypatch.context() as before:       # a file made by the version before m018
        before.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS
                                                  if m is not migrations.m018_client_ids_never_reused])
        for name in ("Ann A", "Ben B", "Cat C"):
            jcli("client", "add", name)
        jcli("client", "add", "Ann and Ben", "--kind", "couple", "--member", "Ann A", "--member", "Ben B")
        jcli("session", "add", "Ann and Ben", "--at", "2026-11-20 10:00")
    conn = sqlite3.connect(db_path)
    assert "AUTOINCREMENT" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'clients'").fetchone()[0]
    # a row the audit log names but the table no longer holds (as removing the newest client would leave)
    conn.execute("INSERT INTO audit (at, action, record_type, record_id, client_id, summary) "
                 "VALUES ('2026-11-20T10:00:00+00:00', 'add', 'client', 9, 9, 'individual client added')")
    conn.commit()
    rows = conn.execute("SELECT * FROM clients ORDER BY id").fetchall()
    conn.close()
    assert jcli("client", "add", "Dee D")["id"] == 10           # the first command after the upgrade migrates
    conn = sqlite3.connect(db_path)
    assert "AUTOINCREMENT" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'clients'").fetchone()[0]
    assert conn.execute("SELECT * FROM clients WHERE id < 10 ORDER BY id").fetchall() == rows
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {"clients_status"} <= {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'clients' AND type = 'index'")}
    conn.close()
    assert jcli("client", "remove", "Dee", "--yes")["id"] == 10
    assert jcli("client", "add", "Eve E")["id"] == 11
    assert [m["name"] for m in jcli("client", "show", "Ann and Ben")["members"]] == ["Ann A", "Ben B"]


def test_an_edit_does_not_reach_a_name_and_date_of_birth_add_would_refuse(jcli, cli, db_path):
    jcli("client", "add", "Ann Lee")
    jcli("client", "add", "Bob Ray")
    assert_refused(cli, db_path, "client", "edit", "Bob", "--name", "ann lee",
                   match="client #1 Ann Lee (no date of birth, waiting) is already recorded; if they are two people, "
                         "add --allow-duplicate")
    jcli("client", "edit", "Bob", "--name", "Ann Lee", "--dob", "1990-01-01")      # told apart by the date
    assert_refused(cli, db_path, "client", "edit", "1", "--dob", "1990-01-01", match="#2 Ann Lee (born 1990-01-01")
    assert jcli("client", "edit", "2", "--phone", "0123")["phone"] == "0123"       # its own name is no duplicate
    assert jcli("client", "edit", "1", "--dob", "1990-01-01", "--allow-duplicate")["date_of_birth"] == "1990-01-01"
