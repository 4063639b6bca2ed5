"""Writing files the owner alone can read, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from therapy_cli.errors import TherapyError


def write_private(path: str | os.PathLike, content: str | bytes) -> Path:
    """Write `content` to `path` (mode 0600) through a temporary file and an atomic rename."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise TherapyError(f"{target} is a directory; give a file name")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise TherapyError(f"cannot write {target}: the directory {directory} does not exist")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise TherapyError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise TherapyError(f"cannot write {target}: {exc.strerror}") from None
    return target
