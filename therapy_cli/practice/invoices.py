"""Invoices and payments: issued once, never edited; a void is a record of its own.

An invoice gathers every chargeable session of one client (a couple, family or
group is invoiced as the unit) in a span that is on no live invoice yet.
Numbers are `INV-YYYY-NNNN` by year of issue, sequential and never reused:
invoice rows are never deleted (database triggers), so the highest number
stays taken even when its invoice is void.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from therapy_cli import dates
from therapy_cli.errors import Conflict, InvalidValue, NotFound
from therapy_cli.practice import fees
from therapy_cli.storage.db import Database, utc_now
from therapy_cli.validation import check_not_future, clean_text

INVOICE_COLUMNS = ["id", "number", "client_id", "payer", "issued_on", "due_on", "total", "paid", "due", "status"]
_NUMBER_RE = re.compile(r"^INV-(\d{4})-(\d{4,})$", re.IGNORECASE)


def find_invoice(db: Database, text: str) -> dict:
    """An invoice by id or by number (INV-2026-0001)."""
    value = (text or "").strip()
    if value.isascii() and value.isdigit():
        row = db.one("SELECT * FROM invoices WHERE id = ?", (int(value),))
    elif _NUMBER_RE.match(value):
        row = db.one("SELECT * FROM invoices WHERE number = ?", (value.upper(),))
    else:
        raise InvalidValue(f"invoice {text!r} is neither an id nor a number such as INV-2026-0001")
    if row is None:
        raise NotFound(f"no invoice {value}")
    return row


def chargeable(db: Database, client: dict, start: date, end: date) -> list[dict]:
    """The lines an invoice for this client and span would hold: sessions not on a live invoice (a late
    cancellation of a session still ahead of today waits for its day: an invoice is never issued before a
    session it bills)."""
    fee = fees.fee_for_client(db, client)
    if not fee:
        return []
    dna, late = db.setting("fees.dna"), db.setting("fees.late_cancel")
    statuses = fees.chargeable_statuses(db)
    lo, hi = dates.local_day_bounds_utc(start, end, db.tz)
    rows = db.query(
        f"SELECT s.id, s.local_date, s.starts_at, s.status, s.duration_min, s.type FROM sessions s "
        f"WHERE s.client_id = ? AND s.starts_utc >= ? AND s.starts_utc < ? AND s.kind = 'client' "
        f"AND s.status IN ({','.join('?' * len(statuses))}) "
        f"AND (s.status != 'late-cancelled' OR (coalesce(s.cancelled_by, 'client') = 'client' "
        f"AND s.local_date <= ?)) "
        f"AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.session_id = s.id "
        f"AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = l.invoice_id)) ORDER BY s.starts_utc",
        (client["id"], lo, hi, *statuses, db.today.isoformat()))
    lines = []
    for r in rows:
        charge = fees.charge_for(r["status"], fee, dna, late)
        if charge:
            lines.append({"session_id": r["id"], "session_date": r["local_date"], "status": r["status"],
                          "charge": charge[0], "fee_minor": fee, "amount_minor": charge[1]})
    return lines


def unbilled(db: Database, client: dict) -> tuple[int, int, str | None]:
    """(how many, how much) of the client's chargeable sessions up to today on no live invoice, and the
    `invoice create` that bills them (None when there are none): what a discharge or an erasure would
    otherwise leave unbilled unseen (an erased client can no longer be invoiced)."""
    first = db.scalar("SELECT min(local_date) FROM sessions WHERE client_id = ?", (client["id"],))
    if first is None or first > db.today.isoformat():
        return 0, 0, None
    lines = chargeable(db, client, date.fromisoformat(first), db.today)
    if not lines:
        return 0, 0, None
    span = f"--from {lines[0]['session_date']} --to {lines[-1]['session_date']}"
    return len(lines), sum(line["amount_minor"] for line in lines), f"therapy invoice create {client['id']} {span}"


def unbilled_texts(db: Database, client: dict) -> tuple[str | None, str | None]:
    """`3 chargeable sessions of client #1 (£180.00) are not invoiced (therapy invoice create 1 --from ...)`,
    and the same as it stands once the client is erased (no command can bill them then); (None, None) when
    every chargeable session is invoiced."""
    count, amount, command = unbilled(db, client)
    if not count:
        return None, None
    said = (f"{count} chargeable session{'s' if count != 1 else ''} of client #{client['id']} "
            f"({fees.money(amount, db.setting('fees.currency'))}) {'are' if count != 1 else 'is'} not invoiced")
    return f"{said} ({command})", f"{said} and can no longer be: the client is erased"


def unbilled_text(db: Database, client: dict) -> str | None:
    """The first of `unbilled_texts`: what a discharge leaves unbilled, with the command that bills it."""
    return unbilled_texts(db, client)[0]


def fee_change_text(db: Database, client: dict, was_minor: int | None,
                    before: tuple[int, int, str | None]) -> str | None:
    """After a change of the client's fee from `was_minor` (None: not charged), `before` being `unbilled` as
    it stood then: the sessions up to today not yet invoiced, which an invoice made now bills at the new fee,
    or no longer bills at all (a line takes the fee in force when the invoice is created; fees are not kept
    by date). None when the fee is unchanged or nothing is unbilled."""
    now = fees.fee_for_client(db, client)
    if (now or None) == (was_minor or None):
        return None
    currency = db.setting("fees.currency")
    if not was_minor:   # not charged until now: every past chargeable session is billable from today
        count, _, command = unbilled(db, client)
        return (f"client #{client['id']} was not charged until now: {count} past chargeable session"
                f"{'s' if count != 1 else ''} can now be invoiced at {fees.money(now, currency)} ({command}); "
                "invoice only those agreed") if count else None
    count, amount, command = before
    if not count:
        return None
    many = count != 1
    them = "them" if many else "it"
    said = (f"{count} past chargeable session{'s' if many else ''} of client #{client['id']} "
            f"({fees.money(amount, currency)} at the fee agreed then) {'are' if many else 'is'} not invoiced yet")
    if not now:
        return (f"{said} and can no longer be while the client is not charged: to bill {them}, set the fee "
                f"back, invoice {them} ({command}), then change it again")
    return (f"{said} and would be billed at the new fee ({fees.money(now, currency)}): fees are not kept by "
            f"date; to bill {them} at the fee agreed then, set it back, invoice {them} ({command}), then set "
            "the new fee")


def stale_line(db: Database, session_id: int) -> str | None:
    """A warning when a correction leaves `session_id` on a live invoice whose line no longer describes it
    (now another status, another day, or a late cancellation now by the therapist, never charged); None
    otherwise. An issued invoice never changes: the practitioner voids it and issues it again."""
    line = db.one("SELECT i.number, l.status, l.session_date, l.amount_minor, i.currency FROM invoice_lines l "
                  "JOIN invoices i ON i.id = l.invoice_id WHERE l.session_id = ? AND NOT EXISTS "
                  "(SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id)", (session_id,))
    if line is None:
        return None
    now = db.one("SELECT status, local_date, cancelled_by FROM sessions WHERE id = ?", (session_id,))
    by_you = now["status"] == "late-cancelled" and now["cancelled_by"] == "therapist"
    if (now["status"], now["local_date"]) == (line["status"], line["session_date"]) and not by_you:
        return None
    status = "late-cancelled by you" if by_you else now["status"]
    return (f"session #{session_id} is on invoice {line['number']} as {line['status']} on {line['session_date']} "
            f"({fees.money(line['amount_minor'], line['currency'])}); it is now {status} on {now['local_date']}. "
            f"An issued invoice never changes: if what it charges is now wrong, void it "
            f"(therapy invoice void {line['number']} --reason TEXT) and invoice the span again")


def _next_number(db: Database, year: int) -> tuple[int, str]:
    # void invoices keep their rows, so their numbers stay taken; past 9999 a number grows a digit
    seq = (db.scalar("SELECT max(seq) FROM invoices WHERE year = ?", (year,)) or 0) + 1
    return seq, f"INV-{year:04d}-{seq:04d}"


def unmarked(db: Database, client: dict, start: date, end: date) -> list[dict]:
    """Sessions of `client` in the span, on a day before today, still `scheduled`: attendance never recorded
    (remind's attendance_missing). None of them is chargeable until it is marked, so an invoice leaves them out."""
    lo, hi = dates.local_day_bounds_utc(start, end, db.tz)
    return db.query("SELECT id, local_date FROM sessions WHERE client_id = ? AND status = 'scheduled' "
                    "AND starts_utc >= ? AND starts_utc < ? AND kind = 'client' AND local_date < ? "
                    "ORDER BY starts_utc", (client["id"], lo, hi, db.today.isoformat()))


MARK_HOW = "therapy session attend ID, session dna ID or session cancel ID [--late]"


def cancelled_ahead(db: Database, client: dict, start: date, end: date) -> list[dict]:
    """Late cancellations by the client in the span of sessions still ahead of today, on no live invoice, that
    fees.late_cancel charges: not billed until their day has come (an invoice is never issued before them)."""
    if db.setting("fees.late_cancel") == "none" or not fees.fee_for_client(db, client):
        return []
    lo, hi = dates.local_day_bounds_utc(start, end, db.tz)
    return db.query("SELECT id, local_date FROM sessions s WHERE client_id = ? AND status = 'late-cancelled' "
                    "AND coalesce(cancelled_by, 'client') = 'client' AND kind = 'client' AND starts_utc >= ? "
                    "AND starts_utc < ? AND local_date > ? AND NOT EXISTS (SELECT 1 FROM invoice_lines l "
                    "WHERE l.session_id = s.id AND NOT EXISTS (SELECT 1 FROM invoice_voids v "
                    "WHERE v.invoice_id = l.invoice_id)) ORDER BY starts_utc",
                    (client["id"], lo, hi, db.today.isoformat()))


def cancelled_ahead_text(rows: list[dict]) -> str:
    """`1 late cancellation in the span is of a session still ahead (#2 on 2026-11-28)`."""
    shown = ", ".join(f"#{r['id']} on {r['local_date']}" for r in rows[:5]) + (
        f", and {len(rows) - 5} more" if len(rows) > 5 else "")
    many = len(rows) != 1
    return (f"{len(rows)} late cancellation{'s' if many else ''} in the span {'are' if many else 'is'} of "
            f"{'sessions' if many else 'a session'} still ahead ({shown}), billed once {'their' if many else 'its'} "
            "day has come: run invoice create for the span again then")


def unmarked_text(rows: list[dict], client_id: int | None = None, start: date | None = None,
                  end: date | None = None) -> str:
    """`3 sessions of client #1 from 2026-10-01 to 2026-10-31 have no attendance recorded (#2 on ...)`;
    without a client and span, `3 sessions in the span have ...`."""
    shown = ", ".join(f"#{r['id']} on {r['local_date']}" for r in rows[:5])
    if len(rows) > 5:
        shown += f", and {len(rows) - 5} more"
    many = len(rows) != 1
    where = (f"of client #{client_id} from {start.isoformat()} to {end.isoformat()}" if client_id is not None
             else "in the span")
    return (f"{len(rows)} session{'s' if many else ''} {where} {'have' if many else 'has'} no attendance "
            f"recorded ({shown})")


def _nothing_chargeable(db: Database, client: dict, start: date, end: date) -> str:
    """Why an invoice of this client and span would hold no line, in the practitioner's terms."""
    lo, hi = dates.local_day_bounds_utc(start, end, db.tz)
    if db.scalar("SELECT 1 FROM sessions WHERE client_id = ? AND starts_utc >= ? AND starts_utc < ? "
                 "AND kind = 'client' LIMIT 1", (client["id"], lo, hi)) is None:
        # a member seen only with their couple, family or group: those sessions are billed to the unit
        units = db.query(
            "SELECT DISTINCT m.unit_id AS id FROM memberships m JOIN sessions s ON s.client_id = m.unit_id "
            "WHERE m.member_id = ? AND s.starts_utc >= ? AND s.starts_utc < ? AND s.kind = 'client' "
            "AND (m.joined_on IS NULL OR m.joined_on <= s.local_date) "
            "AND (m.left_on IS NULL OR m.left_on >= s.local_date) ORDER BY m.unit_id", (client["id"], lo, hi))
        charged = [u for u in units if fees.fee_for_client(db, u)]
        if charged:
            return (f"client #{client['id']} has no sessions of their own in the span; their sessions with "
                    f"{', '.join('#' + str(u['id']) for u in charged)} are invoiced to the couple, family or group "
                    f"(therapy invoice create {charged[0]['id']} --from {start.isoformat()} --to "
                    f"{end.isoformat()})")
        if units:   # the member's own fee does not reach a unit's meetings, and the unit is not charged
            return (f"client #{client['id']} has no sessions of their own in the span; their sessions with "
                    f"{', '.join('#' + str(u['id']) for u in units)} belong to the couple, family or group, "
                    f"which is not charged (client edit {units[0]['id']} --fee AMOUNT to charge them)")
        return f"client #{client['id']} has no sessions in the span"
    own = fees.terms(db, client["id"])["fee_minor"]
    if own == 0:
        return "the client's own fee is 0, not charged (client edit --fee AMOUNT, or --fee '' for fees.default)"
    if not fees.fee_for_client(db, client):
        if db.setting("fees.default"):    # set, to 0
            return (f"fees.default is {fees.money(0, db.setting('fees.currency'))}, so nothing is chargeable "
                    "(client edit --fee AMOUNT for this client, or config set fees.default AMOUNT)")
        return "no fee is set for this client (client edit --fee, or config set fees.default)"
    reasons = []
    missing = unmarked(db, client, start, end)
    if missing:
        reasons.append(f"{unmarked_text(missing)}: record what happened "
                       f"({MARK_HOW}) and invoice the span again")
    ahead = cancelled_ahead(db, client, start, end)
    if ahead:
        reasons.append(cancelled_ahead_text(ahead))
    for status, setting, one, many in (("dna", "fees.dna", "DNA", "DNAs"),
                                       ("late-cancelled", "fees.late_cancel", "late cancellation by the client",
                                        "late cancellations by the client")):
        if db.setting(setting) != "none":
            continue
        count = db.scalar(
            "SELECT count(*) FROM sessions s WHERE s.client_id = ? AND s.status = ? AND s.starts_utc >= ? "
            "AND s.starts_utc < ? AND s.kind = 'client' AND coalesce(s.cancelled_by, 'client') = 'client' "
            "AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.session_id = s.id AND NOT EXISTS "
            "(SELECT 1 FROM invoice_voids v WHERE v.invoice_id = l.invoice_id))", (client["id"], status, lo, hi))
        if count:
            reasons.append(f"{count} {one if count == 1 else many} in the span "
                           f"{'are' if count != 1 else 'is'} not charged: {setting} is none "
                           f"(config set {setting} full|half to charge them)")
    return "; ".join(reasons) or "no chargeable session in the span that is not already on a live invoice"


def create(db: Database, client: dict, start: date, end: date, issued_on: date | None = None,
           warnings: list[str] | None = None) -> dict:
    """Issue one invoice for every chargeable session of `client` from `start` to `end` (inclusive).

    Past sessions in the span whose attendance was never recorded are left out (nothing says what to
    charge for them): `warnings` gets a line naming them, so the month is not under-billed unnoticed."""
    dates.check_span(start, end)
    issued = issued_on or db.today
    check_not_future(issued, db.today, "issue date")
    if client.get("erased_on"):
        raise Conflict(f"client #{client['id']} was erased; nothing can be invoiced")
    lines = chargeable(db, client, start, end)
    if not lines:
        raise Conflict(f"nothing to invoice for client #{client['id']} from {start.isoformat()} "
                       f"to {end.isoformat()}: {_nothing_chargeable(db, client, start, end)}")
    last = max(line["session_date"] for line in lines)
    if issued.isoformat() < last:
        # a slip of the year (--on 2017-02-17) would number it in another year's run and make it overdue at once,
        # and invoices are never changed: refused before anything is numbered
        raise InvalidValue(f"issue date {issued.isoformat()} is before the last session it bills ({last}, client "
                           f"#{client['id']}); an invoice is issued on or after the sessions on it")
    seq, number = _next_number(db, issued.year)
    invoice_id = db.insert("invoices", {
        "number": number, "year": issued.year, "seq": seq, "client_id": client["id"],
        "payer": fees.terms(db, client["id"])["payer"], "issued_on": issued.isoformat(),
        "due_on": (issued + timedelta(days=db.setting("fees.terms_days"))).isoformat(),
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "currency": db.setting("fees.currency"), "total_minor": sum(line["amount_minor"] for line in lines),
        "created_at": utc_now(),
    })
    db.executemany(
        "INSERT INTO invoice_lines (invoice_id, session_id, session_date, status, charge, fee_minor, amount_minor) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(invoice_id, ln["session_id"], ln["session_date"], ln["status"], ln["charge"], ln["fee_minor"],
          ln["amount_minor"]) for ln in lines])
    db.audit("add", "invoice", invoice_id, f"{number}: {len(lines)} sessions", client["id"])
    if warnings is not None:
        repriced = _repriced(db, invoice_id, client["id"])
        if repriced:
            warnings.append(repriced)
        warnings += _policy_changed(db, invoice_id, client["id"], start, end)
    ahead = cancelled_ahead(db, client, start, end)
    if ahead and warnings is not None:
        they = "they are" if len(ahead) != 1 else "it is"
        warnings.append(f"client #{client['id']}: {cancelled_ahead_text(ahead)}; {they} not on {number}")
    missing = unmarked(db, client, start, end)
    if missing and warnings is not None:
        they = "they are" if len(missing) != 1 else "it is"
        warnings.append(f"{unmarked_text(missing, client['id'], start, end)}; {they} not on {number}: record "
                        f"what happened ({MARK_HOW}), then run invoice create for the span again to bill what "
                        f"is chargeable on a further invoice (or void {number} and invoice the span again, "
                        "to have one invoice)")
    return invoice_record(db, invoice_id)


