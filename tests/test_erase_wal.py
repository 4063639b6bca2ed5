"""An erasure while another program reads the file: the scrub is pending, said so, and finished later."""

from __future__ import annotations

import sqlite3

import pytest

from therapy_cli.storage import scrub

CANARY = "Zebedee-Quxworth"


@pytest.fixture
def erasable(jcli, monkeypatch):
    monkeypatch.setattr(scrub, "SCRUB_WAIT_SECONDS", 1.0)
    jcli("config", "set", "timezone", "Europe/London")
    jcli("client", "add", f"{CANARY} Client")
    sid = jcli("session", "add", CANARY, "--at", "2026-11-20 10:00")["id"]
    jcli("session", "note", sid, f"note about {CANARY} " * 20)
    jcli("client", "discharge", CANARY, "--on", "2026-11-21")


def _bytes(db_path) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        try:
            data += open(f"{db_path}{suffix}", "rb").read()
        except FileNotFoundError:
            pass
    return data


def _held_reader(db_path):
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM clients").fetchone()
    return reader


def _erase(cli):
    return cli("client", "erase", "1", "--yes", "--force", "--reason", "request")


def test_a_held_reader_makes_erase_fail_saying_the_scrub_is_pending_then_db_check_finishes_it(
        erasable, cli, db_path):
    reader = _held_reader(db_path)
    try:
        result = _erase(cli)
        assert result.exit_code == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert "erasure is recorded" in lines[0] and "scrub is pending" in lines[0]
        check = cli("db", "check", "--json")
        assert check.exit_code == 1 and check.json()["scrub_pending"] is True
    finally:
        reader.close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT erased_on FROM clients WHERE id = 1").fetchone()[0] == "2026-11-27"
    conn.close()
    check = cli("db", "check", "--json")
    assert check.exit_code == 0, check.stderr
    assert check.json()["scrub_pending"] is False
    assert CANARY.encode() not in _bytes(db_path)


def test_the_next_write_finishes_a_pending_scrub(erasable, cli, jcli, db_path):
    reader = _held_reader(db_path)
    try:
        assert _erase(cli).exit_code == 1
    finally:
        reader.close()
    jcli("client", "add", "Someone Else")
    assert CANARY.encode() not in _bytes(db_path)
    assert cli("db", "check").exit_code == 0


def test_without_a_reader_erase_scrubs_at_once(erasable, cli, db_path):
    result = _erase(cli)
    assert result.exit_code == 0, result.stderr
    assert CANARY.encode() not in _bytes(db_path)
