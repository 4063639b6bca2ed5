"""A printable invoice: Markdown, or one self-contained HTML page (no external resources)."""

from __future__ import annotations

import html

from therapy_cli.practice.fees import money
from therapy_cli.reports.markdown_text import inline as _md
from therapy_cli.storage.db import Database

_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 42em; margin: 2em auto; color: #111;
       line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } .from, .to { white-space: pre-line; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; }
th, td { border-bottom: 1px solid #ccc; text-align: left; padding: 0.25em 0.5em; }
td.amount, th.amount { text-align: right; } .totals td { border: none; font-weight: bold; }
.void { color: #a00; font-weight: bold; } .meta { color: #444; font-size: 0.9em; }
@media print { body { margin: 0; max-width: none; font-size: 10.5pt; } @page { size: A4; margin: 18mm; } }
"""


def gather(db: Database, invoice: dict) -> dict:
    from therapy_cli.practice.invoices import invoice_record

    record = invoice_record(db, invoice["id"], with_name=True)
    record["practitioner"] = {key: db.setting(f"practitioner.{key}")
                              for key in ("name", "address", "registration", "bank")}
    return record


def _address(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ";").split(";") if part.strip()]


def _billed(data: dict) -> list[str]:
    if data["payer"]:
        return [data["payer"], f"for sessions with {data['client_name']}"]
    return [data["client_name"], *_address(data.get("client_address") or "")]


def _totals(data: dict) -> list[tuple[str, str]]:
    cur = data["currency"]
    return [("Total", money(data["total_minor"], cur)), ("Paid", money(data["paid_minor"], cur)),
            ("Due", money(data["due_minor"], cur))]


def _closing(data: dict, bank: str) -> str:
    if data["status"] == "void":
        return "This invoice is void: nothing is due."
    if not data["due_minor"]:
        return "Paid in full: thank you."
    where = f" to: {bank}" if bank else ""
    due = money(data["due_minor"], data["currency"])
    return f"Please pay {due} by {data['due_on']}{where}, quoting {data['number']}."


def markdown(data: dict) -> str:
    p, cur = data["practitioner"], data["currency"]
    out = [f"# Invoice {data['number']}", ""]
    if data["status"] == "void":
        out += [f"**VOID** since {data['voided_on']}: {_md(data['void_reason'])}", ""]
    sender = [_md(line) + "  " for line in [p["name"], *_address(p["address"]), p["registration"]] if line]
    out += [*sender, ""] if sender else []
    out += ["**To:** " + "; ".join(_md(part) for part in _billed(data)), "",
            f"Issued {data['issued_on']} · due {data['due_on']} · sessions from {data['period']['start']} "
            f"to {data['period']['end']}", "",
            "| Date | Description | Amount |", "| --- | --- | ---: |"]
    out += [f"| {ln['session_date']} | {_md(ln['description']).replace('|', '/')} | {money(ln['amount_minor'], cur)} |"
            for ln in data["lines"]]
    out += [f"| | **{label}** | **{value}** |" for label, value in _totals(data)]
    out += ["", _md(_closing(data, p["bank"]))]
    return "\n".join(out) + "\n"


def html_page(data: dict) -> str:
    e = html.escape
    p, cur = data["practitioner"], data["currency"]
    out = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
           f"<title>Invoice {e(data['number'])}</title>", f"<style>{_CSS}</style></head><body>",
           f"<h1>Invoice {e(data['number'])}</h1>"]
    if data["status"] == "void":
        out.append(f'<p class="void">VOID since {e(data["voided_on"])}: {e(data["void_reason"])}</p>')
    sender = [line for line in [p["name"], *_address(p["address"]), p["registration"]] if line]
    out.append('<p class="from">' + "<br>".join(e(line) for line in sender) + "</p>")
    out.append('<p class="to"><strong>To:</strong> ' + "<br>".join(e(line) for line in _billed(data)) + "</p>")
    out.append(f'<p class="meta">Issued {e(data["issued_on"])} · due {e(data["due_on"])} · sessions from '
               f'{e(data["period"]["start"])} to {e(data["period"]["end"])}</p>')
    out.append('<table><tr><th>Date</th><th>Description</th><th class="amount">Amount</th></tr>')
    out += [f'<tr><td>{e(ln["session_date"])}</td><td>{e(ln["description"])}</td>'
            f'<td class="amount">{e(money(ln["amount_minor"], cur))}</td></tr>' for ln in data["lines"]]
    out += [f'<tr class="totals"><td></td><td>{e(label)}</td><td class="amount">{e(value)}</td></tr>'
            for label, value in _totals(data)]
    out.append("</table>")
    out.append(f"<p>{e(_closing(data, p['bank']))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_invoice(db: Database, invoice: dict, output: str) -> dict:
    """Write the invoice to `output` (.md or .html), mode 0600."""
    from therapy_cli.reports.client_report import format_of
    from therapy_cli.storage.files import write_private

    kind = format_of(output)
    data = gather(db, invoice)
    text = markdown(data) if kind == "markdown" else html_page(data)
    path = write_private(output, text)
    return {"id": data["id"], "number": data["number"], "path": str(path), "format": kind,
            "bytes": len(text.encode("utf-8"))}