def _repriced(db: Database, invoice_id: int, client_id: int) -> str | None:
    """A warning when sessions billed again after a void are charged at another fee than they were first
    billed at (the fee was changed since: a rise from next month reprices last month's sessions too); None
    otherwise, so a reissue at the fee first billed says nothing."""
    # each line beside the session's first line on a voided invoice (the fee it was first billed at)
    rows = db.query(
        "SELECT l.session_id, l.fee_minor AS now, i.currency, p.fee_minor AS was, o.number AS voided "
        "FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id "
        "LEFT JOIN invoice_lines p ON p.id = (SELECT f.id FROM invoice_lines f JOIN invoice_voids v "
        "ON v.invoice_id = f.invoice_id WHERE f.session_id = l.session_id AND f.invoice_id != l.invoice_id "
        "ORDER BY f.invoice_id LIMIT 1) LEFT JOIN invoices o ON o.id = p.invoice_id "
        "WHERE l.invoice_id = ? ORDER BY l.id", (invoice_id,))
    changed = [r for r in rows if r["was"] is not None and r["was"] != r["now"]]
    if not changed:
        return None
    first = changed[0]
    many = len(changed) != 1
    sessions = ", ".join(f"#{r['session_id']}" for r in changed[:5]) + (f" and {len(changed) - 5} more"
                                                                          if len(changed) > 5 else "")
    return (f"session{'s' if many else ''} {sessions} {'were' if many else 'was'} charged at a fee of "
            f"{fees.money(first['was'], first['currency'])} on {first['voided']} (void) and "
            f"{'are' if many else 'is'} charged at {fees.money(first['now'], first['currency'])} now, the fee "
            "today; if the earlier fee was the one agreed for them, void this invoice, set the fee back for the "
            f"reissue (therapy client edit {client_id} --fee AMOUNT, or config set fees.default AMOUNT), invoice the "
            "span again, then set today's fee again")


