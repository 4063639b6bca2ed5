"""`therapy report`: period summaries with targets, outcomes, referrals, caseload, client documents."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, database, output_format, parse_date_option, today,
)

app = typer.Typer(help="Reports: week, month, period, outcomes, referrals, caseload, client documents.",
                  no_args_is_help=True)

FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="First day (inclusive).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Last day (inclusive; default today).")]
NoHeaderOpt = Annotated[bool, typer.Option("--no-header", help="CSV without the header line (for appending).")]
AppendOpt = Annotated[Optional[str], typer.Option(
    "--append", metavar="FILE.csv", help="Add the figures as one CSV row to FILE (header only when FILE is new; "
                                         "mode 0600; nothing on stdout): a weekly summary from cron.")]

_LABELS = [
    ("sessions attended", ("sessions", "attended")), ("sessions DNA", ("sessions", "dna")),
    ("sessions cancelled", ("sessions", "cancelled")), ("sessions late-cancelled", ("sessions", "late_cancelled")),
    ("sessions scheduled", ("sessions", "scheduled")), ("clients seen", ("clients_seen",)),
    ("cases seen", ("cases_seen",)), ("clinical hours", ("clinical_hours",)), ("DNA rate", ("dna_rate",)),
    ("new referrals", ("new_referrals",)), ("discharges", ("discharges",)), ("waiting now", ("waiting",)),
    ("supervision hours", ("supervision_hours",)), ("CPD hours", ("cpd_hours",)),
    ("training hours", ("training_hours",)),
]


def _pick(report: dict, path: tuple):
    value = report
    for key in path:
        value = value[key]
    return value


def bar(actual: float, target: float, width: int = 20, fancy: bool = False) -> str:
    """A text progress bar: `#####.....  50%` (blocks on a terminal)."""
    share = 0.0 if target <= 0 else min(actual / target, 1.0)
    filled = round(share * width)
    full, empty = ("█", "░") if fancy else ("#", ".")
    percent = 100 if target <= 0 else round(100 * actual / target)
    return f"{full * filled}{empty * (width - filled)} {percent:>3}%"


def _label(report: dict) -> str:
    from datetime import date

    from therapy_cli.reports.service import period_label

    p = report["period"]
    return period_label(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))


def _title(report: dict) -> str:
    p = report["period"]
    return f"{_label(report) or 'Period'}: {p['start']} to {p['end']}"


def show_period(report: dict) -> None:
    """The table view: the figures, then each target with a progress bar."""
    from therapy_cli import render

    rows = []
    for label, path in _LABELS:
        value = _pick(report, path)
        if path == ("dna_rate",):
            value = f"{round(100 * value)}%"
        rows.append({"measure": label, "value": value})
    render.write_table(rows, ["measure", "value"], title=_title(report))
    if report["targets"]:
        fancy = render.fancy()
        targets = [{"target": t["name"].replace("_", " "), "actual": t["actual"], "goal": t["target"],
                    "met": "met" if t["met"] else "missed",
                    "progress": bar(t["actual"], t["target"], fancy=fancy)} for t in report["targets"]]
        print()
        render.write_table(targets, ["target", "actual", "goal", "met", "progress"], title="Targets")


def period_csv_row(report: dict) -> dict:
    """One flat row per period (a line per week in a spreadsheet)."""
    row = {"period_start": report["period"]["start"], "period_end": report["period"]["end"],
           "period": _label(report)}
    for key, value in report.items():
        if key in ("period", "targets"):
            continue
        if isinstance(value, dict):
            for sub, inner in value.items():
                row[f"{key}_{sub}"] = inner
        else:
            row[key] = value
    for target in report["targets"]:
        row[f"target_{target['name']}"] = target["target"]
        row[f"met_{target['name']}"] = "yes" if target["met"] else "no"
    return row


def _emit(data, fmt: str, no_header: bool = False, **kwargs) -> None:
    from therapy_cli import render

    if fmt == "csv" and no_header:
        import io
        import sys

        buffer = io.StringIO()
        rows = list(kwargs["csv_rows"](data)) if kwargs.get("csv_rows") else (data if isinstance(data, list) else [data])
        render.write_csv(rows, kwargs.get("columns"), out=buffer)
        sys.stdout.write(buffer.getvalue().split("\n", 1)[1])
        return
    render.emit(data, fmt, **kwargs)


def _period(report: dict, fmt: str, no_header: bool, append: str | None = None) -> None:
    if append:
        append_csv_row(append, period_csv_row(report))
        return
    _emit(report, fmt, no_header, table=show_period, csv_rows=lambda r: [period_csv_row(r)])


def append_csv_row(path: str, row: dict) -> None:
    """Add one row to a CSV file, writing the header when the file is new or empty; columns follow the file's
    header when it has one (new metrics or targets then need a new file)."""
    import csv
    import io
    from pathlib import Path

    from therapy_cli.storage.files import write_private

    from therapy_cli.errors import InvalidValue

    target = Path(path).expanduser()
    raw = target.read_bytes() if target.is_file() else b""
    try:
        # A spreadsheet that saved the file again may have added a byte-order mark and CRLF line ends:
        # the header is read without them, and the new row follows the file's line ends.
        existing = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidValue(f"{path} is not UTF-8 text (saved again by a spreadsheet?); save it as 'CSV UTF-8' "
                           "or append to a new file") from None
    buffer = io.StringIO()
    if existing.strip():
        header = [name.strip() for name in next(csv.reader(io.StringIO(existing)))]
        ending = "\r\n" if "\r\n" in existing else "\n"
        if not existing.endswith(("\n", "\r")):
            raw += ending.encode()
        writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator=ending)
    else:
        raw = b""
        writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
    writer.writerow({k: "" if v is None else v for k, v in row.items()})
    write_private(target, raw + buffer.getvalue().encode("utf-8"))


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
    from therapy_cli.reports import service as reports
    from therapy_cli.dates import parse_week_or_relative

    start, end = parse_week_or_relative("this" if week is None else week, today(), "--week")
    with database() as db:
        report = reports.week_report(db, start, end)
    _period(report, output_format(fmt, as_json, as_csv), no_header, append)


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
    from therapy_cli.reports import service as reports
    from therapy_cli.dates import parse_month_or_relative

    start, end = parse_month_or_relative("this" if month is None else month, today(), "--month")
    with database() as db:
        report = reports.month_report(db, start, end)
    _period(report, output_format(fmt, as_json, as_csv), no_header, append)


@app.command("period")
def period(
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day (inclusive).")],
    end: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day (inclusive).")],
    no_header: NoHeaderOpt = False, append: AppendOpt = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Figures for any inclusive period (targets shown when it is exactly one ISO week or month).

    Example: therapy report period --from 2026-09-01 --to 2026-11-30 --json
    """
    from therapy_cli.reports import service as reports

    with database() as db:
        report = reports.custom_period_report(db, parse_date_option(start, "--from"), parse_date_option(end, "--to"))
    _period(report, output_format(fmt, as_json, as_csv), no_header, append)


