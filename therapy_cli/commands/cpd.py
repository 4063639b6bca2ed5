"""`therapy cpd`: continuing professional development."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)

app = typer.Typer(help="CPD: reading, courses, conferences and research, against yearly and five-year targets.",
                  no_args_is_help=True)


class Kind(str, Enum):
    reading = "reading"
    course = "course"
    conference = "conference"
    research = "research"
    other = "other"


def _show_record(record: dict, fmt: str) -> None:
    from therapy_cli import render

    render.emit(record, fmt, title=f"CPD #{record['id']}")


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What it was (book, course, conference...).")],
    hours: Annotated[float, typer.Option("--hours", metavar="H", help="Hours spent (more than 0, at most 100).")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE",
                                              help="The day (or last day) it took place (default: today).")] = None,
    kind: Annotated[Kind, typer.Option(help="reading, course, conference, research or other.")] = Kind.other,
    note: Annotated[Optional[str], typer.Option(metavar="TEXT", help="A reflection: what you learned, "
                                                                     "what changes in your practice.")] = None,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="Log a second activity of a title already logged that day.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Log CPD you did. A title already logged on the same day is refused (it would count twice), naming
    the record held, unless --allow-duplicate.

    Example: therapy cpd add 'Working with shame (workshop)' --hours 6 --on 2026-11-14 --kind course --note '...'
    """
    from therapy_cli import render
    from therapy_cli.practice import cpd

    with database(write=True) as db:
        record = cpd.add(db, title, hours, parse_date_option(on, "--on"), kind.value, note, allow_duplicate)
    _show_record(record, output_format(fmt, as_json, as_csv))
    doubt = cpd.doubt_hours(record["hours"])
    if doubt:
        render.warn(doubt.replace("cpd remove ID", f"therapy cpd remove {record['id']}"))


@app.command("list")
def list_(
    from_: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="From this date (inclusive).")] = None,
    to: Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="To this date (inclusive).")] = None,
    kind: Annotated[Optional[Kind], typer.Option(help="Only this kind.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List CPD, oldest first.

    Example: therapy cpd list --from 2026-01-01 --csv > cpd-2026.csv
    """
    from therapy_cli import render
    from therapy_cli.practice import cpd

    from datetime import date

    counted = 0.0
    with database() as db:
        start, end = parse_date_option(from_, "--from"), parse_date_option(to, "--to")
        rows = cpd.list_cpd(db, start, end, kind.value if kind else None)
        if db.setting("cpd.count_supervision") and kind is None and output_format(fmt, as_json, as_csv) == "table":
            counted = float(db.scalar(
                "SELECT total(credited_hours) FROM supervision WHERE direction = 'received' AND on_date BETWEEN ? "
                "AND ?", ((start or date.min).isoformat(), min(end or date.max, db.today).isoformat())))
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=cpd.CPD_COLUMNS)
    if counted:
        # cpd status and the reports add it (UKCP): the list of CPD logged would not add up to them unsaid
        render.message(f"Also counted as CPD (cpd.count_supervision): {render.cell(round(counted, 2))} hours of "
                       "supervision received in this span, listed by therapy supervise list.")


def _to_go(remaining: float) -> str:
    """Hours still to go, as shown; short by less than 0.005 is still short, never '0 to go' beside 'not met'."""
    from therapy_cli import render

    return render.cell(remaining) if remaining else "less than 0.01"


def _status_table(data: dict) -> None:
    from therapy_cli import render

    cell = render.cell
    render.write_record({
        f"{data['year']}": f"{cell(data['hours'])} of {cell(data['target_hours'])} hours "
                           + ("(met)" if data["met"] else f"({_to_go(data['remaining_hours'])} to go)"),
        "pace": f"{cell(data['pace_hours'])} hours due by today "
                + ("(on pace)" if data["on_pace"] else "(behind)"),
        "five years": f"{cell(data['five_year_hours'])} of {cell(data['five_year_target_hours'])} hours "
                      f"({data['five_year_start']} to {data['five_year_end']}) "
                      + ("(met)" if data["five_year_met"] else "(not met)"),
        "this year by kind": ", ".join(f"{k} {cell(v)}" for k, v in data["by_kind"].items() if v) or "none",
    }, title="CPD")
    print()
    rows = [{**y, "met": "met" if y["met"] else ("not met" if y["complete"] else "not yet")}
            for y in data["years"]]
    render.write_table(rows, ["year", "hours", "target_hours", "met"], title="Year by year",
                       headers={"target_hours": "target"})


@app.command("status")
def status(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """This year's CPD against cpd.hours_per_year (20), and the rolling five years against
    cpd.hours_per_5_years (250, UKCP).

    Example: therapy cpd status --json
    """
    from therapy_cli import render
    from therapy_cli.practice import cpd

    with database() as db:
        data = cpd.status(db)
    render.emit(data, output_format(fmt, as_json, as_csv), table=_status_table,
                csv_rows=lambda d: [{k: v for k, v in d.items() if k != "years"}])


@app.command("remove")
def remove(
    cpd_id: Annotated[int, typer.Argument(metavar="ID", help="The CPD record's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Delete a CPD record entered in error (asks first; --yes to skip).

    Example: therapy cpd remove 4 --yes
    """
    from therapy_cli import render
    from therapy_cli.practice import cpd

    with database() as db:
        cpd.record(db, cpd_id)
    confirm(f"Delete CPD record #{cpd_id}?", yes)
    with database(write=True) as db:
        record = cpd.remove(db, cpd_id)
    render.message(f"Removed CPD record #{cpd_id}")
    _show_record(record, output_format(fmt, as_json, as_csv))
