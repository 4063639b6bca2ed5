"""Income for the accountant: invoiced, received, outstanding and aged debt over a UK tax year.

Void invoices and payments against them count nowhere. `received` is cash in
the span (by payment date); `invoiced` by issue date; `outstanding` and `aged`
are what was unpaid at the span's end (or today, if sooner), by days since issue.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from therapy_cli.errors import WrongForm
from therapy_cli.storage.db import Database

AGE_BUCKETS = (("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
_TAX_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


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
        raise WrongForm(f"--tax-year {text!r} is not a tax year; use YYYY/YY, e.g. 2026/27 "
                           "(6 April 2026 to 5 April 2027), or this or last")
    return tax_year_of(date(int(match[1]), 4, 6))


def label(start: date, end: date) -> str:
    if (start, end) == tax_year_of(start):
        return f"tax year {start.year}/{(start.year + 1) % 100:02d}"
    return f"{start.isoformat()} to {end.isoformat()}"


def income(db: Database, start: date, end: date) -> dict:
    """The figures, amounts in minor units of `fees.currency`.

    Every figure is a sum over a covering index, with the (few) void invoices and
    their payments subtracted afterwards: no lookup per invoice (the cost grows with the rows
    in range, never with sessions).
    """
    lo, hi = start.isoformat(), end.isoformat()
    as_at = min(end, db.today)
    months: dict[str, dict] = {}
    spans = _months(start, end)
    # a whole month: its sums as the insert triggers keep them (income_months, m013)
    whole = [month for month, first, last in spans if first.endswith("-01") and _is_month_end(last)]
    kept = {row[0]: row[1:] for row in db.conn.execute(
        "SELECT month, invoices, invoiced_minor, received_minor FROM income_months WHERE month BETWEEN ? AND ?",
        (whole[0], whole[-1]))} if whole else {}
    for month, first, last in spans:
        if month in whole:
            count, total, received = kept.get(month, (0, 0, 0))
        else:
            # a month the span cuts through: a range sum over a covering index
            total, count = db.conn.execute(
                "SELECT coalesce(sum(total_minor), 0), count(*) FROM invoices WHERE issued_on BETWEEN ? AND ?",
                (first, last)).fetchone()
            received = db.conn.execute("SELECT coalesce(sum(amount_minor), 0) FROM payments "
                                       "WHERE paid_on BETWEEN ? AND ?", (first, last)).fetchone()[0]
        months[month] = {"month": month, "invoices": count, "invoiced_minor": total, "received_minor": received}
    # void invoices, and payments against them, count nowhere
    for r in db.query("SELECT substr(i.issued_on, 1, 7) AS month, i.total_minor FROM invoice_voids v "
                      "CROSS JOIN invoices i ON i.id = v.invoice_id WHERE i.issued_on BETWEEN ? AND ?", (lo, hi)):
        months[r["month"]]["invoiced_minor"] -= r["total_minor"]
        months[r["month"]]["invoices"] -= 1
    for r in db.query("SELECT substr(p.paid_on, 1, 7) AS month, p.amount_minor FROM invoice_voids v "
                      "CROSS JOIN payments p ON p.invoice_id = v.invoice_id WHERE p.paid_on BETWEEN ? AND ?", (lo, hi)):
        months[r["month"]]["received_minor"] -= r["amount_minor"]
    by_month = [months[m] for m in sorted(months)]
    aged = _aged(db, as_at)
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


def _aged(db: Database, as_at: date) -> dict:
    """Unpaid on `as_at` by days since issue (void invoices count nowhere).

    The invoices open that day are those open now (`open_invoices`, kept by triggers:
    summed per bucket over its index, less part-payments made by then) and those
    settled by a payment after that day. Fully paid history is never read.
    """
    day = as_at.isoformat()
    aged, ranges = {}, {}
    for name, low, high in AGE_BUCKETS:
        first = "0000-01-01" if high is None else (as_at - timedelta(days=high)).isoformat()
        ranges[name] = (first, (as_at - timedelta(days=low)).isoformat())
        total, count = db.conn.execute("SELECT coalesce(sum(total_minor), 0), count(*) FROM open_invoices "
                                       "WHERE issued_on BETWEEN ? AND ?", ranges[name]).fetchone()
        aged[name] = {"invoices": count, "amount_minor": total}

    # each row's bucket is found in SQL, so a year of settled invoices is summed there, not row by row
    case = "CASE " + " ".join(f"WHEN {{on}} BETWEEN ? AND ? THEN '{name}'" for name in ranges) + " END"
    bounds = [edge for pair in ranges.values() for edge in pair]
    for name, amount in db.conn.execute(
            f"SELECT {case.format(on='p.invoice_issued_on')} AS bucket, sum(p.amount_minor) FROM payments p "
            "WHERE p.settles = 0 AND p.paid_on <= ? AND p.invoice_issued_on <= ? "
            "AND EXISTS (SELECT 1 FROM open_invoices o WHERE o.invoice_id = p.invoice_id) GROUP BY bucket",
            (*bounds, day, day)):
        aged[name]["amount_minor"] -= amount
    for name, count, unpaid in db.conn.execute(
            f"SELECT {case.format(on='i.issued_on')} AS bucket, count(*), sum(i.total_minor - coalesce(("
            "SELECT sum(p.amount_minor) FROM payments p WHERE p.invoice_id = i.id AND p.paid_on <= ?), 0)) "
            "FROM payments s CROSS JOIN invoices i ON i.id = s.invoice_id WHERE s.settles = 1 AND s.paid_on > ? "
            "AND s.invoice_issued_on <= ? AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id) "
            "GROUP BY bucket", (*bounds, day, day, day)):
        aged[name]["invoices"] += count
        aged[name]["amount_minor"] += unpaid
    return aged


def _is_month_end(day: str) -> bool:
    following = date.fromisoformat(day) + timedelta(days=1)
    return following.day == 1


def _months(start: date, end: date) -> list[tuple[str, str, str]]:
    """(YYYY-MM, first day, last day) of every month the span touches, clipped to the span (at most 1200)."""
    out, day = [], start
    while day <= end and len(out) < 1200:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((day.strftime("%Y-%m"), day.isoformat(), min(end, following - timedelta(days=1)).isoformat()))
        day = following
    return out
