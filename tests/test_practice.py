"""A practice of several practitioners: roll-ups over read-only files, and the supervision pack."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

WEEK = "2026-W48"   # 2026-11-23 .. 2026-11-29; today (conftest) is Friday 2026-11-27


@pytest.fixture
def practice(cli, tmp_path):
    """Three practitioners' files built through the CLI: one with individuals, one with a group, one empty."""
    folder = tmp_path / "service"
    folder.mkdir()
    a, b, c = folder / "ann.db", folder / "ben.db", folder / "cat.db"

    def run(db, *args):
        result = cli("--db", db, *args)
        assert result.exit_code == 0, result.stderr
        return result

    run(a, "config", "set", "practitioner.name", "Ann Adams")
    run(a, "config", "set", "targets.week.sessions_attended", "2")
    run(a, "client", "add", "Zebedee Quinton-Smythe", "--dob", "1980-05-05", "--referred-on", "2026-10-01")
    run(a, "client", "add", "Yolanda Pemberton-Ward", "--referred-on", "2026-11-24")
    run(a, "session", "add", "Zebedee", "--at", "2026-11-23 10:00", "--type", "treatment")
    run(a, "session", "add", "Zebedee", "--at", "2026-11-25 10:00", "--status", "dna")
    run(a, "session", "add", "Zebedee", "--at", "2026-11-26 10:00")
    run(a, "supervise", "log", "--on", "2026-11-24", "--duration", "60")

    run(b, "client", "add", "Xanthe Oduya")
    run(b, "client", "add", "Wilbur Fenwick-Hale")
    run(b, "client", "add", "Vera Lindqvist")
    run(b, "client", "add", "Thursday Group", "--kind", "group", "--member", "Xanthe", "--member", "Wilbur",
        "--member", "Vera")
    run(b, "session", "add", "Thursday", "--at", "2026-11-26 18:00", "--duration", "90", "--absent", "Vera")
    run(b, "cpd", "add", "Group analysis seminar", "--hours", "3", "--on", "2026-11-25")

    run(c, "db", "init")
    return folder, [a, b, c]


def _fingerprint(path):
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_mode


def test_week_rollup_rows_and_total_equal_the_single_file_reports(cli, jcli, practice):
    folder, files = practice
    singles = [jcli("--db", f, "report", "week", "--week", WEEK) for f in files]
    report = jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert report["period"] == {"start": "2026-11-23", "end": "2026-11-29"}
    names = [p["name"] for p in report["practitioners"]]
    assert names == ["Ann Adams", "ben", "cat"]          # the setting, else the file name
    for row, single in zip(report["practitioners"], singles):
        assert {k: v for k, v in row.items() if k not in ("name", "file")} == \
            {k: v for k, v in single.items() if k != "period"}
    total = report["total"]
    for key in ("clients_seen", "cases_seen", "new_referrals", "discharges", "waiting"):
        assert total[key] == sum(s[key] for s in singles), key
    for key in ("attended", "dna", "cancelled", "late_cancelled", "scheduled"):
        assert total["sessions"][key] == sum(s["sessions"][key] for s in singles), key
    for key in ("clinical_hours", "supervision_hours", "cpd_hours", "training_hours"):
        assert total[key] == pytest.approx(sum(s[key] for s in singles)), key
    assert total["sessions"]["attended"] == 3 and total["sessions"]["dna"] == 1
    assert total["clients_seen"] == 3        # Zebedee, and two group members present (Vera absent)
    assert total["dna_rate"] == 0.25         # recomputed from the totals, not summed
    assert total["practitioners"] == 3
    # targets stay per practitioner: Ann's file sets one
    assert report["practitioners"][0]["targets"] == [
        {"name": "sessions_attended", "target": 2, "actual": 2, "met": True, "direction": "min"}]


def test_no_client_level_field_leaves_any_file(cli, practice):
    folder, files = practice
    for command in (["week", "--week", WEEK], ["month", "--month", "2026-11"], ["outcomes"]):
        for fmt in ("--json", "--csv", "--format=table"):
            result = cli("practice", "report", *command, "--dir", folder, fmt)
            assert result.exit_code == 0, result.stderr
            for secret in ("Zebedee", "Quinton", "Yolanda", "Xanthe", "Wilbur", "Vera", "Thursday", "1980-05-05",
                           "client_id", "#1 ", "Z.Q."):
                assert secret not in result.stdout, (command, fmt, secret)


