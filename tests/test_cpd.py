"""CPD: records, the calendar year against its target, the rolling five years (UKCP)."""

from datetime import date

import pytest

from conftest import assert_refused
from wrong_form import refused


def test_add_prints_the_record(jcli):
    record = jcli("cpd", "add", "Working with shame", "--hours", "6", "--on", "2026-11-14", "--kind", "course",
                  "--note", "more curiosity, less interpretation")
    assert record == {"id": 1, "on_date": "2026-11-14", "title": "Working with shame", "kind": "course",
                      "hours": 6.0, "note": "more curiosity, less interpretation"}
    assert jcli("cpd", "add", "Journal article", "--hours", "0.5")["on_date"] == "2026-11-27"
    assert jcli("cpd", "add", "x", "--hours", "100", "--on", "2026-01-01")["kind"] == "other"


def test_status_spec_keys_and_target(jcli):
    jcli("cpd", "add", "Course", "--hours", "12", "--on", "2026-03-01", "--kind", "course")
    status = jcli("cpd", "status")
    assert status["year"] == 2026 and isinstance(status["year"], int)
    assert status["hours"] == 12.0 and status["target_hours"] == 20.0 and status["met"] is False
    assert status["remaining_hours"] == 8.0
    assert status["by_kind"]["course"] == 12.0
    jcli("cpd", "add", "Conference", "--hours", "8", "--on", "2026-06-01", "--kind", "conference")
    assert jcli("cpd", "status")["met"] is True
    jcli("config", "set", "cpd.hours_per_year", "30")
    status = jcli("cpd", "status")
    assert status["target_hours"] == 30.0 and status["met"] is False


def test_year_and_five_year_sums_across_year_boundaries(jcli):
    # today is 2026-11-27: the year is 2026-01-01..today; the five years 2021-11-28..today
    for day, hours in [("2021-11-27", 50), ("2021-11-28", 40), ("2023-06-30", 60), ("2025-12-31", 70),
                       ("2026-01-01", 15), ("2026-11-27", 5)]:
        jcli("cpd", "add", f"CPD on {day}", "--hours", str(hours), "--on", day)
    status = jcli("cpd", "status")
    assert status["hours"] == 20.0 and status["met"] is True
    assert status["five_year_start"] == "2021-11-28" and status["five_year_end"] == "2026-11-27"
    assert status["five_year_hours"] == 190.0
    assert status["five_year_target_hours"] == 250.0 and status["five_year_met"] is False
    jcli("cpd", "add", "Summer school", "--hours", "60", "--on", "2024-08-01")
    assert jcli("cpd", "status")["five_year_met"] is True
    years = {y["year"]: y for y in jcli("cpd", "status")["years"]}
    assert sorted(years) == [2022, 2023, 2024, 2025, 2026]
    assert years[2025]["hours"] == 70.0 and years[2025]["met"] is True and years[2025]["complete"] is True
    assert years[2022]["hours"] == 0.0 and years[2022]["met"] is False
    assert years[2026]["complete"] is False


def test_five_year_window_from_29_february(db):
    from therapy_cli.practice import cpd

    assert cpd.five_year_start(date(2028, 2, 29)) == date(2023, 3, 1)
    assert cpd.five_year_start(date(2026, 1, 1)) == date(2021, 1, 2)


def test_domain_sum_is_inclusive(db):
    from therapy_cli.practice import cpd

    cpd.add(db, "A", 1.25, date(2026, 1, 1))
    cpd.add(db, "B", 2, date(2026, 1, 31), "reading")
    cpd.add(db, "C", 4, date(2026, 2, 1))
    assert cpd.cpd_hours(db, date(2026, 1, 1), date(2026, 1, 31)) == 3.25
    assert cpd.cpd_hours(db, date(2026, 1, 2), date(2026, 1, 30)) == 0
    status = cpd.status(db)
    assert {"year", "hours", "target_hours", "met", "five_year_hours", "five_year_target_hours",
            "five_year_met"} <= set(status)


