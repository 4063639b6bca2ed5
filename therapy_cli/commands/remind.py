"""`therapy remind`: what needs attention, for cron (silent when nothing is due); `remind clients`:
appointment reminders to clients by email."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format

# A group whose callback is today's `therapy remind` (run when no sub-command is named).
app = typer.Typer(invoke_without_command=True, no_args_is_help=False, subcommand_metavar="[COMMAND [ARGS]...]")


@app.callback(invoke_without_command=True)
def remind(
    ctx: typer.Context,
    within: Annotated[str, typer.Option("--within", metavar="Nd",
                                        help="Sessions on the dates from today to today + N days (default 1d: "
                                             "today and tomorrow); also reviews due by then.")] = "1d",
    kind: Annotated[Optional[List[str]], typer.Option(
        "--kind", metavar="KIND", help="Only these kinds (repeatable): session, note_missing, dna_follow_up, "
                                       "review_due, measure_due, supervision_due, cpd_behind, waiting_long, "
                                       "no_recent_session, retention_due, attendance_missing, risk_flag, "
                                       "risk_review_due, invoice_overdue.")] = None,
    names: Annotated[bool, typer.Option("--names", help="Full client names (default: id and initials, "
                                                        "e.g. #3 A.M., safer in mail).")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Every item one by one (default: what fell due "
                                                           "before the last remind.note_missing_days days comes "
                                                           "as one summary line per kind).")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List what needs attention: coming sessions, past sessions never marked, recent notes missing, DNAs
    to follow up, reviews and measures due, supervision short late in the month, CPD a month behind,
    long waits, clients not seen for 4 weeks, records past retention, questionnaire risk items with no
    risk assessment since, risk reviews due, and invoices unpaid past their terms.

    Nothing due: no output at all and exit 0, so cron sends no mail (JSON: []).

    Example: therapy remind --within 3d
    Example: therapy remind --json
    Example: therapy remind --kind risk_flag --all
    Example: therapy remind clients
    """
    if ctx.invoked_subcommand is not None:
        # `remind --json clients`: the options were remind's own, and would be dropped unseen
        given = [f"--{name.replace('_', '-')}" for name in ("within", "kind", "names", "everything", "fmt",
                                                              "as_json", "as_csv")
                 if ctx.get_parameter_source(name) is not None and ctx.get_parameter_source(name).name == "COMMANDLINE"]
        if given:
            shown = {"--everything": "--all", "--fmt": "--format", "--as-json": "--json", "--as-csv": "--csv"}
            named = ", ".join(shown.get(g, g) for g in given)
            from typer._click.exceptions import UsageError

            sub = ctx.invoked_subcommand
            raise UsageError(f"{named} before '{sub}' is an option of `therapy remind` itself, not of `remind "
                             f"{sub}`: put the options of `remind {sub}` after it (therapy remind {sub} -h "
                             "lists them)", ctx=ctx)
        return
    from therapy_cli.commands.daily import remind_command

    remind_command(within, kind, names, output_format(fmt, as_json, as_csv), everything)


@app.command("clients")
def clients(
    send: Annotated[bool, typer.Option("--send", help="Send the reminders due over SMTP and record each one sent "
                                                      "(default: only list them).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="With --send: print nothing unless "
                                                              "something failed.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Appointment reminders to clients by email: those due, or with --send, send them.

    Due: a scheduled session starting within reminders.client_hours (48) of now, for a client
    who consented (client edit CLIENT --email E --reminders email) and has not been reminded of
    it at that time; for a couple, family or group, each consenting member belonging that day
    (one message per address). Discharged clients, and members for a discharged unit's
    sessions, are not reminded.
    With --today, the window starts at midnight that day. Each one sent is recorded, so it is
    never sent twice; a moved session is reminded at its new time (moved back, at that time
    again). A reminder that fails stays unsent (exit 1, naming it) and is tried again on the
    next run. The password comes only from
    THERAPY_SMTP_PASSWORD_COMMAND. Nothing due: no output at all, exit 0 (JSON: []).

    Example: therapy remind clients --json
    Example: therapy remind clients --send --quiet
    """
    from therapy_cli.practice import client_reminders as cr

    fmt_name = output_format(fmt, as_json, as_csv)
    if send:
        import os

        from therapy_cli.commands._common import STATE
        from therapy_cli.errors import NotFound
        from therapy_cli.storage.db import resolve_path

        path = resolve_path(STATE.db)
        if not os.path.lexists(path):
            # a mistyped THERAPY_DB in a cron line: an empty caseload made and nothing sent, every morning, unsaid
            raise NotFound(f"no caseload at {path}: nothing can be sent from a new, empty one (give yours with --db "
                           "or THERAPY_DB; therapy db path shows which file is used)")
    with database() as db:
        due = cr.due(db)
        sendable = [r for r in due if r.status == "due"]
        if send and sendable:
            from therapy_cli.io import mail

            config = mail.smtp_config(db)
            pending = [(r, mail.reminder_message(db, r, config)) for r in sendable]
        labels = _labels(db, due) if fmt_name == "table" else {}
        tz = db.tz
    done = due
    if send and sendable:
        with mail.Mailer(config) as mailer:
            done = mail.send_reminders(lambda: database(write=True), mailer, pending)
        done += [r for r in due if r.status == "invalid_address"]
    if not (send and quiet) or any(r.status != "sent" for r in done):
        _show(done, fmt_name, labels, tz)
    failed = [r for r in done if r.status in ("failed", "invalid_address")] if send else []
    if failed:
        from therapy_cli.errors import TherapyError

        named = "; ".join(f"session {r.session_id} to client #{r.client_id} ({r.error})" for r in failed)
        raise TherapyError(f"{len(failed)} reminder(s) not sent, kept for the next run: {named}")


def _labels(db, due) -> dict[int, str]:
    from therapy_cli.practice.clients import case_label

    ids = sorted({r.client_id for r in due})
    return {row["id"]: case_label(row) for row in db.query(
        f"SELECT id, name FROM clients WHERE id IN ({','.join('?' * len(ids))})", ids)} if ids else {}


def _show(items, fmt_name: str, labels: dict[int, str], tz) -> None:
    """Silent when empty (cron sends no mail); a table names clients by id and initials, not address."""
    from therapy_cli import render

    rows = [r.item() for r in items]
    if fmt_name == "json":
        render.emit(rows, "json")
    elif fmt_name == "csv":
        if rows:   # nothing due: no output at all, not a lone header line (cron would mail it), as `remind --csv`
            render.emit(rows, "csv", columns=["session_id", "client_id", "to", "starts_at", "status"])
    elif rows:
        from datetime import datetime

        for r in items:
            when = datetime.fromisoformat(r.starts_at).astimezone(tz).strftime("%Y-%m-%d %H:%M")
            print(f"{r.status.ljust(6)}  {when}  session {r.session_id}  {labels.get(r.client_id, '')}")
