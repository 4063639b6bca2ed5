"""Mistakes can be removed: contacts edited and removed, duplicates refused, ambiguous names told apart."""

from __future__ import annotations

from conftest import assert_refused


def test_contact_edit_and_clearing(jcli, cli, db_path):
    added = jcli("contact", "add", "Dr Helen Okafor", "--role", "GP", "--org", "Hillside")
    edited = jcli("contact", "edit", "okafor", "--role", "psychiatrist", "--org", "", "--phone", "020 7946 0000")
    assert (edited["id"], edited["role"], edited["org"], edited["phone"]) == (added["id"], "psychiatrist", None,
                                                                             "020 7946 0000")
    assert_refused(cli, db_path, "contact", "edit", "okafor", match="nothing to change")
    assert_refused(cli, db_path, "contact", "edit", "okafor", "--email", "not-an-email", match="email")
    assert_refused(cli, db_path, "contact", "edit", "nobody", "--role", "GP", match="no contact")
    assert [r["action"] for r in jcli("db", "audit") if r["record_type"] == "contact"] == ["add", "edit"]


def test_contact_remove_only_while_nothing_names_it(jcli, cli, db_path):
    jcli("contact", "add", "Dr Helen Okafor")
    jcli("contact", "add", "Dr Tom Hughes")
    jcli("client", "add", "Alex Morgan", "--referred-by", "Hughes")
    assert_refused(cli, db_path, "contact", "remove", "Hughes", "--yes", match="referral")
    assert_refused(cli, db_path, "contact", "remove", "Okafor", match="--yes")
    removed = jcli("contact", "remove", "Okafor", "--yes")
    assert removed["removed"] is True
    assert [c["name"] for c in jcli("contact", "list")] == ["Dr Tom Hughes"]
    # once the client no longer names the referrer, the contact can go
    assert jcli("client", "edit", "Alex", "--referred-by", "")["referred_by"] is None
    jcli("contact", "remove", "Hughes", "--yes")
    assert jcli("contact", "list") == []


def test_a_contact_or_client_of_a_name_already_held_is_refused_unless_asked_for(jcli, cli, db_path):
    jcli("contact", "add", "Dr Helen Okafor", "--role", "GP")
    result = assert_refused(cli, db_path, "contact", "add", "dr helen OKAFOR", match="#1 Dr Helen Okafor")
    jcli("contact", "add", "Dr Helen Okafor", "--role", "psychiatrist", "--allow-duplicate")
    result = assert_refused(cli, db_path, "client", "add", "Ann", "--referred-by", "okafor", match="matches 2")
    assert "#1 Dr Helen Okafor (GP)" in result.stderr and "#2 Dr Helen Okafor (psychiatrist)" in result.stderr

    jcli("client", "add", "Dana Hill", "--dob", "1980-02-01")
    assert_refused(cli, db_path, "client", "add", "Dana Hill", "--dob", "1980-02-01", match="#1 Dana Hill")
    jcli("client", "add", "Dana Hill", "--dob", "1991-07-09")          # another Dana Hill
    jcli("client", "add", "Dana Hill")                                 # no date of birth: not the same record
    assert_refused(cli, db_path, "client", "add", "dana hill", match="already recorded")
    jcli("client", "add", "Dana Hill", "--allow-duplicate")
    result = assert_refused(cli, db_path, "client", "show", "Dana", match="matches 4")
    assert "#1 Dana Hill (born 1980-02-01, waiting)" in result.stderr
    assert "#3 Dana Hill (no date of birth, waiting)" in result.stderr


def test_a_name_that_is_a_number_is_refused_as_it_would_be_read_as_an_id(jcli, cli, db_path):
    """`contact add 111` was kept, then `client refer alex --to 111` said 'no contact with id 111'."""
    assert_refused(cli, db_path, "contact", "add", "111", "--role", "urgent care",
                   match="a contact's name cannot be a number or '#' and a number (it would be read as an id); "
                   "e.g. 'NHS 111'")
    assert_refused(cli, db_path, "client", "add", " 2026 ", match="a client's name cannot be a number")
    jcli("client", "add", "Alex Morgan")
    jcli("contact", "add", "NHS 111", "--role", "urgent care")
    assert_refused(cli, db_path, "client", "edit", "alex", "--name", "7", match="a client's name cannot be a number")
    assert_refused(cli, db_path, "contact", "edit", "NHS", "--name", "111", match="a contact's name cannot be")
    assert jcli("client", "refer", "alex", "--to", "nhs 111")["contact_name"] == "NHS 111"
    # nor `#2`, or `#1 A.M.` copied from remind: read as an id wherever a record is named
    assert_refused(cli, db_path, "client", "add", "#2", match="a client's name cannot be a number or '#'")
    assert_refused(cli, db_path, "client", "add", "#1 A.M.", match="a client's name cannot be a number or '#'")
    assert_refused(cli, db_path, "contact", "add", "#1 N.1.", match="a contact's name cannot be a number or '#'")
    assert jcli("client", "add", "Group #2")["name"] == "Group #2"


def test_a_record_named_by_a_number_before_it_was_refused_is_named_in_the_miss(jcli, cli, db_path):
    import sqlite3

    jcli("client", "add", "Alex Morgan")
    conn = sqlite3.connect(db_path)   # as a file made by an earlier version may hold it
    with conn:
        conn.execute("INSERT INTO contacts (name, created_at) VALUES ('111', '2026-01-01T00:00:00Z')")
    conn.close()
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "111",
                   match="no contact with id 111; contact #1 is named '111': use its id")
