"""Who may replace the caseload file: a shared lock for every command, an exclusive one for a swap.

`db encrypt`, `db decrypt`, `db restore` and `demo` replace the file by a rename.
SQLite's own lock cannot protect that: a command already waiting on the old
file would get the lock once the swap is done and commit to the old, unlinked
file — a write reported as saved and gone. So every command holds a shared
`flock` on the file it opens for as long as it has it open (taken before
SQLite opens it), and a command that replaces the file holds an exclusive one
on the old file across the swap. A command that waited checks, once it has
its lock, that the file it locked is still the one at the path; if not, it
opens the new one. (flock locks are apart from SQLite's fcntl locks.)
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from therapy_cli.errors import DatabaseError


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _hold(path: Path, mode: int, wait: float) -> int | None:
    """An fd on the file now at `path` with lock `mode`, or None when there is no file there."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError:
            return None  # unreadable: opening it proper gives the clear error
        try:
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if not isinstance(exc, BlockingIOError):
                        return fd  # no flock on this file system (ENOLCK): SQLite's own locking only
                    if time.monotonic() >= deadline:
                        raise DatabaseError(f"the database {path} is busy (another therapy command holds it; "
                                            "a restore, encryption or demo waits for it to finish); try again")
                    time.sleep(0.02)
            if _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was replaced while we waited: lock the new one


def shared(path: Path, wait: float) -> int | None:
    """For every command that opens the caseload: released by `release` when it closes."""
    return _hold(path, fcntl.LOCK_SH, wait)


def exclusive(path: Path, wait: float) -> int | None:
    """For a command that replaces the file: no other therapy command has it open while held."""
    return _hold(path, fcntl.LOCK_EX, wait)


def release(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