def _policy_changed(db: Database, invoice_id: int, client_id: int, start: date, end: date) -> list[str]:
    """Warnings when DNAs or late cancellations billed again after a void are charged otherwise than they were
    first billed at (fees.dna or fees.late_cancel changed since: half, now full; or now none, so the reissue
    leaves them off); none when the policy is the one first billed, as `_repriced` says of the fee."""
    # each session's first line on a voided invoice, its status unchanged since, beside its line on this
    # invoice; or, left off this invoice, in the span and on no live invoice (not charged now)
    rows = db.query(
        "SELECT f.session_id, f.status, f.charge AS was, f.amount_minor AS was_minor, o.number AS voided, "
        "o.currency, l.charge AS now, l.amount_minor AS now_minor FROM invoice_lines f "
        "JOIN invoices o ON o.id = f.invoice_id JOIN sessions s ON s.id = f.session_id "
        "LEFT JOIN invoice_lines l ON l.session_id = f.session_id AND l.invoice_id = ? "
        "WHERE o.client_id = ? AND f.status IN ('dna', 'late-cancelled') AND s.status = f.status "
        "AND coalesce(s.cancelled_by, 'client') = 'client' AND f.id = (SELECT g.id FROM invoice_lines g "
        "JOIN invoice_voids w ON w.invoice_id = g.invoice_id WHERE g.session_id = f.session_id "
        "ORDER BY g.invoice_id LIMIT 1) AND (l.id IS NOT NULL OR (s.local_date BETWEEN ? AND ? AND NOT EXISTS "
        "(SELECT 1 FROM invoice_lines x WHERE x.session_id = s.id AND NOT EXISTS "
        "(SELECT 1 FROM invoice_voids y WHERE y.invoice_id = x.invoice_id)))) ORDER BY s.starts_utc",
        (invoice_id, client_id, start.isoformat(), end.isoformat()))
    out = []
    for status, setting, one, many in (("dna", "fees.dna", "DNA", "DNAs"),
                                       ("late-cancelled", "fees.late_cancel", "late cancellation",
                                        "late cancellations")):
        # left off for want of a charge only when the setting is none (not, say, a session moved ahead since)
        changed = [r for r in rows if r["status"] == status and r["was"] != r["now"]
                   and (r["now"] is not None or db.setting(setting) == "none")]
        if not changed:
            continue
        first, n = changed[0], len(changed)
        cur = first["currency"]
        sessions = ", ".join(f"#{r['session_id']}" for r in changed[:5]) + (f" and {n - 5} more" if n > 5 else "")
        was = f"{'in full' if first['was'] == 'full' else 'half'} ({fees.money(first['was_minor'], cur)})"
        now = ("not charged now, so not on this invoice" if first["now"] is None else
               f"charged {'in full' if first['now'] == 'full' else 'half'} "
               f"({fees.money(first['now_minor'], cur)}) now")
        out.append(f"session{'' if n == 1 else 's'} {sessions} ({one if n == 1 else many}) "
                   f"{'was' if n == 1 else 'were'} charged {was} on "
                   f"{first['voided']} (void) and {'is' if n == 1 else 'are'} {now}: {setting} is "
                   f"{db.setting(setting)} today; if the earlier charge was the one agreed, void this invoice, set "
                   f"it back for the reissue (therapy config set {setting} {first['was']}), invoice the span again, "
                   f"then set {setting} again")
    return out


