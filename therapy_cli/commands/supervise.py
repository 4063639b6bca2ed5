"""`therapy supervise`: supervision received and given."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)

app = typer.Typer(help="Supervision received and given, against the monthly requirement (BACP).",
                  no_args_is_help=True)


class Direction(str, Enum):
    received = "received"
    given = "given"
    booked = "booked"


OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE",
                                              help="The day it took place (default: today; not in the future).")]
DurationOpt = Annotated[int, typer.Option("--duration", metavar="MIN", help="Length in minutes (5-600).")]
NoteOpt = Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="A note for yourself.")]
DuplicateOpt = Annotated[bool, typer.Option(
    "--allow-duplicate", help="Log a second meeting the same as one already logged that day (same length, "
                              "group and supervisor or supervisees).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="From this date (inclusive).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="To this date (inclusive).")]


def _show_record(record: dict, fmt: str) -> None:
    from therapy_cli import render

    render.emit(record, fmt, title=f"Supervision #{record['id']} ({record['direction']})")


@app.command("log")
def log(
    duration: DurationOpt,
    on: OnOpt = None,
    supervisor: Annotated[Optional[str], typer.Option(metavar="NAME", help="Your supervisor.")] = None,
    group_size: Annotated[int, typer.Option(
        "--group-size", metavar="N",
        help="Supervisees in the group, you included (1 = individual). 2-4 count half the time; "
             "5 or more, the time divided by N.")] = 1,
    case: Annotated[Optional[List[str]], typer.Option(
        "--case", metavar="CLIENT", help="A client discussed (repeatable); shown as id and initials only.")] = None,
    note: NoteOpt = None,
    allow_duplicate: DuplicateOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Log supervision you received; group time is credited as BACP counts it.

    The same meeting logged twice (same day, length, group size and supervisor) is refused, naming the
    record held, unless --allow-duplicate.

    Example: therapy supervise log --on 2026-11-20 --duration 90 --supervisor 'Dr Lee' --case morgan
    Example: therapy supervise log --on yesterday --duration 120 --group-size 4  # credited 1 hour
    """
    from therapy_cli.practice import supervision

    from therapy_cli import render

    with database(write=True) as db:
        record = supervision.log_received(db, parse_date_option(on, "--on"), duration, supervisor,
                                          group_size, case or [], note, allow_duplicate)
        others = supervision.same_day_received(db, record)
    _show_record(record, output_format(fmt, as_json, as_csv))
    for other in others:
        render.warn(f"supervision received on {record['on_date']} is also logged as #{other['id']} "
                    f"({other['duration_min']} min, {other['supervisor'] or 'no supervisor named'}): both count; if "
                    f"this one corrects it, take that one back (therapy supervise remove {other['id']})")


