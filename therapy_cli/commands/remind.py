"""`therapy remind`: what needs attention, for cron (silent when nothing is due)."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format


def remind(
    within: Annotated[str, typer.Option("--within", metavar="Nd",
                                        help="Sessions on the dates from today to today + N days (default 1d: "
                                             "today and tomorrow); also reviews due by then.")] = "1d",
    kind: Annotated[Optional[List[str]], typer.Option(
        "--kind", metavar="KIND", help="Only these kinds (repeatable): session, note_missing, dna_follow_up, "
                                       "review_due, measure_due, supervision_due, cpd_behind, waiting_long, "
                                       "no_recent_session, retention_due, invoice_overdue.")] = None,
    names: Annotated[bool, typer.Option("--names", help="Full client names (default: id and initials, "
                                                        "e.g. #3 A.M., safer in mail).")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List what needs attention: coming sessions, missing notes, DNAs to follow up, reviews and measures
    due, supervision and CPD behind, long waits, clients not seen for 4 weeks, records past retention,
    invoices unpaid past their terms.

    Nothing due: no output at all and exit 0, so cron sends no mail (JSON: []).

    Example: therapy remind --within 3d
    Example: therapy remind --json
    """
    from therapy_cli.reports import reminders
    from therapy_cli.dates import parse_days
    from therapy_cli.errors import InvalidValue

    days = parse_days(within, "--within")
    for name in kind or []:
        if name not in reminders.KINDS:
            raise InvalidValue(f"--kind {name!r} is not one of {', '.join(reminders.KINDS)}")
    with database() as db:
        items = reminders.reminders(db, days, names, kind)
    fmt_name = output_format(fmt, as_json, as_csv)
    if fmt_name == "json":
        from therapy_cli import render

        render.emit(items, "json")
        return
    if not items:
        return
    if fmt_name == "csv":
        from therapy_cli import render

        render.emit(items, "csv", columns=["kind", "client_id", "due", "message"])
        return
    width = max(len(item["kind"]) for item in items)
    for item in items:
        print(f"{item['due']}  {item['kind'].ljust(width)}  {item['message']}")
