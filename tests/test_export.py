"""Export: every table to CSV or JSON lines, private files, streamed."""

import csv
import json
import stat

import pytest

from conftest import assert_refused


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_export_one_table_to_stdout_as_csv(jcli, cli):
    jcli("client", "add", "Alex Morgan", "--dob", "1990-04-02")
    jcli("client", "add", "Sam, Morgan")
    result = cli("export", "clients")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["id"], r["name"], r["date_of_birth"]) for r in rows] == [
        ("1", "Alex Morgan", "1990-04-02"), ("2", "Sam, Morgan", "")]


def test_export_jsonl_to_a_private_file(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    target = tmp_path / "clients.jsonl"
    result = cli("export", "clients", "--file-format", "jsonl", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert "Wrote 1 clients rows" in result.stderr and result.stdout == ""
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines[0]["name"] == "Alex Morgan" and lines[0]["id"] == 1 and lines[0]["date_of_birth"] is None
    assert mode(target) == 0o600


def test_export_all_writes_one_file_per_table(jcli, cli, tmp_path):
    jcli("client", "add", "Alex Morgan")
    out = tmp_path / "export" / "here"
    result = cli("export", "all", "--output", out)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert "clients.csv" in names and "sessions.csv" in names and "audit.csv" in names
    assert "_migrations.csv" not in names
    assert mode(out) == 0o700
    assert all(mode(p) == 0o600 for p in out.iterdir())
    # an empty table still has its header, so the file says what it would hold
    assert (out / "sessions.csv").read_text().startswith("id,kind,client_id,starts_at")


def test_export_refusals(cli, db_path, tmp_path):
    assert_refused(cli, db_path, "export", "patients", match="no table 'patients'")
    assert_refused(cli, db_path, "export", "all", match="give --output DIRECTORY")
    (tmp_path / "file.txt").write_text("x")
    assert_refused(cli, db_path, "export", "all", "--output", tmp_path / "file.txt", match="is a file")
    assert_refused(cli, db_path, "export", "clients", "--file-format", "xml", code=2)
    assert_refused(cli, db_path, "export", "clients", "--output", tmp_path / "no" / "dir" / "x.csv",
                   match="does not exist")


def test_no_output_file_replaces_the_caseload_itself(cli, jcli, db_path, tmp_path):
    """`export clients -o caseload.db --yes`, `client export 1 -o caseload.db --yes` and `session export --ics
    caseload.db` (which asks nothing) replaced the caseload with a CSV, JSON or calendar: every record gone."""
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-12-01 10:00", "--status", "scheduled")
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    for args in (["export", "clients", "--output", db_path, "--yes"],
                 ["client", "export", "alex", "--output", db_path, "--yes"],
                 ["session", "export", "--ics", db_path], ["session", "export", "--ics", link],
                 ["export", "clients", "--output", f"{db_path}-wal", "--yes"]):
        assert_refused(cli, db_path, *args, match="is the caseload database itself; give another file name")
    assert jcli("client", "list")[0]["name"] == "Alex Morgan"


def test_a_dash_as_output_is_standard_output_never_a_file_called_dash(cli, jcli, db_path, tmp_path, monkeypatch):
    """`export clients -o -` and `client export alex -o -` wrote every record to a file named '-' in the current
    directory, where `session export --ics -` and every import's `-` mean standard input or output."""
    monkeypatch.chdir(tmp_path)
    jcli("client", "add", "Alex Morgan")
    table = cli("export", "clients", "--output", "-")
    assert table.exit_code == 0 and table.stdout.startswith("id,name,") and "Alex Morgan" in table.stdout
    sar = cli("client", "export", "alex", "--output", "-")
    assert sar.exit_code == 0 and json.loads(sar.stdout)["client"]["name"] == "Alex Morgan"
    assert not (tmp_path / "-").exists()
    assert_refused(cli, db_path, "export", "all", "--output", "-", match="give --output DIRECTORY")


def test_an_empty_output_is_refused_never_standard_output(cli, jcli, db_path, tmp_path, monkeypatch):
    """`client export "$ID" --output "$FILE"` with FILE unset printed the whole subject access export (notes and
    all) to standard output, which cron mails on."""
    monkeypatch.chdir(tmp_path)
    jcli("client", "add", "Alex Morgan")
    for args in (["client", "export", "alex", "--yes"], ["export", "clients", "--yes"], ["export", "all"]):
        for empty in ("", " "):
            result = cli(*args, "--output", empty)
            assert result.exit_code == 2 and "--output is empty" in result.stderr, (args, empty)
            assert "Alex" not in result.stdout, args
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(("caseload.db", "xdg"))]   # no file either


def test_export_streams_large_tables(cli, db_path, tmp_path):
    cli("db", "init")
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.executemany("INSERT INTO cpd (title, hours, on_date, created_at) VALUES (?, 1, '2026-01-01', 'x')",
                     ((f"reading {i}",) for i in range(12_345)))
    conn.commit()
    conn.close()
    target = tmp_path / "cpd.csv"
    assert cli("export", "cpd", "-o", target).exit_code == 0
    assert len(target.read_text().splitlines()) == 12_346


@pytest.mark.parametrize("args, header", [
    (["client", "list"], "id,name,kind,status,members,"),
    (["contact", "list"], "id,name,role,org,email,phone,"),
    (["session", "list"], "id,kind,client_id,client_name,starts_at,"),
    (["report", "caseload"], "client_id,name,kind,status,"),
    (["report", "referrals"], "direction,by,name,contact_id,referrals,started,median_wait_days"),
    (["measure", "list", "1"], "id,taken_on,instrument,score,"),
    (["supervise", "list"], "id,on_date,direction,"),
    (["cpd", "list"], "id,on_date,title,kind,hours,note"),
])
def test_an_empty_csv_result_still_prints_its_header(cli, jcli, args, header):
    cli("db", "init")
    if args[0] == "measure":
        jcli("client", "add", "Alex Morgan")
    result = cli(*args, "--csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(header), result.stdout


def test_an_empty_csv_header_is_the_header_rows_come_under(cli, jcli):
    """A script appending `report caseload --csv` from an empty file got 14 columns, then 16 once there
    were rows (via_unit, risk_level); `risk show`, `measure chart` and `measure progress` printed nothing."""
    def header(*args) -> str:
        result = cli(*args, "--csv")
        assert result.exit_code == 0, result.stderr
        return result.stdout.splitlines()[0]

    cli("db", "init")
    listings = (("client", "list"), ("session", "list"), ("report", "caseload"))
    empty = {args: header(*args) for args in listings}
    jcli("client", "add", "Alex Morgan")
    per_client = (("measure", "list", "alex"), ("measure", "chart", "alex"), ("measure", "progress", "alex"),
                  ("risk", "show", "alex"))
    empty.update({args: header(*args) for args in per_client})
    jcli("session", "add", "alex", "--at", "2026-11-02 10:00")
    jcli("measure", "add", "alex", "phq9", "--score", "18", "--on", "2026-10-01")
    jcli("measure", "add", "alex", "phq9", "--score", "6", "--session", "1")
    jcli("risk", "assess", "alex", "--level", "low", "--review-in", "28")
    assert {args: header(*args) for args in listings + per_client} == empty
    overall = cli("measure", "progress", "alex", "--csv").stdout.splitlines()[-1]
    assert overall == "overall,,,,yes,no,,,yes,yes,no"     # the verdict the JSON gives at its top level


def test_an_export_does_not_write_over_an_existing_file_unasked(cli, tmp_path):
    """`export invoices --output income.csv` replaced the accountant's notes with a header, unasked, where
    `report client --output` and `db backup` ask first."""
    cli("client", "add", "Alex Morgan")
    notes = tmp_path / "income.csv"
    notes.write_text("accountant notes\n")
    refused = cli("export", "clients", "--output", notes)
    assert refused.exit_code == 1 and "income.csv exists; replace it?" in refused.stderr
    assert notes.read_text() == "accountant notes\n"
    assert cli("export", "clients", "--output", notes, "--yes").exit_code == 0
    assert notes.read_text().startswith("id,name,")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "clients.csv").write_text("old\n")
    assert cli("export", "clients", "--output", folder).exit_code == 1          # its TABLE file, the same
    # not an export's folder (no manifest.json): its clients.csv is someone's own file, asked as one
    mine = cli("export", "all", "--output", folder)
    assert mine.exit_code == 1 and "clients.csv exists; replace it?" in mine.stderr
    assert (folder / "clients.csv").read_text() == "old\n" and not (folder / "manifest.json").exists()
    assert cli("export", "all", "--output", folder, "--yes").exit_code == 0
    assert (folder / "clients.csv").read_text().startswith("id,name,")
    assert cli("export", "all", "--output", folder).exit_code == 0               # a refresh of the whole export


def test_export_format_has_its_own_name_and_the_old_one_still_works(cli, tmp_path):
    """`--format` means table|json|csv everywhere else: export's file format is `--file-format`."""
    cli("client", "add", "Alex Morgan")
    new = cli("export", "clients", "--file-format", "jsonl")
    assert new.exit_code == 0 and new.stdout.startswith("{") and new.stderr == ""
    old = cli("export", "clients", "--format", "jsonl")
    assert old.exit_code == 0 and old.stdout == new.stdout
    assert old.stderr.startswith("Warning: export --format is now --file-format")
    assert "--file-format" in cli("export", "--help").stdout and "-f, --format" not in cli("export", "--help").stdout


def test_a_destination_ending_in_a_slash_is_a_directory_never_a_file_of_that_name(cli, jcli, db_path, tmp_path):
    """`db backup ~/backups/ --yes` in cron with no such folder wrote one file called `backups`, night after
    night; `export clients --output out/` a file called `out`."""
    from conftest import assert_refused

    jcli("client", "add", "Alex Morgan")
    for args in (["db", "backup", f"{tmp_path}/backups/", "--yes"],
                 ["export", "clients", "--output", f"{tmp_path}/out/"]):
        result = assert_refused(cli, db_path, *args, match="names a directory (it ends in /) and there is none")
        assert "Traceback" not in result.stderr
    assert not any(p.name in ("backups", "out") for p in tmp_path.iterdir())
    (tmp_path / "backups").mkdir()
    backup = jcli("db", "backup", f"{tmp_path}/backups/", "--yes")
    assert backup["path"].endswith("caseload-2026-11-27.db")
    assert cli("export", "clients", "--output", f"{tmp_path}/backups/").exit_code == 0
    assert (tmp_path / "backups" / "clients.csv").read_text().startswith("id,")
