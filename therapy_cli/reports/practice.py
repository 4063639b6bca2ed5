"""A practice of several practitioners: one row per practitioner's file, and a total.

Each practitioner keeps their own file; a service lead rolls the figures up
without merging them. Every file is opened read-only (SQLite `mode=ro`), and
only aggregate figures leave it: the period report and the outcome summary
hold counts, hours and rates, never a client's name, id or date of birth.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

from therapy_cli.errors import DatabaseError, InvalidValue, NotFound, WrongForm
from therapy_cli.storage.db import Database

# Figures that are not summed into the total: rates are recomputed from the summed counts.
_RATES = {"dna_rate"}


def practice_files(files: list[str], directory: str | None) -> list[Path]:
    """The files named, or every `*.db` in the directory, in a stable order; none twice. A folder's
    `*-before-restore-*.db` (the file a `db restore` replaced, kept beside it) is another copy of a
    practitioner's caseload, not another practitioner: left out."""
    for option, value in [*(("--file", f) for f in files), ("--dir", directory)]:
        if value is not None and not value.strip():
            # `--dir "$CASELOADS"` with the variable unset would otherwise report on the current folder
            raise WrongForm(f"{option} is empty; give the path (an unset variable in a script?)")
    paths: list[Path] = [Path(f).expanduser() for f in files]
    if directory is not None:
        folder = Path(directory).expanduser()
        if not folder.is_dir():
            raise NotFound(f"no folder {folder}")
        from therapy_cli.storage.files import TMP_PREFIX
        from therapy_cli.storage.maintenance import RESTORE_MARK

        # a link whose target is gone (a practitioner's share not mounted) is kept, and refused when opened:
        # left out, that practitioner would silently drop out of the total. A `.therapy-tmp-…-NAME.db` is a
        # `db backup` into the folder still being written (or one a killed run left): not a practitioner
        every = sorted(p for p in folder.glob("*.db")
                       if (p.is_file() or p.is_symlink()) and not p.name.startswith(TMP_PREFIX))
        found = [p for p in every if RESTORE_MARK not in p.name]
        if not found:
            kept = f" (only the {len(every)} cop{'y' if len(every) == 1 else 'ies'} db restore kept; name one with " \
                   "--file to report on it)" if every else ""
            raise NotFound(f"no *.db files in {folder}{kept}")
        paths += found
    if not paths:
        raise InvalidValue("name the practitioners' files with --file PATH (repeatable) or --dir DIR")
    unique: list[Path] = []
    seen: set = set()
    for path in paths:
        # one file under two names (a symlink, a relative path, a hard link): its device and inode
        try:
            stat = path.stat()
            key: object = (stat.st_dev, stat.st_ino)
        except OSError:
            key = str(path.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def open_read_only(path: Path, today: date | None = None) -> Database:
    """A practitioner's file, read-only: nothing in it (bytes, mtime, mode) is changed by reading."""
    from urllib.parse import quote

    from therapy_cli.storage.db import BUSY_TIMEOUT_MS, check_sqlite_file, maybe_encrypted, read_header

    if not path.is_file():
        gone = f" (a link to {os.readlink(path)}, which is not there)" if path.is_symlink() else ""
        raise NotFound(f"no caseload file at {path}{gone}")
    head = read_header(path)
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    if maybe_encrypted(path, head):
        from therapy_cli.storage import crypto

        conn = crypto.open_read_only(uri, crypto.get_key(path), path)
    else:
        check_sqlite_file(path, head, allow_empty=False)
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {path}: {exc}") from None
    try:
        _check_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return Database(conn, path, today)


def unreadable(path: Path, exc: Exception) -> str:
    """What to say when SQLite cannot read `path`. A live file is in write-ahead-log mode (header byte 18
    is 2): even a read-only reader needs its `-shm` file, made beside it, so in a folder the reader cannot
    write to SQLite says 'attempt to write a readonly database' of a file that is perfectly sound."""
    text = str(exc)
    try:
        with open(path, "rb") as fh:
            wal = fh.read(20)[18:19] == b"\x02"
    except OSError:
        wal = False
    if "locked" in text or "busy" in text:
        # a backup copy (rollback journal) being written as the roll-up runs: a sound file, held for now
        return f"{path} is busy (being written to, e.g. by a backup into it); try again when it is done"
    if wal and ("readonly" in text or "unable to open" in text):
        return (f"cannot read {path} from here: it is a live file in write-ahead-log mode, and reading it needs "
                f"{path.name}-shm beside it in a folder you cannot write to; report on a backup of it "
                "('therapy db backup' copies read from anywhere) or get write access to its folder")
    return f"{path} is not a usable caseload database ({text})"


def _check_schema(conn, path: Path) -> None:
    """Ours and of this version: a newer or foreign file is one error naming it."""
    from therapy_cli.storage.migrations import MIGRATIONS

    try:
        has = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
                           ).fetchone()[0]
        applied = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")] if has else None
    except Exception as exc:  # sqlite3 or sqlcipher3 DatabaseError
        raise DatabaseError(unreadable(path, exc)) from None
    if applied is None:
        raise DatabaseError(f"{path} is not a therapy caseload")
    known = [m.__name__ for m in MIGRATIONS]
    newer = [name for name in applied if name not in known]
    if newer:
        raise DatabaseError(f"{path} was written by a newer version of therapy (schema {newer[-1]}); "
                            "upgrade therapy to read it")
    if len(applied) < len(known):
        raise DatabaseError(f"{path} was written by an older version of therapy; its practitioner opens it "
                            f"once with this version (e.g. therapy --db {path} db check), then it can be read")


