"""`export all` and `import all`: every record of the file out to a directory and back, ids kept.

Generic over the schema: the tables are read from `sqlite_master`, so a table a
later migration adds (risk, invoices, reminder sends, ...) travels without a
change here. Left out: the file's own bookkeeping (`_migrations`, `sqlite_*`)
and full-text indexes (virtual tables and their shadow tables), which the
triggers of the restored rows rebuild. `manifest.json` beside the table files
records the migrations the export was made with, the row counts and the
AUTOINCREMENT counters, so that ids once used are never reused after a restore.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from therapy_cli import __version__
from therapy_cli.errors import InvalidValue
from therapy_cli.storage.db import Database

MANIFEST = "manifest.json"
INTERNAL = ("_migrations", "_scrub_pending")   # bookkeeping of the file itself, not records
# Kept by triggers from other tables (unpaid invoices from invoices, voids and payments; each month's sums of
# invoices and payments): rebuilt on import.
DERIVED = ("open_invoices", "income_months")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl"}
BATCH = 5000


def data_tables(db: Database) -> list[str]:
    """Every table that holds the practitioner's records, in the file's order."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [name for name, _ in rows
            if name not in INTERNAL and name not in DERIVED and not name.startswith("sqlite_") and name not in virtual
            and not any(name.startswith(f"{v}_") for v in virtual)]


# Tables a trigger consults when another table's row is inserted, beyond the foreign keys: a session on a void
# invoice and then on a new one is refused by invoice_lines_one_live unless the void is already there.
READ_BY_TRIGGERS = {"invoice_lines": {"invoice_voids"}}


def load_order(db: Database, tables: list[str]) -> list[str]:
    """`tables` with every table after the tables its foreign keys point to, and after those its insert
    triggers read (READ_BY_TRIGGERS); a cycle keeps file order."""
    needs = {t: ({row[2] for row in db.execute(f"PRAGMA foreign_key_list({t})")} | READ_BY_TRIGGERS.get(t, set()))
             - {t} for t in tables}
    ordered: list[str] = []
    pending = list(tables)
    while pending:
        ready = [t for t in pending if not (needs[t] & set(pending))] or pending[:1]
        for table in ready:
            ordered.append(table)
            pending.remove(table)
    return ordered


