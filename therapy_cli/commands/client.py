"""`therapy client`: people and the units of work."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from therapy_cli.commands._common import (
    in_range, CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option, today,
)
from therapy_cli.vocab import CLIENT_KINDS, CLIENT_STATUSES, choices

app = typer.Typer(help="Clients: individuals, couples, families and groups.", no_args_is_help=True)

# The header of `client list --csv` when no client matches (rows name their own columns otherwise).
EMPTY_CSV = ["id", "name", "kind", "status", "members", "via_unit", "date_of_birth", "referred_on",
             "referral_source", "discharged_on"]


Reminders = choices("Reminders", ("email", "none"))


RemindersOpt = Annotated[Optional[Reminders], typer.Option(
    "--reminders", help="Appointment reminders by email (the client's consent, dated today) or none "
                        "(default for a new client: none). See therapy remind clients.")]


Kind = choices("Kind", CLIENT_KINDS)
Status = choices("Status", CLIENT_STATUSES)


ClientArg = Annotated[str, typer.Argument(metavar="CLIENT", help="Client id or a unique part of the name.")]
OnOpt = Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Date (default: today).")]


def _show(record: dict, fmt: str, title: str | None = None, currency: str | None = None) -> None:
    from therapy_cli import render

    if fmt != "json" and currency and "fee_minor" in record:   # £95.00, or 95.00 in CSV; JSON keeps the minor units
        from therapy_cli.practice.fees import shown_amounts

        record = shown_amounts(record, currency, fmt)
    render.emit(record, fmt, title=title or f"Client #{record['id']} {record['name']}")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name of the client, couple, family or group.")],
    kind: Annotated[Kind, typer.Option(help="individual, couple, family or group.")] = Kind.individual,
    member: Annotated[Optional[List[str]], typer.Option(
        metavar="CLIENT", help="An existing individual client who belongs from the start (repeatable).")] = None,
    dob: Annotated[Optional[str], typer.Option(metavar="DATE", help="Date of birth.")] = None,
    email: Annotated[Optional[str], typer.Option(help="Email address.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Phone number.")] = None,
    address: Annotated[Optional[str], typer.Option(
        metavar="TEXT", help="Postal address, lines separated by ';' (printed on invoices; '' clears it).")] = None,
    referred_on: Annotated[Optional[str], typer.Option(metavar="DATE", help="Date the referral arrived.")] = None,
    referral_source: Annotated[Optional[str], typer.Option(metavar="TEXT",
                                                           help="Where the referral came from (GP, self, ...).")] = None,
    referred_by: Annotated[Optional[str], typer.Option(metavar="CONTACT", help="The referring contact.")] = None,
    reminders: RemindersOpt = None,
    fee: Annotated[Optional[str], typer.Option(
        "--fee", metavar="AMOUNT", help="Fee per session for this client, e.g. 80 or 80.50 (0 = not charged; "
                                        "default, or '' to go back to it: fees.default).")] = None,
    payer: Annotated[Optional[str], typer.Option(
        "--payer", metavar="NAME", help="Insurer, EAP or employer invoiced instead of the client ('' = none).")] = None,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="Add a different person with the name (and date of birth) of a client held.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Add a client; new clients are waiting until their first attended session.

    A name already held with the same date of birth (or both without one) is refused unless
    --allow-duplicate; held where only one of the two has a date of birth, it is added with a warning.

    Example: therapy client add 'Alex Morgan' --dob 1990-04-02 --referred-on today --referral-source GP
    Example: therapy client add 'Morgan and Shah' --kind couple --member 'Ian Morgan' --member 'Omar Shah'
    """
    from therapy_cli import render
    from therapy_cli.practice import clients

    warnings: list[str] = []
    with database(write=True) as db:
        record = clients.add_client(
            db, name, kind.value, member or [], parse_date_option(dob, "--dob"), email, phone,
            parse_date_option(referred_on, "--referred-on"), referral_source, referred_by, allow_duplicate,
            reminders=reminders.value if reminders else None, address=address, warnings=warnings)
        currency = _set_fees(db, record, fee, payer)
    for text in warnings:
        render.warn(text)
    _show(record, output_format(fmt, as_json, as_csv), currency=currency)