def test_files_are_opened_read_only(cli, jcli, practice):
    folder, files = practice
    for f in files:                      # settle each file (WAL checkpointed) before fingerprinting
        sqlite3.connect(f).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    before = {f: _fingerprint(f) for f in files}
    listing = sorted(os.listdir(folder))
    time.sleep(0.01)
    jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    jcli("practice", "report", "outcomes", "--file", files[0], "--file", files[1])
    assert {f: _fingerprint(f) for f in files} == before
    assert not [n for n in os.listdir(folder) if n not in listing and not n.endswith(("-wal", "-shm"))]


def test_a_file_locked_by_a_writer_still_reads(cli, jcli, practice):
    folder, files = practice
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"INSERT INTO settings (key, value) VALUES ('x.held', '1')\")\n"
            "print('locked', flush=True)\n"
            "time.sleep(30)\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(files[0])], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        started = time.monotonic()
        report = jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
        assert time.monotonic() - started < 10
        assert report["practitioners"][0]["sessions"]["attended"] == 2
    finally:
        writer.kill()
        writer.wait()


def test_refuses_a_newer_schema_a_foreign_file_and_nothing_named(cli, practice, tmp_path):
    folder, files = practice
    newer = tmp_path / "newer.db"
    cli("--db", newer, "db", "init")
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_future', 'now')")
    conn.commit()
    conn.close()
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just some text that is long enough\n")
    for bad, words in ((newer, "newer version"), (foreign, "not a therapy caseload"),
                       (text, "not a SQLite database"), (tmp_path / "missing.db", "no caseload file")):
        result = cli("practice", "report", "week", "--file", files[0], "--file", bad)
        assert result.exit_code == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and str(bad) in lines[0] and words in lines[0]
        assert result.stdout == ""
    result = cli("practice", "report", "week")
    assert result.exit_code == 1 and "--file" in result.stderr
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    result = cli("practice", "report", "week", "--dir", empty)
    assert result.exit_code == 1 and "no *.db files" in result.stderr