def test_pace_through_the_year(jcli, cli):
    # 2026-11-27 is day 331 of 365: 20 * 331 / 365 = 18.14 hours due by today
    status = jcli("cpd", "status")
    assert status["pace_hours"] == 18.14 and status["on_pace"] is False
    jcli("cpd", "add", "Course", "--hours", "18.5", "--on", "2026-05-01")
    assert jcli("cpd", "status")["on_pace"] is True
    early = cli("--today", "2026-01-01", "cpd", "status", "--json").json()
    assert early["year"] == 2026 and early["hours"] == 0.0 and early["pace_hours"] == pytest.approx(0.05)


def test_pace_is_judged_on_the_exact_share_not_the_rounded_one(jcli):
    """Day 331: the pace is 18.1370 hours, shown 18.14. 18.138 hours logged is ahead of it, yet cpd status said
    'behind', judging against the rounded 18.14."""
    jcli("cpd", "add", "Course", "--hours", "18.138", "--on", "2026-05-01")
    status = jcli("cpd", "status")
    assert (status["pace_hours"], status["on_pace"]) == (18.14, True)
    jcli("cpd", "remove", "1", "--yes")
    jcli("cpd", "add", "Course", "--hours", "18.136", "--on", "2026-05-01")
    assert jcli("cpd", "status")["on_pace"] is False


def test_a_year_short_by_a_sliver_never_says_nothing_to_go(jcli, cli):
    jcli("cpd", "add", "Course", "--hours", "19.996", "--on", "2026-05-01")
    status = jcli("cpd", "status")
    assert (status["hours"], status["met"], status["remaining_hours"]) == (20.0, False, 0)   # as shown
    assert "20 of 20 hours (less than 0.01 to go)" in cli("cpd", "status").stdout


def test_list_filters(jcli, cli, db_path):
    jcli("cpd", "add", "A", "--hours", "1", "--on", "2025-12-31", "--kind", "reading")
    jcli("cpd", "add", "B", "--hours", "2", "--on", "2026-01-01", "--kind", "course")
    jcli("cpd", "add", "C", "--hours", "3", "--on", "2026-02-01", "--kind", "reading")
    assert [r["title"] for r in jcli("cpd", "list")] == ["A", "B", "C"]
    assert [r["title"] for r in jcli("cpd", "list", "--from", "2026-01-01")] == ["B", "C"]
    assert [r["title"] for r in jcli("cpd", "list", "--to", "2026-01-01", "--kind", "reading")] == ["A"]
    csv = cli("cpd", "list", "--csv").stdout.splitlines()
    assert csv[0] == "id,on_date,title,kind,hours,note" and len(csv) == 4
    assert_refused(cli, db_path, "cpd", "list", "--from", "2026-02-01", "--to", "2026-01-01", match="after")


@pytest.mark.parametrize("args, match", [
    (("T", "--hours", "0", "--on", "2026-11-01"), "hours"),
    (("T", "--hours", "-1", "--on", "2026-11-01"), "hours"),
    (("T", "--hours", "100.5", "--on", "2026-11-01"), "hours"),
    (("T", "--hours", "nan", "--on", "2026-11-01"), "hours"),
    (("T", "--hours", "inf", "--on", "2026-11-01"), "hours"),
    (("T", "--hours", "0.00001", "--on", "2026-11-01"), "out of range"),  # was stored as 0: an internal error
    (("T", "--hours", "3", "--on", "2026-11-28"), "future"),
    (("T", "--hours", "3", "--on", "tomorrow"), "future"),
    (("T", "--hours", "3", "--on", "2026-02-29"), "does not exist"),
    (("T", "--hours", "3", "--on", "1/2/2026"), "date.order"),
    (("  ", "--hours", "3"), "empty"),
])
def test_bad_cpd_is_refused_and_nothing_written(cli, db_path, args, match):
    refused(cli, db_path, "cpd", "add", *args, match=match)


