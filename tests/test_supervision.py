"""Supervision received and given: BACP group credit, the monthly requirement, privacy of cases."""

from datetime import date

import pytest

from conftest import assert_refused
from wrong_form import refused


@pytest.mark.parametrize("group_size, duration, expected", [
    (1, 90, 1.5),        # individual: the full time
    (2, 90, 0.75),       # 2-4: half the time
    (4, 120, 1.0),
    (5, 150, 0.5),       # 5 or more: the time divided by the group size
    (8, 120, 0.25),
])
def test_bacp_group_rule(group_size, duration, expected):
    from therapy_cli.practice.supervision import credited_hours

    assert credited_hours(duration, group_size) == pytest.approx(expected)


@pytest.mark.parametrize("group_size, expected", [(1, 2.0), (2, 1.0), (4, 1.0), (5, 0.4), (8, 0.25)])
def test_group_rule_through_the_cli_is_stored_and_summed(jcli, group_size, expected):
    record = jcli("supervise", "log", "--on", "2026-11-10", "--duration", "120", "--group-size", str(group_size))
    assert record["group_size"] == group_size
    assert record["credited_hours"] == pytest.approx(expected)
    status = jcli("supervise", "status")
    assert status["month"]["received_hours"] == pytest.approx(expected)


def test_status_has_spec_keys_and_month_below_requirement_is_unmet(jcli):
    jcli("supervise", "log", "--on", "2026-10-05", "--duration", "60")
    jcli("supervise", "log", "--on", "2026-10-19", "--duration", "30")   # October: 1.5 -> met
    jcli("supervise", "log", "--on", "2026-09-30", "--duration", "60")   # September: 1.0 -> unmet
    jcli("supervise", "log", "--on", "2026-11-02", "--duration", "60")   # November so far: 1.0
    status = jcli("supervise", "status")
    assert set(status["month"]) >= {"received_hours", "required_hours", "met"}
    assert set(status["year"]) >= {"received_hours", "given_hours"}
    assert status["month"] == {**status["month"], "received_hours": 1.0, "required_hours": 1.5, "met": False}
    by_month = {m["month"]: m for m in status["months"]}
    assert len(status["months"]) == 12
    assert status["months"][0]["month"] == "2025-12" and status["months"][-1]["month"] == "2026-11"
    assert by_month["2026-10"]["met"] is True
    assert by_month["2026-09"]["met"] is False and by_month["2026-09"]["received_hours"] == 1.0
    # no averaging: October's surplus does not help September or November
    assert by_month["2026-11"]["met"] is False and by_month["2026-11"]["complete"] is False
    assert "2026-09" in status["months_unmet"] and "2026-10" not in status["months_unmet"]
    assert status["year"]["received_hours"] == pytest.approx(3.5)


def test_requirement_follows_the_setting(jcli):
    jcli("supervise", "log", "--on", "2026-11-02", "--duration", "60")
    assert jcli("supervise", "status")["month"]["met"] is False
    jcli("config", "set", "supervision.hours_per_month", "1")
    status = jcli("supervise", "status")
    assert status["month"]["required_hours"] == 1.0 and status["month"]["met"] is True


def test_year_counts_received_and_given_within_the_calendar_year(jcli):
    jcli("supervise", "log", "--on", "2025-12-31", "--duration", "600")
    jcli("supervise", "log", "--on", "2026-01-01", "--duration", "60", "--group-size", "3")
    jcli("supervise", "give", "Jo Patel", "--on", "2025-12-31", "--duration", "60")
    jcli("supervise", "give", "Jo Patel", "--on", "2026-03-03", "--duration", "90")
    year = jcli("supervise", "status")["year"]
    assert year["received_hours"] == pytest.approx(0.5)
    assert year["given_hours"] == pytest.approx(1.5)


def test_domain_sums_are_inclusive(db):
    from therapy_cli.practice import supervision

    supervision.log_received(db, date(2026, 11, 1), 60)
    supervision.log_received(db, date(2026, 11, 27), 30, group_size=6)
    supervision.log_given(db, "Jo", date(2026, 11, 1), 45)
    # shown as every report shows hours: 2 places (SPEC v2; was 4)
    assert supervision.received_hours(db, date(2026, 11, 1), date(2026, 11, 27)) == 1.08
    assert supervision.received_hours(db, date(2026, 11, 2), date(2026, 11, 26)) == 0
    assert supervision.given_hours(db, date(2026, 11, 1), date(2026, 11, 1)) == pytest.approx(0.75)


