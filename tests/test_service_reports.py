"""Service reports a manager can rely on every week (issue 13): the weekly CSV written once per period,
targets judged on exact values and at most, cancellations by who cancelled, supervision given and
training in the figures, quarters, group supervision counted once, and the small ones."""

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_refused
from test_reports import add_client, add_session, add_supervision, build_week, set_target

WEEK = ("report", "week", "--week", "2026-W47")


def test_cancellations_are_split_by_who_cancelled(cli, jcli):
    cli("client", "add", "Ann Archer")
    ids = [jcli("session", "add", "ann", "--at", f"2026-11-{d} 10:00", "--status", "scheduled")["id"]
           for d in (16, 17, 18, 19)]
    assert cli("session", "cancel", ids[0], "--by", "therapist").exit_code == 0
    assert cli("session", "cancel", ids[1], "--by", "client", "--late").exit_code == 0
    assert cli("session", "cancel", ids[2]).exit_code == 0                 # the client's, by default
    assert cli("session", "attend", ids[3]).exit_code == 0
    sessions = jcli(*WEEK)["sessions"]
    assert (sessions["cancelled"], sessions["late_cancelled"]) == (2, 1)
    assert (sessions["cancelled_by_client"], sessions["cancelled_by_therapist"]) == (2, 1)
    assert sessions["attended"] == 1


def test_supervision_given_and_training_participants_are_figures_and_targets(db, cli, jcli):
    build_week(db)
    db.execute("UPDATE sessions SET participants = 14 WHERE kind = 'training'")
    db.conn.commit()
    for key, value in [("supervision_given_hours", "1"), ("training_participants", "15"),
                       ("sessions_cancelled_by_client", "2"), ("sessions_cancelled_by_therapist.max", "0")]:
        assert cli("config", "set", f"targets.week.{key}", value).exit_code == 0
    report = jcli(*WEEK)
    assert (report["supervision_given_hours"], report["training_participants"]) == (1.0, 14)
    targets = {(t["name"], t["direction"]): t["met"] for t in report["targets"]}
    assert targets == {("sessions_cancelled_by_client", "min"): True, ("sessions_cancelled_by_therapist", "max"): True,
                       ("supervision_given_hours", "min"): True, ("training_participants", "min"): False}


def test_targets_are_judged_on_exact_values_not_rounded_ones(db, jcli):
    ann = add_client(db, "Ann Archer")
    add_session(db, ann, "2026-11-16 10:00", 95)
    add_session(db, ann, "2026-11-17 10:00", 95)             # 190 minutes: 3.1666... hours, shown 3.17
    set_target(db, "targets.week.clinical_hours", 3.17)
    db.conn.commit()
    report = jcli(*WEEK)
    assert report["clinical_hours"] == 3.17
    assert report["targets"] == [{"name": "clinical_hours", "target": 3.17, "actual": 3.17, "met": False,
                                  "direction": "min"}]



def test_a_target_missed_by_less_than_is_shown_says_just(db, cli):
    """The table read '3.17  3.17  missed' beside a full bar at 100%: judged on 3.1667, shown to 2 places."""
    ann = add_client(db, "Ann Archer")
    add_session(db, ann, "2026-11-16 10:00", 95)
    add_session(db, ann, "2026-11-17 10:00", 95)
    set_target(db, "targets.week.clinical_hours", 3.17)
    set_target(db, "targets.week.clients_seen", 1)
    db.conn.commit()
    table = cli(*WEEK).stdout
    targets = table.split("Targets", 1)[1]
    line = next(row for row in targets.splitlines() if row.startswith("clinical hours"))
    assert "missed (just)" in line and line.endswith(" 99%") and "#" * 20 not in line
    met = next(row for row in targets.splitlines() if row.startswith("clients seen "))
    assert met.split()[-1] == "100%" and "just" not in met


def test_at_most_targets_dna_rate_and_zero(db, cli, jcli):
    build_week(db)                                            # 1 DNA of 6: 0.1667
    db.conn.commit()
    assert cli("config", "set", "targets.week.dna_rate.max", "0.1").exit_code == 0
    assert cli("config", "set", "targets.week.sessions_dna.max", "0").exit_code == 0
    assert cli("config", "set", "targets.week.dna_rate", "0.05").exit_code == 0       # at least: odd, but allowed
    targets = jcli(*WEEK)["targets"]
    assert [(t["name"], t["direction"], t["target"], t["actual"], t["met"]) for t in targets] == [
        ("sessions_dna", "max", 0, 1, False),
        ("dna_rate", "min", 0.05, 0.1667, True),
        ("dna_rate", "max", 0.1, 0.1667, False),
    ]
    assert cli("config", "set", "targets.week.dna_rate.max", "0.2").exit_code == 0
    assert [t["met"] for t in jcli(*WEEK)["targets"]] == [False, True, True]
    row = next(csv.DictReader(io.StringIO(cli(*WEEK, "--csv").stdout)))
    assert (row["target_dna_rate_max"], row["met_dna_rate_max"], row["met_sessions_dna_max"]) == ("0.2", "yes", "no")
    table = cli(*WEEK).stdout
    assert "dna rate (at most)" in table


