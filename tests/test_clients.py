"""Clients, units, contacts and referrals: domain and CLI."""

import json

from conftest import assert_refused, snapshot
from wrong_form import refused


def test_add_client_is_waiting_with_spec_keys(jcli):
    record = jcli("client", "add", "Alex Morgan", "--dob", "1990-04-02", "--referred-on", "2026-11-01",
                  "--referral-source", "GP")
    for key in ("id", "name", "kind", "status", "members", "date_of_birth", "referred_on",
                "referral_source", "discharged_on"):
        assert key in record
    assert record["status"] == "waiting"
    assert record["kind"] == "individual"
    assert record["date_of_birth"] == "1990-04-02"
    assert record["members"] == []


def test_couple_members_must_be_individuals(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    couple = jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "Alex", "--member", "Sam")
    assert [m["name"] for m in couple["members"]] == ["Alex Morgan", "Sam Morgan"]
    assert_refused(cli, db_path, "client", "add", "Nested", "--kind", "group", "--member", "The Morgans",
                   match="individual")


def test_name_fragment_and_ambiguity(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    assert jcli("client", "show", "sam")["name"] == "Sam Morgan"
    result = assert_refused(cli, db_path, "client", "show", "morgan", match="matches 2")
    assert "#1 Alex Morgan" in result.stderr and "#2 Sam Morgan" in result.stderr
    assert_refused(cli, db_path, "client", "show", "99", match="no client with id 99")
    assert_refused(cli, db_path, "client", "show", "nobody", match="no client matches")


def test_exact_name_wins_over_fragment(jcli):
    jcli("client", "add", "Ann")
    jcli("client", "add", "Joanne Annis")
    assert jcli("client", "show", "ann")["name"] == "Ann"


def test_a_name_typed_with_a_double_space_or_a_tab_finds_the_client(jcli):
    """Names are kept with single spaces, so 'Ian  Morgan' (a double space pasted from a letter) found no one."""
    jcli("client", "add", "Ian  Morgan")
    jcli("contact", "add", "Dr  Helen Okafor", "--role", "GP")
    assert jcli("client", "show", "ian  morgan")["id"] == 1
    assert jcli("client", "show", "Ian\tMorgan ")["id"] == 1
    assert jcli("client", "refer", "ian", "--to", "dr   helen")["contact_name"] == "Dr Helen Okafor"


def test_bad_dates_are_refused_and_nothing_changes(cli, db_path):
    refused(cli, db_path, "client", "add", "X", "--dob", "2026-02-30", match="does not exist")
    assert_refused(cli, db_path, "client", "add", "X", "--dob", "2030-01-01", match="future")
    refused(cli, db_path, "client", "add", "X", "--dob", "02/03/1990", match="date.order")
    assert_refused(cli, db_path, "client", "add", "   ", match="empty")
    assert_refused(cli, db_path, "client", "add", "X", "--email", "nope", match="email")
    assert_refused(cli, db_path, "client", "add", "X", "--kind", "tribe", code=2)


def test_discharge_and_reopen(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-01")
    record = jcli("client", "discharge", "alex", "--on", "2026-11-20", "--reason", "planned ending")
    assert record["status"] == "discharged" and record["discharged_on"] == "2026-11-20"
    assert_refused(cli, db_path, "client", "discharge", "alex", match="already discharged")
    # a day given for a client already discharged: a correction, which goes by reopening
    assert_refused(cli, db_path, "client", "discharge", "alex", "--on", "2026-11-21",
                   match="already discharged on 2026-11-20; to record another day, reopen first "
                         "(therapy client reopen 1)")
    record = jcli("client", "reopen", "alex")
    assert record["status"] == "waiting" and record["discharged_on"] is None
    assert_refused(cli, db_path, "client", "discharge", "alex", "--on", "2026-09-01", match="before the referral")


def test_join_and_leave_bound_membership(jcli, cli, db_path):
    jcli("client", "add", "Group A", "--kind", "group")
    jcli("client", "add", "Jo Bloggs")
    unit = jcli("client", "join", "Group A", "Jo", "--on", "2026-11-03")
    assert unit["members"][0]["joined_on"] == "2026-11-03"
    assert_refused(cli, db_path, "client", "join", "Group A", "Jo", match="already belongs")
    unit = jcli("client", "leave", "Group A", "Jo", "--on", "2026-11-24")
    assert unit["members"][0]["left_on"] == "2026-11-24"
    assert_refused(cli, db_path, "client", "leave", "Group A", "Jo", match="not a current member")
    assert_refused(cli, db_path, "client", "join", "Jo", "Group A", match="individual client")


def test_members_on_a_date(db):
    from datetime import date

    from therapy_cli.practice import clients

    unit = clients.add_client(db, "Family F", "family")
    a = clients.add_client(db, "Ann F")
    b = clients.add_client(db, "Ben F")
    clients.join(db, str(unit["id"]), str(a["id"]), date(2026, 11, 1))
    clients.join(db, str(unit["id"]), str(b["id"]), date(2026, 11, 10))
    clients.leave(db, str(unit["id"]), str(a["id"]), date(2026, 11, 20))
    names = lambda day: [m["name"] for m in clients.members_of(db, unit["id"], day)]
    assert names(date(2026, 10, 31)) == []
    assert names(date(2026, 11, 5)) == ["Ann F"]
    assert names(date(2026, 11, 20)) == ["Ann F", "Ben F"]
    assert names(date(2026, 11, 21)) == ["Ben F"]


def test_edit_changes_only_given_fields(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan", "--phone", "0123")
    record = jcli("client", "edit", "alex", "--email", "alex@example.org")
    assert record["email"] == "alex@example.org" and record["phone"] == "0123"
    assert_refused(cli, db_path, "client", "edit", "alex", match="nothing to change")


def test_contacts_referrals_in_and_out(jcli, cli, db_path):
    contact = jcli("contact", "add", "Dr Priya Shah", "--role", "GP", "--org", "Hillside")
    assert contact["id"] == 1 and contact["role"] == "GP"
    client = jcli("client", "add", "Alex Morgan", "--referred-by", "shah")
    assert client["referred_by"] == contact["id"] and client["referred_by_name"] == "Dr Priya Shah"
    referral = jcli("client", "refer", "alex", "--to", "priya", "--reason", "medication review")
    assert referral["contact_name"] == "Dr Priya Shah" and referral["referred_on"] == "2026-11-27"
    rows = jcli("contact", "list")
    assert rows[0]["referrals_in"] == 1 and rows[0]["referrals_out"] == 1
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "nobody", match="no contact")
    # typed again (shell history): refused rather than counted twice; another day is another referral
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "shah",
                   match="Alex Morgan is already recorded as referred to Dr Priya Shah on 2026-11-27 (referral #1)")
    assert jcli("client", "refer", "alex", "--to", "shah", "--on", "2026-11-20")["id"] == 2
    assert jcli("contact", "list")[0]["referrals_out"] == 2


def test_an_erased_client_cannot_be_referred_out(jcli, cli, db_path):
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    jcli("client", "discharge", "alex", "--on", "2026-09-20")
    assert cli("client", "erase", "1", "--yes", "--force", "--reason", "erasure request").exit_code == 0
    assert_refused(cli, db_path, "client", "refer", "1", "--to", "shah", "--on", "2026-11-02", match="erased")
    assert jcli("contact", "list")[0]["referrals_out"] == 0


def test_a_referral_out_cannot_be_dated_after_the_clients_death(jcli, cli, db_path):
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Bo Kent", "--referred-on", "2026-09-01")
    jcli("client", "edit", "bo", "--died-on", "2026-10-01")
    assert_refused(cli, db_path, "client", "refer", "bo", "--to", "shah", "--on", "2026-11-01",
                   match="after the client's death (2026-10-01)")
    assert jcli("client", "refer", "bo", "--to", "shah", "--on", "2026-09-15")["referred_on"] == "2026-09-15"


def test_a_referral_dated_before_the_birth_or_1950_is_refused_as_a_year_typed_wrong(jcli, cli, db_path):
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Alex Morgan", "--dob", "1990-01-01", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "shah", "--on", "1985-01-01",
                   match="referral date 1985-01-01 is before the date of birth (1990-01-01)")
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "shah", "--on", "0026-11-01",
                   match="referral date 0026-11-01 is before 1950")
    assert_refused(cli, db_path, "client", "add", "Bo Kent", "--referred-on", "0026-09-01", match="before 1950")
    assert_refused(cli, db_path, "client", "edit", "alex", "--referred-on", "1949-12-31", match="before 1950")
    assert jcli("contact", "list")[0]["referrals_out"] == 0


