"""Export every table to CSV or JSON lines: the way out of this tool, as `import` is the way in.

Rows are streamed from the cursor to a private temporary file (mode 0600)
that replaces the target only when complete, so a million sessions never sit
in memory and an interrupted export never leaves half a file under the
target's name.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Callable, TextIO

from therapy_cli.storage.db import Database
from therapy_cli.errors import InvalidValue, TherapyError

FORMATS = ("csv", "jsonl")
FETCH = 5000


def exportable(db: Database) -> list[str]:
    """Every table of records (not the file's bookkeeping nor full-text indexes): see io/restore.py."""
    from therapy_cli.io.restore import data_tables

    return data_tables(db)


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def _order(db: Database, table: str) -> str:
    """Rows in the order they were written: rowid, or the primary key of a WITHOUT ROWID table."""
    sql = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) or ""
    if "WITHOUT ROWID" not in sql.upper():
        return "rowid"
    keys = sorted((r[5], r[1]) for r in db.execute(f"PRAGMA table_info({table})") if r[5])
    return ", ".join(f'"{name}"' for _, name in keys) or "1"


def write_rows(db: Database, table: str, fmt: str, out: TextIO,
               progress: Callable[[int], None] | None = None, raw: bool = False) -> int:
    """Stream `table` to `out` as CSV (header row first) or JSON lines; return the row count.

    CSV text cells that a spreadsheet would run as a formula get a leading `'` unless `raw`.
    """
    from therapy_cli.render import FORMULA_START, spreadsheet_safe

    columns = _columns(db, table)
    cursor = db.execute(f"SELECT * FROM {table} ORDER BY {_order(db, table)}")
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


def export_table(db: Database, table: str, fmt: str, target: Path | None,
                 progress: Callable[[int], None] | None = None, raw: bool = False, bom: bool = False) -> dict:
    """One table to a file (or to stdout when `target` is None); `raw`, `bom`: see write_rows, CSV only."""
    bom = bom and fmt == "csv"
    if target is None:
        if bom:
            sys.stdout.write("\ufeff")
        rows = write_rows(db, table, fmt, sys.stdout, progress, raw)
        return {"table": table, "rows": rows, "file": None}
    from therapy_cli.storage.files import private_stream, shown

    if target.is_dir():
        raise TherapyError(f"{shown(target)} is a directory; give a file name (or export all to a directory)")
    with private_stream(target) as fh:
        if bom:
            fh.write("\ufeff")
        rows = write_rows(db, table, fmt, fh, progress, raw)
    return {"table": table, "rows": rows, "file": str(target)}


def export(db: Database, what: str, fmt: str, output: str | None,
           progress: Callable[[str, int], None] | None = None, raw: bool = False, bom: bool = False,
           replace: Callable[[Path], None] | None = None) -> list[dict]:
    """`what` is a table name or 'all' (then `output` is a directory, created 0700 when missing). `replace` is
    asked before one table's file is written over an existing one (it raises to refuse)."""
    if fmt not in FORMATS:
        raise InvalidValue(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    tables = exportable(db)
    name = what.strip().lower().replace("-", "_")
    if name != "all" and name not in tables:
        raise InvalidValue(f"no table {what!r}; export one of: all, {', '.join(tables)}")
    step = (lambda table: (lambda n: progress(table, n))) if progress else (lambda table: None)
    if name != "all":
        if output:
            from therapy_cli.storage.files import refuse_missing_directory

            refuse_missing_directory(output)
        target = Path(output).expanduser() if output else None
        if target is not None and target.is_dir():
            target = target / f"{name}.{fmt}"
        if target is not None and replace is not None and target.is_file():
            replace(target)
        return [export_table(db, name, fmt, target, step(name), raw, bom)]
    if not output:
        raise InvalidValue("export all writes one file per table: give --output DIRECTORY")
    directory = Path(output).expanduser()
    if directory.exists() and not directory.is_dir():
        raise InvalidValue(f"{directory} is a file; export all needs a directory")
    from therapy_cli.io.restore import MANIFEST, manifest

    if replace is not None and directory.is_dir() and not (directory / MANIFEST).is_file():
        # not an earlier export's folder (it has no manifest): a contacts.csv there is someone else's file
        for table in tables:
            if (directory / f"{table}.{fmt}").is_file():
                replace(directory / f"{table}.{fmt}")
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise TherapyError(f"cannot create {directory}: {exc.strerror}") from None
    written = [export_table(db, table, fmt, directory / f"{table}.{fmt}", step(table), raw, bom) for table in tables]
    from therapy_cli.storage.files import write_private

    counts = {item["table"]: item["rows"] for item in written}
    write_private(directory / MANIFEST, json.dumps(manifest(db, counts, fmt, guarded=not raw), indent=2) + "\n")
    return written
