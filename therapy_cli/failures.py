"""How a failed run is told: one `Error:` line on stderr and an exit code, never a traceback.

Used by the click root (`cli.TherapyGroup.invoke`) and by the fast path (`fast.py`), so an error reads
the same whichever parsed the arguments. Nothing here imports click or Typer.
"""

from __future__ import annotations

import os
import sqlite3
import sys

from therapy_cli import ISSUES_URL
from therapy_cli.errors import TherapyError


def explain(exc: BaseException) -> int | None:
    """Print what went wrong and return the exit code; None when the exception must go on up
    (THERAPY_DEBUG=1, or click's and Typer's own exceptions, which click reports itself)."""
    debug = bool(os.environ.get("THERAPY_DEBUG"))
    if isinstance(exc, TherapyError):
        print(f"Error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    if not debug and (isinstance(exc, sqlite3.Error) or exc.__class__.__module__.startswith("sqlcipher3")):
        from therapy_cli.storage.db import damaged

        if damaged(exc):   # a page SQLite cannot read: the file, not the tool; db check and db restore go on
            print(f"Error: the database file is damaged or unreadable ({one_line(str(exc))}); the command stopped "
                  f"and {unchanged()}: 'therapy db check' says more, 'therapy db restore BACKUP' restores "
                  "your latest backup", file=sys.stderr)
            return 1
    if isinstance(exc, sqlite3.OperationalError):
        return None if debug else operational(exc)
    if isinstance(exc, BrokenPipeError):
        quiet_broken_pipe()
        return 1
    if isinstance(exc, OverflowError):
        # an id or count beyond SQLite's 64-bit integers, or a date past year 9999
        print(f"Error: a number or date given is out of range; {unchanged()}", file=sys.stderr)
        return 1
    if isinstance(exc, UnicodeError):
        # invalid bytes in an argument (a lone surrogate once decoded) cannot be stored or shown as text
        if debug:
            return None
        print("Error: a value given is not valid UTF-8 text (invalid bytes, or a lone surrogate); "
              f"{unchanged()}", file=sys.stderr)
        return 1
    if isinstance(exc, OSError):
        # a file given on the command line that cannot be used (name too long, permissions, a full disk)
        if debug:
            return None
        name = str(exc.filename) if exc.filename is not None else "a file"
        if len(name) > 120:
            name = f"{name[:60]}…{name[-40:]}"
        print(f"Error: cannot use {one_line(name)}: {exc.strerror or exc.__class__.__name__}; "
              f"{unchanged()}", file=sys.stderr)
        return 1
    if isinstance(exc, RuntimeError) and str(exc) == "Could not determine home directory." and not debug:
        # pathlib's expanduser() on a path given as ~name for a user this machine does not have (~0, ~bob)
        print("Error: a path given begins with ~ for a user whose home folder is not known here; give the folder "
              f"in full; {unchanged()}", file=sys.stderr)
        return 1
    if not isinstance(exc, Exception) or debug or exc.__class__.__module__.startswith(("click", "typer")):
        return None
    if exc.__class__.__name__ == "OperationalError" and exc.__class__.__module__.startswith("sqlcipher3"):
        return operational(exc)  # an encrypted file's driver has its own exception classes
    # Never show locals or arguments: they may hold client data.
    print(f"Error: internal error ({exc.__class__.__name__}); {unchanged()}. "
          f"Please report it at {ISSUES_URL} (THERAPY_DEBUG=1 shows the details).", file=sys.stderr)
    return 1


def new_run() -> None:
    """A command begins: nothing of it is saved yet (one process runs several in tests, and `demo`'s own)."""
    db = sys.modules.get("therapy_cli.storage.db")
    if db is not None:
        db.SAVED = False


def unchanged() -> str:
    """`nothing was changed`, unless this run already committed a write (the error came after it: the result
    printed to a full disk, say), when that would send the practitioner to do it again."""
    db = sys.modules.get("therapy_cli.storage.db")   # not imported: nothing was opened, let alone written
    if db is not None and getattr(db, "SAVED", False):
        return "what the command wrote was saved before this (check it before running the command again)"
    return "nothing was changed"


def operational(exc: Exception) -> int:
    text = str(exc)
    if "locked" in text or "busy" in text:
        print("Error: the database is busy (another therapy command holds it); try again", file=sys.stderr)
    else:
        print(f"Error: the database could not complete the request ({one_line(text)}); {unchanged()}",
              file=sys.stderr)
    return 1


def one_line(text: str) -> str:
    """An error is one line even when it echoes what the user typed: line breaks and controls escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\t" else ascii(ch)[1:-1] for ch in text)


def quiet_broken_pipe() -> None:
    """The reader went away (`therapy report ... | head`): stop quietly, as Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
