"""Export every table to CSV or JSON lines: the way out of this tool, as `import` is the way in.

Rows are streamed from the cursor to a private temporary file (mode 0600)
that replaces the target only when complete, so a million sessions never sit
in memory and an interrupted export never leaves half a file under the
target's name.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Callable, TextIO

from therapy_cli.storage.db import Database
from therapy_cli.errors import InvalidValue, TherapyError

FORMATS = ("csv", "jsonl")
FETCH = 5000
# Internal bookkeeping, not caseload data.
HIDDEN = ("_migrations", "_scrub_pending")
# Derived from the notes and rebuilt by triggers: the search index and its shadow tables.
DERIVED = ("notes_fts",)


def exportable(db: Database) -> list[str]:
    return [t for t in db.tables()
            if t not in HIDDEN and not any(t == d or t.startswith(f"{d}_") for d in DERIVED)]


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def write_rows(db: Database, table: str, fmt: str, out: TextIO,
               progress: Callable[[int], None] | None = None, raw: bool = False) -> int:
    """Stream `table` to `out` as CSV (header row first) or JSON lines; return the row count.

    CSV text cells that a spreadsheet would run as a formula get a leading `'` unless `raw`.
    """
    from therapy_cli.render import FORMULA_START, spreadsheet_safe

    columns = _columns(db, table)
    cursor = db.execute(f"SELECT * FROM {table} ORDER BY rowid")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        risky = frozenset(FORMULA_START)
        while True:
            rows = cursor.fetchmany(FETCH)
            if not rows:
                break
            if not raw:
                rows = [row if not any(v.__class__ is str and v[:1] in risky for v in row)
                        else tuple(spreadsheet_safe(v) for v in row) for row in rows]
            writer.writerows(rows)
            count += len(rows)
            if progress:
                progress(count)
    else:
        dumps = json.dumps
        while True:
            rows = cursor.fetchmany(FETCH)
            if not rows:
                break
            out.writelines(dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n" for row in rows)
            count += len(rows)
            if progress:
                progress(count)
    return count


def _private_stream(target: Path):
    from therapy_cli.storage.files import check_target, shown, temp_file

    if target.is_dir():
        raise TherapyError(f"{shown(target)} is a directory; give a file name (or export all to a directory)")
    check_target(target)
    fd, tmp = temp_file(target)
    return os.fdopen(fd, "w", encoding="utf-8", newline=""), tmp


def export_table(db: Database, table: str, fmt: str, target: Path | None,
                 progress: Callable[[int], None] | None = None, raw: bool = False, bom: bool = False) -> dict:
    """One table to a file (or to stdout when `target` is None); `raw`, `bom`: see write_rows, CSV only."""
    bom = bom and fmt == "csv"
    if target is None:
        if bom:
            sys.stdout.write("\ufeff")
        rows = write_rows(db, table, fmt, sys.stdout, progress, raw)
        return {"table": table, "rows": rows, "file": None}
    fh, tmp = _private_stream(target)
    try:
        with fh:
            if bom:
                fh.write("\ufeff")
            rows = write_rows(db, table, fmt, fh, progress, raw)
            fh.flush()
            os.fsync(fh.fileno())
        from therapy_cli.storage.files import check_target

        check_target(target)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return {"table": table, "rows": rows, "file": str(target)}


def export(db: Database, what: str, fmt: str, output: str | None,
           progress: Callable[[str, int], None] | None = None, raw: bool = False, bom: bool = False) -> list[dict]:
    """`what` is a table name or 'all' (then `output` is a directory, created 0700 when missing)."""
    if fmt not in FORMATS:
        raise InvalidValue(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    tables = exportable(db)
    name = what.strip().lower().replace("-", "_")
    if name != "all" and name not in tables:
        raise InvalidValue(f"no table {what!r}; export one of: all, {', '.join(tables)}")
    step = (lambda table: (lambda n: progress(table, n))) if progress else (lambda table: None)
    if name != "all":
        target = Path(output).expanduser() if output else None
        if target is not None and target.is_dir():
            target = target / f"{name}.{fmt}"
        return [export_table(db, name, fmt, target, step(name), raw, bom)]
    if not output:
        raise InvalidValue("export all writes one file per table: give --output DIRECTORY")
    directory = Path(output).expanduser()
    if directory.exists() and not directory.is_dir():
        raise InvalidValue(f"{directory} is a file; export all needs a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise TherapyError(f"cannot create {directory}: {exc.strerror}") from None
    return [export_table(db, table, fmt, directory / f"{table}.{fmt}", step(table), raw, bom) for table in tables]