@app.command("give")
def give(
    names: Annotated[List[str], typer.Argument(
        metavar="NAME...", help="The supervisee(s): id, name or unique part of it; new names are added. "
                                "Several names: one group meeting.")],
    duration: DurationOpt,
    on: OnOpt = None,
    group_size: Annotated[Optional[int], typer.Option(
        "--group-size", metavar="N", help="Supervisees in the group (default: the number named); the "
                                          "meeting's time counts once in the hours given.")] = None,
    note: NoteOpt = None,
    new: Annotated[bool, typer.Option("--new", help="Add NAME as a new supervisee even if it matches part "
                                                    "of an existing one's name.")] = False,
    allow_duplicate: DuplicateOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Log supervision you gave, to one supervisee or to a group in one meeting; each supervisee is kept
    as a record of their own. The same meeting logged twice (same day, length, group size and
    supervisees) is refused, naming the record held, unless --allow-duplicate.

    Example: therapy supervise give 'Jo Patel' --on 2026-11-24 --duration 60
    Example: therapy supervise give 'Jo Patel' 'Sam Green' 'Ali Khan' --group-size 3 --on 2026-11-25 --duration 90
    """
    from therapy_cli import render
    from therapy_cli.practice import supervision

    fmt_name = output_format(fmt, as_json, as_csv)
    with database(write=True) as db:
        record = supervision.log_given(db, names, parse_date_option(on, "--on"), duration, note, new, group_size,
                                       allow_duplicate)
        from therapy_cli.practice.lookup import same_name

        # a client's name typed where a trainee's was meant puts it in supervision's lists, which show clients
        # only as #id and initials: said, by the client's id alone
        clients = {person["id"]: same_name(db, "clients", person["name"]) for person in record["new_supervisees"]}
        others = supervision.same_day_given(db, record)
    for person in record["new_supervisees"]:
        render.message(f"New supervisee #{person['id']} {person['name']}")
        if clients[person["id"]]:
            render.warn(f"supervisee #{person['id']} has the name of client #{clients[person['id']][0]['id']}; "
                        "supervisees are the practitioners you supervise (a client's case taken to your own "
                        "supervision is supervise log --case): if that name was a slip, therapy supervise remove "
                        f"{record['id']} --yes takes the meeting back")
    _show_record(record, fmt_name)
    for other in others:
        render.warn(f"supervision given on {record['on_date']} is also logged as #{other['id']} "
                    f"({other['duration_min']} min, {other['with']}): both count; if this one corrects it, take "
                    f"that one back (therapy supervise remove {other['id']})")


@app.command("book")
def book(
    on: Annotated[str, typer.Option("--on", metavar="DATE", help="The day booked (today or later).")],
    duration: DurationOpt,
    supervisor: Annotated[Optional[str], typer.Option(metavar="NAME", help="Your supervisor.")] = None,
    group_size: Annotated[int, typer.Option(
        "--group-size", metavar="N", help="Supervisees in the group, you included (credited as 'log').")] = 1,
    note: NoteOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Book supervision ahead: it counts towards its month (remind's supervision_due) until its day has
    passed; log it with 'supervise log' once it has taken place. Listed by 'supervise list'.

    Example: therapy supervise book --on 2027-01-15 --duration 90 --supervisor 'Dr Lee'
    """
    from therapy_cli.practice import supervision

    from datetime import date

    from therapy_cli import render
    from therapy_cli.validation import far_ahead

    fmt_name = output_format(fmt, as_json, as_csv)
    with database(write=True) as db:
        record = supervision.book(db, parse_date_option(on, "--on"), duration, supervisor, group_size, note)
        far = far_ahead(date.fromisoformat(record["on_date"]), db.today, "supervision booked for")
        others = supervision.same_day_booked(db, record)
    _show_record(record, fmt_name)
    for other in others:
        render.warn(f"supervision on {record['on_date']} is also booked as #{other['id']} ({other['duration_min']} "
                    f"min, {other['supervisor'] or 'no supervisor named'}): both count towards the month; if this "
                    f"one corrects it, cancel that one (therapy supervise remove {other['id']} --booked --yes)")
    if far:
        render.warn(f"{far}: therapy supervise remove {record['id']} --booked --yes, and book it again")


@app.command("list")
def list_(
    from_: FromOpt = None, to: ToOpt = None,
    direction: Annotated[Optional[Direction], typer.Option(help="received, given or booked.")] = None,
    supervisee: Annotated[Optional[str], typer.Option(metavar="NAME", help="Only supervision given to this "
                                                                             "supervisee.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List supervision received, given and booked, oldest first, with credited hours and cases (as #id initials).

    Example: therapy supervise list --from 2026-01-01 --to 2026-12-31 --csv
    """
    from therapy_cli import render
    from therapy_cli.practice import supervision

    with database() as db:
        rows = supervision.list_supervision(db, parse_date_option(from_, "--from"), parse_date_option(to, "--to"),
                                            direction.value if direction else None, supervisee)
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=supervision.SUPERVISION_COLUMNS,
                headers={"duration_min": "min", "credited_hours": "credited h", "group_size": "group"})


def _to_go(remaining: float) -> str:
    """Hours still to go, as shown; short by less than 0.005 is still short, never '0 to go' beside 'not yet'."""
    from therapy_cli import render

    return render.cell(remaining) if remaining else "less than 0.01"


def _status_table(data: dict) -> None:
    from therapy_cli import render
    from therapy_cli.practice import supervision

    month, year = data["month"], data["year"]
    render.write_record({
        "this month": f"{month['month']}: {render.cell(month['received_hours'])} of "
                      f"{render.cell(month['required_hours'])} hours "
                      + ("(met)" if month["met"] else f"({_to_go(month['remaining_hours'])} to go)")
                      + (f"; {render.cell(month['booked_hours'])} booked" if month.get("booked_hours") else ""),
        f"received in {year['year']}": f"{render.cell(year['received_hours'])} hours",
        f"given in {year['year']}": f"{render.cell(year['given_hours'])} hours",
    }, title=f"Supervision as of {data['as_of']}")
    print()
    # judged on the exact hours: a month that rounds to the requirement as shown is said to be just short
    rows = [{**m, "met": "met" if m["met"] else ("not met" if m["complete"] else "not yet")
             + (" (just)" if m["received_hours"] == m["required_hours"] else "")}
            for m in data["months"]]
    render.write_table(rows, supervision.MONTH_COLUMNS,
                       title="Month by month (credited hours received)",
                       headers={"received_hours": "received h", "required_hours": "required h",
                                "client_sessions": "client sessions"})


@app.command("status")
def status(
    months: Annotated[int, typer.Option("--months", metavar="N",
                                        help="Months in the month-by-month table (default 12).")] = 12,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """This month's supervision against the requirement, the year's hours, and month by month.

    The requirement is setting supervision.hours_per_month (default 1.5, BACP), checked for each
    calendar month on its own: no averaging. CSV gives the month-by-month table.

    Example: therapy supervise status --json
    """
    from therapy_cli import render
    from therapy_cli.practice import supervision

    with database() as db:
        data = supervision.status(db, months)
    render.emit(data, output_format(fmt, as_json, as_csv), table=_status_table,
                csv_rows=lambda d: d["months"])


@app.command("supervisees")
def supervisees(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """List the people you supervise, with the sessions and hours given to each.

    Example: therapy supervise supervisees --json
    """
    from therapy_cli import render
    from therapy_cli.practice import supervision

    with database() as db:
        rows = supervision.supervisees(db)
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=supervision.SUPERVISEE_COLUMNS)


@app.command("rename")
def rename(
    supervisee: Annotated[str, typer.Argument(metavar="SUPERVISEE", help="Id or a unique part of the name.")],
    new_name: Annotated[str, typer.Argument(metavar="NEW_NAME")],
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Correct a supervisee's name; the name of another supervisee merges the two (a typo made a second record).

    Example: therapy supervise rename 'Chris Trainee' 'Chris Tremayne'
    """
    from therapy_cli import render
    from therapy_cli.practice import supervision

    with database(write=True) as db:
        row = supervision.rename_supervisee(db, supervisee, new_name)
    render.emit(row, output_format(fmt, as_json, as_csv), columns=[*supervision.SUPERVISEE_COLUMNS, "merged_from"])
    if row["merged_from"]:
        render.message(f"Supervisee #{row['merged_from']}'s meetings are now #{row['id']}'s; #{row['merged_from']} "
                       "is removed.")


@app.command("remove")
def remove(
    supervision_id: Annotated[int, typer.Argument(metavar="ID", help="The supervision record's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    booked: Annotated[bool, typer.Option("--booked", help="ID is a booking (supervise book) to cancel.")] = False,
    record_: Annotated[bool, typer.Option("--record", help="ID is a supervision record (received or given), "
                                                           "where a booking has the same id.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Delete a supervision record entered in error, or a booking that will not happen (--booked);
    asks first (--yes to skip). Bookings are numbered apart from records: an id both have needs
    --booked or --record.

    Example: therapy supervise remove 12 --yes
    """
    from therapy_cli import render
    from therapy_cli.errors import InvalidValue, NotFound, WrongForm
    from therapy_cli.practice import supervision

    if booked and record_:
        raise WrongForm("give --booked (a booking) or --record (a supervision record), not both")
    fmt_name = output_format(fmt, as_json, as_csv)
    what = "booked supervision" if booked else "supervision record"
    with database() as db:
        try:
            found = (supervision.booking_record if booked else supervision.supervision_record)(db, supervision_id)
        except NotFound as exc:
            # `supervise list` shows bookings among the records: a booking's id without --booked is not "no record"
            if booked or record_:
                raise
            try:
                twin = supervision.booking_record(db, supervision_id)
            except NotFound:
                raise exc from None
            raise NotFound(f"no supervision record with id {supervision_id}; #{supervision_id} is a booking for "
                           f"{twin['on_date']}: add --booked to cancel it") from None
        if not booked and not record_:
            # `supervise list` shows a booking and a record with the same number: say which is meant
            try:
                twin = supervision.booking_record(db, supervision_id)
            except NotFound:
                twin = None
            if twin is not None:
                raise InvalidValue(
                    f"#{supervision_id} is both supervision {found['direction']} on {found['on_date']} and a "
                    f"booking for {twin['on_date']}: add --booked to cancel the booking, or --record to delete "
                    "the record")
    # Ask outside the write transaction: never hold the lock while a person decides.
    confirm(f"Delete {what} #{supervision_id}?", yes)
    with database(write=True) as db:
        record = (supervision.unbook if booked else supervision.remove)(db, supervision_id)
    render.message(f"Removed {what} #{supervision_id}")
    for person in record.get("supervisees_removed", []):
        render.message(f"Removed supervisee #{person['id']} {person['name']}, named at no other meeting")
    _show_record(record, fmt_name)


@app.command("pack")
def pack(
    clients: Annotated[List[str], typer.Argument(metavar="CLIENT...",
                                                 help="Clients to bring to supervision (ids or unique parts of names).")],
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE.md|FILE.html",
                                        help="Where to write the pack; .md for Markdown, .html for HTML.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace FILE if it exists.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Write pseudonymised case summaries to take to supervision: #id and initials, age band, kind, weeks in
    therapy, attendance, plan modality and goals, scores by week of therapy, current risk level. No names,
    dates of birth, dates or note text. The file is readable by you alone; writing it is audited.

    Example: therapy supervise pack 1 2 --output supervision.md
    """
    from pathlib import Path

    from therapy_cli import render
    from therapy_cli.practice.clients import find_client
    from therapy_cli.reports import supervision_pack
    from therapy_cli.reports.client_report import format_of

    format_of(output)
    if Path(output).expanduser().exists():
        confirm(f"{output} exists; replace it?", yes)
    with database(write=True) as db:
        found = []
        for text in clients:
            client = find_client(db, text)
            if client.get("erased_on"):
                from therapy_cli.errors import Refused

                raise Refused(f"client #{client['id']} was erased; there is nothing to bring to supervision")
            if client["id"] not in [c["id"] for c in found]:
                found.append(client)
        result = supervision_pack.write_pack(db, found, output)
        for client in found:
            db.audit("report", "client", client["id"], f"supervision pack written ({result['format']})", client["id"])
    fmt_name = output_format(fmt, as_json, as_csv)
    if fmt_name == "table":
        render.message(f"Wrote {result['path']} ({', '.join(result['cases'])}); readable by you alone")
    else:
        render.emit(result, fmt_name)