@app.command("list")
def list_(
    status: Annotated[Optional[Status], typer.Option(help="waiting, active or discharged.")] = None,
    kind: Annotated[Optional[Kind], typer.Option(help="individual, couple, family or group.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Show at most N clients (1 or more).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List clients, by name.

    Example: therapy client list --status active --json
    """
    from therapy_cli import render
    from therapy_cli.practice import clients

    with database() as db:
        rows = clients.list_clients(db, status.value if status else None, kind.value if kind else None,
                                    in_range(limit, "--limit", 1))
    shape = output_format(fmt, as_json, as_csv)
    if shape != "json":  # today's members: how many in a table (it stays narrow), `#1 Ann Lee; #2 Ben Lee` in CSV
        day = today().isoformat()
        for r in rows:
            now = list(dict.fromkeys(f"#{m['id']} {m['name']}" for m in r["members"]
                                     if (m["joined_on"] or "") <= day and (m["left_on"] or "9999") >= day))
            r["members"] = "; ".join(now) if shape == "csv" else (len(now) if r["kind"] != "individual" else None)
    render.emit(rows, shape, columns=None if rows else EMPTY_CSV)   # an empty CSV still has its header


@app.command("show")
def show(client: ClientArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False,
         as_csv: CsvOpt = False) -> None:
    """Show a client: record, attendance, plan, latest scores, referrals, supervision dates.

    Example: therapy client show morgan
    """
    from therapy_cli.commands.daily import client_show_command   # typer-free: the fast path runs it too

    client_show_command(client, output_format(fmt, as_json, as_csv))


@app.command("edit")
def edit(
    client: ClientArg,
    name: Annotated[Optional[str], typer.Option(help="New name.")] = None,
    dob: Annotated[Optional[str], typer.Option(metavar="DATE", help="Date of birth.")] = None,
    email: Annotated[Optional[str], typer.Option(help="Email address.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Phone number.")] = None,
    address: Annotated[Optional[str], typer.Option(
        metavar="TEXT", help="Postal address, lines separated by ';' (printed on invoices; '' clears it).")] = None,
    referred_on: Annotated[Optional[str], typer.Option(metavar="DATE", help="Date the referral arrived.")] = None,
    referral_source: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Where the referral came from.")] = None,
    referred_by: Annotated[Optional[str], typer.Option(
        metavar="CONTACT", help="The referring contact ('' clears it).")] = None,
    died_on: Annotated[Optional[str], typer.Option(metavar="DATE", help=(
        "Date of death (not in the future, not before birth): discharges the client if still in therapy; "
        "records are then kept retention.after_death_years from it. '' clears one recorded in error."))] = None,
    reminders: RemindersOpt = None,
    fee: Annotated[Optional[str], typer.Option(
        "--fee", metavar="AMOUNT", help="Fee per session for this client, e.g. 80 or 80.50 (0 = not charged; "
                                        "default, or '' to go back to it: fees.default).")] = None,
    payer: Annotated[Optional[str], typer.Option(
        "--payer", metavar="NAME", help="Insurer, EAP or employer invoiced instead of the client ('' = none).")] = None,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="Give the name (and date of birth) of another client held: two people.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Change a client's details (only the options given).

    A name and date of birth that client add would refuse as another client's (the same name with the same
    date of birth, or both without one) are refused unless --allow-duplicate.

    Example: therapy client edit 3 --phone '07700 900123'
    Example: therapy client edit 3 --email alex@example.org --reminders email
    Example: therapy client edit 3 --fee 85 --payer 'Bupa (policy 12345)'
    """
    from therapy_cli.practice import clients

    with database(write=True) as db:
        found = clients.find_client(db, client)
        clients.refuse_erased(found, "the record cannot be edited (add a new client if they return)")
        others = (name, dob, email, phone, address, referred_on, referral_source, referred_by, died_on, reminders)
        if fee is None and payer is None or any(v is not None for v in others):
            record = clients.edit_client(
                db, found, name=name, date_of_birth=parse_date_option(dob, "--dob"),
                email=email, phone=phone, address=address,
                referred_on=parse_date_option(referred_on, "--referred-on"),
                referral_source=referral_source, referred_by=referred_by,
                died_on=parse_date_option(died_on, "--died-on") if (died_on or "").strip() else None,
                clear_death=died_on is not None and not died_on.strip(),
                reminders=reminders.value if reminders else None, allow_duplicate=allow_duplicate)
        else:
            record = clients.client_record(db, found["id"])
        fee_said: list[str] = []
        currency = _set_fees(db, record, fee, payer, fee_said)
        booked = db.scalar("SELECT count(*) FROM sessions WHERE client_id = ? AND status = 'scheduled' "
                           "AND local_date > ?", (record["id"], record["died_on"])) if record.get("died_on") else 0
    if booked:
        from therapy_cli import render

        render.warn(f"{booked} session(s) booked after the date of death remain; cancel them with "
                    "`therapy session cancel ID --by therapist` (none can be attended)")
    if (died_on is not None and not died_on.strip() and record.get("status") == "discharged"
            and record.get("discharge_reason") == "died"):
        from therapy_cli import render

        # the discharge the death made stays (clients.edit_client): off the caseload, the risk register and remind
        render.warn(f"#{record['id']} stays discharged (the date of death recorded in error discharged them on "
                    f"{record['discharged_on']}): off the caseload, the risk register and remind; "
                    f"'therapy client reopen {record['id']}' if therapy goes on")
    if fee_said:
        from therapy_cli import render

        for text in fee_said:
            render.warn(text)
    _show(record, output_format(fmt, as_json, as_csv), currency=currency)


def _set_fees(db, record: dict, fee: str | None, payer: str | None,
              warnings: list[str] | None = None) -> str | None:
    """--fee / --payer: the client's own fee and payer, shown with the record once set; returns the currency
    they are in (None when neither was given). `warnings`: where a changed fee leaves past sessions unbilled
    that an invoice would now bill at it."""
    if fee is None and payer is None:
        return None
    from therapy_cli.commands.invoice import money_option
    from therapy_cli.practice import fees, invoices

    if fee is not None and fee.strip():        # '' takes the client's own fee away: fees.default again
        money_option(fee, "--fee")
    telling = fee is not None and warnings is not None
    was, before = (fees.fee_for_client(db, record), invoices.unbilled(db, record)) if telling else (None, None)
    record.update(fees.set_terms(db, record, fee, payer))
    if telling:
        said = invoices.fee_change_text(db, record, was, before)
        if said:
            warnings.append(said)
    return db.setting("fees.currency")


@app.command("discharge")
def discharge(
    client: ClientArg, on: OnOpt = None,
    reason: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Why (planned ending, moved away, ...).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Discharge a client (ending therapy).

    Example: therapy client discharge morgan --on 2026-11-20 --reason 'planned ending'
    """
    from therapy_cli import render
    from therapy_cli.clinical import risk
    from therapy_cli.practice import clients, fees, invoices

    with database(write=True) as db:
        on_register = risk.register(db)
        record = clients.discharge(db, clients.find_client(db, client), parse_date_option(on, "--on"), reason)
        left = risk.left_register(db, on_register)
        staying = clients.units_going_on(db, record)
        booked = db.scalar("SELECT count(*) FROM sessions WHERE client_id = ? AND status = 'scheduled' "
                           "AND local_date >= ?", (record["id"], db.today.isoformat()))
        owing = fees.owing_text(record["id"], fees.outstanding(db, record["id"]))
        unbilled = invoices.unbilled_text(db, record)
    if booked:
        render.warn(f"{booked} scheduled session(s) remain booked; cancel them with `therapy session cancel`")
    if owing:   # a discharge ends therapy, not the account
        render.warn(owing)
    if unbilled:
        render.warn(unbilled)
    for unit in staying:
        render.warn(f"#{record['id']} is still a member of #{unit['id']} ({unit['kind']}), which goes on: discharged in "
                    "their own right, they are off the caseload whatever sessions of it they come to; if they left "
                    f"it, record the day (therapy client leave {unit['id']} {record['id']} --on DATE)")
    for item in left:   # the client, or a member in therapy only through a discharged unit
        render.warn(f"{risk.register_text(item)} leaves the risk register and remind with this discharge (they "
                    "follow clients in therapy or waiting); hand the risk on and record it at discharge "
                    f"(therapy risk assess {item['client_id']})")
    _show(record, output_format(fmt, as_json, as_csv))


@app.command("reopen")
def reopen(client: ClientArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False,
           as_csv: CsvOpt = False) -> None:
    """Reopen a discharged client (active if ever seen, else waiting): the discharge is undone, so
    the reports of the month it fell in no longer count it.

    Example: therapy client reopen 3
    """
    from therapy_cli.practice import clients

    with database(write=True) as db:
        found = clients.find_client(db, client)
        ended = found["discharged_on"]
        record = clients.reopen(db, found)
        month_start = db.today.replace(day=1).isoformat()
    if ended and ended < month_start:
        from therapy_cli import render

        # a discharge in a period already reported (and perhaps returned) leaves its figures
        render.warn(f"the discharge on {ended} is undone: reports of {ended[:7]} (discharges, report outcomes) "
                    "no longer count it")
    _show(record, output_format(fmt, as_json, as_csv))


CorrectOpt = Annotated[bool, typer.Option(
    "--correct", help="The day recorded for their latest membership was wrong: move it to --on (audited).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Clear their absences outside the membership without asking.")]


@app.command("join")
def join(
    unit: Annotated[str, typer.Argument(metavar="UNIT", help="The couple, family or group.")],
    client: ClientArg, on: OnOpt = None, correct: CorrectOpt = False,
    undo: Annotated[bool, typer.Option(
        "--undo", help="Their latest membership was recorded in error (the wrong person or the wrong unit): "
                       "delete it, as if they never joined (audited).")] = False,
    yes: YesOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Add a member to a couple, family or group from a date (--correct: move the day they joined; --undo: take
    back a membership recorded in error).

    Joining changes no one's own status: a person discharged in their own right stays discharged, and a
    discharged unit stays discharged; either is warned of (therapy client reopen ID if therapy starts again).

    Example: therapy client join 'Tuesday anxiety group' 'Ben Walsh' --on 2026-12-01
    """
    if undo and (on or correct):
        raise typer.BadParameter("--undo takes back the whole membership; give it without --on and --correct",
                                 param_hint="--undo")
    _membership_change("undo" if undo else "join", unit, client, on, correct, yes,
                       output_format(fmt, as_json, as_csv))


@app.command("leave")
def leave(
    unit: Annotated[str, typer.Argument(metavar="UNIT", help="The couple, family or group.")],
    client: ClientArg, on: OnOpt = None, correct: CorrectOpt = False, yes: YesOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record that a member left a couple, family or group (a member through that day; --correct: move it).

    Example: therapy client leave 'Tuesday anxiety group' 'Zoe Mensah' --on 2026-11-25
    """
    _membership_change("leave", unit, client, on, correct, yes, output_format(fmt, as_json, as_csv))


def _membership_change(change: str, unit: str, client: str, on: str | None, correct: bool, yes: bool,
                       fmt) -> None:
    """Join or leave; a recorded absence the new day leaves outside the membership is cleared only when
    confirmed (a mistyped day would otherwise lose it), inside the transaction a refusal rolls back."""
    from datetime import timedelta

    from therapy_cli import render
    from therapy_cli.clinical import risk
    from therapy_cli.practice import clients

    cleared: list[int] = []
    counted: dict = {}
    warnings: list[str] = []
    with database(write=True) as db:
        on_register = risk.register(db)
        if change == "undo":
            record = clients.undo_join(db, unit, client, cleared, counted)
        elif change == "join":
            record = clients.join(db, unit, client, parse_date_option(on, "--on"), correct, cleared, counted,
                                  warnings)
        else:
            record = clients.leave(db, unit, client, parse_date_option(on, "--on"), correct, cleared, counted)
        if cleared:
            sessions = ", ".join(f"#{i}" for i in cleared)
            many = len(cleared) > 1
            where = {"join": f", which {'fall' if many else 'falls'} before the joining day",
                     "leave": f", which {'fall' if many else 'falls'} after the leaving day",
                     "undo": " during that membership"}[change]
            confirm(f"They were recorded absent from session{'s' if many else ''} {sessions}{where}; "
                    "clear that record?", yes)
        # a member in therapy only through the unit is off the register once they have left it (the day after
        # the leaving day, a member through it), as at a discharge
        off_on = db.today
        if change == "leave":
            off_on = max(db.today, (parse_date_option(on, "--on") or db.today) + timedelta(days=1))
        left = risk.left_register(db, on_register, off_on)
        today = db.today
    _show(record, fmt)
    for text in warnings:
        render.warn(text)
    for item in left:
        when = f" from {off_on.isoformat()}" if off_on > today else ""
        render.warn(f"{risk.register_text(item)} leaves the risk register and remind{when} with this change of "
                    "membership (they follow clients in therapy or waiting); hand the risk on and record it "
                    f"(therapy risk assess {item['client_id']})")
    member = counted.get("member")
    # a joining or leaving day in the past rewrites who was at the sessions already held: say whose and which
    for side, text in (("gained", "is now counted at"), ("lost", "is no longer counted at")):
        held = counted.get(side) or []
        if held:
            days = ", ".join(day for day, _ in held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
            fix = (f"join them again from the day they really joined: therapy client join {record['id']} {member} "
                   "--on DATE" if change == "undo" else
                   f"give the day they really {'joined' if change == 'join' else 'left'}: therapy client {change} "
                   f"{record['id']} {member} --on DATE --correct")
            render.warn(f"#{member} {text} {len(held)} attended session{'s' if len(held) > 1 else ''} of "
                        f"#{record['id']} ({days}); if that is wrong, {fix}")


@app.command("refer")
def refer(
    client: ClientArg,
    to: Annotated[str, typer.Option("--to", metavar="CONTACT", help="The contact referred to.")],
    on: OnOpt = None,
    reason: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Why.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a referral out to a professional contact.

    Example: therapy client refer morgan --to Okafor --reason 'medication review'
    """
    from therapy_cli import render
    from therapy_cli.practice import clients

    with database(write=True) as db:
        record = clients.refer_out(db, clients.find_client(db, client), to, parse_date_option(on, "--on"), reason)
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Referral #{record['id']}")


@app.command("export")
def export(
    client: ClientArg,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE",
                                                  help="Write to FILE (mode 0600) instead of stdout (- is stdout).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Accepted for scripts; the export is always JSON.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace an existing FILE without asking.")] = False,
) -> None:
    """Export everything held about a client as JSON (a subject access request).

    Example: therapy client export morgan --output morgan-sar.json
    """

    from therapy_cli import render

    from therapy_cli.practice import clients

    if output is not None and not output.strip():
        from therapy_cli.errors import WrongForm

        # `--output "$FILE"` with the variable unset: not standard output, where cron would mail the records
        raise WrongForm("--output is empty; give the file's path, or - for standard output (an unset variable "
                        "in a script?)")
    if output == "-":   # standard output, as `session export --ics -`: never a file called '-' full of client data
        output = None
    with database() as db:
        data = clients.export_client(db, clients.find_client(db, client))
    text = render.to_json(data) + "\n"
    if output:
        from therapy_cli.storage.files import check_target, shown, write_private

        if check_target(output).is_file():
            confirm(f"Replace the existing file {output}?", yes)

        write_private(output, text)
        render.message(f"Wrote {shown(output)}")
    else:
        print(text, end="")


@app.command("remove")
def remove(
    client: ClientArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Remove a client added in error, while nothing of therapy is recorded for them; audited.

    Refused once the client has a session, questionnaire, plan, risk assessment, referral out, invoice or
    supervision case, or is listed in a couple, family or group: discharge them instead. A couple, family or
    group goes with its list of members. Its referral no longer counts in the reports; the id is not given again.

    Example: therapy client add 'Alex Morgn' --allow-duplicate && therapy client remove 'Alex Morgn' --yes
    """
    from therapy_cli import render
    from therapy_cli.practice import clients

    with database(write=True) as db:
        found = clients.find_client(db, client)
        record = clients.remove_client(db, found)   # refused before asking while anything is recorded
        confirm(f"Remove client #{found['id']} {found['name']}?", yes)   # declined: the transaction rolls back
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Client #{record['id']} removed")


@app.command("erase")
def erase(
    client: ClientArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Erase before the retention date (needs --reason).")] = False,
    reason: Annotated[Optional[str], typer.Option(metavar="TEXT",
                                                  help="Why the records go before retention ends.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Erase a discharged client's records once retention has passed, keeping a stub (id, dates, erased on).

    Sessions, notes, plans, goals, measures and referrals are removed, the file is
    rebuilt (secure_delete, VACUUM) so the text leaves it, and the audit keeps that
    it happened. Before the retention date it is refused unless --force --reason.
    Unsaved note files the editor kept for the client's sessions are deleted too.
    Backups made earlier still hold the records, as do the copies db restore kept beside the file (named in
    a warning): see docs/privacy.md.

    Example: therapy client erase 1 --yes --force --reason 'erasure request (UK GDPR art. 17)'
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.practice import retention
    from therapy_cli.storage.db import resolve_path
    from therapy_cli.commands._common import STATE

    from therapy_cli.practice.invoices import unbilled_texts

    with database() as db:
        found = clients.find_client(db, client)
        unbilled, lost = unbilled_texts(db, found)
    # money not yet billed can never be once the record is gone: said in the question, and after it with --yes
    lost_said = f" ({unbilled}: an erased client cannot be invoiced)" if unbilled else ""
    # named in full: the question is the last chance to see a fragment matched the wrong person
    confirm(f"Erase the records of client #{found['id']} {found['name']}?{lost_said} This cannot be undone", yes,
            without_terminal=f"Erase the records of client #{found['id']}?{lost_said} This cannot be undone")
    from therapy_cli.storage import scrub
    from therapy_cli.storage.files import sweep_stale

    path = resolve_path(STATE.db)
    with database(write=True) as db:
        sessions = retention.session_ids(db, found["id"])   # before they go: their unsaved notes go too
        result = retention.erase_client(db, clients.find_client(db, str(found["id"])), force, reason)
        scrub.record_pending(db, result["id"])
        from therapy_cli.practice import fees

        # invoices are financial records and outlive the erasure (their lines name no one): what is due stays due
        owing = fees.owing_text(result["id"], fees.outstanding(db, result["id"]))
    sweep_stale(path.parent)  # a killed backup or export may have left a copy holding the records
    if db.scrub_pending:
        scrub.finish_or_refuse(path, STATE.today, f"client #{result['id']}'s erasure is recorded")
    # note text the editor kept when it could not be written (practice/drafts.py), beside the caseload as
    # session note wrote it (that directory, and the one the file really lives in when --db is a link)
    from therapy_cli.practice import drafts
    from therapy_cli.storage.files import shown

    folders = dict.fromkeys([path.parent, path.resolve().parent])
    removed, failed = drafts.remove([p for folder in folders
                                     for p in drafts.of_sessions(folder, [path, path.resolve()], sessions)])
    result["unsaved_notes_removed"] = removed
    render.emit(result, output_format(fmt, as_json, as_csv), title=f"Client #{result['id']} erased")
    if removed:
        render.message(f"Removed {removed} unsaved note file{'s' if removed != 1 else ''} of client "
                       f"#{result['id']}'s sessions.")
    for draft, why in failed:
        render.warn(f"could not remove the unsaved note file {shown(draft)} ({why}): it still holds note text "
                    f"of client #{result['id']}; delete it")
    if owing:
        render.warn(owing)
    if lost:
        render.warn(lost)
    from therapy_cli.storage.maintenance import kept_copies

    kept = kept_copies(path)
    if kept:   # copies this tool made (db restore): erasure cannot reach them, so say where they are
        render.warn(f"these records are still in what db restore kept beside the caseload, which erasure "
                    f"cannot reach: {', '.join(p.name for p in kept)} (in {path.parent}); delete those files "
                    "once you no longer need them")
