"""Writing files the owner alone can read, atomically, and never over a device: the one way this
program writes a file.

Every file the tool writes goes first to a temporary file named
`.therapy-tmp-PID-XXXXXXXX-NAME` in the target's directory (mode 0600), then
replaces the target in one rename, so an interrupted write never leaves half a
file (or a readable one) under the target's name: `write_private` for content in
memory, `private_stream` for rows streamed out (exports), `temp_path` for a file
SQLite fills (backups, restores, encryption). A run that is killed leaves such a
file behind; the next writer into the same directory (and `client erase`) removes
every one whose process is gone.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from therapy_cli.errors import TherapyError

TMP_PREFIX = ".therapy-tmp-"
# the caseload files this run opened (storage/db.open_database): no export, report or calendar replaces one
_CASELOADS: set[str] = set()


def shown(path: str | os.PathLike) -> str:
    """A file name fit for a one-line message: control characters and odd bytes escaped."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def check_target(path: str | os.PathLike, what: str = "write") -> Path:
    """Refuse an existing target that is not a regular file (a directory, device, FIFO or socket).

    A symlink to a regular file is allowed (the link is replaced by the new file, as before).
    """
    target = Path(path).expanduser()
    try:
        info = os.stat(target)
    except FileNotFoundError:
        refuse_missing_directory(path)
        return target
    except OSError as exc:
        raise TherapyError(f"cannot {what} {shown(target)}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise TherapyError(f"{shown(target)} is a directory; give a file name")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a character device" if stat.S_ISCHR(info.st_mode) else "a block device" if stat.S_ISBLK(info.st_mode)
                else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a socket"
                if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise TherapyError(f"{shown(target)} is {kind}; give the name of a regular file (nothing was written)")
    return target


def protect(path: str | os.PathLike) -> None:
    """`path` is a caseload this run uses: private_stream and write_private refuse to write over it."""
    _CASELOADS.add(os.path.realpath(path))


def refuse_caseload(target: Path) -> None:
    """An output file named as the caseload itself (or its -wal, -shm, -journal), through a link too: an
    export, a subject access file or a calendar written there would replace every record."""
    real = os.path.realpath(target)
    for caseload in _CASELOADS:
        if real in (caseload, *(f"{caseload}{suffix}" for suffix in ("-wal", "-shm", "-journal"))) or (
                os.path.exists(caseload) and os.path.exists(real) and os.path.samefile(caseload, real)):
            raise TherapyError(f"{shown(target)} is the caseload database itself; give another file name "
                               "(nothing was written)")


def refuse_missing_directory(path: str | os.PathLike) -> None:
    """`DIR/` names a directory: when there is none, writing a file called DIR is not what was asked."""
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    if text.endswith(("/", os.sep)) and not Path(text).expanduser().is_dir():
        raise TherapyError(f"{shown(text)} names a directory (it ends in /) and there is none; create it first "
                           "(mkdir), or give a file name")


def _directory(target: Path) -> Path:
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TherapyError(f"cannot write {shown(target)}: the directory {shown(directory)} does not exist")
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(directory: str | os.PathLike) -> list[str]:
    """Remove the temporary files (and their -wal/-shm/-journal) that killed runs left in `directory`.

    Only files whose process is gone: a temporary file of a command still running is kept.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(TMP_PREFIX):
            continue
        pid = name[len(TMP_PREFIX):].split("-", 1)[0]
        # a file of this process or of a command still running is left to its writer
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(name)
        except OSError:
            pass
    return removed


def temp_file(target: Path, tag: str = "") -> tuple[int, Path]:
    """A new private (0600) temporary file beside `target`: (open fd, path). Stale ones are swept first."""
    directory = _directory(target)
    sweep_stale(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=f"-{tag or target.name}",
                                   dir=directory)
    except OSError as exc:
        raise TherapyError(f"cannot write {shown(target)}: {exc.strerror}") from None
    os.fchmod(fd, 0o600)
    return fd, Path(tmp)


def temp_path(target: Path, tag: str = "") -> Path:
    """The name of a new private temporary file beside `target` (created empty, 0600), for SQLite to fill."""
    fd, tmp = temp_file(target, tag)
    os.close(fd)
    return tmp


def remove(path: str | os.PathLike, with_journals: bool = False) -> None:
    """Delete a file if it is there (and SQLite's -wal, -shm and -journal beside it)."""
    for suffix in ("", "-wal", "-shm", "-journal") if with_journals else ("",):
        try:
            os.unlink(f"{os.fspath(path)}{suffix}")
        except FileNotFoundError:
            pass


@contextmanager
def private_stream(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """A handle on a private temporary file that becomes `path` when the block ends without an error."""
    target = check_target(path)
    refuse_caseload(target)
    fd, tmp = temp_file(target)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_target(target)  # a device put there meanwhile is still not replaced
        os.replace(tmp, target)
    except OSError as exc:
        remove(tmp)
        raise TherapyError(f"cannot write {shown(target)}: {exc.strerror}") from None
    except BaseException:
        remove(tmp)
        raise


@contextmanager
def replacing(target: Path, failure: str, what: str = "write") -> Iterator[Path]:
    """A private temporary file beside `target` for SQLite to fill (backups, restores): it replaces `target`
    (still 0600, never over a device) when the block ends without an error, and is removed with its
    journals otherwise. An OSError on the way is a DatabaseError: `failure: reason`."""
    from therapy_cli.errors import DatabaseError

    check_target(target, what)
    tmp = temp_path(target)
    try:
        yield tmp
        os.chmod(tmp, 0o600)
        check_target(target, what)  # a device put there meanwhile is still not replaced
        os.replace(tmp, target)
    except OSError as exc:
        remove(tmp, with_journals=True)
        raise DatabaseError(f"{failure}: {exc.strerror}") from None
    except BaseException:
        remove(tmp, with_journals=True)
        raise


def write_private(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write `content` to `path` (mode 0600) through a temporary file and an atomic rename."""
    target = Path(path).expanduser()
    with private_stream(target, binary=True) as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    return target
