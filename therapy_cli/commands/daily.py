"""The bodies of the commands run every day, by cron, scripts and the practitioner: `remind`, `report
week|month|quarter|outcomes|caseload|income`, `practice report week|month|outcomes`, `client show`,
`note search` and `invoice create`, with the views they print.

No click or Typer here: the Typer commands call these after click has parsed the arguments, and the fast
path (`therapy_cli/fast.py`) calls them after parsing the plain forms of those command lines itself,
so a cron job does not pay for importing the whole command tree. One body, two parsers: they cannot drift.
"""

from __future__ import annotations

from therapy_cli.runtime import database, parse_date_option, today


def remind_command(within: str, kinds: list[str] | None, names: bool, fmt: str, everything: bool = False) -> None:
    """`therapy remind`: silent when nothing is due (cron sends no mail); JSON `[]`."""
    from therapy_cli.dates import parse_days
    from therapy_cli.errors import WrongForm
    from therapy_cli.reports import reminders

    days = parse_days(within, "--within")
    for name in kinds or []:
        if name not in reminders.KINDS:
            raise WrongForm(f"--kind {name!r} is not one of {', '.join(reminders.KINDS)}")
    with database() as db:
        items = reminders.reminders(db, days, names, kinds, everything)
    if fmt == "json":
        from therapy_cli import render

        render.emit(items, "json")
        return
    if not items:
        return
    if fmt == "csv":
        from therapy_cli import render

        render.emit(items, "csv", columns=["kind", "client_id", "due", "message"])
        return
    width = max(len(item["kind"]) for item in items)
    for item in items:
        print(f"{item['due']}  {item['kind'].ljust(width)}  {item['message']}")


def period_command(which: str, value: str | None, fmt: str, no_header: bool = False,
                   append: str | None = None) -> None:
    """`report week|month|quarter`: VALUE is the --week/--month/--quarter text (None: this one)."""
    from therapy_cli import dates
    from therapy_cli.reports import service as reports

    parse = {"week": dates.parse_week_or_relative, "month": dates.parse_month_or_relative,
             "quarter": dates.parse_quarter_or_relative}[which]
    start, end = parse("this" if value is None else value, today(), f"--{which}")
    make = {"week": reports.week_report, "month": reports.month_report, "quarter": reports.quarter_report}[which]
    with database() as db:
        report = make(db, start, end)
    _period(report, fmt, no_header, append)


def practice_period_command(which: str, files: list[str] | None, directory: str | None, value: str | None,
                            fmt: str) -> None:
    """`practice report week|month`."""
    from therapy_cli import dates
    from therapy_cli.reports.practice import period_rollup

    parse = {"week": dates.parse_week_or_relative, "month": dates.parse_month_or_relative}[which]
    start, end = parse("this" if value is None else value, today(), f"--{which}")
    warnings: list[str] = []
    report = period_rollup(_paths(files, directory), start, end, which, today(), warnings)
    _practice_emit(report, fmt, _COLUMNS, f"Practice {which}", warnings)


def practice_outcomes_command(files: list[str] | None, directory: str | None, start: str | None,
                              end: str | None, fmt: str) -> None:
    """`practice report outcomes`: default period the twelve months up to today."""
    from therapy_cli.dates import check_span
    from therapy_cli.reports.practice import outcomes_rollup

    first, last = _span(start, end)   # as report outcomes: a --from after today with no --to is said as such
    check_span(first, last)
    warnings: list[str] = []
    report = outcomes_rollup(_paths(files, directory), first, last, today(), warnings)
    _practice_emit(report, fmt, _OUTCOME_COLUMNS, "Practice outcomes", warnings)


def outcomes_command(start: str | None, end: str | None, fmt: str, no_header: bool = False) -> None:
    """`report outcomes`: default period the twelve months up to today."""
    from therapy_cli.reports import service as reports

    first, last = _span(start, end)
    with database() as db:
        report = reports.outcomes_report(db, first, last)
    _emit(report, fmt, no_header, table=_show_outcomes, csv_rows=_outcome_csv)


