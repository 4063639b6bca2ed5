"""`therapy session`: appointments, attendance, notes, training groups, calendar export."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import (
    in_range, CsvOpt, Format, FormatOpt, JsonOpt, RecordId, confirm, database, output_format, parse_date_option, today,
)
from therapy_cli.vocab import CANCELLED_BY, SESSION_MODES, SESSION_STATUSES, SESSION_TYPES, choices

app = typer.Typer(help="Sessions: book, record attendance, write notes, export a calendar.",
                  no_args_is_help=True)


Status = choices("Status", SESSION_STATUSES)
Mode = choices("Mode", SESSION_MODES)
SessionType = choices("SessionType", SESSION_TYPES)
By = choices("By", CANCELLED_BY)


ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")]
IdArg = Annotated[int, typer.Argument(metavar="ID", help="Session id (see `therapy session list`).",
                                      click_type=RecordId())]
DurationOpt = Annotated[Optional[int], typer.Option(
    "--duration", metavar="MIN", help="Length in minutes, 5-600 (default: setting session.duration, 50).")]
ModeOpt = Annotated[Mode, typer.Option("--mode", help="in-person, video or phone.")]
TypeOpt = Annotated[SessionType, typer.Option("--type", help="assessment, treatment or review.")]
AbsentOpt = Annotated[Optional[List[str]], typer.Option(
    "--absent", metavar="CLIENT", help="A member of the couple, family or group who did not come (repeatable; '' alone: nobody, "
            "correcting an attended session).")]
OverlapOpt = Annotated[bool, typer.Option("--allow-overlap", help="Book even if it overlaps another session.")]
ReasonOpt = Annotated[Optional[str], typer.Option(
    "--reason", metavar="TEXT", help="Why an attended session is corrected (required for a correction).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Confirm a correction without asking.")]
RemoveReasonOpt = Annotated[Optional[str], typer.Option(
    "--reason", metavar="TEXT", help="Why the session is removed (required; kept in the audit log).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="From this date (inclusive).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="To this date (inclusive).")]


def _when(starts_at: str) -> str:
    from datetime import datetime

    return f"{datetime.fromisoformat(starts_at):%a %Y-%m-%d %H:%M}"


def _row(record: dict) -> dict:
    """A session as one line of a table."""
    if record["kind"] == "training":
        who = f"training: {record['title']}"
    else:
        who = f"#{record['client_id']} {record['client_name']}"
        if record["absent"]:
            who += f" ({len(record['absent'])} absent)"
    status = record["status"]
    if record["cancelled_by"]:
        status += f" ({record['cancelled_by']})"
    return {**record, "when": _when(record["starts_at"]), "who": who, "status": status}


def _show_list(records: list[dict], fmt: str, title: str | None = None) -> None:
    from therapy_cli import render
    from therapy_cli.practice.sessions import SESSION_COLUMNS

    if fmt == "table":
        render.emit([_row(r) for r in records], fmt, columns=SESSION_COLUMNS, title=title,
                    headers={"duration_min": "min", "notes_count": "notes"})
    else:
        render.emit(records, fmt, columns=None if records else EMPTY_CSV)   # an empty CSV still has its header


# The header of a session list in CSV when it is empty (rows name their own columns otherwise).
EMPTY_CSV = ["id", "kind", "client_id", "client_name", "starts_at", "ends_at", "local_date", "duration_min", "status",
             "cancelled_by", "mode", "type", "absent", "title", "audience", "participants", "series_id", "notes_count"]


def _show_one(record: dict, fmt: str) -> None:
    from therapy_cli import render

    if fmt == "table":
        render.emit(_row(record), fmt, table=lambda r: render.write_record(
            {k: r[k] for k in ("id", "when", "duration_min", "who", "status", "type", "mode", "notes_count")},
            title=f"Session #{record['id']}"))
    else:
        render.emit(record, fmt)


def _warn_all(warnings: list[str]) -> None:
    from therapy_cli import render

    for text in warnings:
        render.warn(text)


def _parse_at(db, text: str, what: str, day=None):
    from therapy_cli.dates import parse_datetime
    from therapy_cli.errors import WrongForm

    at = parse_datetime(text, db.tz, db.today, what, day)
    if at.second:   # shown and exported to the minute: 14:00:30 read as 14:00 and clashed with 14:50 unseen
        raise WrongForm(f"{what} {text!r}: sessions are booked to the minute; leave out the seconds")
    return at


@app.command("add")
def add(
    client: ClientArg,
    at: Annotated[str, typer.Option("--at", metavar="DATETIME", help="Start: 'YYYY-MM-DD HH:MM' in the "
                                    "timezone setting, or 'today|tomorrow|WEEKDAY HH:MM'.")],
    duration: DurationOpt = None,
    status: Annotated[Optional[Status], typer.Option(
        "--status", help="Default: attended before today, scheduled from today on.")] = None,
    mode: ModeOpt = Mode.in_person,
    type_: TypeOpt = SessionType.treatment,
    absent: AbsentOpt = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="A first note.")] = None,
    by: Annotated[Optional[By], typer.Option("--by", help="For a cancelled status: who cancelled.")] = None,
    allow_overlap: OverlapOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record or book one session.

    Example: therapy session add 'Ben Walsh' --at '2026-11-26 08:00' --note 'Assessment; PHQ-9 given'
    Example: therapy session add hughes --at 'saturday 10:00' --duration 80
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        record = sessions.add_session(
            db, client, _parse_at(db, at, "--at"), duration, status.value if status else None, mode.value,
            type_.value, absent, note, allow_overlap, by.value if by else None, warnings)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("schedule")
def schedule(
    client: ClientArg,
    start: Annotated[str, typer.Option("--start", metavar="DATETIME", help="The first meeting.")],
    every: Annotated[str, typer.Option("--every", metavar="week|fortnight|month|RRULE",
                                       help="How often; or an RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO,TH.")],
    count: Annotated[Optional[int], typer.Option("--count", metavar="N", help="Number of meetings (1-520).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="DATE",
                                                 help="Last day of the series (the whole day counts).")] = None,
    duration: DurationOpt = None,
    mode: ModeOpt = Mode.in_person,
    type_: TypeOpt = SessionType.treatment,
    allow_overlap: OverlapOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Book a recurring series, all scheduled, at the same wall-clock time across clock changes.

    Example: therapy session schedule 'Ben Walsh' --start '2026-12-07 08:00' --every week --count 12
    Example: therapy session schedule 23 --start 'monday 07:00' --every 'FREQ=WEEKLY;BYDAY=MO,TH' --until 2027-03-31
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        records = sessions.schedule_series(
            db, client, _parse_at(db, start, "--start"), every, count, parse_date_option(until, "--until"),
            duration, mode.value, type_.value, allow_overlap, warnings)
    _warn_all(warnings)
    _show_list(records, output_format(fmt, as_json, as_csv), title=f"{len(records)} sessions scheduled")


@app.command("list")
def list_(
    client: Annotated[Optional[str], typer.Option("--client", metavar="CLIENT", help="One client's sessions.")] = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    status: Annotated[Optional[Status], typer.Option("--status", help="Only sessions with this status.")] = None,
    training: Annotated[bool, typer.Option("--training", help="Only training groups.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar="N",
                                                 help="Show at most N sessions (the earliest; 1 or more).")] = None,
    no_note: Annotated[bool, typer.Option("--no-note", help="Only attended sessions with no note (sessions "
                                                            "imported from another system left out).")] = False,
    week: Annotated[Optional[str], typer.Option(
        "--week", metavar="WEEK", help="An ISO week: this, last, next or YYYY-Www.")] = None,
    month: Annotated[Optional[str], typer.Option(
        "--month", metavar="MONTH", help="A calendar month: this, last, next or YYYY-MM.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List sessions in time order: from today on, unless a span, --client, --status or --no-note says otherwise.

    Example: therapy session list --week this
    Example: therapy session list --month last --status attended --csv
    Example: therapy session list --client 'Omar Shah' --status dna --json
    Example: therapy session list --no-note --from 2026-01-01
    """
    from therapy_cli.practice import sessions

    in_range(limit, "--limit", 1)
    start, end = _span(from_, to, week, month)
    if start is None and end is None and client is None and status is None and not no_note:
        start = today()  # the diary ahead; a client's, a status's or the unwritten notes' history is listed whole
    units = []
    with database() as db:
        records = sessions.list_sessions(
            db, client, start, end, status.value if status else None, limit, "training" if training else None,
            no_note)
        if client is not None and not records and output_format(fmt, as_json, as_csv) == "table":
            from therapy_cli.practice.clients import find_client, units_of

            units = units_of(db, find_client(db, client)["id"])
    _show_list(records, output_format(fmt, as_json, as_csv))
    if units:
        # a member's sessions are the couple's, family's or group's: listed under the unit, not the person
        from therapy_cli import render

        listed = ", ".join(f"#{u['id']} {u['name']}" for u in units[:3]) + (" and more" if len(units) > 3 else "")
        render.message(f"Sessions through a couple, family or group are listed under it: {listed} "
                       f"(therapy session list --client {units[0]['id']}).")


