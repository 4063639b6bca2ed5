"""`therapy demo`: a realistic caseload in its own file, deterministic, never over the user's data."""

import os
import sqlite3
import stat

import pytest

from conftest import snapshot


@pytest.fixture
def demo_db(tmp_path, cli):
    path = tmp_path / "demo.db"
    result = cli("demo", "--db", path, "--json")
    assert result.exit_code == 0, result.stderr
    return path, result


def _rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_demo_prints_the_week_and_builds_a_practice(demo_db):
    path, result = demo_db
    report = result.json()
    assert report["period"] == {"start": "2026-11-23", "end": "2026-11-29"}
    assert report["sessions"]["attended"] >= 8 and report["clients_seen"] > report["cases_seen"] - 1
    assert report["targets"] and {t["name"] for t in report["targets"]} >= {"clients_seen", "sessions_attended"}
    assert "Demo caseload written to" in result.stderr
    kinds = dict(_rows(path, "SELECT kind, count(*) FROM clients GROUP BY kind"))
    assert kinds["couple"] == 2 and kinds["family"] == 1 and kinds["group"] == 1
    assert 30 <= sum(kinds.values()) <= 45
    statuses = dict(_rows(path, "SELECT status, count(*) FROM clients GROUP BY status"))
    assert statuses["discharged"] >= 5 and statuses["active"] >= 10 and statuses["waiting"] >= 3
    sessions = dict(_rows(path, "SELECT status, count(*) FROM sessions WHERE kind = 'client' GROUP BY status"))
    assert sessions["attended"] > 300 and sessions["dna"] > 5 and sessions["cancelled"] > 3
    assert sessions["scheduled"] > 20                                         # booked ahead
    first, last = _rows(path, "SELECT min(local_date), max(local_date) FROM sessions")[0]
    assert first <= "2025-12-31" and last > "2026-12-15"                    # a year back, a month ahead
    instruments = {r[0] for r in _rows(path, "SELECT DISTINCT instrument FROM measures")}
    assert instruments == {"PHQ-9", "GAD-7", "CORE-10"}
    assert _rows(path, "SELECT count(*) FROM session_absences")[0][0] > 0
    assert _rows(path, "SELECT count(*) FROM sessions WHERE kind = 'training'")[0][0] >= 5
    assert _rows(path, "SELECT count(*) FROM supervision WHERE direction = 'received'")[0][0] >= 12
    assert _rows(path, "SELECT count(*) FROM supervision WHERE direction = 'given'")[0][0] >= 6
    assert _rows(path, "SELECT count(*) FROM cpd")[0][0] >= 10
    assert _rows(path, "SELECT count(*) FROM plans")[0][0] >= 20
    assert _rows(path, "SELECT count(*) FROM referrals_out")[0][0] >= 2
    assert _rows(path, "SELECT count(*) FROM clients WHERE referred_by IS NOT NULL")[0][0] >= 10
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_demo_supports_every_report(demo_db, cli, jcli):
    path, _ = demo_db
    outcomes = jcli("--db", path, "report", "outcomes")
    assert outcomes["finished"] >= 4 and outcomes["at_caseness"] >= 3 and outcomes["recovered"] >= 2
    progress = [jcli("--db", path, "report", "caseload")]
    assert any(row["risk"] for row in progress[0])                # one client with a risk item
    kinds = {i["kind"] for i in jcli("--db", path, "remind")}
    assert {"session", "note_missing", "review_due", "waiting_long"} <= kinds
    assert cli("--db", path, "db", "check").exit_code == 0


