"""A writer killed (SIGKILL) at a random point leaves the file as before it, or as after it.

Each round copies one base file, starts a real `therapy` process on it that
writes many rows, kills it after a random delay, and then checks the file:
integrity_check `ok`, foreign_key_check empty, the append-only triggers in
place, and every table's row count equal either to the base (rolled back) or to
a complete run of the same command (calibrated once on a copy) — so no session
without its audit row, no half an import, no half an erasure.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

KILLS_PER_SCENARIO = 11   # five scenarios: 55 kills
MAX_ROUNDS_PER_SCENARIO = 40
MIN_KILLS = 50
TRIGGERS = {"notes_no_update", "notes_no_delete", "audit_no_update", "audit_no_delete",
            "notes_no_replace", "audit_no_replace"}


def _script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy") or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _counts(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        # an erasure killed after its commit but before its scrub leaves the scrub owed (_scrub_pending):
        # bookkeeping that the next write or `db check` clears, not a half-done change
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables
                  if t != "_scrub_pending"}
        # the erasure's visible effect is on the client row itself, not on a count
        counts["erased clients"] = conn.execute("SELECT count(*) FROM clients WHERE erased_on IS NOT NULL").fetchone()[0]
        return counts
    finally:
        conn.close()


def _check(path) -> list[str]:
    """Everything wrong with the file after a crash (empty when it is sound)."""
    problems = []
    conn = sqlite3.connect(path)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity: {integrity[:3]}")
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        if foreign:
            problems.append(f"foreign keys: {foreign[:3]}")
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        if not TRIGGERS <= triggers:
            problems.append(f"append-only triggers missing: {TRIGGERS - triggers}")
        orphans = conn.execute(
            "SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE "
            "(a.record_type = 'session' AND a.record_id = s.id) OR "
            "(a.action = 'import' AND a.record_type = 'session' AND a.client_id IS s.client_id))").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} sessions without an audit row")
    finally:
        conn.close()
    return problems


def _copy(base, dest) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{dest}{suffix}")
        except FileNotFoundError:
            pass
    shutil.copyfile(base, dest)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A base file: clients to schedule for, one discharged long ago with notes to erase; import files."""
    work = tmp_path_factory.mktemp("crash")
    base = work / "base.db"
    env = {**os.environ, "THERAPY_TODAY": "2026-11-27"}
    run = lambda *args: subprocess.run([*_script(), "--db", str(base), *args], check=True,  # noqa: E731
                                       capture_output=True, text=True, env=env)
    run("config", "set", "timezone", "Europe/London")
    run("client", "add", "Schedule Person")
    run("client", "add", "Import Person")
    run("client", "add", "Erase Person", "--referred-on", "2001-01-01")
    for i in range(10):  # a few through the CLI, the bulk directly below (start-up time)
        run("session", "add", "Erase Person", "--at", f"{date(2001, 3, 1) + timedelta(days=i)} 10:00",
            "--note", f"note {i} " + "ERASE-ME " * 30)
    conn = sqlite3.connect(base)
    cid = conn.execute("SELECT id FROM clients WHERE name = 'Erase Person'").fetchone()[0]
    now = "2001-01-01T00:00:00+00:00"
    for i in range(1500):
        day = date(2002, 1, 1) + timedelta(days=i)
        sid = conn.execute(
            "INSERT INTO sessions (client_id, starts_at, starts_utc, ends_utc, local_date, duration_min, status, "
            "created_at) VALUES (?, ?, ?, ?, ?, 50, 'attended', ?)",
            (cid, f"{day}T09:00:00+00:00", f"{day}T09:00:00+00:00", f"{day}T09:50:00+00:00", day.isoformat(), now),
        ).lastrowid
        conn.execute("INSERT INTO notes (session_id, text, created_at) VALUES (?, ?, ?)",
                     (sid, f"bulk note {i} " + "ERASE-ME " * 30, now))
        conn.execute("INSERT INTO audit (at, action, record_type, record_id, client_id) "
                     "VALUES (?, 'add', 'session', ?, ?)", (now, sid, cid))
    conn.commit()
    conn.close()
    run("client", "discharge", "Erase Person", "--on", "2006-03-01")  # after the last bulk session (SPEC v2)
    subprocess.run([sys.executable, "-c",
                    f"import sqlite3; c = sqlite3.connect({str(base)!r}); c.execute('PRAGMA wal_checkpoint(TRUNCATE)')"],
                   check=True)

    sessions_csv = work / "sessions.csv"
    lines = ["client,starts_at,duration_min,status,note"]
    lines += [f"Import Person,{date(2010, 1, 1) + timedelta(days=i)} 10:00,50,attended,imported note {i}"
              for i in range(3000)]
    sessions_csv.write_text("\n".join(lines) + "\n")
    clients_csv = work / "clients.csv"
    lines = ["name,date_of_birth,referred_on,referral_source"]
    lines += [f"Imported Client {i},1980-01-01,2026-01-01,GP" for i in range(2000)]
    clients_csv.write_text("\n".join(lines) + "\n")
    return work, env


