"""Period reports and targets on a hand-built week whose every number is worked out here."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import assert_refused
from wrong_form import refused

LONDON = ZoneInfo("Europe/London")


# -- helpers shared with the other report tests --------------------------------

def add_client(db, name, kind="individual", status="active", referred_on=None, discharged_on=None,
               referral_source=None, referred_by=None, dob=None, members=(), joined_on=None):
    cid = db.insert("clients", {"name": name, "kind": kind, "status": status, "referred_on": referred_on,
                                "discharged_on": discharged_on, "referral_source": referral_source,
                                "referred_by": referred_by, "date_of_birth": dob,
                                "created_at": "2026-01-01T00:00:00+00:00"})
    for member in members:
        db.insert("memberships", {"unit_id": cid, "member_id": member, "joined_on": joined_on})
    return cid


def add_session(db, client_id, when, duration=50, status="attended", kind="client", type_="treatment",
                absent=(), title=None):
    """A session row as the sessions module stores it; `when` is local 'YYYY-MM-DD HH:MM'."""
    start = datetime.fromisoformat(when).replace(tzinfo=LONDON)
    utc = start.astimezone(timezone.utc)
    sid = db.insert("sessions", {
        "kind": kind, "client_id": client_id, "starts_at": start.isoformat(), "starts_utc": utc.isoformat(),
        "ends_utc": (utc + timedelta(minutes=duration)).isoformat(), "local_date": start.date().isoformat(),
        "duration_min": duration, "status": status, "type": type_, "title": title,
        "created_at": "2026-01-01T00:00:00+00:00"})
    for person in absent:
        db.insert("session_absences", {"session_id": sid, "client_id": person})
    return sid


def add_measure(db, client_id, instrument, score, on, risk=None, session_id=None):
    caseness = None
    if instrument == "PHQ-9":
        caseness = int(score >= 10)
    elif instrument == "GAD-7":
        caseness = int(score >= 8)
    elif instrument == "CORE-10":
        caseness = int(score >= 11)
    return db.insert("measures", {"client_id": client_id, "instrument": instrument, "taken_on": on,
                                  "score": score, "caseness": caseness, "risk": risk, "session_id": session_id,
                                  "created_at": "2026-01-01T00:00:00+00:00"})


def add_supervision(db, on, minutes, group_size=1, direction="received"):
    credited = minutes / 60 if group_size == 1 else (minutes / 120 if group_size <= 4 else minutes / 60 / group_size)
    return db.insert("supervision", {"direction": direction, "on_date": on, "duration_min": minutes,
                                     "group_size": group_size, "credited_hours": credited,
                                     "created_at": "2026-01-01T00:00:00+00:00"})


def add_cpd(db, on, hours, title="Reading"):
    return db.insert("cpd", {"title": title, "hours": hours, "on_date": on, "kind": "reading",
                             "created_at": "2026-01-01T00:00:00+00:00"})


def set_target(db, key, value):
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, str(value)))
    db.forget_settings()


def build_week(db):
    """ISO week 2026-W47 (Mon 16 – Sun 22 November 2026), with data either side."""
    ann = add_client(db, "Ann Archer", referred_on="2026-10-01")
    ben = add_client(db, "Ben Baker", status="discharged", referred_on="2026-11-10", discharged_on="2026-11-20")
    cat = add_client(db, "Cat Cole", status="waiting", referred_on="2026-11-16")
    dan = add_client(db, "Dan Dunn", referred_on="2026-09-01")
    eve = add_client(db, "Eve Ellis", referred_on="2026-09-01", discharged_on=None)
    couple = add_client(db, "Dunn and Ellis", kind="couple", members=(dan, eve))
    group = add_client(db, "Tuesday group", kind="group", members=(ann, ben))
    fay = add_client(db, "Fay Ford", status="waiting", referred_on="2026-11-22")
    db.insert("memberships", {"unit_id": group, "member_id": fay, "joined_on": "2026-11-18"})
    add_client(db, "Gil Gray", status="discharged", referred_on="2026-06-01", discharged_on="2026-11-23")

    add_session(db, ann, "2026-11-16 10:00")                                   # attended 50
    add_session(db, ann, "2026-11-18 10:00")                                   # attended 50
    add_session(db, ben, "2026-11-16 11:00", status="dna")
    add_session(db, cat, "2026-11-17 09:00", 60, status="cancelled")
    add_session(db, cat, "2026-11-19 09:00", 60, status="late-cancelled")
    add_session(db, couple, "2026-11-19 14:00", 90, absent=(eve,))             # Dan present, Eve absent
    add_session(db, group, "2026-11-17 18:00", 120, absent=(ben,))             # Ann present; Fay not yet a member
    add_session(db, eve, "2026-11-20 12:00")                                   # attended 50: Eve seen after all
    add_session(db, dan, "2026-11-22 10:00", status="scheduled")
    add_session(db, None, "2026-11-18 13:00", 180, kind="training", title="Trauma-informed practice")
    add_session(db, ann, "2026-11-15 10:00")                                   # the Sunday before
    add_session(db, ann, "2026-11-23 10:00")                                   # the Monday after
    add_session(db, None, "2026-11-23 13:00", 60, kind="training", title="Outside")

    add_supervision(db, "2026-11-17", 90)                 # 1.5 h
    add_supervision(db, "2026-11-19", 120, group_size=4)  # half the time: 1.0 h
    add_supervision(db, "2026-11-20", 60, direction="given")
    add_supervision(db, "2026-11-24", 60)                 # next week
    add_cpd(db, "2026-11-21", 3)
    add_cpd(db, "2026-11-23", 5)
    return {"ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve, "couple": couple, "group": group}


EXPECTED_W47 = {
    "period": {"start": "2026-11-16", "end": "2026-11-22"},
    "sessions": {"attended": 5, "dna": 1, "cancelled": 1, "late_cancelled": 1, "scheduled": 1,
                 "cancelled_by_client": 2, "cancelled_by_therapist": 0},   # no `by` recorded: the client's
    "clients_seen": 3,          # Ann, Dan (couple), Eve (individual; absent from the couple)
    "cases_seen": 4,            # Ann, the couple, the group, Eve
    "clinical_hours": 6.0,      # 50 + 50 + 90 + 120 + 50 minutes
    "dna_rate": round(1 / 6, 4),
    "new_referrals": 2,         # Cat (16th), Fay (22nd)
    "discharges": 1,            # Ben (20th); Gil is the 23rd
    "waiting": 2,               # Cat; Fay, referred in her own right, joined the group but has not yet come
    "supervision_hours": 2.5,   # 1.5 + 1.0; given time not counted
    "supervision_given_hours": 1.0,
    "cpd_hours": 3.0,
    "training_hours": 3.0,
    "training_participants": 0,  # the training group has no participants recorded
    "targets": [],
}


def test_hand_built_week(db):
    from therapy_cli.reports import service as reports

    build_week(db)
    report = reports.week_report(db, date(2026, 11, 16), date(2026, 11, 22))
    assert report == EXPECTED_W47


def test_targets_met_and_missed(db):
    from therapy_cli.reports import service as reports

    build_week(db)
    set_target(db, "targets.week.clients_seen", 3)
    set_target(db, "targets.week.clinical_hours", 8)
    set_target(db, "targets.week.supervision_hours", 1.5)
    set_target(db, "targets.month.clients_seen", 100)      # not a weekly target
    report = reports.week_report(db, date(2026, 11, 16), date(2026, 11, 22))
    assert report["targets"] == [
        {"name": "clients_seen", "target": 3, "actual": 3, "met": True, "direction": "min"},
        {"name": "clinical_hours", "target": 8, "actual": 6.0, "met": False, "direction": "min"},
        {"name": "supervision_hours", "target": 1.5, "actual": 2.5, "met": True, "direction": "min"},
    ]


def test_month_and_period(db):
    from therapy_cli.reports import service as reports

    build_week(db)
    set_target(db, "targets.month.sessions_attended", 5)
    month = reports.month_report(db, date(2026, 11, 1), date(2026, 11, 30))
    assert month["sessions"]["attended"] == 7          # the week's five, the Sunday before, the Monday after
    assert month["training_hours"] == 4.0
    assert month["period"] == {"start": "2026-11-01", "end": "2026-11-30"}         # exactly SPEC's keys
    assert reports.period_label(date(2026, 11, 1), date(2026, 11, 30)) == "2026-11"
    assert reports.period_label(date(2026, 11, 16), date(2026, 11, 22)) == "2026-W47"
    assert reports.period_label(date(2026, 11, 16), date(2026, 11, 23)) == ""
    assert month["targets"] == [{"name": "sessions_attended", "target": 5, "actual": 7, "met": True,
                                  "direction": "min"}]
    # A custom period of exactly one calendar month takes the monthly targets; others none.
    assert reports.custom_period_report(db, date(2026, 11, 1), date(2026, 11, 30))["targets"] == month["targets"]
    span = reports.custom_period_report(db, date(2026, 11, 15), date(2026, 11, 23))
    assert span["targets"] == [] and span["sessions"]["attended"] == 7
    assert span["discharges"] == 2


def test_member_outside_membership_dates_not_counted(db):
    from therapy_cli.reports import service as reports

    ann = add_client(db, "Ann")
    ben = add_client(db, "Ben")
    group = add_client(db, "Group", kind="group")
    db.insert("memberships", {"unit_id": group, "member_id": ann, "joined_on": None, "left_on": "2026-11-17"})
    db.insert("memberships", {"unit_id": group, "member_id": ben, "joined_on": "2026-11-18"})
    add_session(db, group, "2026-11-17 18:00")   # Ann only (leaving day included)
    add_session(db, group, "2026-11-18 18:00")   # Ben only
    report = reports.period_report(db, date(2026, 11, 17), date(2026, 11, 17))
    assert (report["clients_seen"], report["cases_seen"]) == (1, 1)
    report = reports.period_report(db, date(2026, 11, 16), date(2026, 11, 22))
    assert (report["clients_seen"], report["cases_seen"]) == (2, 1)


def _seed_file(db_path):
    from therapy_cli.storage.db import open_database

    database = open_database(db_path, today=date(2026, 11, 27))
    database.execute("INSERT INTO settings (key, value) VALUES ('timezone', 'Europe/London')")
    build_week(database)
    set_target(database, "targets.week.clients_seen", 3)
    set_target(database, "targets.week.clinical_hours", 8)
    database.close()


def test_cli_week_json_csv_and_table(cli, jcli, db_path):
    _seed_file(db_path)
    report = jcli("report", "week", "--week", "2026-W47")
    assert {k: v for k, v in report.items() if k != "targets"} == {k: v for k, v in EXPECTED_W47.items()
                                                                   if k != "targets"}
    assert [t["met"] for t in report["targets"]] == [True, False]
    # Default: the week containing today (Friday 27 November → W48).
    assert jcli("report", "week")["period"] == {"start": "2026-11-23", "end": "2026-11-29"}

    result = cli("report", "week", "--week", "2026-W47", "--csv")
    header, row = result.stdout.strip().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert values["clients_seen"] == "3" and values["sessions_attended"] == "5"
    assert values["target_clinical_hours"] == "8" and values["met_clinical_hours"] == "no"
    bare = cli("report", "week", "--week", "2026-W47", "--csv", "--no-header")
    assert bare.stdout.strip() == row

    table = cli("report", "week", "--week", "2026-W47")
    assert table.exit_code == 0
    assert "clients seen" in table.stdout and "Targets" in table.stdout
    assert "#################### 100%" in table.stdout      # clients seen 3 of 3
    assert "###############.....  75%" in table.stdout      # clinical hours 6 of 8
    assert "\x1b[" not in table.stdout


def test_append_to_a_csv_a_spreadsheet_saved_again(cli, db_path, tmp_path):
    """Excel's 'CSV UTF-8' adds a byte-order mark and CRLF: the next row still lands in its columns."""
    _seed_file(db_path)
    path = tmp_path / "weekly.csv"
    assert cli("report", "week", "--week", "2026-W46", "--append", path).exit_code == 0
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = cli("report", "week", "--week", "2026-W47", "--append", path)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfperiod_start,") and data.count(b"\r\n") == 3 == data.count(b"\n")
    import csv, io

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["period_start"] for r in rows] == ["2026-11-09", "2026-11-16"]
    assert rows[1]["clients_seen"] == "3"
    path.write_bytes("period_start,period\r\n2026-11-09,caf\xe9\r\n".encode("cp1252"))
    assert_refused(cli, db_path, "report", "week", "--append", path, match="not UTF-8")


