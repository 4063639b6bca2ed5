"""Bulk import from other practice systems: clients, sessions and measures.

Reads a file (io/reading.py: CSV as a spreadsheet saves it, or JSON lines; `-`
for standard input), checks every row by the rules the interactive commands
use (one loader per table: io/load_clients.py, load_sessions.py,
load_measures.py), and writes the good rows in one transaction through
`executemany` in batches: no per-row commits. A file with any bad row writes
nothing unless `skip_invalid` is set. docs/import.md describes the rules for
the practitioner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from therapy_cli.errors import InvalidValue, TherapyError
from therapy_cli.io.loading import DATE_ORDERS, ImportOptions, TableImport, plural
from therapy_cli.io.reading import Source, normalise_header, parse_mapping
from therapy_cli.storage.db import Database

__all__ = ["DATE_ORDERS", "ImportOptions", "ImportResult", "InvalidRows", "import_file", "normalise_header",
           "parse_mapping", "parse_values", "plural"]

TABLES = ("clients", "sessions", "measures")
BATCH = 5000
IMPORT_CACHE_KIB = 65536
MAX_KEPT_ERRORS = 1000


class InvalidRows(TherapyError):
    """Some rows are invalid and nothing was written; `errors` lists (line, reason)."""

    def __init__(self, errors: list[tuple[int, str]], total: int, valid: int):
        self.errors = errors
        self.total = total
        self.valid = valid
        if total == 1:
            line, reason = errors[0]
            text = f"line {line}: {reason}; nothing was imported (fix the row, or use --skip-invalid)"
        else:
            text = (f"{total} invalid rows ({_lines(errors, total)}); nothing was imported "
                    + (f"(fix them, or use --skip-invalid to import the {plural(valid, 'valid row')})" if valid
                       else "(no row is valid)"))
        super().__init__(text)


def _lines(errors: list[tuple[int, str]], total: int, shown: int = 10) -> str:
    listed = ", ".join(str(line) for line, _ in errors[:shown])
    more = f" and {total - shown} more" if total > shown else ""
    return f"line{'s' if total > 1 else ''} {listed}{more}"


@dataclass
class ImportResult:
    table: str
    file: str
    rows: int = 0                 # data rows read (blank rows not counted)
    imported: int = 0
    skipped: list = field(default_factory=list)   # (line, reason), at most MAX_KEPT_ERRORS kept
    skipped_count: int = 0
    dry_run: bool = False
    first_id: int | None = None
    last_id: int | None = None
    ignored_columns: list = field(default_factory=list)
    status_defaulted: int = 0     # rows given --status-default

    def as_dict(self) -> dict:
        return {
            "table": self.table, "file": self.file, "rows": self.rows, "imported": self.imported,
            "skipped": self.skipped_count,
            "skipped_rows": [{"line": line, "error": reason} for line, reason in self.skipped],
            "dry_run": self.dry_run, "first_id": self.first_id, "last_id": self.last_id,
            "ignored_columns": self.ignored_columns, "status_defaulted": self.status_defaulted,
        }


# -- the one entry point ---------------------------------------------------------------

def importer_for(table: str):
    """The loader class of `table`."""
    from therapy_cli.io.load_clients import ClientsImport
    from therapy_cli.io.load_measures import MeasuresImport
    from therapy_cli.io.load_sessions import SessionsImport

    loaders = {"clients": ClientsImport, "sessions": SessionsImport, "measures": MeasuresImport}
    if table not in loaders:
        raise InvalidValue(f"cannot import {table!r}; choose one of {', '.join(TABLES)}")
    return loaders[table]


def parse_values(pairs: list[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """`--value FIELD 'FROM'=TO` options → {field: {from (case-folded, spacing aside): to}}."""
    values: dict[str, dict[str, str]] = {}
    for name, pair in pairs or []:
        source, sep, target = pair.rpartition("=")
        source = source.strip().strip("'\"").strip()
        if not sep or not name.strip() or not source or not target.strip():
            raise InvalidValue(f"--value {name} {pair!r} is not FIELD 'FROM'=TO, e.g. --value status 'No Show'=dna")
        word = " ".join(source.split()).casefold()
        field_values = values.setdefault(normalise_header(name), {})
        if word in field_values:
            raise InvalidValue(f"--value {name} {source!r}=... is given twice; give each word once")
        field_values[word] = target.strip()
    return values


def import_file(db: Database, table: str, path: str | Path, mapping: dict[str, str] | None = None,
                skip_invalid: bool = False, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None,
                options: ImportOptions | None = None) -> ImportResult:
    """Check every row of `path` and insert the valid ones into `table` (inside the caller's transaction).

    Any invalid row without `skip_invalid` raises InvalidRows (the caller's
    transaction rolls back). `dry_run` checks and inserts inside a savepoint
    that is rolled back, so the database's own constraints are exercised too.
    `progress(chars_read, file_chars)` is called every few thousand rows.
    """
    loader = importer_for(table)
    options = options or ImportOptions()
    stray = [name for name in options.values or {} if name not in loader.word_fields]
    if stray:   # a misspelt field (`stauts`) would otherwise map nothing, and say nothing
        raise InvalidValue(f"--value {stray[0]} ...: the {table} import reads --value for "
                           f"{', '.join(loader.word_fields)} only")
    mapping = mapping if mapping is not None else options.mapping
    path = Path(path).expanduser() if str(path) != "-" else Path("-")
    source = Source(path)
    try:
        importer = loader(db, options)
        columns, ignored = importer.resolve_columns(source.header, mapping or {})
        result = ImportResult(table=table, file=source.name if source.stdin else str(path), dry_run=dry_run,
                              ignored_columns=ignored)
        size = source.size()
        errors: list[tuple[int, str]] = []
        error_count = 0
        valid = 0
        first_id = last_id = None
        # A bigger page cache while the indexes of a large table grow in random order
        # (starts_utc, local_date): 2 MB by default, 64 MB here, given back afterwards.
        cache = db.scalar("PRAGMA cache_size")
        db.execute(f"PRAGMA cache_size = {min(int(cache), -IMPORT_CACHE_KIB) if cache < 0 else -IMPORT_CACHE_KIB}")
        db.execute("SAVEPOINT import_file")
        try:
            check = importer.row
            for line, cells in source.rows(columns, lambda keys: importer.resolve_columns(keys, mapping or {})[0]):
                result.rows += 1
                if isinstance(cells, str):
                    reason = cells
                else:
                    importer.line = line
                    try:
                        new_id = check(cells)
                    except TherapyError as exc:
                        reason = str(exc)
                    else:
                        valid += 1
                        if first_id is None:
                            first_id = new_id
                        last_id = new_id
                        if len(importer.pending) >= BATCH:
                            if error_count and not skip_invalid:
                                importer.pending.clear()   # it will all be rolled back: stop writing
                            else:
                                _flush(importer, line)
                        if progress and result.rows % BATCH == 0:
                            progress(source.chars_read, size)
                        continue
                error_count += 1
                if len(errors) < MAX_KEPT_ERRORS:
                    errors.append((line, reason))
            if error_count and not skip_invalid:
                raise InvalidRows(errors, error_count, valid)
            _flush(importer, None)
            importer.finish(valid)
            if progress:
                progress(size, size)
        except BaseException:
            db.execute("ROLLBACK TO import_file")
            db.execute("RELEASE import_file")
            raise
        if dry_run:
            db.execute("ROLLBACK TO import_file")
        db.execute("RELEASE import_file")
        db.execute(f"PRAGMA cache_size = {int(cache)}")
    finally:
        source.close()
    result.imported = valid
    result.skipped = errors
    result.skipped_count = error_count
    result.first_id, result.last_id = first_id, last_id
    result.status_defaulted = getattr(importer, "defaulted", 0)
    return result


def _flush(importer: TableImport, line: int | None) -> None:
    import sqlite3

    try:
        importer.flush()
    except sqlite3.IntegrityError as exc:
        where = f"before line {line}" if line else "at the end of the file"
        raise InvalidValue(f"the database refused a row {where}: {exc}") from None
