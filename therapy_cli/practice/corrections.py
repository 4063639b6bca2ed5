"""Correcting the record: an attended session marked otherwise, a booking made in error.

Clinical time must not vanish from reports without a word: turning an attended
session into a DNA, a cancellation or a booking again is a correction that says
why, is audited, and keeps the session's notes and measures (they stay attached
to it). Only a session that never carried anything clinical may be removed.
"""

from __future__ import annotations

from therapy_cli.errors import Conflict, InvalidValue
from therapy_cli.storage.db import Database
from therapy_cli.validation import clean_text


def is_correction(row: dict, status: str) -> bool:
    """Changing an attended session to anything else."""
    return row["status"] == "attended" and status != "attended"


def _kept(db: Database, session_id: int) -> dict:
    return {"notes": db.scalar("SELECT count(*) FROM notes WHERE session_id = ? AND amends_note_id IS NULL",
                               (session_id,)),
            "measures": db.scalar("SELECT count(*) FROM measures WHERE session_id = ?", (session_id,))}


def check_correction(db: Database, row: dict, status: str, reason: str | None) -> dict | None:
    """None when `status` is no correction; else `{reason, notes, measures}` (what the session keeps).

    A correction without a reason is refused before anything changes.
    """
    if not is_correction(row, status):
        return None
    text = clean_text(reason, "reason", 500)
    if not text:
        raise InvalidValue(f"session #{row['id']} was attended; changing it to {status} is a correction: "
                           "say why with --reason TEXT and confirm with --yes")
    return {"reason": text, **_kept(db, row["id"])}


def kept_message(session_id: int, fix: dict) -> str:
    """`session #7 keeps its 1 note and 2 measures`: said whenever a correction is made."""
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return (f"session #{session_id} was attended; corrected ({fix['reason']}). It keeps its "
            f"{count(fix['notes'], 'note')} and {count(fix['measures'], 'measure')}.")


def edit_session(db: Database, session_id: int, duration_min=None, type: str | None = None,
                 mode: str | None = None, allow_overlap: bool = False, training: dict | None = None) -> dict:
    """Correct a session's length, type or mode (80 minutes recorded as the default 50; an assessment entered
    as treatment), or a training group's title, audience or participants (`training`), whatever its status:
    its start, status and notes stay. A longer session is checked for overlaps as a booking is. Audited with
    both values."""
    from datetime import datetime

    from therapy_cli.practice.sessions import (BLOCKING, check_no_clash, get_session, session_record,
                                               session_times, training_fields, validate_session_fields)

    row = get_session(db, session_id)
    given = {k: v for k, v in (training or {}).items() if v is not None}
    fields = {**validate_session_fields(duration_min, None, mode, type), **training_fields(**given)}
    if not fields:
        raise InvalidValue("say what to correct: --duration MIN, --type or --mode (a training group: --title, "
                           "--audience, --participants too)")
    if row["kind"] == "training" and "type" in fields:
        raise InvalidValue(f"session #{session_id} is a training group; it has no session type")
    if row["kind"] != "training" and given:
        raise InvalidValue(f"session #{session_id} is a client session; --{next(iter(given))} is a training "
                           "group's")
    changed = {k: v for k, v in fields.items() if row[k] != v}
    if not changed:
        held = ", ".join(f"{k.replace('_min', '')} {row[k]}" for k in fields)
        raise Conflict(f"session #{session_id} already has {held}; nothing to correct")
    update: dict = dict(changed)
    if "duration_min" in changed:
        times = session_times(datetime.fromisoformat(row["starts_at"]), changed["duration_min"])
        if row["status"] in BLOCKING and not allow_overlap:
            check_no_clash(db, times, exclude_id=session_id)
        update["ends_utc"] = times["ends_utc"]
    db.update("sessions", session_id, update)
    said = "; ".join(f"{k.replace('_min', '')} {row[k]} -> {v}" for k, v in changed.items())
    db.audit("edit", "session", session_id, f"corrected: {said}", row["client_id"])
    return session_record(db, session_id)


def remove_session(db: Database, session_id: int, reason: str | None) -> dict:
    """Delete a session booked in error: scheduled (never attended, no DNA, no cancellation: each counts in the
    reports), no notes, no measures, on no invoice (void or not).
    Audited; its id is never given to another session (m014)."""
    from therapy_cli.practice.sessions import get_session, session_record

    row = get_session(db, session_id)
    text = clean_text(reason, "reason", 500)
    if not text:
        raise InvalidValue("say why the session is removed with --reason TEXT (e.g. 'booked in error')")
    kept = _kept(db, session_id)
    if row["status"] == "attended":
        raise Conflict(f"session #{session_id} was attended; it cannot be removed (correct it with "
                       f"`therapy session dna|cancel|unattend {session_id} --reason TEXT --yes`)")
    if kept["notes"] or kept["measures"] or db.scalar(
            "SELECT count(*) FROM notes WHERE session_id = ?", (session_id,)):
        raise Conflict(f"session #{session_id} has {kept['notes']} note(s) and {kept['measures']} measure(s); "
                       "only a session booked in error with nothing recorded can be removed")
    billed = db.scalar("SELECT group_concat(number, ', ') FROM (SELECT DISTINCT i.number FROM invoice_lines l "
                       "JOIN invoices i ON i.id = l.invoice_id WHERE l.session_id = ? ORDER BY i.number)",
                       (session_id,))
    if billed:
        # an invoice, void or not, is a financial record and names the session: it stays, and so does the session
        raise Conflict(f"session #{session_id} is on invoice {billed}; it cannot be removed (correct its attendance "
                       f"instead, e.g. `therapy session cancel {session_id} --by therapist`, and void the invoice "
                       "if what it charges is wrong)")
    if row["status"] in ("dna", "late-cancelled", "cancelled") and row["kind"] == "client":
        # (a training group's cancellation is counted nowhere: only its attended hours and participants are)
        # a DNA, a cancellation (the weekly cancelled counts, by whom) or a late one (fees) counts: removing it
        # would change the reports, and rows already sent, unseen (SPEC: removal leaves every count)
        raise Conflict(f"session #{session_id} is recorded as {row['status']}, which the reports count; if it was "
                       f"booked in error, put it back to scheduled first (`therapy session unattend {session_id}`), "
                       "then remove it")
    record = session_record(db, session_id)
    db.execute("DELETE FROM session_absences WHERE session_id = ?", (session_id,))
    db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    db.audit("remove", "session", session_id, f"{row['status']} session at {row['starts_at']} removed: {{reason}}",
             row["client_id"], reason=text)
    return {**record, "removed": True, "reason": text}
