"""Making erased text leave the file: VACUUM, then empty the write-ahead log.

The WAL can only be emptied when no other connection is reading an older
snapshot. An erasure whose scrub cannot finish within a bound is recorded in
`_scrub_pending`; `db check` and the next write try again.
"""

from __future__ import annotations

import time

SCRUB_WAIT_SECONDS = 5.0      # `client erase` and `db check`
NEXT_WRITE_WAIT_SECONDS = 0.5  # any other write: a short try, never a long stall


def scrub(conn, wait: float | None = None) -> bool:
    """VACUUM with secure_delete and checkpoint the WAL to nothing; False when a reader kept it busy
    for `wait` seconds (default SCRUB_WAIT_SECONDS)."""
    from therapy_cli.storage.db import BUSY_TIMEOUT_MS

    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("VACUUM")
    deadline = time.monotonic() + (SCRUB_WAIT_SECONDS if wait is None else wait)
    conn.execute("PRAGMA busy_timeout = 100")  # the bound is ours, not SQLite's 30 s
    try:
        while True:
            busy, log, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy and (log <= 0 or log == done):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def record_pending(db, client_id: int | None) -> None:
    """Inside the erasing transaction: the scrub is owed until `finish_pending` succeeds."""
    from therapy_cli.storage.db import utc_now

    db.execute("INSERT INTO _scrub_pending (client_id, erased_at) VALUES (?, ?)", (client_id, utc_now()))


def finish_pending(db, wait: float | None = None) -> bool:
    """Scrub when an erasure is owed one; True when nothing is left pending.

    Outside any transaction. The marker goes only after the scrub has emptied the WAL.
    """
    owed = db.scalar("SELECT max(id) FROM _scrub_pending")
    if owed is None:
        return True
    if not scrub(db.conn, wait):
        return False
    db.execute("DELETE FROM _scrub_pending WHERE id <= ?", (owed,))  # an erasure recorded meanwhile stays owed
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return True


def finish_or_refuse(path, today, done: str) -> None:
    """Wait (within the bound) for readers to let the scrub finish; else one `Error:` saying it is pending."""
    from therapy_cli.errors import DatabaseError
    from therapy_cli.storage.db import open_database

    db = open_database(path, today=today)
    try:
        finished = finish_pending(db)
    finally:
        db.close()
    if not finished:
        raise DatabaseError(
            f"{done}, but the scrub is pending: another program is reading {path}, so the erased text is "
            f"still in the file or its -wal; close it, then run `therapy db check` (any change also finishes it)")
