"""As of `--today`: counts that describe a state are those of that day; small corrections."""

from __future__ import annotations

from conftest import assert_refused, snapshot


def _caseload(jcli):
    jcli("client", "add", "Ann Early", "--referred-on", "2026-09-01")
    jcli("client", "add", "Ben Late", "--referred-on", "2026-11-20")
    jcli("client", "add", "Cat Done", "--referred-on", "2026-08-01")
    jcli("session", "add", "Cat", "--at", "2026-09-10 10:00")
    jcli("session", "add", "Cat", "--at", "2026-09-17 10:00")
    jcli("client", "discharge", "Cat", "--on", "2026-11-10")


def test_state_counts_are_as_at_the_day_asked(jcli):
    _caseload(jcli)
    now = {r["name"]: r["status"] for r in jcli("report", "caseload")}
    assert now == {"Ann Early": "waiting", "Ben Late": "waiting"}
    then = {r["name"]: r["status"] for r in jcli("--today", "2026-10-19", "report", "caseload")}
    assert then == {"Ann Early": "waiting", "Cat Done": "active"}       # Ben not yet referred; Cat not yet discharged
    assert jcli("--today", "2026-10-19", "report", "week")["waiting"] == 1
    assert [c["name"] for c in jcli("--today", "2026-10-19", "client", "list", "--status", "active")] == ["Cat Done"]
    # the options may come after the subcommand too
    assert jcli("report", "caseload", "--today", "2026-10-19") == jcli("--today", "2026-10-19", "report", "caseload")
    early = [i for i in jcli("remind", "--today", "2026-10-19") if i["kind"] == "waiting_long"]
    assert [i["client_id"] for i in early] == [1]


def test_a_replayed_client_show_has_no_discharge_or_death_from_after_the_day(jcli):
    """Replayed before the discharge, `client show` is active with no discharge date, and no reason for a
    discharge not yet made; replayed before a death, no date of death (the client was alive that day)."""
    _caseload(jcli)
    jcli("client", "add", "Dee Ended", "--referred-on", "2026-08-01")
    jcli("session", "add", "Dee", "--at", "2026-09-11 10:00")
    jcli("client", "discharge", "Dee", "--on", "2026-11-10", "--reason", "planned ending")
    then = jcli("--today", "2026-10-19", "client", "show", "Dee")
    assert (then["status"], then["discharged_on"], then["discharge_reason"]) == ("active", None, None)
    jcli("client", "edit", "Ann", "--died-on", "2026-11-20")
    alive = jcli("--today", "2026-11-19", "client", "show", "Ann")
    assert (alive["status"], alive["died_on"], alive["discharge_reason"]) == ("waiting", None, None)
    now = jcli("client", "show", "Ann")
    assert (now["status"], now["died_on"], now["discharge_reason"]) == ("discharged", "2026-11-20", "died")


def test_a_replayed_client_show_before_the_referral_has_no_status_yet(jcli):
    """Replayed before the referral, `client show` gave the status of today (active, or discharged with
    today's discharge date): the client was on no list that day, so it has none."""
    _caseload(jcli)
    before = jcli("--today", "2026-07-15", "client", "show", "Cat")
    assert (before["status"], before["discharged_on"], before["first_attended_on"]) == (None, None, None)
    assert "Cat Done" not in {c["name"] for c in jcli("--today", "2026-07-15", "client", "list")}
    assert jcli("--today", "2026-08-01", "client", "show", "Cat")["status"] == "waiting"
    assert jcli("client", "show", "Cat")["status"] == "discharged"


def test_supervision_logged_after_the_day_is_not_counted(jcli):
    jcli("supervise", "log", "--on", "2026-10-05", "--duration", "60")
    jcli("supervise", "log", "--on", "2026-10-20", "--duration", "60")
    status = jcli("--today", "2026-10-09", "supervise", "status")
    assert status["month"]["received_hours"] == 1.0 and status["year"]["received_hours"] == 1.0
    assert jcli("--today", "2026-10-31", "supervise", "status")["month"]["received_hours"] == 2.0


