"""Open the caseload file: path resolution, pragmas, permissions, migration, transactions.

Plain `sqlite3` on purpose: `import sqlite_utils` alone costs ~95 ms, and every
command opens the file. sqlite-utils is used where its convenience pays
(schema docs, export), never on the start-up path.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from collections.abc import Iterator

from therapy_cli.errors import DatabaseError, NotFound

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
ENV_DB = "THERAPY_DB"


def default_path() -> Path:
    """`caseload.db` in the platform user-data directory (XDG on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("therapy", appauthor=False)) / "caseload.db"


def resolve_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--db`, then `THERAPY_DB`, then the platform default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return default_path()


def private_file(path: str | os.PathLike, keep_read_only: bool = False) -> None:
    """Make a file the tool wrote readable by its owner alone (0600). With `keep_read_only` (the caseload
    itself), a file its owner made read-only (0400, 0444: an archived practice) stays read-only: taking away
    others' access never gives the owner a write they had taken away."""
    try:
        read_only = keep_read_only and not os.stat(path).st_mode & 0o200
        os.chmod(path, 0o400 if read_only else 0o600)
    except FileNotFoundError:
        pass


def read_header(path: Path) -> bytes:
    """The file's first 16 bytes (empty for an empty file); a directory or unreadable file is refused."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    if path.exists() and not path.is_file():
        # a FIFO would block the open below for ever; a device is never a caseload
        raise DatabaseError(f"{path} is not a regular file (a device, FIFO or socket), not a database file")
    try:
        with open(path, "rb") as fh:
            return fh.read(16)
    except PermissionError:
        raise DatabaseError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror}") from None


def check_sqlite_file(path: Path, head: bytes | None = None, allow_empty: bool = True) -> None:
    """Refuse, without touching it, a file that is not a SQLite database (`head`: its header, if read)."""
    head = read_header(path) if head is None else head
    if (head or not allow_empty) and head != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database (a caseload file is expected)")


def encrypted_shape(path: Path, head: bytes) -> bool:
    """A non-empty file of whole pages without the plain SQLite header: perhaps a SQLCipher file."""
    if not head or head == SQLITE_HEADER:
        return False
    try:
        return path.stat().st_size % 512 == 0
    except OSError:
        return False


def maybe_encrypted(path: Path, head: bytes) -> bool:
    """The shape of an encrypted file, and SQLCipher asked for or installed: try it as encrypted."""
    if not encrypted_shape(path, head):
        return False
    if os.environ.get("THERAPY_KEY_COMMAND"):
        return True
    from importlib.util import find_spec

    return find_spec("sqlcipher3") is not None


def readonly_uri(path: str | os.PathLike) -> str:
    """A `file:` URI opening `path` read-only; `?`, `#` and `%` in the name are quoted, not taken as URI syntax."""
    from urllib.parse import quote

    return f"file:{quote(os.fspath(path), safe='/')}?mode=ro"