def _span(from_: str | None, to: str | None, week: str | None, month: str | None):
    """(start, end) from --from/--to, --week or --month (one kind of span at a time)."""
    from therapy_cli.dates import parse_month_or_relative, parse_week_or_relative
    from therapy_cli.errors import WrongForm

    if sum(x is not None for x in (week, month, from_ or to)) > 1:
        raise WrongForm("give one span: --week, --month, or --from/--to")
    if week is not None:
        return parse_week_or_relative(week, today(), "--week")
    if month is not None:
        return parse_month_or_relative(month, today(), "--month")
    return parse_date_option(from_, "--from"), parse_date_option(to, "--to")


def _show_detail(record: dict) -> None:
    from therapy_cli import render

    _show_one(record, "table")
    if record["absent_names"]:
        print(f"absent: {', '.join(record['absent_names'])}")
    if record["kind"] == "training":
        print(f"training: {record['title']} for {record['audience']}, {record['participants']} participants")
    if not record["notes"]:
        render.message("No notes.")
    for note in record["notes"]:
        print()
        header = f"Note #{note['id']}, {_when(note['created_at'])}"
        if note["amended"]:
            header += f" (amended {_when(note['amended_at'])})"
        print(header)
        for line in note["text"].splitlines():
            print(f"  {line}")
        if note["amended"]:
            print("  history:")
            for entry in note["history"]:
                why = f" - {entry['reason']}" if entry["reason"] else " - original"
                print(f"    #{entry['id']} {_when(entry['created_at'])}{why}")
                for line in entry["text"].splitlines():
                    print(f"      {line}")


