"""Supervision rules pinned at their edges (mutation testing of therapy_cli/practice/supervision.py).

BACP's credit for group supervision, the accepted durations and group sizes, the monthly requirement met
exactly, which months are complete. Today (conftest) is Friday 2026-11-27.
"""

from datetime import date

import pytest

from conftest import assert_refused
from therapy_cli.errors import InvalidValue
from therapy_cli.practice import supervision


def shown(exact: float) -> set[float]:
    """Hours as shown: to four places on this branch, to two once SPEC's "shown values round alike everywhere
    (hours to 2 places)" lands. Either is right; any other rounding is not."""
    return {round(exact, 4), round(exact, 2)}


@pytest.mark.parametrize("group_size, expected", [(1, 1.0), (2, 0.5), (3, 0.5), (4, 0.5), (5, 0.2), (6, 1 / 6)])
def test_credit_at_each_edge_of_the_group_rule(group_size, expected):
    assert supervision.credited_hours(60, group_size) == pytest.approx(expected)


def test_durations_of_5_to_600_minutes_and_no_others():
    assert supervision.credited_hours(5) == pytest.approx(5 / 60)
    assert supervision.credited_hours(600) == pytest.approx(10)
    for wrong in (4, 601):
        with pytest.raises(InvalidValue, match="out of range"):
            supervision.credited_hours(wrong)


def test_groups_of_1_to_100_and_no_others():
    assert supervision.credited_hours(600, 100) == pytest.approx(0.1)
    for wrong in (0, 101):
        with pytest.raises(InvalidValue, match="out of range"):
            supervision.credited_hours(60, wrong)


def test_the_earliest_date_is_1_january_1950_and_the_latest_today(db):
    assert supervision.log_received(db, date(1950, 1, 1), 60)["on_date"] == "1950-01-01"
    assert supervision.log_received(db, db.today, 60)["on_date"] == "2026-11-27"
    with pytest.raises(InvalidValue, match="before 1950"):
        supervision.log_received(db, date(1949, 12, 31), 60)
    with pytest.raises(InvalidValue):
        supervision.log_received(db, date(2026, 11, 28), 60)


def test_a_month_is_met_exactly_at_the_requirement_and_not_a_minute_short(db):
    required = supervision.required_hours(db)
    supervision.log_received(db, date(2026, 11, 2), int(required * 60) - 1)
    month = supervision.status(db)["month"]
    assert month["met"] is False and month["remaining_hours"] in shown(required - (int(required * 60) - 1) / 60)
    supervision.log_received(db, date(2026, 11, 3), 5, group_size=5)   # credited 1/60 h: exactly the requirement
    month = supervision.status(db)["month"]
    assert month["met"] is True and month["remaining_hours"] == 0


def test_a_month_is_complete_only_after_its_last_day(db_path, monkeypatch):
    from therapy_cli.storage.db import open_database

    database = open_database(db_path, today=date(2026, 11, 30))
    try:
        table = supervision.months(database, 2)
        assert [(m["month"], m["complete"]) for m in table] == [("2026-10", True), ("2026-11", False)]
    finally:
        database.close()


def test_between_1_and_240_months_are_shown(db):
    assert len(supervision.months(db, 1)) == 1
    table = supervision.months(db, 240)
    assert len(table) == 240 and table[0]["month"] == "2006-12" and table[-1]["month"] == "2026-11"
    for wrong in (0, 241):
        with pytest.raises(InvalidValue, match="out of range"):
            supervision.months(db, wrong)


def test_month_table_crosses_the_year_back_to_january_and_december(db):
    months = [m["month"] for m in supervision.months(db, 12)]
    assert months[0] == "2025-12" and months[1] == "2026-01" and months[-1] == "2026-11"


def test_hours_given_this_year_start_on_1_january(db):
    supervision.log_given(db, "Jo Patel", date(2025, 12, 31), 60)
    supervision.log_given(db, "Jo Patel", date(2026, 1, 1), 30)
    (row,) = supervision.supervisees(db)
    assert row["sessions"] == 2 and row["hours_given"] == pytest.approx(1.5)
    assert row["hours_this_year"] == pytest.approx(0.5)


