"""Writing files the owner alone can read, atomically: the one way this program writes a file.

Every file goes first to a private (0600) temporary file beside its target and
is renamed over the target only when complete, so an interrupted write never
leaves half a file (or a readable one) under the target's name:
`write_private` for content in memory, `private_stream` for rows streamed out
(exports), `replacing` for a file SQLite fills (backups, restores, encryption).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from therapy_cli.errors import TherapyError


def remove(path: Path) -> None:
    """Remove `path` if it is there."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _checked_target(path: str | os.PathLike) -> tuple[Path, Path]:
    target = Path(path).expanduser()
    if target.is_dir():
        raise TherapyError(f"{target} is a directory; give a file name")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TherapyError(f"cannot write {target}: the directory {directory} does not exist")
    return target, directory


@contextmanager
def private_stream(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """A handle on a private temporary file that becomes `path` when the block ends without an error."""
    target, directory = _checked_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise TherapyError(f"cannot write {target}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        remove(Path(tmp))
        raise TherapyError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        remove(Path(tmp))
        raise


def write_private(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write `content` to `path` (mode 0600) through a temporary file and an atomic rename."""
    target = Path(path).expanduser()
    with private_stream(target, binary=True) as fh:
        fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    return target


@contextmanager
def replacing(target: Path, purpose: str) -> Iterator[Path]:
    """An empty private file `.NAME.PURPOSE` beside `target` for SQLite to fill; renamed over `target` (still
    0600) when the block ends without an error, removed otherwise. The block may raise to keep `target`."""
    tmp = target.with_name(f".{target.name}.{purpose}")
    remove(tmp)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        yield tmp
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        remove(tmp)
        raise
