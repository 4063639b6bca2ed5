"""One set of rules for every write path: what a command refuses, an import of the same values refuses, in the same words."""

import re

import pytest

from conftest import snapshot

ESC = "\x1b[31mred\x1b[0m"


@pytest.fixture
def caseload(jcli):
    """Two clients, a couple Sam has left, an attended session at 14:00 and one of the couple's after Sam left."""
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "1", "--member", "2")
    jcli("client", "leave", "3", "2", "--on", "2026-10-01")
    jcli("session", "add", "1", "--at", "2026-11-03 14:00")
    jcli("session", "add", "3", "--at", "2026-11-04 10:00")
    jcli("client", "add", "Kit Lowe")
    jcli("session", "add", "4", "--at", "2026-10-05 10:00")
    jcli("client", "discharge", "4", "--on", "2026-10-06")
    jcli("client", "add", "Pat Doe")
    jcli("client", "discharge", "5")
    jcli("client", "erase", "5", "--yes", "--force", "--reason", "erasure request")


# (what, command args, table, CSV file content)
CASES = [
    ("control characters in a note",
     ["session", "note", "1", f"worked on{ESC} sleep"],
     "sessions", f"client,starts_at,status,note\n1,2026-11-05 09:00,attended,worked on{ESC} sleep\n"),
    ("a bell in a name",
     ["client", "add", "Kim\x07 Lee"],
     "clients", "name\nKim\x07 Lee\n"),
    ("a date of birth in the future",
     ["client", "add", "Kim Lee", "--dob", "2030-01-01"],
     "clients", "name,date_of_birth\nKim Lee,2030-01-01\n"),
    ("a bad email",
     ["client", "add", "Kim Lee", "--email", "kim.example.org"],
     "clients", "name,email\nKim Lee,kim.example.org\n"),
    ("a duration out of range",
     ["session", "add", "1", "--at", "2026-11-05 09:00", "--duration", "700"],
     "sessions", "client,starts_at,duration_min,status\n1,2026-11-05 09:00,700,attended\n"),
    ("a duration too short",
     ["session", "add", "1", "--at", "2026-11-05 09:00", "--duration", "4"],
     "sessions", "client,starts_at,duration_min,status\n1,2026-11-05 09:00,4,attended\n"),
    ("an overlapping session",
     ["session", "add", "2", "--at", "2026-11-03 14:30"],
     "sessions", "client,starts_at,status\n2,2026-11-03 14:30,attended\n"),
    ("attended before the day has come",
     ["session", "add", "1", "--at", "2026-12-03 14:00", "--status", "attended"],
     "sessions", "client,starts_at,status\n1,2026-12-03 14:00,attended\n"),
    ("a name too long",
     ["client", "add", "K" * 201],
     "clients", "name\n" + "K" * 201 + "\n"),
    ("a note too long",
     ["session", "note", "1", "n" * 20_001],
     "sessions", "client,starts_at,status,note\n1,2026-11-05 09:00,attended," + "n" * 20_001 + "\n"),
    ("too few items",
     ["measure", "add", "1", "PHQ-9", "--items", "1,2,3"],
     "measures", "client,instrument,taken_on,items\n1,PHQ-9,2026-11-03,\"1,2,3\"\n"),
    ("an item out of range",
     ["measure", "add", "1", "GAD-7", "--items", "0,1,2,3,4,0,1"],
     "measures", "client,instrument,taken_on,items\n1,GAD-7,2026-11-03,\"0,1,2,3,4,0,1\"\n"),
    ("a total out of range",
     ["measure", "add", "1", "PHQ-9", "--score", "28"],
     "measures", "client,instrument,taken_on,score\n1,PHQ-9,2026-11-03,28\n"),
    ("a questionnaire before 1950",
     ["measure", "add", "1", "PHQ-9", "--score", "5", "--on", "1940-01-01"],
     "measures", "client,instrument,taken_on,score\n1,PHQ-9,1940-01-01,5\n"),
    ("a scheduled session for a discharged client",
     ["session", "add", "4", "--at", "2026-12-07 10:00"],
     "sessions", "client,starts_at,status\n4,2026-12-07 10:00,scheduled\n"),
    ("a session for an erased client",
     ["session", "add", "5", "--at", "2026-11-05 10:00", "--status", "attended"],
     "sessions", "client,starts_at,status\n5,2026-11-05 10:00,attended\n"),
    ("a questionnaire for an erased client",
     ["measure", "add", "5", "PHQ-9", "--score", "5"],
     "measures", "client,instrument,taken_on,score\n5,PHQ-9,2026-11-05,5\n"),
    ("an erased client as a member",
     ["client", "add", "The Does", "--kind", "couple", "--member", "1", "--member", "5"],
     "clients", "name,kind,members\nThe Does,couple,1;5\n"),
    ("a couple as a member",
     ["client", "add", "The Four", "--kind", "family", "--member", "1", "--member", "3"],
     "clients", "name,kind,members\nThe Four,family,1;3\n"),
    ("a member named twice",
     ["client", "add", "The Twins", "--kind", "family", "--member", "1", "--member", "1"],
     "clients", "name,kind,members\nThe Twins,family,1;1\n"),
    ("three in a couple",
     ["client", "add", "Three", "--kind", "couple", "--member", "1", "--member", "2", "--member", "4"],
     "clients", "name,kind,members\nThree,couple,1;2;4\n"),
    ("members of an individual",
     ["client", "add", "Solo", "--member", "1"],
     "clients", "name,members\nSolo,1\n"),
    ("a member's score on a session after they left the unit",
     ["measure", "add", "2", "GAD-7", "--score", "5", "--session", "2"],
     "measures", "client,instrument,score,session\n2,GAD-7,5,2\n"),
]