def test_cases_are_found_for_every_record_across_the_chunks_of_500(db):
    from therapy_cli.practice import clients

    client = clients.add_client(db, "Chunk Client")
    rows = [("2026-03-01", "received", 60, 1, 1.0, "2026-11-01T00:00:00+00:00") for n in range(502)]
    db.conn.executemany("INSERT INTO supervision (on_date, direction, duration_min, group_size, credited_hours, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?)", rows)
    ids = [r["id"] for r in db.query("SELECT id FROM supervision ORDER BY id")]
    for index in (0, 499, 500, 501):
        db.conn.execute("INSERT INTO supervision_cases (supervision_id, client_id) VALUES (?, ?)",
                        (ids[index], client["id"]))
    records = {r["id"]: r for r in supervision.list_supervision(db)}
    assert [n for n, i in enumerate(ids) if records[i]["case_ids"]] == [0, 499, 500, 501]
    assert all(records[ids[n]]["case_ids"] == [client["id"]] for n in (0, 499, 500, 501))


@pytest.mark.parametrize("value", [90.5, "90", True])
def test_durations_and_group_sizes_are_whole_numbers(value):
    with pytest.raises(InvalidValue, match="whole number"):
        supervision.credited_hours(value)
    with pytest.raises(InvalidValue, match="whole number"):
        supervision.credited_hours(60, value)


def test_the_audit_says_individual_or_the_group_size(db):
    supervision.log_received(db, date(2026, 11, 2), 60)
    supervision.log_received(db, date(2026, 11, 3), 60, group_size=2)
    summaries = [r["summary"] for r in db.query("SELECT summary FROM audit WHERE record_type = 'supervision' "
                                                 "ORDER BY id")]
    assert "60 min, individual, 0 case(s)" in summaries[0] and "60 min, group of 2, 0 case(s)" in summaries[1]


def test_an_ambiguous_case_lists_ten_and_counts_the_rest(db):
    from therapy_cli.errors import Ambiguous
    from therapy_cli.practice import clients

    def message():
        with pytest.raises(Ambiguous) as raised:
            supervision.log_received(db, date(2026, 11, 2), 60, cases=["smith"])
        return str(raised.value)

    for n in range(10):
        clients.add_client(db, f"Pat Smith{'x' * n}")
    assert "matches 10 clients" in message() and message().count("P.S.") == 10 and " more;" not in message()
    clients.add_client(db, "Pat Smithy Eleven")
    assert message().count("P.S.") == 10 and "#11" not in message() and "and 1 more" in message()
    clients.add_client(db, "Pat Smithy Twelve")
    assert "matches 12 clients" in message() and "and 2 more" in message()


def test_notes_up_to_4000_characters(db):
    assert len(supervision.log_received(db, date(2026, 11, 2), 60, note="n" * 4000)["note"]) == 4000
    assert len(supervision.log_given(db, "Jo Patel", date(2026, 11, 2), 60, note="n" * 4000)["note"]) == 4000
    with pytest.raises(InvalidValue):
        supervision.log_received(db, date(2026, 11, 2), 60, note="n" * 4001)
    with pytest.raises(InvalidValue):
        supervision.log_given(db, "Jo Patel", date(2026, 11, 2), 60, note="n" * 4001)


def test_an_ambiguous_case_counts_only_the_names_that_match(db):
    from therapy_cli.errors import Ambiguous
    from therapy_cli.practice import clients

    for name in ("Ann Lee", "Ben Lee", "Cal Moss"):
        clients.add_client(db, name)
    with pytest.raises(Ambiguous, match=r"matches 2 clients: #1 A\.L\. \(no date of birth, waiting\); #2 B\.L\. "):
        supervision.log_received(db, date(2026, 11, 2), 60, cases=["lee"])


def test_given_supervision_is_individual_and_with_the_supervisee(db):
    given = supervision.log_given(db, "Jo Patel", date(2026, 11, 2), 60)
    assert given["group_size"] == 1 and given["credited_hours"] == 1 and given["with"] == "Jo Patel"
    received = supervision.log_received(db, date(2026, 11, 2), 60, supervisor="Dr Rivers")
    assert received["with"] == "Dr Rivers"


def test_credit_and_sums_are_rounded_as_shown(db):
    record = supervision.log_received(db, date(2026, 11, 2), 60, group_size=6)
    assert record["credited_hours"] in shown(1 / 6)
    assert supervision.received_hours(db, date(2026, 11, 1), date(2026, 11, 30)) in shown(1 / 6)
    assert supervision.status(db, 12)["month"]["remaining_hours"] in shown(supervision.required_hours(db) - 1 / 6)


def test_more_than_the_requirement_leaves_nothing_remaining(db):
    supervision.log_received(db, date(2026, 11, 2), 600)
    month = supervision.status(db, 12)["month"]
    assert month["met"] is True and month["remaining_hours"] == 0