def caseload_command(fmt: str, no_header: bool = False) -> None:
    """`report caseload`."""
    from therapy_cli.reports import service as reports

    with database() as db:
        rows = reports.caseload(db)
    _emit(rows, fmt, no_header, table=_show_caseload, csv_rows=_caseload_rows,
          columns=None if rows else [   # an empty CSV still has its header
              "client_id", "name", "kind", "status", "via_unit", "referred_on", "sessions_attended", "sessions_dna",
              "last_session", "next_session", "waiting_days", "modality", "risk_level", "review_due", "latest_scores",
              "risk"])


def income_command(tax_year: str | None, from_: str | None, to: str | None, fmt: str, no_header: bool = False) -> None:
    """`report income`: a UK tax year by default."""
    from therapy_cli.errors import WrongForm
    from therapy_cli.reports import income

    from_day, to_day = parse_date_option(from_, "--from"), parse_date_option(to, "--to")
    if tax_year is not None and (from_day or to_day):
        raise WrongForm("give either --tax-year or --from and --to, not both")
    with database() as db:
        if from_day or to_day:
            if from_day is None:
                raise WrongForm("--to needs --from (or use --tax-year)")
            if to_day is None and from_day > db.today:
                # the end defaults to today: name what was typed, not a --to the user never gave
                from therapy_cli.errors import InvalidValue

                raise InvalidValue(f"--from {from_day.isoformat()} is after today ({db.today.isoformat()}), and "
                                   "without --to the report runs to today: give --to DATE for a span ahead")
            start, end = from_day, to_day or db.today
            from therapy_cli.dates import check_span

            check_span(start, end)
        else:
            start, end = income.parse_tax_year(tax_year or "this", db.today)
        report = income.income(db, start, end)
    _emit(report, fmt, no_header, table=_show_income, csv_rows=_income_csv)


def client_show_command(client: str, fmt: str) -> None:
    """`client show CLIENT`."""
    from therapy_cli import render
    from therapy_cli.practice import clients

    with database() as db:
        record = clients.client_detail(db, clients.find_client(db, client))
    if fmt != "json" and "fees" in record:   # money as £95.00, or 95.00 in CSV; JSON keeps the minor units
        from therapy_cli.practice.fees import shown_amounts

        record = {**record, "fees": shown_amounts(record["fees"], record["fees"]["currency"], fmt)}
    render.emit(record, fmt, title=f"Client #{record['id']} {record['name']}")


def note_search_command(query: str, client: str | None, from_: str | None, to: str | None, limit: int,
                        fmt: str) -> None:
    """`note search QUERY`: best match first."""
    from therapy_cli import render
    from therapy_cli.practice import notes

    with database() as db:
        found, total, sessionless = notes.search(db, query, client, parse_date_option(from_, "--from"),
                                                 parse_date_option(to, "--to"), limit)
    if sessionless:
        render.warn(f"left out note(s) {', '.join(f'#{i}' for i in sessionless)}, whose session is missing; "
                    "run `therapy db check`")
    words, lower, quotes = query.split(), [], 0
    for i, word in enumerate(words):   # between two words, and not inside a "phrase"
        if 0 < i < len(words) - 1 and word in ("or", "and", "not") and quotes % 2 == 0:
            lower.append(i)
        quotes += word.count('"')
    if not found and lower:
        import shlex

        # FTS5 reads only upper-case operators: 'panic or work' asks for notes holding the word 'or' too
        render.warn(f"'{words[lower[0]]}' was searched for as a word; to mean it, write it in capitals: "
                    "therapy note search "
                    f"{shlex.quote(' '.join(w.upper() if i in lower else w for i, w in enumerate(words)))}")
    out = fmt
    if out == "table":
        found = [{"session": f"#{r['session_id']}", "when": r["starts_at"][:16].replace("T", " "),
                  "client": f"#{r['client_id']}" if r["client_id"] is not None else "",
                  "note": f"#{r['note_id']}", "snippet": _on_terminal(r["snippet"])} for r in found]
    render.emit(found, out, columns=["session_id", "client_id", "note_id", "starts_at", "snippet"]
                if out == "csv" else None)
    if total > len(found):
        # stdout stays the page asked for (scripts read it); the practitioner learns the rest exist
        render.warn(f"{len(found)} of {total} notes shown; --limit {total} shows them all")