def create_all(db: Database, start: date, end: date, issued_on: date | None = None,
               warnings: list[str] | None = None) -> list[dict]:
    """`invoice create --all`: one invoice per client with a chargeable session in the span; `warnings`
    names, per client, the past sessions in the span whose attendance was never recorded."""
    dates.check_span(start, end)
    statuses = fees.chargeable_statuses(db)
    marks = ",".join("?" * len(statuses))
    candidates = db.query(   # those with something chargeable, and those with past sessions still unmarked
        f"SELECT DISTINCT c.* FROM sessions s JOIN clients c ON c.id = s.client_id "
        f"WHERE s.local_date BETWEEN ? AND ? AND s.kind = 'client' AND (s.status IN ({marks}) "
        f"OR (s.status = 'scheduled' AND s.local_date < ?)) AND c.erased_on IS NULL ORDER BY c.id",
        (start.isoformat(), end.isoformat(), *statuses, db.today.isoformat()))
    issued, left_out = [], []
    for client in candidates:
        if chargeable(db, client, start, end):
            issued.append(create(db, client, start, end, issued_on, warnings))
        elif fees.fee_for_client(db, client) and (missing := unmarked(db, client, start, end)):
            left_out.append(unmarked_text(missing, client["id"], start, end))
    if not issued:
        if left_out:
            raise Conflict(f"nothing to invoice from {start.isoformat()} to {end.isoformat()}: "
                           f"{'; '.join(left_out)}; record what happened ({MARK_HOW}) and invoice the span again")
        default = db.setting("fees.default")
        zero = (f"fees.default is {fees.money(0, db.setting('fees.currency'))} and "
                if default and not fees.parse_money(default, "fees.default", None) else "")
        raise Conflict(f"nothing to invoice from {start.isoformat()} to {end.isoformat()}: {zero}no client with "
                       "a fee has a chargeable session that is not already on a live invoice")
    if warnings is not None:
        warnings += [f"{text}; nothing was invoiced for them: record what happened ({MARK_HOW}) and run "
                     "invoice create for the span again" for text in left_out]
    return issued


