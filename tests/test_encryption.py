"""Encryption at rest (SQLCipher): the key from THERAPY_KEY_COMMAND, never argv or disk; one Error: line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

pytest.importorskip("sqlcipher3", reason="the encryption extra (sqlcipher3) is not installed")

from therapy_cli.storage import crypto  # noqa: E402

CANARY = "Quillon Canarybright"
KEY = "correct horse 'battery' staple"
KEY_COMMAND = f"printf '%s\\n' \"{KEY}\""


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch):
    """In-process runs share one interpreter: forget keys between commands, as separate processes would."""
    crypto._KEYS.clear()
    yield
    crypto._KEYS.clear()


@pytest.fixture
def keyed(monkeypatch, cli):
    monkeypatch.setenv("THERAPY_KEY_COMMAND", KEY_COMMAND)

    def run(*args):
        crypto._KEYS.clear()
        return cli(*args)

    return run


def _script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy") or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _run(db_path, *args, key_command=KEY_COMMAND, **kwargs):
    env = {**os.environ, "THERAPY_DB": str(db_path)}
    env.pop("THERAPY_KEY_COMMAND", None)
    if key_command is not None:
        env["THERAPY_KEY_COMMAND"] = key_command
    return subprocess.run([*_script(), *map(str, args)], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, **kwargs)


def _bytes(*paths) -> bytes:
    data = b""
    for path in paths:
        with open(path, "rb") as fh:
            data += fh.read()
    return data


def _encrypted(keyed, jcli):
    jcli("client", "add", CANARY, "--email", "quillon@example.org")
    result = keyed("db", "encrypt", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["encrypted"] is True


def test_canary_absent_from_the_file_its_wal_and_a_backup(keyed, jcli, db_path, tmp_path):
    assert CANARY.encode() not in b""  # (sanity of the helper below)
    _encrypted(keyed, jcli)
    with open(db_path, "rb") as fh:
        assert fh.read(16) != b"SQLite format 3\x00"
    # hold a connection open so the WAL written by the next commands stays on disk
    from sqlcipher3 import dbapi2

    holder = dbapi2.connect(str(db_path))
    holder.execute("PRAGMA cipher_log_level = NONE")
    holder.execute(f"PRAGMA key = {crypto._quote(KEY)}")
    holder.execute("SELECT count(*) FROM clients").fetchone()
    try:
        for i in range(3):
            assert keyed("client", "add", f"{CANARY} {i}").exit_code == 0
        assert os.path.getsize(f"{db_path}-wal") > 0
        backup = tmp_path / "backup.db"
        result = keyed("db", "backup", backup)
        assert result.exit_code == 0, result.stderr
        data = _bytes(db_path, f"{db_path}-wal", backup)
        for secret in (CANARY, "Canarybright", "quillon@example.org", KEY):
            assert secret.encode() not in data, secret
        assert b"SQLite format 3" not in _bytes(backup)[:16]
        for path in (db_path, f"{db_path}-wal", f"{db_path}-shm", backup):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    finally:
        holder.close()
    # and everything is there for the key holder, the backup included
    listed = keyed("client", "list", "--json").json()
    assert [c["name"] for c in listed][:1] == [CANARY]
    assert len(listed) == 4
    crypto._KEYS.clear()
    check = keyed("--db", tmp_path / "backup.db", "client", "list", "--json")
    assert check.exit_code == 0 and len(check.json()) == 4


def test_wrong_missing_or_failing_key_is_one_error_line_and_changes_nothing(keyed, jcli, db_path):
    _encrypted(keyed, jcli)
    before = _bytes(db_path)
    cases = {
        "wrong key": "echo not-the-key",
        "no key command, no terminal": None,
        "key command fails": "echo 'gpg: decryption failed: secret material' >&2; exit 2",
        "empty key": "printf ''",
    }
    for case, command in cases.items():
        result = _run(db_path, "client", "add", "Someone Else", key_command=command)
        assert result.returncode == 1, (case, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (case, result.stderr)
        assert "CORE" not in result.stderr and "hmac" not in result.stderr, case  # SQLCipher's own log
        assert "secret material" not in result.stderr, case
        assert result.stdout == "", case
        assert _bytes(db_path) == before, case
    assert "key is wrong" in _run(db_path, "client", "list", key_command="echo nope").stderr
    assert "THERAPY_KEY_COMMAND" in _run(db_path, "client", "list", key_command=None).stderr
    assert _run(db_path, "db", "check").returncode == 0


def test_the_key_is_never_taken_from_argv_nor_written_anywhere(keyed, jcli, db_path, tmp_path):
    for option in ("--key", "--password", "--passphrase"):
        result = keyed("db", "encrypt", "--yes", option, "x")
        assert result.exit_code == 2
    _encrypted(keyed, jcli)
    keyed("client", "add", "After Encryption")
    keyed("db", "audit", "--json")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
            assert b"correct horse" not in path.read_bytes(), path


def test_decrypt_round_trip(keyed, jcli, db_path, cli):
    _encrypted(keyed, jcli)
    keyed("client", "add", "Added While Encrypted")
    result = keyed("db", "decrypt", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    with open(db_path, "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"
    conn = sqlite3.connect(db_path)
    names = [r[0] for r in conn.execute("SELECT name FROM clients ORDER BY id")]
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    conn.close()
    assert names == [CANARY, "Added While Encrypted"]
    assert {"notes_no_delete", "audit_no_update"} <= triggers
    os.environ.pop("THERAPY_KEY_COMMAND", None)
    assert cli("db", "check").exit_code == 0


def test_refusals(keyed, jcli, db_path, cli):
    jcli("client", "add", CANARY)
    assert keyed("db", "decrypt", "--yes").exit_code == 1          # not encrypted
    plain = _bytes(db_path)
    result = keyed("db", "encrypt")                                # no terminal, no --yes
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert _bytes(db_path) == plain
    crypto._KEYS.clear()
    without = cli("db", "encrypt", "--yes", env={"THERAPY_KEY_COMMAND": ""})   # no key to encrypt with
    assert without.exit_code == 1 and "encrypting" in without.stderr and "needs a key" in without.stderr
    assert "is encrypted" not in without.stderr and _bytes(db_path) == plain
    assert keyed("db", "encrypt", "--yes").exit_code == 0
    again = keyed("db", "encrypt", "--yes")
    assert again.exit_code == 1 and "already encrypted" in again.stderr


def test_a_key_of_several_lines_is_refused_when_encrypting(jcli, db_path, cli):
    """`pass show therapy` prints the password, then any login or URL lines of the entry: all of it became the
    key, one no terminal prompt could take, and editing the entry locked the records away for good."""
    jcli("client", "add", CANARY)
    plain = _bytes(db_path)
    result = cli("db", "encrypt", "--yes", env={"THERAPY_KEY_COMMAND": "printf 'pw1\\nurl: example.org\\n'"})
    assert result.exit_code == 1 and "2 lines" in result.stderr and "head -n 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "pw1" not in result.stderr
    assert _bytes(db_path) == plain


def test_erase_works_on_an_encrypted_file(keyed, jcli, db_path):
    cid = jcli("client", "add", CANARY)["id"]
    jcli("session", "add", str(cid), "--at", "2026-11-02 10:00", "--note", "CANARY-NOTE-ENCRYPTED")
    jcli("client", "discharge", str(cid), "--on", "2026-11-20")
    assert keyed("db", "encrypt", "--yes").exit_code == 0
    result = keyed("client", "erase", str(cid), "--yes", "--force", "--reason", "request", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["removed"]["notes"] == 1
    result = keyed("db", "decrypt", "--yes")
    assert result.exit_code == 0, result.stderr
    assert b"CANARY-NOTE-ENCRYPTED" not in _bytes(db_path)


@pytest.mark.slow
def test_a_killed_encrypt_leaves_the_old_file_or_the_new_one(tmp_path):
    """SIGKILL during `db encrypt`: the file is either the plain original or the complete encrypted copy."""
    import random

    db = tmp_path / "big.db"
    assert _run(db, "client", "add", "Seed Person", key_command=None).returncode == 0
    conn = sqlite3.connect(db)
    conn.executemany("INSERT INTO contacts (name, created_at) VALUES (?, '2026-01-01')",
                     [(f"contact {i} " + "x" * 200,) for i in range(8000)])
    conn.commit()
    conn.close()
    base = tmp_path / "base.db"
    shutil.copyfile(db, base)
    started = time.monotonic()
    assert _run(db, "db", "encrypt", "--yes").returncode == 0
    duration = time.monotonic() - started
    rng = random.Random(7)
    outcomes = {"plain": 0, "encrypted": 0}
    for _ in range(10):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{db}{suffix}"):
                os.unlink(f"{db}{suffix}")
        shutil.copyfile(base, db)
        env = {**os.environ, "THERAPY_DB": str(db), "THERAPY_KEY_COMMAND": KEY_COMMAND}
        proc = subprocess.Popen([*_script(), "db", "encrypt", "--yes"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3 * duration, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with open(db, "rb") as fh:
            plain = fh.read(16) == b"SQLite format 3\x00"
        outcomes["plain" if plain else "encrypted"] += 1
        assert _run(db, "db", "check", key_command=None if plain else KEY_COMMAND).returncode == 0
        conn = crypto.open_with_key(db, "" if plain else KEY)
        try:
            assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 8000
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    assert outcomes["plain"] + outcomes["encrypted"] == 10


def test_an_encrypted_backup_restores_encrypted(keyed, jcli, db_path, tmp_path):
    _encrypted(keyed, jcli)
    backup = tmp_path / "backup.db"
    assert keyed("db", "backup", backup).exit_code == 0
    keyed("client", "add", "Added After The Backup")
    result = keyed("db", "restore", backup, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    with open(db_path, "rb") as fh:
        assert fh.read(16) != b"SQLite format 3\x00"
    names = [c["name"] for c in keyed("client", "list", "--json").json()]
    assert names == [CANARY]
    assert CANARY.encode() not in _bytes(db_path)
    # the encrypted file it replaced is kept, still encrypted, with the client added after the backup
    kept = result.json()["previous_kept_as"]
    assert b"Added After The Backup" not in _bytes(kept)
    names = [c["name"] for c in keyed("--db", kept, "client", "list", "--json").json()]
    assert sorted(names) == sorted([CANARY, "Added After The Backup"])
    # with the wrong key the backup is refused, one line, and nothing is replaced
    before = _bytes(db_path)
    result = _run(db_path, "db", "restore", backup, "--yes", key_command="echo wrong")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert _bytes(db_path) == before


def test_a_plain_backup_restored_over_an_encrypted_caseload_is_kept_encrypted(keyed, cli, jcli, db_path, tmp_path):
    """The plain backup made before `db encrypt`, restored: the caseload was left readable at rest, unsaid."""
    jcli("client", "add", CANARY)
    plain = tmp_path / "plain-backup.db"
    assert cli("db", "backup", plain).exit_code == 0
    assert keyed("db", "encrypt", "--yes").exit_code == 0
    keyed("client", "add", "Added After The Backup")
    result = keyed("db", "restore", plain, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["encrypted"] is True
    with open(db_path, "rb") as fh:
        assert fh.read(16) != b"SQLite format 3\x00"
    assert CANARY.encode() not in _bytes(db_path)
    assert [c["name"] for c in keyed("client", "list", "--json").json()] == [CANARY]
    later = tmp_path / "later.db"
    assert keyed("db", "backup", later).exit_code == 0 and CANARY.encode() not in _bytes(later)


def test_an_encrypted_file_held_by_another_writer_gives_one_busy_line(keyed, jcli, db_path, monkeypatch):
    from therapy_cli.storage import db as dbmod

    _encrypted(keyed, jcli)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    blocker = crypto.open_with_key(db_path, KEY)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = keyed("client", "add", "Waiting Person")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and "busy" in lines[0], result.stderr


def test_a_plain_file_never_loads_sqlcipher(tmp_path):
    """Start-up matters: SQLCipher is imported only for an encrypted file."""
    code = ("import sys; from click.testing import CliRunner; import typer; from therapy_cli.cli import app; "
            f"r = CliRunner().invoke(typer.main.get_command(app), ['--db', {str(tmp_path / 'plain.db')!r}, "
            "'client', 'add', 'Plain Person']); "
            "print(r.exit_code, 'sqlcipher3' in sys.modules, 'therapy_cli.storage.crypto' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "THERAPY_KEY_COMMAND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["0", "False", "False"], out.stderr


def test_encrypting_through_a_symlink_encrypts_the_file_it_points_to(keyed, tmp_path):
    """`db encrypt` on a linked path replaced the link with an encrypted file and left the caseload itself in
    plain text at the link's target, the two then diverging."""
    real = tmp_path / "volume" / "caseload.db"
    real.parent.mkdir()
    link = tmp_path / "caseload.db"
    assert keyed("--db", real, "client", "add", CANARY).exit_code == 0
    link.symlink_to(real)
    assert keyed("--db", link, "db", "encrypt", "--yes").exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert CANARY.encode() not in _bytes(real)
    assert keyed("--db", real, "client", "add", "Second Client").exit_code == 0
    assert [c["name"] for c in json.loads(keyed("--db", link, "client", "list", "--json").stdout)] == [
        CANARY, "Second Client"]