def manifest(db: Database, counts: dict[str, int], fmt: str, guarded: bool = False) -> dict:
    sequences = {}
    if db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        sequences = {name: seq for name, seq in db.execute("SELECT name, seq FROM sqlite_sequence")}
    return {"exported_by": f"therapy {__version__}", "format": fmt,
            "migrations": [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")],
            # when the caseload was made: its calendar's event ids derive from it (io/ics.calendar_token), so a
            # restored file updates the events a client's or the practitioner's calendar already holds
            "created": db.scalar("SELECT applied_at FROM _migrations WHERE name = 'm001_initial'"),
            "tables": counts, "sequences": sequences,
            # CSV text cells that begin like a formula carry a leading ' (render.csv_cell); import takes it off
            "csv_guarded": guarded and fmt == "csv"}


# -- import all ------------------------------------------------------------------------

def _files(directory: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".therapy-tmp-"):
            continue   # a file an interrupted export was writing: never a table
        if path.suffix.lower() in SUFFIXES and path.is_file():
            if path.stem in files:
                raise InvalidValue(f"{directory} holds both {files[path.stem].name} and {path.name}; keep one")
            files[path.stem] = path
    return files


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.exists():
        # `export all` writes the manifest last: without it the export did not finish (killed, a power cut)
        # and whole tables may be missing, which nothing could then tell
        raise InvalidValue(f"{directory} has no {MANIFEST}: `therapy export all` writes it last, so this export "
                           "did not finish (or is not one); export again")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidValue(f"{path} is not the manifest `therapy export all` writes") from None
    if not isinstance(data, dict):
        raise InvalidValue(f"{path} is not the manifest `therapy export all` writes")
    return data


def _rows(path: Path, columns: dict[str, bool], guarded: bool = False):
    """(line, {column: value}) of one exported file; CSV's empty cell is NULL where the column allows it."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if path.suffix.lower() == ".jsonl":
            for line, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except ValueError:
                    raise InvalidValue(f"line {line} of {path.name} is not valid JSON") from None
                if not isinstance(row, dict):
                    raise InvalidValue(f"line {line} of {path.name} is not a JSON object")
                yield line, row
            return
        reader = csv.reader(fh)
        header = next(reader, None) or []
        if guarded:
            from therapy_cli.io.reading import _unguard
        for row in reader:
            if guarded:
                row = [_unguard(cell) for cell in row]
            if len(row) != len(header):
                raise InvalidValue(f"line {reader.line_num} of {path.name} has {len(row)} fields, "
                                   f"the header names {len(header)}")
            yield reader.line_num, {name: (None if cell == "" and columns.get(name, True) else cell)
                                    for name, cell in zip(header, row)}


def restore(db: Database, directory: str | Path) -> list[dict]:
    """Load an `export all` directory into this empty file (inside the caller's transaction)."""
    import sqlite3

    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise InvalidValue(f"{folder} is not a directory; give the directory `therapy export all` wrote")
    info = _read_manifest(folder)
    known = set(r[0] for r in db.execute("SELECT name FROM _migrations"))
    newer = [m for m in info.get("migrations", []) if m not in known]
    if newer:
        raise InvalidValue(f"the export was made by a newer version of therapy (migration {newer[0]}); "
                           "upgrade therapy, then import it")
    files = _files(folder)
    if not files:
        raise InvalidValue(f"{folder} holds no exported tables (TABLE.csv or TABLE.jsonl files)")
    expected = info.get("tables") or {}
    missing = [t for t in expected if t not in files]
    if missing:   # a table dropped in copying would be restored as empty, with no word said
        suffix = info.get("format") or "csv"
        listed = ", ".join(f"{t}.{suffix} ({expected[t]} rows)" for t in missing[:5])
        raise InvalidValue(f"the directory is incomplete: the export wrote {listed}"
                           f"{f' and {len(missing) - 5} more' if len(missing) > 5 else ''}, "
                           f"missing from {folder}; copy the whole directory")
    tables = data_tables(db)
    unknown = sorted(set(files) - set(tables))
    if unknown:
        raise InvalidValue(f"{files[unknown[0]].name} is not a table of this file "
                           f"(tables: {', '.join(tables)})")
    held = [t for t in tables if t != "settings" and db.scalar(f"SELECT 1 FROM {t} LIMIT 1")]
    if held == ["audit"] and not db.scalar("SELECT 1 FROM audit WHERE record_type != 'setting' LIMIT 1"):
        # only `config set` was run: its audit rows would stand where the export's, kept with their ids, go
        raise InvalidValue("import all restores into an empty file, and this one already has settings changed "
                           "(the audit log records them); restore into a file never used (--db NEW.db), then set "
                           "what should differ from the export's settings")
    if held:
        raise InvalidValue(f"import all restores into an empty file, and this one holds {held[0]}; "
                           "give a new file with --db PATH")
    db.execute("PRAGMA defer_foreign_keys = ON")
    loaded = []
    for table in load_order(db, [t for t in tables if t in files]):
        info_rows = db.execute(f"PRAGMA table_info({table})").fetchall()
        # column name → may hold NULL
        columns = {r[1]: not r[3] for r in info_rows}
        count = _load(db, table, files[table], columns, sqlite3, bool(info.get("csv_guarded")))
        loaded.append({"table": table, "rows": count, "file": str(files[table])})
    for item in loaded:
        want = expected.get(item["table"])
        if want is not None and want != item["rows"]:
            raise InvalidValue(f"{files[item['table']].name} holds {item['rows']} rows but the export wrote "
                               f"{want}; the directory is incomplete")
    if "measures" in files:
        _check_measures(db, files["measures"].name)
    _sequences(db, info.get("sequences") or {})
    if isinstance(info.get("created"), str):
        db.execute("UPDATE _migrations SET applied_at = ? WHERE name = 'm001_initial'", (info["created"],))
    bad = db.execute("PRAGMA foreign_key_check").fetchone()
    if bad:
        raise InvalidValue(f"the export is inconsistent: a row of {bad[0]} refers to a missing {bad[2]} record")
    db.forget_settings()
    total = sum(item["rows"] for item in loaded)
    db.audit("import", "export", None, f"{total} rows of {len(loaded)} tables restored from an export")
    return loaded


def _check_measures(db: Database, file_name: str) -> None:
    """Every restored questionnaire as `measure add` and `import measures` would take it (SPEC: one set of rules
    for every write path): a known instrument, a date not in the future, items in range whose total is the
    score, and the severity, caseness and risk item those give. An export edited by hand is refused whole."""
    from therapy_cli.clinical import instruments, measures

    rows = db.execute("SELECT id, instrument, taken_on, score, items, severity, caseness, risk FROM measures")
    for mid, name, taken_on, score, items, band, caseness, risk in rows:
        try:
            inst = instruments.get_instrument(name)
            try:
                day = date.fromisoformat(taken_on)
            except (TypeError, ValueError):
                raise InvalidValue(f"the date taken {taken_on!r} is not YYYY-MM-DD") from None
            measures.check_taken_on(day, db.today)
            if items is not None:
                try:
                    given = json.loads(items)
                except ValueError:
                    raise InvalidValue("its items are not a JSON list") from None
                values, total = measures.checked_scores(inst, given if isinstance(given, list) else [given], score)
            else:
                values, total = measures.checked_scores(inst, None, score)
            columns = measures.scored(inst, values, total)
            if (columns["severity"], columns["caseness"], columns["risk"]) != (band, caseness, risk):
                raise InvalidValue("its severity, caseness or risk item is not what its scores give")
        except InvalidValue as exc:
            raise InvalidValue(f"{file_name}: measure #{mid}: {exc}") from None


def _load(db: Database, table: str, path: Path, columns: dict[str, bool], sqlite3, guarded: bool = False) -> int:
    names: tuple | None = None
    batch: list[tuple] = []
    count = 0
    # settings the new file was given before the restore give way to the exported ones
    verb = "INSERT OR REPLACE" if table == "settings" else "INSERT"

    def flush():
        sql = f"{verb} INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        try:
            db.executemany(sql, batch)
        except sqlite3.IntegrityError as exc:
            raise InvalidValue(f"{path.name}: the database refused a row ({exc})") from None

    for line, row in _rows(path, columns, guarded):
        keys = tuple(row)
        if names is None:
            stray = [k for k in keys if k not in columns]
            if stray:
                raise InvalidValue(f"{path.name}: table {table} has no column {stray[0]!r}")
            names = keys
        elif keys != names:
            if batch:
                flush()
                batch = []
            stray = [k for k in keys if k not in columns]
            if stray:
                raise InvalidValue(f"line {line} of {path.name}: table {table} has no column {stray[0]!r}")
            names = keys
        batch.append(tuple(row.values()))
        count += 1
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return count


def _sequences(db: Database, sequences: dict) -> None:
    """AUTOINCREMENT counters as they were: an id used once (an invoice number) is never given again."""
    if not sequences or not db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"):
        return
    for name, seq in sequences.items():
        if not isinstance(seq, int):
            continue
        if db.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, name)).rowcount == 0:
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))

