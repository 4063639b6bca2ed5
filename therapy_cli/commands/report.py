"""`therapy report`: period summaries with targets, outcomes, referrals, caseload, client documents."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format, parse_date_option
# The daily reports' bodies and views are typer-free, shared with the fast path (therapy_cli/fast.py).
from therapy_cli.commands.daily import (
    _emit, _period, _span, caseload_command, income_command, outcomes_command, period_command,
)

app = typer.Typer(help="Reports: week, month, quarter, period, outcomes, referrals, caseload, client documents.",
                  no_args_is_help=True)

FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="First day (inclusive).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Last day (inclusive; default today).")]
NoHeaderOpt = Annotated[bool, typer.Option("--no-header", help="CSV without the header line (for appending).")]
AppendOpt = Annotated[Optional[str], typer.Option(
    "--append", metavar="FILE.csv", help="Add the figures as one CSV row to FILE (header only when FILE is new; "
                                         "mode 0600; nothing on stdout): a weekly summary from cron. A row "
                                         "for the same period is replaced, so a retried cron run writes "
                                         "the period once.")]

@app.command("week")
def week(
    week: Annotated[Optional[str], typer.Option("--week", metavar="YYYY-Www",
                                                help="ISO week, e.g. 2026-W47, or this or last "
                                                     "(default: this week).")] = None,
    no_header: NoHeaderOpt = False, append: AppendOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """The week's figures (Monday to Sunday) against the weekly targets.

    Example: therapy report week --week 2026-W47 --csv
    Example: therapy report week --week last --append ~/therapy/weekly.csv
    """
    period_command("week", week, output_format(fmt, as_json, as_csv), no_header, append)


@app.command("month")
def month(
    month: Annotated[Optional[str], typer.Option("--month", metavar="YYYY-MM",
                                                 help="Calendar month, e.g. 2026-11, or this or last "
                                                      "(default: this month).")] = None,
    no_header: NoHeaderOpt = False, append: AppendOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """The month's figures against the monthly targets.

    Example: therapy report month --month 2026-11 --json
    """
    period_command("month", month, output_format(fmt, as_json, as_csv), no_header, append)


@app.command("quarter")
def quarter(
    quarter: Annotated[Optional[str], typer.Option("--quarter", metavar="YYYY-Qn",
                                                   help="Calendar quarter, e.g. 2026-Q4 (October to December), "
                                                        "or this, last or next (default: this quarter).")] = None,
    no_header: NoHeaderOpt = False, append: AppendOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """The quarter's figures against the quarterly targets (targets.quarter.METRIC).

    Example: therapy report quarter --quarter last --json
    """
    period_command("quarter", quarter, output_format(fmt, as_json, as_csv), no_header, append)


@app.command("period")
def period(
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day (inclusive).")],
    end: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day (inclusive).")],
    no_header: NoHeaderOpt = False, append: AppendOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Figures for any inclusive period (targets shown when it is exactly one ISO week, month or quarter).

    Example: therapy report period --from 2026-09-01 --to 2026-11-30 --json
    """
    from therapy_cli.reports import service as reports

    with database() as db:
        report = reports.custom_period_report(db, parse_date_option(start, "--from"), parse_date_option(end, "--to"))
    _period(report, output_format(fmt, as_json, as_csv), no_header, append)