@pytest.mark.parametrize("args", [
    ("T", "--hours", "three"),
    ("T",),                                  # --hours is required
    ("T", "--hours", "3", "--kind", "webinar"),
])
def test_malformed_cpd_options_are_usage_errors(cli, db_path, args):
    assert_refused(cli, db_path, "cpd", "add", *args, code=2)


def test_cpd_is_audited_without_titles_or_notes(jcli):
    record = jcli("cpd", "add", "Private reading on a client's diagnosis", "--hours", "2",
                  "--note", "secret reflection")
    rows = [r for r in jcli("db", "audit") if r["record_type"] == "cpd"]
    assert len(rows) == 1 and rows[0]["record_id"] == record["id"] and rows[0]["action"] == "add"
    assert "diagnosis" not in rows[0]["summary"] and "secret" not in rows[0]["summary"]


def test_remove(jcli, cli, db_path):
    record = jcli("cpd", "add", "Oops", "--hours", "2")
    assert_refused(cli, db_path, "cpd", "remove", str(record["id"]), match="--yes")
    assert jcli("cpd", "remove", str(record["id"]), "--yes")["title"] == "Oops"
    assert jcli("cpd", "list") == []
    assert [r["action"] for r in jcli("db", "audit") if r["record_type"] == "cpd"] == ["add", "remove"]
    assert_refused(cli, db_path, "cpd", "remove", str(record["id"]), "--yes", match="no CPD record")


def test_status_table_and_csv(jcli, cli):
    jcli("cpd", "add", "Course", "--hours", "6", "--on", "2025-05-01")
    table = cli("cpd", "status")
    assert table.exit_code == 0 and "2025" in table.stdout and "five years" in table.stdout
    rows = cli("cpd", "status", "--csv").stdout.splitlines()
    assert rows[0].startswith("year,hours,target_hours,met") and len(rows) == 2


def test_every_command_has_help_with_an_example(cli):
    for command in ("add", "list", "status", "remove"):
        result = cli("cpd", command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout, command


def test_hours_that_read_as_minutes_are_warned_of_and_a_sliver_refused(cli, jcli, db_path):
    """`cpd add 'Webinar' --hours 90` (90 minutes) met the year's target in one go and silenced cpd_behind."""
    result = cli("cpd", "add", "Webinar on shame", "--hours", "90", "--on", "2026-11-20")
    assert result.exit_code == 0
    assert result.stderr == ("Warning: 90 hours is more than a day in one entry; if you meant 90 minutes, that is "
                             "1.5 hours (therapy cpd remove 1, then add it again)\n")
    assert cli("cpd", "add", "Day course", "--hours", "6", "--on", "2026-11-21").stderr == ""
    # shown as 0.00 in every list: refused
    assert_refused(cli, db_path, "cpd", "add", "Glance", "--hours", "0.001", match="use at least 0.01")


def test_the_list_says_what_supervision_counts_as_cpd_beside_it(cli, jcli):
    """With cpd.count_supervision on, cpd status counted 2.5 hours and cpd list showed one row of 1 hour."""
    assert cli("config", "set", "cpd.count_supervision", "true").exit_code == 0
    jcli("supervise", "log", "--on", "2026-02-11", "--duration", "90")
    jcli("cpd", "add", "Reading", "--hours", "1", "--on", "2026-02-01")
    assert jcli("cpd", "status")["hours"] == 2.5
    listed = cli("cpd", "list")
    assert listed.stderr == ("Also counted as CPD (cpd.count_supervision): 1.5 hours of supervision received in "
                             "this span, listed by therapy supervise list.\n")
    assert "Also counted" not in cli("cpd", "list", "--from", "2026-02-12").stderr
    assert cli("cpd", "list", "--json").stderr == ""                  # scripts get the list as before
    assert cli("config", "set", "cpd.count_supervision", "false").exit_code == 0
    assert cli("cpd", "list").stderr == ""