def invoice_create_command(client: str | None, all_clients: bool, month: str | None, from_: str | None,
                           to: str | None, on: str | None, fmt: str) -> None:
    """`invoice create [CLIENT] | --all`, for a month or --from/--to."""
    from therapy_cli.dates import parse_month_or_relative
    from therapy_cli.errors import WrongForm
    from therapy_cli.practice import clients, invoices

    from_day, to_day = parse_date_option(from_, "--from"), parse_date_option(to, "--to")
    if month is not None and (from_day or to_day):
        raise WrongForm("give either --month or --from and --to, not both")
    if month is None and not (from_day and to_day):
        raise WrongForm("say which sessions to bill: --month YYYY-MM, or --from DATE --to DATE")
    if (client is None) == (not all_clients):
        raise WrongForm("name one CLIENT, or give --all for every client with something to invoice")
    with database(write=True) as db:
        start, end = (parse_month_or_relative(month, db.today, "--month") if month is not None
                      else (from_day, to_day))
        issued_on = parse_date_option(on, "--on")
        warnings: list[str] = []   # past sessions in the span whose attendance was never recorded: not billed
        if all_clients:
            records = [invoices.invoice_record(db, r["id"], with_name=True)
                       for r in invoices.create_all(db, start, end, issued_on, warnings)]
        else:
            issued = invoices.create(db, clients.find_client(db, client), start, end, issued_on, warnings)
            records = [invoices.invoice_record(db, issued["id"], with_name=True)]
    from therapy_cli import render

    for text in warnings:
        render.warn(text)
    shape = fmt
    if not all_clients:
        _show_invoice(records[0], shape)
        return
    if shape == "json":
        render.emit(records, shape)
        return
    rows = [{**_with_amounts(r, shape), "client": f"#{r['client_id']} {r['client_name']}", "lines": len(r["lines"])}
            for r in records]
    render.emit(rows, shape, columns=["id", "number", "client", "payer", "issued_on", "due_on", "lines", "total"]
                + (["currency"] if shape == "csv" else []))


# --- the period view (report week|month|quarter|period) ---

_LABELS = [
    ("sessions attended", ("sessions", "attended")), ("sessions DNA", ("sessions", "dna")),
    ("sessions cancelled", ("sessions", "cancelled")), ("sessions late-cancelled", ("sessions", "late_cancelled")),
    ("sessions scheduled", ("sessions", "scheduled")),
    ("cancelled by the client", ("sessions", "cancelled_by_client")),
    ("cancelled by you", ("sessions", "cancelled_by_therapist")), ("clients seen", ("clients_seen",)),
    ("cases seen", ("cases_seen",)), ("clinical hours", ("clinical_hours",)), ("DNA rate", ("dna_rate",)),
    ("new referrals", ("new_referrals",)), ("discharges", ("discharges",)), ("waiting now", ("waiting",)),
    ("supervision hours", ("supervision_hours",)), ("supervision given hours", ("supervision_given_hours",)),
    ("CPD hours", ("cpd_hours",)), ("training hours", ("training_hours",)),
    ("training participants", ("training_participants",)),
]


def _pick(row: dict, path: tuple):
    """The value at `path` (`("sessions", "attended")`) in a report or a practitioner's row; None where a
    part is missing (a practice file too old to have a figure)."""
    value = row
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def percent(value: float | None) -> str:
    """A rate as every table shows it: a percentage to one place (0.125 → 12.5%, 0.7451 → 74.5%), so a rate
    just short of a standard or over a limit never reads as equal to it; n/a when there is none."""
    return "n/a" if value is None else f"{round(100 * value, 1):g}%"


def _shown(metric: str, value):
    """A target's figure as the table shows it: a rate as a percentage (`percent`); anything else as it is."""
    if metric.endswith("rate") and isinstance(value, (int, float)):
        return percent(value)
    return value