def test_demo_is_deterministic(tmp_path, cli):
    cli("demo", "--db", tmp_path / "a.db", "--json")
    cli("demo", "--db", tmp_path / "b.db", "--json")
    sql = "SELECT client_id, starts_at, status, duration_min, type FROM sessions ORDER BY id"
    assert _rows(tmp_path / "a.db", sql) == _rows(tmp_path / "b.db", sql)
    sql = "SELECT client_id, instrument, taken_on, score FROM measures ORDER BY id"
    assert _rows(tmp_path / "a.db", sql) == _rows(tmp_path / "b.db", sql)
    cli("demo", "--db", tmp_path / "c.db", "--seed", "8", "--json")
    assert _rows(tmp_path / "a.db", sql) != _rows(tmp_path / "c.db", sql)


def test_default_path_is_its_own_file_not_the_caseload(tmp_path, cli, db_path):
    cli("client", "add", "Real Client")
    before = snapshot(db_path)
    result = cli("demo", "--json")
    assert result.exit_code == 0, result.stderr
    demo_file = tmp_path / "xdg" / "therapy" / "demo.db"
    assert demo_file.exists() and str(demo_file) in result.stderr
    assert snapshot(db_path) == before                        # THERAPY_DB untouched


def test_the_command_to_explore_it_pastes_into_a_shell_where_the_path_has_a_space(tmp_path, cli, jcli):
    """macOS keeps user data in ~/Library/Application Support: the line printed split the path in two."""
    import shlex

    path = tmp_path / "Application Support" / "demo.db"
    path.parent.mkdir()
    result = cli("demo", "--db", path, "--json")
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("Explore it with: "))
    words = shlex.split(line[len("Explore it with: "):].split("   (or:")[0])
    assert words == ["therapy", "--db", str(path), "report", "caseload"]
    assert f"export THERAPY_DB='{path}')" in line
    assert jcli(*words[1:])[0]["client_id"]


def test_rebuilds_a_demo_but_refuses_to_overwrite_other_data(tmp_path, cli, db_path):
    path = tmp_path / "demo.db"
    assert cli("demo", "--db", path, "--json").exit_code == 0
    assert cli("demo", "--db", path, "--json").exit_code == 0        # an old demo is simply rebuilt
    assert _rows(path, "SELECT count(*) FROM audit WHERE action = 'demo'")[0][0] == 1
    cli("client", "add", "Real Client")
    before = snapshot(db_path)
    result = cli("demo", "--db", db_path)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "--yes" in result.stderr
    assert snapshot(db_path) == before
    assert cli("demo", "--db", db_path, "--yes", "--json").exit_code == 0
    assert _rows(db_path, "SELECT count(*) FROM clients WHERE name = 'Real Client'")[0][0] == 0


def test_the_week_shown_looks_like_a_practice_week(demo_db):
    """The current week (Mon-Thu gone, Friday booked) has what a real week has, not what the dice gave."""
    path, result = demo_db
    report = result.json()
    s = report["sessions"]
    assert s["attended"] >= 8 and s["dna"] >= 1 and s["cancelled"] + s["late_cancelled"] >= 1
    assert s["scheduled"] >= 3                                     # the rest of today is booked
    assert report["supervision_hours"] > 0 and report["cpd_hours"] > 0 and report["new_referrals"] >= 1
    assert report["training_hours"] > 0 and report["clients_seen"] > report["cases_seen"]
    # A group meets whoever is absent: never a DNA or cancelled as a whole.
    assert _rows(path, "SELECT count(*) FROM sessions s JOIN clients c ON c.id = s.client_id "
                       "WHERE c.kind = 'group' AND s.status NOT IN ('attended', 'scheduled')")[0][0] == 0


@pytest.mark.parametrize("today", ["2026-06-12", "2026-05-31", "2027-06-10", "2026-11-23", "2026-08-14"])
def test_builds_on_any_day(tmp_path, cli, today):
    # 2026-06-12: the client who came once was first booked in the August closure (an IndexError).
    result = cli("--today", today, "demo", "--db", tmp_path / "d.db", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["period"]["start"] <= today
    path = tmp_path / "d.db"
    assert _rows(path, "SELECT count(*) FROM clients WHERE status = 'discharged'")[0][0] >= 5
