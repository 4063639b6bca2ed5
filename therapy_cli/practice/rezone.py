"""The practice's time zone changes: each session keeps its moment, and its day follows the zone.

A session is stored as the instant it starts (`starts_utc`, and `starts_at` with the offset it was entered
with) and as the day it falls on in the practice zone (`local_date`), which every period report, the
diary and the waiting clock count by. Lists show the instant in the zone set now, so when the `timezone`
setting changes the days are worked out again: a session at 20:00 in London, shown at 05:00 the next day
once the zone is Asia/Tokyo, is counted on that next day too, never on the day the list no longer shows.
A client's first attended day, kept from their sessions, follows it.
"""

from __future__ import annotations

from datetime import datetime

from therapy_cli.storage.db import Database, id_chunks


def rezone_sessions(db: Database, old_zone: str, new_zone: str) -> dict:
    """Recompute `local_date` of every session for `new_zone`; `{sessions, days_changed, clients}`."""
    from therapy_cli.dates import get_zone

    if old_zone == new_zone:
        return {"sessions": 0, "days_changed": 0, "clients": 0}
    tz = get_zone(new_zone)
    days: dict[str, str] = {}        # a caseload repeats its start times: each is converted once
    changed: list[tuple[str, int]] = []
    clients: set[int] = set()
    total = 0
    for session_id, client_id, starts_utc, local_date in db.execute(
            "SELECT id, client_id, starts_utc, local_date FROM sessions"):
        total += 1
        day = days.get(starts_utc)
        if day is None:
            day = days[starts_utc] = datetime.fromisoformat(starts_utc).astimezone(tz).date().isoformat()
        if day != local_date:
            changed.append((day, session_id))
            if client_id is not None:
                clients.add(client_id)
    # a client's first attended day is kept from their sessions (practice/sessions.py): where it was their
    # earliest attended session's day, it is that session's day in the new zone
    earliest = ("SELECT min(s.local_date) FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended' "
                "AND s.kind = 'client'")
    derived: list[int] = []
    for chunk, marks in id_chunks(sorted(clients)):
        derived += [r[0] for r in db.execute(
            f"SELECT c.id FROM clients c WHERE c.id IN ({marks}) AND c.first_attended_on = ({earliest})", chunk)]
    db.executemany("UPDATE sessions SET local_date = ? WHERE id = ?", changed)
    for chunk, marks in id_chunks(derived):
        db.execute(f"UPDATE clients AS c SET first_attended_on = ({earliest}) WHERE c.id IN ({marks})", chunk)
    if changed:
        db.audit("rezone", "session", None, f"time zone {old_zone} -> {new_zone}: {len(changed)} session(s) "
                                            "fall on another day there")
    return {"sessions": total, "days_changed": len(changed), "clients": len(clients)}
