"""The risk register: assessments (append-only), safety plans (versions kept), questionnaire flags, reminders."""

import json
import sqlite3

import pytest

from conftest import assert_refused, snapshot


@pytest.fixture
def alex(jcli):
    return jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-01")


def test_assess_records_a_dated_audited_assessment(jcli, alex):
    record = jcli("risk", "assess", "alex", "--level", "moderate", "--review-in", "14", "--note", "no plan",
                  "--on", "2026-11-20")
    assert record == {"id": 1, "client_id": alex["id"], "level": "moderate", "assessed_on": "2026-11-20",
                      "review_in_days": 14, "review_due": "2026-12-04", "note": "no plan"}
    audit = jcli("db", "audit", "--client", "alex")
    rows = [r for r in audit if r["record_type"] == "risk_assessment"]
    assert len(rows) == 1 and "no plan" not in str(rows)          # the audit says what, not the note
    assert jcli("client", "show", "alex")["risk_level"] == "moderate"


def test_a_moderate_or_high_risk_without_a_review_date_is_recorded_with_a_warning(cli, jcli, alex):
    warned = cli("risk", "assess", "alex", "--level", "high", "--json")
    assert warned.exit_code == 0 and json.loads(warned.stdout)["review_due"] is None
    assert warned.stderr == ("Warning: no review date for a high risk: remind will not ask for a review; "
                             "'therapy risk assess 1 --level high --review-in DAYS' records one with it\n")
    # the command it names records one (not refused as the same assessment again), and remind then asks for it
    assert jcli("risk", "assess", "1", "--level", "high", "--review-in", "1")["review_due"] == "2026-11-28"
    assert any(r["kind"] == "risk_review_due" for r in jcli("remind"))
    for level, review in (("low", []), ("none", []), ("moderate", ["--review-in", "14"])):
        assert cli("risk", "assess", "alex", "--level", level, *review, "--note", level).stderr == ""


@pytest.mark.parametrize("args, code, match", [
    (["--level", "severe"], 2, None),                              # unknown level: a choice that cannot be read
    (["--level", "low", "--review-in", "0"], 1, "--review-in"),
    (["--level", "low", "--review-in", "-3"], 1, "--review-in"),
    (["--level", "low", "--on", "2026-11-28"], 1, "future"),       # today is 2026-11-27
    (["--level", "low", "--note", "bad\x1b[2J"], 1, "control"),
])
def test_bad_assessments_are_refused_and_nothing_written(cli, db_path, alex, args, code, match):
    assert_refused(cli, db_path, "risk", "assess", "alex", *args, code=code, match=match)