def test_a_referral_out_is_not_dated_before_the_referral_in(jcli, cli, db_path):
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "client", "refer", "alex", "--to", "shah", "--on", "2025-10-01",
                   match="referral out date 2025-10-01 is before #1's referral in (2026-09-01)")
    jcli("client", "refer", "alex", "--to", "shah", "--on", "2026-10-01")
    assert_refused(cli, db_path, "client", "edit", "alex", "--referred-on", "2026-10-02",
                   match="referral date 2026-10-02 is after the client's referral out of 2026-10-01")
    assert jcli("client", "edit", "alex", "--referred-on", "2026-10-01")["referred_on"] == "2026-10-01"


def test_a_referral_out_prints_its_reason_as_stored(jcli):
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Alex Morgan")
    assert jcli("client", "refer", "alex", "--to", "shah", "--reason", "   ")["reason"] is None
    printed = jcli("client", "refer", "alex", "--to", "shah", "--on", "2026-11-20", "--reason", "  medication  ")
    assert printed["reason"] == jcli("client", "show", "alex")["referrals_out"][0]["reason"] == "medication"


def test_export_holds_everything(jcli, cli, db_path):
    jcli("contact", "add", "Dr Shah")
    jcli("client", "add", "Alex Morgan", "--referred-by", "shah")
    jcli("client", "refer", "alex", "--to", "shah")
    result = cli("client", "export", "alex")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["client"]["name"] == "Alex Morgan"
    assert data["referral_in"]["contact_name"] == "Dr Shah"
    assert data["referrals_out"][0]["contact_name"] == "Dr Shah"
    assert [a["action"] for a in data["audit"]] == ["add", "refer"]
    for key in ("sessions", "notes", "plans", "measures", "goals"):
        assert key in data
    # a script's reflexive --json is accepted: the export is JSON anyway
    assert jcli("client", "export", "alex")["client"]["id"] == data["client"]["id"]


