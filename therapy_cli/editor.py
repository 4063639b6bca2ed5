"""Writing text in the practitioner's own editor, as `git commit` does.

The text lives in a private (0600) temporary file beside the database, never
in shell history or the system's shared temporary directory, and the file is
removed whatever happens: saved, cancelled, editor failure, Ctrl-C, hang-up.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from therapy_cli.errors import InvalidValue, Refused

FALLBACK_EDITOR = "vi"


class Interrupted(Refused):
    """The editor was interrupted (Ctrl-C): nothing is written; the shell's usual status."""

    exit_code = 130


def editor_command() -> list[str]:
    """`$VISUAL`, else `$EDITOR`, else vi, split as a shell would split its words."""
    text = (os.environ.get("VISUAL") or "").strip() or (os.environ.get("EDITOR") or "").strip() or FALLBACK_EDITOR
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise InvalidValue(f"cannot read the editor command {text!r} ($VISUAL/$EDITOR): {exc}") from None
    return argv or [FALLBACK_EDITOR]


class _HungUp(Exception):
    pass


def _hang_up(signum, frame):
    raise _HungUp()


def _run(argv: list[str]) -> int:
    """Run the editor in the foreground; while it runs, Ctrl-C belongs to it (git does the same)."""
    try:
        process = subprocess.Popen(argv)
    except FileNotFoundError:
        raise Refused(f"cannot run the editor {argv[0]!r}: not found; set $VISUAL or $EDITOR") from None
    except PermissionError:
        raise Refused(f"cannot run the editor {argv[0]!r}: permission denied") from None
    previous = {}
    for name, handler in (("SIGINT", signal.SIG_IGN), ("SIGQUIT", signal.SIG_IGN),
                          ("SIGHUP", _hang_up), ("SIGTERM", _hang_up)):
        if hasattr(signal, name):  # SIGQUIT and SIGHUP are POSIX only
            signum = getattr(signal, name)
            previous[signum] = signal.signal(signum, handler)
    try:
        return process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def edit(initial: str, directory: Path, what: str = "note") -> str | None:
    """Open the editor on a private file holding `initial`.

    Returns the text saved, or None when it was left empty or unchanged. Raises
    Refused when the editor fails and Interrupted when it was interrupted.
    """
    argv = editor_command()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    from therapy_cli.storage.files import temp_file

    # the one temporary name (`.therapy-tmp-PID-…`): if therapy is killed while the editor is open, the draft
    # is swept by the next command that writes there (and by `client erase`), as any other leftover is
    fd, path = temp_file(directory / f"{what}.txt", f"{what}.txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(initial)
        try:
            code = _run([*argv, str(path)])
        except _HungUp:
            raise Interrupted(f"stopped (hang-up or TERM) while the {what} was open; nothing was written") from None
        if code in (-signal.SIGINT, 128 + signal.SIGINT):
            raise Interrupted(f"the editor was interrupted; the {what} was not written")
        if code != 0:
            raise Refused(f"the editor ({argv[0]}) exited with status {code}; the {what} was not written")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidValue(f"the {what} was not saved as UTF-8 text; nothing was written") from None
        except FileNotFoundError:
            return None  # the editor removed the file: nothing to write
    finally:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    if not text.strip() or text.strip() == initial.strip():
        return None
    return text