def test_at_most_target_of_a_negative_number_or_unknown_metric_is_refused(cli, db_path):
    assert_refused(cli, db_path, "config", "set", "--", "targets.week.clients_seen.max", "-1", match="0 or more")
    assert_refused(cli, db_path, "config", "set", "targets.week.smiles.max", "3", match="unknown setting")
    assert_refused(cli, db_path, "config", "set", "targets.week.clients_seen", "0", match="positive")


def test_quarter_report_and_quarterly_targets(db, cli, jcli):
    build_week(db)
    db.conn.commit()
    assert cli("config", "set", "targets.quarter.sessions_attended", "10").exit_code == 0
    report = jcli("report", "quarter", "--quarter", "2026-Q4")
    assert report["period"] == {"start": "2026-10-01", "end": "2026-12-31"}
    assert report["sessions"]["attended"] == 7
    assert report["targets"] == [{"name": "sessions_attended", "target": 10, "actual": 7, "met": False,
                                  "direction": "min"}]
    assert jcli("report", "quarter")["period"]["start"] == "2026-10-01"
    assert jcli("report", "quarter", "--quarter", "last")["period"] == {"start": "2026-07-01", "end": "2026-09-30"}
    assert jcli("report", "period", "--from", "2026-10-01", "--to", "2026-12-31")["targets"][0]["target"] == 10
    assert jcli("report", "week", "--week", "2026-W47")["targets"] == []
    assert cli("report", "quarter", "--csv").stdout.splitlines()[1].startswith("2026-10-01,2026-12-31,2026-Q4,")
    for bad in ("2026-Q5", "foo"):        # a quarter that cannot be read is a usage error, as a week or month
        result = cli("report", "quarter", "--quarter", bad)
        assert result.exit_code == 2 and result.stderr.startswith("Error: ") and "YYYY-Qn" in result.stderr


def test_append_replaces_the_row_of_the_same_period(db, cli, tmp_path):
    build_week(db)
    db.conn.commit()
    weekly = tmp_path / "weekly.csv"
    for _ in range(2):                                                     # a cron retry
        assert cli(*WEEK, "--append", weekly).exit_code == 0
    assert cli("report", "week", "--week", "2026-W46", "--append", weekly).exit_code == 0
    rows = list(csv.DictReader(weekly.open()))
    assert [r["period"] for r in rows] == ["2026-W47", "2026-W46"]
    # New figures for the week (a late entry) replace its row where it stands.
    add_session(db, build_week.__globals__["add_client"](db, "Late Entry"), "2026-11-21 10:00")
    db.conn.commit()
    assert cli(*WEEK, "--append", weekly).exit_code == 0
    rows = list(csv.DictReader(weekly.open()))
    assert [(r["period"], r["sessions_attended"]) for r in rows] == [("2026-W47", "6"), ("2026-W46", "1")]
    assert oct(os.stat(weekly).st_mode & 0o777) == "0o600"


def test_append_keeps_a_spreadsheets_bom_and_crlf_while_replacing(db, cli, tmp_path):
    build_week(db)
    db.conn.commit()
    weekly = tmp_path / "weekly.csv"
    assert cli(*WEEK, "--append", weekly).exit_code == 0
    saved = "\ufeff" + weekly.read_text().replace("\n", "\r\n")               # saved again by a spreadsheet
    weekly.write_bytes(saved.encode("utf-8"))
    assert cli(*WEEK, "--append", weekly).exit_code == 0
    assert cli("report", "week", "--week", "2026-W48", "--append", weekly).exit_code == 0
    raw = weekly.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    periods = [r["period"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))]
    assert periods == ["2026-W47", "2026-W48"]


def test_shown_hours_round_alike_in_reports_and_supervise_status(db, jcli):
    add_supervision(db, "2026-11-02", 40)                       # 0.6667
    add_supervision(db, "2026-11-09", 40)
    db.conn.commit()
    month = jcli("report", "month", "--month", "2026-11")["supervision_hours"]
    status = jcli("supervise", "status")
    assert month == status["month"]["received_hours"] == status["year"]["received_hours"] == 1.33
    assert status["month"]["remaining_hours"] == 0.17
    assert [r["credited_hours"] for r in jcli("supervise", "list")] == [0.67, 0.67]


def test_group_supervision_given_counts_the_meeting_once(cli, jcli):
    record = jcli("supervise", "give", "Jo Patel", "Sam Green", "Ali Khan", "--group-size", "3",
                  "--on", "2026-11-20", "--duration", "90")
    assert (record["group_size"], record["credited_hours"]) == (3, 1.5)
    assert [p["name"] for p in record["supervisees"]] == ["Ali Khan", "Jo Patel", "Sam Green"]
    assert jcli("supervise", "give", "jo", "--on", "2026-11-21", "--duration", "60")["supervisees"][0]["name"] \
        == "Jo Patel"
    assert jcli("supervise", "status")["year"]["given_hours"] == 2.5           # not 4.5 + 1
    assert jcli("report", "month", "--month", "2026-11")["supervision_given_hours"] == 2.5
    people = {p["name"]: (p["sessions"], p["hours_given"]) for p in jcli("supervise", "supervisees")}
    assert people == {"Ali Khan": (1, 1.5), "Jo Patel": (2, 2.5), "Sam Green": (1, 1.5)}
    assert [r["id"] for r in jcli("supervise", "list", "--supervisee", "sam")] == [record["id"]]
    assert "Jo Patel, Sam Green" in cli("supervise", "list").stdout.replace("Ali Khan, ", "")
    assert cli("supervise", "remove", record["id"], "--yes").exit_code == 0
    assert jcli("supervise", "status")["year"]["given_hours"] == 1.0