def test_months_met_and_unmet_count_the_months_before_this_one(db):
    supervision.log_received(db, date(2026, 10, 2), 600)     # October met; this month (November) not yet
    status = supervision.status(db, 3)
    assert [m["month"] for m in status["months"]] == ["2026-09", "2026-10", "2026-11"]
    assert status["months_met"] == 1 and status["months_unmet"] == ["2026-09"]


def test_remaining_hours_are_rounded_as_shown(cli, jcli):
    jcli("supervise", "log", "--on", "2026-11-02", "--duration", "90")
    assert cli("config", "set", "supervision.hours_per_month", "1.62345").exit_code == 0
    assert jcli("supervise", "status")["month"]["remaining_hours"] in shown(1.62345 - 1.5)


# -- supervision given, bookings and the month, pinned for mutation testing --------------------------

def test_group_supervision_given_names_everyone_and_says_so_in_the_audit(cli, jcli):
    given = jcli("supervise", "give", "Zoe Zed", "Amy Ash", "--duration", "60", "--on", "2026-11-20",
                 "--group-size", "3")
    zoe, amy = (p["id"] for p in sorted(given["new_supervisees"], key=lambda p: p["name"] != "Zoe Zed"))
    assert given["supervisee_id"] == zoe and given["with"] == "Amy Ash, Zoe Zed"
    assert [r["with"] for r in jcli("supervise", "list", "--direction", "given")] == ["Amy Ash, Zoe Zed"]
    jcli("supervise", "give", "Amy", "--duration", "50", "--on", "2026-11-21")
    summaries = [r["summary"] for r in jcli("db", "audit") if r["record_type"] == "supervision"]
    assert f"supervision given on 2026-11-20 to supervisees #{zoe}, #{amy}: 60 min, group of 3" in summaries
    assert f"supervision given on 2026-11-21 to supervisee #{amy}: 50 min" in summaries
    # a supervisee named twice is refused; a filter by supervisee leaves bookings out
    assert cli("supervise", "give", "Amy", "Amy", "--duration", "50", "--on", "2026-11-22").exit_code == 1
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "60")
    assert {r["direction"] for r in jcli("supervise", "list", "--supervisee", "Amy")} == {"given"}
    assert {r["direction"] for r in jcli("supervise", "list")} == {"given", "booked"}


def test_booking_today_counts_and_hours_show_to_two_places(cli, jcli):
    assert cli("supervise", "book", "--on", "2026-11-26", "--duration", "50").exit_code == 1   # the past
    booked = jcli("supervise", "book", "--on", "2026-11-27", "--duration", "50", "--note", "n" * 4000)
    assert booked["credited_hours"] == 0.83
    assert cli("supervise", "book", "--on", "2026-11-28", "--duration", "50", "--note", "n" * 4001).exit_code == 1
    jcli("supervise", "log", "--on", "2026-11-02", "--duration", "50")
    month = jcli("supervise", "status")["month"]
    assert (month["received_hours"], month["booked_hours"], month["remaining_hours"]) == (0.83, 0.83, 0.67)
    jcli("supervise", "log", "--on", "2026-11-03", "--duration", "60")
    month = jcli("supervise", "status")["month"]
    assert month["met"] is True and month["remaining_hours"] == 0.0


def test_remaining_hours_as_at_a_replayed_day_leave_out_supervision_logged_later(cli, jcli):
    """supervise status as at --today: what was received later in the month is not yet received, in the
    remaining hours as in the received ones (SPEC: state as at the day)."""
    jcli("supervise", "log", "--on", "2026-11-05", "--duration", "30")
    jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60")
    month = jcli("--today", "2026-11-10", "supervise", "status")["month"]
    assert (month["received_hours"], month["met"], month["remaining_hours"]) == (0.5, False, 1.0)
    month = jcli("supervise", "status")["month"]
    assert (month["received_hours"], month["met"], month["remaining_hours"]) == (1.5, True, 0.0)


def test_supervision_given_to_two_says_group_of_2_in_the_audit(cli, jcli):
    given = jcli("supervise", "give", "Bea Bee", "Cal Cee", "--duration", "60", "--on", "2026-11-20",
                 "--group-size", "2")
    assert given["group_size"] == 2
    summaries = [r["summary"] for r in jcli("db", "audit") if r["record_type"] == "supervision"]
    assert any(s.endswith(": 60 min, group of 2") for s in summaries)