def test_assessments_are_append_only_in_the_database(jcli, db_path, alex):
    jcli("risk", "assess", "alex", "--level", "high")
    jcli("risk", "plan", "alex", "--crisis", "999")
    conn = sqlite3.connect(db_path)
    try:
        for sql in ("UPDATE risk_assessments SET level = 'none'", "DELETE FROM risk_assessments",
                    "INSERT OR REPLACE INTO risk_assessments (id, client_id, assessed_on, level, created_at) "
                    "VALUES (1, 1, '2026-11-01', 'none', 'x')",
                    "REPLACE INTO safety_plans (id, client_id, version, set_on, created_at) "
                    "VALUES (1, 1, 1, '2026-11-01', 'x')",
                    "UPDATE safety_plans SET crisis = ''", "DELETE FROM safety_plans"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        assert conn.execute("SELECT level FROM risk_assessments").fetchall() == [("high",)]
    finally:
        conn.close()


def test_safety_plan_versions_are_kept(jcli, cli, alex):
    first = jcli("risk", "plan", "alex", "--warning-signs", "not sleeping", "--crisis", "NHS 111 option 2",
                 "--on", "2026-11-01")
    assert (first["version"], first["coping"]) == (1, None)
    second = jcli("risk", "plan", "alex", "--coping", "walk the dog", "--crisis", "")
    assert (second["version"], second["warning_signs"], second["coping"], second["crisis"]) == (
        2, "not sleeping", "walk the dog", None)               # carried over, added, cleared
    same = cli("risk", "plan", "alex", "--coping", "walk the dog", "--json")
    assert same.exit_code == 0 and same.json()["version"] == 2 and "unchanged" in same.stderr
    shown = jcli("risk", "show", "alex")
    assert shown["safety_plan"]["version"] == 2 and shown["safety_plan_versions"] == 2
    export = jcli("client", "export", "alex")
    assert [p["version"] for p in export["safety_plans"]] == [1, 2]


def test_a_plan_needs_a_part(cli, db_path, alex):
    assert_refused(cli, db_path, "risk", "plan", "alex", match="at least one part")
    assert_refused(cli, db_path, "risk", "plan", "alex", "--crisis", "", match="not empty")


def _register_case(jcli):
    for name in ("Ann High", "Ben Low", "Cat None", "Dan Moderate", "Eve Flagged", "Fay High", "Gus Gone"):
        jcli("client", "add", name)
    jcli("risk", "assess", "ann", "--level", "high", "--review-in", "7", "--on", "2026-11-20")
    jcli("risk", "assess", "ben", "--level", "low", "--review-in", "28", "--on", "2026-11-01")
    jcli("risk", "assess", "cat", "--level", "none")
    jcli("risk", "assess", "dan", "--level", "moderate", "--review-in", "14", "--on", "2026-11-10")
    jcli("measure", "add", "eve", "phq9", "--items", "1,1,1,1,1,1,1,1,2", "--on", "2026-11-25")
    jcli("risk", "assess", "fay", "--level", "high", "--review-in", "3", "--on", "2026-11-23")
    jcli("risk", "assess", "gus", "--level", "high")
    jcli("client", "discharge", "gus")


def test_the_register_runs_high_to_low_with_review_dates(jcli, cli):
    _register_case(jcli)
    register = jcli("risk", "list")
    assert [(i["client_id"], i["level"], i["assessed_on"], i["review_due"]) for i in register] == [
        (6, "high", "2026-11-23", "2026-11-26"),          # Fay: high, review due first
        (1, "high", "2026-11-20", "2026-11-27"),          # Ann
        (4, "moderate", "2026-11-10", "2026-11-24"),      # Dan
        (2, "low", "2026-11-01", "2026-11-29"),           # Ben
        (5, None, None, None),                            # Eve: never assessed, a PHQ-9 item 9 flag
    ]                                                     # Cat (none) and Gus (discharged) are not listed
    assert set(register[0]) >= {"client_id", "level", "assessed_on", "review_due", "flag"}
    assert register[4]["flag"]["instrument"] == "PHQ-9" and register[4]["flag"]["taken_on"] == "2026-11-25"
    csv = cli("risk", "list", "--csv").stdout.splitlines()
    assert csv[0] == "client_id,name,status,level,assessed_on,review_due,flag"
    assert csv[5].endswith("PHQ-9 item 9 = 2 on 2026-11-25")
    assert csv[5].split(",")[3:6] == ["", "", ""]       # Eve, never assessed: empty, as JSON's null
    assert "not assessed" in cli("risk", "list").stdout   # words are for the table
    # remind: one flag, and every review due by tomorrow
    items = jcli("remind", "--kind", "risk_flag", "--kind", "risk_review_due")
    assert [(i["kind"], i["client_id"], i["due"]) for i in items] == [
        ("risk_flag", 5, "2026-11-25"),
        ("risk_review_due", 4, "2026-11-24"), ("risk_review_due", 6, "2026-11-26"),
        ("risk_review_due", 1, "2026-11-27")]
    assert "overdue since 2026-11-24" in items[1]["message"] and "Dan" not in items[1]["message"]
    # caseload shows the current level
    caseload = {r["client_id"]: r for r in jcli("report", "caseload")}
    assert caseload[1]["risk_level"] == "high" and caseload[5]["risk_level"] is None
    assert caseload[5]["risk"]["item"] == 9


def test_a_flag_stays_until_an_assessment_dated_on_or_after_it(jcli):
    """(the same day: entered after it, as every command here is; the next test has one entered before)"""
    jcli("client", "add", "Alex Morgan")
    jcli("risk", "assess", "alex", "--level", "low", "--on", "2026-11-01")
    jcli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,3,2,2,2,2", "--on", "2026-11-10")
    # a later questionnaire with the item at 0 does not answer the flag: only an assessment does
    jcli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,0,2,2,2,2", "--on", "2026-11-12")
    flag = jcli("risk", "list")[0]["flag"]
    assert (flag["instrument"], flag["item"], flag["score"], flag["taken_on"]) == ("CORE-10", 6, 3, "2026-11-10")
    assert [i["kind"] for i in jcli("remind", "--kind", "risk_flag")] == ["risk_flag"]
    # an assessment dated before the flag does not clear it
    jcli("risk", "assess", "alex", "--level", "low", "--on", "2026-11-09")
    assert jcli("risk", "list")[0]["flag"]["taken_on"] == "2026-11-10"
    # one dated the same day does
    jcli("risk", "assess", "alex", "--level", "moderate", "--on", "2026-11-10", "--review-in", "30")
    register = jcli("risk", "list")
    assert [(i["level"], i["flag"]) for i in register] == [("moderate", None)]
    assert jcli("remind", "--kind", "risk_flag") == []
    assert jcli("risk", "show", "alex")["flag"] is None
    # an assessment of none with no flag takes the client off the register
    jcli("risk", "assess", "alex", "--level", "none")
    assert jcli("risk", "list") == []


def _next_second():
    """created_at is kept to the second: wait for the next one, so that the next command is entered after."""
    import time

    time.sleep(1.02 - time.time() % 1)


def test_a_screen_the_same_day_entered_before_the_questionnaire_does_not_answer_it(cli, jcli):
    jcli("client", "add", "Tom Bennett")
    # a risk screen at the start of the session found none; the PHQ-9 filled in at its end is entered after it
    jcli("risk", "assess", "tom", "--level", "none", "--note", "start of session, denies SI")
    _next_second()
    added = cli("measure", "add", "tom", "phq9", "--items", "3,3,3,3,3,3,3,3,3")
    assert added.exit_code == 0
    assert added.stderr == ("Warning: PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored 3 "
                            "for #1 T.B.: review risk (therapy risk assess 1); the risk assessment of 2026-11-27 "
                            "(level none) was entered before this questionnaire and does not answer it\n")
    assert [(i["level"], i["flag"]["score"]) for i in jcli("risk", "list")] == [("none", 3)]
    assert [i["kind"] for i in jcli("remind", "--kind", "risk_flag")] == ["risk_flag"]
    assert jcli("risk", "show", "tom")["flag"]["taken_on"] == "2026-11-27"
    # an assessment entered after it, the same day, answers it
    jcli("risk", "assess", "tom", "--level", "moderate", "--review-in", "7", "--note", "after the PHQ-9")
    assert [(i["level"], i["flag"]) for i in jcli("risk", "list")] == [("moderate", None)]
    assert jcli("remind", "--kind", "risk_flag") == []


def test_the_same_finding_again_after_a_questionnaire_entered_since_answers_it(cli, jcli, db_path):
    """`measure add` says the earlier screen does not answer the PHQ-9 and to run `risk assess` again; run again
    with the same finding, it was refused as the same assessment entered twice, and the flag stayed."""
    jcli("client", "add", "Tom Bennett")
    jcli("risk", "assess", "tom", "--level", "none")
    _next_second()
    jcli("measure", "add", "tom", "phq9", "--items", "1,1,1,1,1,1,1,1,1")
    again = cli("risk", "assess", "1", "--level", "none", "--json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["id"] == 2 and jcli("risk", "list") == []
    # with no questionnaire since, it is the command run again: refused, naming the latest one
    assert_refused(cli, db_path, "risk", "assess", "1", "--level", "none", match="(assessment #2)")


def test_an_assessment_dated_before_an_open_flag_says_it_does_not_answer_it(cli, jcli):
    """An assessment entered late (--on an earlier day) behind a PHQ-9 with item 9 scored left the flag up without
    a word, where `measure add` says when an assessment does not answer a questionnaire."""
    jcli("client", "add", "Tom Bennett")
    jcli("measure", "add", "tom", "phq9", "--items", "1,1,1,1,1,1,1,1,2", "--on", "2026-11-25")
    late = cli("risk", "assess", "tom", "--level", "low", "--review-in", "14", "--on", "2026-11-20")
    assert late.exit_code == 0
    assert late.stderr == ("Warning: PHQ-9 item 9 = 2 on 2026-11-25 is dated after this assessment (2026-11-20), "
                           "which does not answer it: it stays on the risk register and in remind until an "
                           "assessment after it (therapy risk assess 1)\n")
    assert cli("risk", "assess", "tom", "--level", "low", "--review-in", "14").stderr == ""
    assert jcli("risk", "list")[0]["flag"] is None


def test_a_questionnaire_entered_late_behind_a_later_assessment_says_it_is_answered(cli, jcli):
    jcli("client", "add", "Tom Bennett")
    jcli("risk", "assess", "tom", "--level", "low", "--on", "2026-11-25")
    added = cli("measure", "add", "tom", "phq9", "--items", "1,1,1,1,1,1,1,1,2", "--on", "2026-11-20")
    assert added.stderr == ("Warning: PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored 2 "
                            "for #1 T.B. on 2026-11-20: answered by the risk assessment of 2026-11-25 (level "
                            "low), made after it\n")
    assert jcli("risk", "show", "tom")["flag"] is None


def test_client_report_shows_the_current_level(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    assert "| Current risk level | not assessed |" in out.read_text()
    jcli("risk", "assess", "alex", "--level", "low", "--review-in", "28")
    assert cli("report", "client", "alex", "--output", out, "--yes").exit_code == 0
    assert "| Current risk level | low (assessed 2026-11-27; review due 2026-12-25) |" in out.read_text()
    # a questionnaire risk item scored since, not yet assessed, is not left out behind the level
    jcli("--today", "2026-11-28", "measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,2")
    assert cli("--today", "2026-11-28", "report", "client", "alex", "--output", out, "--yes").exit_code == 0
    assert ("| Current risk level | low (assessed 2026-11-27; review due 2026-12-25); PHQ-9 item 9 = 2 on 2026-11-28, "
            "not yet assessed |") in out.read_text()


def test_erasing_a_client_removes_their_risk_records(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("risk", "assess", "alex", "--level", "high", "--on", "2000-01-01")
    jcli("risk", "plan", "alex", "--crisis", "999", "--on", "2000-01-01")
    jcli("client", "discharge", "alex", "--on", "2000-01-02")
    result = cli("client", "erase", "1", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["removed"] == {"risk_assessments": 1, "safety_plans": 1}
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM risk_assessments").fetchone() == (0,)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"risk_assessments_no_delete", "safety_plans_no_delete"} <= names     # put back
    finally:
        conn.close()


def test_nothing_is_written_about_an_unknown_client(cli, db_path):
    assert_refused(cli, db_path, "risk", "assess", "nobody", "--level", "low")
    cli("db", "init")
    before = snapshot(db_path)
    assert cli("risk", "list").exit_code == 0 and snapshot(db_path) == before


def test_a_member_is_on_the_register_as_the_unit_stands(jcli, cli):
    """A member in therapy only through a couple follows it (practice/state.py): active while it is, off the
    register, remind's risk items and risk reviews once it is discharged, as `client show` says."""
    jcli("client", "add", "Pat Partner")
    jcli("client", "add", "Quinn Partner")
    jcli("client", "add", "The Couple", "--kind", "couple", "--member", "Pat", "--member", "Quinn")
    jcli("session", "add", "The Couple", "--at", "2026-11-02 09:00")
    jcli("measure", "add", "Pat", "phq9", "--items", "1,1,1,1,1,1,1,1,1", "--session", "1")
    jcli("risk", "assess", "Quinn", "--level", "low", "--review-in", "7", "--on", "2026-11-03")
    assert [(r["client_id"], r["status"]) for r in jcli("risk", "list")] == [(2, "active"), (1, "active")]
    kinds = {(i["kind"], i["client_id"]) for i in jcli("remind", "--all")}
    assert ("risk_flag", 1) in kinds and ("risk_review_due", 2) in kinds
    jcli("client", "discharge", "The Couple", "--on", "2026-11-10")
    assert jcli("client", "show", "Pat")["status"] == "discharged"
    assert jcli("risk", "list") == []
    assert not [i for i in jcli("remind", "--all") if i["kind"] in ("risk_flag", "risk_review_due")]
    # replayed before the discharge, they were on it
    assert [r["client_id"] for r in jcli("--today", "2026-11-09", "risk", "list")] == [2, 1]


def test_a_replayed_morning_before_a_death_has_the_client_on_the_register(cli, jcli):
    """After a suicide the question is what the register and the morning mail showed before it: the replay
    dropped the client, because the date of death was read as if it applied on every day."""
    jcli("--today", "2026-01-05", "client", "add", "Eli Fox", "--referred-on", "2026-01-02")
    jcli("--today", "2026-01-06", "session", "add", "1", "--at", "2026-01-06 10:00", "--status", "attended")
    jcli("--today", "2026-01-07", "risk", "assess", "1", "--level", "high", "--review-in", "7")
    jcli("--today", "2026-01-09", "measure", "add", "1", "core10", "--items", "2,2,2,2,2,3,2,2,2,2")
    jcli("--today", "2026-02-01", "client", "edit", "1", "--died-on", "2026-01-30")
    register = jcli("--today", "2026-01-10", "risk", "list")
    assert [(r["client_id"], r["level"]) for r in register] == [(1, "high")]
    kinds = [i["kind"] for i in jcli("--today", "2026-01-10", "remind", "--within", "7d")]
    assert "risk_flag" in kinds and "risk_review_due" in kinds
    assert jcli("--today", "2026-02-02", "risk", "list") == []        # from the death on, no one to review


def test_an_assessment_dated_before_the_current_one_says_it_changes_nothing_read_from_it(cli, jcli, alex):
    """A high risk back-dated behind today's 'none' entered by mistake was recorded and silently superseded:
    off the register, no review reminded, no word said. It is still recorded (history may be entered late);
    a warning says why it changes nothing, and names the command that records it as today's."""
    assert cli("risk", "assess", "alex", "--level", "none").stderr == ""
    high = cli("risk", "assess", "alex", "--level", "high", "--review-in", "7", "--on", "2026-11-26",
               "--note", "plan and means", "--json")
    assert high.exit_code == 0 and json.loads(high.stdout)["level"] == "high"
    assert high.stderr == (
        "Warning: this assessment (high, 2026-11-26) is dated before #1's assessment of 2026-11-27 (none), which "
        "stays the current one: it does not change the current level (none) or bring its review (due "
        "2026-12-03) to remind; if the high risk stands, record it dated today: "
        "'therapy risk assess 1 --level high --review-in 7'\n")
    assert jcli("risk", "list") == [] and jcli("risk", "show", "alex")["level"] == "none"
    assert [a["level"] for a in jcli("risk", "show", "alex")["assessments"]] == ["high", "none"]
    # the command it names puts the client on the register, with the review reminded
    assert cli("risk", "assess", "1", "--level", "high", "--review-in", "7").stderr == ""
    assert [(i["client_id"], i["level"]) for i in jcli("risk", "list")] == [(1, "high")]
    # a lower level dated before the current one: history, and no command to lower the level
    low = cli("risk", "assess", "alex", "--level", "low", "--on", "2026-11-25")
    assert low.stderr == ("Warning: this assessment (low, 2026-11-25) is dated before #1's assessment of "
                          "2026-11-27 (high), which stays the current one: the current level stays high; this "
                          "one is kept in the history\n")
    # the same level: the review remind brings is the current one's
    same = cli("risk", "assess", "alex", "--level", "high", "--review-in", "2", "--on", "2026-11-24")
    assert same.stderr.endswith("the level is high either way; remind brings that one's review, due 2026-12-04\n")
    assert jcli("risk", "show", "alex")["review_due"] == "2026-12-04"


def test_a_second_assessment_the_same_day_is_current_and_not_warned_about(cli, jcli, alex):
    """Same date: the one entered last is current (date, then order of entry), so it is never 'dated before'."""
    cli("risk", "assess", "alex", "--level", "high", "--review-in", "7", "--on", "2026-11-20")
    assert cli("risk", "assess", "alex", "--level", "none", "--on", "2026-11-20", "--note", "misread").stderr == ""
    assert jcli("risk", "show", "alex")["level"] == "none"
    back = cli("risk", "assess", "alex", "--level", "moderate", "--on", "2026-11-20", "--note", "after all",
               "--review-in", "5")
    assert back.stderr == "" and jcli("risk", "show", "alex")["level"] == "moderate"
    # a moderate risk dated before a 'none' with no review date given: the command keeps DAYS for the clinician
    cli("risk", "assess", "alex", "--level", "none", "--note", "settled")
    late = cli("risk", "assess", "alex", "--level", "moderate", "--on", "2026-11-21")
    assert late.stderr.endswith("record it dated today: 'therapy risk assess 1 --level moderate "
                                "--review-in DAYS'\n")
    assert "bring its review" not in late.stderr


def test_a_discharge_that_takes_a_risk_off_the_register_says_so(cli, jcli):
    jcli("client", "add", "Priya Quinn")
    jcli("client", "add", "Sam Hughes")
    jcli("client", "add", "Hughes couple", "--kind", "couple", "--member", "priya", "--member", "sam")
    jcli("client", "add", "Ann Other")
    jcli("risk", "assess", "priya", "--level", "high", "--review-in", "3")
    jcli("measure", "add", "sam", "phq9", "--items", "1,1,1,1,1,1,1,1,1")
    jcli("risk", "assess", "ann", "--level", "moderate", "--review-in", "7")
    gone = cli("client", "discharge", "Hughes couple")
    assert gone.exit_code == 0
    # the members in therapy only through the couple leave the register with it; Ann stays
    assert gone.stderr.splitlines() == [
        "Warning: #1 P.Q. (high risk, assessed 2026-11-27, review due 2026-11-30) leaves the risk register and "
        "remind with this discharge (they follow clients in therapy or waiting); hand the risk on and record it at "
        "discharge (therapy risk assess 1)",
        "Warning: #2 S.H. (PHQ-9 item 9 = 1 on 2026-11-27 not yet assessed) leaves the risk register and remind "
        "with this discharge (they follow clients in therapy or waiting); hand the risk on and record it at "
        "discharge (therapy risk assess 2)"]
    assert [i["client_id"] for i in jcli("risk", "list")] == [4]
    # a discharge with no one leaving the register says nothing of risk
    jcli("client", "add", "No Risk")
    assert cli("client", "discharge", "No Risk").stderr == ""


def test_a_member_leaving_a_unit_who_leaves_the_register_is_warned_of(cli, jcli):
    """A member in therapy only through a couple leaves the register when they leave it: `client leave` took a
    high risk off the register and out of remind without a word, where a discharge names each one."""
    jcli("client", "add", "Pat Partner")
    jcli("client", "add", "Quinn Partner")
    jcli("client", "add", "The Couple", "--kind", "couple", "--member", "Pat", "--member", "Quinn")
    jcli("session", "add", "The Couple", "--at", "2026-11-02 09:00", "--status", "attended")
    jcli("risk", "assess", "Quinn", "--level", "high", "--review-in", "7")
    left = cli("client", "leave", "The Couple", "Quinn", "--on", "2026-11-20", "--json")
    assert left.exit_code == 0
    assert left.stderr == (
        "Warning: #2 Q.P. (high risk, assessed 2026-11-27, review due 2026-12-04) leaves the risk register and "
        "remind with this change of membership (they follow clients in therapy or waiting); hand the risk on and "
        "record it (therapy risk assess 2)\n")
    assert jcli("risk", "list") == []
    # a change that leaves the register as it was says nothing of risk
    assert cli("client", "leave", "The Couple", "Quinn", "--on", "2026-11-21", "--correct", "--json").stderr == ""
    # leaving today (a member through the day): on the register today, off it tomorrow, and said so now
    jcli("risk", "assess", "Pat", "--level", "moderate", "--review-in", "14")
    soon = cli("client", "leave", "The Couple", "Pat", "--json")
    assert soon.stderr.startswith("Warning: #1 P.P. (moderate risk, assessed 2026-11-27, review due 2026-12-11) "
                                  "leaves the risk register and remind from 2026-11-28 with this change of membership")
    assert [i["client_id"] for i in jcli("risk", "list")] == [1]
    assert jcli("--today", "2026-11-28", "risk", "list") == []


def test_a_risk_assessed_in_a_discharged_client_is_kept_with_a_warning(cli, jcli):
    jcli("client", "add", "Grace Fraser")
    jcli("client", "discharge", "grace")
    high = cli("risk", "assess", "grace", "--level", "high", "--review-in", "3", "--note", "GP called")
    assert high.exit_code == 0
    assert high.stderr == ("Warning: #1 G.F. is not in therapy or waiting today (discharged): this high risk is kept "
                           "in the history, but the risk register and remind follow only clients in therapy or "
                           "waiting; 'therapy client reopen 1' if therapy goes on, else hand the risk on\n")
    assert jcli("risk", "show", "grace")["level"] == "high" and jcli("risk", "list") == []
    assert cli("risk", "assess", "grace", "--level", "none", "--note", "settled").stderr == ""


def test_a_risk_assessed_in_a_member_who_finished_through_a_unit_names_the_command_that_brings_them_back(cli, jcli):
    """The warning said 'therapy client reopen MEMBER', which client reopen refuses for someone who finished
    through a couple (reopen the unit) or left one that goes on (join it again)."""
    jcli("client", "add", "Pat Partner")
    jcli("client", "add", "Quinn Partner")
    jcli("client", "add", "The Couple", "--kind", "couple", "--member", "Pat", "--member", "Quinn")
    jcli("session", "add", "The Couple", "--at", "2026-11-02 09:00", "--status", "attended")
    jcli("client", "leave", "The Couple", "Quinn", "--on", "2026-11-20")
    left = cli("risk", "assess", "Quinn", "--level", "high", "--review-in", "7")
    assert left.stderr.endswith("'therapy client join 3 2 --on DATE' if therapy goes on, else hand the risk on\n")
    jcli("client", "discharge", "The Couple")
    ended = cli("risk", "assess", "Pat", "--level", "low")
    assert ended.stderr.endswith("'therapy client reopen 3' if therapy goes on, else hand the risk on\n")
    assert cli("client", "reopen", "3").exit_code == 0
    assert [i["client_id"] for i in jcli("risk", "list")] == [1]


def test_a_risk_assessed_on_the_day_of_death_is_kept_with_no_word_of_reopening(cli, jcli):
    """The warning for a client off the register said to reopen them if therapy goes on, which `client reopen`
    refuses for someone who has died."""
    jcli("client", "add", "Grace Fraser")
    jcli("client", "edit", "grace", "--died-on", "2026-11-20")
    late = cli("risk", "assess", "grace", "--level", "high", "--review-in", "3", "--on", "2026-11-20")
    assert late.exit_code == 0
    assert late.stderr == ("Warning: #1 G.F. died on 2026-11-20: this high risk is kept in the history; the risk "
                           "register and remind follow only the living in therapy or waiting\n")


def test_a_risk_or_questionnaire_recorded_for_a_couple_names_no_one_and_says_so(cli, jcli):
    jcli("client", "add", "Priya Quinn")
    jcli("client", "add", "Hughes couple", "--kind", "couple", "--member", "priya")
    assessed = cli("risk", "assess", "Hughes couple", "--level", "low")
    assert assessed.exit_code == 0
    assert assessed.stderr == ("Warning: #2 H.C. is a couple: the register will name the couple, not who is at "
                               "risk; a person's risk is assessed on their own record (therapy risk assess MEMBER)\n")
    measured = cli("measure", "add", "Hughes couple", "gad7", "--score", "9")
    assert measured.exit_code == 0
    assert measured.stderr == ("Warning: #2 H.C. is a couple: GAD-7 is answered by one person; record each "
                               "member's own (therapy measure add MEMBER GAD-7 ...)\n")
    assert cli("measure", "add", "priya", "gad7", "--score", "9").stderr == ""


def test_an_imported_risk_item_is_named_as_measure_add_names_one(cli, jcli, tmp_path):
    jcli("client", "add", "Ian Morgan")
    jcli("client", "add", "Ann Other")
    jcli("measure", "add", "ann", "phq9", "--items", "1,1,1,1,1,1,1,1,1", "--on", "2026-11-01")  # open before
    scores = tmp_path / "m.csv"
    scores.write_text('client,instrument,taken_on,items\n"Ian Morgan",PHQ-9,2026-11-20,"1,1,1,1,1,1,1,1,2"\n'
                      '"Ian Morgan",GAD-7,2026-11-20,"1,1,1,1,1,1,1"\n"Ann Other",GAD-7,2026-11-20,"1,1,1,1,1,1,1"\n')
    assert "Warning" not in cli("import", "measures", str(scores), "--dry-run").stderr
    done = cli("import", "measures", str(scores))
    assert done.exit_code == 0
    assert done.stderr.splitlines()[-1] == (
        "Warning: 1 client now with a questionnaire risk item above 0 and no risk assessment after it "
        "(#1: PHQ-9 item 9 = 2 on 2026-11-20): review risk (therapy risk list)")
    scores.write_text('client,instrument,taken_on,items\n"Ian Morgan",GAD-7,2026-11-21,"1,1,1,1,1,1,1"\n')
    assert "Warning" not in cli("import", "measures", str(scores)).stderr     # nothing new flagged


def test_removing_the_questionnaire_that_put_a_client_on_the_register_says_so(cli, jcli):
    """`measure remove` of a PHQ-9 with item 9 scored (a mistyped id) took the client off the register and remind
    without a word; the question now names the risk item, and the removal says who leaves the register."""
    jcli("client", "add", "Ann Able")
    jcli("measure", "add", "ann", "phq9", "--items", "1,1,1,1,1,1,1,1,2", "--on", "2026-11-20")
    jcli("measure", "add", "ann", "core10", "--items", "1,1,1,1,1,3,1,1,1,1", "--on", "2026-11-21")
    asked = cli("measure", "remove", "2")
    assert asked.exit_code == 1 and "score 16, risk item 6 = 3)?" in asked.stderr
    # another flag stays up: nothing said of the register
    assert "Warning" not in cli("measure", "remove", "2", "--yes").stderr
    gone = cli("measure", "remove", "1", "--yes")
    assert gone.exit_code == 0
    assert gone.stderr.splitlines()[-1] == ("Warning: #1 A.A. (PHQ-9 item 9 = 2 on 2026-11-20 not yet assessed) leaves "
                                            "the risk register and remind with this questionnaire")
    assert jcli("risk", "list") == []


def test_risk_show_csv_says_what_it_leaves_out(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("risk", "assess", "alex", "--level", "low")
    assert cli("risk", "show", "alex", "--csv").stderr == ""          # nothing else held: nothing to say
    jcli("risk", "plan", "alex", "--crisis", "999")
    shown = cli("risk", "show", "alex", "--csv")
    assert shown.stdout.splitlines()[0] == "id,client_id,level,assessed_on,review_in_days,review_due,note"
    assert shown.stderr == ("Warning: the CSV holds the assessments only; the safety plan is in the table and "
                            "--json\n")
    _next_second()   # entered after today's assessment: the flag stays open
    jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,1")
    assert cli("risk", "show", "alex", "--csv").stderr == (
        "Warning: the CSV holds the assessments only; the questionnaire flag and the safety plan are in the table "
        "and --json\n")