def void(db: Database, invoice: dict, reason: str) -> dict:
    """Cancel an invoice: a void record; its sessions can go on a new invoice."""
    reason = clean_text(reason, "--reason", 500)
    if not reason:
        raise InvalidValue("--reason TEXT is required: say why the invoice is void")
    voided = db.one("SELECT voided_on FROM invoice_voids WHERE invoice_id = ?", (invoice["id"],))
    if voided:
        raise Conflict(f"{invoice['number']} was already void on {voided['voided_on']}")
    if db.scalar("SELECT erased_on FROM clients WHERE id = ?", (invoice["client_id"],)):
        # no invoice can replace it, so the money received on it would leave the income for good
        raise Conflict(f"{invoice['number']} is of client #{invoice['client_id']}, whose records were erased: no "
                       "invoice can replace it, so it is not voided (what was received on it stays income)")
    # a void counts from its day (remind replays): one dated before the issue, or before a payment recorded
    # on the invoice, would say it was void while it was owed or being paid
    last_paid = db.scalar("SELECT max(paid_on) FROM payments WHERE invoice_id = ?", (invoice["id"],))
    if db.today.isoformat() < max(invoice["issued_on"], last_paid or ""):
        what = (f"issued on {invoice['issued_on']}" if invoice["issued_on"] >= (last_paid or "")
                else f"paid on {last_paid}")
        raise InvalidValue(f"{invoice['number']} was {what}; it cannot be void on {db.today.isoformat()}, "
                           "before that (a void is dated the day it is made: check --today)")
    db.insert("invoice_voids", {"invoice_id": invoice["id"], "voided_on": db.today.isoformat(),
                                "reason": reason, "created_at": utc_now()})
    db.audit("void", "invoice", invoice["id"], f"{invoice['number']} void", invoice["client_id"])
    return invoice_record(db, invoice["id"])