def test_global_options_after_the_subcommand(jcli, cli, tmp_path):
    other = tmp_path / "other.db"
    jcli("client", "add", "Only Here", "--db", str(other))
    assert [c["name"] for c in jcli("client", "list", "--db", str(other))] == ["Only Here"]
    assert [c["name"] for c in jcli("--db", str(other), "client", "list")] == ["Only Here"]
    assert jcli("client", "list") == []                      # THERAPY_DB untouched
    week = jcli("report", "week", "--today=2026-11-01")
    assert week["period"] == {"start": "2026-10-26", "end": "2026-11-01"}
    # an option value that looks like the global option is left to its command
    assert cli("report", "week", "--today").exit_code == 2
    # the value forgotten: said as missing, not as an option that does not exist
    for args in (["report", "week", "--today"], ["client", "list", "--db"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.splitlines()[-1] == f"Error: Option '{args[-1]}' requires an argument.", result.stderr


def test_a_global_option_given_twice_with_different_values_is_refused(jcli, cli, db_path, tmp_path):
    """With an alias `therapy --db ~/caseload.db`, `client add X --db /tmp/test.db` wrote to the caseload: the
    option after the subcommand was silently dropped. Two values are a usage error; the same one twice is fine."""
    other = tmp_path / "other.db"
    jcli("client", "add", "Alex Morgan")
    before = snapshot(db_path)
    for args in (["--db", db_path, "client", "add", "Test Person", "--db", other],
                 ["--db", db_path, "report", "week", "--db", other, "--json"],          # the fast path too
                 ["--today", "2026-11-01", "report", "week", "--today=2026-11-20"]):
        result = cli(*args)
        assert result.exit_code == 2 and "given twice" in result.stderr, args
    assert snapshot(db_path) == before and not other.exists()
    assert jcli("--db", db_path, "client", "list", "--db", db_path)[0]["name"] == "Alex Morgan"


def test_referrer_cleared_with_an_empty_value(jcli):
    jcli("contact", "add", "Dr Priya Shah")
    assert jcli("client", "add", "Alex Morgan", "--referred-by", "Shah")["referred_by"] == 1
    record = jcli("client", "edit", "Alex", "--referred-by", "")
    assert record["referred_by"] is None and record["referred_by_name"] is None


def test_ics_to_standard_output(jcli, cli):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "Alex", "--at", "2026-12-01 10:00")
    result = cli("session", "export", "--ics", "-")
    assert result.exit_code == 0 and result.stdout.startswith("BEGIN:VCALENDAR")
    assert "END:VCALENDAR" in result.stdout and "Wrote 1 session(s)" in result.stderr


def test_discharge_before_the_last_attended_session_is_refused(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "Alex", "--at", "2026-11-20 10:00")
    assert_refused(cli, db_path, "client", "discharge", "Alex", "--on", "2026-11-19", match="last attended")
    assert jcli("client", "discharge", "Alex", "--on", "2026-11-20")["status"] == "discharged"


def test_through_the_installed_console_script(tmp_path):
    """The lazy root the console script runs takes --db/--today after the subcommand and refuses alike."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    script = Path(sys.executable).parent / "therapy"
    if not script.exists():
        pytest.skip("the therapy script is not installed")
    db = tmp_path / "script.db"
    env = {**os.environ, "THERAPY_DB": str(tmp_path / "unused.db")}
    env.pop("THERAPY_TODAY", None)

    def run(*args):
        return subprocess.run([str(script), *args], capture_output=True, text=True, env=env)

    assert run("client", "add", "Alex Morgan", "--db", str(db), "--today", "2026-11-27").returncode == 0
    added = run("session", "add", "Alex", "--at", "2026-11-20 10:00", "--db", str(db), "--today", "2026-11-27")
    assert added.returncode == 0, added.stderr
    week = run("report", "week", "--json", "--today", "2026-11-20", "--db", str(db))
    assert json.loads(week.stdout)["sessions"]["attended"] == 1
    refused = run("session", "dna", "1", "--db", str(db), "--today", "2026-11-27")
    assert refused.returncode == 1 and refused.stderr.startswith("Error:") and "--reason" in refused.stderr
    wrong = run("client", "add", "X", "--dob", "30/02/1990", "--db", str(db), "--today", "2026-11-27")
    assert wrong.returncode == 2 and "date.order" in wrong.stderr and "Traceback" not in wrong.stderr
    assert not (tmp_path / "unused.db").exists()


def test_attendance_never_recorded_is_reminded_once_per_session(jcli):
    jcli("client", "add", "Alex Morgan")
    past = jcli("session", "add", "Alex", "--at", "2026-11-20 10:00", "--status", "scheduled")["id"]
    jcli("session", "add", "Alex", "--at", "2026-11-27 18:00", "--status", "scheduled")   # today: not yet
    items = [i for i in jcli("remind", "--kind", "attendance_missing") if i["kind"] == "attendance_missing"]
    assert [(i["client_id"], i["due"]) for i in items] == [(1, "2026-11-20")]
    assert f"session {past}" in items[0]["message"]
    jcli("session", "attend", past)
    assert jcli("remind", "--kind", "attendance_missing") == []


def _course(jcli):
    """Alex: three sessions (5 and 12 October, 2 November) and one booked; a PHQ-9 on 5 October with its
    risk item at 1, another on 2 November without; a CBT plan from 5 October reviewed every 4 weeks, revised
    to psychodynamic and reviewed on 2 November, when a goal was set, rated on 9 November, closed on 20 November."""
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    for day in ("2026-10-05", "2026-10-12", "2026-11-02", "2026-12-07"):
        jcli("session", "add", "Alex", "--at", f"{day} 10:00")
    jcli("measure", "add", "Alex", "phq9", "--items", "3,3,2,2,2,2,2,1,1", "--on", "2026-10-05")
    jcli("measure", "add", "Alex", "phq9", "--items", "1,1,1,1,1,0,0,1,0", "--on", "2026-11-02")
    jcli("plan", "set", "Alex", "--modality", "cbt", "--review-every", "4", "--on", "2026-10-05")
    jcli("plan", "set", "Alex", "--modality", "psychodynamic", "--on", "2026-11-02")
    jcli("plan", "review", "Alex", "--on", "2026-11-02")
    jcli("plan", "goal", "add", "Alex", "Back to work", "--on", "2026-11-02")
    jcli("plan", "goal", "rate", "Alex", "1", "4", "--on", "2026-11-09")
    jcli("plan", "goal", "close", "Alex", "1", "--on", "2026-11-20")


def test_client_show_and_caseload_replay_the_day_asked(jcli):
    """A replayed day shows that day's attendance, scores, risk flag and plan, in `client show`, `plan show`
    and `report caseload` alike: what was recorded later is not shown as already there."""
    _course(jcli)
    then = jcli("--today", "2026-10-19", "client", "show", "Alex")
    assert then["sessions"]["attended"] == 2 and then["sessions"]["last"].startswith("2026-10-12")
    assert then["sessions"]["next"].startswith("2026-12-07")         # still booked; nothing else is now
    assert then["latest_scores"]["PHQ-9"]["score"] == 18 and then["latest_scores"]["PHQ-9"]["taken_on"] == "2026-10-05"
    assert then["risk"]["taken_on"] == "2026-10-05" and then["risk"]["score"] == 1
    assert (then["plan"]["version"], then["plan"]["modality"]) == (1, "cbt")
    assert then["review_due"] == "2026-11-02" and then["plan"]["last_reviewed_on"] is None
    assert then["plan"]["goals"] == []
    row = jcli("--today", "2026-10-19", "report", "caseload")[0]
    assert (row["sessions_attended"], row["modality"], row["review_due"]) == (2, "cbt", "2026-11-02")
    assert row["latest_scores"] == then["latest_scores"] and row["risk"] == then["risk"]
    assert row["last_session"] == then["sessions"]["last"]

    # on the day itself: what was recorded that day counts
    day = jcli("--today", "2026-11-02", "client", "show", "Alex")
    assert day["sessions"]["attended"] == 3 and day["latest_scores"]["PHQ-9"]["taken_on"] == "2026-11-02"
    assert (day["plan"]["version"], day["plan"]["last_reviewed_on"], day["review_due"]) == (2, "2026-11-02", "2026-11-30")
    assert [g["text"] for g in day["plan"]["goals"]] == ["Back to work"]
    assert jcli("--today", "2026-11-09", "plan", "show", "Alex")["goals"][0]["latest_score"] == 4
    assert jcli("--today", "2026-11-20", "plan", "show", "Alex")["goals"][0]["status"] == "closed"
    assert jcli("--today", "2026-11-02", "report", "caseload")[0]["modality"] == "psychodynamic"

    # between the goal being set and its first rating
    mid = jcli("--today", "2026-11-05", "plan", "show", "Alex", "--history")
    assert [g["latest_score"] for g in mid["goals"]] == [None] and mid["goals"][0]["ratings"] == []
    assert [r["reviewed_on"] for r in mid["reviews"]] == ["2026-11-02"] and len(mid["history"]) == 2
    assert mid["goals"][0]["status"] == "open" and mid["goals"][0]["closed_on"] is None
    rated = jcli("--today", "2026-11-19", "plan", "show", "Alex")["goals"][0]
    assert (rated["status"], rated["latest_score"], rated["latest_rated_on"]) == ("open", 4, "2026-11-09")
    early = jcli("--today", "2026-10-20", "plan", "show", "Alex", "--history")
    assert early["reviews"] == [] and [v["modality"] for v in early["history"]] == ["cbt"]

    # today: everything recorded
    now = jcli("client", "show", "Alex")
    assert now["sessions"]["attended"] == 3 and now["latest_scores"]["PHQ-9"]["score"] == 6
    assert now["risk"] is None and (now["plan"]["version"], now["plan"]["modality"]) == (2, "psychodynamic")
    assert now["review_due"] == "2026-11-30" and now["plan"]["goals"][0]["latest_score"] == 4
    assert now["plan"]["goals"][0]["status"] == "closed"
    row = jcli("report", "caseload")[0]
    assert (row["sessions_attended"], row["modality"], row["review_due"]) == (3, "psychodynamic", "2026-11-30")
    assert row["latest_scores"]["PHQ-9"]["score"] == 6 and row["risk"] is None


def test_a_plan_started_after_the_day_is_no_plan_yet(jcli, cli):
    _course(jcli)
    before = jcli("--today", "2026-10-01", "client", "show", "Alex")
    assert before["plan"] is None and before["review_due"] is None and before["latest_scores"] == {}
    assert before["sessions"]["attended"] == 0 and before["sessions"]["last"] is None
    result = cli("--today", "2026-10-01", "plan", "show", "Alex")
    assert result.exit_code == 1 and "no treatment plan" in result.stderr


def test_a_replayed_morning_reminds_the_review_then_due(jcli):
    """remind replayed on 1 November sees the CBT plan's clock (5 October + 4 weeks), not the clock the
    review of 2 November restarted."""
    _course(jcli)
    items = jcli("--today", "2026-11-01", "remind", "--kind", "review_due")
    assert [(i["client_id"], i["due"]) for i in items] == [(1, "2026-11-02")]
    assert jcli("remind", "--kind", "review_due") == []
    assert [i["due"] for i in jcli("--today", "2026-11-29", "remind", "--kind", "review_due")] == ["2026-11-30"]


def test_progress_and_the_client_report_are_written_as_at_the_day(jcli, cli):
    """`measure progress` and `report client` on a replayed day judge and list what was known that day."""
    _course(jcli)
    then = jcli("--today", "2026-10-19", "measure", "progress", "Alex")
    assert (then["instruments"]["PHQ-9"]["first"], then["instruments"]["PHQ-9"]["last"]) == (18, 18)
    assert then["finished_course"] is True and then["reliable_improvement"] is False
    assert jcli("--today", "2026-10-05", "measure", "progress", "Alex")["finished_course"] is False
    now = jcli("measure", "progress", "Alex")
    assert now["instruments"]["PHQ-9"]["last"] == 6 and now["reliable_improvement"] is True

    report = cli("--today", "2026-10-19", "report", "client", "Alex").stdout
    assert "Written 2026-10-19." in report and "| Sessions | 2 attended, 1 booked |" in report
    assert "2026-10-05 | PHQ-9 | 18" in report and "2026-11-02 | PHQ-9" not in report
    assert "Cognitive behavioural therapy (CBT)" in report and "Back to work" not in report
    later = cli("report", "client", "Alex").stdout
    assert "| Sessions | 3 attended, 1 booked |" in later and "2026-11-02 | PHQ-9 | 6" in later
    assert "Back to work" in later


def test_referral_waits_and_cpd_years_are_as_at_the_day(jcli):
    """A replayed day knows no treatment session after it, and this year's CPD row counts hours up to it."""
    jcli("client", "add", "Gina Gray", "--referred-on", "2026-09-20", "--referral-source", "self")
    jcli("session", "add", "Gina", "--at", "2026-09-25 10:00", "--type", "assessment")
    jcli("session", "add", "Gina", "--at", "2026-11-02 10:00")
    then = jcli("--today", "2026-09-22", "report", "referrals", "--from", "2026-09-01")["by_source"][0]
    assert (then["started"], then["median_wait_days"]) == (0, None)
    now = jcli("report", "referrals", "--from", "2026-09-01")["by_source"][0]
    assert (now["started"], now["median_wait_days"]) == (1, 43)
    jcli("cpd", "add", "A", "--hours", "6", "--on", "2026-11-07")
    jcli("cpd", "add", "B", "--hours", "2", "--on", "2026-11-09")
    status = jcli("--today", "2026-11-08", "cpd", "status")
    assert status["hours"] == status["years"][-1]["hours"] == 6
