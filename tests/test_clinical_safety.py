"""Clinical safety: waits to first treatment, the CORE-10 risk item, no "recovered" before a finished course,
the date of death and retention after it."""

from datetime import date

import pytest

from conftest import assert_refused
from test_reports import add_client, add_session


# -- the CORE-10 risk item ---------------------------------------------------------

def test_core10_item_6_above_zero_raises_the_risk_flag(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    # item 6 ("I made plans to end my life") = 3; items 2 and 3 reverse-scored
    result = cli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,3,2,2,2,2", "--on", "2026-11-20",
                 "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["risk"] == 3
    assert "CORE-10 item 6 (I made plans to end my life) scored 3" in result.stderr
    assert "Alex" not in result.stderr
    flag = jcli("client", "show", "alex")["risk"]
    assert (flag["instrument"], flag["item"], flag["score"], flag["taken_on"]) == ("CORE-10", 6, 3, "2026-11-20")
    # a later CORE-10 with item 6 at 0 clears the questionnaire flag shown on the record
    quiet = cli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,0,2,2,2,2", "--on", "2026-11-27")
    assert quiet.exit_code == 0 and "item 6" not in quiet.stderr
    assert jcli("client", "show", "alex")["risk"] is None


def test_core10_item_6_at_zero_and_a_total_raise_nothing(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    assert jcli("measure", "add", "alex", "core10", "--items", "3,1,1,3,3,0,3,3,3,3")["risk"] == 0
    assert jcli("measure", "add", "alex", "core10", "--score", "30")["risk"] is None
    assert jcli("client", "show", "alex")["risk"] is None
    assert jcli("measure", "add", "alex", "gad7", "--items", "3,3,3,3,3,3,3")["risk"] is None


def test_the_risk_item_is_data_in_the_instrument_table():
    from therapy_cli.clinical.instruments import get_instrument

    assert get_instrument("PHQ-9").risk_item == 9 and get_instrument("CORE-10").risk_item == 6
    assert get_instrument("GAD-7").risk_item is None


# -- no "recovered" before a finished course ---------------------------------------

def _one_session_recovery(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-11-02 10:00", "--type", "assessment")
    jcli("session", "add", "alex", "--at", "2026-11-09 10:00")
    jcli("measure", "add", "alex", "phq9", "--score", 18, "--on", "2026-11-02")
    jcli("measure", "add", "alex", "phq9", "--score", 5, "--on", "2026-11-09")


def test_one_treatment_session_is_not_yet_a_recovery(cli, jcli):
    _one_session_recovery(jcli)
    progress = jcli("measure", "progress", "alex")
    assert progress["finished_course"] is False
    assert progress["reliable_recovery"] is True          # the rule's arithmetic, for scripts
    out = cli("measure", "progress", "alex").stdout
    assert "recovered" not in out
    assert "so far: below caseness now and reliably improved, not yet a finished course" in out
    # a second treatment session finishes the course: now the words may say it
    jcli("session", "add", "alex", "--at", "2026-11-16 10:00")
    assert jcli("measure", "progress", "alex")["finished_course"] is True
    assert "Overall (NHS Talking Therapies): reliably recovered." in cli("measure", "progress", "alex").stdout


def test_client_report_does_not_call_one_session_a_recovery(cli, jcli, tmp_path):
    _one_session_recovery(jcli)
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    text = out.read_text()
    assert "not yet a finished course" in text and "recovered" not in text
    # therapy ended after that one session: an end-of-therapy report never says "so far" or "not yet"
    jcli("client", "discharge", "alex", "--on", "2026-11-10", "--reason", "dropped out")
    assert cli("report", "client", "alex", "--output", out, "--yes").exit_code == 0
    text = out.read_text()
    assert ("Overall (NHS Talking Therapies): below caseness at the end and reliably improved; therapy ended "
            "before a finished course (2 or more attended treatment sessions), so recovery is not judged.") in text
    assert "so far" not in text and "not yet" not in text and "now" not in text.split("Overall")[1]
    assert "therapy ended before a finished course" in cli("measure", "progress", "alex").stdout


def test_a_single_score_of_a_client_discharged_is_not_judged_and_not_so_far(cli, jcli, tmp_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-01")
    jcli("session", "add", "alex", "--at", "2026-11-02 10:00", "--type", "assessment")
    jcli("measure", "add", "alex", "phq9", "--score", 18, "--on", "2026-11-02")
    jcli("client", "discharge", "alex", "--on", "2026-11-03")
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    # therapy over, short of a finished course: not judged, said as report outcomes has it
    assert ("Overall (NHS Talking Therapies): no reliable change; therapy ended before a finished course (2 or "
            "more attended treatment sessions), so recovery is not judged (a single PHQ-9 or GAD-7 score counts as "
            "unchanged, as in report outcomes).") in out.read_text()


def test_a_single_score_of_a_finished_course_is_judged_as_report_outcomes_judges_it(cli, jcli, tmp_path):
    jcli("client", "add", "Xi Chen", "--referred-on", "2026-10-01")
    for day in ("2026-11-10", "2026-11-17"):
        jcli("session", "add", "xi", "--at", f"{day} 10:00")
    jcli("measure", "add", "xi", "phq9", "--score", 15, "--on", "2026-11-10")
    jcli("client", "discharge", "xi", "--on", "2026-11-17")
    out = tmp_path / "xi.md"
    assert cli("report", "client", "xi", "--output", out).exit_code == 0
    assert ("Overall (NHS Talking Therapies): no reliable change, not recovered (a single PHQ-9 or GAD-7 score "
            "counts as unchanged, as in report outcomes).") in out.read_text()
    outcomes = jcli("report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30")
    assert (outcomes["finished"], outcomes["at_caseness"], outcomes["recovered"]) == (1, 1, 0)


# -- waits to first treatment (NHS Digital) ---------------------------------------

def _after(day: str, days: int) -> str:
    return date.fromordinal(date.fromisoformat(day).toordinal() + days).isoformat()


def _case(db, name, referred, assessed_after, treated_after, discharged="2026-11-20", sessions=2):
    cid = add_client(db, name, status="discharged", referred_on=referred, discharged_on=discharged,
                     referral_source="GP")
    if assessed_after is not None:
        add_session(db, cid, f"{_after(referred, assessed_after)} 09:00", type_="assessment")
    for week in range(sessions):
        add_session(db, cid, f"{_after(referred, treated_after + 7 * week)} 10:00")
    return cid


def test_an_assessment_does_not_stop_the_clock(db):
    from therapy_cli.reports import service as reports

    # assessed at day 7, first treatment at day 56: NOT within 6 weeks
    _case(db, "Late Treatment", "2026-03-02", 7, 56)
    report = reports.outcomes_report(db, date(2026, 1, 1), date(2026, 11, 27))
    assert report["finished"] == 1
    assert report["median_wait_days"] == 56 and report["median_wait_to_assessment_days"] == 7
    assert report["within_6_weeks_rate"] == 0.0 and report["within_18_weeks_rate"] == 1.0
    referrals = reports.referrals_report(db, date(2026, 1, 1), date(2026, 11, 27))["by_source"]
    assert referrals == [{"source": "GP", "referrals": 1, "started": 1, "median_wait_days": 56,
                          "median_wait_to_assessment_days": 7}]


def test_wait_boundaries_42_43_126_127_days(db):
    from therapy_cli.reports import service as reports

    for n, days in enumerate((42, 43, 126, 127)):
        _case(db, f"Case {n}", "2026-01-05", 7, days)
    report = reports.outcomes_report(db, date(2026, 1, 1), date(2026, 11, 27))
    assert report["waits_known"] == 4
    assert report["within_6_weeks_rate"] == 0.25      # 42 days is within 6 weeks; 43 is not
    assert report["within_18_weeks_rate"] == 0.75     # 126 is within 18 weeks; 127 is not
    assert report["median_wait_days"] == 84.5 and report["median_wait_to_assessment_days"] == 7


def test_a_client_never_treated_has_no_wait_to_treatment(db):
    from therapy_cli.reports import service as reports

    cid = _case(db, "Assessed Only", "2026-03-02", 7, 20, sessions=0)
    add_session(db, cid, "2026-03-30 10:00", type_="review")
    report = reports.outcomes_report(db, date(2026, 1, 1), date(2026, 11, 27))
    assert report["discharged"] == 1 and report["finished"] == 0 and report["median_wait_days"] is None


def test_outcomes_table_and_csv_name_both_waits(cli, db_path):
    from therapy_cli.storage.db import open_database

    database = open_database(db_path, today=date(2026, 11, 27))
    _case(database, "Late Treatment", "2026-03-02", 7, 56)
    database.close()
    table = cli("report", "outcomes", "--from", "2026-01-01").stdout
    assert "median wait to first treatment (days)" in table and "median wait to first contact (days)" in table
    header = cli("report", "outcomes", "--from", "2026-01-01", "--csv").stdout.splitlines()[0].split(",")
    assert "median_wait_to_assessment_days" in header


def test_remind_waiting_long_counts_a_client_seen_only_for_assessment(db):
    from therapy_cli.reports import reminders

    today = "2026-11-27"
    assessed = add_client(db, "Ann Assessed", status="active", referred_on=_after(today, -60))
    add_session(db, assessed, f"{_after(today, -53)} 10:00", type_="assessment")
    treated = add_client(db, "Tom Treated", status="active", referred_on=_after(today, -60))
    add_session(db, treated, f"{_after(today, -53)} 10:00", type_="assessment")
    add_session(db, treated, f"{_after(today, -46)} 10:00")
    at_42 = add_client(db, "Fay Fortytwo", status="active", referred_on=_after(today, -42))
    add_session(db, at_42, f"{_after(today, -35)} 10:00", type_="assessment")
    at_43 = add_client(db, "Guy Fortythree", status="waiting", referred_on=_after(today, -43))
    items = reminders.reminders(db, kinds=["waiting_long"], everything=True)
    assert [i["client_id"] for i in items] == [assessed, at_43]
    assert items[0]["message"] == (f"#{assessed} A.A. has waited for treatment 8 weeks since referral on "
                                   f"{_after(today, -60)}; seen on {_after(today, -53)} but no treatment "
                                   "session yet")
    assert items[0]["due"] == _after(today, -60 + 42)


# -- date of death and retention after it ------------------------------------------

def test_died_on_discharges_and_retention_runs_from_the_death(jcli, cli):
    jcli("client", "add", "Alex Morgan", "--dob", "1950-03-01", "--referred-on", "2014-01-10")
    jcli("session", "add", "alex", "--at", "2014-02-03 10:00")
    record = jcli("client", "edit", "alex", "--died-on", "2015-06-30")
    assert record["died_on"] == "2015-06-30"
    assert (record["status"], record["discharged_on"], record["discharge_reason"]) == (
        "discharged", "2015-06-30", "died")
    rows = jcli("db", "retention", "--all")
    assert [(r["client_id"], r["retain_until"], r["rule"]) for r in rows] == [
        (1, "2025-06-30", "10 years after death")]           # not 2035 (20 years after discharge)
    assert [i["client_id"] for i in jcli("remind", "--kind", "retention_due", "--all")] == [1]
    jcli("config", "set", "retention.after_death_years", "12")
    assert jcli("db", "retention", "--all")[0]["retain_until"] == "2027-06-30"
    assert jcli("remind", "--kind", "retention_due") == []


def test_death_long_after_discharge_keeps_the_sooner_date(jcli):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2000-01-10")
    jcli("client", "discharge", "alex", "--on", "2001-01-31")
    record = jcli("client", "edit", "alex", "--died-on", "2020-05-05")
    assert record["discharged_on"] == "2001-01-31" and record["discharge_reason"] is None
    row = jcli("db", "retention", "--all")[0]
    assert (row["retain_until"], row["rule"]) == ("2021-01-31", "20 years after discharge")


@pytest.mark.parametrize("args, match", [
    (["--died-on", "2026-11-28"], "future"),
    (["--died-on", "1989-12-31"], "before the date of birth"),
    (["--died-on", "2026-11-01"], "before the last attended session"),
])
def test_bad_dates_of_death_are_refused(cli, db_path, jcli, args, match):
    jcli("client", "add", "Alex Morgan", "--dob", "1990-01-01")
    jcli("session", "add", "alex", "--at", "2026-11-20 10:00")
    assert_refused(cli, db_path, "client", "edit", "alex", *args, match=match)


def test_a_unit_has_no_date_of_death(cli, db_path, jcli):
    jcli("client", "add", "Ann Lee")
    jcli("client", "add", "The Lees", "--kind", "couple", "--member", "Ann Lee")
    assert_refused(cli, db_path, "client", "edit", "The Lees", "--died-on", "2026-11-01", match="each person")


def test_client_report_gives_the_wait_to_first_treatment(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    jcli("session", "add", "alex", "--at", "2026-09-08 10:00", "--type", "assessment")
    jcli("session", "add", "alex", "--at", "2026-10-27 10:00")
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    text = out.read_text()
    assert "| Wait from referral to first session | 7 days |" in text
    assert "| Wait from referral to first treatment session | 56 days |" in text


# -- after a death, after an erasure: the record stays closed ----------------------------

def test_no_session_is_booked_attended_or_moved_after_a_death(cli, jcli, db_path):
    jcli("client", "add", "Ann Bee", "--dob", "1980-01-01", "--referred-on", "2026-10-01")
    jcli("session", "schedule", "ann", "--start", "2026-10-12 10:00", "--every", "week", "--count", "4")
    jcli("session", "attend", "1")
    recorded = cli("client", "edit", "ann", "--died-on", "2026-10-15", "--json")
    assert recorded.exit_code == 0 and "3 session(s) booked after the date of death remain" in recorded.stderr
    for args, status in [(["session", "add", "ann", "--at", "2026-10-20 10:00"], "attended"),
                         (["session", "add", "ann", "--at", "2026-12-20 10:00"], "scheduled"),
                         (["session", "add", "ann", "--at", "2026-10-20 10:00", "--status", "dna"], "dna"),
                         (["session", "attend", "2"], "attended"), (["session", "dna", "3"], "dna"),
                         (["session", "move", "1", "--to", "2026-10-16 10:00"], "attended")]:
        result = assert_refused(cli, db_path, *args)
        assert f"client #1 died on 2026-10-15; a session on" in result.stderr and f"cannot be {status}" in result.stderr
    # what can be done: cancel the bookings, record a cancelled one, keep sessions before the death
    assert jcli("session", "cancel", "2", "--by", "therapist")["status"] == "cancelled"
    assert jcli("session", "add", "ann", "--at", "2026-10-22 10:00", "--status", "cancelled")["status"] == "cancelled"
    assert jcli("session", "add", "ann", "--at", "2026-10-14 10:00")["status"] == "attended"
    # an import is held to the same rule
    path = db_path.parent / "late.csv"
    path.write_text("client,starts_at,status\n1,2026-10-29 10:00,attended\n", encoding="utf-8")
    assert "died on 2026-10-15" in assert_refused(cli, db_path, "import", "sessions", str(path)).stderr


def test_a_deceased_client_is_not_reopened_unless_the_death_is_cleared(cli, jcli, db_path):
    jcli("client", "add", "Ann Bee", "--referred-on", "2026-10-01")
    jcli("session", "add", "ann", "--at", "2026-10-05 10:00")
    assert jcli("client", "edit", "ann", "--died-on", "2026-10-15")["status"] == "discharged"
    result = assert_refused(cli, db_path, "client", "reopen", "ann")
    assert "died on 2026-10-15; the record is not reopened" in result.stderr and "--died-on ''" in result.stderr
    # recorded in error: cleared (audited), then reopened; the clearing says they stay discharged until then
    # (it said nothing, and a client at risk stayed off the register and remind unseen)
    cleared = cli("client", "edit", "ann", "--died-on", "", "--json")
    assert cleared.exit_code == 0 and cleared.json()["died_on"] is None
    assert cleared.stderr == ("Warning: #1 stays discharged (the date of death recorded in error discharged them on "
                              "2026-10-15): off the caseload, the risk register and remind; 'therapy client reopen 1' "
                              "if therapy goes on\n")
    assert jcli("client", "reopen", "ann")["status"] == "active"
    assert "no date of death to clear" in assert_refused(cli, db_path, "client", "edit", "ann", "--died-on", "").stderr
    assert [a["summary"] for a in jcli("db", "audit", "--client", "1") if a["action"] == "edit"] == [
        "changed died_on", "changed died_on"]


def test_an_erased_client_is_neither_reopened_nor_edited(cli, jcli, db_path):
    jcli("client", "add", "Erin Gone", "--referred-on", "2019-09-01")
    jcli("session", "add", "erin", "--at", "2019-09-15 10:00")
    jcli("client", "discharge", "erin", "--on", "2019-10-01", "--reason", "done")
    jcli("client", "erase", "1", "--yes", "--force", "--reason", "erasure request")
    for args in (["client", "reopen", "1"], ["client", "edit", "1", "--name", "Erin Gone"],
                 ["client", "edit", "1", "--phone", "07700 900000"], ["client", "edit", "1", "--fee", "80"]):
        result = assert_refused(cli, db_path, *args)
        assert "client #1 was erased on" in result.stderr, result.stderr
    stub = jcli("client", "show", "1")
    assert stub["status"] == "discharged" and stub["discharged_on"] == "2019-10-01" and stub["phone"] is None


def test_a_referral_date_cannot_move_after_the_first_attended_session(cli, jcli, db_path):
    jcli("client", "add", "Cy Wait", "--referred-on", "2026-09-20")
    jcli("session", "add", "cy", "--at", "2026-10-06 10:00")
    result = assert_refused(cli, db_path, "client", "edit", "cy", "--referred-on", "2026-10-20")
    assert "after the first attended session (2026-10-06)" in result.stderr
    assert jcli("client", "edit", "cy", "--referred-on", "2026-10-06")["referred_on"] == "2026-10-06"  # same day


def test_no_session_of_a_clients_own_before_their_referral(cli, jcli, db_path):
    """A session back-dated before the referral gave a wait of -2 days, counted as within 6 and 18 weeks."""
    jcli("client", "add", "Ben Ray", "--referred-on", "2026-11-05")
    for args in (["session", "add", "ben", "--at", "2026-11-03 10:00"],
                 ["session", "schedule", "ben", "--start", "2026-11-04 10:00", "--every", "week", "--count", "3"]):
        result = assert_refused(cli, db_path, *args)
        assert "before client #1's referral (2026-11-05)" in result.stderr
        assert "therapy client edit 1 --referred-on 2026-11-0" in result.stderr
    sid = jcli("session", "add", "ben", "--at", "2026-11-05 10:00")["id"]         # the day of referral: fine
    result = assert_refused(cli, db_path, "session", "move", str(sid), "--to", "2026-11-04 10:00")
    assert "before client #1's referral" in result.stderr
    # the referral was in fact earlier: corrected first, then the session goes in
    jcli("client", "edit", "ben", "--referred-on", "2026-11-01")
    jcli("session", "add", "ben", "--at", "2026-11-03 10:00")
    jcli("client", "discharge", "ben", "--on", "2026-11-10")
    assert jcli("report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30")["median_wait_days"] == 2


def test_a_booking_left_before_a_referral_moved_later_is_not_marked_attended(cli, jcli, db_path):
    """Booked (scheduled) on 20 November, then the referral corrected to 25 November, which only an attended
    session stops: marking the booking attended gave a first session five days before the referral."""
    jcli("client", "add", "Dan Roe", "--referred-on", "2026-11-01")
    for name in ("Eva Roe", "Fay Roe"):
        jcli("client", "add", name, "--referred-on", "2026-11-01")
    jcli("client", "add", "Roe couple", "--kind", "couple", "--member", "Eva", "--member", "Fay",
         "--referred-on", "2026-11-01")
    own = str(jcli("session", "add", "Dan", "--at", "2026-11-20 10:00", "--status", "scheduled")["id"])
    unit = str(jcli("session", "add", "Roe couple", "--at", "2026-11-20 12:00", "--status", "scheduled")["id"])
    jcli("client", "edit", "Dan", "--referred-on", "2026-11-25")
    jcli("client", "edit", "Fay", "--referred-on", "2026-11-25")
    assert_refused(cli, db_path, "session", "attend", own, match="the session on 2026-11-20 is before client #1's "
                   "referral (2026-11-25)")
    assert_refused(cli, db_path, "session", "attend", unit, match="member #3 of #4 was referred on 2026-11-25")
    assert jcli("session", "cancel", own)["status"] == "cancelled"     # the booking can still be cleared
    jcli("client", "edit", "Dan", "--referred-on", "2026-11-20")
    assert jcli("session", "attend", own)["status"] == "attended"
