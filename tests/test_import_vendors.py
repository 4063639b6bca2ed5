"""Moving in from other systems: files shaped like SimplePractice, Power Diary/Zanda and Cliniko exports
import as exported (the recipes of docs/import.md), and the bugs seen with them stay fixed."""

import unicodedata
from pathlib import Path

import pytest

from conftest import assert_refused

DATA = Path(__file__).parent / "data"


def _sessions(jcli):
    return [(s["client_id"], s["starts_at"], s["duration_min"], s["status"], s["cancelled_by"])
            for s in jcli("session", "list", "--from", "2026-11-01", "--to", "2026-12-31")]


def test_simplepractice_recipe(jcli):
    clients = jcli("import", "clients", DATA / "simplepractice-clients.csv", "--dates", "mdy")
    assert clients["imported"] == 3
    alex = jcli("client", "show", "1")
    assert (alex["name"], alex["date_of_birth"]) == ("Alex Morgan", "1985-06-03")
    result = jcli("import", "sessions", DATA / "simplepractice-appointments.csv", "--dates", "mdy")
    assert result["imported"] == 7 and set(result["ignored_columns"]) == {"clinician", "location"}
    assert _sessions(jcli) == [
        (1, "2026-11-02T09:00:00+00:00", 50, "attended", None),
        (2, "2026-11-02T14:00:00+00:00", 50, "dna", None),
        (1, "2026-11-03T10:00:00+00:00", 50, "late-cancelled", "client"),
        (2, "2026-11-04T10:00:00+00:00", 50, "cancelled", "therapist"),
        (3, "2026-11-05T11:00:00+00:00", 45, "cancelled", "client"),   # the name was written decomposed (NFD)
        (1, "2026-11-09T09:00:00+00:00", 50, "attended", None),
        (1, "2026-12-07T09:00:00+00:00", 50, "scheduled", None),      # an empty status: by date
    ]


def test_power_diary_recipe(jcli):
    assert jcli("import", "clients", DATA / "powerdiary-clients.csv", "--map", "id=Client ID")["imported"] == 2
    assert jcli("client", "show", "101")["date_of_birth"] == "1985-06-03"   # written 1985-06-03 00:00:00
    result = jcli("import", "sessions", DATA / "powerdiary-appointments.csv", "--dates", "dmy",
                  "--map", "date=Appt Date", "--map", "time=Appt Time", "--value", "status", "Seen=attended")
    assert result["imported"] == 5
    assert _sessions(jcli) == [
        (101, "2026-11-03T14:00:00+00:00", 50, "attended", None),
        (102, "2026-11-04T09:30:00+00:00", 50, "dna", None),            # Missed; 9:30 am
        (101, "2026-11-05T14:00:00+00:00", 60, "late-cancelled", "client"),   # 2:00 pm
        (101, "2026-11-10T14:00:00+00:00", 50, "attended", None),       # Seen, through --value
        (101, "2026-12-08T14:00:00+00:00", 50, "scheduled", None),      # Booked
    ]


def test_cliniko_recipe(jcli):
    assert jcli("import", "clients", DATA / "cliniko-patients.csv")["imported"] == 2
    result = jcli("import", "sessions", DATA / "cliniko-appointments.csv")
    assert result["imported"] == 5 and result["ignored_columns"] == ["appointment_type"]
    assert _sessions(jcli) == [
        (1, "2026-11-03T14:00:00+00:00", 50, "attended", None),          # Patient Arrived true
        (2, "2026-11-04T09:00:00+00:00", 50, "dna", None),               # Did Not Arrive true
        (1, "2026-11-05T14:00:00+00:00", 50, "cancelled", "client"),     # Cancelled At holds a time
        (1, "2026-11-10T14:00:00+00:00", 60, "attended", None),          # neither: it took place; end 15:00
        (2, "2026-12-02T09:00:00+00:00", 50, "scheduled", None),
    ]


def test_slashed_dates_need_an_order(cli, db_path, tmp_path):
    result = cli("import", "clients", DATA / "simplepractice-clients.csv")
    assert result.exit_code == 1 and "give --dates dmy or --dates mdy (or set date.order)" in result.stderr
    assert_refused(cli, db_path, "import", "clients", DATA / "simplepractice-clients.csv", "--dates", "ymd",
                   code=2)
    # read day first, 11/22/1990 is no date
    result = cli("import", "clients", DATA / "simplepractice-clients.csv", "--dates", "dmy")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "line 3: date of birth '11/22/1990' is not a date read as dmy"