def bar(actual: float, target: float, width: int = 20, fancy: bool = False, met: bool | None = None) -> str:
    """A text progress bar: `#####.....  50%` (blocks on a terminal). A target not `met` never reads full or
    100%, though its shown actual rounds to the target (1.67 of 1.67, exactly 1.6667: a minute short)."""
    share = 0.0 if target <= 0 else min(actual / target, 1.0)
    filled = round(share * width)
    full, empty = ("█", "░") if fancy else ("#", ".")
    percent = 100 if target <= 0 else round(100 * actual / target)
    if met is False:
        filled, percent = min(filled, width - 1), min(percent, 99)
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
            value = percent(value)
        rows.append({"measure": label, "value": value})
    render.write_table(rows, ["measure", "value"], title=_title(report))
    if report["targets"]:
        fancy = render.fancy()
        # a period still running is not judged yet: "not yet", not "missed", on a Tuesday (JSON and CSV keep
        # `met` as it stands, as SPEC has it)
        running = report["period"]["end"] >= today().isoformat()
        targets = [{"target": t["name"].replace("_", " ") + (" (at most)" if t["direction"] == "max" else ""),
                    "actual": _shown(t["name"], t["actual"]), "goal": _shown(t["name"], t["target"]),
                    "met": _verdict(t, running),
                    "progress": bar(t["actual"], t["target"], fancy=fancy, met=t["met"])
                    if t["direction"] == "min" else ""}
                   for t in report["targets"]]
        print()
        render.write_table(targets, ["target", "actual", "goal", "met", "progress"], title="Targets")


def _verdict(target: dict, running: bool) -> str:
    """met / missed; while the period runs, a total still short is "not yet" and an at-most target is
    "met so far" or "over so far" (a rate can still move either way)."""
    # judged on the exact value: one that rounds to the target as shown is said to be just short or over
    just = " (just)" if not target["met"] and target["actual"] == target["target"] else ""
    if not running:
        return "met" if target["met"] else f"missed{just}"
    if target["direction"] == "max":
        return "met so far" if target["met"] else f"over so far{just}"
    return "met" if target["met"] else f"not yet{just}"


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
        name = target["name"] + ("_max" if target["direction"] == "max" else "")
        row[f"target_{name}"] = target["target"]
        row[f"met_{name}"] = "yes" if target["met"] else "no"
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
    check_append(fmt, append)
    if append is not None:
        append_csv_row(append, period_csv_row(report))
        return
    _emit(report, fmt, no_header, table=show_period, csv_rows=lambda r: [period_csv_row(r)])


def check_append(fmt: str, append: str | None) -> None:
    """`--append FILE` writes a CSV row and prints nothing: with --json it would quietly drop the JSON asked for
    (a usage error, exit 2; nothing is written). An empty FILE (`--append "$WEEKLY"` in a cron line whose
    variable is unset) is one too: the report printed instead would leave the file a row short without a word;
    and so is `-`, which is standard output to `session export --ics -` but would be a file called '-' here."""
    from therapy_cli.errors import WrongForm

    if append is not None and not append.strip():
        raise WrongForm("--append needs a file name (it was given an empty one: an unset variable in the "
                        "cron line?); e.g. --append ~/therapy/weekly.csv")
    if append is not None and append.strip() == "-":
        # `-` is standard output elsewhere (`session export --ics -`): here it made a file called '-'
        raise WrongForm("--append - would write a file called '-'; for the row on standard output use "
                        "--csv --no-header, or give the file's name")
    if append and fmt == "json":
        raise WrongForm("--append writes a CSV row to FILE and prints nothing; leave out --json (or run the "
                        "report again for its JSON)")


def append_csv_row(path: str, row: dict) -> None:
    """Add one row to a CSV file, writing the header when the file is new or empty; columns follow the file's
    header when it has one (new metrics or targets then need a new file). A row of the same period
    (`period_start` and `period_end`) is replaced where it stands: a cron retry leaves one row per period."""
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
        if not {"period_start", "period_end"} <= set(header):
            # another spreadsheet (a wrong path): a row of blank cells every week, and no retry ever replaced
            raise InvalidValue(f"{path} has no period_start and period_end columns, so it is not a file "
                               "--append wrote (columns: " + ", ".join(header[:6]) +
                               (", ..." if len(header) > 6 else "") + "); give a new file or one it wrote")
        ending = "\r\n" if "\r\n" in existing else "\n"
        if not existing.endswith(("\n", "\r")):
            raw += ending.encode()
            existing += ending
        writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator=ending)
        dropped = [name for name in row if name not in header]
        if dropped:
            # a target set since the file was started (or a month's row in a week's file): cron mails stderr
            from therapy_cli import render

            render.warn(f"{path} has no column for {', '.join(dropped[:4])}{' and more' if len(dropped) > 4 else ''}"
                        f" (its columns are those of its first row): {'that figure was' if len(dropped) == 1 else 'those figures were'} "
                        "not written; start a new file to have them")
    else:
        raw, header = b"", []
        writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
    from therapy_cli.render import CSV, csv_cell

    writer.writerow({k: csv_cell(v) for k, v in row.items()})
    if not raw and CSV.bom:
        raw = "\ufeff".encode("utf-8")
    replaced = _replace_period(raw, existing, header, row, buffer.getvalue()) if header else None
    write_private(target, replaced if replaced is not None else raw + buffer.getvalue().encode("utf-8"))