def add_payment(db: Database, invoice: dict, amount_minor: int, on: date | None = None,
                method: str | None = None, allow_duplicate: bool = False) -> dict:
    """Record money received against an invoice; more than is due is refused, and so is the same amount
    on the same invoice and day a second time (unless `allow_duplicate`): a payment is never taken back.
    It may be dated before the invoice was issued (paid at the session), not before its first session."""
    day = on or db.today
    method = clean_text(method, "--method", 100)   # as stored, and so as shown
    check_not_future(day, db.today, "payment date")
    record = invoice_record(db, invoice["id"])
    currency = record["currency"]
    if record["status"] == "void":
        raise Conflict(f"{record['number']} is void; record the payment against the invoice that replaced it")
    if amount_minor <= 0:
        raise InvalidValue("a payment must be more than 0")
    if record["due_minor"] == 0:
        raise Conflict(f"{record['number']} is paid in full ({fees.money(record['paid_minor'], currency)}); "
                       "nothing more is due on it")
    if amount_minor > record["due_minor"]:
        raise Conflict(f"{fees.money(amount_minor, currency)} is more than the "
                       f"{fees.money(record['due_minor'], currency)} due on {record['number']}; "
                       "over-payment is refused")
    # money taken at a session, before the month's invoice is issued, is received that day (cash basis: the
    # tax year of `report income`); before the first session the invoice bills, it cannot be for it
    first = min(line["session_date"] for line in record["lines"])
    if day.isoformat() < first:
        raise InvalidValue(f"payment date {day.isoformat()} is before the first session {record['number']} "
                           f"bills ({first}); a payment is dated on or after a session it pays for")
    twin = None if allow_duplicate else db.scalar(
        "SELECT id FROM payments WHERE invoice_id = ? AND paid_on = ? AND amount_minor = ? LIMIT 1",
        (invoice["id"], day.isoformat(), amount_minor))
    if twin is not None:   # the command run again from the shell history: payments cannot be removed
        raise Conflict(f"{fees.money(amount_minor, currency)} on {day.isoformat()} is already recorded against "
                       f"{record['number']} (payment #{twin}); add --allow-duplicate if a second payment of it "
                       "came that day")
    payment_id = db.insert("payments", {"invoice_id": invoice["id"], "invoice_issued_on": record["issued_on"],
                                        "paid_on": day.isoformat(), "amount_minor": amount_minor,
                                        "settles": int(amount_minor == record["due_minor"]),
                                        "method": method, "created_at": utc_now()})
    db.audit("add", "payment", payment_id, f"{record['number']}: {fees.decimal_text(amount_minor)}",
             invoice["client_id"])
    record = invoice_record(db, invoice["id"])
    return {"id": payment_id, "invoice_id": invoice["id"], "number": record["number"], "paid_on": day.isoformat(),
            "amount_minor": amount_minor, "method": method, "currency": currency,
            "amount": fees.money(amount_minor, currency), "due_minor": record["due_minor"],
            "status": record["status"]}