def test_group_supervision_given_refuses_a_group_smaller_than_the_names(cli, db_path):
    assert_refused(cli, db_path, "supervise", "give", "A One", "B Two", "--group-size", "1", "--duration", "60",
                   match="smaller")
    assert_refused(cli, db_path, "supervise", "give", "A One", "A One", "--duration", "60", match="twice")


# -- small ones --------------------------------------------------------------------

def test_report_client_without_output_prints_markdown(cli, jcli, db_path):
    cli("client", "add", "Ann Archer")
    cli("config", "set", "practitioner.name", "Jo Smith, UKCP reg.")
    result = cli("report", "client", "ann")
    assert result.exit_code == 0 and result.stdout.startswith("# ") and "Ann Archer" in result.stdout
    assert "UKCP reg. Confidential" in result.stdout and "reg.." not in result.stdout
    assert jcli("report", "client", "ann")["text"] == result.stdout
    assert any("client report shown" in (a.get("summary") or "") for a in jcli("db", "audit", "--client", "ann"))


def test_json_and_csv_together_is_a_usage_error_that_writes_nothing(cli, db_path):
    result = assert_refused(cli, db_path, "supervise", "log", "--duration", "60", "--json", "--csv", code=2)
    assert "--json and --csv" in result.stderr
    assert_refused(cli, db_path, "client", "add", "Ann", "--csv", "--json", code=2)
    assert cli("report", "week", "--json", "--csv").exit_code == 2
    assert cli("report", "week", "--csv").exit_code == 0


def test_measure_progress_csv_says_yes_and_no(cli):
    cli("client", "add", "Ann Archer")
    cli("measure", "add", "ann", "PHQ-9", "--score", "18", "--on", "2026-10-01")
    cli("measure", "add", "ann", "PHQ-9", "--score", "6", "--on", "2026-11-01")
    row = next(csv.DictReader(io.StringIO(cli("measure", "progress", "ann", "--csv").stdout)))
    assert (row["reliable_improvement"], row["reliable_deterioration"], row["caseness_start"]) == ("yes", "no", "yes")


def _getting_started_commands() -> list[str]:
    import re

    text = (Path(__file__).parent.parent / "docs" / "getting-started.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [line for block in blocks[1:] for line in block.splitlines() if line.strip()]


def test_every_command_in_getting_started_works_as_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "THERAPY_TODAY": "2026-11-27",
           "TZ": "Europe/London", "NO_COLOR": "1", "XDG_DATA_HOME": str(home / ".local" / "share")}
    lines = _getting_started_commands()
    assert any(line.startswith("therapy db backup") for line in lines)
    for line in lines:
        if "| jq" in line and not shutil.which("jq"):
            line = line.split("|")[0]
        done = subprocess.run(["/bin/sh", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr)
        assert "Error" not in done.stderr, (line, done.stderr)
    assert list((home / "backups").glob("caseload-*.db"))


def test_the_table_does_not_call_a_running_week_missed(db, cli):
    """On Tuesday a week's target is "not yet", not "missed"; once the week is over it is judged. JSON and
    CSV keep `met` as it stands."""
    build_week(db)                                            # 2026-W47, 16-22 November
    db.conn.commit()
    assert cli("config", "set", "targets.week.sessions_attended", "50").exit_code == 0
    assert cli("config", "set", "targets.week.clients_seen", "1").exit_code == 0
    assert cli("config", "set", "targets.week.dna_rate.max", "0.5").exit_code == 0
    assert cli("config", "set", "targets.week.sessions_dna.max", "0").exit_code == 0

    def verdicts(today):
        table = cli("--today", today, *WEEK).stdout
        rows = table[table.index("Targets"):].splitlines()
        return {name: next(line for line in rows if line.startswith(name)) for name in
                ("sessions attended", "clients seen", "dna rate (at most)", "sessions dna (at most)")}

    during = verdicts("2026-11-22")                           # the week's last day: still running
    assert "not yet" in during["sessions attended"] and " met " in during["clients seen"]
    assert "met so far" in during["dna rate (at most)"] and "over so far" in during["sessions dna (at most)"]
    after = verdicts("2026-11-23")
    assert "missed" in after["sessions attended"] and " met " in after["clients seen"]
    assert "missed" in after["sessions dna (at most)"] and "met so far" not in after["dna rate (at most)"]
    assert cli("--today", "2026-11-22", *WEEK, "--json").json()["targets"][0]["met"] is False
