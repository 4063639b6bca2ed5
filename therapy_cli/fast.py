"""The fast path: the command lines run every day, parsed without click or Typer.

Importing Typer and its click costs ~40 ms, half of `therapy`'s start-up, before any work is done
(docs/performance.md has the `-X importtime` table). For the plain forms of the daily command lines —

    therapy --help | -h
    therapy remind                                  therapy report week|month|quarter|outcomes|caseload|income
    therapy practice report week|month|outcomes     therapy client show CLIENT
    therapy note search QUERY                       therapy invoice create [CLIENT]

with the options each declares (`SPECS`), the root options --db, --today and --no-pager before or after
the command, and FORMAT (--format/-f, --json, --csv) — this module reads the arguments itself and calls
the same bodies the Typer commands call (`commands/daily.py`), with the same error translation
(`failures.py`). Anything else — another command, an option it does not know, `--help` after a command,
a value that looks like an option, `--json` with `--csv`, a bad `--format`, `--limit` or `--today`,
`--` — is handed to click untouched, so every usage error and every help text still comes from click.
tests/test_fast.py runs each form both ways and compares stdout, stderr, exit code and files written, and
checks that SPECS names exactly the options click declares for each command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from therapy_cli.argv import conflicting_global_option, hoist_global_options

FORMATS = ("table", "json", "csv")


class Spec:
    """The options one command takes: VALUES (last one wins), LISTS (repeatable), FLAGS, INTS (a value that
    must be a whole number), and ARGS positional arguments of which the first REQUIRED must be given."""

    def __init__(self, values: dict, lists: dict | None = None, flags: dict | None = None, csv_style: bool = True,
                 args: tuple[str, ...] = (), required: int | None = None, ints: tuple[str, ...] = ()):
        self.values = {"--format": "fmt", "-f": "fmt", **values}
        self.lists = lists or {}
        self.flags = {"--json": "as_json", "--csv": "as_csv", **(flags or {})}
        if csv_style:
            self.flags.update({"--raw": "raw", "--bom": "bom"})
        self.args = args
        self.required = len(args) if required is None else required
        self.ints = ints


_PERIOD = {"--append": "append"}
_PRACTICE = {"--dir": "directory"}
_NO_HEADER = {"--no-header": "no_header"}
_SPAN = {"--from": "start", "--to": "end"}
SPECS: dict[tuple[str, ...], Spec] = {
    ("remind",): Spec({"--within": "within"}, {"--kind": "kinds"}, {"--names": "names", "--all": "everything"},
                       csv_style=False),
    ("report", "week"): Spec({"--week": "value", **_PERIOD}, flags=_NO_HEADER),
    ("report", "month"): Spec({"--month": "value", **_PERIOD}, flags=_NO_HEADER),
    ("report", "quarter"): Spec({"--quarter": "value", **_PERIOD}, flags=_NO_HEADER),
    ("report", "outcomes"): Spec(_SPAN, flags=_NO_HEADER),
    ("report", "caseload"): Spec({}, flags=_NO_HEADER),
    ("report", "income"): Spec({"--tax-year": "tax_year", **_SPAN}, flags=_NO_HEADER),
    ("practice", "report", "week"): Spec({"--week": "value", **_PRACTICE}, {"--file": "files"}),
    ("practice", "report", "month"): Spec({"--month": "value", **_PRACTICE}, {"--file": "files"}),
    ("practice", "report", "outcomes"): Spec({**_SPAN, **_PRACTICE}, {"--file": "files"}),
    ("client", "show"): Spec({}, args=("client",)),
    ("note", "search"): Spec({"--client": "client", **_SPAN, "--limit": "limit"}, args=("query",), ints=("limit",)),
    ("invoice", "create"): Spec({"--month": "month", **_SPAN, "--on": "on"}, flags={"--all": "all_clients"},
                                args=("client",), required=0),
}


def plan(argv: list[str]) -> Callable[[], None] | None:
    """What to run for ARGV without click, or None: click parses it (and reports any mistake)."""
    if argv in (["--help"], ["-h"]):
        return _root_help if _help_width_is_standard() else None
    args = hoist_global_options(argv)
    if conflicting_global_option(args):
        return None   # click's usage error
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
    words: list[str] = []
    if _options(args, i + len(path), spec.values, spec.lists, spec.flags, given, words) is None:
        return None
    if not spec.required <= len(words) <= len(spec.args):
        return None
    given.update(zip(spec.args, words))
    for name in spec.ints:
        if name in given:
            try:
                given[name] = int(given[name])
            except ValueError:
                return None   # click's usage error (exit 2); a number out of range is the command's (exit 1)
    if given["as_json"] and given["as_csv"] or given["fmt"] not in FORMATS:
        return None
    fmt = "json" if given.pop("as_json") else "csv" if given.pop("as_csv") else given.pop("fmt")
    if root["today"] is None:
        root["today"] = os.environ.get("THERAPY_TODAY") or None
    return lambda: _run(root, path, fmt, given)


def _options(args: list[str], i: int, values: dict, lists: dict, flags: dict, into: dict,
             words: list[str] | None = None) -> int | None:
    """Read options from args[i:] into INTO; the words that are not options go to WORDS (a command's
    positional arguments) or, when WORDS is None, end the options (the root's, before the command).
    Returns the index where reading stopped; None: not a plain form."""
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            if words is None:
                return i
            if arg == "-" or arg == "":
                return None
            words.append(arg)
            i += 1
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in values or name in lists:
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

        from therapy_cli.dates import parse_today
        from therapy_cli.errors import TherapyError

        try:
            STATE.today = parse_today(root["today"], date.today())
        except TherapyError:
            raise _ClickShouldSay from None
    if SPECS[path].flags.get("--raw"):
        from therapy_cli import render

        render.CSV.raw, render.CSV.bom = given.pop("raw", False), given.pop("bom", False)
    _dispatch(path, fmt, given)


def _dispatch(path: tuple[str, ...], fmt: str, given: dict) -> None:
    from therapy_cli.commands import daily

    get = given.get
    if path == ("remind",):
        daily.remind_command(get("within", "1d"), get("kinds"), get("names", False), fmt, get("everything", False))
    elif path[0] == "report" and path[1] in ("week", "month", "quarter"):
        daily.period_command(path[1], get("value"), fmt, get("no_header", False), get("append"))
    elif path == ("report", "outcomes"):
        daily.outcomes_command(get("start"), get("end"), fmt, get("no_header", False))
    elif path == ("report", "caseload"):
        daily.caseload_command(fmt, get("no_header", False))
    elif path == ("report", "income"):
        daily.income_command(get("tax_year"), get("start"), get("end"), fmt, get("no_header", False))
    elif path == ("practice", "report", "outcomes"):
        daily.practice_outcomes_command(get("files"), get("directory"), get("start"), get("end"), fmt)
    elif path[0] == "practice":
        daily.practice_period_command(path[2], get("files"), get("directory"), get("value"), fmt)
    elif path == ("client", "show"):
        daily.client_show_command(given["client"], fmt)
    elif path == ("note", "search"):
        daily.note_search_command(given["query"], get("client"), get("start"), get("end"), get("limit", 50), fmt)
    else:
        daily.invoice_create_command(get("client"), get("all_clients", False), get("month"), get("start"),
                                     get("end"), get("on"), fmt)


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
        from therapy_cli.failures import new_run

        new_run()
        try:
            run()
        except _ClickShouldSay:
            pass
        except KeyboardInterrupt:
            print("\nAborted!", file=sys.stderr)
            sys.exit(1)
        except Exception as exc:
            from therapy_cli.failures import explain

            code = explain(exc)
            if code is None:
                raise
            sys.exit(code)
        else:
            sys.exit(0)
    from therapy_cli.cli import main as click_main

    click_main()
