"""`therapy import` and `therapy export`: moving a caseload in from other systems and out again."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format

import_app = typer.Typer(
    help="Import clients, sessions or measures from a CSV or JSON-lines file (one transaction; "
         "a bad row means nothing is written unless --skip-invalid).",
    no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(metavar="FILE", help="A .csv file (as a spreadsheet saves it) or .jsonl.")]
MapOpt = Annotated[Optional[List[str]], typer.Option(
    "--map", metavar="FIELD=COLUMN",
    help="Read FIELD from the file's COLUMN, e.g. --map name='Client Name' (repeatable).")]
SkipOpt = Annotated[bool, typer.Option("--skip-invalid", help="Import the valid rows and list the skipped ones.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")]
MAX_SHOWN = 50


def _run(table: str, file: str, mapping: list[str] | None, skip_invalid: bool, dry_run: bool, fmt: str) -> None:
    from therapy_cli import render
    from therapy_cli.io import importer

    pairs = importer.parse_mapping(mapping or [])
    try:
        with database(write=True) as db:
            with render.progress_bar(f"Importing {table}", 1) as update:
                result = importer.import_file(db, table, file, pairs, skip_invalid, dry_run,
                                              progress=lambda done, size: update(done / size))
    except importer.InvalidRows as exc:
        if exc.total > 1:
            for line, reason in exc.errors[:MAX_SHOWN]:
                render.message(f"line {line}: {reason}")
            if exc.total > MAX_SHOWN:
                render.message(f"... and {exc.total - MAX_SHOWN} more invalid rows")
        raise
    for line, reason in result.skipped[:MAX_SHOWN]:
        render.message(f"Skipped line {line}: {reason}")
    if result.skipped_count > MAX_SHOWN:
        render.message(f"... and {result.skipped_count - MAX_SHOWN} more skipped rows")
    if result.ignored_columns:
        render.warn(f"ignored columns not used by a {table} import: {', '.join(result.ignored_columns)}")
    verb = "Checked (dry run, nothing written):" if dry_run else "Imported"
    render.message(f"{verb} {importer.plural(result.imported, table.rstrip('s'))}"
                   + (f"; skipped {importer.plural(result.skipped_count, 'invalid row')}"
                      if result.skipped_count else "") + ".")
    data = result.as_dict()
    brief = {k: v for k, v in data.items() if k != "skipped_rows"}
    render.emit(data, fmt, title=f"Import of {table}", table=lambda d: render.write_record(brief),
                csv_rows=lambda d: [brief])


@import_app.command("clients")
def import_clients(file: FileArg, map_: MapOpt = None, skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
                   fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Import clients. Columns: name (required), id, kind, status, date_of_birth, email, phone,
    referred_on, referral_source, first_attended_on, discharged_on, discharge_reason, members
    (ids or exact names separated by ';').

    Example: therapy import clients clients.csv --map name='Client Name' --map date_of_birth=DOB
    """
    _run("clients", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv))


@import_app.command("sessions")
def import_sessions(file: FileArg, map_: MapOpt = None, skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
                    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Import sessions. Columns: client (id or exact name) and starts_at ('YYYY-MM-DD HH:MM' in the
    timezone setting; or separate date and time columns) required; id, duration_min, status, mode, type,
    cancelled_by, note; training groups: kind=training, title, audience, participants.

    Example: therapy import sessions sessions.csv --map client='Client ID' --map starts_at=Appointment
    """
    _run("sessions", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv))


@import_app.command("measures")
def import_measures(file: FileArg, map_: MapOpt = None, skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
                    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Import questionnaire scores. Columns: client, instrument and taken_on required; items (item
    scores in order, e.g. '1,2,0,3,...') or score (a total); id, session (a session id).

    Example: therapy import measures scores.jsonl --map taken_on=date
    """
    _run("measures", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv))


@import_app.command("all")
def import_all(directory: Annotated[str, typer.Argument(metavar="DIR", help="A directory `therapy export all` wrote.")],
               fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Restore every record from an `export all` directory into an empty file, ids kept (one transaction).

    Example: therapy --db moved.db import all ~/caseload-export/
    """
    from therapy_cli import render
    from therapy_cli.io import restore

    with database(write=True) as db:
        loaded = restore.restore(db, directory)
    render.message(f"Restored {sum(item['rows'] for item in loaded)} rows of {len(loaded)} tables.")
    render.emit(loaded, output_format(fmt, as_json, as_csv), columns=["table", "rows", "file"],
                title="Import of an export")


class FileFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


def export_command(
    table: Annotated[str, typer.Argument(metavar="TABLE|all",
                                         help="A table (clients, sessions, measures, notes, audit, ...) or all.")],
    file_format: Annotated[FileFormat, typer.Option("--format", "-f", help="csv or jsonl.")] = FileFormat.csv,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE|DIR",
        help="File to write (default: stdout); for all, a directory (one TABLE.csv per table).")] = None,
) -> None:
    """Export a table, or every table, to CSV or JSON lines (files mode 0600).

    Example: therapy export sessions --format jsonl --output sessions.jsonl
    Example: therapy export all --output ~/caseload-export/
    """
    from therapy_cli import render
    from therapy_cli.io import exporter

    with database() as db:
        written = exporter.export(db, table, file_format.value, output)
    if output:
        for item in written:
            render.message(f"Wrote {item['rows']} {item['table']} rows to {item['file']}")
    sys.stdout.flush()
