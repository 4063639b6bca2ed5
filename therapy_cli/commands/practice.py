"""`therapy practice`: figures across several practitioners' files, without merging them."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, output_format
from therapy_cli.commands.daily import practice_outcomes_command, practice_period_command

app = typer.Typer(help="A practice of several practitioners: one row per practitioner's file and a total.",
                  no_args_is_help=True)
report_app = typer.Typer(help="Roll-up reports over practitioners' files, each opened read-only.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

FileOpt = Annotated[Optional[List[str]], typer.Option(
    "--file", metavar="PATH", help="A practitioner's caseload file (repeatable).")]
DirOpt = Annotated[Optional[str], typer.Option(
    "--dir", metavar="DIR", help="Every *.db file in this folder (e.g. a shared folder of backups), except the "
                         "NAME-before-restore-*.db copies that db restore keeps.")]


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
    practice_period_command("week", files, directory, week, output_format(fmt, as_json, as_csv))


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
    practice_period_command("month", files, directory, month, output_format(fmt, as_json, as_csv))


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
    practice_outcomes_command(files, directory, start, end, output_format(fmt, as_json, as_csv))