def _replace_period(raw: bytes, text: str, header: list[str], row: dict, new: str) -> bytes | None:
    """`raw` with the record of the row's period replaced by `new` where it stands (every other byte kept:
    BOM, line ends, quoting); None when the file holds no row of that period."""
    import csv
    import io

    if "period_start" not in header or "period_end" not in header:
        return None
    first, last = header.index("period_start"), header.index("period_end")
    wanted = (str(row.get("period_start")), str(row.get("period_end")))
    records, record = [], ""
    for line in io.StringIO(text, newline="").readlines():   # whole records: a quoted cell may hold a line break
        record += line
        if record.count('"') % 2 == 0:
            records.append(record)
            record = ""
    if record:
        records.append(record)
    out, found = [], False
    for number, record in enumerate(records):
        cells = next(csv.reader(io.StringIO(record)), [])
        if number and len(cells) > max(first, last) and (cells[first].strip(), cells[last].strip()) == wanted:
            if not found:
                out.append(new)
            found = True
        else:
            out.append(record)
    if not found:
        return None
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return bom + "".join(out).encode("utf-8")


# --- the practice roll-up view ---

_COLUMNS = [("practitioner", ("name",)), ("attended", ("sessions", "attended")), ("DNA", ("sessions", "dna")),
            ("cancelled", ("sessions", "cancelled")), ("late", ("sessions", "late_cancelled")),
            ("clients seen", ("clients_seen",)), ("cases seen", ("cases_seen",)),
            ("clinical hours", ("clinical_hours",)), ("DNA rate", ("dna_rate",)),
            ("new referrals", ("new_referrals",)), ("discharges", ("discharges",)), ("waiting", ("waiting",))]


def _cell(row: dict, path: tuple):
    value = _pick(row, path)
    if path[-1].endswith("rate") and (value is None or isinstance(value, (int, float))):
        return percent(value)   # a rate over nobody: n/a, as report outcomes says it (a blank read as missing)
    return value


def _practice_rows(report: dict, columns) -> list[dict]:
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


def _show_practice(report: dict, columns, title: str) -> None:
    from therapy_cli import render

    period = report["period"]
    render.write_table(_practice_rows(report, columns), [label for label, _ in columns],
                       title=f"{title}: {period['start']} to {period['end']}")
    missed = [(who["name"], t) for who in report["practitioners"] for t in who.get("targets", []) if not t["met"]]
    if missed:
        print()
        render.write_table([{"practitioner": name, "target": t["name"].replace("_", " ")
                             + (" (at most)" if t.get("direction") == "max" else ""),
                             "actual": _shown(t["name"], t["actual"]), "goal": _shown(t["name"], t["target"])}
                            for name, t in missed],
                           ["practitioner", "target", "actual", "goal"],
                           title="Targets not met so far" if period["end"] >= today().isoformat()
                           else "Targets missed")


def _practice_emit(report: dict, fmt: str, columns, title: str, warnings: list[str]) -> None:
    from therapy_cli import render

    for line in warnings:
        render.warn(line)
    if fmt == "table":
        _show_practice(report, columns, title)
    else:
        render.emit(report, fmt, csv_rows=_csv_rows)


def _paths(files, directory):
    from therapy_cli.reports.practice import practice_files

    return practice_files(files or [], directory)


