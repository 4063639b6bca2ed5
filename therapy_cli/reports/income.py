"""Income for the accountant: invoiced, received, outstanding and aged debt over a UK tax year.

Void invoices and payments against them count nowhere. `received` is cash in
the span (by payment date); `invoiced` by issue date; `outstanding` and `aged`
are what was unpaid at the span's end (or today, if sooner), by days since issue.
"""

from __future__ import annotations

import re
from datetime import date

from therapy_cli.errors import InvalidValue
from therapy_cli.storage.db import Database

AGE_BUCKETS = (("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
_TAX_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")
_LIVE = "NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id)"


def tax_year_of(day: date) -> tuple[date, date]:
    """The UK tax year holding `day`: 6 April to 5 April."""
    first = day.year if day >= date(day.year, 4, 6) else day.year - 1
    return date(first, 4, 6), date(first + 1, 4, 5)


def parse_tax_year(text: str, today: date) -> tuple[date, date]:
    """`2026/27`, or `this` / `last`, → (6 April, 5 April)."""
    value = (text or "").strip().lower()
    if value in ("this", "last"):
        start, _ = tax_year_of(today)
        return tax_year_of(date(start.year - 1, 4, 6)) if value == "last" else tax_year_of(start)
    match = _TAX_YEAR_RE.match(value)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]) or int(match[1]) < 1:
        raise InvalidValue(f"--tax-year {text!r} is not a tax year; use YYYY/YY, e.g. 2026/27 "
                           "(6 April 2026 to 5 April 2027), or this or last")
    return tax_year_of(date(int(match[1]), 4, 6))


def label(start: date, end: date) -> str:
    if (start, end) == tax_year_of(start):
        return f"tax year {start.year}/{(start.year + 1) % 100:02d}"
    return f"{start.isoformat()} to {end.isoformat()}"


def income(db: Database, start: date, end: date) -> dict:
    """The figures, amounts in minor units of `fees.currency`."""
    lo, hi = start.isoformat(), end.isoformat()
    as_at = min(end, db.today)
    months: dict[str, dict] = {m: _month(m) for m in _months(start, end)}
    for r in db.query(f"SELECT substr(i.issued_on, 1, 7) AS month, sum(i.total_minor) AS total, count(*) AS n "
                      f"FROM invoices i WHERE i.issued_on BETWEEN ? AND ? AND {_LIVE} GROUP BY month", (lo, hi)):
        months.setdefault(r["month"], _month(r["month"]))["invoiced_minor"] = r["total"]
        months[r["month"]]["invoices"] = r["n"]
    for r in db.query(f"SELECT substr(p.paid_on, 1, 7) AS month, sum(p.amount_minor) AS total FROM payments p "
                      f"JOIN invoices i ON i.id = p.invoice_id WHERE p.paid_on BETWEEN ? AND ? AND {_LIVE} "
                      f"GROUP BY month", (lo, hi)):
        months.setdefault(r["month"], _month(r["month"]))["received_minor"] = r["total"]
    aged = {name: {"invoices": 0, "amount_minor": 0} for name, _, _ in AGE_BUCKETS}
    for r in db.query(
            f"SELECT i.issued_on, i.total_minor - coalesce((SELECT sum(p.amount_minor) FROM payments p "
            f"WHERE p.invoice_id = i.id AND p.paid_on <= ?), 0) AS unpaid FROM invoices i "
            f"WHERE i.issued_on <= ? AND {_LIVE} AND unpaid > 0", (as_at.isoformat(), as_at.isoformat())):
        bucket = aged[_bucket((as_at - date.fromisoformat(r["issued_on"])).days)]
        bucket["invoices"] += 1
        bucket["amount_minor"] += r["unpaid"]
    by_month = [months[m] for m in sorted(months)]
    return {
        "period": {"start": lo, "end": hi},
        "label": label(start, end),
        "currency": db.setting("fees.currency"),
        "invoiced_minor": sum(m["invoiced_minor"] for m in by_month),
        "received_minor": sum(m["received_minor"] for m in by_month),
        "outstanding_minor": sum(b["amount_minor"] for b in aged.values()),
        "as_at": as_at.isoformat(),
        "by_month": by_month,
        "aged": aged,
    }


def _months(start: date, end: date) -> list[str]:
    """Every YYYY-MM the span touches (at most 1200: a century of months is plenty)."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(out) < 1200:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month(month: str) -> dict:
    return {"month": month, "invoices": 0, "invoiced_minor": 0, "received_minor": 0}


def _bucket(days: int) -> str:
    for name, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return name
    return AGE_BUCKETS[0][0]  # issued after the as-at day cannot happen; keep the young bucket