def _status(total: int, paid: int, voided: bool) -> str:
    if voided:
        return "void"
    return "paid" if paid >= total else ("part-paid" if paid else "unpaid")


def invoice_record(db: Database, invoice_id: int, with_name: bool = False) -> dict:
    """An invoice with its lines, payments, what is paid and due (`with_name`: the client's name and address)."""
    row = db.get("invoices", invoice_id, "invoice")
    voided = db.one("SELECT voided_on, reason FROM invoice_voids WHERE invoice_id = ?", (invoice_id,))
    lines = db.query("SELECT session_id, session_date, status, charge, fee_minor, amount_minor FROM invoice_lines "
                     "WHERE invoice_id = ? ORDER BY session_date, id", (invoice_id,))
    payments = db.query("SELECT id, paid_on, amount_minor, method FROM payments WHERE invoice_id = ? "
                        "ORDER BY paid_on, id", (invoice_id,))
    paid = sum(p["amount_minor"] for p in payments)
    cur = row["currency"]
    record = {
        "id": row["id"], "number": row["number"], "client_id": row["client_id"], "payer": row["payer"],
        "issued_on": row["issued_on"], "due_on": row["due_on"],
        "period": {"start": row["period_start"], "end": row["period_end"]},
        "currency": cur, "total_minor": row["total_minor"], "paid_minor": paid,
        "due_minor": 0 if voided else row["total_minor"] - paid,
        "status": _status(row["total_minor"], paid, bool(voided)),
        "voided_on": voided["voided_on"] if voided else None, "void_reason": voided["reason"] if voided else None,
        "lines": [{**ln, "description": _describe(ln, cur)} for ln in lines],
        "payments": payments,
    }
    if with_name:
        record["client_name"], record["client_address"] = db.execute(
            "SELECT name, address FROM clients WHERE id = ?", (row["client_id"],)).fetchone()
    return record