def test_a_file_named_twice_counts_once_and_csv_has_a_total_row(cli, practice):
    folder, files = practice
    result = cli("practice", "report", "week", "--file", files[0], "--file", files[0], "--dir", folder,
                 "--week", WEEK, "--csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 + 3 + 1          # header, three practitioners, the total
    assert lines[-1].split(",")[2] == "Total"


def test_outcomes_total_pools_the_cases(cli, jcli, practice):
    folder, files = practice
    a = files[0]
    for day in ("2026-10-05", "2026-10-12"):
        assert cli("--db", a, "session", "add", "Zebedee", "--at", f"{day} 10:00").exit_code == 0
    cli("--db", a, "measure", "add", "Zebedee", "phq9", "--score", "18", "--on", "2026-10-05")
    cli("--db", a, "measure", "add", "Zebedee", "phq9", "--score", "6", "--on", "2026-11-26")
    assert cli("--db", a, "client", "discharge", "Zebedee", "--on", "2026-11-27").exit_code == 0
    report = jcli("practice", "report", "outcomes", "--dir", folder, "--from", "2026-11-01", "--to", "2026-11-30")
    assert [p["discharged"] for p in report["practitioners"]] == [1, 0, 0]
    total = report["total"]
    assert total["discharged"] == 1 and total["finished"] == 1 and total["recovered"] == 1
    assert total["recovery_rate"] == 1.0
    assert total["median_wait_days"] == 4     # referred 2026-10-01, first seen 2026-10-05


def test_practice_files_are_read_with_the_key_command_when_encrypted(cli, jcli, practice, monkeypatch, tmp_path):
    pytest.importorskip("sqlcipher3")
    folder, files = practice
    key_file = tmp_path / "key"
    key_file.write_text("correct horse battery staple\n")
    monkeypatch.setenv("THERAPY_KEY_COMMAND", f"cat {key_file}")
    assert cli("--db", files[1], "db", "encrypt", "--yes").exit_code == 0
    report = jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert report["practitioners"][1]["sessions"]["attended"] == 1
    from therapy_cli.storage import crypto

    crypto._KEYS.clear()                   # keys are remembered for the process: forget them, as a new run would
    monkeypatch.setenv("THERAPY_KEY_COMMAND", "echo wrong-key")
    result = cli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert result.exit_code == 1 and str(files[1]) in result.stderr


# -- the supervision pack ----------------------------------------------------------

def test_supervision_pack_is_pseudonymised(cli, practice, tmp_path):
    folder, files = practice
    a = files[0]
    cli("--db", a, "plan", "set", "Zebedee", "--modality", "cbt", "--sessions", "12")
    cli("--db", a, "plan", "goal", "add", "Zebedee", "Sleep through the night")
    cli("--db", a, "plan", "goal", "rate", "Zebedee", "1", "6")
    cli("--db", a, "measure", "add", "Zebedee", "phq9", "--score", "17", "--on", "2026-11-23")
    cli("--db", a, "measure", "add", "Zebedee", "phq9", "--score", "12", "--on", "2026-11-26")
    cli("--db", a, "session", "note", "1", "Talked about Gertrude and the allotment")
    assert cli("--db", a, "risk", "assess", "Zebedee", "--level", "moderate", "--on", "2026-11-23").exit_code == 0
    for suffix in ("md", "html"):
        out = tmp_path / f"pack.{suffix}"
        result = cli("--db", a, "supervise", "pack", "Zebedee", "Yolanda", "--output", out)
        assert result.exit_code == 0, result.stderr
        assert oct(out.stat().st_mode & 0o777) == "0o600"
        text = out.read_text()
        for secret in ("Zebedee", "Quinton", "Yolanda", "Pemberton", "1980", "Gertrude", "allotment",
                       "2026-11-23", "2026-11-26", "2026-10-01"):
            assert secret not in text, (suffix, secret)
        for shown in ("#1 Z.Q.", "#2 Y.P.", "45-54", "cbt", "Sleep through the night", "week 0: 17",
                      "week 0: 12", "1 DNA", "| Risk | moderate" if suffix == "md" else "<td>moderate</td>"):
            assert shown in text, (suffix, shown)
    result = cli("--db", a, "supervise", "pack", "Zebedee", "--output", tmp_path / "pack.md", "--json")
    assert result.exit_code == 1 and "--yes" in result.stderr        # no terminal: replacing needs --yes
    data = json.loads(cli("--db", a, "supervise", "pack", "Zebedee", "--output", tmp_path / "pack.md", "--yes",
                          "--json").stdout)
    assert data["cases"] == ["#1 Z.Q."]


def test_supervision_pack_refuses_bad_input_and_writes_nothing(cli, practice, tmp_path):
    folder, files = practice
    a = files[0]
    for args, code in ((["Zebedee", "--output", tmp_path / "pack.txt"], 1),
                       (["Nobody", "--output", tmp_path / "pack.md"], 1),
                       (["--output", tmp_path / "pack.md"], 2)):
        result = cli("--db", a, "supervise", "pack", *args)
        assert result.exit_code == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("pack.*"))


def test_a_running_week_lists_targets_not_met_so_far_not_missed(cli, practice):
    folder, files = practice
    assert cli("--db", files[1], "config", "set", "targets.week.sessions_attended", "5").exit_code == 0
    running = cli("--today", "2026-11-27", "practice", "report", "week", "--dir", folder, "--week", WEEK).stdout
    over = cli("--today", "2026-11-30", "practice", "report", "week", "--dir", folder, "--week", WEEK).stdout
    assert "Targets not met so far" in running and "Targets missed" not in running
    assert "Targets missed" in over and "so far" not in over
    assert "ben" in over[over.index("Targets missed"):]


def test_a_rate_target_not_met_reads_as_a_percentage_as_in_report_week(cli, jcli, practice):
    folder, files = practice
    for path in files:
        assert cli("--db", path, "config", "set", "targets.week.dna_rate.max", "0.1").exit_code == 0
    report = jcli("--today", "2026-11-30", "practice", "report", "week", "--dir", folder, "--week", WEEK)
    rates = {t["actual"] for who in report["practitioners"] for t in who.get("targets", [])
             if t["name"] == "dna_rate" and not t["met"]}
    assert rates and all(0 < r <= 1 for r in rates)          # JSON keeps the fraction
    table = cli("--today", "2026-11-30", "practice", "report", "week", "--dir", folder, "--week", WEEK).stdout
    missed = [line for line in table[table.index("Targets missed"):].splitlines() if "dna rate" in line]
    assert len(missed) == len(rates)
    for line in missed:
        assert "10%" in line and any(f"{round(100 * r, 1):g}%" in line for r in rates), line


