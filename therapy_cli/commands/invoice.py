"""`therapy invoice` and `therapy payment`: billing sessions and recording what was paid."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)
# `invoice create` runs on the fast path too (therapy_cli/fast.py): its body and the invoice views are typer-free
from therapy_cli.commands.daily import _show_invoice, _with_amounts, invoice_create_command

app = typer.Typer(help="Invoices: bill a client's chargeable sessions; void; list; print.", no_args_is_help=True)
payment_app = typer.Typer(help="Payments received against invoices.", no_args_is_help=True)

InvoiceArg = Annotated[str, typer.Argument(metavar="INVOICE", help="Invoice id or number (INV-2026-0001).")]


def money_option(text: str | None, hint: str) -> int | None:
    """An AMOUNT typed on the command line, in minor units; a wrong form is a usage error (exit 2)."""
    if text is None:
        return None
    from therapy_cli.errors import InvalidValue
    from therapy_cli.practice.fees import parse_money

    try:
        return parse_money(text, hint)
    except InvalidValue as exc:
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
        rows = [_with_amounts(r) for r in rows]
    render.emit(rows, shape, columns=["id", "number", "client_id", "payer", "issued_on", "due_on", "total", "paid",
                                      "due", "status"] if shape == "table" else None)


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
    _show_invoice(record, output_format(fmt, as_json, as_csv))


@payment_app.command("add")
def payment_add(
    invoice: InvoiceArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Amount received: 80, 80.50 or £80.")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Day received (default: today).")] = None,
    method: Annotated[Optional[str], typer.Option("--method", metavar="TEXT",
                                                  help="How it was paid (bank transfer, card, cash...).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Record a payment against an invoice; more than is due is refused.

    Example: therapy payment add 2 50 --method 'bank transfer'
    """
    from therapy_cli import render
    from therapy_cli.practice import invoices

    minor = money_option(amount, "AMOUNT")
    with database(write=True) as db:
        record = invoices.add_payment(db, invoices.find_invoice(db, invoice), minor,
                                      parse_date_option(on, "--on"), method)
    from therapy_cli.practice.fees import money

    shape = output_format(fmt, as_json, as_csv)
    if shape != "json":  # amounts as money; JSON keeps minor units
        record = {**{k: v for k, v in record.items() if not k.endswith("_minor")},
                  "due": money(record["due_minor"], record["currency"])}
    render.emit(record, shape, title=f"Payment #{record['id']}")
