"""A change of time zone: sessions keep their moment, and the day they are counted on is the day shown."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo


def _days(db_path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT id, starts_utc, local_date FROM sessions ORDER BY id").fetchall()
    finally:
        conn.close()


def _consistent(db_path, zone: str) -> None:
    conn = sqlite3.connect(db_path)
    for sid, starts_utc, starts_at, local_date in conn.execute("SELECT id, starts_utc, starts_at, local_date "
                                                               "FROM sessions"):
        there = datetime.fromisoformat(starts_utc).astimezone(ZoneInfo(zone))
        assert (there.isoformat(), there.date().isoformat()) == (starts_at, local_date), sid
    conn.close()


def test_sessions_are_counted_on_the_day_the_new_zone_shows(jcli, cli, db_path):
    jcli("config", "set", "timezone", "Etc/UTC")
    jcli("client", "add", "Ann Lee")
    jcli("session", "add", "Ann", "--at", "2026-07-01 20:00")            # attended: the first
    jcli("session", "add", "Ann", "--at", "2026-07-08 10:00")
    assert jcli("client", "show", "Ann")["first_attended_on"] == "2026-07-01"

    done = cli("config", "set", "timezone", "Asia/Tokyo", "--json")
    assert done.exit_code == 0
    row = __import__("json").loads(done.stdout)
    assert (row["value"], row["previous_zone"], row["sessions"], row["sessions_on_another_day"]) == \
        ("Asia/Tokyo", "Etc/UTC", 2, 1)
    assert done.stderr.startswith("2 sessions keep their moment in time and are shown in Asia/Tokyo now, not "
                                  "Etc/UTC; 1 of 2 is on another day there")
    # shown at 05:00 on 2 July, and counted there: the list, the reports and the client's first day agree
    listed = jcli("session", "list", "--from", "2026-07-02", "--to", "2026-07-02")
    assert [(s["id"], s["starts_at"][:16]) for s in listed] == [(1, "2026-07-02T05:00")]
    assert jcli("report", "period", "--from", "2026-07-02", "--to", "2026-07-02")["sessions"]["attended"] == 1
    assert jcli("report", "period", "--from", "2026-07-01", "--to", "2026-07-01")["sessions"]["attended"] == 0
    assert jcli("client", "show", "Ann")["first_attended_on"] == "2026-07-02"
    _consistent(db_path, "Asia/Tokyo")
    assert any(r["action"] == "rezone" and r["summary"] == "time zone Etc/UTC -> Asia/Tokyo: 2 session(s) "
               "written in it, 1 of them on another day there" for r in jcli("db", "audit"))
    # the stored start is written in the zone too, so what shows it as stored (a client's next session) agrees
    jcli("session", "add", "Ann", "--at", "2026-12-20 10:00")
    jcli("config", "set", "timezone", "Europe/London")
    assert jcli("client", "show", "Ann")["sessions"]["next"] == "2026-12-20T01:00:00+00:00"
    assert [s["starts_at"] for s in jcli("session", "list", "--from", "2026-07-01", "--to", "2026-07-02")] == \
        ["2026-07-01T21:00:00+01:00"]

    # and back: unset, the default zone applies again (the tests' system zone)
    back = jcli("config", "unset", "timezone")
    _consistent(db_path, back["value"])


def test_the_same_zone_again_or_another_setting_moves_nothing(jcli, cli, db_path):
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", "Ann Lee")
    jcli("session", "add", "Ann", "--at", "2026-07-01 23:30")
    before = _days(db_path)
    again = cli("config", "set", "timezone", "Europe/London", "--json")
    assert again.exit_code == 0 and again.stderr == "" and "sessions" not in again.stdout
    assert cli("config", "set", "session.duration", "60").stderr == ""
    assert _days(db_path) == before


def test_every_session_follows_the_zone_across_clock_changes_and_half_hour_offsets(jcli, db_path):
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", "Ann Lee")
    for at in ("2026-03-28 23:30", "2026-03-29 00:30", "2026-10-24 23:45", "2026-10-25 01:30",
               "2026-06-30 19:00", "2026-06-30 18:29", "2026-12-31 23:00"):
        jcli("session", "add", "Ann", "--at", at, "--duration", "30")
    for zone in ("Asia/Kolkata", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"):
        jcli("config", "set", "timezone", zone)
        _consistent(db_path, zone)
