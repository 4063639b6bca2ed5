"""Unsaved notes: text written in the editor that could not be written to the caseload is kept, not lost.

A note refused once the editor has closed (too long, a control character, the
caseload busy), saved in another encoding, or left behind by an editor that
failed or was interrupted is kept in a private (0600) file beside the caseload,
`therapy-unsaved-note-session-ID-CASELOAD-YYYYMMDD-HHMMSS[-N].txt` (CASELOAD: the
caseload file's name without `.db`). The name carries the session id and the
caseload, so erasing a client removes the drafts of their sessions in that
caseload, and never another's (demo.db beside caseload.db has a session 1 too).
This module is the one place that knows the name.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

PREFIX = "therapy-unsaved-note-session-"
_NAME = re.compile(rf"{PREFIX}(\d+)-(.+)-\d{{8}}-\d{{6}}(?:-\d+)?\.txt")


def caseload_name(path: Path) -> str:
    """The caseload's part of a draft's name: its file name without `.db`, kept to plain characters."""
    name = path.name[:-3] if path.name.endswith(".db") else path.name
    return re.sub(r"[^A-Za-z0-9._]+", "_", name) or "caseload"


def keep(directory: Path, caseload: Path, session_id: int, saved: bytes) -> Path | None:
    """Write `saved` as it is (raw bytes) to a new private file for the session of `caseload`; never over an
    earlier one. None when no file could be made (the caller's first error still stands)."""
    stem = f"{PREFIX}{session_id}-{caseload_name(caseload)}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 100):
        path = directory / f"{stem}{'' if n == 1 else f'-{n}'}.txt"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError:
            return None
        with os.fdopen(fd, "wb") as fh:
            fh.write(saved)
        return path
    return None


def of_sessions(directory: Path, caseloads: list[Path], session_ids) -> list[Path]:
    """The unsaved-note files in `directory` that belong to these sessions of the caseload (named by any of
    `caseloads`: the path given and the file it links to), in name order."""
    wanted = {int(s) for s in session_ids}
    mine = {caseload_name(p) for p in caseloads}
    if not wanted:
        return []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        match = _NAME.fullmatch(name)
        if match and int(match.group(1)) in wanted and match.group(2) in mine:
            found.append(directory / name)
    return sorted(found)


def remove(paths: list[Path]) -> tuple[int, list[tuple[Path, str]]]:
    """Delete these files: (how many were removed, [(path, why not)] for those that could not be)."""
    removed, failed = 0, []
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass   # gone meanwhile (the practitioner deleted it): nothing left to remove
        except OSError as exc:
            failed.append((path, exc.strerror or exc.__class__.__name__))
    return removed, failed
