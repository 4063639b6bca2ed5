"""`therapy practice`: figures across several practitioners' files, without merging them."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, output_format, parse_date_option, today

app = typer.Typer(help="A practice of several practitioners: one row per practitioner's file and a total.",
                  no_args_is_help=True)
report_app = typer.Typer(help="Roll-up reports over practitioners' files, each opened read-only.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

FileOpt = Annotated[Optional[List[str]], typer.Option(
    "--file", metavar="PATH", help="A practitioner's caseload file (repeatable).")]
DirOpt = Annotated[Optional[str], typer.Option(
    "--dir", metavar="DIR", help="Every *.db file in this folder (e.g. a shared folder of backups).")]

_COLUMNS = [("practitioner", ("name",)), ("attended", ("sessions", "attended")), ("DNA", ("sessions", "dna")),
            ("cancelled", ("sessions", "cancelled")), ("late", ("sessions", "late_cancelled")),
            ("clients seen", ("clients_seen",)), ("cases seen", ("cases_seen",)),
            ("clinical hours", ("clinical_hours",)), ("DNA rate", ("dna_rate",)),
            ("new referrals", ("new_referrals",)), ("discharges", ("discharges",)), ("waiting", ("waiting",))]


def _pick(row: dict, path: tuple):
    value = row
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _cell(row: dict, path: tuple):
    value = _pick(row, path)
    if path[-1].endswith("rate") and isinstance(value, (int, float)):
        return f"{round(100 * value)}%"
    return value


def _rows(report: dict, columns) -> list[dict]:
    rows = [{label: _cell(p, path) for label, path in columns} for p in report["practitioners"]]
    rows.append({label: ("Total" if path == ("name",) else _cell(report["total"], path)) for label, path in columns})
    return rows


def _csv_rows(report: dict) -> list[dict]:
    """One flat row per practitioner, then the total (targets per practitioner as target_/met_ columns)."""
    p = report["period"]
    out = []
    for row in [*report["practitioners"], {"name": "Total", "file": "", **report["total"]}]:
        flat = {"period_start": p["start"], "period_end": p["end"]}
        for key, value in row.items():
            if key == "targets":
                for target in value:
                    name = target["name"] + ("_max" if target.get("direction") == "max" else "")
                    flat[f"target_{name}"] = target["target"]
                    flat[f"met_{name}"] = "yes" if target["met"] else "no"
            elif isinstance(value, dict):
                flat.update({f"{key}_{sub}": inner for sub, inner in value.items()})
            else:
                flat[key] = value
        out.append(flat)
    return out


def _show(report: dict, columns, title: str) -> None:
    from therapy_cli import render

    p = report["period"]
    render.write_table(_rows(report, columns), [label for label, _ in columns],
                       title=f"{title}: {p['start']} to {p['end']}")
    missed = [(p["name"], t) for p in report["practitioners"] for t in p.get("targets", []) if not t["met"]]
    if missed:
        print()
        render.write_table([{"practitioner": name, "target": t["name"].replace("_", " ")
                             + (" (at most)" if t.get("direction") == "max" else ""), "actual": t["actual"],
                             "goal": t["target"]} for name, t in missed],
                           ["practitioner", "target", "actual", "goal"], title="Targets missed")


def _emit(report: dict, fmt: str, columns, title: str) -> None:
    from therapy_cli import render

    if fmt == "table":
        _show(report, columns, title)
    else:
        render.emit(report, fmt, csv_rows=_csv_rows)


def _paths(files, directory):
    from therapy_cli.reports.practice import practice_files

    return practice_files(files or [], directory)


@report_app.command("week")
def week(
    files: FileOpt = None, directory: DirOpt = None,
    week: Annotated[Optional[str], typer.Option("--week", metavar="YYYY-Www",
                                                help="ISO week, e.g. 2026-W47, or this or last "
                                                     "(default: this week).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """The week's figures for each practitioner's file, against that file's weekly targets, and a total.

    Each file is opened read-only; no client's name or id leaves it.

    Example: therapy practice report week --dir ~/service/caseloads --week last --csv
    """
    from therapy_cli.dates import parse_week_or_relative
    from therapy_cli.reports.practice import period_rollup

    start, end = parse_week_or_relative("this" if week is None else week, today(), "--week")
    report = period_rollup(_paths(files, directory), start, end, "week", today())
    _emit(report, output_format(fmt, as_json, as_csv), _COLUMNS, "Practice week")


@report_app.command("month")
def month(
    files: FileOpt = None, directory: DirOpt = None,
    month: Annotated[Optional[str], typer.Option("--month", metavar="YYYY-MM",
                                                 help="Calendar month, e.g. 2026-11, or this or last "
                                                      "(default: this month).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """The month's figures for each practitioner's file, against that file's monthly targets, and a total.

    Example: therapy practice report month --file alex.db --file sam.db --month 2026-11 --json
    """
    from therapy_cli.dates import parse_month_or_relative
    from therapy_cli.reports.practice import period_rollup

    start, end = parse_month_or_relative("this" if month is None else month, today(), "--month")
    report = period_rollup(_paths(files, directory), start, end, "month", today())
    _emit(report, output_format(fmt, as_json, as_csv), _COLUMNS, "Practice month")


_OUTCOME_COLUMNS = [("practitioner", ("name",)), ("discharged", ("discharged",)), ("finished", ("finished",)),
                    ("at caseness", ("at_caseness",)), ("recovered", ("recovered",)),
                    ("recovery rate", ("recovery_rate",)),
                    ("reliable improvement", ("reliable_improvement_rate",)),
                    ("reliable recovery", ("reliable_recovery_rate",)),
                    ("median wait", ("median_wait_days",)), ("within 6 weeks", ("within_6_weeks_rate",)),
                    ("within 18 weeks", ("within_18_weeks_rate",))]


@report_app.command("outcomes")
def outcomes(
    files: FileOpt = None, directory: DirOpt = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="First day (inclusive).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="DATE",
                                               help="Last day (inclusive; default today).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Service outcomes (NHS Talking Therapies rules) per practitioner's file and for the whole practice.

    The total applies the same rules to every file's discharged clients together (rates and the
    median wait are computed, not summed). Default period: the twelve months up to today.

    Example: therapy practice report outcomes --dir ~/service/caseloads --from 2026-04-01 --json
    """
    from datetime import timedelta

    from therapy_cli.dates import add_months, check_span
    from therapy_cli.reports.practice import outcomes_rollup

    last = parse_date_option(end, "--to") or today()
    first = parse_date_option(start, "--from") or (add_months(last, -12) + timedelta(days=1))
    check_span(first, last)
    report = outcomes_rollup(_paths(files, directory), first, last, today())
    _emit(report, output_format(fmt, as_json, as_csv), _OUTCOME_COLUMNS, "Practice outcomes")