def _reason(stderr: str, prefix: str = "") -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    text = lines[0][len("Error: "):]
    if prefix:
        match = re.match(r"line 2: (.*); nothing was imported \(fix the row, or use --skip-invalid\)$", text)
        assert match, text
        text = match.group(1)
    return text


@pytest.mark.parametrize("what, command, table, content", CASES, ids=[c[0] for c in CASES])
def test_command_and_import_refuse_alike(cli, caseload, db_path, tmp_path, what, command, table, content):
    before = snapshot(db_path)
    typed = cli(*command)
    assert typed.exit_code in (1, 2), (what, typed.stdout)
    assert snapshot(db_path) == before

    path = tmp_path / f"{table}.csv"
    path.write_text(content, encoding="utf-8")
    imported = cli("import", table, path)
    assert imported.exit_code == 1, (what, imported.stdout)
    assert snapshot(db_path) == before
    assert _reason(imported.stderr, "line") == _reason(typed.stderr)


def test_stdin_import_applies_the_same_rules(cli, caseload, db_path):
    before = snapshot(db_path)
    result = cli("import", "sessions", "-", input=f"client,starts_at,status,note\n1,2026-11-05 09:00,attended,{ESC}\n")
    assert result.exit_code == 1
    assert "line 2: note must not contain control characters" in result.stderr
    assert snapshot(db_path) == before


def test_overlaps_within_the_file_are_refused_unless_allowed(cli, jcli, caseload, db_path, tmp_path):
    path = tmp_path / "diary.csv"
    path.write_text("client,starts_at,duration_min,status\n1,2026-11-10 09:00,50,attended\n"
                    "2,2026-11-10 09:30,50,attended\n2,2026-11-10 09:50,50,attended\n"
                    "2,2026-11-10 23:50,50,scheduled\n1,2026-11-11 00:10,50,cancelled\n")
    result = cli("import", "sessions", path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == ("Error: line 3: 2026-11-10 09:30-10:20 overlaps the session on line 2 at 2026-11-10 "
                        "09:00-09:50 (attended); nothing was booked (use --allow-overlap to book it anyway); nothing was "
                        "imported (fix the row, or use --skip-invalid)")
    # back to back is no clash, a cancelled session holds no time, and a file of several diaries may overlap
    assert jcli("import", "sessions", path, "--allow-overlap")["imported"] == 4 + 1


def test_an_overlap_across_midnight_is_found_whatever_the_order_of_the_rows(cli, caseload, db_path, tmp_path):
    """23:30-01:30 after 00:30 the next day in the file: the earlier row was on the next day, never looked at."""
    path = tmp_path / "late.csv"
    path.write_text("client,starts_at,status,duration_min\n1,2026-11-11 00:30,attended,50\n"
                    "2,2026-11-10 23:30,attended,120\n")
    before = snapshot(db_path)
    result = cli("import", "sessions", path)
    assert result.exit_code == 1 and "line 3: 2026-11-10 23:30" in result.stderr
    assert "overlaps the session on line 2 at 2026-11-11 00:30" in result.stderr
    assert snapshot(db_path) == before