def test_a_sessions_file_without_status_needs_a_default_and_says_how_many_rows(cli, jcli, db_path, tmp_path):
    jcli("client", "add", "Alex Morgan")
    path = tmp_path / "diary.csv"
    path.write_text("client,starts_at\n1,2026-11-02 09:00\n1,2026-11-09 09:00\n1,2026-12-07 09:00\n")
    assert_refused(cli, db_path, "import", "sessions", path, match="no 'status' column")
    result = cli("import", "sessions", path, "--status-default", "by-date", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["status_defaulted"] == 3
    assert "--status-default by-date applied to 3 rows with no status." in result.stderr
    assert [s["status"] for s in jcli("session", "list", "--from", "2026-11-01", "--to", "2026-12-31")] == [
        "attended", "attended", "scheduled"]
    assert_refused(cli, db_path, "import", "sessions", path, "--status-default", "maybe", code=2)


def test_map_and_value_mistakes_are_refused(cli, jcli, db_path, tmp_path):
    jcli("client", "add", "Alex Morgan")
    path = tmp_path / "diary.csv"
    path.write_text("Who,When,Outcome\nAlex Morgan,2026-11-02 09:00,Happened\n")
    assert_refused(cli, db_path, "import", "sessions", path, "--map", "client=Who", "--map", "client=When",
                   match="--map client=... is given twice")
    assert_refused(cli, db_path, "import", "sessions", path, "--map", "client=Who", "--map", "starts_at=When",
                   match="line 2: status 'Happened' is not one of scheduled")
    assert_refused(cli, db_path, "import", "sessions", path, "--map", "client=Who", "--map", "starts_at=When",
                   "--value", "status", "Happened", match="is not FIELD 'FROM'=TO")
    assert_refused(cli, db_path, "import", "sessions", path, "--map", "client=Who", "--map", "starts_at=When",
                   "--value", "status", "Happened=maybe", match="status 'maybe' is not one of")
    result = jcli("import", "sessions", path, "--map", "client=Who", "--map", "starts_at=When",
                  "--value", "status", "'happened'=attended")
    assert result["imported"] == 1


@pytest.mark.parametrize("start, end, minutes", [
    ("2026-11-02 2:00 PM", "2:50 PM", 50), ("2026-11-02 9:00 am", "10:00 am", 60),
    ("2026-11-02 12:30 PM", "2026-11-02 13:15", 45), ("2026-11-02 12:00 am", "00:30", 30),
    ("2026-11-02 11:30 PM", "12:20 AM", 50)])
def test_twelve_hour_times_and_end_times(jcli, tmp_path, start, end, minutes):
    jcli("client", "add", "Alex Morgan")
    path = tmp_path / "diary.csv"
    path.write_text(f"client,start,end,status\n1,{start},{end},attended\n")
    jcli("import", "sessions", path)
    session = jcli("session", "show", "1")
    assert session["duration_min"] == minutes


def test_bad_times_and_ends(cli, jcli, db_path, tmp_path):
    jcli("client", "add", "Alex Morgan")
    path = tmp_path / "diary.csv"
    path.write_text("client,start,end,status\n1,2026-11-02 13:00 PM,14:00,attended\n"
                    "1,2026-11-03 10:00,09:00,attended\n1,2026-11-04 25:00,,attended\n")
    result = cli("import", "sessions", path)
    lines = result.stderr.splitlines()
    assert lines[0] == "line 2: start '13:00 PM' is not a time; a 12-hour clock runs 1 to 12"
    assert lines[1] == "line 3: duration must be 5 to 600 minutes, not -60"
    assert lines[2].startswith("line 4: start '25:00' does not exist; hours 00-23, minutes 00-59")


def test_a_start_with_seconds_is_refused_as_session_add_refuses_it(cli, jcli, db_path, tmp_path):
    # kept as 14:00:30, it showed as 14:00-14:50 and a 14:50 booking was refused as overlapping it
    jcli("client", "add", "Alex Morgan")
    path = tmp_path / "diary.csv"
    path.write_text("client,start,status\n1,2026-11-02 14:00:30,attended\n")
    assert_refused(cli, db_path, "import", "sessions", path,
                   match="line 2: start '2026-11-02 14:00:30': sessions are booked to the minute")
    path.write_text("client,date,start time,status\n1,2026-11-02,2:00:00 PM,attended\n")
    assert jcli("import", "sessions", path)["imported"] == 1   # seconds of :00, as Cliniko writes them
    assert jcli("session", "show", "1")["starts_at"] == "2026-11-02T14:00:00+00:00"


def test_names_match_whatever_unicode_form_the_file_uses(jcli, tmp_path):
    jcli("client", "add", "Zoë Brontë")
    path = tmp_path / "scores.csv"
    path.write_text(f"client,instrument,taken_on,score\n{unicodedata.normalize('NFD', 'zoë brontë')},PHQ-9,"
                    "2026-11-02,12\n", encoding="utf-8")
    assert jcli("import", "measures", path)["imported"] == 1


def test_every_import_reads_standard_input(cli, jcli):
    result = cli("import", "clients", "-", "--json", input="name,date_of_birth\nAlex Morgan,1985-06-03\n")
    assert result.exit_code == 0, result.stderr
    assert result.json()["file"] == "standard input" and result.json()["imported"] == 1
    result = cli("import", "sessions", "-", "--json",
                 input='{"client": 1, "starts_at": "2026-11-02 09:00", "status": "attended"}\n')
    assert result.exit_code == 0, result.stderr
    result = cli("import", "measures", "-", input="client,instrument,taken_on,score\n1,GAD-7,2026-11-02,9\n")
    assert result.exit_code == 0, result.stderr
    assert [m["score"] for m in jcli("measure", "list", "1")] == [9]
    assert cli("import", "clients", "-", input="").stderr.startswith("Error: standard input is empty")
