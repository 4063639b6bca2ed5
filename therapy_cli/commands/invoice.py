"""`therapy invoice` and `therapy payment`: billing sessions and recording what was paid."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)
# `invoice create` runs on the fast path too (therapy_cli/fast.py): its body and the invoice views are typer-free
from therapy_cli.commands.daily import INVOICE_CSV_COLUMNS, _show_invoice, _with_amounts, invoice_create_command

app = typer.Typer(help="Invoices: bill a client's chargeable sessions; void; list; print.", no_args_is_help=True)
payment_app = typer.Typer(help="Payments received against invoices.", no_args_is_help=True)

InvoiceArg = Annotated[str, typer.Argument(metavar="INVOICE", help="Invoice id or number (INV-2026-0001).")]


def money_option(text: str | None, hint: str, currency: str | None = None) -> int | None:
    """An AMOUNT typed on the command line, in minor units; a wrong form is a usage error (exit 2), more than
    the largest amount taken is out of range (exit 1). `currency` None: any currency's symbol or code is
    let through here, to be checked once the currency is known."""
    if text is None:
        return None
    from therapy_cli.errors import WrongForm
    from therapy_cli.practice.fees import parse_money

    try:
        return parse_money(text, hint, currency)
    except WrongForm as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


@app.command("create")
def create(
    client: Annotated[Optional[str], typer.Argument(metavar="[CLIENT]",
                                                    help="Client id or a unique part of the name.")] = None,
    all_clients: Annotated[bool, typer.Option("--all", help="Every client with a fee and a chargeable session "
                                                            "in the span, one invoice each (JSON: a list).")] = False,
    month: Annotated[Optional[str], typer.Option("--month", metavar="YYYY-MM",
                                                 help="Bill this calendar month (this, last, or YYYY-MM).")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="First day (with --to).")] = None,
    to: Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Last day (inclusive).")] = None,
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Issue date (default: today).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Issue one invoice for every chargeable session in the span not yet invoiced: attended sessions, and
    DNAs and late cancellations by the client as fees.dna and fees.late_cancel say (full, half, none).
    A couple, family or group is invoiced as the unit. Nothing chargeable: exit 1, nothing written.
    Past sessions in the span still scheduled (attendance never recorded) are not billed: a warning names them.

    Example: therapy invoice create family --month last
    Example: therapy invoice create --all --month last
    """
    invoice_create_command(client, all_clients, month, from_, to, on, output_format(fmt, as_json, as_csv))


@app.command("list")
def list_(
    unpaid: Annotated[bool, typer.Option("--unpaid", help="Only invoices with something still due.")] = False,
    client: Annotated[Optional[str], typer.Option("--client", metavar="CLIENT", help="Only this client's.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List invoices, newest first, with what is paid and due (void ones show as void).

    Example: therapy invoice list --unpaid
    """
    from therapy_cli import render
    from therapy_cli.practice import clients, invoices

    with database() as db:
        rows = invoices.list_invoices(db, clients.find_client(db, client) if client else None, unpaid)
    shape = output_format(fmt, as_json, as_csv)
    if shape != "json":
        rows = [_with_amounts(r, shape) for r in rows]
    render.emit(rows, shape, columns=INVOICE_CSV_COLUMNS if shape == "csv" else
                ["id", "number", "client_id", "payer", "issued_on", "due_on", "total", "paid", "due", "status"]
                if shape == "table" else None)


@app.command("show")
def show(
    invoice: InvoiceArg,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE.html|FILE.md",
        help="Write a printable invoice (practitioner details from settings), readable by you alone.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace FILE if it exists.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Show an invoice: lines by date, total, paid, due; with --output, write it as HTML or Markdown.

    Example: therapy invoice show 1
    Example: therapy invoice show 1 --output invoice-1.html
    """
    from therapy_cli import render
    from therapy_cli.practice import invoices

    if output is None:
        with database() as db:
            record = invoices.invoice_record(db, invoices.find_invoice(db, invoice)["id"], with_name=True)
        _show_invoice(record, output_format(fmt, as_json, as_csv))
        return
    from pathlib import Path

    from therapy_cli.reports import client_report, invoice_document

    client_report.format_of(output)
    if Path(output).expanduser().exists():
        confirm(f"{output} exists; replace it?", yes)
    with database(write=True) as db:
        found = invoices.find_invoice(db, invoice)
        result = invoice_document.write_invoice(db, found, output)
        db.audit("report", "invoice", found["id"], f"{found['number']} written ({result['format']})",
                 found["client_id"])
    fmt_name = output_format(fmt, as_json, as_csv)
    if fmt_name == "table":
        render.message(f"Wrote {result['path']} ({result['format']}, readable by you alone).")
    else:
        render.emit(result, fmt_name)


@app.command("void")
def void(
    invoice: InvoiceArg,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it is cancelled.")],
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Cancel an invoice: a void record is added (the invoice itself never changes), its number stays
    taken, and its sessions can go on a new invoice.

    Example: therapy invoice void 3 --reason 'wrong fee'
    """
    from therapy_cli.practice import invoices

    with database(write=True) as db:
        record = invoices.void(db, invoices.find_invoice(db, invoice), reason)
    paid = sum(p["amount_minor"] for p in record.get("payments", []))
    if paid:
        from therapy_cli import render
        from therapy_cli.practice.fees import money

        # fees.md: payments on a void invoice count nowhere; the money received has to be recorded again
        render.warn(f"{money(paid, record['currency'])} was paid on {record['number']} and now counts nowhere: "
                    "record it on the invoice that replaces it (therapy payment add NEW-NUMBER AMOUNT --on DATE)")
    _show_invoice(record, output_format(fmt, as_json, as_csv))


@payment_app.command("add")
def payment_add(
    invoice: InvoiceArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount received: 80, 80.50 or £80.")],
    on: Annotated[Optional[str], typer.Option(
        "--on", metavar="DATE", help="Day received (default: today); before the issue date when paid at the "
                                     "session, never before the first session the invoice bills.")] = None,
    method: Annotated[Optional[str], typer.Option("--method", metavar="TEXT",
                                                  help="How it was paid (bank transfer, card, cash...).")] = None,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="Record a second payment of the same amount on the same invoice and day.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a payment against an invoice; more than is due is refused, and so is the same amount on the
    same invoice and day again (payments are never removed) unless --allow-duplicate.

    Example: therapy payment add 2 50 --method 'bank transfer'
    """
    from therapy_cli import render
    from therapy_cli.practice import invoices

    money_option(amount, "AMOUNT")  # the form, before the file is opened
    with database(write=True) as db:
        found = invoices.find_invoice(db, invoice)
        minor = money_option(amount, "AMOUNT", found["currency"])  # a symbol or code only of the invoice's currency
        record = invoices.add_payment(db, found, minor, parse_date_option(on, "--on"), method, allow_duplicate)
    from therapy_cli.practice.fees import decimal_text, money

    shape = output_format(fmt, as_json, as_csv)
    if shape != "json":  # JSON keeps minor units; a table shows money (£80.00), CSV plain numbers (80.00)
        shown = decimal_text if shape == "csv" else (lambda minor: money(minor, record["currency"]))
        record = {**{k: v for k, v in record.items() if not k.endswith("_minor")},
                  "amount": shown(record["amount_minor"]), "due": shown(record["due_minor"])}
    render.emit(record, shape, title=f"Payment #{record['id']}")
