"""Encryption at rest with SQLCipher (the optional extra `therapy-cli[encryption]`).

Imported only when a file is encrypted or is being converted: the plain path
never pays for it. The key comes from `THERAPY_KEY_COMMAND` (a command that
prints it, e.g. `pass show therapy`) or from a prompt on a terminal; it is never
taken from the command line, never written anywhere, and kept in this
process's memory only. SQLCipher's own stderr logging is switched off, so a
wrong key is one `Error:` line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from therapy_cli.errors import CheckFailed, Conflict, DatabaseError, Refused

ENV_KEY_COMMAND = "THERAPY_KEY_COMMAND"
_KEYS: dict[str, str] = {}        # resolved path -> key, for this process only


def _dbapi():
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise DatabaseError("encryption needs SQLCipher: pip install 'therapy-cli[encryption]'") from None
    return dbapi2


def available() -> bool:
    try:
        _dbapi()
    except DatabaseError:
        return False
    return True


def looks_encrypted(path: Path) -> bool:
    """A non-empty file of whole pages without the plain SQLite header: perhaps a SQLCipher file."""
    from therapy_cli.storage.db import encrypted_shape

    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return encrypted_shape(path, head)


def is_encrypted_connection(conn) -> bool:
    return type(conn).__module__.startswith("sqlcipher3")


def _quote(key: str) -> str:
    return "'" + key.replace("'", "''") + "'"


def _clean_key(key: str, source: str) -> str:
    if not key:
        raise DatabaseError(f"{source} gave an empty key")
    if "\x00" in key:
        raise DatabaseError(f"{source} gave a key containing a NUL character")
    return key


def secret_from_command(env_name: str, what: str, consequence: str, error=DatabaseError) -> str:
    """What the command in the environment variable `env_name` prints (a password manager, e.g.
    `pass show therapy`), without its final line break. The secret never passes through argv,
    a setting or a log; the command's stderr is captured and dropped, so a failing password
    manager is one Error: line.
    """
    command = os.environ.get(env_name)
    try:
        done = subprocess.run(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        raise error(f"{env_name} could not be run ({exc.__class__.__name__}); {consequence}") from None
    if done.returncode != 0:
        raise error(f"{env_name} failed (exit {done.returncode}); {consequence}")
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{env_name} printed a {what} that is not UTF-8 text; {consequence}") from None
    return text.rstrip("\r\n")


def get_key(path: Path, confirm: bool = False) -> str:
    """The key for `path`: remembered, then THERAPY_KEY_COMMAND, then a prompt on a terminal."""
    remembered = _KEYS.get(str(path.resolve()))
    if remembered is not None:
        return remembered
    if os.environ.get(ENV_KEY_COMMAND):
        key = _clean_key(secret_from_command(ENV_KEY_COMMAND, "key", "no key, nothing was opened"),
                         ENV_KEY_COMMAND)
        if confirm and ("\n" in key or "\r" in key):
            # choosing the key: a password manager's entry often holds more than the password (`pass show`
            # prints the password, then a login or URL line); a key of several lines could never be typed at
            # the prompt, and editing the entry would lock the records away for good
            raise Refused(f"{ENV_KEY_COMMAND} printed {len(key.splitlines())} lines; the key must be one line "
                          "(for pass: 'pass show therapy | head -n 1'); nothing was changed")
    elif sys.stdin.isatty():
        import getpass

        try:
            key = _clean_key(getpass.getpass(f"Key for {path}: "), "the prompt")
            if confirm and getpass.getpass("The same key again: ") != key:
                raise Refused("the two keys differ; nothing was changed")
        except (EOFError, KeyboardInterrupt):
            raise Refused("no key given; nothing was changed") from None
    elif confirm:   # encrypting a plain file: the key to choose, not one to open it with
        raise Refused(f"encrypting {path} needs a key: set {ENV_KEY_COMMAND} to a command that prints it, or run "
                      "on a terminal to be asked for it; nothing was changed")
    else:
        raise DatabaseError(f"{path} is encrypted or not a SQLite database: to open an encrypted caseload, "
                            f"set {ENV_KEY_COMMAND} to a command that prints its key, or run on a terminal")
    return key


def remember(path: Path, key: str) -> None:
    _KEYS[str(path.resolve())] = key


def open_with_key(path: Path | str, key: str, what: Path | None = None):
    """A SQLCipher connection to `path` with `key` ('' for a plain file), checked to decrypt."""
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    dbapi2 = _dbapi()
    try:
        conn = dbapi2.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                              check_same_thread=False)
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key:
            conn.execute(f"PRAGMA key = {_quote(key)}")
    except dbapi2.Error as exc:
        raise DatabaseError(f"cannot open {what or path}: {exc}") from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError:
        conn.close()
        raise DatabaseError(f"cannot open {what or path}: the key is wrong, or it is not a caseload file") from None
    return conn


def connect(path: Path):
    """Open an encrypted caseload with the tool's pragmas (called by db.connect)."""
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    key = get_key(path)
    conn = open_with_key(path, key)
    remember(path, key)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_copy(conn, path: Path):
    """A connection to a new file `path` that will be encrypted like `conn` is (for backups)."""
    if not is_encrypted_connection(conn):
        import sqlite3

        return sqlite3.connect(path)
    key = _key_of_connection(conn)
    dbapi2 = _dbapi()
    copy = dbapi2.connect(str(path))
    copy.execute("PRAGMA cipher_log_level = NONE")
    copy.execute(f"PRAGMA key = {_quote(key)}")
    return copy


