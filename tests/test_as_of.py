"""As of `--today`: counts that describe a state are those of that day; small corrections."""

from __future__ import annotations

from conftest import assert_refused


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