def test_client_names_never_appear_in_supervision_output(jcli, cli):
    jcli("client", "add", "Alexandra Morganstern")
    jcli("client", "add", "Samuel Jonesworth")
    outputs = []
    for day, fmt in (("2026-11-20", "--json"), ("2026-11-19", "--csv"), ("2026-11-18", "--format=table")):
        result = cli("supervise", "log", "--on", day, "--duration", "90", "--supervisor", "Dr Lee",
                     "--case", "alexandra", "--case", "2", fmt)
        assert result.exit_code == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    record = jcli("supervise", "list")[0]
    assert record["cases"] == ["#1 A.M.", "#2 S.J."]
    for command in (("supervise", "list"), ("supervise", "status"), ("supervise", "supervisees"),
                    ("db", "audit")):
        for fmt in ("--json", "--csv", "--format=table"):
            result = cli(*command, fmt)
            assert result.exit_code == 0, result.stderr
            outputs.append(result.stdout + result.stderr)
    text = "\n".join(outputs)
    assert "#1 A.M." in text
    for fragment in ("Alexandra", "Morganstern", "Samuel", "Jonesworth"):
        assert fragment not in text


def test_client_show_lists_supervision_dates(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Jones")
    jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60", "--case", "alex")
    jcli("supervise", "log", "--on", "2026-10-02", "--duration", "60", "--case", "alex", "--case", "sam")
    jcli("supervise", "log", "--on", "2026-10-09", "--duration", "60", "--case", "sam", "--case", "sam")
    assert jcli("client", "show", "alex")["supervision_dates"] == ["2026-10-02", "2026-11-20"]
    assert jcli("client", "show", "sam")["supervision_dates"] == ["2026-10-02", "2026-10-09"]


def test_every_change_is_audited_with_the_case(jcli):
    jcli("client", "add", "Alex Morgan")
    record = jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60", "--case", "alex")
    rows = jcli("db", "audit", "--client", "alex")
    assert any(r["record_type"] == "supervision" and r["record_id"] == record["id"] for r in rows)
    given = jcli("supervise", "give", "Jo Patel", "--on", "2026-11-20", "--duration", "60")
    audit = jcli("db", "audit")
    assert any(r["record_type"] == "supervisee" and r["action"] == "add" for r in audit)
    assert any(r["record_type"] == "supervision" and r["record_id"] == given["id"] for r in audit)
    assert all("Jo Patel" not in r["summary"] for r in audit)


def test_supervisees_are_records_with_hours_given(jcli, cli, db_path):
    first = jcli("supervise", "give", "Jo Patel", "--on", "2026-11-03", "--duration", "60")
    assert first["new_supervisee"] is True and first["supervisee"] == "Jo Patel"
    again = jcli("supervise", "give", "jo pat", "--on", "2026-11-10", "--duration", "90")
    assert again["supervisee_id"] == first["supervisee_id"] and again["new_supervisee"] is False
    jcli("supervise", "give", str(first["supervisee_id"]), "--on", "2025-06-10", "--duration", "30")
    jcli("supervise", "give", "Kim Ode", "--on", "2026-11-12", "--duration", "50")
    # a new name that is part of an existing one needs --new
    jcli("supervise", "give", "Jo", "--on", "2026-11-13", "--duration", "50", "--new")
    rows = {r["name"]: r for r in jcli("supervise", "supervisees")}
    assert set(rows) == {"Jo Patel", "Kim Ode", "Jo"}
    assert rows["Jo Patel"]["sessions"] == 3
    assert rows["Jo Patel"]["hours_given"] == pytest.approx(3.0)
    assert rows["Jo Patel"]["hours_this_year"] == pytest.approx(2.5)
    assert rows["Jo Patel"]["last_on"] == "2026-11-10"
    assert rows["Jo"]["sessions"] == 1
    listed = jcli("supervise", "list", "--supervisee", "Jo Patel")
    assert [r["on_date"] for r in listed] == ["2025-06-10", "2026-11-03", "2026-11-10"]
    assert jcli("supervise", "give", "jo", "--duration", "50")["supervisee"] == "Jo"   # the exact name wins
    assert_refused(cli, db_path, "supervise", "give", "o", "--on", "2026-11-13", "--duration", "50",
                   match="matches 3")
    assert_refused(cli, db_path, "supervise", "give", "99", "--on", "2026-11-13", "--duration", "50",
                   match="no supervisee with id 99")
    assert_refused(cli, db_path, "supervise", "give", "Kim Ode", "--new", "--on", "2026-11-13",
                   "--duration", "50", match="already exists")


def test_list_filters_by_dates_and_direction(jcli, cli, db_path):
    jcli("supervise", "log", "--on", "2026-10-31", "--duration", "60")
    jcli("supervise", "log", "--on", "2026-11-01", "--duration", "60")
    jcli("supervise", "give", "Jo", "--on", "2026-11-15", "--duration", "60")
    assert [r["on_date"] for r in jcli("supervise", "list", "--from", "2026-11-01")] == ["2026-11-01", "2026-11-15"]
    assert [r["on_date"] for r in jcli("supervise", "list", "--to", "2026-11-01")] == ["2026-10-31", "2026-11-01"]
    assert [r["direction"] for r in jcli("supervise", "list", "--direction", "given")] == ["given"]
    assert jcli("supervise", "list", "--from", "2026-12-01") == []
    assert_refused(cli, db_path, "supervise", "list", "--from", "2026-11-10", "--to", "2026-11-01",
                   match="after")


@pytest.mark.parametrize("args, match", [
    (("--duration", "4"), "duration"),
    (("--duration", "601"), "duration"),
    (("--duration", "0"), "duration"),
    (("--duration", "-30"), "duration"),
    (("--duration", "60", "--group-size", "0"), "group size"),
    (("--duration", "60", "--on", "2026-11-28"), "future"),
    (("--duration", "60", "--on", "2026-02-30"), "does not exist"),
    (("--duration", "60", "--on", "20/11/2026"), "date.order"),
    (("--duration", "60", "--case", "nobody"), "no client"),
    (("--duration", "60", "--case", "Morgan", "--case", "nobody"), "no client"),
    (("--duration", "60", "--supervisor", "  "), "empty"),
])
def test_bad_received_supervision_is_refused_and_nothing_written(cli, jcli, db_path, args, match):
    jcli("client", "add", "Alex Morgan")
    refused(cli, db_path, "supervise", "log", *args, match=match)


@pytest.mark.parametrize("args, code", [
    (("--duration", "sixty"), 2),
    (("--duration", "60.5"), 2),
    (("--on", "2026-11-01"), 2),          # --duration is required
])
def test_malformed_options_are_usage_errors(cli, db_path, args, code):
    assert_refused(cli, db_path, "supervise", "log", *args, code=code)


@pytest.mark.parametrize("args, match", [
    (("Jo", "--duration", "700", "--on", "2026-11-01"), "duration"),
    (("Jo", "--duration", "60", "--on", "tomorrow"), "future"),
    (("  ", "--duration", "60"), "empty"),
    (("Jo", "--duration", "60", "--on", "2026-13-01"), "does not exist"),
])
def test_bad_given_supervision_is_refused_and_no_supervisee_created(cli, db_path, args, match):
    refused(cli, db_path, "supervise", "give", *args, match=match)


def test_on_defaults_to_today(jcli):
    assert jcli("supervise", "log", "--duration", "60")["on_date"] == "2026-11-27"
    assert jcli("supervise", "log", "--duration", "60", "--on", "yesterday")["on_date"] == "2026-11-26"


def test_remove_needs_confirmation_and_is_audited(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    record = jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60", "--case", "alex")
    assert_refused(cli, db_path, "supervise", "remove", str(record["id"]), match="--yes")
    assert_refused(cli, db_path, "supervise", "remove", "99", "--yes", match="no supervision record")
    removed = jcli("supervise", "remove", str(record["id"]), "--yes")
    assert removed["id"] == record["id"]
    assert jcli("supervise", "list") == []
    assert jcli("client", "show", "alex")["supervision_dates"] == []
    assert any(r["action"] == "remove" for r in jcli("db", "audit", "--client", "alex"))


def test_status_table_and_csv_show_month_by_month(jcli, cli):
    jcli("supervise", "log", "--on", "2026-10-05", "--duration", "90")
    table = cli("supervise", "status")
    assert table.exit_code == 0
    assert "2026-10" in table.stdout and "not met" in table.stdout and "not yet" in table.stdout
    csv = cli("supervise", "status", "--csv")
    lines = csv.stdout.strip().splitlines()
    assert lines[0].startswith("month,") and len(lines) == 13
    assert len(jcli("supervise", "status", "--months", "24")["months"]) == 24
    assert cli("supervise", "status", "--months", "0").exit_code == 1


def test_every_command_has_help_with_an_example(cli):
    for command in ("log", "give", "list", "status", "supervisees", "remove"):
        result = cli("supervise", command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout, command


def test_month_rows_count_attended_client_sessions(db):
    from therapy_cli.practice import clients
    from therapy_cli.practice import supervision

    client = clients.add_client(db, "Alex Morgan")
    for day, status in [("2026-10-06", "attended"), ("2026-10-13", "attended"), ("2026-10-20", "dna"),
                        ("2026-11-03", "scheduled")]:
        db.insert("sessions", {"client_id": client["id"], "starts_at": f"{day}T10:00:00+01:00",
                               "starts_utc": f"{day}T09:00:00+00:00", "ends_utc": f"{day}T09:50:00+00:00",
                               "local_date": day, "duration_min": 50, "status": status,
                               "created_at": "2026-10-01T00:00:00+00:00"})
    by_month = {m["month"]: m for m in supervision.status(db)["months"]}
    assert by_month["2026-10"]["client_sessions"] == 2
    assert by_month["2026-11"]["client_sessions"] == 0
    assert by_month["2026-09"]["client_sessions"] == 0


def test_an_ambiguous_case_lists_initials_not_names(jcli, cli, db_path):
    jcli("client", "add", "Alexandra Morganstern")
    jcli("client", "add", "Samuel Morganstern")
    result = assert_refused(cli, db_path, "supervise", "log", "--duration", "60", "--case", "morgan",
                            match="matches 2 clients")
    assert "#1 A.M." in result.stderr and "#2 S.M." in result.stderr
    assert "Alexandra" not in result.stderr and "Samuel" not in result.stderr


def test_an_ambiguous_case_lists_the_clients_an_accent_or_case_apart(jcli, cli, db_path):
    jcli("client", "add", "Zoë Adams")
    jcli("client", "add", "Zoe Brown")
    for typed in ("zoe", "ZOË"):   # the lookup finds both: the refusal lists both, not one or none
        result = assert_refused(cli, db_path, "supervise", "log", "--duration", "60", "--case", typed,
                                match="matches 2 clients")
        assert "#1 Z.A." in result.stderr and "#2 Z.B." in result.stderr


def test_an_erased_client_cannot_be_taken_to_supervision(jcli, cli, db_path, db):
    jcli("client", "add", "Alex Morgan")
    db.execute("UPDATE clients SET name = 'erased #1', erased_on = '2026-11-01' WHERE id = 1")
    assert_refused(cli, db_path, "supervise", "log", "--duration", "60", "--case", "1", match="erased")


def test_credit_never_exceeds_the_time_and_falls_with_group_size():
    from hypothesis import given, strategies as st

    from therapy_cli.practice.supervision import credited_hours

    @given(st.integers(5, 600), st.integers(1, 99))
    def check(duration, size):
        credit = credited_hours(duration, size)
        assert 0 < credit <= duration / 60
        assert credited_hours(duration, size + 1) <= credit
        if size >= 5:
            assert credit * size == pytest.approx(duration / 60, abs=1e-5)

    check()


@pytest.mark.parametrize("duration, size", [(4, 1), (601, 1), (60, 0), (60, 101), (60.0, 1), (True, 1)])
def test_credit_refuses_bad_values(duration, size):
    from therapy_cli.errors import InvalidValue
    from therapy_cli.practice.supervision import credited_hours

    with pytest.raises(InvalidValue):
        credited_hours(duration, size)


def test_an_ambiguous_name_in_a_group_names_only_supervisees_that_exist(cli, jcli, db_path):
    """Sam Green was named first and made new in the same command: the error offered '#2 Sam Green', rolled
    back, and #2 then went to the next new supervisee."""
    from conftest import assert_refused

    jcli("supervise", "give", "Jo Patel", "--duration", "60", "--on", "2026-11-20")
    jcli("supervise", "give", "Jo Pearce", "--duration", "60", "--on", "2026-11-20", "--new")
    result = assert_refused(cli, db_path, "supervise", "give", "Sam Green", "jo", "--duration", "60",
                            "--on", "2026-11-20")
    assert "#1 Jo Patel" in result.stderr and "#2 Jo Pearce" in result.stderr and "Sam Green" not in result.stderr
    result = assert_refused(cli, db_path, "supervise", "give", "Sam Green", "sam green", "--duration", "60",
                            "--on", "2026-11-20")
    assert "supervisee 'sam green' is named twice" in result.stderr
    made = jcli("supervise", "give", "Sam Green", "Jo Patel", "Ali Khan", "--duration", "90", "--on", "2026-11-21")
    assert [p["name"] for p in made["new_supervisees"]] == ["Sam Green", "Ali Khan"]
    assert [p["id"] for p in made["new_supervisees"]] == [3, 4]


def test_a_booking_and_a_record_with_the_same_id_are_never_confused(cli, jcli, db_path):
    """supervise list showed record #1 and booking #1; `remove 1 --yes`, meant for the booking, deleted the
    supervision received."""
    from conftest import assert_refused

    jcli("supervise", "log", "--on", "2026-11-20", "--duration", "90", "--supervisor", "Dr Lee")
    jcli("supervise", "book", "--on", "2026-12-17", "--duration", "90", "--supervisor", "Dr Lee")
    result = assert_refused(cli, db_path, "supervise", "remove", "1", "--yes")
    assert ("#1 is both supervision received on 2026-11-20 and a booking for 2026-12-17: add --booked to cancel "
            "the booking, or --record to delete the record") in result.stderr
    assert_refused(cli, db_path, "supervise", "remove", "1", "--booked", "--record", "--yes", code=2)
    assert cli("supervise", "remove", "1", "--booked", "--yes").exit_code == 0
    assert [r["direction"] for r in jcli("supervise", "list")] == ["received"]
    assert cli("supervise", "remove", "1", "--yes").exit_code == 0          # no booking #1 now: no question
    assert jcli("supervise", "list") == []


def test_a_replayed_morning_before_the_supervision_was_logged_still_sees_the_booking(cli, jcli):
    """Replaying 24 March after the 25 March supervision was logged dropped the booking: remind and status
    said 1.5 hours to go, which that morning's cron never said."""
    jcli("--today", "2026-03-02", "client", "add", "Alex Morgan")
    jcli("--today", "2026-03-02", "session", "add", "alex", "--at", "2026-03-01 10:00")
    jcli("--today", "2026-03-02", "supervise", "book", "--on", "2026-03-25", "--duration", "90")
    before = jcli("--today", "2026-03-24", "supervise", "status")
    jcli("--today", "2026-03-26", "supervise", "log", "--on", "2026-03-25", "--duration", "90")
    assert jcli("--today", "2026-03-24", "supervise", "status") == before
    assert before["month"]["booked_hours"] == 1.5
    assert jcli("--today", "2026-03-24", "remind", "--kind", "supervision_due") == []
    # from the day it was logged, it counts once, as received
    after = jcli("--today", "2026-03-26", "supervise", "status")["month"]
    assert (after["received_hours"], after["booked_hours"]) == (1.5, 0)


def test_supervision_given_to_a_clients_name_is_warned_of(cli, jcli):
    """`supervise give 'Jo Patel'` where Jo Patel is a client: a new supervisee, the client's full name in
    supervision's lists, and nothing said."""
    jcli("client", "add", "Jo Patel")
    result = cli("supervise", "give", "Jo Patel", "--on", "2026-11-20", "--duration", "60", "--json")
    assert result.exit_code == 0
    meeting = result.json()["id"]
    assert result.stderr == ("New supervisee #1 Jo Patel\nWarning: supervisee #1 has the name of client #1; "
                             "supervisees are the practitioners you supervise (a client's case taken to your own "
                             "supervision is supervise log --case): if that name was a slip, therapy supervise "
                             f"remove {meeting} --yes takes the meeting back\n")
    assert cli("supervise", "remove", str(meeting), "--yes").exit_code == 0
    assert cli("supervise", "give", "Sam Green", "--on", "2026-11-20", "--duration", "60").stderr == \
        "New supervisee #2 Sam Green\n"


def test_a_mistyped_supervisee_is_merged_renamed_or_goes_with_its_only_meeting(cli, jcli, db_path):
    """'Jo Patl' could be neither renamed nor removed, stayed listed with no meetings after its meeting was
    removed, and made 'Jo Pat' match two supervisees."""
    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-01", "--duration", "60")
    jcli("supervise", "give", "Jo Patl", "--on", "2026-11-02", "--duration", "60")
    slip = jcli("supervise", "give", "Sam Gren", "--on", "2026-11-03", "--duration", "60")
    merged = cli("supervise", "rename", "Jo Patl", "jo patel", "--json")
    assert merged.exit_code == 0 and merged.stderr == "Supervisee #2's meetings are now #1's; #2 is removed.\n"
    assert {k: merged.json()[k] for k in ("id", "name", "sessions", "hours_given", "merged_from")} == \
        {"id": 1, "name": "Jo Patel", "sessions": 2, "hours_given": 2.0, "merged_from": 2}
    assert jcli("supervise", "give", "Jo Pat", "--on", "2026-11-04", "--duration", "60")["supervisees"][0]["id"] == 1
    # the meeting given to a slip of a name, removed: the supervisee named at no other meeting goes with it
    removed = cli("supervise", "remove", str(slip["id"]), "--yes", "--json")
    assert removed.json()["supervisees_removed"] == [{"id": 3, "name": "Sam Gren"}]
    assert "Removed supervisee #3 Sam Gren, named at no other meeting" in removed.stderr
    assert [p["name"] for p in jcli("supervise", "supervisees")] == ["Jo Patel"]
    renamed = jcli("supervise", "rename", "Jo", "Joanna Patel")
    assert (renamed["id"], renamed["name"], renamed["sessions"], renamed["merged_from"]) == (1, "Joanna Patel", 3, None)
    assert_refused(cli, db_path, "supervise", "rename", "Joanna", "Joanna Patel", match="already named")
    # two people at one meeting are never merged
    jcli("supervise", "give", "Ali Khan", "Joanna Patel", "--on", "2026-11-05", "--duration", "90")
    assert_refused(cli, db_path, "supervise", "rename", "Ali Khan", "Joanna Patel",
                   match="are both named at 1 meeting(s), so they are two people")
    audit = [a["summary"] for a in jcli("db", "audit") if a["record_type"] == "supervisee" and a["action"] != "add"]
    assert audit == ["supervisee #2 merged into this one", "supervisee with no meeting left removed",
                     "supervisee renamed"]


def test_the_upgrade_makes_supervisee_ids_never_reused(jcli, db_path, monkeypatch):
    """A supervisee removed with its only meeting, or merged, must not hand its id to the next one: the audit
    log would tell two people's stories under one id (m019)."""
    import sqlite3

    from therapy_cli.storage import migrations

    with monkeypatch.context() as before:       # a file made by the version before m019
        before.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS
                                                  if m is not migrations.m019_supervisee_ids_never_reused])
        jcli("supervise", "give", "Jo Patel", "--on", "2026-11-01", "--duration", "60")
        jcli("supervise", "give", "Sam Green", "Ali Khan", "--on", "2026-11-02", "--duration", "90")
    conn = sqlite3.connect(db_path)
    assert "AUTOINCREMENT" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'supervisees'").fetchone()[0]
    rows = conn.execute("SELECT * FROM supervisees ORDER BY id").fetchall()
    conn.close()
    meeting = jcli("supervise", "give", "Lee Park", "--on", "2026-11-03", "--duration", "60")   # migrates first
    assert meeting["supervisees"][0]["id"] == 4
    conn = sqlite3.connect(db_path)
    assert "AUTOINCREMENT" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'supervisees'").fetchone()[0]
    assert conn.execute("SELECT * FROM supervisees WHERE id < 4 ORDER BY id").fetchall() == rows
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert jcli("supervise", "remove", str(meeting["id"]), "--yes")["supervisees_removed"][0]["id"] == 4
    assert jcli("supervise", "give", "Kim Lo", "--on", "2026-11-04", "--duration", "60")["supervisees"][0]["id"] == 5
    assert [p["sessions"] for p in jcli("supervise", "supervisees")] == [1, 1, 1, 1]


def test_a_target_met_exactly_is_met_whatever_the_float_sum_says(jcli):
    """Nine 50-minute meetings are 7.5 hours; summed as floats, 7.499999999999999: 'missed (just)'."""
    for day in ("2026-07-06", "2026-07-20", "2026-08-03", "2026-08-17", "2026-08-31", "2026-09-07", "2026-09-14",
                "2026-09-21", "2026-09-28"):
        jcli("supervise", "give", "Chris Trainee", "--on", day, "--duration", "50")
    jcli("config", "set", "targets.quarter.supervision_given_hours", "7.5")
    jcli("config", "set", "targets.quarter.supervision_given_hours.max", "7.5")
    met = {(t["direction"], t["met"]) for t in jcli("report", "quarter", "--quarter", "2026-Q3")["targets"]}
    assert met == {("min", True), ("max", True)}


def test_a_booking_counts_until_that_supervisor_is_logged_that_day(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-11-19 10:00", "--status", "attended")
    jcli("supervise", "book", "--on", "2026-11-27", "--duration", "90", "--supervisor", "Dr Lee")
    # the morning's peer group, logged: the afternoon's booking with Dr Lee still counts
    jcli("supervise", "log", "--on", "2026-11-27", "--duration", "60", "--group-size", "4", "--supervisor", "Peer")
    assert jcli("remind", "--kind", "supervision_due") == []        # 0.5 received + 1.5 booked
    jcli("supervise", "log", "--on", "2026-11-27", "--duration", "90", "--supervisor", "dr lee")
    assert jcli("remind", "--kind", "supervision_due") == []        # 2.0 received, the booking not counted again


def test_a_supervisor_or_supervisee_is_the_same_case_and_accents_aside(cli, jcli, db_path):
    """SQLite's lower() and NOCASE fold A-Z only: a booking with 'Dr Ölsen' logged as 'dr ölsen' still counted
    as booked (1.5 h more for the month, so remind's supervision_due kept quiet), and 'zoë' was a second
    supervisee beside 'Zoë Hart'."""
    jcli("supervise", "book", "--on", "2026-11-27", "--duration", "90", "--supervisor", "Dr Ölsen")
    assert jcli("supervise", "status")["month"]["booked_hours"] == 1.5
    again = cli("supervise", "log", "--on", "2026-11-27", "--duration", "30", "--supervisor", "dr ölsen")
    assert again.exit_code == 0
    assert jcli("supervise", "status")["month"]["booked_hours"] == 0
    assert_refused(cli, db_path, "supervise", "log", "--on", "2026-11-27", "--duration", "30",
                   "--supervisor", "DR ÖLSEN", match="already logged (record #1)")
    jcli("supervise", "give", "Zoë Hart", "--on", "2026-11-20", "--duration", "60")
    jcli("supervise", "give", "zoë hart", "--on", "2026-11-21", "--duration", "60")
    assert [row["name"] for row in jcli("supervise", "supervisees")] == ["Zoë Hart"]


def test_a_merge_that_would_count_one_meeting_twice_is_refused_and_a_number_is_no_name(cli, jcli, db_path):
    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-10", "--duration", "60")
    jcli("supervise", "give", "Jo Patl", "--on", "2026-11-24", "--duration", "60")     # a typo: a second record
    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-24", "--duration", "60")    # the meeting typed again
    assert_refused(cli, db_path, "supervise", "rename", "Jo Patl", "Jo Patel",
                   match="the merge would leave meetings #2 and #3 (2026-11-24, 60 min) as one meeting logged twice")
    assert_refused(cli, db_path, "supervise", "rename", "Jo Patl", "2", match="cannot be a number")
    jcli("supervise", "remove", "3", "--yes")
    assert jcli("supervise", "rename", "Jo Patl", "Jo Patel")["merged_from"] == 2


def test_a_received_supervision_typed_again_to_add_the_supervisor_is_said(cli, jcli):
    jcli("supervise", "log", "--on", "2026-11-20", "--duration", "90")
    again = cli("supervise", "log", "--on", "2026-11-20", "--duration", "90", "--supervisor", "Dr Lee")
    assert again.exit_code == 0
    assert again.stderr == ("Warning: supervision received on 2026-11-20 is also logged as #1 (90 min, no supervisor "
                            "named): both count; if this one corrects it, take that one back (therapy supervise "
                            "remove 1)\n")
    # two named supervisors that day: two meetings, nothing to say
    jcli("supervise", "log", "--on", "2026-11-21", "--duration", "60", "--supervisor", "Dr Lee")
    assert cli("supervise", "log", "--on", "2026-11-21", "--duration", "60", "--supervisor", "Peer group").stderr == ""


def test_hours_given_this_year_in_a_replay_count_no_later_year(jcli):
    """Replayed on 31 December 2025, `supervisees` counted 2026's meetings as 'this year' (from 1 January 2025
    on, with no end), while `supervise status` said 1 hour given in 2025."""
    jcli("supervise", "give", "Jo Patel", "--on", "2025-12-10", "--duration", "60")
    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-10", "--duration", "90")
    row = jcli("--today", "2025-12-31", "supervise", "supervisees")[0]
    assert row["hours_this_year"] == jcli("--today", "2025-12-31", "supervise", "status")["year"]["given_hours"] == 1
    assert jcli("supervise", "supervisees")[0]["hours_this_year"] == 1.5


def test_removing_a_bookings_id_without_booked_says_it_is_a_booking(cli, jcli, db_path):
    """supervise list showed booking #1 and no record #1; `remove 1` said only 'no supervision record with id 1'."""
    from conftest import assert_refused

    jcli("supervise", "book", "--on", "2026-12-17", "--duration", "90", "--supervisor", "Dr Lee")
    assert_refused(cli, db_path, "supervise", "remove", "1", "--yes",
                   match="no supervision record with id 1; #1 is a booking for 2026-12-17: add --booked to cancel it")
    assert_refused(cli, db_path, "supervise", "remove", "1", "--record", "--yes",
                   match="no supervision record with id 1")
    assert_refused(cli, db_path, "supervise", "remove", "2", "--yes", match="no supervision record with id 2")
    assert cli("supervise", "remove", "1", "--booked", "--yes").exit_code == 0


def test_a_month_short_by_a_sliver_never_says_nothing_to_go(cli, jcli):
    """89 minutes and 5 in a group of six are 1.4972 hours: not met, yet status said '(0 to go)' and remind
    '0.00 to go'."""
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-11-19 10:00", "--status", "attended")
    jcli("supervise", "log", "--on", "2026-11-02", "--duration", "89")
    jcli("supervise", "log", "--on", "2026-11-03", "--duration", "5", "--group-size", "6")
    month = jcli("supervise", "status")["month"]
    assert (month["received_hours"], month["met"], month["remaining_hours"]) == (1.5, False, 0)   # as shown
    assert "1.5 of 1.5 hours (less than 0.01 to go)" in cli("supervise", "status").stdout
    [due] = jcli("remind", "--kind", "supervision_due")
    assert "(less than 0.01 to go by 2026-11-30" in due["message"]


def test_a_hash_id_that_names_no_supervisee_is_refused_not_made_a_new_one(cli, jcli, db_path):
    """`supervise give 2` is refused when there is no supervisee #2, but `give '#2'` (as lists and warnings
    write ids) added a supervisee named '#2', and '#1 A.M.' copied from remind one named '#1 A.M.'."""
    from conftest import assert_refused

    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-20", "--duration", "60")
    assert_refused(cli, db_path, "supervise", "give", "#2", "--on", "2026-11-21", "--duration", "60",
                   match="no supervisee with id 2")
    assert_refused(cli, db_path, "supervise", "give", "#1 A.M.", "--on", "2026-11-21", "--duration", "60",
                   match="supervisee #1 is not 'A.M.'")
    assert_refused(cli, db_path, "supervise", "give", "#2", "--new", "--on", "2026-11-21", "--duration", "60",
                   match="cannot be a number or '#' and a number")
    assert_refused(cli, db_path, "supervise", "rename", "Jo Patel", "#7", match="cannot be a number")
    assert jcli("supervise", "give", "#1 J.P.", "--on", "2026-11-21", "--duration", "60")["supervisee_id"] == 1
    assert [p["name"] for p in jcli("supervise", "supervisees")] == ["Jo Patel"]


def test_supervision_given_typed_again_to_put_the_length_right_is_said(cli, jcli):
    """`supervise log` warns of a meeting retyped with its length corrected (both count); `supervise give`
    counted both in silence."""
    jcli("supervise", "give", "Jo Patel", "--on", "2026-11-20", "--duration", "60")
    again = cli("supervise", "give", "Jo Patel", "--on", "2026-11-20", "--duration", "50")
    assert again.exit_code == 0
    assert again.stderr == ("Warning: supervision given on 2026-11-20 is also logged as #1 (60 min, Jo Patel): both "
                            "count; if this one corrects it, take that one back (therapy supervise remove 1)\n")
    # another supervisee that day, or a group meeting with others besides: nothing to say
    assert "Warning" not in cli("supervise", "give", "Sam Green", "--on", "2026-11-20", "--duration", "50").stderr
    assert "Warning" not in cli("supervise", "give", "Jo Patel", "Sam Green", "Ali Khan", "--on", "2026-11-20",
                                "--duration", "90").stderr


def test_a_booking_typed_again_to_put_the_length_right_is_said(cli, jcli):
    """Booked for 60 minutes, then booked again for 90 to correct it: both counted towards the month (2.5 hours
    booked), quietening supervision_due, and nothing was said."""
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "60", "--supervisor", "Dr Lee")
    again = cli("supervise", "book", "--on", "2026-11-30", "--duration", "90", "--supervisor", "dr lee")
    assert again.exit_code == 0
    assert again.stderr == ("Warning: supervision on 2026-11-30 is also booked as #1 (60 min, Dr Lee): both count "
                            "towards the month; if this one corrects it, cancel that one (therapy supervise remove 1 "
                            "--booked --yes)\n")
    assert "Warning" not in cli("supervise", "book", "--on", "2026-11-30", "--duration", "60",
                                "--supervisor", "Peer group").stderr