def chunked(items: list, size: int = 500) -> Iterator[list]:
    """ITEMS in consecutive slices of at most SIZE (one statement's worth)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def id_chunks(ids: list[int]) -> Iterator[tuple[list[int], str]]:
    """IDS in slices small enough for one `IN (...)` (SQLite's variable limit), each with its `?,?,...`."""
    for chunk in chunked(ids):
        yield chunk, ",".join("?" * len(chunk))


def sql_date(day: date) -> str:
    """DAY as a SQL date literal (`'2026-11-27'`), to inline beside a chunk's `?` marks: a date's isoformat
    is digits and dashes only."""
    return f"'{date.fromisoformat(day.isoformat()).isoformat()}'"


def _dict_factory(cursor: sqlite3.Cursor, row: tuple) -> dict:
    return {col[0]: value for col, value in zip(cursor.description, row)}


# A write of this run was committed: an error after it (printing the result to a full disk, a closed pipe)
# must not say "nothing was changed" (failures.unchanged)
SAVED = False


class Database:
    """A connection to one caseload file, with the day and zone the command runs in."""

    def __init__(self, conn: sqlite3.Connection, path: Path, today: date | None = None):
        self.conn = conn
        self.path = path
        self._today = today
        self._settings_cache: dict[str, object] | None = None
        self._tz = None
        self.in_write = False
        self.scrub_pending = False
        self.guard: int | None = None   # the shared lock that keeps the file from being swapped (guard.py)

    # -- plain SQL helpers -------------------------------------------------
    def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: object) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def query(self, sql: str, params: object = ()) -> list[dict]:
        cur = self.conn.execute(sql, params)
        cur.row_factory = _dict_factory
        return cur.fetchall()

    def one(self, sql: str, params: object = ()) -> dict | None:
        cur = self.conn.execute(sql, params)
        cur.row_factory = _dict_factory
        return cur.fetchone()

    def scalar(self, sql: str, params: object = ()) -> object:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert(self, table: str, record: dict) -> int:
        cols = ", ".join(record)
        marks = ", ".join("?" for _ in record)
        cur = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(record.values()))
        return cur.lastrowid

    def update(self, table: str, record_id: int, changes: dict) -> None:
        if not changes:
            return
        sets = ", ".join(f"{col} = ?" for col in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), record_id))

    def get(self, table: str, record_id: int, what: str | None = None) -> dict:
        row = self.one(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
        if row is None:
            raise NotFound(f"no {what or table.rstrip('s')} with id {record_id}")
        return row

    def tables(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    # -- audit ---------------------------------------------------------------
    def audit(self, action: str, record_type: str, record_id: int | None,
              summary: str = "", client_id: int | None = None, reason: str | None = None) -> None:
        """Record a change. Summaries never carry note text or client names; a free-text `reason` (a
        correction's, a removal's) is kept in `audit_reasons`, erased with the client, and the summary holds
        `{reason}` where it goes (`maintenance.audit_rows` puts it back)."""
        cur = self.conn.execute(
            "INSERT INTO audit (at, action, record_type, record_id, client_id, summary) VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), action, record_type, record_id, client_id, summary),
        )
        if reason is not None:
            self.conn.execute("INSERT INTO audit_reasons (audit_id, client_id, text) VALUES (?, ?, ?)",
                              (cur.lastrowid, client_id, reason))

    # -- the command's day and zone -----------------------------------------
    @property
    def today(self) -> date:
        return self._today or date.today()

    @property
    def tz(self):
        if self._tz is None:
            from therapy_cli.dates import get_zone

            self._tz = get_zone(self.setting("timezone"))
        return self._tz

    def setting(self, key: str) -> object:
        from therapy_cli import settings

        if self._settings_cache is None:
            self._settings_cache = {r[0]: r[1] for r in self.conn.execute("SELECT key, value FROM settings")}
        return settings.typed_value(key, self._settings_cache.get(key))

    def forget_settings(self) -> None:
        self._settings_cache = None
        self._tz = None

    # -- transactions ----------------------------------------------------------
    @contextmanager
    def transaction(self, write: bool = False) -> Iterator["Database"]:
        """One transaction: BEGIN IMMEDIATE for writes (the lock up front), BEGIN for reads."""
        try:
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(_explain(exc, self.path)) from None
        self.in_write = write
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        else:
            try:
                self.conn.commit()
            except sqlite3.OperationalError as exc:
                self.conn.rollback()
                raise DatabaseError(_explain(exc, self.path)) from None
            if write:
                global SAVED
                SAVED = True
        finally:
            self.in_write = False

    def close(self) -> None:
        self.conn.close()
        private_file(self.path, keep_read_only=True)
        for suffix in ("-wal", "-shm"):
            private_file(f"{self.path}{suffix}")
        if self.guard is not None:
            from therapy_cli.storage import guard

            guard.release(self.guard)
            self.guard = None


def damaged(exc: Exception) -> bool:
    """SQLite (or SQLCipher) found the file's pages damaged or unreadable: not a busy file, not a bad query."""
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _explain(exc: sqlite3.Error, path: Path) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"the database {path} is busy (another therapy command holds it); try again"
    if damaged(exc):
        return f"{path} is not a usable caseload database ({text})"
    if "readonly" in text:
        return f"{path} is read-only"
    if "unable to open" in text and path.is_file():
        # the file is there and sound: SQLite could not make or open its -wal/-shm files beside it
        return (f"cannot open {path}: SQLite keeps {path.name}-wal and {path.name}-shm beside it and cannot make "
                "or open them there (a read-only folder or disk?); make the folder writable, or copy the file to "
                "one that is")
    if "disk" in text or "full" in text:
        return f"cannot write {path}: {text}"
    return f"database error on {path}: {text}"


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def connect(path: Path, create: bool = True) -> sqlite3.Connection:
    """Open a SQLite connection with the tool's pragmas; no migration, no write.

    WAL is switched on by `open_database` once the file is known to be ours:
    changing the journal mode rewrites the header of a file we may refuse.
    """
    os.umask(0o077)
    if path.exists():
        head = read_header(path)
        if maybe_encrypted(path, head):
            from therapy_cli.storage import crypto  # only for such files: the plain path stays lean

            conn = crypto.connect(path)
            private_file(path, keep_read_only=True)
            return conn
        check_sqlite_file(path, head)
    elif not create:
        raise DatabaseError(f"no database at {path}")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise DatabaseError(f"cannot create the directory {path.parent}: {exc.strerror}") from None
        if not os.access(path.parent, os.W_OK):
            raise DatabaseError(f"cannot create {path}: the directory is not writable")
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise DatabaseError(_explain(exc, path)) from None
    private_file(path, keep_read_only=True)
    return conn


def use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Switch the file to WAL (once: later opens find it so).

    Switching upgrades the statement's read lock to a write lock, and SQLite answers that upgrade with
    "database is locked" at once, without waiting out the busy timeout, while another connection holds a
    write lock; two first runs of the day (cron and a shell) switching a new file together meet exactly that.
    So a locked answer is tried again, within the busy timeout: by then the other has switched it, or let go.
    """
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise DatabaseError(_explain(exc, path)) from None
            time.sleep(0.01)
        except sqlite3.Error as exc:
            raise DatabaseError(_explain(exc, path)) from None


def open_database(path: Path, today: date | None = None, create: bool = True) -> Database:
    """Open (creating if needed) and migrate the caseload file."""
    from therapy_cli.storage import guard
    from therapy_cli.storage.migrations import migrate

    if path.exists() and path.is_file():
        # before SQLite opens it: a restore or encryption cannot swap the file under this command
        held = guard.shared(path, BUSY_TIMEOUT_MS / 1000)
    else:
        held = None
    try:
        conn = connect(path, create=create)
    except BaseException:
        guard.release(held)
        raise
    db = Database(conn, path, today)
    db.guard = held
    try:
        migrate(db)
        use_wal(conn, path)
    except BaseException:
        conn.close()
        guard.release(held)
        raise
    for suffix in ("-wal", "-shm"):
        private_file(f"{path}{suffix}")
    from therapy_cli.storage.files import protect

    protect(path)
    return db
