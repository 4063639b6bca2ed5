"""What every command shares: the open database, output options, confirmation."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Iterator

import typer

from therapy_cli.errors import Refused


@dataclass
class State:
    db: str | None = None
    today: date | None = None
    date_order: str | None = None   # the setting date.order, read once a slashed date needs it


STATE = State()


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _one_shorthand(ctx: typer.Context, param, value: bool) -> bool:
    """`--json --csv` together is a usage error (exit 2), found while parsing: before anything is written."""
    other = "as_csv" if param.name == "as_json" else "as_json"
    if value and ctx.params.get(other):
        raise typer.BadParameter("--json and --csv cannot be used together; choose one (or --format)")
    return value


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, json or csv.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Shorthand for --format json.", callback=_one_shorthand)]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Shorthand for --format csv.", callback=_one_shorthand)]


def output_format(fmt: Format, as_json: bool = False, as_csv: bool = False) -> str:
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv cannot be used together; choose one (or --format)")
    if as_json:
        return "json"
    if as_csv:
        return "csv"
    return fmt.value


def parse_date_option(text: str | None, what: str):
    """A DATE option (YYYY-MM-DD, today, tomorrow, yesterday, weekday), None when not given."""
    if text is None:
        return None
    from therapy_cli.dates import parse_date

    return parse_date(text, today(), what)


@contextmanager
def database(write: bool = False) -> Iterator["Database"]:  # noqa: F821
    """The caseload for this command, as one transaction (write: BEGIN IMMEDIATE)."""
    from therapy_cli.storage.db import open_database, resolve_path

    db = open_database(resolve_path(STATE.db), today=STATE.today)
    try:
        with db.transaction(write=write):
            yield db
        if write:
            from therapy_cli.storage import scrub

            # an erasure whose scrub a reader held up is finished by the next write
            db.scrub_pending = not scrub.finish_pending(db, wait=scrub.NEXT_WRITE_WAIT_SECONDS)
    finally:
        db.close()


def date_order() -> str | None:
    """The setting date.order (dmy, mdy or None), read from the caseload the first time it is needed."""
    if STATE.date_order is None:
        from therapy_cli.storage.db import open_database, resolve_path

        db = open_database(resolve_path(STATE.db), today=STATE.today)
        try:
            STATE.date_order = db.setting("date.order") or ""
        finally:
            db.close()
    return STATE.date_order or None


def today() -> date:
    return STATE.today or date.today()


def confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Refused(f"{question.rstrip('?')}: this replaces or destroys data; run again with --yes to confirm")
    if not typer.confirm(question, default=False, err=True):
        raise Refused("cancelled; nothing was changed")