def test_a_live_file_in_a_folder_the_reader_cannot_write_is_named_as_such(cli, practice, tmp_path):
    """SQLite said 'attempt to write a readonly database' of a sound live file (write-ahead log: a reader
    needs its -shm file beside it); a backup (rollback journal) reads from any folder."""
    from therapy_cli.reports.practice import unreadable

    folder, files = practice
    live = files[0]
    assert live.read_bytes()[18] == 2                      # the live file is in write-ahead-log mode
    said = unreadable(live, sqlite3.OperationalError("attempt to write a readonly database"))
    assert "live file in write-ahead-log mode" in said and "ann.db-shm" in said and "db backup" in said
    copy = tmp_path / "copies" / "ann.db"
    copy.parent.mkdir()
    assert cli("--db", live, "db", "backup", copy).exit_code == 0
    assert copy.read_bytes()[18] == 1                      # a backup keeps a rollback journal
    assert "not a usable caseload" in unreadable(copy, sqlite3.OperationalError("attempt to write a readonly "
                                                                                 "database"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder: only an unprivileged reader is refused")
def test_an_unprivileged_reader_is_told_to_report_on_a_backup(cli, practice, tmp_path):
    folder, files = practice
    live = files[0]
    copy = tmp_path / "copies" / "ann.db"
    copy.parent.mkdir()
    assert cli("--db", live, "db", "backup", copy).exit_code == 0
    os.chmod(folder, 0o555)
    os.chmod(copy.parent, 0o555)
    try:
        result = cli("practice", "report", "week", "--file", live)
        assert result.exit_code == 1 and "live file in write-ahead-log mode" in result.stderr, result.stderr
        assert cli("practice", "report", "week", "--file", copy).exit_code == 0
    finally:
        os.chmod(folder, 0o755)
        os.chmod(copy.parent, 0o755)


def test_a_restore_in_the_shared_folder_does_not_add_a_practitioner(cli, jcli, practice, tmp_path):
    """`db restore` keeps the file it replaced beside it: in a folder read with --dir, that copy of Ann's
    caseload would have counted her clients twice."""
    folder, (ann, _, _) = practice
    before = jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert jcli("--db", ann, "db", "backup", tmp_path / "ann-backup.db")["ok"]
    kept = jcli("--db", ann, "db", "restore", tmp_path / "ann-backup.db", "--yes")["previous_kept_as"]
    assert os.path.dirname(kept) == str(folder)
    after = jcli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert [p["name"] for p in after["practitioners"]] == ["Ann Adams", "ben", "cat"]
    assert after["total"] == before["total"]
    named = jcli("practice", "report", "week", "--dir", folder, "--file", kept, "--week", WEEK)
    assert len(named["practitioners"]) == 4                   # named with --file, it is reported
    alone = tmp_path / "alone"
    alone.mkdir()
    os.rename(kept, alone / os.path.basename(kept))
    result = cli("practice", "report", "week", "--dir", alone, "--week", WEEK)
    assert result.exit_code == 1 and "(only the 1 copy db restore kept; name one with --file" in result.stderr


def test_a_second_copy_of_a_caseload_or_a_name_used_twice_is_said(cli, jcli, practice):
    """A dated backup dropped into the shared folder beside the week's copy doubled Ann's figures in the total,
    without a word."""
    folder, (ann, ben, _) = practice
    clean = cli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert clean.exit_code == 0 and clean.stderr == ""
    assert jcli("--db", ann, "db", "backup", folder / "ann-friday.db", "--yes")["ok"]
    doubled = cli("practice", "report", "week", "--dir", folder, "--week", WEEK, "--json")
    assert doubled.exit_code == 0
    assert doubled.stderr == (f"Warning: {folder / 'ann-friday.db'} and {folder / 'ann.db'} are copies of one caseload "
                              "(the same first record, " + doubled.stderr.split("first record, ")[1][:10]
                              + "): its figures are counted twice in the total; report on one of them\n")
    assert len(doubled.json()["practitioners"]) == 4                  # reported as asked; the warning says why
    # a second file under the same practitioner.name, not a copy: named as such
    os.remove(folder / "ann-friday.db")
    assert cli("--db", ben, "config", "set", "practitioner.name", "Ann Adams").exit_code == 0
    named = cli("practice", "report", "outcomes", "--dir", folder, "--from", "2026-11-01")
    assert named.exit_code == 0
    assert named.stderr == (f"Warning: {folder / 'ann.db'} and {folder / 'ben.db'} are both named 'Ann Adams' "
                            "(practitioner.name): if they are one practitioner's files, the total counts that "
                            "caseload twice; if two, set practitioner.name in each\n")


def test_the_total_hours_are_added_from_the_minutes_not_from_each_files_rounding(cli, tmp_path):
    """Two files of 190 minutes each showed 3.17 + 3.17 = 6.34 hours; 380 minutes are 6.33."""
    folder = tmp_path / "team"
    folder.mkdir()
    for who in ("ann", "ben"):
        db = folder / f"{who}.db"
        for args in (("config", "set", "practitioner.name", who.title()), ("client", "add", "Alex Morgan"),
                     ("session", "add", "alex", "--at", "2026-11-23 10:00", "--duration", "190")):
            assert cli("--db", db, *args).exit_code == 0
    result = cli("practice", "report", "week", "--week", WEEK, "--dir", folder, "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert [p["clinical_hours"] for p in report["practitioners"]] == [3.17, 3.17]
    assert report["total"]["clinical_hours"] == 6.33


def test_supervision_pack_counts_a_groups_members_of_today_not_every_membership(cli, jcli, tmp_path):
    for name in ("Ann Lee", "Ben Ray", "Cy Oke", "Di Fox"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cy")
    jcli("client", "leave", "Tuesday", "Cy", "--on", "2026-11-01")       # left
    jcli("client", "join", "Tuesday", "Di", "--on", "2026-11-02")        # joined
    jcli("client", "leave", "Tuesday", "Ben", "--on", "2026-11-03")      # left, then came back
    jcli("client", "join", "Tuesday", "Ben", "--on", "2026-11-10")
    out = tmp_path / "pack.md"
    assert cli("supervise", "pack", "Tuesday", "--output", out).exit_code == 0
    assert "group (3 members)" in out.read_text()        # Ann, Ben and Di: as client list counts them


def test_supervision_pack_of_a_group_member_counts_the_group_sessions_they_came_to(cli, jcli, tmp_path):
    for name in ("Ann Lee", "Ben Ray", "Cy Oke"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cy")
    for day in ("2026-10-06", "2026-10-13", "2026-10-20"):
        jcli("session", "add", "Tuesday", "--at", f"{day} 18:00", "--duration", "90")
    jcli("session", "add", "Tuesday", "--at", "2026-10-27 18:00", "--duration", "90", "--absent", "Ann")
    out = tmp_path / "pack.md"
    assert cli("supervise", "pack", "Ann", "--output", out).exit_code == 0
    text = out.read_text()
    # as client show has her: active through the group, at three of its four meetings so far
    assert jcli("client", "show", "Ann")["status"] == "active"
    assert "| Status | active |" in text and "| Weeks in therapy | 7 |" in text
    assert "| Attendance | 3 attended, 0 DNA" in text


def test_practice_outcomes_from_after_today_says_so_not_a_to_nobody_typed(cli, practice):
    """`--from` a day after today with no --to blamed `--to 2026-11-27`, which the user never typed."""
    folder, _ = practice
    result = cli("practice", "report", "outcomes", "--dir", folder, "--from", "2026-12-15")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == ("Error: --from 2026-12-15 is after today (2026-11-27); give a --from up to today, "
                             "or --to as well\n")
    assert cli("report", "outcomes", "--from", "2026-12-15").stderr == result.stderr   # the same words


def test_practice_outcomes_table_says_n_a_for_a_rate_over_nobody(cli, practice):
    """A file with no one at caseness showed a blank recovery rate, read as missing data; report outcomes
    (and its docs) say n/a."""
    folder, _ = practice
    table = cli("practice", "report", "outcomes", "--dir", folder, "--from", "2026-01-01").stdout
    row = next(line for line in table.splitlines() if line.startswith("Ann Adams"))
    assert row.split()[-3:] == ["n/a", "n/a", "n/a"]    # within 6 and 18 weeks, and no one waited: n/a
    assert "n/a" in cli("report", "outcomes", "--db", folder / "ann.db", "--from", "2026-01-01").stdout


def test_a_slashed_date_does_not_create_a_caseload_where_there_is_none(cli, practice, db_path):
    folder, files = practice
    # the service lead keeps no caseload of their own: reading date.order must not make one at THERAPY_DB
    assert not db_path.exists()
    result = cli("practice", "report", "outcomes", "--dir", folder, "--from", "01/04/2026")
    assert result.exit_code == 2 and "date.order" in result.stderr
    result = cli("--today", "27/11/2026", "practice", "report", "week", "--dir", folder)
    assert result.exit_code == 2 and "date.order" in result.stderr
    assert not db_path.exists() and not list(db_path.parent.glob("caseload.db*"))


def test_an_empty_dir_or_file_is_refused_not_read_as_the_current_folder(cli, practice, monkeypatch):
    folder, files = practice
    monkeypatch.chdir(folder)        # a folder of caseloads: `--dir "$UNSET"` would have reported on these
    for args in (("--dir", ""), ("--dir", " "), ("--file", files[0], "--file", "")):
        result = cli("practice", "report", "week", *args, "--week", WEEK)
        assert result.exit_code == 2, result.stdout
        assert result.stderr.strip().startswith("Error: --") and "is empty" in result.stderr
        assert result.stdout == ""


def test_a_backup_being_written_is_said_to_be_busy_not_unusable(cli, practice, tmp_path, monkeypatch):
    import therapy_cli.storage.db as dbmod

    folder, files = practice
    copy = tmp_path / "copies" / "ann.db"
    copy.parent.mkdir()
    assert cli("--db", files[0], "db", "backup", copy, "--yes").exit_code == 0
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    writer = sqlite3.connect(copy, isolation_level=None)   # a backup copy keeps a rollback journal
    try:
        writer.execute("BEGIN EXCLUSIVE")
        result = cli("practice", "report", "week", "--file", copy, "--week", WEEK)
    finally:
        writer.close()
    assert result.exit_code == 1 and result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("Error: ") and str(copy) in line and "busy" in line and "not a usable" not in line


def test_a_folders_link_to_a_file_that_is_gone_is_refused_not_left_out(cli, practice, tmp_path):
    folder, files = practice
    (folder / "dan.db").symlink_to(tmp_path / "unmounted" / "dan.db")   # a practitioner's share not mounted
    result = cli("practice", "report", "week", "--dir", folder, "--week", WEEK)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no caseload file at ") and "dan.db" in lines[0]


def test_a_backup_still_being_written_into_the_folder_is_not_another_practitioner(cli, jcli, practice):
    from therapy_cli.storage.files import TMP_PREFIX

    folder, files = practice
    # what `db backup FOLDER/ann.db` writes before renaming it into place: whole, or cut short by a killed run
    whole = folder / f"{TMP_PREFIX}4242-k2j3h4-ann.db"
    whole.write_bytes(files[0].read_bytes())
    (folder / f"{TMP_PREFIX}4243-zz9q1-ben.db").write_bytes(files[1].read_bytes()[:4096])
    result = cli("practice", "report", "week", "--dir", folder, "--week", WEEK, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    report = result.json()
    assert [p["file"] for p in report["practitioners"]] == [str(f) for f in files]
    assert report["total"]["sessions"]["attended"] == 3


def test_a_hard_link_to_a_file_is_the_file_named_twice(cli, jcli, practice, tmp_path):
    folder, files = practice
    other = tmp_path / "lead"
    other.mkdir()
    os.link(files[0], other / "ann-latest.db")            # one file, two names
    result = cli("practice", "report", "week", "--file", files[0], "--file", other / "ann-latest.db",
                 "--week", WEEK, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""                            # not "copies of one caseload ... counted twice"
    report = result.json()
    assert [p["file"] for p in report["practitioners"]] == [str(files[0])]
    assert report["total"]["sessions"]["attended"] == 2


def test_an_encrypted_backup_being_written_is_busy_not_a_wrong_key(cli, practice, tmp_path, monkeypatch):
    sqlcipher3 = pytest.importorskip("sqlcipher3")
    import therapy_cli.storage.db as dbmod

    folder, files = practice
    key_file = tmp_path / "key"
    key_file.write_text("correct horse battery staple\n")
    monkeypatch.setenv("THERAPY_KEY_COMMAND", f"cat {key_file}")
    assert cli("--db", files[0], "db", "encrypt", "--yes").exit_code == 0
    copy = tmp_path / "copies" / "ann.db"
    copy.parent.mkdir()
    assert cli("--db", files[0], "db", "backup", copy, "--yes").exit_code == 0
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    writer = sqlcipher3.connect(str(copy), isolation_level=None)
    try:
        writer.execute("PRAGMA key = 'correct horse battery staple'")
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("UPDATE settings SET value = value")
        result = cli("practice", "report", "week", "--file", copy, "--week", WEEK)
    finally:
        writer.close()
    assert result.exit_code == 1 and result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("Error: ") and str(copy) in line and "busy" in line and "key" not in line