@app.command("show")
def show(session_id: IdArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False,
         as_csv: CsvOpt = False) -> None:
    """Show a session with its notes: the current text and every amendment with its time.

    Example: therapy session show 12
    """
    from therapy_cli import render
    from therapy_cli.practice import sessions

    with database() as db:
        record = sessions.session_detail(db, session_id)
    fmt = output_format(fmt, as_json, as_csv)
    render.emit(record, fmt, table=_show_detail,
                csv_rows=lambda r: [{k: v for k, v in r.items() if k != "notes"}])


@app.command("attend")
def attend(session_id: IdArg, absent: AbsentOpt = None, allow_overlap: OverlapOpt = False,
           fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Mark a session attended (the client becomes active at the first).

    A session corrected from attended to a DNA, a cancellation or scheduled keeps who was absent: marked
    attended again, the same members are absent unless --absent says otherwise.

    Example: therapy session attend 315
    Example: therapy session attend 449 --absent 'Luke Okoro'
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        record = sessions.attend(db, session_id, absent, allow_overlap, warnings)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


def _confirm_correction(db, session_id: int, status: str, reason: str | None, yes: bool) -> None:
    """An attended session changed to anything else is a correction: a reason, then ask (or --yes)."""
    from therapy_cli.practice.corrections import check_correction
    from therapy_cli.practice.sessions import get_session

    row = get_session(db, session_id)
    if row["kind"] == "training" and status == "dna":
        return  # refused by the domain, in its words
    if check_correction(db, row, status, reason):
        confirm(f"Session #{session_id} was attended; record it as {status} instead?", yes)


@app.command("dna")
def dna(session_id: IdArg, reason: ReasonOpt = None, yes: YesOpt = False,
        fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Mark a session DNA: did not attend, without notice.

    An attended session marked DNA is a correction: it needs --reason and --yes, is audited, and keeps
    its notes and measures.

    Example: therapy session dna 179
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        _confirm_correction(db, session_id, "dna", reason, yes)
        record = sessions.dna(db, session_id, reason, warnings)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("cancel")
def cancel(
    session_id: IdArg,
    by: Annotated[Optional[By], typer.Option(
        "--by", help="Who cancelled: client (the default) or therapist (a training group's: always).")] = None,
    late: Annotated[bool, typer.Option("--late", help="A late cancellation (status late-cancelled).")] = False,
    series: Annotated[bool, typer.Option(
        "--series", help="Also cancel every later scheduled meeting of its series (JSON: a list).")] = False,
    reason: ReasonOpt = None, yes: YesOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Cancel a session (by the client unless --by therapist); --late for a late cancellation.

    An attended session cancelled is a correction: it needs --reason and --yes, is audited, and keeps
    its notes and measures. A cancellation entered by mistake is taken back with `session unattend ID`.

    Example: therapy session cancel 162 --late
    Example: therapy session cancel 295 --by therapist
    Example: therapy session schedule 'Ben Walsh' --start '2026-12-07 08:00' --every week --count 4 && therapy session cancel 462 --series
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        _confirm_correction(db, session_id, "late-cancelled" if late else "cancelled", reason, yes)
        if series:
            records = sessions.cancel_rest_of_series(db, session_id, by and by.value, late, reason, warnings)
        else:
            record = sessions.cancel(db, session_id, by and by.value, late, reason, warnings)
    _warn_all(warnings)
    if series:
        _show_list(records, output_format(fmt, as_json, as_csv), title=f"{len(records)} sessions cancelled")
    else:
        _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("unattend")
def unattend(session_id: IdArg, reason: ReasonOpt = None, yes: YesOpt = False, allow_overlap: OverlapOpt = False,
             fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Put a session back to scheduled: attendance recorded by mistake, or a cancellation taken back.

    Of an attended session this is a correction: it needs --reason and --yes, is audited, and keeps
    its notes and measures. A cancellation taken back is refused if another session has been booked in
    its slot since (--allow-overlap keeps both).

    Example: therapy session unattend 1 --reason 'marked the wrong session' --yes
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        _confirm_correction(db, session_id, "scheduled", reason, yes)
        record = sessions.unattend(db, session_id, reason, warnings, allow_overlap)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("remove")
def remove(session_id: IdArg, reason: RemoveReasonOpt = None, yes: YesOpt = False,
           series: Annotated[bool, typer.Option(
               "--series", help="Also remove every later meeting of its series still scheduled (a series booked "
                                "in error, or a --count mistyped; JSON: a list).")] = False,
           fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Delete a session booked in error: still scheduled, no notes, no measures, on no invoice; audited.

    A cancellation or DNA entered for it counts in the reports: put it back first (session unattend).

    Example: therapy session remove 361 --reason 'booked in error' --yes
    """
    from therapy_cli import render
    from therapy_cli.practice.corrections import remove_session
    from therapy_cli.practice.sessions import remove_rest_of_series

    with database(write=True) as db:
        confirm(f"Delete session #{session_id}" + (" and the later meetings of its series?" if series else "?"), yes)
        if series:
            removed, kept = remove_rest_of_series(db, session_id, reason)
        else:
            record = remove_session(db, session_id, reason)
    if not series:
        _show_one(record, output_format(fmt, as_json, as_csv))
        return
    _show_list(removed, output_format(fmt, as_json, as_csv), title=f"{len(removed)} sessions removed")
    if kept:
        listed = ", ".join(f"#{r['id']} ({r['status']})" for r in kept[:5]) + (
            f" and {len(kept) - 5} more" if len(kept) > 5 else "")
        render.message(f"Kept the later meetings already recorded otherwise, which the reports count: {listed}.")


@app.command("edit")
def edit(
    session_id: IdArg,
    duration: Annotated[Optional[int], typer.Option("--duration", metavar="MIN", help="Length in minutes, 5-600.")]
    = None,
    type_: Annotated[Optional[SessionType], typer.Option("--type", help="assessment, treatment or review.")] = None,
    mode: Annotated[Optional[Mode], typer.Option("--mode", help="in-person, video or phone.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT",
                                                 help="A training group's title.")] = None,
    audience: Annotated[Optional[str], typer.Option("--audience", metavar="TEXT",
                                                    help="Who a training group was for.")] = None,
    participants: Annotated[Optional[int], typer.Option("--participants", metavar="N",
                                                        help="How many came to a training group.")] = None,
    allow_overlap: OverlapOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Correct a session's length, type or mode, or a training group's title, audience or participants,
    whatever its status (audited; start, status and notes stay).

    Clinical hours, training participants and the wait to treatment follow the corrected values. To change
    the day or time, use `session move`; the status, `session attend|dna|cancel|unattend`.

    Example: therapy session edit 1 --duration 80 --type assessment
    """
    from therapy_cli.practice.corrections import edit_session

    with database(write=True) as db:
        record = edit_session(db, session_id, duration, type_.value if type_ else None, mode.value if mode else None,
                              allow_overlap, {"title": title, "audience": audience, "participants": participants})
    _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("move")
def move(
    session_id: IdArg,
    to: Annotated[str, typer.Option("--to", metavar="DATETIME", help="The new start: 'YYYY-MM-DD HH:MM', "
                                    "'today|tomorrow|WEEKDAY HH:MM', or HH:MM alone for the same day.")],
    allow_overlap: OverlapOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Move a session to a new time, keeping its length, status and notes.

    Example: therapy session move 295 --to '2026-12-01 07:00'
    Example: therapy session move 295 --to 08:00
    """
    from datetime import date

    from therapy_cli.dates import time_alone
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        # a time alone: the session's own day, another hour
        day = date.fromisoformat(sessions.get_session(db, session_id)["local_date"]) if time_alone(to) else None
        record = sessions.move(db, session_id, _parse_at(db, to, "--to", day), allow_overlap, warnings)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


Template = choices("Template", ("soap", "dap", "birp", "none"))


@app.command("note")
def note(
    session_id: IdArg,
    text: Annotated[Optional[str], typer.Argument(
        metavar="[TEXT]", help="The note ('-' reads it from standard input; none: your editor on a terminal, "
                               "else standard input).")] = None,
    amend: Annotated[Optional[int], typer.Option("--amend", metavar="NOTE_ID",
                                                 help="Amend this note (the original stays on record).")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", metavar="TEXT", help="Why it is amended.")] = None,
    template: Annotated[Optional[Template], typer.Option(
        "--template", help="Open the editor with this structure (default: setting notes.template).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Append a note to a session; notes are never overwritten or deleted, only amended.

    With no TEXT on a terminal, your editor ($VISUAL, else $EDITOR) opens on a private
    file, prefilled with the template (or, with --amend, the current text); leaving it
    empty or unchanged cancels. Nothing lands in your shell history.

    Example: therapy session note 12 'Explored sleep; agreed a diary'
    Example: therapy session note 4 'Explored sleep; agreed a sleep diary' --amend 4 --reason 'clarified'
    """
    import sys

    from therapy_cli import render

    from therapy_cli.practice import sessions

    written = text is None and sys.stdin.isatty()
    amending = None   # in the editor: the text an amendment starts from, still to be the note's at saving
    if written:
        text, amending = _write_in_editor(session_id, amend, reason, template.value if template else None)
    elif template is not None:
        from therapy_cli.errors import WrongForm

        raise WrongForm("--template opens your editor with that structure; give no TEXT, on a terminal")
    elif text is None or text == "-":
        text = sys.stdin.read()
    try:
        with database(write=True) as db:
            record = sessions.add_note(db, session_id, text, amend, reason, amending)
    except (Exception, KeyboardInterrupt) as exc:
        if written:  # minutes of writing are not lost to a refusal found only now, nor to Ctrl-C while waiting
            _keep_unwritten(exc, text.encode("utf-8"), session_id, amend, reason)
        raise
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Note #{record['id']}")


def _write_in_editor(session_id: int, amend: int | None, reason: str | None,
                     template: str | None) -> tuple[str, str | None]:
    """The note as written in the editor, and for an amendment the text it opened with; checks first, and
    holds no lock while the editor is open."""
    from therapy_cli.commands._common import STATE
    from therapy_cli.editor import EditorFailed, NotUTF8, edit
    from therapy_cli.errors import Refused
    from therapy_cli.practice.notes import starting_text
    from therapy_cli.storage.db import resolve_path

    with database() as db:
        initial = starting_text(db, session_id, amend, reason, template)
    try:
        text = edit(initial, resolve_path(STATE.db).parent)
    except EditorFailed as exc:
        # saved, then the editor failed (vim can exit 1 after :wq), was interrupted, or saved another encoding:
        # what was typed is kept as saved, byte for byte, as for a refusal found after the editor closed
        if exc.saved is not None:
            advice = "convert it to UTF-8" if isinstance(exc, NotUTF8) else "check it"
            _keep_unwritten(exc, exc.saved, session_id, amend, reason, advice)
        raise
    if text is None:
        raise Refused("the note was left empty or unchanged; nothing was written")
    return text, (initial.strip() if amend is not None else None)


def _keep_unwritten(exc: Exception, saved: bytes, session_id: int, amend: int | None, reason: str | None,
                    advice: str = "correct it") -> None:
    """A note written in the editor and then refused (too long, a control character pasted in, the
    database busy, the session erased meanwhile, Ctrl-C while waiting), or saved before the editor failed, is kept in a private
    file beside the caseload (practice/drafts.py), and the error names it with the command that writes it
    once corrected."""
    import shlex
    import sqlite3

    from therapy_cli.commands._common import STATE
    from therapy_cli.errors import DatabaseError, TherapyError
    from therapy_cli.failures import one_line
    from therapy_cli.practice import drafts
    from therapy_cli.storage.db import resolve_path
    from therapy_cli.storage.files import shown

    if isinstance(exc, KeyboardInterrupt):
        advice = "check it"
    caseload = resolve_path(STATE.db)
    path = drafts.keep(caseload.parent, caseload, session_id, saved)
    if path is None:
        return  # the first error still stands; nothing more can be done for the text
    again = ["therapy", *(["--db", str(STATE.db)] if STATE.db else []), "session", "note", str(session_id), "-"]
    if amend is not None:
        again += ["--amend", str(amend), "--reason", reason or "REASON"]
    kept = (f"your text is kept in {shown(path)} (mode 0600): {advice}, run "
            f"'{shlex.join(again)} < {shlex.quote(str(path))}', then delete the file")
    if isinstance(exc, TherapyError):
        exc.args = (f"{exc}; {kept}",)
        return
    if isinstance(exc, KeyboardInterrupt):   # Ctrl-C while the write waited for a busy caseload
        from therapy_cli.editor import Interrupted

        raise Interrupted(f"interrupted; the note was not written; {kept}") from None
    # anything else would end as an error line that does not name the file: say it here, with no client data
    detail = one_line(str(exc)) if isinstance(exc, sqlite3.Error) else exc.__class__.__name__
    raise DatabaseError(f"the note could not be written ({detail}); {kept}") from None


@app.command("training")
def training(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What the training is.")],
    at: Annotated[str, typer.Option("--at", metavar="DATETIME", help="Start.")],
    duration: Annotated[int, typer.Option("--duration", metavar="MIN", help="Length in minutes, 5-600.")],
    audience: Annotated[str, typer.Option("--audience", metavar="TEXT", help="Who it is for.")],
    participants: Annotated[int, typer.Option("--participants", metavar="N", help="How many attend.")],
    status: Annotated[Optional[Status], typer.Option(
        "--status", help="Default: attended before today, scheduled from today on.")] = None,
    mode: ModeOpt = Mode.in_person,
    allow_overlap: OverlapOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a training group for other professionals (training hours, never clinical hours).

    Example: therapy session training 'Working with trauma' --at '2026-11-12 07:00' --duration 90 --audience 'GP trainees' --participants 12
    """
    from therapy_cli.practice import sessions

    warnings: list[str] = []
    with database(write=True) as db:
        record = sessions.add_training(db, title, _parse_at(db, at, "--at"), duration, audience, participants,
                                       status.value if status else None, mode.value, allow_overlap, warnings)
    _warn_all(warnings)
    _show_one(record, output_format(fmt, as_json, as_csv))


@app.command("export")
def export(
    ics: Annotated[str, typer.Option("--ics", metavar="FILE",
                                     help="The .ics file to write (mode 0600); - for standard output.")],
    from_: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="From (default: today).")] = None,
    to: ToOpt = None,
    with_names: Annotated[bool, typer.Option("--with-names",
                                             help="Put client names in the events (default: id and initials).")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Export sessions as an iCalendar file; importing it again updates the same events.

    Example: therapy session export --ics ~/sessions.ics --from today --to 2027-03-31
    Example: therapy session export --ics - --from monday
    """
    from therapy_cli.io import ics as ical
    from therapy_cli import render
    from therapy_cli.practice import sessions
    from therapy_cli.storage.files import write_private

    with database() as db:
        start = parse_date_option(from_, "--from")
        records = sessions.calendar_sessions(db, start, parse_date_option(to, "--to"))
        content = ical.build_calendar(records, db.tz, ical.calendar_token(db), with_names)
        start = start or db.today
    if ics == "-":  # the calendar itself on stdout (to pipe on); the summary goes to stderr
        import sys

        sys.stdout.flush()
        sys.stdout.buffer.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        sys.stdout.buffer.flush()
        render.message(f"Wrote {len(records)} session(s) to standard output")
        return
    path = write_private(ics, content)
    from therapy_cli.storage.files import shown

    render.message(f"Wrote {len(records)} session(s) to {shown(path)}")
    render.emit({"file": str(path), "sessions": len(records), "from": start.isoformat(),
                 "to": to and parse_date_option(to, "--to").isoformat(), "with_names": with_names},
                output_format(fmt, as_json, as_csv))
