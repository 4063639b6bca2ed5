"""Bulk import: spreadsheet CSVs as a new user would make them, JSON lines, bad rows, one transaction."""

import json
import sqlite3

import pytest

from conftest import assert_refused, snapshot


def write(path, text, bom=False, crlf=False):
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def rows(db_path, sql):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def refused(cli, db_path, *args):
    """The import fails: exit 1, last stderr line `Error: …`, no traceback, nothing changed."""
    cli("db", "init")
    before = snapshot(db_path)
    result = cli(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: "), result.stderr
    assert sum(line.startswith("Error:") for line in lines) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(db_path) == before
    return lines


SPREADSHEET = (
    "Client Name , Kind,Date of Birth,Referral Date,EMAIL\n"
    "Alex Morgan,Individual,1990-04-02,2026-10-01,alex@example.org\n"
    "Sam Morgan,,1985-01-01,2026-10-02,\n"
    ",,,,\n"
    "\n"
)


def test_spreadsheet_csv_with_bom_crlf_and_loose_headers(cli, jcli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", SPREADSHEET, bom=True, crlf=True)
    result = jcli("import", "clients", path)
    assert result["imported"] == 2 and result["skipped"] == 0 and result["rows"] == 2
    listed = jcli("client", "list")
    assert [(c["name"], c["kind"], c["status"], c["date_of_birth"], c["referred_on"]) for c in listed] == [
        ("Alex Morgan", "individual", "waiting", "1990-04-02", "2026-10-01"),
        ("Sam Morgan", "individual", "waiting", "1985-01-01", "2026-10-02"),
    ]
    assert rows(db_path, "SELECT email FROM clients ORDER BY id") == [("alex@example.org",), (None,)]


def test_semicolon_separated_csv(jcli, tmp_path):
    path = write(tmp_path / "clients.csv", "name;referred_on\nAlex Morgan;2026-10-01\n")
    assert jcli("import", "clients", path)["imported"] == 1
    assert jcli("client", "show", "alex")["referred_on"] == "2026-10-01"


def test_map_option_reads_other_column_names(jcli, cli, tmp_path, db_path):
    path = write(tmp_path / "export.csv", "Surname and forename,Born\nMorgan Alex,1990-04-02\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert "no 'name' column" in lines[-1] and "--map name=" in lines[-1]
    result = jcli("import", "clients", path, "--map", "name=Surname and forename", "--map", "date_of_birth=born")
    assert result["imported"] == 1
    assert jcli("client", "show", "1")["date_of_birth"] == "1990-04-02"
    lines = refused(cli, db_path, "import", "clients", path, "--map", "name=nope")
    assert "no column 'nope'" in lines[-1]
    lines = refused(cli, db_path, "import", "clients", path, "--map", "shoe_size=born")
    assert "no field 'shoe_size'" in lines[-1]


def test_one_bad_row_is_one_error_line_with_its_line_number(cli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", "name,date_of_birth\nAlex Morgan,1990-04-02\nSam Morgan,1990-02-30\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines == ["Error: line 3: date of birth '1990-02-30' does not exist; use a real date as YYYY-MM-DD; "
                     "nothing was imported (fix the row, or use --skip-invalid)"]


def test_a_name_that_is_a_number_is_refused_as_client_add_refuses_it(cli, tmp_path, db_path):
    """A spreadsheet's client number in the name column (`123`, `#5`) was imported as the name, then read as
    an id wherever the client was named: `client show 123` said there was no client with id 123."""
    path = write(tmp_path / "clients.csv", "name\nAlex Morgan\n123\n#5\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines[0].startswith("line 3: a client's name cannot be a number or '#' and a number")
    assert lines[1].startswith("line 4: a client's name cannot be a number or '#' and a number")
    assert lines[-1].startswith("Error: 2 invalid rows (lines 3, 4); nothing was imported")


def test_several_bad_rows_are_listed_then_one_error(cli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv",
                 "name,date_of_birth,kind\nAlex,1990-04-02,\n,1990-01-01,\nJo,2030-01-01,\nKim,,tribe\nLee,,\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines[0] == "line 3: name must not be empty"
    assert lines[1].startswith("line 4: date of birth 2030-01-01 is in the future")
    assert lines[2].startswith("line 5: kind 'tribe' is not one of individual")
    assert lines[-1].startswith("Error: 3 invalid rows (lines 3, 4, 5); nothing was imported")
    assert "--skip-invalid to import the 2 valid rows" in lines[-1]


def test_dates_in_a_file_are_yyyy_mm_dd_only(cli, tmp_path, db_path, two_clients):
    # A UK spreadsheet saves 14/03/1985; `today` or `friday` in a file would mean the day of the import.
    path = write(tmp_path / "clients.csv", "Name,DOB,Referral Date\nAlex,14/03/1985,2026-10-01\n"
                                            "Sam,1985-03-14,today\nJo,1985-03-14,friday\nKim,1985-3-14,\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines[0].startswith("line 2: date of birth '14/03/1985' is not YYYY-MM-DD (with slashes, day/month")
    assert "format the column as yyyy-mm-dd" in lines[0]
    assert lines[1:4] == ["line 3: referral date 'today' is not a date; use YYYY-MM-DD",
                          "line 4: referral date 'friday' is not a date; use YYYY-MM-DD",
                          "line 5: date of birth '1985-3-14' is not a date; use YYYY-MM-DD"]
    path = write(tmp_path / "diary.csv", "client,date,time,status\n1,yesterday,10:00,attended\n")
    assert refused(cli, db_path, "import", "sessions", path)[0] == \
        "Error: line 2: start 'yesterday' is not a date; use YYYY-MM-DD; nothing was imported " \
        "(fix the row, or use --skip-invalid)"
    path = write(tmp_path / "scores.csv", "client,instrument,date,score\n1,PHQ-9,today,12\n")
    assert "date 'today' is not a date; use YYYY-MM-DD" in refused(cli, db_path, "import", "measures", path)[0]


def test_skip_invalid_imports_the_rest_and_reports_the_lines(cli, jcli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", "name,date_of_birth\nAlex,1990-04-02\nBad,1990-13-01\nSam,\n")
    result = cli("import", "clients", path, "--skip-invalid", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["imported"] == 2 and data["skipped"] == 1
    assert data["skipped_rows"][0]["line"] == 3 and "1990-13-01" in data["skipped_rows"][0]["error"]
    assert "Skipped line 3:" in result.stderr
    assert [c["name"] for c in jcli("client", "list")] == ["Alex", "Sam"]


def test_dry_run_checks_but_writes_nothing(cli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", "name\nAlex\nSam\n")
    cli("db", "init")
    before = snapshot(db_path)
    result = cli("import", "clients", path, "--dry-run", "--json")
    assert result.exit_code == 0 and result.json()["imported"] == 2 and result.json()["dry_run"] is True
    assert snapshot(db_path) == before


def test_importing_the_same_clients_twice_is_refused(cli, jcli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", "name,date_of_birth\nAlex Morgan,1990-04-02\n")
    jcli("import", "clients", path)
    lines = refused(cli, db_path, "import", "clients", path)
    assert "#1 has the same name, date of birth and referral date" in lines[-1]
    # a row repeated within one file names the line: the id it would have had was never written
    twice = write(tmp_path / "twice.csv", "name,date_of_birth\nSam Lee,1991-05-03\nsam  lee,1991-05-03\n")
    assert refused(cli, db_path, "import", "clients", twice)[-1] == (
        "Error: line 3: the same name, date of birth and referral date as line 2 (a row repeated?); nothing was "
        "imported (fix the row, or use --skip-invalid)")
    assert jcli("import", "clients", twice, "--skip-invalid")["imported"] == 1


def test_units_with_members_by_name_or_id(jcli, cli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv",
                 "id,name,kind,members\n10,Alex Morgan,,\n11,Sam Morgan,,\n12,The Morgans,couple,Alex Morgan; 11\n")
    assert jcli("import", "clients", path)["imported"] == 3
    couple = jcli("client", "show", "12")
    assert couple["kind"] == "couple" and [m["id"] for m in couple["members"]] == [10, 11]
    bad = write(tmp_path / "bad.csv", "name,kind,members\nFour,couple,10;11;12\n")
    lines = refused(cli, db_path, "import", "clients", bad)
    assert "#12 is a couple; members must be individual clients" in lines[-1]   # as `client add` says it


def test_clients_ids_must_be_free(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    path = write(tmp_path / "clients.csv", "id,name\n1,Sam\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert "id 1 is already used" in lines[-1]


def test_an_id_given_to_an_earlier_row_without_one_is_refused_naming_the_line(cli, jcli, tmp_path, db_path):
    """The row with no id took 1; a later row's `1` reached the database ('UNIQUE constraint failed', no line),
    and refused the whole file even with --skip-invalid."""
    path = write(tmp_path / "clients.csv", "id,name\n,Sam Cole\n1,Alex Morgan\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines == ["Error: line 3: id 1 is already used, given to an earlier row of the file that has no id; give "
                     "every row its id, or none; nothing was imported (fix the row, or use --skip-invalid)"]
    assert jcli("import", "clients", path, "--skip-invalid")["imported"] == 1
    # an id the file skipped over is free: 2 and 3 were given to no row
    more = write(tmp_path / "more.csv", "id,name\n4,Ann Lee\n,Bo Lee\n2,Cy Lee\n")
    assert jcli("import", "clients", more)["imported"] == 3
    assert [(c["id"], c["name"]) for c in jcli("client", "list")] == [
        (4, "Ann Lee"), (5, "Bo Lee"), (2, "Cy Lee"), (1, "Sam Cole")]


def test_an_id_a_spreadsheet_wrote_as_12_0_is_read_and_12_5_refused(cli, jcli, tmp_path, db_path):
    """An id cell of 12.0 (Excel, pandas, a JSON float) was an internal error (float.isinteger)."""
    bad = write(tmp_path / "bad.csv", "id,name\n12.5,Sam Cole\n")
    lines = refused(cli, db_path, "import", "clients", bad)
    assert "line 2: id '12.5' is not a whole number" in lines[-1]
    path = write(tmp_path / "clients.csv", "id,name\n12.0,Sam Cole\n")
    assert jcli("import", "clients", path)["first_id"] == 12
    assert jcli("client", "show", "12")["name"] == "Sam Cole"


def test_every_imported_client_is_audited_without_names(jcli, tmp_path, db_path):
    path = write(tmp_path / "clients.csv", "name\nAlex Morgan\nSam Morgan\n")
    jcli("import", "clients", path)
    audit = rows(db_path, "SELECT action, record_type, record_id, client_id, summary FROM audit ORDER BY id")
    assert audit[:2] == [("import", "client", 1, 1, "client imported from a file"),
                         ("import", "client", 2, 2, "client imported from a file")]
    assert audit[-1][:2] == ("import", "client") and audit[-1][3] is None
    assert not any("Morgan" in row[4] for row in audit)


# -- sessions ------------------------------------------------------------------------

@pytest.fixture
def two_clients(jcli, tmp_path):
    path = write(tmp_path / "clients.csv", "name\nAlex Morgan\nSam Morgan\n")
    jcli("import", "clients", path)


def test_sessions_times_stored_as_the_interactive_command_does(jcli, cli, tmp_path, db_path, two_clients):
    jcli("session", "add", "Sam", "--at", "2026-06-01 09:00")
    path = write(tmp_path / "sessions.csv",
                 "Client,Starts At,Duration,Status,Mode\n"
                 "Alex Morgan,2026-06-01 10:00,50,attended,video\n"
                 "1,2026-12-01 10:00,,,\n")
    result = jcli("import", "sessions", path)
    assert result["imported"] == 2
    stored = rows(db_path, "SELECT starts_at, starts_utc, ends_utc, local_date, duration_min, status, mode "
                           "FROM sessions ORDER BY id")
    # the first row was made by `session add`: the import must store times the same way
    assert stored[0][:4] == ("2026-06-01T09:00:00+01:00", "2026-06-01T08:00:00+00:00",
                             "2026-06-01T08:50:00+00:00", "2026-06-01")
    assert stored[1] == ("2026-06-01T10:00:00+01:00", "2026-06-01T09:00:00+00:00",
                         "2026-06-01T09:50:00+00:00", "2026-06-01", 50, "attended", "video")
    assert stored[2] == ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00+00:00",
                         "2026-12-01T10:50:00+00:00", "2026-12-01", 50, "scheduled", "in-person")


def test_attended_sessions_make_clients_active(jcli, tmp_path, two_clients):
    path = write(tmp_path / "sessions.csv",
                 "client,starts_at,status\n1,2026-10-06 10:00,attended\n1,2026-09-29 10:00,attended\n"
                 "2,2026-10-06 11:00,dna\n")
    jcli("import", "sessions", path)
    alex, sam = jcli("client", "show", "1"), jcli("client", "show", "2")
    assert (alex["status"], alex["first_attended_on"]) == ("active", "2026-09-29")
    assert (sam["status"], sam["first_attended_on"]) == ("waiting", None)


def test_separate_date_and_time_columns_and_status_words(jcli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "diary.csv",
                 "Client,Date,Time,Outcome\nSam Morgan,2026-11-03,14:00,Did not attend\n"
                 "Sam Morgan,2026-11-10,14:00,Late cancelled\n")
    jcli("import", "sessions", path)
    assert rows(db_path, "SELECT starts_at, status, cancelled_by FROM sessions ORDER BY id") == [
        ("2026-11-03T14:00:00+00:00", "dna", None), ("2026-11-10T14:00:00+00:00", "late-cancelled", "client")]


def test_bad_session_rows(cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "sessions.csv",
                 "client,starts_at,duration_min,status\n"
                 "1,2026-11-03 14:00,50,attended\n"
                 "9,2026-11-03 14:00,50,attended\n"
                 "1,2026-11-03 14:00,700,attended\n"
                 "1,2026-03-29 01:30,50,attended\n"
                 "1,03/11/2026 14:00,50,attended\n"
                 "1,2026-12-03 14:00,50,attended\n"
                 "1,2026-11-04 14:00,50,maybe\n"
                 "Morgan,2026-11-05 14:00,50,\n")
    lines = refused(cli, db_path, "import", "sessions", path)
    assert lines[0] == "line 3: no client with id 9"
    assert lines[1] == "line 4: duration must be 5 to 600 minutes, not 700"   # as `session add` says it
    assert lines[2].startswith("line 5: start 2026-03-29 01:30 does not exist in Europe/London")
    assert lines[3].startswith("line 6: start '03/11/2026' is not YYYY-MM-DD (with slashes")
    assert lines[4] == ("line 7: the session is on 2026-12-03, after today (2026-11-27); "
                        "it can be marked attended from that day on")
    assert lines[5].startswith("line 8: status 'maybe' is not one of scheduled")
    assert lines[6].startswith("line 9: no client named 'Morgan'")
    assert lines[-1].startswith("Error: 7 invalid rows (lines 3, 4, 5, 6, 7, 8, 9)")


def test_sessions_are_audited_per_client_and_per_file(jcli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "sessions.csv", "client,starts_at\n1,2026-10-06 10:00\n1,2026-10-13 10:00\n"
                                            "2,2026-10-13 11:00\n")
    jcli("import", "sessions", path, "--status-default", "by-date")
    audit = rows(db_path, "SELECT client_id, summary FROM audit WHERE record_type = 'session' ORDER BY id")
    assert audit == [(1, "2 sessions imported"), (2, "1 session imported"),
                     (None, "3 session rows imported from a file")]


def test_notes_come_in_with_their_sessions(jcli, tmp_path, two_clients):
    path = write(tmp_path / "sessions.csv", 'client,starts_at,note\n1,2026-10-06 10:00,"Talked about work,\nand sleep"\n')
    jcli("import", "sessions", path, "--status-default", "attended")
    shown = jcli("session", "show", "1")
    assert "and sleep" in json.dumps(shown)


def test_round_trip_through_export(jcli, cli, tmp_path, two_clients):
    path = write(tmp_path / "sessions.csv", "client,starts_at,status\n1,2026-06-01 10:00,attended\n"
                                            "2,2026-12-01 10:00,scheduled\n")
    jcli("import", "sessions", path)
    out = tmp_path / "out"
    assert cli("export", "all", "--output", out).exit_code == 0
    fresh = tmp_path / "fresh.db"
    assert cli("--db", fresh, "import", "clients", out / "clients.csv").exit_code == 0
    result = cli("--db", fresh, "import", "sessions", out / "sessions.csv", "--json")
    assert result.exit_code == 0, result.stderr
    assert "ignored columns" in result.stderr
    assert rows(fresh, "SELECT id, client_id, starts_at, starts_utc, status FROM sessions ORDER BY id") == rows(
        tmp_path / "caseload.db", "SELECT id, client_id, starts_at, starts_utc, status FROM sessions ORDER BY id")
    assert rows(fresh, "SELECT id, status, first_attended_on FROM clients ORDER BY id") == [
        (1, "active", "2026-06-01"), (2, "waiting", None)]


def test_jsonl_sessions(jcli, tmp_path, db_path, two_clients):
    path = tmp_path / "sessions.jsonl"
    path.write_text(json.dumps({"client": 1, "starts_at": "2026-10-06 10:00", "duration_min": 60}) + "\n\n"
                    + json.dumps({"client_id": 2, "at": "2026-10-06T11:00", "status": "DNA"}) + "\n")
    assert jcli("import", "sessions", path, "--status-default", "by-date")["imported"] == 2
    assert rows(db_path, "SELECT client_id, duration_min, status FROM sessions ORDER BY id") == [
        (1, 60, "attended"), (2, 50, "dna")]


def test_jsonl_members_and_items_as_lists(jcli, tmp_path, db_path):
    """`"members": [1, 2]` was read as one member named '1,2' and refused ("no client named '1,2'")."""
    path = tmp_path / "clients.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in (
        {"name": "Alex Morgan"}, {"name": "Sam, Morgan"},
        {"name": "The Morgans", "kind": "couple", "members": [1, "Sam, Morgan"]})) + "\n")
    assert jcli("import", "clients", path)["imported"] == 3
    assert [m["id"] for m in jcli("client", "show", "3")["members"]] == [1, 2]
    scores = tmp_path / "scores.jsonl"
    scores.write_text(json.dumps({"client": 1, "instrument": "GAD-7", "taken_on": "2026-10-06",
                                  "items": [1, 2, 0, 3, 1, 0, 2]}) + "\n")
    assert jcli("import", "measures", scores)["imported"] == 1
    assert rows(db_path, "SELECT score, items FROM measures") == [(9, "[1, 2, 0, 3, 1, 0, 2]")]


def test_bad_jsonl_line_has_its_number(cli, tmp_path, db_path, two_clients):
    path = tmp_path / "sessions.jsonl"
    path.write_text(json.dumps({"client": 1, "starts_at": "2026-10-06 10:00", "status": "attended"})
                    + "\n{not json\n")
    lines = refused(cli, db_path, "import", "sessions", path)
    assert lines == ["Error: line 2: is not valid JSON; nothing was imported (fix the row, or use --skip-invalid)"]


def test_a_bad_first_json_line_or_a_json_array(cli, jcli, tmp_path, db_path):
    # The first line used to become the header: "no 'name' column (columns: \x00error)".
    path = tmp_path / "clients.jsonl"
    path.write_text('oops\n{"name": "A B"}\n{"name": "C D"}\n')
    lines = refused(cli, db_path, "import", "clients", path)
    assert lines == ["Error: line 1: is not valid JSON; nothing was imported (fix the row, or use --skip-invalid)"]
    assert jcli("import", "clients", path, "--skip-invalid")["imported"] == 2
    for text in ('[{"name": "A B"}, {"name": "C D"}]\n', '[\n  {"name": "A B"}\n]\n'):
        path = tmp_path / "clients.json"
        path.write_text(text)
        lines = refused(cli, db_path, "import", "clients", path)
        assert lines == [f"Error: {path} holds a JSON array; give one JSON object per line (JSON lines)"]
    path.write_text('oops\n"x"\n')
    assert refused(cli, db_path, "import", "clients", path) == [
        f"Error: line 1 of {path} is not valid JSON; one JSON object per line is expected"]


def test_unreadable_files(cli, tmp_path, db_path):
    assert "no file" in refused(cli, db_path, "import", "clients", tmp_path / "missing.csv")[-1]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nZo\xeb\n".encode("latin-1"))
    assert "not UTF-8" in refused(cli, db_path, "import", "clients", latin)[-1]
    empty = write(tmp_path / "empty.csv", "")
    assert "is empty" in refused(cli, db_path, "import", "clients", empty)[-1]



def test_a_quote_never_closed_is_refused_not_read_as_one_cell_holding_the_rest(cli, jcli, tmp_path, db_path,
                                                                               two_clients):
    """A note cell opening a quote that is never closed took every later line into that note: 1 of 4 sessions
    imported, exit 0, nothing said."""
    path = write(tmp_path / "diary.csv", 'client,starts_at,status,note\n1,2026-11-16 10:00,attended,"quoted start\n'
                                         "1,2026-11-17 10:00,attended,ok\n2,2026-11-18 10:00,attended,ok\n")
    lines = refused(cli, db_path, "import", "sessions", path)
    assert lines == ['Error: line 2: opens a quoted field (") that is never closed: every line after it was read into '
                     "that one cell; close the quote; nothing was imported (fix the row, or use --skip-invalid)"]
    fixed = write(tmp_path / "fixed.csv", path.read_text().replace('"quoted start', '"quoted"" start"'))
    assert jcli("import", "sessions", fixed)["imported"] == 3

# -- measures ------------------------------------------------------------------------

def test_measures_scored_by_the_instrument_rules(jcli, cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "scores.csv",
                 "client,instrument,date,items,score\n"
                 '1,phq9,2026-10-06,"2,2,2,2,2,2,2,2,1",\n'
                 "1,GAD-7,2026-10-06,,9\n")
    assert jcli("import", "measures", path)["imported"] == 2
    listed = rows(db_path, "SELECT instrument, taken_on, score, severity, caseness, risk FROM measures ORDER BY id")
    assert listed == [("PHQ-9", "2026-10-06", 17, "moderately severe", 1, 1),
                      ("GAD-7", "2026-10-06", 9, "mild", 1, None)]
    bad = write(tmp_path / "bad.csv",
                "client,instrument,taken_on,items,score\n"
                '1,PHQ-9,2026-10-06,"1,2,3",\n'
                "1,GAD-7,2026-10-06,,30\n"
                "1,BDI,2026-10-06,,10\n"
                "1,GAD-7,2026-12-06,,10\n")
    lines = refused(cli, db_path, "import", "measures", bad)
    assert lines[0] == "line 2: PHQ-9 has 9 items; 3 given"
    assert lines[1].startswith("line 3: GAD-7 total 30 is out of range")
    assert lines[2].startswith("line 4: unknown instrument 'BDI'")
    assert lines[3].startswith("line 5: date 2026-12-06 is in the future")


def test_measures_round_trip_through_export(jcli, cli, tmp_path, db_path, two_clients):
    """`therapy export measures` writes items and the total: the file imports as it is."""
    jcli("measure", "add", "1", "PHQ-9", "--items", "2,2,2,2,2,2,2,2,1", "--on", "2026-10-06")
    jcli("measure", "add", "1", "GAD-7", "--score", "9", "--on", "2026-10-06")
    exported = tmp_path / "measures.csv"
    assert cli("export", "measures", "-o", exported).exit_code == 0
    new_db = tmp_path / "new.db"
    assert cli("--db", new_db, "import", "clients", write(tmp_path / "c.csv", "name\nAlex Morgan\n")).exit_code == 0
    result = jcli("--db", new_db, "import", "measures", exported)
    assert result["imported"] == 2
    assert rows(new_db, "SELECT instrument, score, items, risk FROM measures ORDER BY id") == [
        ("PHQ-9", 17, "[2, 2, 2, 2, 2, 2, 2, 2, 1]", 1), ("GAD-7", 9, None, None)]
    bad = write(tmp_path / "bad.csv", 'client,instrument,taken_on,items,score\n1,PHQ-9,2026-10-06,"2,2,2,2,2,2,2,2,1",16\n')
    assert refused(cli, new_db, "--db", new_db, "import", "measures", bad)[0].startswith(
        "Error: line 2: the total score 16 is not the items' total (17)")


def test_importing_the_same_sessions_twice_is_refused(jcli, cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "sessions.csv", "client,starts_at,status\n1,2026-10-06 10:00,attended\n"
                                            "2,2026-10-06 11:00,attended\n")
    jcli("import", "sessions", path)
    lines = refused(cli, db_path, "import", "sessions", path)
    assert lines[0] == "line 2: client #1 already has session #1 at 2026-10-06T10:00:00+01:00 (imported already?)"
    assert lines[-1].startswith("Error: 2 invalid rows (lines 2, 3)")
    # a different time for the same client is a different session
    other = write(tmp_path / "more.csv", "client,starts_at,status\n1,2026-10-13 10:00,attended\n")
    assert jcli("import", "sessions", other)["imported"] == 1


def test_a_session_row_repeated_in_the_file_is_refused_naming_the_line(jcli, cli, tmp_path, db_path, two_clients,
                                                                        monkeypatch):
    """A repeated DNA or cancellation is no overlap, so only this check stops it counting twice (the DNA rate)."""
    from therapy_cli.io import importer

    text = ("client,date,time,status\n1,2026-11-03,09:00,DNA\n1,2026-11-03,09:00,DNA\n"
            "2,2026-11-04,10:00,cancelled\n1,2026-11-05,10:00,attended\n2,2026-11-04,10:00,cancelled\n")
    path = write(tmp_path / "dup.csv", text)
    lines = refused(cli, db_path, "import", "sessions", path)
    assert lines[:2] == ["line 3: the same client and start as line 2 (a row repeated?)",
                         "line 6: the same client and start as line 4 (a row repeated?)"]
    assert jcli("import", "sessions", path, "--skip-invalid")["imported"] == 3
    week = jcli("report", "week", "--week", "2026-W45")
    assert (week["sessions"]["dna"], week["sessions"]["cancelled"], week["dna_rate"]) == (1, 1, 0.5)
    # the first of the two already written (a batch of the import flushed before the repeat): found by the index
    monkeypatch.setattr(importer, "BATCH", 1)
    later = write(tmp_path / "later.csv", "client,date,time,status\n1,2026-11-10,09:00,dna\n2,2026-11-11,09:00,dna\n"
                                          "1,2026-11-10,09:00,dna\n")
    lines = refused(cli, db_path, "import", "sessions", later)
    assert lines[0] == ("Error: line 4: the same client and start as session #4, an earlier line of this file "
                        "(a row repeated?); nothing was imported (fix the row, or use --skip-invalid)")
    # the same start for two clients (a practice's diary) is no repeat
    two = write(tmp_path / "two.csv", "client,date,time,status\n1,2026-11-12,09:00,dna\n2,2026-11-12,09:00,dna\n")
    assert jcli("import", "sessions", two)["imported"] == 2


def test_importing_the_same_training_groups_twice_is_refused(jcli, cli, tmp_path, db_path):
    """A training group has no client, so the client's check never found it: with --allow-overlap (or a cancelled
    one, which holds no time) a second import of the file counted its hours twice."""
    text = ("kind,title,audience,participants,starts_at,duration_min,status\n"
            "training,CBT basics,GP staff,12,2026-11-10 09:00,120,attended\n"
            "training,Risk,Nurses,8,2026-11-12 09:00,60,cancelled\n")
    path = write(tmp_path / "training.csv", text)
    assert jcli("import", "sessions", path, "--allow-overlap")["imported"] == 2
    lines = refused(cli, db_path, "import", "sessions", path, "--allow-overlap")
    assert lines[0] == ("line 2: training group #1 has the same title and start, 2026-11-10T09:00:00+00:00 "
                        "(imported already?)")
    assert jcli("import", "sessions", path, "--skip-invalid")["imported"] == 0
    assert len(jcli("session", "list", "--training", "--from", "2026-11-01")) == 2
    # repeated within one file; another title at the same start is another group
    again = write(tmp_path / "again.csv", "kind,title,audience,participants,starts_at,duration_min,status\n"
                  "training,CBT basics,GP staff,12,2026-11-03 09:00,120,attended\n"
                  "training,Sleep,Nurses,8,2026-11-03 09:00,60,cancelled\n"
                  "training,CBT basics,GP staff,12,2026-11-03 09:00,120,attended\n")
    lines = refused(cli, db_path, "import", "sessions", again, "--allow-overlap")
    assert lines == ["Error: line 4: the same training group and start as line 2 (a row repeated?); nothing was "
                     "imported (fix the row, or use --skip-invalid)"]
    assert jcli("import", "sessions", again, "--allow-overlap", "--skip-invalid")["imported"] == 2


def test_a_training_group_cancelled_by_the_client_is_refused_as_session_cancel_refuses_it(cli, jcli, tmp_path,
                                                                                          db_path):
    head = "kind,title,audience,participants,starts_at,duration_min,status,cancelled_by\n"
    for status, by in (("cancelled", "client"), ("Client Canceled", "")):
        path = write(tmp_path / "training.csv", head + f"training,Risk,Nurses,8,2026-11-12 09:00,60,{status},{by}\n")
        assert_refused(cli, db_path, "import", "sessions", path, match="line 2: a training group has no client to "
                                                                       "cancel it")
    path = write(tmp_path / "training.csv", head + "training,Risk,Nurses,8,2026-11-12 09:00,60,cancelled,\n")
    jcli("import", "sessions", path)
    assert jcli("session", "show", "1")["cancelled_by"] == "therapist"


def test_importing_the_same_measures_twice_is_refused(jcli, cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "scores.csv", "client,instrument,taken_on,items,score\n"
                                          '1,PHQ-9,2026-10-06,"2,2,2,2,2,2,2,2,1",\n'
                                          "2,GAD-7,2026-10-06,,9\n")
    assert jcli("import", "measures", path)["imported"] == 2
    lines = refused(cli, db_path, "import", "measures", path)
    assert lines[0] == "line 2: client #1 already has PHQ-9 #1 taken on 2026-10-06 with a total of 17 (imported already?)"
    assert lines[1] == "line 3: client #2 already has GAD-7 #2 taken on 2026-10-06 with a total of 9 (imported already?)"
    # a total alone matches a questionnaire held with its answers (an export of the old system without them)
    total_only = write(tmp_path / "totals.csv", "client,instrument,taken_on,score\n1,PHQ-9,2026-10-06,17\n")
    assert "already has PHQ-9 #1" in refused(cli, db_path, "import", "measures", total_only)[0]
    # a row repeated within one file: the first is the one kept with --skip-invalid
    repeated = write(tmp_path / "repeated.csv", "client,instrument,taken_on,score\n1,GAD-7,2026-10-13,7\n"
                                                "1,GAD-7,2026-10-13,7\n")
    assert refused(cli, db_path, "import", "measures", repeated)[0] == (
        "Error: line 3: the same GAD-7 of client #1 on 2026-10-13 (total 7) is already in the file, on line 2 "
        "(a row repeated?); nothing was imported (fix the row, or use --skip-invalid)")
    assert jcli("import", "measures", repeated, "--skip-invalid")["imported"] == 1
    # not twins: other answers with the same total, another day, another total, another client
    other = write(tmp_path / "other.csv", "client,instrument,taken_on,items,score\n"
                                          '1,PHQ-9,2026-10-06,"3,2,2,2,2,2,2,1,1",\n'
                                          "1,PHQ-9,2026-10-07,,17\n1,GAD-7,2026-10-06,,8\n2,PHQ-9,2026-10-06,,17\n")
    assert jcli("import", "measures", other)["imported"] == 4


def test_an_imported_session_before_the_clients_referral_is_refused_as_session_add_refuses_it(
        cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Late Ref", "--referred-on", "2026-06-01")
    path = write(tmp_path / "s.csv", "client,starts_at,status\n1,2015-06-01 10:00,attended\n1,2026-06-02 10:00,attended\n")
    lines = refused(cli, db_path, "import", "sessions", path)
    assert "line 2: the session on 2015-06-01 is before client #1's referral (2026-06-01)" in lines[0]
    assert jcli("import", "sessions", path, "--skip-invalid")["imported"] == 1


def test_an_imported_group_session_checks_its_members_as_session_add_does(cli, jcli, tmp_path, db_path):
    """A group's meeting imported on a day one member was not yet referred (their wait ran backwards), or after
    another's death while they still belonged (counted present, in clients seen), was taken; `session add`
    refuses both, in these words."""
    jcli("client", "add", "Ann Lee", "--referred-on", "2026-09-01")
    jcli("client", "add", "Bob Stone", "--referred-on", "2026-11-15")
    jcli("client", "add", "Cat Wu", "--referred-on", "2026-09-01")
    jcli("client", "add", "Group", "--kind", "group", "--member", "1", "--member", "2", "--member", "3",
         "--referred-on", "2026-09-01")
    jcli("client", "edit", "Cat", "--died-on", "2026-10-01")
    path = write(tmp_path / "s.csv", "client,starts_at,status\nGroup,2026-11-03 18:00,attended\n"
                                     "Group,2026-11-20 18:00,attended\nGroup,2026-11-20 18:00,cancelled\n")
    lines = refused(cli, db_path, "import", "sessions", path)
    added = [cli("session", "add", "Group", "--at", at, "--status", "attended").stderr.strip()
             for at in ("2026-11-03 18:00", "2026-11-20 18:00")]
    assert lines[0] == "line 2: " + added[0].removeprefix("Error: ")
    assert lines[1] == "line 3: " + added[1].removeprefix("Error: ")
    assert "member #2 of #4 was referred on 2026-11-15, after the session on 2026-11-03" in lines[0]
    assert "member #3 of #4 died on 2026-10-01, before the session on 2026-11-20" in lines[1]
    assert jcli("import", "sessions", path, "--skip-invalid")["imported"] == 1   # a cancellation counts no one


def test_an_imported_client_first_seen_before_the_referral_is_refused(cli, jcli, tmp_path, db_path):
    """A first attended date before the referral came in, and counted a negative wait in report referrals'
    median (-28 and 151 days gave 61.5). `session add` and `client edit --referred-on` refuse it."""
    path = write(tmp_path / "c.csv", "name,referred_on,first_attended_on\n"
                                     "Al Bee,2026-03-01,2026-02-01\nCy Dee,2026-01-01,2026-01-01\n")
    lines = refused(cli, db_path, "import", "clients", path)
    assert "line 2: first attended date 2026-02-01 is before the referral (2026-03-01); the referral comes first" \
        in lines[0]
    assert jcli("import", "clients", path, "--skip-invalid")["imported"] == 1     # the same day is fine


def test_measures_linked_to_sessions(jcli, cli, tmp_path, db_path, two_clients):
    jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "1", "--member", "2")
    sessions = write(tmp_path / "sessions.csv", "id,client,starts_at,status\n7,1,2026-10-06 10:00,attended\n"
                                                "8,3,2026-10-07 10:00,attended\n")
    jcli("import", "sessions", sessions)
    scores = write(tmp_path / "scores.csv", "client,instrument,session,score\n1,GAD-7,7,9\n2,GAD-7,8,5\n")
    assert jcli("import", "measures", scores)["imported"] == 2
    # no date given: the session's day; a member's score may hang on the couple's session
    assert rows(db_path, "SELECT client_id, taken_on, session_id FROM measures ORDER BY id") == [
        (1, "2026-10-06", 7), (2, "2026-10-07", 8)]
    bad = write(tmp_path / "bad.csv", "client,instrument,session,score\n2,GAD-7,7,5\n1,GAD-7,99,5\n")
    lines = refused(cli, db_path, "import", "measures", bad)
    assert lines[0].startswith("line 2: session #7 is not a session of client #2")
    assert lines[1] == "line 3: no session with id 99"


def test_an_erased_stub_does_not_come_back_as_a_client(cli, jcli, tmp_path, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "discharge", "1")
    jcli("client", "erase", "1", "--yes", "--force", "--reason", "erasure request")
    jcli("client", "add", "Sam Morgan")
    out = tmp_path / "out"
    assert cli("export", "all", "--output", out).exit_code == 0
    fresh = tmp_path / "fresh.db"
    result = cli("--db", fresh, "import", "clients", out / "clients.csv")
    assert result.exit_code == 1
    assert "line 2: the row is the stub of a client erased on" in result.stderr
    assert "import all DIR" in result.stderr
    assert cli("--db", fresh, "import", "all", out).exit_code == 0
    assert cli("--db", fresh, "client", "show", "1", "--json").json()["name"] != "Alex Morgan"


def test_an_imported_questionnaire_after_a_recorded_death_is_refused(jcli, cli, db_path, tmp_path):
    jcli("client", "add", "Late Client")
    jcli("client", "edit", "Late", "--died-on", "2026-11-10")
    path = tmp_path / "measures.csv"
    path.write_text("client,instrument,taken_on,score\n1,phq9,2026-11-11,5\n", encoding="utf-8")
    refused(cli, db_path, "import", "measures", path)
    assert "after the client's death (2026-11-10)" in cli("import", "measures", path).stderr


def test_answers_one_column_each_are_read_as_the_items_and_the_risk_item_is_kept(jcli, cli, tmp_path, db_path,
                                                                                   two_clients):
    path = write(tmp_path / "wide.csv", "client,instrument,taken_on,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10,score\n"
                                        "1,PHQ-9,2026-11-17,1,1,1,1,1,1,1,1,3,,11\n"
                                        "2,GAD-7,2026-11-17,1,1,1,1,1,1,1,,,,\n"
                                        "2,CORE-10,2026-11-18,,,,,,,,,,,20\n", bom=True, crlf=True)
    result = jcli("import", "measures", path)
    assert result["imported"] == 3 and result["ignored_columns"] == []
    got = {(m["instrument"], m["score"], m["risk"]) for c in ("1", "2") for m in jcli("measure", "list", c)}
    assert got == {("PHQ-9", 11, 3), ("GAD-7", 7, None), ("CORE-10", 20, None)}
    assert [r["kind"] for r in jcli("remind", "--kind", "risk_flag")] == ["risk_flag"]    # item 9 scored 3
    gap = write(tmp_path / "gap.csv", "client,instrument,taken_on,Q1,Q3\n1,PHQ-9,2026-11-18,1,1\n")
    assert "are not numbered 1, 2, 3" in refused(cli, db_path, "import", "measures", gap)[0]
    hole = write(tmp_path / "hole.csv", "client,instrument,taken_on,Item 1,Item 2,Item 3,Item 4,Item 5,Item 6,Item 7\n"
                                        "1,GAD-7,2026-11-19,1,,1,1,1,1,1\n")
    assert "answer item_2 is empty but a later one is given" in refused(cli, db_path, "import", "measures", hole)[0]


def test_json_lines_with_answer_keys_of_their_own_keep_every_rows_answers(jcli, tmp_path, two_clients):
    """Each JSON object may name its own keys: a PHQ-9 line after a GAD-7 (q1..q7) or total-only line read its
    answers through the other line's columns, and lost them (item 9 and the risk flag with it) or was refused."""
    phq = ", ".join(f'"q{n}": 1' for n in range(1, 9)) + ', "q9": 3'
    gad = ", ".join(f'"q{n}": 1' for n in range(1, 8))
    path = tmp_path / "scores.jsonl"
    path.write_text(f'{{"client": 1, "instrument": "PHQ-9", "taken_on": "2026-11-02", {phq}}}\n'
                    f'{{"client": 1, "instrument": "GAD-7", "taken_on": "2026-11-02", {gad}}}\n'
                    f'{{"client": 1, "instrument": "PHQ-9", "taken_on": "2026-11-09", {phq}, "score": 11}}\n'
                    '{"client": 2, "instrument": "GAD-7", "taken_on": "2026-11-09", "score": 9}\n'
                    f'{{"client": 2, "instrument": "PHQ-9", "taken_on": "2026-11-16", {phq}, "score": 11}}\n')
    assert jcli("import", "measures", path)["imported"] == 5
    got = [(m["client_id"], m["instrument"], m["taken_on"], m["score"], m["risk"])
           for c in ("1", "2") for m in jcli("measure", "list", c)]
    assert sorted(got) == [(1, "GAD-7", "2026-11-02", 7, None), (1, "PHQ-9", "2026-11-02", 11, 3),
                           (1, "PHQ-9", "2026-11-09", 11, 3), (2, "GAD-7", "2026-11-09", 9, None),
                           (2, "PHQ-9", "2026-11-16", 11, 3)]


def test_a_length_in_hours_is_read_as_minutes(jcli, cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "hours.csv", "Client,Date,Time,Status,Duration (hrs)\n1,2026-11-02,09:00,Attended,1\n"
                                         "1,2026-11-03,09:00,Attended,0.75\n1,2026-11-04,09:00,Attended,1.5\n")
    assert jcli("import", "sessions", path)["ignored_columns"] == []
    listed = jcli("session", "list", "--from", "2026-11-02", "--to", "2026-11-04")
    assert [s["duration_min"] for s in listed] == [60, 45, 90]
    both = write(tmp_path / "both.csv", "client,date,time,status,duration,hours\n1,2026-11-05,09:00,attended,45,1\n")
    assert "the duration in minutes (45) and in hours (1) disagree" in refused(cli, db_path, "import", "sessions", both)[0]


def test_status_words_that_say_who_cancelled_are_read_and_an_unknown_one_says_how_to_map_it(jcli, cli, tmp_path,
                                                                                             db_path, two_clients):
    path = write(tmp_path / "words.csv", "client,date,time,status\n1,2026-11-20,09:00,Cancelled by client\n"
                                         "1,2026-11-21,09:00,Canceled by Therapist\n1,2026-11-22,09:00,D.N.A.\n"
                                         "1,2026-11-23,09:00,cancelled by clinician\n")
    assert jcli("import", "sessions", path)["imported"] == 4
    got = [(s["status"], s["cancelled_by"]) for s in jcli("session", "list", "--from", "2026-11-20", "--to", "2026-11-23")]
    assert got == [("cancelled", "client"), ("cancelled", "therapist"), ("dna", None), ("cancelled", "therapist")]
    odd = write(tmp_path / "odd.csv", "client,date,time,status\n1,2026-11-24,09:00,Rescheduled\n")
    assert "map the file's word with --value status 'Rescheduled'=STATUS" in refused(cli, db_path, "import",
                                                                                      "sessions", odd)[0]
    assert jcli("import", "sessions", odd, "--value", "status", "Rescheduled=cancelled")["imported"] == 1


def test_a_value_mapping_for_a_field_the_import_does_not_read_is_refused(jcli, cli, tmp_path, db_path, two_clients):
    path = write(tmp_path / "s.csv", "client,date,time,status\n1,2026-11-24,09:00,Seen\n")
    lines = refused(cli, db_path, "import", "sessions", path, "--value", "stauts", "Seen=attended")
    assert lines == ["Error: --value stauts ...: the sessions import reads --value for status, mode, type only"]
    assert "reads --value for instrument only" in refused(cli, db_path, "import", "measures", path, "--value",
                                                          "status", "Seen=attended")[0]
    assert jcli("import", "sessions", path, "--value", "Status", "Seen=attended")["imported"] == 1


def test_a_date_column_saved_with_midnight_beside_a_time_column_is_the_date(jcli, cli, tmp_path, db_path, two_clients):
    """A spreadsheet that stores the Date column as a date and time writes `2026-11-03 00:00:00`; beside a Time
    column that was refused as the garbled start '00:00:00 18:00'."""
    path = write(tmp_path / "midnight.csv", "Client,Date,Time,Status\n1,2026-11-03 00:00:00,18:00,attended\n"
                                            "1,2026-11-04T00:00:00.000,7:00 PM,attended\n"
                                            "1,11/5/2026 12:00:00 AM,18:00,attended\n")
    assert jcli("import", "sessions", path, "--dates", "mdy")["imported"] == 3
    listed = jcli("session", "list", "--from", "2026-11-03", "--to", "2026-11-05")
    assert [s["starts_at"][:16] for s in listed] == ["2026-11-03T18:00", "2026-11-04T19:00", "2026-11-05T18:00"]
    # a start time column beside it reads the same
    start = write(tmp_path / "start.csv", "Client,Date,Start Time,Status\n1,2026-11-06 00:00,09:30,attended\n")
    assert jcli("import", "sessions", start)["imported"] == 1
    # another time in the date column is a second time for the row: refused, saying so
    two = write(tmp_path / "two.csv", "Client,Date,Time,Status\n1,2026-11-07 09:30,18:00,attended\n")
    assert ("the date column holds a time as well ('2026-11-07 09:30') and the time column another ('18:00')"
            in refused(cli, db_path, "import", "sessions", two)[0])