def test_a_figure_the_appended_file_has_no_column_for_is_said(cli, db_path, tmp_path):
    """A target set after the file was started: its value and met/missed never reached the manager's sheet, and
    the cron job said nothing."""
    _seed_file(db_path)
    path = tmp_path / "weekly.csv"
    assert cli("config", "set", "targets.week.sessions_attended", "1").exit_code == 0
    assert cli("report", "week", "--week", "2026-W46", "--append", path).stderr == ""
    assert cli("config", "set", "targets.week.supervision_hours", "1").exit_code == 0
    result = cli("report", "week", "--week", "2026-W47", "--append", path)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (f"Warning: {path} has no column for target_supervision_hours, met_supervision_hours "
                             "(its columns are those of its first row): those figures were not written; start a "
                             "new file to have them\n")
    assert b"target_supervision_hours" not in path.read_bytes()        # the file keeps its columns
    fresh = tmp_path / "weekly-2.csv"
    assert cli("report", "week", "--week", "2026-W47", "--append", fresh).stderr == ""
    assert b"target_supervision_hours" in fresh.read_bytes()


def test_append_to_someone_elses_spreadsheet_is_refused_and_leaves_it_alone(cli, db_path, tmp_path):
    """A wrong path in the cron line: a row of blank cells a week, and nothing said, until now."""
    _seed_file(db_path)
    sheet = tmp_path / "contacts.csv"
    sheet.write_bytes(b"Name,Phone\nAlice,0123\n")
    for report in (["report", "week"], ["report", "month"], ["report", "quarter"]):
        result = assert_refused(cli, db_path, *report, "--append", sheet, match="no period_start and period_end")
        assert "columns: Name, Phone" in result.stderr
        assert sheet.read_bytes() == b"Name,Phone\nAlice,0123\n"


