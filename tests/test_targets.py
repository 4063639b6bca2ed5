"""Files the tool writes: never over a device or a pipe, and no temporary copy left behind after a kill."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from therapy_cli.storage.files import TMP_PREFIX, sweep_stale


def _script() -> list[str]:
    import shutil

    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _setup(jcli):
    jcli("config", "set", "timezone", "Europe/London")
    cid = jcli("client", "add", "Alex Morgan")["id"]
    sid = jcli("session", "add", "Alex", "--at", "2026-11-20 10:00")["id"]
    jcli("session", "note", sid, "went well")
    return cid


def _writers(tmp_target: str) -> list[list[str]]:
    return [
        ["client", "export", "1", "--output", tmp_target, "--yes"],
        ["session", "export", "--ics", tmp_target, "--from", "2026-01-01"],
        ["report", "client", "1", "--output", tmp_target + ".md"],
        ["report", "week", "--append", tmp_target],
        ["export", "clients", "--output", tmp_target, "--yes"],
        ["export", "notes", "--output", tmp_target, "--file-format", "jsonl", "--yes"],
        ["db", "backup", tmp_target, "--yes"],
        ["demo", "--db", tmp_target, "--yes"],
    ]


def _assert_one_error(result, *words):
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_a_fifo_target_is_refused_by_every_writer_and_stays_a_fifo(cli, jcli, tmp_path):
    _setup(jcli)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    os.mkfifo(str(fifo) + ".md")
    for args in _writers(str(fifo)):
        result = cli(*args)
        _assert_one_error(result, "FIFO")
        assert stat.S_ISFIFO(os.stat(fifo).st_mode), args
        assert stat.S_ISFIFO(os.stat(str(fifo) + ".md").st_mode), args
    assert not [n for n in os.listdir(tmp_path) if n.startswith(TMP_PREFIX)]


def test_a_link_to_a_character_device_is_refused_and_the_device_untouched(cli, jcli, tmp_path):
    _setup(jcli)
    link = tmp_path / "null-link"
    os.symlink("/dev/null", link)
    os.symlink("/dev/null", str(link) + ".md")
    for args in _writers(str(link)):
        result = cli(*args)
        _assert_one_error(result, "character device")
        assert os.path.islink(link) and os.readlink(link) == "/dev/null", args
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dev_null_itself_is_refused(cli, jcli):
    _setup(jcli)
    for args in _writers("/dev/null")[:2]:
        _assert_one_error(cli(*args), "/dev/null", "character device")


def test_a_link_to_a_regular_file_is_still_written(cli, jcli, tmp_path):
    _setup(jcli)
    real = tmp_path / "real.ics"
    real.write_text("old")
    link = tmp_path / "link.ics"
    os.symlink(real, link)
    assert cli("session", "export", "--ics", link, "--from", "2026-01-01").exit_code == 0
    assert "BEGIN:VCALENDAR" in link.read_text()


def test_a_database_that_is_a_fifo_is_refused_without_blocking(cli, tmp_path):
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    result = cli("--db", fifo, "client", "list")
    _assert_one_error(result, "not a regular file")


def test_stale_temporary_files_are_swept_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{TMP_PREFIX}{dead.pid}-abcdefgh-x.csv"
    stale_wal = tmp_path / f"{TMP_PREFIX}{dead.pid}-abcdefgh-x.db-wal"
    live = tmp_path / f"{TMP_PREFIX}{os.getppid()}-abcdefgh-y.csv"
    mine = tmp_path / f"{TMP_PREFIX}{os.getpid()}-abcdefgh-z.csv"
    other = tmp_path / ".x.csv.abcdefgh"
    for path in (stale, stale_wal, live, mine, other):
        path.write_text("secret")
    removed = sweep_stale(tmp_path)
    assert sorted(removed) == sorted([stale.name, stale_wal.name])
    assert live.exists() and mine.exists() and other.exists()


def test_client_erase_sweeps_stale_temporary_files_beside_the_database(cli, jcli, db_path):
    _setup(jcli)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = db_path.parent / f"{TMP_PREFIX}{dead.pid}-abcdefgh-caseload.db"
    stale.write_text("plain text of a killed backup")
    jcli("client", "discharge", "1", "--on", "2026-11-21")
    assert cli("client", "erase", "1", "--yes", "--force", "--reason", "request").exit_code == 0
    assert not stale.exists()


@pytest.fixture(scope="module")
def big_caseload(tmp_path_factory):
    """A caseload with enough notes that export and backup take a moment (to be killed midway)."""
    work = tmp_path_factory.mktemp("kills")
    path = work / "caseload.db"
    env = {**os.environ, "THERAPY_TODAY": "2026-11-27"}
    subprocess.run([*_script(), "--db", str(path), "client", "add", "Kill Person"], check=True, env=env,
                   capture_output=True)
    conn = sqlite3.connect(path)
    now = "2020-01-01T00:00:00+00:00"
    for i in range(6000):
        sid = conn.execute(
            "INSERT INTO sessions (client_id, starts_at, starts_utc, ends_utc, local_date, duration_min, status, "
            "created_at) VALUES (1, ?, ?, ?, '2020-01-01', 50, 'attended', ?)", (now, now, now, now)).lastrowid
        conn.execute("INSERT INTO notes (session_id, text, created_at) VALUES (?, ?, ?)",
                     (sid, f"note {i} " + "CANARY-TEXT " * 40, now))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path, env


KILLS = 12  # per command: 24 SIGKILLs in all


@pytest.mark.parametrize("command", [["export", "notes", "--output", "{out}/notes.csv", "--yes"],
                                     ["db", "backup", "{out}/backup.db", "--yes"]])
def test_a_killed_export_or_backup_leaves_only_a_prefixed_file_which_the_next_run_removes(
        big_caseload, tmp_path, command):
    path, env = big_caseload
    args = [a.replace("{out}", str(tmp_path)) for a in command]
    started = time.monotonic()
    done = subprocess.run([*_script(), "--db", str(path), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    duration = time.monotonic() - started
    rng = random.Random(12)
    kills = 0
    for _ in range(KILLS * 3):
        if kills >= KILLS:
            break
        proc = subprocess.Popen([*_script(), "--db", str(path), *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.4 * duration, 0.95 * duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        else:
            duration *= 0.8
        names = [n for n in os.listdir(tmp_path) if n not in ("notes.csv", "backup.db")]
        # anything left behind carries the one recognisable prefix
        assert all(n.startswith(TMP_PREFIX) for n in names), names
    assert kills >= KILLS // 2
    done = subprocess.run([*_script(), "--db", str(path), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert not [n for n in os.listdir(tmp_path) if n.startswith(TMP_PREFIX)], os.listdir(tmp_path)


def test_a_rate_target_is_shown_as_a_percentage_that_tells_it_from_its_limit(jcli, cli):
    """12.5% DNAs against at most 12%: the table must not read '0.12 0.12 missed'."""
    jcli("client", "add", "Hana")
    for day in ("02", "03", "04", "05", "06", "07", "08"):
        jcli("session", "add", "Hana", "--at", f"2026-11-{day} 10:00")
    jcli("session", "add", "Hana", "--at", "2026-11-08 12:00", "--status", "dna")
    jcli("config", "set", "targets.week.dna_rate.max", "0.12")
    row = next(line for line in cli("report", "week", "--week", "2026-W45").stdout.splitlines()
               if line.startswith("dna rate (at most)"))
    assert row.split()[4:7] == ["12.5%", "12%", "missed"]
    assert jcli("report", "week", "--week", "2026-W45")["targets"][0]["actual"] == 0.125     # JSON unchanged


def test_a_rate_target_is_a_fraction_up_to_one(cli, db_path):
    from conftest import assert_refused

    assert_refused(cli, db_path, "config", "set", "targets.week.dna_rate.max", "1.5", match="up to 1")
    assert_refused(cli, db_path, "config", "set", "targets.month.dna_rate", "10", match="up to 1")
    assert cli("config", "set", "targets.week.dna_rate.max", "1").exit_code == 0


def test_targets_that_read_wrong_are_warned_of(cli):
    """A DNA rate target without .max judged a week with no DNAs as missed; a least above the most could
    never be met; a monthly supervision requirement of 90 was minutes. Each is kept, with a warning."""
    least = cli("config", "set", "targets.week.dna_rate", "0.1")
    assert least.exit_code == 0
    assert least.stderr == ("Warning: targets.week.dna_rate is met when the DNA rate is at least 0.1, so a week with "
                            "no DNAs misses it; for a most: config unset targets.week.dna_rate, then config set "
                            "targets.week.dna_rate.max 0.1\n")
    assert cli("config", "set", "targets.month.supervision_hours.max", "0.5").stderr == ""
    both = cli("config", "set", "targets.month.supervision_hours", "1")
    assert both.exit_code == 0 and both.stderr == (
        "Warning: targets.month.supervision_hours (1) is above targets.month.supervision_hours.max (0.5): no period "
        "can meet both; correct one (config set KEY VALUE, or config unset KEY)\n")
    minutes = cli("config", "set", "supervision.hours_per_month", "90")
    assert minutes.exit_code == 0 and "if you meant minutes, that is 1.5: config set supervision.hours_per_month " \
        "1.5" in minutes.stderr
    assert cli("config", "set", "supervision.hours_per_month", "1.5").stderr == ""