def test_a_booking_is_the_same_only_on_the_same_day_length_group_and_supervisor(cli, jcli, db_path):
    """A second booking that differs in any one of the four is another booking, not the first typed twice."""
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "60", "--supervisor", "Dr Lee")
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "90", "--supervisor", "Dr Lee")  # longer
    jcli("supervise", "book", "--on", "2026-12-01", "--duration", "60", "--supervisor", "Dr Lee")  # next day
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "60", "--supervisor", "Dr Lee",
         "--group-size", "2")                                                                        # a group
    jcli("supervise", "book", "--on", "2026-11-30", "--duration", "60", "--supervisor", "Dr Kay")  # another
    assert_refused(cli, db_path, "supervise", "book", "--on", "2026-11-30", "--duration", "60",
                   "--supervisor", "DR LEE", match="already booked")
    assert len(jcli("supervise", "list", "--direction", "booked")) == 5


def test_booked_hours_count_only_the_span_asked_about(db):
    """A booking next month, with nothing received that day, is not part of this month's booked hours."""
    supervision.book(db, date(2026, 11, 30), 60, group_size=1)
    supervision.book(db, date(2026, 12, 2), 90, group_size=1)
    assert supervision.booked_hours(db, date(2026, 11, 1), date(2026, 11, 30)) == 1.0
    assert supervision.booked_hours(db, date(2026, 12, 1), date(2026, 12, 31)) == 1.5
    assert supervision.booked_hours(db, date(2026, 11, 1), date(2026, 12, 31)) == 2.5


def test_supervision_received_logged_twice_is_refused_unless_it_was_two_meetings(cli, jcli, db_path):
    """Shell history ran `supervise log` again: the month's hours counted the meeting twice."""
    first = jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60", "--supervisor", "Dr Lee")
    again = assert_refused(cli, db_path, "supervise", "log", "--on", "2026-11-20", "--duration", "60",
                           "--supervisor", "DR LEE", match=f"already logged (record #{first['id']})")
    assert f"'supervise remove {first['id']}'" in again.stderr
    # differing in only the day, the length, the group size or the supervisor: another meeting
    for differs in (("--on", "2026-11-21", "--duration", "60", "--supervisor", "Dr Lee"),
                    ("--on", "2026-11-20", "--duration", "90", "--supervisor", "Dr Lee"),
                    ("--on", "2026-11-20", "--duration", "60", "--supervisor", "Dr Lee", "--group-size", "2"),
                    ("--on", "2026-11-20", "--duration", "60", "--supervisor", "Dr Kay"),
                    ("--on", "2026-11-20", "--duration", "60")):
        jcli("supervise", "log", *differs)
    jcli("supervise", "log", "--on", "2026-11-20", "--duration", "60", "--supervisor", "Dr Lee", "--allow-duplicate")
    assert len(jcli("supervise", "list", "--direction", "received")) == 7
    # November: 1 (Dr Lee) + 1 (the 21st) + 1.5 (90 min) + 0.5 (a group of 2) + 1 (Dr Kay) + 1 (nobody named)
    # + 1 (the second meeting, allowed)
    assert jcli("supervise", "status")["month"]["received_hours"] == 7.0


def test_supervision_given_twice_to_the_same_people_is_refused_unless_it_was_two_meetings(cli, jcli, db_path):
    first = jcli("supervise", "give", "Jo Patel", "Sam Green", "--on", "2026-11-20", "--duration", "90")
    assert_refused(cli, db_path, "supervise", "give", "Sam", "Jo", "--on", "2026-11-20", "--duration", "90",
                   match=f"already logged (record #{first['id']})")
    # another day, length, group size or set of people: another meeting; a new name is never a repeat
    jcli("supervise", "give", "Jo", "Sam", "--on", "2026-11-19", "--duration", "90")
    jcli("supervise", "give", "Jo", "Sam", "--on", "2026-11-20", "--duration", "60")
    jcli("supervise", "give", "Jo", "Sam", "--on", "2026-11-20", "--duration", "90", "--group-size", "3")
    jcli("supervise", "give", "Jo", "--on", "2026-11-20", "--duration", "90")
    jcli("supervise", "give", "Jo", "Sam", "Ali New", "--on", "2026-11-20", "--duration", "90")
    jcli("supervise", "give", "Jo", "Sam", "--on", "2026-11-20", "--duration", "90", "--allow-duplicate")
    assert len(jcli("supervise", "list", "--direction", "given")) == 7
