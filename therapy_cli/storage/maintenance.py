"""The file itself: check, backup, restore, audit."""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

from therapy_cli.storage.db import Database, check_sqlite_file, damaged, id_chunks
from therapy_cli.errors import CheckFailed, DatabaseError, InvalidValue

RESTORE_MARK = "-before-restore-"   # in the name of the file a restore replaced, kept beside it
AUDIT_COLUMNS = ["id", "at", "action", "record_type", "record_id", "client_id", "summary"]


def check(conn: sqlite3.Connection) -> dict:
    """integrity_check and foreign_key_check; `ok` only when both are clean. A file too damaged for them
    to finish fails the integrity check with SQLite's words for it (`database disk image is malformed`)."""
    integrity: list[str] = []
    foreign: list[dict] = []
    try:
        integrity.extend(r[0] for r in conn.execute("PRAGMA integrity_check"))
        foreign.extend({"table": r[0], "rowid": r[1], "parent": r[2]}
                       for r in conn.execute("PRAGMA foreign_key_check"))
    except Exception as exc:  # sqlite3 or sqlcipher3
        if not damaged(exc):
            raise
        integrity = [line for line in integrity if line != "ok"] + [str(exc)]
    ok = integrity == ["ok"] and not foreign
    return {"ok": ok, "integrity": integrity, "foreign_key_problems": foreign}


def damage(result: dict) -> str | None:
    """What `check` found wrong with the file's pages, in a few words; None when its integrity is sound."""
    return None if result["integrity"] == ["ok"] else "; ".join(result["integrity"][:3])


def protections_and_scrub(path: Path, today: date | None = None) -> dict:
    """For `db check` on a sound file: the append-only triggers missing, and whether an erasure's scrub
    is still owed after trying to finish it."""
    from therapy_cli.storage import scrub
    from therapy_cli.storage.db import open_database
    from therapy_cli.storage.migrations import missing_protections

    db = open_database(path, today=today, create=False)
    try:
        missing = missing_protections(db.conn)
        pending = not scrub.finish_pending(db)
    finally:
        db.close()
    return {"missing_triggers": missing, "scrub_pending": pending}


def backup_target(db: Database, dest: str) -> Path:
    """Where `db backup DEST` writes: DEST, or caseload-DATE.db inside DEST when it is a folder."""
    from therapy_cli.storage.files import refuse_missing_directory

    if not dest.strip():
        from therapy_cli.errors import WrongForm

        # `db backup "$BACKUP_DIR"` with the variable unset: '' is no folder, not the current one
        raise WrongForm("DEST is empty; give the backup file's path or its folder (an unset variable in a script?)")
    if dest.strip() == "-":   # as exports read it: standard output, which a database copy cannot go to
        raise InvalidValue("a backup is a file: give its path (db backup DEST), not - (standard output)")
    refuse_missing_directory(dest)
    target = Path(dest).expanduser()
    if target.is_dir():
        target = target / f"caseload-{db.today.isoformat()}.db"
    return target


def backup(db: Database, dest: str) -> dict:
    """A consistent online copy (SQLite backup API), mode 0600, verified."""
    target = backup_target(db, dest)
    # nor its -wal or -shm: SQLite deletes those on close, and the backup went with them
    if target.resolve() in {Path(f"{db.path.resolve()}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")}:
        raise InvalidValue("the backup must go to another file than the database itself")
    if not target.parent.is_dir():
        raise InvalidValue(f"cannot write {target}: the directory {target.parent} does not exist")
    from therapy_cli.storage.files import replacing

    with replacing(target, f"cannot write the backup {target}") as tmp:
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
        if damage(result):
            raise CheckFailed(f"the database is damaged: its copy failed the integrity check ({damage(result)}); "
                              "no backup was made; run `therapy db check`")
        if not result["ok"] or not tables:
            raise CheckFailed(f"the backup copy failed its check ({len(result['foreign_key_problems'])} "
                              "foreign-key problem(s); see `therapy db check`); nothing was written")
    return {"path": str(target), "bytes": target.stat().st_size, "ok": True}


