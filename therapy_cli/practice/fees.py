"""Money and the fee policy: amounts are integer minor units (pence), never floats.

`parse_money` reads what a practitioner types (`80`, `80.50`, `£80`); `money`
shows an amount in the `fees.currency` setting; `session_charge` says what a
session costs under the policy settings `fees.default`, `fees.dna` and
`fees.late_cancel`.
"""

from __future__ import annotations

import re

from therapy_cli.errors import InvalidValue, WrongForm

POLICIES = ("full", "half", "none")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
MAX_MINOR = 100_000_000  # £1,000,000: a bound against typing slips, far above any session fee

# ASCII digits only (`\d` would take Arabic-Indic or full-width digits); a comma only between groups of three
_MONEY_RE = re.compile(r"^(?P<whole>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]{1,2}))?$")
_DECIMAL_COMMA_RE = re.compile(r"^(?P<whole>[0-9]{0,9}),(?P<frac>[0-9]{1,2})$")
_CODE_FIRST_RE = re.compile(r"^(?P<mark>[A-Za-z]{3})(?![A-Za-z])\s*(?P<rest>.*)$", re.DOTALL)
_CODE_LAST_RE = re.compile(r"^(?P<rest>.*?[0-9.])\s*(?P<mark>[A-Za-z]{3})$", re.DOTALL)
MONEY_FORMS = "an amount such as 80, 80.50, 1,200 or £80 (at most 2 decimal places, not negative)"