def test_append_with_json_is_a_usage_error_not_a_silent_csv_row(cli, db_path, tmp_path):
    """`report week --append wk.csv --json` wrote the CSV row and printed nothing: the JSON asked for was
    dropped without a word."""
    _seed_file(db_path)
    sheet = tmp_path / "weekly.csv"
    for report in (["report", "week"], ["report", "month"], ["report", "period", "--from", "2026-11-16", "--to", "2026-11-22"]):
        result = assert_refused(cli, db_path, *report, "--append", sheet, "--json", code=2)
        assert result.stderr.startswith("Error: --append writes a CSV row to FILE") and not sheet.exists()
    assert cli("report", "week", "--append", sheet, "--csv").exit_code == 0 and sheet.exists()


def test_append_to_an_empty_file_name_is_refused_not_printed_instead(cli, db_path, tmp_path, monkeypatch):
    """`report week --week last --append "$WEEKLY"` from cron with the variable unset printed the week's table
    and exited 0: the weekly file silently went a row short. An empty FILE is a usage error now."""
    _seed_file(db_path)
    monkeypatch.chdir(tmp_path)
    for report in (["report", "week"], ["report", "quarter"], ["report", "period", "--from", "2026-11-16", "--to", "2026-11-22"]):
        for empty in ("", " "):
            result = assert_refused(cli, db_path, *report, "--append", empty, code=2)
            assert result.stdout == "" and result.stderr.startswith("Error: --append needs a file name")
    assert not (tmp_path / " ").exists()