def _scenarios(work) -> dict[str, list[str]]:
    scenarios = {
        "session schedule": ["session", "schedule", "Schedule Person", "--start", "2026-12-01 10:00",
                             "--every", "week", "--count", "520"],
        "import sessions": ["import", "sessions", str(work / "sessions.csv")],
        "import clients": ["import", "clients", str(work / "clients.csv")],
        "client erase": ["client", "erase", "Erase Person", "--yes"],
        # the demo builds beside the file and replaces it: before or after, never between
        "demo over a caseload": ["demo", "--yes"],
    }
    return scenarios


@pytest.mark.slow
def test_sigkill_at_random_points_leaves_a_sound_file(workdir):
    work, env = workdir
    base = work / "base.db"
    assert _check(base) == []
    before = _counts(base)
    rng = random.Random(int(os.environ.get("THERAPY_CRASH_SEED", "20261127")))
    kills = 0
    outcomes: dict[str, dict[str, int]] = {}
    for name, args in _scenarios(work).items():
        # calibrate: a complete run on a copy gives the "after" state and the run time
        calibrate = work / "calibrate.db"
        _copy(base, calibrate)
        started = time.monotonic()
        done = subprocess.run([*_script(), "--db", str(calibrate), *args], capture_output=True, text=True, env=env)
        duration = time.monotonic() - started
        assert done.returncode == 0, (name, done.stderr)
        after = _counts(calibrate)
        assert after != before, name
        outcomes[name] = {"before": 0, "after": 0}
        scenario_kills = 0
        for round_no in range(MAX_ROUNDS_PER_SCENARIO):
            if scenario_kills >= KILLS_PER_SCENARIO:
                break
            target = work / "target.db"
            _copy(base, target)
            proc = subprocess.Popen([*_script(), "--db", str(target), *args],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            time.sleep(rng.uniform(0.25 * duration, 0.95 * duration))  # mostly past start-up
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stderr.close()
            if proc.returncode == -signal.SIGKILL:
                kills += 1
                scenario_kills += 1
            else:
                duration *= 0.8  # it finished first: this machine is faster now than when calibrated
            problems = _check(target)
            assert problems == [], (name, problems)
            counts = _counts(target)
            assert counts in (before, after), (name, {t: (before[t], counts[t], after[t]) for t in counts
                                                      if counts[t] != before[t]})
            outcomes[name]["before" if counts == before else "after"] += 1
            if round_no % 5:
                continue
            # and the tool itself agrees (every fifth round: start-up time)
            check = subprocess.run([*_script(), "--db", str(target), "db", "check"], capture_output=True,
                                   text=True, env=env)
            assert check.returncode == 0, (name, check.stderr)
    assert kills >= MIN_KILLS, (kills, outcomes)
    # the kills landed both before and after commits: not only trivially early or late
    assert sum(o["before"] for o in outcomes.values()) > 0, outcomes


def _limit_file_size(limit: int):
    """In the child: files may not grow past `limit` bytes (EFBIG, as a full disk gives ENOSPC)."""
    import resource

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
def test_a_full_disk_fails_cleanly_and_changes_nothing(workdir, tmp_path):
    work, env = workdir
    target = tmp_path / "full.db"
    _copy(work / "base.db", target)
    before = _counts(target)
    for args in (["import", "sessions", str(work / "sessions.csv")],
                 ["session", "schedule", "Schedule Person", "--start", "2026-12-01 10:00", "--every", "week",
                  "--count", "520"],
                 ["demo", "--yes"]):
        result = subprocess.run([*_script(), "--db", str(target), *args], capture_output=True, text=True, env=env,
                                preexec_fn=_limit_file_size(128 * 1024))  # the WAL cannot grow past it
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1, (args, result.returncode, result.stderr)
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        assert _check(target) == [], args
        assert _counts(target) == before, args
    # with room again, the same file takes the write
    done = subprocess.run([*_script(), "--db", str(target), "session", "schedule", "Schedule Person", "--start",
                           "2026-12-01 10:00", "--every", "week", "--count", "10"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert _check(target) == []
