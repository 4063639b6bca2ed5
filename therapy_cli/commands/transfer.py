"""`therapy import` and `therapy export`: moving a caseload in from other systems and out again."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format
from therapy_cli.lazy import PairOptionCommand

import_app = typer.Typer(
    help="Import clients, sessions or measures from a CSV or JSON-lines file (one transaction; "
         "a bad row means nothing is written unless --skip-invalid).",
    no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(
    metavar="FILE", help="A .csv file (as a spreadsheet saves it) or .jsonl; - reads standard input.")]
MapOpt = Annotated[Optional[List[str]], typer.Option(
    "--map", metavar="FIELD=COLUMN",
    help="Read FIELD from the file's COLUMN, e.g. --map name='Client Name' (repeatable, once per field).")]
ValueOpt = Annotated[Optional[List[str]], typer.Option(   # two values a use: see lazy.PairOptionCommand
    "--value", metavar="FIELD 'FROM'=TO",
    help="Read the word FROM in FIELD as TO, e.g. --value status 'Seen'=attended (repeatable).")]
DatesOpt = Annotated[Optional[str], typer.Option(
    "--dates", metavar="dmy|mdy",
    help="Read dates with slashes (23/10/2026) day first (dmy) or month first (mdy); default: setting "
         "date.order where there is one, else refused. ISO dates always work.")]
SkipOpt = Annotated[bool, typer.Option("--skip-invalid", help="Import the valid rows and list the skipped ones.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")]
MAX_SHOWN = 50


def _run(table: str, file: str, mapping: list[str] | None, skip_invalid: bool, dry_run: bool, fmt: str,
         values: list[tuple[str, str]] | None = None, dates: str | None = None, status_default: str | None = None,
         allow_overlap: bool = False) -> None:
    from therapy_cli import render
    from therapy_cli.io import importer

    if dates is not None and dates.strip().lower() not in importer.DATE_ORDERS:
        raise typer.BadParameter(f"{dates!r} is not dmy or mdy", param_hint="--dates")
    if status_default is not None:
        from therapy_cli.vocab import SESSION_STATUSES

        allowed = (*SESSION_STATUSES, "by-date")
        if status_default.strip().lower() not in allowed:
            raise typer.BadParameter(f"{status_default!r} is not one of {', '.join(allowed)}",
                                     param_hint="--status-default")
        status_default = status_default.strip().lower()
    options = importer.ImportOptions(
        mapping=importer.parse_mapping(mapping or []), values=importer.parse_values(values or []),
        date_order=dates.strip().lower() if dates else None, status_default=status_default,
        allow_overlap=allow_overlap)
    try:
        with database(write=True) as db:
            flagged = _flags(db) if table == "measures" else None
            with render.progress_bar(f"Importing {table}", 1) as update:
                result = importer.import_file(db, table, file, options.mapping, skip_invalid, dry_run,
                                              progress=lambda done, size: update(done / size), options=options)
            raised = _raised_flags(db, flagged) if flagged is not None and not dry_run else []
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
    if result.status_defaulted:
        render.message(f"--status-default {status_default} applied to "
                       f"{importer.plural(result.status_defaulted, 'row')} with no status.")
    verb = "Checked (dry run, nothing written):" if dry_run else "Imported"
    render.message(f"{verb} {importer.plural(result.imported, table.rstrip('s'))}"
                   + (f"; skipped {importer.plural(result.skipped_count, 'invalid row')}"
                      if result.skipped_count else "") + ".")
    if raised:   # as `measure add` warns of one: a risk item arriving in a file is not left to be found
        shown = "; ".join(f"#{i['client_id']}: {i['flag']['instrument']} item {i['flag']['item']} = "
                          f"{i['flag']['score']} on {i['flag']['taken_on']}" for i in raised[:MAX_SHOWN])
        render.warn(f"{importer.plural(len(raised), 'client')} now with a questionnaire risk item above 0 and no "
                    f"risk assessment after it ({shown}{'; ...' if len(raised) > MAX_SHOWN else ''}): review "
                    "risk (therapy risk list)")
    data = result.as_dict()
    brief = {k: v for k, v in data.items() if k != "skipped_rows"}
    render.emit(data, fmt, title=f"Import of {table}", table=lambda d: render.write_record(brief),
                csv_rows=lambda d: [brief])


def _flags(db) -> dict[int, int | None]:
    """The risk register's open questionnaire flags: {client id: the flagged measure's id}."""
    from therapy_cli.clinical import risk

    return {i["client_id"]: i["flag"]["measure_id"] for i in risk.register(db) if i["flag"]}


def _raised_flags(db, before: dict[int, int | None]) -> list[dict]:
    """The register's items whose open flag the import brought (a client newly flagged, or flagged by a later
    questionnaire of the file)."""
    from therapy_cli.clinical import risk

    return [i for i in risk.register(db) if i["flag"] and before.get(i["client_id"]) != i["flag"]["measure_id"]]


@import_app.command("clients", cls=PairOptionCommand)
def import_clients(file: FileArg, map_: MapOpt = None, value: ValueOpt = None, dates: DatesOpt = None,
                   skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
                   fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Import clients. Columns: name (or first_name and last_name; required), id, kind, status,
    date_of_birth, email, phone, referred_on, referral_source, first_attended_on, discharged_on,
    discharge_reason, members (ids or exact names separated by ';').

    Example: therapy import clients clients.csv --map name='Client Name' --map date_of_birth=DOB
    """
    _run("clients", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv), value, dates)