def test_append_to_dash_is_refused_not_a_file_called_dash(cli, db_path, tmp_path, monkeypatch):
    """`--append -` (standard output, as `session export --ics -` has it) wrote a file called '-' in the
    current directory and printed nothing, exit 0; it is a usage error now, naming --csv --no-header."""
    _seed_file(db_path)
    monkeypatch.chdir(tmp_path)
    result = assert_refused(cli, db_path, "report", "week", "--append", "-", code=2)
    assert result.stdout == "" and "--csv --no-header" in result.stderr
    assert not (tmp_path / "-").exists()


def test_cli_month_and_period(jcli, db_path):
    _seed_file(db_path)
    assert jcli("report", "month", "--month", "2026-11")["sessions"]["attended"] == 7
    period = jcli("report", "period", "--from", "2026-11-16", "--to", "2026-11-22")
    assert period["clients_seen"] == 3 and period["period"] == {"start": "2026-11-16", "end": "2026-11-22"}
    assert period["targets"] != []        # exactly ISO week 47


@pytest.mark.parametrize("args, match", [
    (("report", "week", "--week", "2026-W60"), "does not exist"),
    (("report", "week", "--week", "47"), "ISO week"),
    (("report", "month", "--month", "2026-13"), "not a month"),
    (("report", "period", "--from", "2026-11-30", "--to", "2026-11-01"), "before"),
    (("report", "period", "--from", "2026-02-30", "--to", "2026-03-01"), "does not exist"),
    (("report", "outcomes", "--from", "2026-11-30", "--to", "2026-11-01"), "before"),
    # An empty value (a script's unset variable) is not this week or this month.
    (("report", "week", "--week", ""), "ISO week"),
    (("report", "month", "--month", ""), "not a month"),
])
def test_bad_periods_refused(cli, db_path, args, match):
    refused(cli, db_path, *args, match=match)