@app.command("outcomes")
def outcomes(start: FromOpt = None, end: ToOpt = None, no_header: NoHeaderOpt = False,
             fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Service outcomes (NHS Talking Therapies rules) over clients discharged in the period.

    Default period: the twelve months up to today.

    Example: therapy report outcomes --from 2026-01-01 --to 2026-12-31 --json
    """
    outcomes_command(start, end, output_format(fmt, as_json, as_csv), no_header)

def _referral_rows(report: dict) -> list[dict]:
    rows = [{"direction": "in", "by": "source", "name": g["source"], "contact_id": None,
             "referrals": g["referrals"], "started": g["started"], "median_wait_days": g["median_wait_days"],
             "median_wait_to_assessment_days": g["median_wait_to_assessment_days"]}
            for g in report["by_source"]]
    rows += [{"direction": "in", "by": "contact", "name": g["name"], "contact_id": g["contact_id"],
              "referrals": g["referrals"], "started": g["started"], "median_wait_days": g["median_wait_days"],
             "median_wait_to_assessment_days": g["median_wait_to_assessment_days"]}
             for g in report["by_contact"]]
    rows += [{"direction": "out", "by": "contact", "name": g["name"], "contact_id": g["contact_id"],
              "referrals": g["referrals"], "started": None, "median_wait_days": None,
              "median_wait_to_assessment_days": None}
             for g in report["referrals_out"]]
    return rows


def _show_referrals(report: dict) -> None:
    from therapy_cli import render

    p = report["period"]
    rows = _referral_rows(report)
    if not rows:
        render.message(f"No referrals in or out from {p['start']} to {p['end']}.")
        return
    render.write_table(rows, ["direction", "by", "name", "referrals", "started", "median_wait_days",
                              "median_wait_to_assessment_days"],
                       title=f"Referrals {p['start']} to {p['end']}",
                       headers={"median_wait_days": "median wait to treatment (days)",
                                "median_wait_to_assessment_days": "to first contact (days)"})


@app.command("referrals")
def referrals(start: FromOpt = None, end: ToOpt = None, no_header: NoHeaderOpt = False,
              fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Referrals in by source and by referring contact, and out by contact (for networking).

    Default period: the twelve months up to today.

    Example: therapy report referrals --from 2026-01-01 --csv
    """
    from therapy_cli.reports import service as reports

    first, last = _span(start, end)
    with database() as db:
        report = reports.referrals_report(db, first, last)
    _emit(report, output_format(fmt, as_json, as_csv), no_header, table=_show_referrals,
          csv_rows=_referral_rows, columns=["direction", "by", "name", "contact_id", "referrals", "started",
                                            "median_wait_days", "median_wait_to_assessment_days"])


@app.command("caseload")
def caseload_(no_header: NoHeaderOpt = False,
              fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Every waiting and active client: sessions so far, last and next, latest scores, risk level and
    questionnaire flag, review due.

    Example: therapy report caseload --json
    """
    caseload_command(output_format(fmt, as_json, as_csv), no_header)

@app.command("client")
def client_(
    client: Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE.md|FILE.html",
        help="Where to write the report; .md for Markdown, .html for HTML (default: Markdown on stdout).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace FILE if it exists.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Write an end-of-therapy or progress report for a referrer: Markdown, or one self-contained HTML page
    with an inline chart (prints well). The file is readable by you alone; writing it is audited.

    Example: therapy report client 'Ian Morgan' --output ian-morgan.html
    Example: therapy report client 'Ian Morgan'
    """
    import sys
    from pathlib import Path

    from therapy_cli import render

    from therapy_cli.reports import client_report

    from therapy_cli.practice import clients
    from therapy_cli.commands._common import confirm

    from therapy_cli.storage.files import check_target

    fmt_name = output_format(fmt, as_json, as_csv)
    if output is None:
        with database(write=True) as db:
            client = clients.find_client(db, client)
            text = client_report.markdown_report(db, client)
            db.audit("report", "client", client["id"], "client report shown (markdown)", client["id"])
        if fmt_name == "table":
            sys.stdout.write(text)
        else:
            render.emit({"client_id": client["id"], "format": "markdown", "text": text}, fmt_name)
        return
    client_report.format_of(output)
    check_target(output)
    if Path(output).expanduser().exists():
        confirm(f"{output} exists; replace it?", yes)
    with database(write=True) as db:
        client = clients.find_client(db, client)
        result = client_report.write_report(db, client, output)
        db.audit("report", "client", client["id"], f"client report written ({result['format']})", client["id"])
    if fmt_name == "table":
        from therapy_cli.storage.files import shown

        render.message(f"Wrote {shown(result['path'])} ({result['format']}, {result['bytes']} bytes, readable by you alone).")
    else:
        render.emit(result, fmt_name)


@app.command("income")
def income_(
    tax_year: Annotated[Optional[str], typer.Option(
        "--tax-year", metavar="YYYY/YY", help="A UK tax year, 6 April to 5 April (this, last or e.g. 2026/27; "
                                              "default: the one holding today).")] = None,
    from_: FromOpt = None, to: ToOpt = None, no_header: NoHeaderOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Income: invoiced (by issue date), received (by payment date), outstanding and aged debt
    (0-30, 31-60, 61-90, over 90 days since issue), by month. Void invoices count nowhere.
    JSON amounts are minor units (*_minor) with currency; CSV is a row per month and a total.

    Example: therapy report income --tax-year 2026/27 --csv > income-2026-27.csv
    """
    income_command(tax_year, from_, to, output_format(fmt, as_json, as_csv), no_header)
