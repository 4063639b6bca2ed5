"""Writing text in the practitioner's own editor, as `git commit` does.

The text lives in a private (0600) temporary file beside the database, never
in shell history or the system's shared temporary directory, and the file is
removed whatever happens: saved, cancelled, editor failure, Ctrl-C, hang-up.
When the editor ends without a usable text (it failed, was interrupted, or saved
in another encoding) after changes were saved, the error carries the saved bytes
(`EditorFailed.saved`) so the caller can keep them: the file itself still goes.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from therapy_cli.errors import InvalidValue, Refused

FALLBACK_EDITOR = "vi"


class EditorFailed(Refused):
    """The editor ended without a text to write. `saved`: the bytes it left in the file when they differ from
    what it opened with (raw, whatever their encoding), else None: nothing typed is lost with the file."""

    def __init__(self, message: str, saved: bytes | None = None):
        super().__init__(message)
        self.saved = saved


class NotUTF8(EditorFailed):
    """The editor saved text in another encoding: `saved` holds the bytes as they are."""


class Interrupted(EditorFailed):
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


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None  # the editor removed the file


def _changed(saved: bytes | None, initial: str) -> bytes | None:
    """`saved` when it holds something other than the starting text (bytes that are not UTF-8 always do)."""
    if saved is None:
        return None
    try:
        text = saved.decode("utf-8-sig")
    except UnicodeDecodeError:
        return saved
    return None if not text.strip() or text.strip() == initial.strip() else saved


def edit(initial: str, directory: Path, what: str = "note") -> str | None:
    """Open the editor on a private file holding `initial`.

    Returns the text saved, or None when it was left empty or unchanged. Raises
    EditorFailed when the editor fails or saves text that is not UTF-8, and
    Interrupted when it was interrupted; either carries what was saved, if changed.
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
            raise Interrupted(f"stopped (hang-up or TERM) while the {what} was open; nothing was written",
                              _changed(_read(path), initial)) from None
        saved = _read(path)
        if code in (-signal.SIGINT, 128 + signal.SIGINT):
            raise Interrupted(f"the editor was interrupted; the {what} was not written", _changed(saved, initial))
        if code != 0:   # vim can exit 1 after a normal :wq (an error met on the way): what was saved is kept
            raise EditorFailed(f"the editor ({argv[0]}) exited with status {code}; the {what} was not written",
                               _changed(saved, initial))
        if saved is None:
            return None  # the editor removed the file: nothing to write
        try:
            text = saved.decode("utf-8-sig")   # a byte-order mark some editors write is not part of the text
        except UnicodeDecodeError:
            raise NotUTF8(f"the {what} was not saved as UTF-8 text; nothing was written", saved) from None
    finally:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    if not text.strip() or text.strip() == initial.strip():
        return None
    return text
