"""Money and the fee policy: amounts are integer minor units (pence), never floats.

`parse_money` reads what a practitioner types (`80`, `80.50`, `£80`); `money`
shows an amount in the `fees.currency` setting; `session_charge` says what a
session costs under the policy settings `fees.default`, `fees.dna` and
`fees.late_cancel`.
"""

from __future__ import annotations

import re

from therapy_cli.errors import InvalidValue

POLICIES = ("full", "half", "none")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
MAX_MINOR = 100_000_000  # £1,000,000: a bound against typing slips, far above any session fee

_MONEY_RE = re.compile(r"^(?P<whole>\d{1,9})(?:\.(?P<frac>\d{1,2}))?$")
MONEY_FORMS = "an amount such as 80, 80.50 or £80 (at most 2 decimal places, not negative)"


def parse_money(text: str, what: str = "amount") -> int:
    """`80`, `80.5`, `80.50`, `£80`, `GBP 80`, `1,200` → minor units; anything else is refused."""
    value = (text or "").strip().replace(",", "")
    for prefix in (*SYMBOLS.values(), *SYMBOLS):
        if value.upper().startswith(prefix):
            value = value[len(prefix):].strip()
            break
    match = _MONEY_RE.match(value)
    if not match:
        raise InvalidValue(f"{what} {text!r} is not {MONEY_FORMS}")
    minor = int(match["whole"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    if minor > MAX_MINOR:
        raise InvalidValue(f"{what} {text!r} is more than {money(MAX_MINOR)}")
    return minor


def money(minor: int | None, currency: str = "GBP") -> str:
    """2150 → `£21.50`; currencies without a symbol here read `21.50 CHF`."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    units, pence = divmod(abs(minor), 100)
    amount = f"{units:,}.{pence:02d}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def decimal_text(minor: int) -> str:
    """2150 → `21.50`: for CSV meant for a spreadsheet or an accountant."""
    sign = "-" if minor < 0 else ""
    units, pence = divmod(abs(minor), 100)
    return f"{sign}{units}.{pence:02d}"


def half(fee_minor: int) -> int:
    """Half a fee, rounded to the penny with halves rounded up (£80.05 → £40.03)."""
    return (fee_minor + 1) // 2


def charge_for(status: str, fee_minor: int, dna_policy: str, late_policy: str) -> tuple[str, int] | None:
    """(charge, amount) for a session of this status, or None when it is not charged."""
    if fee_minor <= 0:
        return None
    policy = {"attended": "full", "dna": dna_policy, "late-cancelled": late_policy}.get(status, "none")
    if policy == "full":
        return "full", fee_minor
    if policy == "half":
        return "half", half(fee_minor)
    return None


def chargeable_statuses(db) -> list[str]:
    """The session statuses the policy charges for."""
    out = ["attended"]
    if db.setting("fees.dna") != "none":
        out.append("dna")
    if db.setting("fees.late_cancel") != "none":
        out.append("late-cancelled")
    return out


def fee_for_client(db, client: dict) -> int | None:
    """The per-session fee in force for a client: their own, else fees.default; None = not charged."""
    own = db.scalar("SELECT fee_minor FROM clients WHERE id = ?", (client["id"],))
    if own is not None:
        return own or None
    default = db.setting("fees.default")
    return parse_money(default, "fees.default") or None if default else None


def set_terms(db, client: dict, fee: str | None = None, payer: str | None = None) -> dict:
    """`client add|edit --fee/--payer`: fee '' or 0 = not charged; payer '' = invoice the client."""
    from therapy_cli.validation import clean_text

    values: dict = {}
    if fee is not None:
        values["fee_minor"] = parse_money(fee, "--fee")
    if payer is not None:
        values["payer"] = clean_text(payer, "--payer", 200) or None
    if values:
        db.update("clients", client["id"], values)
        db.audit("edit", "client", client["id"], "changed " + ", ".join(sorted(values)), client["id"])
    return terms(db, client["id"])


def terms(db, client_id: int) -> dict:
    """The client's own fee and payer as stored (None where unset)."""
    row = db.one("SELECT fee_minor, payer FROM clients WHERE id = ?", (client_id,))
    return {"fee_minor": row["fee_minor"], "payer": row["payer"]}


def fees_section(db, record: dict) -> None:
    """`client show`: fee, payer and invoices, only where fees are in use for this client."""
    own = terms(db, record["id"])
    invoices = db.one("SELECT count(*) AS n, coalesce(sum(total_minor), 0) AS total FROM invoices i "
                      "WHERE client_id = ? AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id)",
                      (record["id"],))
    if own["fee_minor"] is None and own["payer"] is None and not invoices["n"]:
        return
    fee = fee_for_client(db, record)
    record["fees"] = {"fee_minor": fee or 0, "own_fee": own["fee_minor"] is not None, "payer": own["payer"],
                      "currency": db.setting("fees.currency"), "invoices": invoices["n"],
                      "invoiced_minor": invoices["total"]}
