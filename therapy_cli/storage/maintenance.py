"""The file itself: check, backup, restore, audit."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from therapy_cli.storage.db import Database, check_sqlite_file
from therapy_cli.storage.files import remove as _remove, replacing
from therapy_cli.errors import CheckFailed, DatabaseError, InvalidValue

AUDIT_COLUMNS = ["id", "at", "action", "record_type", "record_id", "client_id", "summary"]


def check(conn: sqlite3.Connection) -> dict:
    """integrity_check and foreign_key_check; `ok` only when both are clean."""
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    foreign = [{"table": r[0], "rowid": r[1], "parent": r[2]} for r in conn.execute("PRAGMA foreign_key_check")]
    ok = integrity == ["ok"] and not foreign
    return {"ok": ok, "integrity": integrity, "foreign_key_problems": foreign}


def backup_target(db: Database, dest: str) -> Path:
    """Where `db backup DEST` writes: DEST, or caseload-DATE.db inside DEST when it is a folder."""
    target = Path(dest).expanduser()
    if target.is_dir():
        target = target / f"caseload-{db.today.isoformat()}.db"
    return target


def backup(db: Database, dest: str) -> dict:
    """A consistent online copy (SQLite backup API), mode 0600, verified."""
    target = backup_target(db, dest)
    if target.resolve() == db.path.resolve():
        raise InvalidValue("the backup must go to another file than the database itself")
    if not target.parent.is_dir():
        raise InvalidValue(f"cannot write {target}: the directory {target.parent} does not exist")
    try:
        with replacing(target, "partial") as tmp:
            if type(db.conn).__module__.startswith("sqlcipher3"):
                from therapy_cli.storage.crypto import open_copy  # an encrypted file's backup is encrypted too

                copy = open_copy(db.conn, tmp)
            else:
                copy = sqlite3.connect(tmp)
            with copy:
                db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            result = check(copy)
            tables = [r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE name = '_migrations'")]
            copy.close()
            if not result["ok"] or not tables:
                problems = "; ".join(result["integrity"][:3]) if result["integrity"] != ["ok"] else \
                    f"{len(result['foreign_key_problems'])} foreign-key problem(s)"
                raise CheckFailed(f"the backup copy failed its check ({problems}; see `therapy db check`); "
                                  "nothing was written")
    except OSError as exc:
        raise DatabaseError(f"cannot write the backup {target}: {exc.strerror}") from None
    return {"path": str(target), "bytes": target.stat().st_size, "ok": True}


def verify_caseload(path: Path) -> dict:
    """Check a file is an intact caseload database before it replaces anything."""
    if not path.is_file():
        raise InvalidValue(f"no file at {path}")
    try:
        conn, _ = _open_source(path)
        try:
            result = check(conn)
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            migrations = ([r[0] for r in conn.execute("SELECT name FROM _migrations")]
                          if "_migrations" in names else [])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} cannot be read as a database ({exc})") from None
    if not result["ok"]:
        raise CheckFailed(f"{path} fails its integrity check; nothing was replaced")
    if "_migrations" not in names or "clients" not in names:
        raise DatabaseError(f"{path} is not a therapy caseload database; nothing was replaced")
    from therapy_cli.storage.migrations import MIGRATIONS

    known = {m.__name__ for m in MIGRATIONS}
    if any(name not in known for name in migrations):
        raise DatabaseError(f"{path} was written by a newer version of therapy; nothing was replaced")
    return {"path": str(path), "migrations": migrations}


def restore(source: Path, target: Path) -> dict:
    """Replace the database with a verified copy of `source`, atomically."""
    verify_caseload(source)
    if target.exists() and source.resolve() == target.resolve():
        raise InvalidValue("the source is the database itself")
    try:
        # restoring onto a new machine: the data directory may not exist yet (0700, as on first use)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with replacing(target, "restoring") as tmp:
            src, key = _open_source(source)
            if key:
                from therapy_cli.storage.crypto import open_with_key  # an encrypted backup is restored encrypted

                copy = open_with_key(tmp, key)
            else:
                copy = sqlite3.connect(tmp)
            with copy:
                src.backup(copy)
            src.close()
            copy.execute("PRAGMA journal_mode = WAL")
            if not check(copy)["ok"]:
                copy.close()
                raise CheckFailed("the restored copy failed its check; nothing was replaced")
            copy.close()
            # Remove the old WAL so it cannot be replayed onto the restored file.
            for suffix in ("-wal", "-shm"):
                _remove(Path(f"{target}{suffix}"))
    except OSError as exc:
        raise DatabaseError(f"cannot restore into {target}: {exc.strerror}") from None
    return {"path": str(target), "restored_from": str(source), "ok": True}


def audit_rows(db: Database, client_id: int | None = None, since: date | None = None,
               limit: int | None = None) -> list[dict]:
    sql = "SELECT id, at, action, record_type, record_id, client_id, summary FROM audit WHERE 1 = 1"
    params: list = []
    if client_id is not None:
        sql += " AND client_id = ?"
        params.append(client_id)
    if since is not None:
        sql += " AND at >= ?"
        params.append(since.isoformat())
    sql += " ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY id"
        params.append(limit)
    return db.query(sql, params)


def _open_source(path: Path):
    """A connection to a backup (read-only when plain), and its key when it is encrypted."""
    from therapy_cli.storage.db import maybe_encrypted, read_header

    head = read_header(path)
    if maybe_encrypted(path, head):
        from therapy_cli.storage import crypto

        key = crypto.get_key(path)
        return crypto.open_with_key(path, key), key
    check_sqlite_file(path, head, allow_empty=False)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True), None