def practitioner_name(db: Database) -> str:
    """The file's `practitioner.name` setting, else the file's name without `.db`."""
    row = db.execute("SELECT value FROM settings WHERE key = 'practitioner.name'").fetchone()
    name = (row[0] or "").strip() if row else ""
    return name or db.path.stem


def _each(paths: list[Path], today: date | None, figures,
          warnings: list[str] | None = None) -> list[tuple[str, Path, object]]:
    """Open each file read-only inside one read transaction and take its figures. `warnings` receives a line
    for two files that look like one caseload (a backup beside the file it copies would count its clients twice)."""
    out = []
    births: dict[tuple, Path] = {}
    names: dict[str, Path] = {}
    for path in paths:
        db = open_read_only(path, today)
        try:
            db.execute("BEGIN")
            try:
                name = practitioner_name(db)
                out.append((name, path, figures(db)))
                # a caseload's first audit row is written when its first record is: copies share it
                birth = db.execute("SELECT at, action, record_type, record_id, summary FROM audit "
                                   "ORDER BY id LIMIT 1").fetchone()
            finally:
                db.execute("ROLLBACK")
        finally:
            db.conn.close()
        if warnings is None:
            continue
        twin = births.get(tuple(birth)) if birth else None
        if twin is not None:
            warnings.append(f"{twin} and {path} are copies of one caseload (the same first record, "
                            f"{birth[0][:10]}): its figures are counted twice in the total; report on one of them")
        elif name in names:
            warnings.append(f"{names[name]} and {path} are both named {name!r} (practitioner.name): if they are "
                            "one practitioner's files, the total counts that caseload twice; if two, set "
                            "practitioner.name in each")
        if birth:
            births.setdefault(tuple(birth), path)
        names.setdefault(name, path)
    return out


def _add(total: dict, figures: dict) -> None:
    for key, value in figures.items():
        if key in _RATES or isinstance(value, bool) or value is None:
            continue
        if isinstance(value, dict):
            _add(total.setdefault(key, {}), value)
        elif isinstance(value, (int, float)):
            total[key] = total.get(key, 0) + value


def _round(total: dict) -> dict:
    for key, value in total.items():
        if isinstance(value, dict):
            _round(value)
        elif isinstance(value, float):
            total[key] = round(value, 2)
    return total


def period_rollup(paths: list[Path], start: date, end: date, kind: str, today: date | None = None,
                  warnings: list[str] | None = None) -> dict:
    """`practice report week|month`: each file's period report (with its own targets) and the total."""
    from therapy_cli.reports.service import period_report, shown_hours

    exacts: list[dict] = []

    def report_of(db):
        exacts.append({})
        return period_report(db, start, end, kind, exact_out=exacts[-1])

    rows = _each(paths, today, report_of, warnings)
    practitioners = []
    total: dict = {}
    for name, path, report in rows:
        figures = {k: v for k, v in report.items() if k != "period"}
        practitioners.append({"name": name, "file": str(path), **figures})
        _add(total, {k: v for k, v in figures.items() if k != "targets"})
    _round(total)
    # hours added up from each file's exact figure, then rounded once: 190 + 190 minutes are 6.33 hours, not
    # 3.17 + 3.17 (skipped files have no exact figures; `exacts` holds one per report read)
    for key in ("clinical_hours", "training_hours", "supervision_hours", "supervision_given_hours", "cpd_hours"):
        if key in total:
            total[key] = shown_hours(sum(e.get(key, 0.0) for e in exacts))
    sessions = total.get("sessions", {})
    attended, dna = sessions.get("attended", 0), sessions.get("dna", 0)
    total["dna_rate"] = round(dna / (attended + dna), 4) if attended + dna else 0.0
    total["practitioners"] = len(practitioners)
    return {"period": {"start": start.isoformat(), "end": end.isoformat()},
            "practitioners": practitioners, "total": total}


def outcomes_rollup(paths: list[Path], start: date, end: date, today: date | None = None,
                    warnings: list[str] | None = None) -> dict:
    """`practice report outcomes`: each file's outcome summary; the total is the same rules applied to
    every file's discharged clients pooled (medians and rates are not sums)."""
    from therapy_cli.reports import service

    pooled: list[dict] = []

    def figures(db: Database) -> dict:
        cases = service.outcome_cases(db, start, end)
        pooled.extend(cases)
        return service._summarise(cases)

    rows = _each(paths, today, figures, warnings)
    practitioners = [{"name": name, "file": str(path), **summary} for name, path, summary in rows]
    total = service._summarise(pooled)
    total["practitioners"] = len(practitioners)
    return {"period": {"start": start.isoformat(), "end": end.isoformat()},
            "practitioners": practitioners, "total": total}
