"""Writers racing `db encrypt`, `db decrypt` and `db restore`: no write reported saved is lost.

Two writer threads each run `therapy session note` as real processes in a loop
while the file is encrypted, decrypted and restored from a backup under them.
A note whose command exited 0 is in the file afterwards: after encryption and
decryption every one of them; after the restore, every one that started once
the restore held the file (earlier ones are replaced by the restore, as a
restore means).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("sqlcipher3", reason="the encryption extra (sqlcipher3) is not installed")

KEY_COMMAND = "printf '%s\\n' 'race key'"
WRITERS = 2


def _script() -> list[str]:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy") or ""
    return [found] if os.path.exists(found) else [sys.executable, "-m", "therapy_cli"]


def _env(db_path) -> dict:
    return {**os.environ, "THERAPY_DB": str(db_path), "THERAPY_KEY_COMMAND": KEY_COMMAND,
            "THERAPY_TODAY": "2026-11-27"}


def _run(db_path, *args):
    return subprocess.run([*_script(), *map(str, args)], capture_output=True, text=True, env=_env(db_path),
                          stdin=subprocess.DEVNULL)


class WriterLoop(threading.Thread):
    def __init__(self, db_path, name: str):
        super().__init__(daemon=True)
        self.db_path, self.name_ = db_path, name
        self.stop = threading.Event()
        self.done: list[tuple[str, float, float, int, str]] = []   # text, start, end, exit code, stderr

    def run(self):
        i = 0
        while not self.stop.is_set():
            text = f"race-{self.name_}-{i}"
            start = time.monotonic()
            result = _run(self.db_path, "session", "note", "1", text)
            self.done.append((text, start, time.monotonic(), result.returncode, result.stderr))
            i += 1


def _notes(db_path) -> set[str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT text FROM notes")}
    finally:
        conn.close()


class ExclusiveProbe(threading.Thread):
    """Notes the first moment a swap holds the file exclusively (a shared lock is refused)."""

    def __init__(self, db_path):
        super().__init__(daemon=True)
        self.db_path = db_path
        self.stop = threading.Event()
        self.seen: float | None = None

    def run(self):
        while not self.stop.is_set() and self.seen is None:
            try:
                fd = os.open(self.db_path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                self.seen = time.monotonic()
            finally:
                os.close(fd)
            time.sleep(0.001)


def test_writers_racing_encrypt_decrypt_and_restore_lose_no_reported_write(tmp_path):
    db_path = tmp_path / "caseload.db"
    for args in (["config", "set", "timezone", "Europe/London"], ["client", "add", "Race Person"],
                 ["session", "add", "1", "--at", "2026-11-20 10:00"]):
        assert _run(db_path, *args).returncode == 0
    # enough rows that each swap's copy takes a moment
    conn = sqlite3.connect(db_path)
    conn.executemany("INSERT INTO notes (session_id, text, created_at) VALUES (1, ?, '2026-11-20')",
                     [(f"filler {i} " + "x" * 200,) for i in range(15000)])
    conn.commit()
    conn.close()
    backup = tmp_path / "backup.db"
    assert _run(db_path, "db", "backup", backup).returncode == 0

    writers = [WriterLoop(db_path, str(n)) for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1.5)
        for verb in ("encrypt", "decrypt"):
            result = _run(db_path, "db", verb, "--yes")
            assert result.returncode == 0, result.stderr
            time.sleep(1.5)
        # every write reported saved so far survived both conversions
        finished = [w for writer in writers for w in list(writer.done)]
        saved = {text for text, _, _, code, _ in finished if code == 0}
        missing = saved - _notes(db_path)
        assert not missing, f"{len(missing)} of {len(saved)} saved notes lost by encrypt/decrypt: {sorted(missing)}"

        probe = ExclusiveProbe(db_path)
        probe.start()
        result = _run(db_path, "db", "restore", backup, "--yes")
        assert result.returncode == 0, result.stderr
        probe.stop.set()
        probe.join()
        time.sleep(3.0)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join()
    assert probe.seen is not None, "the restore never held the file exclusively"
    finished = [w for writer in writers for w in writer.done]
    for text, _, _, code, stderr in finished:
        if code != 0:  # a refused write says so in one line, and is not in the file
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in stderr, stderr
    after_restore = {text for text, start, _, code, _ in finished if code == 0 and start > probe.seen}
    assert after_restore, "no write ran after the restore: the race was not exercised"
    notes = _notes(db_path)
    missing = after_restore - notes
    assert not missing, f"{len(missing)} of {len(after_restore)} notes saved after the restore began are lost"
    # the restore really replaced the file: notes saved before the backup's time are gone
    assert not [t for t in saved if t in notes]
    check = _run(db_path, "db", "check")
    assert check.returncode == 0, check.stderr
    print(f"writes: {len(finished)}, saved: {sum(1 for w in finished if w[3] == 0)}")


def test_a_restore_waits_for_a_command_holding_the_file_and_then_says_busy(cli, jcli, db_path, tmp_path,
                                                                          monkeypatch):
    from therapy_cli.storage import db as storage_db
    from therapy_cli.storage.db import open_database

    jcli("client", "add", "Held Person")
    backup = tmp_path / "backup.db"
    assert cli("db", "backup", backup).exit_code == 0
    jcli("client", "add", "Added Later")
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)
    holder = open_database(db_path)   # another command with the file open
    try:
        started = time.monotonic()
        result = cli("db", "restore", backup, "--yes")
        assert time.monotonic() - started >= 0.3
    finally:
        holder.close()
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "busy" in lines[0], result.stderr
    assert len(jcli("client", "list")) == 2     # nothing was replaced
    assert cli("db", "restore", backup, "--yes").exit_code == 0
    assert len(jcli("client", "list")) == 1