def _span(start: str | None, end: str | None):
    """Default: the twelve months up to and including today."""
    from datetime import timedelta

    from therapy_cli.dates import add_months

    last = parse_date_option(end, "--to") or today()
    first = parse_date_option(start, "--from") or (add_months(last, -12) + timedelta(days=1))
    return first, last


def _show_outcomes(report: dict) -> None:
    from therapy_cli import render

    def pct(value):
        return "n/a" if value is None else f"{round(100 * value)}%"

    p = report["period"]
    rows = [
        {"measure": "discharged", "value": report["discharged"]},
        {"measure": "finished (2+ treatment sessions)", "value": report["finished"]},
        {"measure": "at caseness at the start", "value": report["at_caseness"]},
        {"measure": "recovered", "value": report["recovered"]},
        {"measure": "recovery rate (standard 50%)", "value": pct(report["recovery_rate"])},
        {"measure": "reliable improvement rate", "value": pct(report["reliable_improvement_rate"])},
        {"measure": "reliable recovery rate", "value": pct(report["reliable_recovery_rate"])},
        {"measure": "reliable deterioration rate", "value": pct(report["reliable_deterioration_rate"])},
        {"measure": "median wait (days)", "value": report["median_wait_days"]},
        {"measure": "seen within 6 weeks (standard 75%)", "value": pct(report["within_6_weeks_rate"])},
        {"measure": "seen within 18 weeks (standard 95%)", "value": pct(report["within_18_weeks_rate"])},
    ]
    render.write_table(rows, ["measure", "value"], title=f"Outcomes of clients discharged {p['start']} to {p['end']}")
    if report["by_modality"]:
        print()
        names = list(report["by_modality"])
        lines = [("finished", "finished", None), ("at caseness", "at_caseness", None),
                 ("recovery", "recovery_rate", pct), ("reliable improvement", "reliable_improvement_rate", pct),
                 ("reliable recovery", "reliable_recovery_rate", pct),
                 ("reliable deterioration", "reliable_deterioration_rate", pct),
                 ("within 6 weeks", "within_6_weeks_rate", pct), ("within 18 weeks", "within_18_weeks_rate", pct)]
        mods = [{"measure": label, **{m: (show(report["by_modality"][m][key]) if show
                                           else report["by_modality"][m][key]) for m in names}}
                for label, key, show in lines]
        render.write_table(mods, ["measure", *names], title="By modality")


def _outcome_csv(report: dict) -> list[dict]:
    keys = [k for k in report if k not in ("period", "standards", "by_modality")]
    rows = [{"modality": "all", "period_start": report["period"]["start"], "period_end": report["period"]["end"],
             **{k: report[k] for k in keys}}]
    for modality, summary in report["by_modality"].items():
        rows.append({"modality": modality, "period_start": report["period"]["start"],
                     "period_end": report["period"]["end"], **summary})
    return rows


