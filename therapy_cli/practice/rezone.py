"""The practice's time zone changes: each session keeps its moment, and its day follows the zone.

A session is stored as the instant it starts (`starts_utc`, and `starts_at`: the same moment with the offset
of the practice zone) and as the day it falls on in that zone (`local_date`), which every period report, the
diary and the waiting clock count by. When the `timezone` setting changes, both are written again in the new
zone: a session at 20:00 in London is at 05:00 the next day once the zone is Asia/Tokyo, shown so everywhere
(a client's next session included) and counted on that next day, never on a day no list shows. A client's
first attended day, kept from their sessions, follows it.
"""

from __future__ import annotations

from datetime import datetime

from therapy_cli.storage.db import Database, id_chunks


def rezone_sessions(db: Database, old_zone: str, new_zone: str) -> dict:
    """Write every session's start (`starts_at`) and day (`local_date`) in `new_zone`, the moment kept;
    `{sessions, days_changed, clients}`."""
    from therapy_cli.dates import get_zone, iso

    if old_zone == new_zone:
        return {"sessions": 0, "days_changed": 0, "clients": 0}
    tz = get_zone(new_zone)
    local: dict[str, tuple[str, str]] = {}        # a caseload repeats its start times: each is converted once
    rewritten: list[tuple[str, str, int]] = []
    clients: set[int] = set()
    total = moved = 0
    for session_id, client_id, starts_utc, starts_at, local_date in db.execute(
            "SELECT id, client_id, starts_utc, starts_at, local_date FROM sessions"):
        total += 1
        there = local.get(starts_utc)
        if there is None:
            start = datetime.fromisoformat(starts_utc).astimezone(tz)
            there = local[starts_utc] = (iso(start), start.date().isoformat())
        if there[1] != local_date:
            moved += 1
            if client_id is not None:
                clients.add(client_id)
        if there != (starts_at, local_date):
            # the same moment, written with the offset in force in the new zone: every view shows it there
            rewritten.append((*there, session_id))
    # a client's first attended day is kept from their sessions (practice/sessions.py): where it was their
    # earliest attended session's day, it is that session's day in the new zone
    earliest = ("SELECT min(s.local_date) FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended' "
                "AND s.kind = 'client'")
    derived: list[int] = []
    for chunk, marks in id_chunks(sorted(clients)):
        derived += [r[0] for r in db.execute(
            f"SELECT c.id FROM clients c WHERE c.id IN ({marks}) AND c.first_attended_on = ({earliest})", chunk)]
    db.executemany("UPDATE sessions SET starts_at = ?, local_date = ? WHERE id = ?", rewritten)
    for chunk, marks in id_chunks(derived):
        db.execute(f"UPDATE clients AS c SET first_attended_on = ({earliest}) WHERE c.id IN ({marks})", chunk)
    if rewritten:
        db.audit("rezone", "session", None, f"time zone {old_zone} -> {new_zone}: {len(rewritten)} session(s) "
                                            f"written in it, {moved} of them on another day there")
    return {"sessions": total, "days_changed": moved, "clients": len(clients)}