def test_an_export_replayed_on_an_earlier_day_still_holds_the_discharge(jcli, cli):
    """`client export` with --today (or THERAPY_TODAY) before the discharge gave the client as active, with no
    discharge date or reason, beside every session held: a subject access request missing what is held."""
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    jcli("session", "add", "alex", "--at", "2026-09-10 10:00")
    jcli("client", "discharge", "alex", "--on", "2026-10-01", "--reason", "planned ending")
    for day in ("2026-09-15", "2026-11-27"):
        record = json.loads(cli("--today", day, "client", "export", "alex").stdout)["client"]
        assert (record["status"], record["discharged_on"], record["discharge_reason"]) == (
            "discharged", "2026-10-01", "planned ending")


def test_export_to_file_is_private(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    out = tmp_path / "sar.json"
    assert cli("client", "export", "alex", "--output", out).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert json.loads(out.read_text())["client"]["id"] == 1


def test_list_filters_and_csv(jcli, cli):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Group A", "--kind", "group")
    assert [r["name"] for r in jcli("client", "list", "--kind", "group")] == ["Group A"]
    result = cli("client", "list", "--csv")
    assert result.stdout.splitlines()[0].startswith("id,name,kind,status")
    assert len(result.stdout.splitlines()) == 3


def test_list_has_the_spec_client_keys_members_included(jcli, cli):
    jcli("client", "add", "Ann Lee")
    jcli("client", "add", "Ben Lee")
    jcli("client", "add", "The Lees", "--kind", "couple", "--member", "Ann", "--member", "Ben")
    jcli("client", "leave", "The Lees", "Ben", "--on", "2026-11-01")
    rows = {r["name"]: r for r in jcli("client", "list")}
    for row in rows.values():
        for key in ("id", "name", "kind", "status", "members", "date_of_birth", "referred_on",
                    "referral_source", "discharged_on"):
            assert key in row
    assert rows["Ann Lee"]["members"] == []
    assert rows["The Lees"]["members"] == jcli("client", "show", "The Lees")["members"]
    # a table cell or CSV field names today's members
    lines = cli("client", "list", "--csv").stdout.splitlines()
    assert lines[0] == "id,name,kind,status,members,via_unit,date_of_birth,referred_on,referral_source,discharged_on"
    assert "The Lees,couple,waiting,#1 Ann Lee," in lines[3]


def test_free_text_fields_refuse_terminal_escapes(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("contact", "add", "Dr Shah")
    for args in (["client", "add", "Sam", "--referral-source", "GP\x1b[2J"],
                 ["client", "refer", "alex", "--to", "shah", "--reason", "x\x1b[31m"],
                 ["client", "discharge", "alex", "--reason", "done\x1b]0;title\x07"],
                 ["contact", "add", "Dr Lee", "--org", "Clinic\x1b[1m"]):
        assert_refused(cli, db_path, *args, match="control characters")
    assert jcli("client", "discharge", "alex", "--reason", "planned ending\nafter 12 sessions")["status"] == "discharged"


def test_name_fragments_fold_case_beyond_ascii(jcli, cli, db_path):
    import unicodedata

    jcli("client", "add", "Élodie Dubois")
    jcli("client", "add", "Zoë Øster")
    jcli("contact", "add", "Dr Şükrü Yıldız")
    assert jcli("client", "show", "élodie")["name"] == "Élodie Dubois"
    assert jcli("client", "show", "ZOË")["name"] == "Zoë Øster"
    assert jcli("client", "show", "øster")["name"] == "Zoë Øster"
    # as typed on a Mac (decomposed accents)
    assert jcli("client", "show", unicodedata.normalize("NFD", "élodie"))["name"] == "Élodie Dubois"
    assert jcli("client", "refer", "élodie", "--to", "ŞÜKRÜ")["contact_name"] == "Dr Şükrü Yıldız"
    # typed without the accents, as note search reads words
    assert jcli("client", "show", "zoe")["name"] == "Zoë Øster"
    assert jcli("client", "show", "elodie dubois")["name"] == "Élodie Dubois"
    assert jcli("client", "refer", "elodie", "--to", "sukru", "--on", "2026-11-26")["contact_name"] == "Dr Şükrü Yıldız"
    # a name that differs only by its accents is the same person, as the duplicate check sees it
    result = cli("client", "add", "Elodie Dubois")
    assert result.exit_code == 1 and "#1 Élodie Dubois" in result.stderr and "--allow-duplicate" in result.stderr


def test_a_name_with_a_typographic_apostrophe_or_none_finds_the_record(jcli, cli):
    """`client show "O’Brien"` pasted from a letter did not find O'Brien, nor did `obrien`."""
    jcli("client", "add", "Siobhan O'Brien")
    jcli("client", "add", "Ana Smith-Jones")
    for typed in ("O’Brien", "obrien", "o'brien", "O`Brien"):
        assert jcli("client", "show", typed)["name"] == "Siobhan O'Brien", typed
    assert jcli("client", "show", "smith–jones")["name"] == "Ana Smith-Jones"      # an en dash from a word processor
    # the same name typed the other way is the same person to the duplicate check
    result = cli("client", "add", "Siobhan O’Brien")
    assert result.exit_code == 1 and "#1 Siobhan O'Brien" in result.stderr and "--allow-duplicate" in result.stderr


def test_the_label_remind_prints_names_the_client_pasted_as_it_is(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Bea Carter")
    for typed in ("#2", "#2 B.C.", "#2 b.c.", "#2 BC", "#2 Bea Carter", " #2  B.C. "):
        assert jcli("client", "show", typed)["id"] == 2, typed
    # initials or a name that are not the client's: refused, nothing done (a line from the wrong row of a mail)
    assert_refused(cli, db_path, "client", "discharge", "#2 A.M.", code=1, match="#2 is not 'A.M.'")
    assert_refused(cli, db_path, "client", "show", "#9", code=1, match="no client with id 9")
    assert jcli("measure", "add", "#1 A.M.", "gad7", "--score", "4")["client_id"] == 1


def test_export_asks_before_replacing_a_file(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    out = tmp_path / "sar.json"
    out.write_text("keep me")
    result = cli("client", "export", "alex", "--output", out)
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert out.read_text() == "keep me"
    assert cli("client", "export", "alex", "--output", out, "--yes").exit_code == 0
    assert json.loads(out.read_text())["client"]["name"] == "Alex Morgan"


def test_a_referral_date_cannot_move_after_the_discharge(jcli, cli, db_path):
    from conftest import assert_refused

    jcli("client", "add", "Bo Bell", "--referred-on", "2026-09-01")
    jcli("session", "add", "Bo", "--at", "2026-10-01 10:00")
    jcli("client", "discharge", "Bo", "--on", "2026-10-15")
    assert_refused(cli, db_path, "client", "edit", "Bo", "--referred-on", "2026-11-01", match="after the discharge")
    assert jcli("client", "edit", "Bo", "--referred-on", "2026-10-01")["referred_on"] == "2026-10-01"  # first seen


def test_reopening_a_discharge_of_a_month_already_reported_says_it_leaves_that_months_figures(cli, jcli):
    jcli("client", "add", "Hal Nine", "--referred-on", "2026-09-01")
    jcli("session", "add", "hal", "--at", "2026-09-10 10:00")
    jcli("client", "discharge", "hal", "--on", "2026-10-15")
    assert jcli("report", "month", "--month", "2026-10")["discharges"] == 1
    result = cli("client", "reopen", "hal")
    assert result.exit_code == 0
    assert ("Warning: the discharge on 2026-10-15 is undone: reports of 2026-10 (discharges, report outcomes) "
            "no longer count it") in result.stderr
    assert jcli("report", "month", "--month", "2026-10")["discharges"] == 0
    # a discharge this month, undone the same month (entered in error): nothing to say
    jcli("client", "discharge", "hal", "--on", "2026-11-20")
    assert cli("client", "reopen", "hal").stderr == ""