def test_a_week_that_does_not_exist_names_the_years_weeks(cli, db_path):
    for week, weeks in (("2026-W60", "2026 has weeks W01 to W53"), ("2027-W53", "2027 has weeks W01 to W52")):
        result = assert_refused(cli, db_path, "report", "week", "--week", week, code=2)
        assert result.stderr == f"Error: --week '{week}' does not exist; {weeks}\n"
    assert "does not exist" in assert_refused(cli, db_path, "report", "week", "--week", "0000-W01", code=2).stderr


def test_period_requires_both_ends(cli):
    assert cli("report", "period", "--from", "2026-11-01").exit_code == 2


def test_period_queries_use_the_covering_index(db):
    """The week report must stay an index range scan on a million sessions (issue 7/7)."""
    from therapy_cli.reports import service as reports

    params = {"start": "2026-11-16", "end": "2026-11-22"}
    for sql in (reports._SESSION_COUNTS, reports._PEOPLE_SEEN):
        plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "USING COVERING INDEX sessions_period" in plan, plan
        assert "SCAN s " not in plan + " " and "SCAN sessions" not in plan, plan



def test_a_waiting_couple_is_one_case_on_the_waiting_list(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "Alex", "--member", "Sam",
         "--referred-on", "2026-11-02")
    jcli("client", "add", "Jo Own Referral", "--referred-on", "2026-11-20")
    assert jcli("report", "week")["waiting"] == 2
    # a member referred in their own right is on the list in their own right too
    jcli("client", "edit", "Alex", "--referred-on", "2026-11-03")
    assert jcli("report", "week")["waiting"] == 3


def test_the_caseload_table_shows_how_long_a_waiting_client_has_waited(cli, jcli):
    jcli("client", "add", "Sam Waiting", "--referred-on", "2026-11-05")
    assert jcli("report", "caseload")[0]["waiting_days"] == 22
    table = cli("report", "caseload").stdout
    assert "waiting 22d" in table