@import_app.command("sessions", cls=PairOptionCommand)
def import_sessions(
    file: FileArg, map_: MapOpt = None, value: ValueOpt = None, dates: DatesOpt = None,
    status_default: Annotated[Optional[str], typer.Option(
        "--status-default", metavar="STATUS",
        help="Status of rows with none (a file without a status column is refused without it): scheduled, "
             "attended, dna, cancelled, late-cancelled, or by-date (attended before today).")] = None,
    allow_overlap: Annotated[bool, typer.Option(
        "--allow-overlap", help="Accept overlapping sessions (a file of several practitioners' diaries).")] = False,
    skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Import sessions. Columns: client (id or exact name; or first_name and last_name), starts_at
    ('YYYY-MM-DD HH:MM' in the timezone setting, 12-hour times too; or separate date and time columns)
    and status required; id, duration_min (or end_time), mode, type, cancelled_by, note; arrived,
    did_not_attend, cancelled (true/false) instead of a status; training groups: kind=training, title,
    audience, participants. Other systems' status words (Show, No Show, Late Canceled, ...) are read.

    Example: therapy import sessions sessions.csv --map client='Client ID' --map starts_at=Appointment
    Example: therapy import sessions appointments.csv --dates dmy --value status 'Seen'=attended
    """
    _run("sessions", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv), value, dates,
         status_default, allow_overlap)


@import_app.command("measures", cls=PairOptionCommand)
def import_measures(file: FileArg, map_: MapOpt = None, value: ValueOpt = None, dates: DatesOpt = None,
                    skip_invalid: SkipOpt = False, dry_run: DryOpt = False,
                    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Import questionnaire scores. Columns: client, instrument and taken_on required; items (item
    scores in order, e.g. '1,2,0,3,...') or score (a total); id, session (a session id).

    Example: therapy import measures scores.jsonl --map taken_on=date
    """
    _run("measures", file, map_, skip_invalid, dry_run, output_format(fmt, as_json, as_csv), value, dates)


@import_app.command("all")
def import_all(directory: Annotated[str, typer.Argument(metavar="DIR", help="A directory `therapy export all` wrote.")],
               fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Restore every record from an `export all` directory into an empty file, ids kept (one transaction).

    Example: therapy export all --output ~/caseload-export/ && therapy --db moved.db import all ~/caseload-export/
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
    file_format: Annotated[FileFormat, typer.Option(
        "--file-format", "-F", help="The files' format: csv or jsonl (every other --format is table|json|csv, so "
                                    "this one has its own name).")] = FileFormat.csv,
    legacy_format: Annotated[Optional[FileFormat], typer.Option(
        "--format", "-f", hidden=True, help="Old name of --file-format (still accepted, with a warning).")] = None,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE|DIR",
        help="File to write (default, or -: stdout); for all, a directory (one TABLE.csv per table).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="CSV for scripts: leave text beginning = + - @ as it is "
                                                     "(by default it gets a leading ' for spreadsheets).")] = False,
    bom: Annotated[bool, typer.Option("--bom", help="Begin CSV with a UTF-8 byte-order mark (for Excel).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace an existing FILE without asking.")] = False,
) -> None:
    """Export a table, or every table, to CSV or JSON lines (files mode 0600).

    A table's FILE that exists already is replaced only when confirmed (asked on a terminal, --yes
    otherwise); `export all` refreshes the TABLE files of a directory an earlier export all wrote (with
    its manifest.json), and asks the same before replacing a TABLE file in any other.

    Example: therapy export sessions --file-format jsonl --output sessions.jsonl
    Example: therapy export all --output ~/caseload-export/
    """
    from therapy_cli import render
    from therapy_cli.io import exporter

    if legacy_format is not None:
        render.warn("export --format is now --file-format (csv or jsonl); --format still works for now")
        file_format = legacy_format
    if output is not None and not output.strip():
        from therapy_cli.errors import WrongForm

        # `--output "$FILE"` with the variable unset: not standard output, where cron would mail the records
        raise WrongForm("--output is empty; give the file's path, or - for standard output (an unset variable "
                        "in a script?)")
    if output == "-":   # standard output, as `session export --ics -`: never a file called '-' full of records
        output = None

    from therapy_cli.commands._common import confirm
    from therapy_cli.storage.files import shown

    with database() as db:
        written = exporter.export(db, table, file_format.value, output, raw=raw, bom=bom,
                                  replace=lambda path: confirm(f"{shown(path)} exists; replace it?", yes))
    if output:
        for item in written:
            render.message(f"Wrote {item['rows']} {item['table']} rows to {shown(item['file'])}")
    sys.stdout.flush()