_OUTCOME_COLUMNS = [("practitioner", ("name",)), ("discharged", ("discharged",)), ("finished", ("finished",)),
                    ("at caseness", ("at_caseness",)), ("recovered", ("recovered",)),
                    ("recovery rate", ("recovery_rate",)),
                    ("reliable improvement", ("reliable_improvement_rate",)),
                    ("reliable recovery", ("reliable_recovery_rate",)),
                    ("median wait", ("median_wait_days",)), ("within 6 weeks", ("within_6_weeks_rate",)),
                    ("within 18 weeks", ("within_18_weeks_rate",))]


# --- the other report views (outcomes, caseload, income) ---

def _span(start: str | None, end: str | None):
    """Default: the twelve months up to and including today."""
    from datetime import timedelta

    from therapy_cli.dates import add_months

    last = parse_date_option(end, "--to") or today()
    first = parse_date_option(start, "--from") or (add_months(last, -12) + timedelta(days=1))
    if end is None and first > last:   # the --to nobody typed is today: say so, not "--to ... is before --from"
        from therapy_cli.errors import InvalidValue

        raise InvalidValue(f"--from {first.isoformat()} is after today ({last.isoformat()}); give a --from up to "
                           "today, or --to as well")
    return first, last


def _show_outcomes(report: dict) -> None:
    from therapy_cli import render

    pct = percent

    def judged(key: str) -> str:   # the rate against its standard, said: 74.5% is not 75%
        standard = report["standards"].get(key)
        shown = pct(report[key])
        return shown if standard is None or report[key] is None else \
            f"{shown} ({'met' if standard['met'] else 'not met'})"

    p = report["period"]
    rows = [
        {"measure": "discharged", "value": report["discharged"]},
        {"measure": "finished (2+ treatment sessions)", "value": report["finished"]},
        {"measure": "at caseness at the start", "value": report["at_caseness"]},
        {"measure": "recovered", "value": report["recovered"]},
        {"measure": "recovery rate (standard 50%)", "value": judged("recovery_rate")},
        {"measure": "reliable improvement rate", "value": pct(report["reliable_improvement_rate"])},
        {"measure": "reliable recovery rate", "value": pct(report["reliable_recovery_rate"])},
        {"measure": "reliable deterioration rate", "value": pct(report["reliable_deterioration_rate"])},
        {"measure": "median wait to first treatment (days)", "value": report["median_wait_days"]},
        {"measure": "treated within 6 weeks (standard 75%)", "value": judged("within_6_weeks_rate")},
        {"measure": "treated within 18 weeks (standard 95%)", "value": judged("within_18_weeks_rate")},
        {"measure": "median wait to first contact (days)", "value": report["median_wait_to_assessment_days"]},
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


def _caseload_rows(rows: list[dict]) -> list[dict]:
    flat = []
    for row in rows:
        scores = "; ".join(f"{name} {s['score']} {s.get('severity') or ''}".strip()
                           for name, s in row["latest_scores"].items())
        flat.append({**{k: v for k, v in row.items() if k not in ("latest_scores", "risk")},
                     "latest_scores": scores, "risk": _risk_cell(row)})
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
             "risk": _risk_cell(r),
             # a waiting client's wait in the table too, as reports.md promises (JSON: waiting_days)
             "status": (f"waiting {r['waiting_days']}d" if r["status"] == "waiting" and r.get("waiting_days")
                        is not None else r["status"])} for r in rows]
    render.write_table(view, ["client_id", "name", "status", "sessions_attended", "last_session", "next_session",
                              "latest_scores", "risk", "review_due"],
                       title="Caseload", headers={"client_id": "id", "sessions_attended": "seen",
                                                  "last_session": "last", "next_session": "next",
                                                  "latest_scores": "latest scores", "review_due": "review"})


def _risk_cell(row: dict) -> str:
    """The current risk level, with RISK when a questionnaire risk item is set: `high`, `RISK`, `low RISK`."""
    parts = [row["risk_level"] or ""] + (["RISK"] if row["risk"] else [])
    return " ".join(p for p in parts if p)


