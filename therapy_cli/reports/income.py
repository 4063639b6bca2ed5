"""Income for the accountant: invoiced, received, outstanding and aged debt over a UK tax year.

Void invoices and payments against them count nowhere. `received` is cash in
the span (by payment date); `invoiced` by issue date; `outstanding` and `aged`
are what was unpaid at the span's end (or today, if sooner), by days since issue.
"""

from __future__ import annotations

import re
from datetime import MAXYEAR, date, timedelta

from therapy_cli.errors import WrongForm
from therapy_cli.storage.db import Database

AGE_BUCKETS = (("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
_TAX_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


def tax_year_of(day: date) -> tuple[date, date]:
    """The UK tax year holding `day`: 6 April to 5 April (cut at the ends of the calendar, years 1 and 9999)."""
    first = day.year if day >= date(day.year, 4, 6) else day.year - 1
    return (date(first, 4, 6) if first >= 1 else date.min), (date(first + 1, 4, 5) if first < MAXYEAR else date.max)


def parse_tax_year(text: str, today: date) -> tuple[date, date]:
    """`2026/27`, or `this` / `last`, → (6 April, 5 April)."""
    value = (text or "").strip().lower()
    if value in ("this", "last"):
        start, _ = tax_year_of(today)
        return tax_year_of(start - timedelta(days=1)) if value == "last" else tax_year_of(start)
    match = _TAX_YEAR_RE.match(value)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise WrongForm(f"--tax-year {text!r} is not a tax year; use YYYY/YY, e.g. 2026/27 "
                        "(6 April 2026 to 5 April 2027), or this or last")
    if not 1 <= int(match[1]) < MAXYEAR:
        # 9999/00 would end in the year 10000 and 0000/01 begin in the year 0: dates that cannot be written,
        # so, as for a date that does not exist, a value of the wrong form (exit 2)
        raise WrongForm(f"--tax-year {text!r} is not a tax year the calendar holds; use YYYY/YY from "
                        f"0001/02 to {MAXYEAR - 1}/{MAXYEAR % 100:02d}, e.g. 2026/27")
    return tax_year_of(date(int(match[1]), 4, 6))


def label(start: date, end: date) -> str:
    if (start, end) == tax_year_of(start):
        return f"tax year {start.year:04d}/{(start.year + 1) % 100:02d}"
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
    # a whole month: its sums as the insert triggers keep them (income_months, m013), read in one range
    whole = [month for month, _, _, is_whole in spans if is_whole]
    kept = {row[0]: row[1:] for row in db.conn.execute(
        "SELECT month, invoices, invoiced_minor, received_minor FROM income_months WHERE month BETWEEN ? AND ?",
        (whole[0], whole[-1]))} if whole else {}
    for month, first, last, is_whole in spans:
        if is_whole:
            count, total, received = kept.get(month, (0, 0, 0))
        else:
            # a month the span cuts through (at most the first and the last): a range sum over a covering index
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

    For every live invoice issued by `as_at`: its total less the payments dated on or before `as_at`,
    whatever order the payments were entered in. Two kinds of invoice are unpaid that day:

    - those open now (`open_invoices`, kept by triggers): summed per bucket over its index, less their
      payments dated by then;
    - those settled since: settled invoices (every one paid in full, over-payment being refused) with a
      payment dated after `as_at`. What was unpaid on them that day is exactly the sum of those later
      payments, so it is summed from the payments after `as_at` over the two partial payment indexes
      (m007, m012), never by reading an invoice's whole history. Fully paid history is never read.
    """
    day = as_at.isoformat()
    aged, ranges = {}, {}
    for name, low, high in AGE_BUCKETS:
        first = "0000-01-01" if high is None else _days_before(as_at, high)
        ranges[name] = (first, _days_before(as_at, low))
        total, count = db.conn.execute("SELECT coalesce(sum(total_minor), 0), count(*) FROM open_invoices "
                                       "WHERE issued_on BETWEEN ? AND ?", ranges[name]).fetchone()
        aged[name] = {"invoices": count, "amount_minor": total}

    # each row's bucket is found in SQL, so a year of payments is summed there, not row by row
    case = "CASE " + " ".join(f"WHEN {{on}} BETWEEN ? AND ? THEN '{name}'" for name in ranges) + " END"
    bounds = [edge for pair in ranges.values() for edge in pair]
    for name, amount in db.conn.execute(
            f"SELECT {case.format(on='p.invoice_issued_on')} AS bucket, sum(p.amount_minor) FROM payments p "
            "WHERE p.settles = 0 AND p.paid_on <= ? AND p.invoice_issued_on <= ? "
            "AND EXISTS (SELECT 1 FROM open_invoices o WHERE o.invoice_id = p.invoice_id) GROUP BY bucket",
            (*bounds, day, day)):
        aged[name]["amount_minor"] -= amount
    # settled since as_at: the payments dated after it, on live invoices no longer open. The settling
    # payment need not be the latest by date (a payment may be entered with an earlier --on), so every
    # payment after as_at counts, settling or not; each branch is read from its own partial index.
    for name, count, unpaid in db.conn.execute(
            f"SELECT {case.format(on='issued_on')} AS bucket, count(DISTINCT invoice_id), sum(amount_minor) FROM ("
            "SELECT p.invoice_id, p.invoice_issued_on AS issued_on, p.amount_minor FROM payments p "
            "WHERE p.settles = 0 AND p.paid_on > ? AND p.invoice_issued_on <= ? "
            "AND NOT EXISTS (SELECT 1 FROM open_invoices o WHERE o.invoice_id = p.invoice_id) "
            "AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = p.invoice_id) "
            "UNION ALL "
            "SELECT s.invoice_id, s.invoice_issued_on, s.amount_minor FROM payments s "
            "WHERE s.settles = 1 AND s.paid_on > ? AND s.invoice_issued_on <= ? "
            "AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = s.invoice_id)) "
            "GROUP BY bucket", (*bounds, day, day, day, day)):
        aged[name]["invoices"] += count
        aged[name]["amount_minor"] += unpaid
    return aged


def _days_before(day: date, days: int) -> str:
    """`day` less `days`, as ISO text; the first day of the calendar when that would be before it."""
    try:
        return (day - timedelta(days=days)).isoformat()
    except OverflowError:
        return date.min.isoformat()


def _months(start: date, end: date) -> list[tuple[str, str, str, bool]]:
    """(YYYY-MM, first day, last day, whole) of every month the span touches, clipped to the span;
    `whole`: the span holds the entire month. Every month, however long the span: a total never drops one."""
    out = []
    year, month, first = start.year, start.month, start
    while first <= end:
        following = (year + month // 12, month % 12 + 1)
        month_end = (date(*following, 1) - timedelta(days=1)) if following[0] <= MAXYEAR else date.max
        last = min(end, month_end)
        out.append((f"{year:04d}-{month:02d}", first.isoformat(), last.isoformat(),
                    first.day == 1 and last == month_end))
        if following[0] > MAXYEAR:
            break
        (year, month), first = following, date(*following, 1)
    return out