def verify_caseload(path: Path) -> dict:
    """Check a file is an intact caseload database before it replaces anything."""
    if path.is_dir():
        from therapy_cli.io.restore import MANIFEST

        # an `export all` directory is not a backup: said so, rather than "no file at" a folder that is there
        hint = (" it is an `export all` directory: restore it into a new file with "
                "`therapy --db NEW.db import all DIR`" if (path / MANIFEST).is_file() else "")
        raise InvalidValue(f"{path} is a directory, not a backup file (give the file `therapy db backup` wrote)"
                           + (f";{hint}" if hint else ""))
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
    """Replace the database with a verified copy of `source`, atomically.

    The exclusive guard on the old file is held from before the copy until after the swap: a command that
    starts meanwhile waits, then writes to the restored file.
    """
    from therapy_cli.storage import guard
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    verify_caseload(source)
    held = guard.exclusive(target, BUSY_TIMEOUT_MS / 1000) if target.is_file() else None
    try:
        return _restore_held(source, target)
    finally:
        guard.release(held)


def _restore_held(source: Path, target: Path) -> dict:
    if target.exists() and source.resolve() == target.resolve():
        raise InvalidValue("the source is the database itself")
    from therapy_cli.storage.files import remove, replacing

    # restoring onto a new machine: the data directory may not exist yet (0700, as on first use)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from therapy_cli.storage import crypto

    # an encrypted caseload stays encrypted, whatever the backup restored into it (a plain one would leave the
    # records readable at rest without a word, and every later backup plain too)
    stay_encrypted = target.is_file() and crypto.available() and crypto.looks_encrypted(target)
    with replacing(target, f"cannot restore into {target}", "restore into") as tmp:
        src, key = _open_source(source)
        if key:
            copy = crypto.open_with_key(tmp, key)   # an encrypted backup is restored encrypted
            with copy:
                src.backup(copy)
        elif stay_encrypted:
            key = crypto.get_key(target)
            src.close()
            src = crypto.open_with_key(source, "")
            src.execute("ATTACH DATABASE ? AS restored KEY ?", (str(tmp), key))
            src.execute("SELECT sqlcipher_export('restored')")
            src.execute("DETACH DATABASE restored")
            copy = crypto.open_with_key(tmp, key)
        else:
            copy = sqlite3.connect(tmp)
            with copy:
                src.backup(copy)
        src.close()
        copy.execute("PRAGMA journal_mode = WAL")
        if not check(copy)["ok"]:
            copy.close()
            raise CheckFailed("the restored copy failed its check; nothing was replaced")
        # clients erased in the file replaced whom the backup still holds in full (it predates the erasure)
        undone = _still_held(copy, _erased_ids(target, key if stay_encrypted else None)) if target.is_file() else []
        copy.close()
        # The file being replaced is kept beside it (a restore of the wrong backup loses nothing), and its
        # WAL goes with it so that it cannot be replayed onto the restored file.
        kept = _keep_replaced(target) if target.is_file() else None
        remove(f"{target}-shm")
    return {"path": str(target), "restored_from": str(source), "ok": True,
            "previous_kept_as": str(kept) if kept else None, "encrypted": bool(key), "erasures_undone": undone}


def _erased_ids(path: Path, key: str | None) -> list[int]:
    """The clients erased in the caseload at `path` (read with `key` when it is encrypted); none when it cannot
    be read (a damaged file is restored over all the same)."""
    try:
        if key is None:
            from therapy_cli.storage.db import readonly_uri

            conn = sqlite3.connect(readonly_uri(path), uri=True)
        else:
            from therapy_cli.storage.crypto import open_with_key

            conn = open_with_key(path, key)
        try:
            return [r[0] for r in conn.execute("SELECT id FROM clients WHERE erased_on IS NOT NULL ORDER BY id")]
        finally:
            conn.close()
    except Exception:  # sqlite3 or sqlcipher3, or a DatabaseError: nothing to compare with
        return []


