"""Hostile input at the edges: DEL and C1 controls, odd file names, HTML in reports, invalid text, pipes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import assert_refused


def _script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _run(args, **kwargs):
    return subprocess.run([*_script(), *args], capture_output=True, env={**os.environ}, **kwargs)


def _setup(jcli):
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", "Alex Morgan")
    return jcli("session", "add", "Alex", "--at", "2026-11-20 10:00")["id"]


CONTROLS = ["\x7f", "\x80", "\x9b", "\x9f", "\x9b31m"]


@pytest.mark.parametrize("control", CONTROLS)
def test_del_and_c1_controls_are_refused_like_c0(cli, jcli, db_path, control):
    sid = _setup(jcli)
    assert_refused(cli, db_path, "client", "add", f"Evil{control}Name", match="control characters")
    assert_refused(cli, db_path, "client", "add", "Fine Name", "--referral-source", f"GP{control}",
                   match="control characters")
    assert_refused(cli, db_path, "session", "note", sid, f"text{control}more", match="control characters")
    assert_refused(cli, db_path, "config", "set", "practitioner.name", f"Dr{control}X")


def test_ordinary_accents_and_line_breaks_in_notes_still_pass(jcli):
    sid = _setup(jcli)
    assert jcli("client", "add", "Zoë Ñúñez-Ødegård")["name"] == "Zoë Ñúñez-Ødegård"
    assert "\n" in jcli("session", "note", sid, "first line\nsecond line")["text"]


def test_a_file_name_with_an_escape_sequence_is_echoed_escaped(cli, jcli, tmp_path):
    _setup(jcli)
    name = tmp_path / "sar\x1b[2J\x9b31m.json"
    result = cli("client", "export", "1", "--output", name)
    assert result.exit_code == 0, result.stderr
    assert name.exists()
    assert "\x1b" not in result.stderr and "\x9b" not in result.stderr
    assert "\\x1b[2J" in result.stderr
    result = cli("session", "export", "--ics", tmp_path / "cal\x1b.ics", "--from", "2026-01-01")
    assert result.exit_code == 0 and "\x1b" not in result.stderr
    result = cli("client", "export", "1", "--output", tmp_path / "no-such-dir\x1b" / "x.json")
    assert result.exit_code == 1 and "\x1b" not in result.stderr


def test_markdown_report_shows_raw_html_and_line_breaks_as_text(cli, jcli, tmp_path):
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", "<script>alert(1)</script> Morgan", "--referred-on", "2026-01-01",
         "--referral-source", "GP <img src=x onerror=alert(2)>\nsecond line | with a bar")
    out = tmp_path / "report.md"
    result = cli("report", "client", "1", "--output", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "<script>" not in text and "<img" not in text and "<" not in text   # no tag can open
    assert "&lt;script>alert(1)&lt;/script> Morgan" in text
    row = [line for line in text.splitlines() if "onerror" in line]
    assert len(row) == 1 and row[0].startswith("|") and row[0].endswith("|") and "second line" in row[0]


def test_invalid_bytes_in_argv_are_one_clear_error(tmp_path):
    env_db = str(tmp_path / "argv.db")
    for args in ([b"client", b"add", b"Bad \xff\xfe Name"], [b"client", b"list", b"--status", b"\xff"]):
        done = subprocess.run([*(a.encode() for a in _script()), b"--db", env_db.encode(), *args],
                              capture_output=True)
        assert done.returncode in (1, 2), done
        err = done.stderr.decode("utf-8", "replace")
        assert "Traceback" not in err and "internal error" not in err, err
        assert "Error" in err
    done = subprocess.run([*(a.encode() for a in _script()), b"--db", env_db.encode(), b"client", b"add",
                           b"Bad \xff Name"], capture_output=True)
    assert done.returncode == 1
    assert done.stderr.decode().startswith("Error: name is not valid UTF-8 text"), done.stderr


def test_a_lone_surrogate_in_a_jsonl_import_is_a_clear_error(cli, jcli, db_path, tmp_path):
    _setup(jcli)
    path = tmp_path / "clients.jsonl"
    path.write_text('{"name": "Fine Person"}\n{"name": "Bad \\ud800 Person"}\n', encoding="utf-8")
    result = assert_refused(cli, db_path, "import", "clients", path)
    assert "line 2" in result.stderr and "lone surrogate" in result.stderr


@pytest.mark.parametrize("name", ["bk?x.db", "bk#1.db", "bk%20.db", "bk?mode=rw#x.db"])
def test_restore_from_a_file_name_with_uri_characters(cli, jcli, tmp_path, name):
    _setup(jcli)
    backup = tmp_path / name
    assert cli("db", "backup", backup).exit_code == 0
    jcli("client", "add", "Added After Backup")
    result = cli("db", "restore", backup, "--yes")
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in jcli("client", "list")] == ["Alex Morgan"]


def test_import_from_a_pipe_and_process_substitution(tmp_path):
    db = str(tmp_path / "pipe.db")
    csv_text = b"name,referred_on\nPiped Person,2026-11-01\n"
    done = _run(["--db", db, "import", "clients", "/dev/stdin", "--json"], input=csv_text)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == 1
    done = subprocess.run(["bash", "-c", f"{' '.join(_script())} --db {db} import clients "
                                         "<(printf 'name\\nSubstituted Person\\n') --json"], capture_output=True)
    assert done.returncode == 0, done.stderr
    names = json.loads(_run(["--db", db, "client", "list", "--json"]).stdout)
    assert {c["name"] for c in names} == {"Piped Person", "Substituted Person"}


def test_a_demo_file_name_with_an_escape_sequence_is_echoed_escaped(cli, tmp_path):
    result = cli("demo", "--db", tmp_path / "demo\x1b]0;owned\x07.db", "--json")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\\x1b]0;owned" in result.stderr


@pytest.mark.parametrize("args, code, message", [
    # SPEC: a value out of range is exit 1; a value of the wrong form (a number, choice or rule that cannot be
    # read) is a usage error, exit 2, whether click or the command finds it
    (["client", "list", "--limit", "0"], 1, "--limit must be at least 1, not 0"),
    (["session", "list", "--limit", "-2"], 1, "--limit must be at least 1, not -2"),
    (["db", "audit", "--limit", "0"], 1, "--limit must be at least 1, not 0"),
    (["note", "search", "sleep", "--limit", "0"], 1, "--limit must be at least 1, not 0"),
    (["measure", "chart", "alex", "--width", "5"], 1, "--width must be 20 to 200, not 5"),
    (["measure", "chart", "alex", "--width", "201"], 1, "--width must be 20 to 200, not 201"),
    (["client", "list", "--limit", "ten"], 2, "'ten' is not a valid int"),
    (["remind", "--kind", "sesion"], 2, "--kind 'sesion' is not one of session"),
    (["config", "set", "date.order", "ymd"], 2, "date.order must be one of dmy, mdy"),
    (["config", "set", "smtp.starttls", "perhaps"], 2, "must be true or false"),
    (["config", "set", "fees.currency", "pounds"], 2, "ISO 4217 currency code"),
    (["config", "set", "fees.currency", "GPB"], 2, "ISO 4217 currency code"),
    (["config", "set", "fees.currency", "JPY"], 1, "kept in hundredths and JPY has no minor unit"),
    (["config", "set", "fees.currency", "kwd"], 1, "KWD has 3 decimal places"),
    (["session", "schedule", "alex", "--start", "2027-01-04 10:00", "--every", "weeky", "--count", "2"], 2,
     "is not week, fortnight, month"),
    (["session", "schedule", "alex", "--start", "2027-01-04 10:00", "--every", "FREQ=WEEKLY;INTERVAL=0",
      "--count", "2"], 1, "INTERVAL must be 1 to 520"),
    (["measure", "add", "alex", "phq8", "--score", "3"], 2, "unknown instrument 'phq8'"),
    (["measure", "add", "alex", "phq9", "--score", "28"], 1, "totals are 0–27"),
])
def test_out_of_range_is_exit_1_and_unreadable_is_exit_2(cli, jcli, db_path, args, code, message):
    jcli("client", "add", "Alex Morgan")
    result = assert_refused(cli, db_path, *args, code=code)
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_time_typed_outside_the_quotes_of_its_date_is_named(cli, jcli, db_path):
    """`--at tomorrow 10:00` unquoted: click saw 10:00 as an extra argument and said only that."""
    jcli("client", "add", "Ben Walsh")
    for args, hint in ((["session", "add", "ben", "--at", "tomorrow", "10:00"], "--at 'tomorrow 10:00'"),
                       (["session", "schedule", "ben", "--start", "2027-01-04", "9:30", "--every", "week",
                         "--count", "2"], "--start '2027-01-04 9:30'")):
        result = assert_refused(cli, db_path, *args, code=2)
        assert f"unexpected extra argument(s) ({args[args.index(hint.split()[0]) + 2]}" in result.stderr
        assert f"a date and its time go in one pair of quotes, {hint}" in result.stderr
    jcli("session", "add", "ben", "--at", "2027-01-04 10:00")
    result = assert_refused(cli, db_path, "session", "move", "1", "--to", "friday", "11:00", code=2)
    assert "--to 'friday 11:00'" in result.stderr
    # a name of two words unquoted: the same hint, for the name
    result = assert_refused(cli, db_path, "session", "add", "ben", "walsh", "--at", "2027-01-05 10:00", code=2)
    assert result.stderr.splitlines()[-1] == ("Error: Got unexpected extra argument(s) (walsh): a name or text of "
                                              "several words goes in one pair of quotes, 'ben walsh'")
    result = assert_refused(cli, db_path, "contact", "add", "Dr", "Priya", "Shah", "--role", "GP", code=2)
    assert "(Priya Shah): a name or text of several words goes in one pair of quotes, 'Dr Priya Shah'" in result.stderr
    # a stray number is left as click says it
    result = assert_refused(cli, db_path, "client", "show", "1", "2", code=2)
    assert "(2)" in result.stderr and "quotes" not in result.stderr
    # a client given to a command that takes none: the command's own name is no first word of a name
    for args in (["session", "list", "ben"], ["report", "week", "2026-W47"], ["remind", "clients", "ben"]):
        result = assert_refused(cli, db_path, *args, code=2)
        assert result.stderr.splitlines()[-1] == f"Error: Got unexpected extra argument(s) ({args[-1]})", args
    assert jcli("session", "add", "ben", "--at", "tomorrow 10:00")["client_id"] == 1


def test_a_value_beginning_with_a_dash_is_told_to_follow_two_dashes(cli, jcli, db_path):
    """`config set fees.default -60`, a note starting '- ': click answered `No such option: -6`, an option
    nobody typed."""
    jcli("client", "add", "Ben Walsh")
    session = jcli("session", "add", "ben", "--at", "2026-11-20 10:00")["id"]
    for args, word in ((["config", "set", "fees.default", "-60"], "-60"),
                       (["session", "note", str(session), "- bullet one"], "'- bullet one'"),
                       (["plan", "goal", "rate", "ben", "1", "-1"], "-1")):
        result = assert_refused(cli, db_path, *args, code=2)
        assert (f"Error: {word} begins with '-', so it was read as an option; to give it as a value, put -- "
                f"before it (… -- {word})") in result.stderr
        assert "No such option" not in result.stderr
    # given after --, the value reaches the command, which judges it
    result = assert_refused(cli, db_path, "config", "set", "fees.default", "--", "-60", code=2)
    assert "not negative" in result.stderr
    written = cli("session", "note", str(session), "--json", "--", "- bullet one")
    assert written.exit_code == 0 and written.json()["text"] == "- bullet one"
    # an option that does not exist is still named as such
    assert "No such option: -x" in assert_refused(cli, db_path, "session", "add", "ben", "-x", code=2).stderr


def test_dates_as_people_type_them(cli, jcli, db_path, monkeypatch):
    """`2/12/26`, `next monday 10:00`, `last monday`, `--week 48`, a bad THERAPY_TODAY: each read, or named."""
    jcli("client", "add", "Ben Walsh")
    jcli("config", "set", "date.order", "dmy")
    assert jcli("cpd", "add", "A book", "--on", "2/11/26", "--hours", "1")["on_date"] == "2026-11-02"   # 2-digit
    # today is Friday 2026-11-27: next monday is the coming one, last monday the one before today
    assert jcli("session", "add", "ben", "--at", "next monday 10:00")["starts_at"].startswith("2026-11-30T10:00")
    assert jcli("session", "add", "ben", "--at", "this Tuesday 11:00")["starts_at"].startswith("2026-12-01T11:00")
    assert jcli("cpd", "add", "A course", "--on", "last monday", "--hours", "2")["on_date"] == "2026-11-23"
    assert "use YYYY-Www (e.g. 2026-W47), this, last or next" in assert_refused(
        cli, db_path, "report", "week", "--week", "48", code=2).stderr
    assert "use YYYY-MM (e.g. 2026-11), this, last or next" in assert_refused(
        cli, db_path, "report", "month", "--month", "nov", code=2).stderr
    # a bad THERAPY_TODAY is named as the variable it is, once; an absurd year is refused, not an internal error
    monkeypatch.setenv("THERAPY_TODAY", "garbage")
    said = assert_refused(cli, db_path, "client", "list", code=2).stderr.splitlines()[-1]
    assert said.startswith("Error: Invalid value for THERAPY_TODAY (environment variable): 'garbage' is not a date")
    monkeypatch.delenv("THERAPY_TODAY")
    said = assert_refused(cli, db_path, "--today", "0001-01-01", "supervise", "status", code=2).stderr
    assert "Invalid value for --today: '0001-01-01' is outside the years 1900 to 9000" in said


def test_a_referral_before_the_date_of_birth_is_refused_wherever_it_is_typed(cli, jcli, db_path, tmp_path):
    """A year typed wrong (1985 for 1995) made a referral before the client was born, and every wait from it."""
    assert_refused(cli, db_path, "client", "add", "Ka Lo", "--dob", "1990-05-01", "--referred-on", "1985-01-01",
                   match="referral date 1985-01-01 is before the date of birth (1990-05-01); check the year")
    jcli("client", "add", "Ka Lo", "--dob", "1990-05-01", "--referred-on", "2026-01-01")
    assert_refused(cli, db_path, "client", "edit", "Ka", "--referred-on", "1989-12-31", match="before the date of birth")
    assert_refused(cli, db_path, "client", "edit", "Ka", "--dob", "2026-02-01", match="before the date of birth")
    rows = tmp_path / "clients.csv"
    rows.write_text("name,date_of_birth,referred_on\nMo Po,2000-01-01,1999-12-31\n")
    assert_refused(cli, db_path, "import", "clients", rows, match="line 2: referral date 1999-12-31 is before")


def test_a_backup_to_standard_output_is_refused_not_a_file_called_dash(cli, db_path, tmp_path, monkeypatch):
    cli("client", "add", "Ka Lo")
    monkeypatch.chdir(tmp_path)
    assert_refused(cli, db_path, "db", "backup", "-", match="a backup is a file")
    assert not (tmp_path / "-").exists()
