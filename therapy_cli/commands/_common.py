"""What every command shares: the output options and confirmation, with the run's state and open database
from `therapy_cli.runtime` (which the fast path uses too)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer
from typer._click.types import ParamType   # typer's own click, the one its commands parse with

from therapy_cli.errors import Refused
from therapy_cli.runtime import STATE, State, database, date_order, parse_date_option, today  # noqa: F401


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


class RecordId(ParamType):
    """A record's id, a whole number. Given anything else — a note typed before its session's id — the usage
    error does not repeat it: a sentence about a client would otherwise land on the terminal and in logs."""
    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isascii() and text.lstrip("-").isdigit():
            return int(text)
        shown = repr(text) if len(text) <= 12 and " " not in text else f"text of {len(text)} characters"
        self.fail(f"{shown} is not an id (a whole number); the id comes first", param, ctx)


def output_format(fmt: Format, as_json: bool = False, as_csv: bool = False) -> str:
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv cannot be used together; choose one (or --format)")
    if as_json:
        return "json"
    if as_csv:
        return "csv"
    return fmt.value


def confirm(question: str, yes: bool, without_terminal: str | None = None) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given (saying `without_terminal`, when given,
    instead of the question: a question that names a client in full is for the terminal, not for a log)."""
    if yes:
        return
    if not sys.stdin.isatty():
        # the question as it would be asked, then why it was not: `Delete session #3? (no terminal to ...)`
        raise Refused(f"{without_terminal or question} (no terminal to ask on; nothing was changed: run again "
                      "with --yes to confirm)")
    try:
        answer = typer.confirm(question, default=False, err=True)
    except typer.Abort:   # Ctrl-C or Ctrl-D at the question: an answer of no, said as every refusal is
        answer = False
        typer.echo(err=True)
    if not answer:
        raise Refused("cancelled; nothing was changed")


def in_range(value: int | None, option: str, low: int, high: int | None = None) -> int | None:
    """A whole-number option within its range (None: not given). Out of range is exit 1, as SPEC says of a
    value out of range; a value that is not a whole number at all is click's usage error, exit 2."""
    if value is not None and (value < low or (high is not None and value > high)):
        from therapy_cli.errors import InvalidValue

        span = f"at least {low}" if high is None else f"{low} to {high}"
        raise InvalidValue(f"{option} must be {span}, not {value}")
    return value
