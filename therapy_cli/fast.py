"""The fast path: the command lines cron and scripts run every day, parsed without click or Typer.

Importing Typer and its click costs ~40 ms, half of `therapy`'s start-up, before any work is done
(docs/performance.md has the `-X importtime` table). For the plain forms of a few daily command lines —

    therapy --help | -h
    therapy [ROOT OPTIONS] remind [--within Nd] [--kind KIND]... [--names] [FORMAT]
    therapy [ROOT OPTIONS] report week|month|quarter [--week|--month|--quarter V] [--append F]
                                                     [--no-header] [FORMAT] [--raw] [--bom]
    therapy [ROOT OPTIONS] practice report week|month [--week|--month V] [--file P]... [--dir D] [FORMAT] [--raw] [--bom]
    therapy [ROOT OPTIONS] practice report outcomes [--from D] [--to D] [--file P]... [--dir D] [FORMAT] [--raw] [--bom]

(ROOT OPTIONS: --db, --today, --no-pager, before or after the command; FORMAT: --format/-f, --json, --csv) —
this module reads the arguments itself and calls the same bodies the Typer commands call
(`commands/daily.py`), with the same error translation (`failures.py`). Anything else — another command,
an option it does not know, a value that looks like an option, `--json` with `--csv`, a bad `--format`
or `--today`, `--` — is handed to click untouched, so every usage error and every help text still
comes from click. tests/test_fast.py runs each form both ways and compares stdout, stderr, exit code
and files written.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from therapy_cli.argv import hoist_global_options

FORMATS = ("table", "json", "csv")


class Spec:
    """The options one command takes: VALUES (last one wins), LISTS (repeatable), FLAGS."""

    def __init__(self, values: dict, lists: dict | None = None, flags: dict | None = None, csv_style: bool = True):
        self.values = {"--format": "fmt", "-f": "fmt", **values}
        self.lists = lists or {}
        self.flags = {"--json": "as_json", "--csv": "as_csv", **(flags or {})}
        if csv_style:
            self.flags.update({"--raw": "raw", "--bom": "bom"})


_PERIOD = {"--append": "append"}
_PRACTICE = {"--dir": "directory"}
SPECS: dict[tuple[str, ...], Spec] = {
    ("remind",): Spec({"--within": "within"}, {"--kind": "kinds"}, {"--names": "names"}, csv_style=False),
    ("report", "week"): Spec({"--week": "value", **_PERIOD}, flags={"--no-header": "no_header"}),
    ("report", "month"): Spec({"--month": "value", **_PERIOD}, flags={"--no-header": "no_header"}),
    ("report", "quarter"): Spec({"--quarter": "value", **_PERIOD}, flags={"--no-header": "no_header"}),
    ("practice", "report", "week"): Spec({"--week": "value", **_PRACTICE}, {"--file": "files"}),
    ("practice", "report", "month"): Spec({"--month": "value", **_PRACTICE}, {"--file": "files"}),
    ("practice", "report", "outcomes"): Spec({"--from": "start", "--to": "end", **_PRACTICE}, {"--file": "files"}),
}


def plan(argv: list[str]) -> Callable[[], None] | None:
    """What to run for ARGV without click, or None: click parses it (and reports any mistake)."""
    if argv in (["--help"], ["-h"]):
        return _root_help if _help_width_is_standard() else None
    args = hoist_global_options(argv)
    root = {"db": None, "today": None, "no_pager": False}
    i = _options(args, 0, {"--db": "db", "--today": "today"}, {}, {"--no-pager": "no_pager"}, root)
    if i is None:
        return None
    for path, spec in SPECS.items():
        if tuple(args[i:i + len(path)]) == path:
            break
    else:
        return None
    given: dict = {"fmt": "table", "as_json": False, "as_csv": False}
    if _options(args, i + len(path), spec.values, spec.lists, spec.flags, given, to_end=True) is None:
        return None
    if given["as_json"] and given["as_csv"] or given["fmt"] not in FORMATS:
        return None
    fmt = "json" if given.pop("as_json") else "csv" if given.pop("as_csv") else given.pop("fmt")
    if root["today"] is None:
        root["today"] = os.environ.get("THERAPY_TODAY") or None
    return lambda: _run(root, path, fmt, given)


def _options(args: list[str], i: int, values: dict, lists: dict, flags: dict, into: dict,
             to_end: bool = False) -> int | None:
    """Read options from args[i:] into INTO; the index of the first word that is not one (None: not a
    plain form). TO_END: every remaining word must be an option."""
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            return None if to_end else i
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if (name in values or name in lists) and not (eq and not arg.startswith("--")):
            if eq:
                value = inline
            elif i + 1 < len(args) and not args[i + 1].startswith("-"):
                value = args[i + 1]
                i += 1
            else:
                return None
            if name in values:
                into[values[name]] = value
            else:
                into.setdefault(lists[name], []).append(value)
        elif name in flags and not eq:
            into[flags[name]] = True
        else:
            return None
        i += 1
    return i


def _run(root: dict, path: tuple[str, ...], fmt: str, given: dict) -> None:
    from therapy_cli.runtime import STATE, begin

    begin(root["db"], root["no_pager"])
    if root["today"]:
        from datetime import date

        from therapy_cli.dates import parse_date
        from therapy_cli.errors import TherapyError

        try:
            STATE.today = parse_date(root["today"], date.today(), "--today")
        except TherapyError:
            raise _ClickShouldSay from None
    if SPECS[path].flags.get("--raw"):
        from therapy_cli import render

        render.CSV.raw, render.CSV.bom = given.pop("raw", False), given.pop("bom", False)
    _dispatch(path, fmt, given)


def _dispatch(path: tuple[str, ...], fmt: str, given: dict) -> None:
    from therapy_cli.commands import daily

    if path == ("remind",):
        daily.remind_command(given.get("within", "1d"), given.get("kinds"), given.get("names", False), fmt)
    elif path[0] == "report":
        daily.period_command(path[1], given.get("value"), fmt, given.get("no_header", False), given.get("append"))
    elif path[2] == "outcomes":
        daily.practice_outcomes_command(given.get("files"), given.get("directory"), given.get("start"),
                                        given.get("end"), fmt)
    else:
        daily.practice_period_command(path[2], given.get("files"), given.get("directory"), given.get("value"), fmt)


class _ClickShouldSay(Exception):
    """A mistake whose message is click's (a bad --today): nothing has been read or written yet."""


def _help_width_is_standard() -> bool:
    """click wraps help to min(terminal columns, 80) - 2: the stored text is right when that is 78."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns >= 80 or columns == 0


def _root_help() -> None:
    from therapy_cli._root_help import TEXT

    sys.stdout.write(TEXT)


def main() -> None:
    """The console script: the fast path for the daily command lines, click for everything else."""
    run = plan(sys.argv[1:])
    if run is not None:
        from therapy_cli.failures import explain

        try:
            run()
        except _ClickShouldSay:
            pass
        except KeyboardInterrupt:
            print("\nAborted!", file=sys.stderr)
            sys.exit(1)
        except Exception as exc:
            code = explain(exc)
            if code is None:
                raise
            sys.exit(code)
        else:
            sys.exit(0)
    from therapy_cli.cli import main as click_main

    click_main()