@app.command("outcomes")
def outcomes(start: FromOpt = None, end: ToOpt = None, no_header: NoHeaderOpt = False,
             fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Service outcomes (NHS Talking Therapies rules) over clients discharged in the period.

    Default period: the twelve months up to today.

    Example: therapy report outcomes --from 2026-01-01 --to 2026-12-31 --json
    """
    from therapy_cli.reports import service as reports

    first, last = _span(start, end)
    with database() as db:
        report = reports.outcomes_report(db, first, last)
    _emit(report, output_format(fmt, as_json, as_csv), no_header, table=_show_outcomes, csv_rows=_outcome_csv)


def _referral_rows(report: dict) -> list[dict]:
    rows = [{"direction": "in", "by": "source", "name": g["source"], "contact_id": None,
             "referrals": g["referrals"], "started": g["started"], "median_wait_days": g["median_wait_days"]}
            for g in report["by_source"]]
    rows += [{"direction": "in", "by": "contact", "name": g["name"], "contact_id": g["contact_id"],
              "referrals": g["referrals"], "started": g["started"], "median_wait_days": g["median_wait_days"]}
             for g in report["by_contact"]]
    rows += [{"direction": "out", "by": "contact", "name": g["name"], "contact_id": g["contact_id"],
              "referrals": g["referrals"], "started": None, "median_wait_days": None}
             for g in report["referrals_out"]]
    return rows


def _show_referrals(report: dict) -> None:
    from therapy_cli import render

    p = report["period"]
    rows = _referral_rows(report)
    if not rows:
        render.message(f"No referrals in or out from {p['start']} to {p['end']}.")
        return
    render.write_table(rows, ["direction", "by", "name", "referrals", "started", "median_wait_days"],
                       title=f"Referrals {p['start']} to {p['end']}", headers={"median_wait_days": "median wait (days)"})


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
                                            "median_wait_days"])


def _caseload_rows(rows: list[dict]) -> list[dict]:
    flat = []
    for row in rows:
        scores = "; ".join(f"{name} {s['score']} {s.get('severity') or ''}".strip()
                           for name, s in row["latest_scores"].items())
        flat.append({**{k: v for k, v in row.items() if k not in ("latest_scores", "risk")},
                     "latest_scores": scores, "risk": "RISK" if row["risk"] else ""})
    return flat


def _show_caseload(rows: list[dict]) -> None:
    from therapy_cli import render

    if not rows:
        render.message("No waiting or active clients.")
        return

    def day(value):
        return value[:10] if value else None

    view = [{**r, "last_session": day(r["last_session"]), "next_session": day(r["next_session"]),
             "latest_scores": ", ".join(f"{name} {_num(s['score'])}" for name, s in r["latest_scores"].items()),
             "risk": "RISK" if r["risk"] else ""} for r in rows]
    render.write_table(view, ["client_id", "name", "status", "sessions_attended", "last_session", "next_session",
                              "latest_scores", "risk", "review_due"],
                       title="Caseload", headers={"client_id": "id", "sessions_attended": "seen",
                                                  "last_session": "last", "next_session": "next",
                                                  "latest_scores": "latest scores", "review_due": "review"})


def _num(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


@app.command("caseload")
def caseload_(no_header: NoHeaderOpt = False,
              fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Every waiting and active client: sessions so far, last and next, latest scores, risk, review due.

    Example: therapy report caseload --json
    """
    from therapy_cli.reports import service as reports

    with database() as db:
        rows = reports.caseload(db)
    _emit(rows, output_format(fmt, as_json, as_csv), no_header, table=_show_caseload, csv_rows=_caseload_rows)


@app.command("client")
def client_(
    client: Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")],
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE.md|FILE.html",
                                        help="Where to write the report; .md for Markdown, .html for HTML.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace FILE if it exists.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Write an end-of-therapy or progress report for a referrer: Markdown, or one self-contained HTML page
    with an inline chart (prints well). The file is readable by you alone; writing it is audited.

    Example: therapy report client 'Ian Morgan' --output ian-morgan.html
    """
    from pathlib import Path

    from therapy_cli import render

    from therapy_cli.reports import client_report

    from therapy_cli.practice import clients
    from therapy_cli.commands._common import confirm

    client_report.format_of(output)
    if Path(output).expanduser().exists():
        confirm(f"{output} exists; replace it?", yes)
    with database(write=True) as db:
        client = clients.find_client(db, client)
        result = client_report.write_report(db, client, output)
        db.audit("report", "client", client["id"], f"client report written ({result['format']})", client["id"])
    fmt_name = output_format(fmt, as_json, as_csv)
    if fmt_name == "table":
        render.message(f"Wrote {result['path']} ({result['format']}, {result['bytes']} bytes, readable by you alone).")
    else:
        render.emit(result, fmt_name)