# ISO 4217 (the SIX list of current codes): amounts are kept in hundredths, so fees.currency is one of the
# currencies whose minor unit is a hundredth. Those with none or a thousandth are named, to say why not.
CURRENCIES = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
    CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UZS VED VES WST XCD XCG YER
    ZAR ZMW ZWG""".split())
OTHER_MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def check_currency(code: str, what: str = "fees.currency") -> str:
    """An ISO 4217 code kept in hundredths, upper-cased. A code in another minor unit (JPY, KWD) is
    InvalidValue (exit 1: every amount would be out by a factor of 100 or 10); no such code is WrongForm."""
    upper = code.upper()
    if upper in OTHER_MINOR_UNITS:
        places = OTHER_MINOR_UNITS[upper]
        unit = "no minor unit" if places == 0 else f"{places} decimal places"
        raise InvalidValue(f"{what} cannot be {upper}: amounts are kept in hundredths and {upper} has {unit}")
    if upper not in CURRENCIES:
        raise WrongForm(f"{what} must be an ISO 4217 currency code such as GBP, EUR or USD, not {code!r}")
    return upper


def currency_marks(currency: str) -> tuple[str, ...]:
    """What may stand with an amount in `currency`: its symbol (before), its code (before or after)."""
    code = currency.upper()
    return (SYMBOLS[code], code) if code in SYMBOLS else (code,)


def parse_money(text: str, what: str = "amount", currency: str | None = "GBP") -> int:
    """`80`, `80.5`, `80.50`, `£80`, `GBP 80`, `80 GBP`, `1,200`, `12,345.50` → minor units.

    A currency symbol or code may only be that of `currency` (None: any, for a check of the form made
    before the currency is known; the amount is parsed again once it is). A comma separates thousands, in
    groups of three; a decimal comma (`80,50`) is refused rather than read as 8,050. Raises WrongForm for
    what cannot be read (exit 2) and InvalidValue for more than MAX_MINOR (out of range, exit 1).
    """
    value = (text or "").strip()
    shown = repr(text if len(text or "") <= 40 else text[:40] + "...")
    mark, value = _split_mark(value)
    if mark is not None and currency is not None and mark.upper() not in currency_marks(currency):
        raise WrongForm(f"{what} {shown}: the amount is in {currency.upper()}; give it alone, e.g. 80.50, "
                        f"or with {' or '.join(currency_marks(currency))}")
    match = _MONEY_RE.match(value)
    if not match:
        if "," in value:
            # `80,50` is a decimal comma, not £8,050: say how to write it rather than guess
            comma = _DECIMAL_COMMA_RE.match(value)
            example = f"{int(comma['whole'] or 0)}.{comma['frac'].ljust(2, '0')}" if comma else "80.50"
            raise WrongForm(f"{what} {shown}: a comma only separates thousands, in groups of three (1,200); "
                            f"use a decimal point for pence, e.g. {example}")
        raise WrongForm(f"{what} {shown} is not {MONEY_FORMS}")
    whole = match["whole"].replace(",", "")
    if len(whole) > 9:  # far past the bound; also keeps int() away from a thousand-digit string
        raise InvalidValue(f"{what} {shown} is more than {money(MAX_MINOR)}")
    minor = int(whole) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    if minor > MAX_MINOR:
        raise InvalidValue(f"{what} {shown} is more than {money(MAX_MINOR)}")
    return minor


def _split_mark(value: str) -> tuple[str | None, str]:
    """(currency symbol or code, the rest): `£ 80` → ('£', '80'), `80 CHF` → ('CHF', '80')."""
    import unicodedata

    if value[:1] and unicodedata.category(value[0]) == "Sc":   # a currency sign: £ € $ ¥ ...
        return value[0], value[1:].strip()
    for pattern in (_CODE_FIRST_RE, _CODE_LAST_RE):
        found = pattern.match(value)
        if found and any(ch.isdigit() for ch in found["rest"]):
            return found["mark"], found["rest"].strip()
    return None, value


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
    return parse_money(default, "fees.default", None) or None if default else None


def set_terms(db, client: dict, fee: str | None = None, payer: str | None = None) -> dict:
    """`client add|edit --fee/--payer`: fee 0 = not charged, '' = no fee of their own (fees.default again);
    payer '' = invoice the client."""
    from therapy_cli.validation import clean_text

    values: dict = {}
    if fee is not None:
        values["fee_minor"] = parse_money(fee, "--fee", db.setting("fees.currency")) if fee.strip() else None
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


def outstanding(db, client_id: int) -> dict:
    """What the client's live invoices still have due: `amount_minor`, the invoices' `numbers`, `currency`.
    Read from the open invoices (kept by triggers), so a paid history is never summed."""
    rows = db.query("SELECT i.number, i.total_minor - coalesce((SELECT sum(p.amount_minor) FROM payments p "
                    "WHERE p.invoice_id = i.id), 0) AS due FROM invoices i WHERE i.client_id = ? AND EXISTS "
                    "(SELECT 1 FROM open_invoices o WHERE o.invoice_id = i.id) ORDER BY i.issued_on, i.id",
                    (client_id,))
    return {"amount_minor": sum(r["due"] for r in rows), "numbers": [r["number"] for r in rows],
            "currency": db.setting("fees.currency")}


def owing_text(client_id: int, owed: dict) -> str | None:
    """`client #3 still owes £180.00 on INV-2026-0002 (...)`, or None when nothing is due."""
    if not owed["amount_minor"]:
        return None
    many = len(owed["numbers"]) != 1
    return (f"client #{client_id} still owes {money(owed['amount_minor'], owed['currency'])} on "
            f"invoice{'s' if many else ''} {', '.join(owed['numbers'])} (therapy invoice list --client {client_id}); "
            f"{'they stay' if many else 'it stays'} due: record payments as they come (therapy payment add "
            "INVOICE AMOUNT --on DATE)")


def fees_section(db, record: dict) -> None:
    """`client show`: fee, payer, invoices and what is outstanding on them, only where fees are in use for
    this client."""
    own = terms(db, record["id"])
    invoices = db.one("SELECT count(*) AS n, coalesce(sum(total_minor), 0) AS total FROM invoices i "
                      "WHERE client_id = ? AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id)",
                      (record["id"],))
    if own["fee_minor"] is None and own["payer"] is None and not invoices["n"]:
        return
    fee = fee_for_client(db, record)
    record["fees"] = {"fee_minor": fee or 0, "own_fee": own["fee_minor"] is not None, "payer": own["payer"],
                      "currency": db.setting("fees.currency"), "invoices": invoices["n"],
                      "invoiced_minor": invoices["total"],
                      "outstanding_minor": outstanding(db, record["id"])["amount_minor"] if invoices["n"] else 0}


def shown_amounts(record: dict, currency: str, fmt: str = "table") -> dict:
    """A table's or a CSV's view of a record: each `*_minor` amount under its plain name, as money in a table
    (`fee_minor: 9500` → `fee: £95.00`), as a plain number in CSV (`fee: 95.00`, the currency in its own
    column, as the invoices' CSV has it); JSON keeps the minor units."""
    def shown(value):
        return value if not isinstance(value, int) else money(value, currency) if fmt == "table" \
            else decimal_text(value)

    return {(key[:-6] if key.endswith("_minor") else key): (shown(value) if key.endswith("_minor") else value)
            for key, value in record.items()}