def _num(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def _income_csv(report: dict) -> list[dict]:
    """A row per month and a total row, amounts as decimals (e.g. 80.00) for a spreadsheet."""
    from therapy_cli.practice.fees import decimal_text

    rows = [{"month": m["month"], "invoices": m["invoices"], "invoiced": decimal_text(m["invoiced_minor"]),
             "received": decimal_text(m["received_minor"]), "currency": report["currency"]}
            for m in report["by_month"]]
    rows.append({"month": "total", "invoices": sum(m["invoices"] for m in report["by_month"]),
                 "invoiced": decimal_text(report["invoiced_minor"]), "received": decimal_text(report["received_minor"]),
                 "currency": report["currency"]})
    return rows


def _show_income(report: dict) -> None:
    from therapy_cli import render
    from therapy_cli.practice.fees import money

    cur = report["currency"]
    p = report["period"]
    render.write_record({
        "period": f"{report['label']} ({p['start']} to {p['end']})",
        "invoiced": money(report["invoiced_minor"], cur), "received": money(report["received_minor"], cur),
        f"outstanding on {report['as_at']}": money(report["outstanding_minor"], cur),
    }, title="Income")
    print()
    render.write_table([{"month": m["month"], "invoices": m["invoices"], "invoiced": money(m["invoiced_minor"], cur),
                         "received": money(m["received_minor"], cur)} for m in report["by_month"]],
                       ["month", "invoices", "invoiced", "received"], title="By month")
    print()
    render.write_table([{"days since issue": name.replace("_", "-").replace("over-", "over "),
                         "invoices": b["invoices"], "unpaid": money(b["amount_minor"], cur)}
                        for name, b in report["aged"].items()],
                       ["days since issue", "invoices", "unpaid"], title=f"Aged debt on {report['as_at']}")


# --- notes and invoices ---

def _on_terminal(snippet: str) -> str:
    """On a terminal Rich draws the table: the note's own brackets stay text, the matches go bold."""
    from therapy_cli import render

    if not render.fancy():
        return snippet
    from rich.markup import escape

    parts = escape(snippet).split("**")
    return render.Markup("".join(part if i % 2 == 0 else f"[bold]{part}[/bold]" for i, part in enumerate(parts)))


INVOICE_CSV_COLUMNS = ["id", "number", "client_id", "payer", "issued_on", "due_on", "total", "paid", "due",
                       "currency", "status", "overdue"]


def _with_amounts(record: dict, fmt: str = "table") -> dict:
    """Table and CSV views: amounts beside the minor units JSON keeps; as money (`£80.00`) in a table and as
    plain numbers (`80.00`, the currency in its own column) in CSV, for a spreadsheet or an accountant."""
    from therapy_cli.practice.fees import decimal_text, money

    cur = record["currency"]
    shown = decimal_text if fmt == "csv" else (lambda minor: money(minor, cur))
    return {**record, **{key[:-6]: shown(record[key]) for key in ("total_minor", "paid_minor", "due_minor")
                         if key in record}}


def _show_invoice(record: dict, fmt: str) -> None:
    from therapy_cli import render
    from therapy_cli.practice.fees import money

    if fmt == "json":
        render.emit(record, fmt)
        return
    cur = record["currency"]
    if fmt == "csv":  # plain numbers, the currency in its own column
        from therapy_cli.practice.fees import decimal_text

        render.emit([{"date": ln["session_date"], "session": ln["session_id"], "description": ln["description"],
                      "amount": decimal_text(ln["amount_minor"]), "currency": cur} for ln in record["lines"]],
                    fmt, columns=["date", "session", "description", "amount", "currency"])
        return
    lines = [{"date": ln["session_date"], "session": ln["session_id"], "description": ln["description"],
              "amount": money(ln["amount_minor"], cur)} for ln in record["lines"]]
    head = {k: v for k, v in _with_amounts(record).items()
            if k not in ("lines", "payments", "total_minor", "paid_minor", "due_minor", "currency")
            and v is not None}
    if "client_name" in head:
        head = {"client": f"#{record['client_id']} {head.pop('client_name')}", **head}
    render.write_record(head, title=f"Invoice {record['number']}")
    print()
    render.write_table(lines, ["date", "session", "description", "amount"], title="Lines")
    if record["payments"]:
        print()
        render.write_table([{**p, "amount": money(p["amount_minor"], cur)} for p in record["payments"]],
                           ["id", "paid_on", "amount", "method"], title="Payments")