def invoices_of(db: Database, client_ids: list[int]) -> list[dict]:
    """Every invoice of these clients (void ones too), with lines and payments: `client export`."""
    ids = db.query(f"SELECT id FROM invoices WHERE client_id IN ({','.join('?' * len(client_ids))}) ORDER BY id",
                   client_ids)
    return [invoice_record(db, r["id"]) for r in ids]


def _describe(line: dict, currency: str) -> str:
    what = {"attended": "Session", "dna": "Missed session (DNA)",
            "late-cancelled": "Late cancellation"}.get(line["status"], line["status"])
    if line["charge"] == "half":
        what += f", half of {fees.money(line['fee_minor'], currency)}"
    return what


def list_invoices(db: Database, client: dict | None = None, unpaid: bool = False) -> list[dict]:
    """Invoices newest first, with paid and due; `unpaid`: live ones with something due."""
    sql = ("SELECT i.id, i.number, i.client_id, i.payer, i.issued_on, i.due_on, i.currency, i.total_minor, "
           "coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.invoice_id = i.id), 0) AS paid_minor, "
           "EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id) AS voided FROM invoices i")
    where, params = [], []
    if client is not None:
        where.append("i.client_id = ?")
        params.append(client["id"])
    if where:
        sql += " WHERE " + " AND ".join(where)
    out = []
    for r in db.query(sql + " ORDER BY i.issued_on DESC, i.id DESC", params):
        voided = bool(r.pop("voided"))
        r["due_minor"] = 0 if voided else r["total_minor"] - r["paid_minor"]
        r["status"] = _status(r["total_minor"], r["paid_minor"], voided)
        r["overdue"] = r["due_minor"] > 0 and r["due_on"] < db.today.isoformat()
        if unpaid and not r["due_minor"]:
            continue
        out.append(r)
    return out


def overdue(db: Database, day: date | None = None, exact: bool = False) -> list[dict]:
    """Invoices overdue as at `day` (default today): `remind invoice_overdue`, replayable with --today.

    Overdue on a day: issued on or before it, due before it, not void on or before it (a void's
    `voided_on`), and something unpaid counting only payments dated (`paid_on`) on or before it.
    Usually nothing is paid or voided after the day (it is today), and the invoices open that day are
    exactly the few in `open_invoices` (kept by triggers); one probe of each index says so. Replaying an
    earlier morning also reads the invoices paid or voided after it: an invoice closed now and not among
    those was paid in full, or void, by the day. `exact` takes that path always (the tests compare both).
    """
    on = (day or db.today).isoformat()
    later = (exact or db.scalar("SELECT 1 FROM payments WHERE paid_on > ? LIMIT 1", (on,)) is not None
             or db.scalar("SELECT 1 FROM invoice_voids WHERE voided_on > ? LIMIT 1", (on,)) is not None)
    if not later:
        return db.query(
            "SELECT i.id, i.number, i.client_id, i.due_on, i.currency, i.total_minor - "
            "coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.invoice_id = i.id), 0) AS due_minor "
            "FROM open_invoices o CROSS JOIN invoices i ON i.id = o.invoice_id "
            "WHERE o.issued_on <= ? AND i.due_on < ? ORDER BY i.due_on, i.id", (on, on))
    return db.query(
        "WITH candidates (invoice_id) AS ("
        " SELECT invoice_id FROM open_invoices WHERE issued_on <= :on"
        " UNION SELECT invoice_id FROM payments WHERE settles = 1 AND paid_on > :on AND invoice_issued_on <= :on"
        " UNION SELECT invoice_id FROM payments WHERE settles = 0 AND paid_on > :on AND invoice_issued_on <= :on"
        " UNION SELECT invoice_id FROM invoice_voids WHERE voided_on > :on) "
        "SELECT * FROM (SELECT i.id, i.number, i.client_id, i.due_on, i.currency, i.total_minor - "
        " coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.invoice_id = i.id AND p.paid_on <= :on), 0)"
        " AS due_minor FROM candidates c CROSS JOIN invoices i ON i.id = c.invoice_id "
        " WHERE i.issued_on <= :on AND i.due_on < :on AND NOT EXISTS "
        " (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id AND v.voided_on <= :on)) "
        "WHERE due_minor > 0 ORDER BY due_on, id", {"on": on})