def _still_held(conn, erased: list[int]) -> list[int]:
    """Of the `erased` client ids, those the restored copy holds as records, not erased stubs."""
    held: list[int] = []
    for chunk, marks in id_chunks(erased):
        held += [r[0] for r in conn.execute(
            f"SELECT id FROM clients WHERE erased_on IS NULL AND id IN ({marks}) ORDER BY id", chunk)]
    return held


def _kept_name(target: Path) -> Path:
    """`caseload.db` → `caseload-before-restore-20261202-013100.db`, beside it (a number added if taken)."""
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = target.suffix or ".db"
    kept = target.with_name(f"{target.stem}{RESTORE_MARK}{stamp}{suffix}")
    n = 1
    while kept.exists() or Path(f"{kept}-wal").exists():
        n += 1
        kept = target.with_name(f"{target.stem}{RESTORE_MARK}{stamp}-{n}{suffix}")
    return kept


def kept_copies(target: Path) -> list[Path]:
    """The files `db restore` kept beside `target` (the file it links to, as restore does), by name (its time)."""
    target = target.resolve()
    return sorted(p for p in target.parent.glob(f"{target.stem}{RESTORE_MARK}*{target.suffix or '.db'}")
                  if p.is_file())


def _keep_replaced(target: Path) -> Path:
    """A second name for the file about to be replaced, with what its WAL holds. A plain, readable file is
    first turned into one file (WAL folded in, rollback journal), as a backup is, so the kept file can be
    copied or restored on its own; otherwise its WAL is renamed beside it (a WAL belongs to its database
    whatever its name). Nothing else has the file open: the exclusive guard is held."""
    from therapy_cli.storage.db import encrypted_shape, read_header

    wal = Path(f"{target}-wal")
    if not encrypted_shape(target, read_header(target)):
        try:
            conn = sqlite3.connect(target)
            try:
                conn.execute("PRAGMA journal_mode = DELETE")   # checkpoints the WAL and removes it
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            pass            # a damaged file (or one another program holds) is kept as it is, WAL and all
    kept = _kept_name(target)
    try:
        try:
            os.link(target, kept)
        except OSError:     # a file system without hard links: a copy, private from its first byte
            import shutil

            with open(target, "rb") as src, os.fdopen(
                    os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        if wal.exists() and wal.stat().st_size:
            os.replace(wal, f"{kept}-wal")
        else:
            wal.unlink(missing_ok=True)
    except OSError as exc:
        Path(kept).unlink(missing_ok=True)
        raise DatabaseError(f"cannot keep {target} before replacing it ({exc.strerror}); nothing was replaced") \
            from None
    return kept


def audit_rows(db: Database, client_id: int | None = None, since: date | None = None,
               limit: int | None = None) -> list[dict]:
    """The audit rows, each summary with its reason put back (`(reason erased)` once the client is erased)."""
    rows = _audit_rows(db, client_id, since, limit)
    with_reason = [r["id"] for r in rows if "{reason}" in r["summary"]]
    reasons: dict[int, str] = {}
    for chunk, marks in id_chunks(with_reason):
        reasons.update(db.execute(f"SELECT audit_id, text FROM audit_reasons WHERE audit_id IN ({marks})", chunk))
    for r in rows:
        if r["id"] in with_reason:
            r["summary"] = r["summary"].replace("{reason}", reasons.get(r["id"], "(reason erased)"))
    return rows


def _audit_rows(db: Database, client_id: int | None, since: date | None, limit: int | None) -> list[dict]:
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
    from therapy_cli.storage.db import readonly_uri

    return sqlite3.connect(readonly_uri(path), uri=True), None