def _key_of_connection(conn) -> str:
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    key = _KEYS.get(str(Path(path).resolve()))
    if key is None:
        raise DatabaseError("the key of this database is not known to this process")
    return key


def _counts(conn) -> dict:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def convert(path: Path, encrypt: bool) -> dict:
    """Encrypt (or decrypt) the caseload: a checked copy, then an atomic replace.

    The exclusive guard (storage/guard.py) is held from before the copy until after
    the swap, so no therapy command has the old file open meanwhile and one that
    waited opens the new file; other SQLite programs should be closed (docs/privacy.md).
    """
    from therapy_cli.storage import guard
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    if not path.is_file():
        raise DatabaseError(f"no database at {path}")
    # held across the swap: a command waiting to open the file opens the new one afterwards
    held = guard.exclusive(path, BUSY_TIMEOUT_MS / 1000)
    try:
        return _convert_held(path, encrypt)
    finally:
        guard.release(held)


def _convert_held(path: Path, encrypt: bool) -> dict:
    from therapy_cli.storage.db import private_file
    from therapy_cli.storage.maintenance import check

    encrypted_now = looks_encrypted(path)
    if encrypt and encrypted_now:
        raise Conflict(f"{path} is already encrypted")
    if not encrypt and not encrypted_now:
        raise Conflict(f"{path} is not encrypted")
    if encrypt:
        from therapy_cli.storage.maintenance import verify_caseload

        verify_caseload(path)
        key = get_key(path, confirm=True)
        source_key, target_key = "", key
    else:
        key = get_key(path)
        source_key, target_key = key, ""
    from therapy_cli.storage.files import remove, temp_path

    tmp = temp_path(path, f"{path.name}.{'encrypting' if encrypt else 'decrypting'}")
    lock = open_with_key(path, source_key)
    try:
        lock.execute("BEGIN IMMEDIATE")
        expected = _counts(lock)
        reader = open_with_key(path, source_key)
        try:
            reader.execute("ATTACH DATABASE ? AS converted KEY ?", (str(tmp), target_key))
            reader.execute("SELECT sqlcipher_export('converted')")
            reader.execute("DETACH DATABASE converted")
        finally:
            reader.close()
        copy = open_with_key(tmp, target_key, what=f"the {'encrypted' if encrypt else 'decrypted'} copy")
        try:
            result = check(copy)
            counts = _counts(copy)
            copy.execute("PRAGMA journal_mode = WAL")
        finally:
            copy.close()
        if not result["ok"] or counts != expected:
            raise CheckFailed("the converted copy failed its check; nothing was replaced")
        private_file(tmp)
        os.replace(tmp, path)
        # the old WAL must never be replayed onto the new file
        for suffix in ("-wal", "-shm"):
            remove(f"{path}{suffix}")
    except BaseException:
        remove(tmp, with_journals=True)
        raise
    finally:
        try:
            lock.close()
        except Exception:
            pass
    for suffix in ("-wal", "-shm"):
        remove(f"{path}{suffix}")
    private_file(path)
    if encrypt:
        remember(path, key)
    else:
        _KEYS.pop(str(path.resolve()), None)
    return {"path": str(path), "encrypted": encrypt, "tables": len(expected),
            "rows": sum(expected.values()), "ok": True}



def open_read_only(uri: str, key: str, what: Path):
    """An encrypted caseload opened read-only through a `file:…?mode=ro` URI (practice roll-ups)."""
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    dbapi2 = _dbapi()
    try:
        conn = dbapi2.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(key)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.Error as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            # held by a writer (a backup being made into it) past the busy timeout: the key is not in question
            raise DatabaseError(f"{what} is busy (being written to, e.g. by a backup into it); try again when "
                                "it is done") from None
        raise DatabaseError(f"cannot open {what}: the key is wrong, or it is not a caseload file") from None
    return conn
