"""How long records are kept after discharge, and erasing a client's records once that time is up.

The rule (NHS Records Management Code of Practice 2023, appendix II, "Mental
health records"): keep for `retention.years` (default 20) after the end of
treatment; for a child, never before their 25th birthday, or their 26th if
they were 17 at the end of treatment, whichever of these dates is later.
After a client's death (NHS Records Management Code of Practice 2021,
appendix II, "Mental health records": 20 years, or 10 years after the
patient's death if sooner): `retention.after_death_years` (default 10) from
the date of death, when that comes first.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

from therapy_cli.storage.db import Database, chunked
from therapy_cli.errors import Conflict, InvalidValue, Refused

# The append-only triggers that erasure alone may lift (inside its transaction).
_TRIGGERS = ("notes_no_delete", "risk_assessments_no_delete", "safety_plans_no_delete", "audit_reasons_no_delete")


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: keep until 1 March
        return date(day.year + years, 3, 1)


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def retain_until(discharged_on: date, date_of_birth: date | None, years: int,
                 died_on: date | None = None, after_death_years: int = 10) -> tuple[date, str]:
    """The first day the records may be destroyed, and the rule that set it."""
    end = _add_years(discharged_on, years)
    rule = f"{years} years after discharge"
    if date_of_birth is not None and _age_on(date_of_birth, discharged_on) < 18:
        birthday_age = 26 if _age_on(date_of_birth, discharged_on) == 17 else 25
        birthday = _add_years(date_of_birth, birthday_age)
        if birthday > end:
            end, rule = birthday, f"child at discharge: until the {birthday_age}th birthday"
    if died_on is not None:
        after_death = _add_years(died_on, after_death_years)
        if after_death < end:
            end, rule = after_death, f"{after_death_years} years after death"
    return end, rule


def _status(db: Database, row: dict, years: int) -> dict:
    discharged = date.fromisoformat(row["discharged_on"])
    dob = date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None
    died = date.fromisoformat(row["died_on"]) if row.get("died_on") else None
    until, rule = retain_until(discharged, dob, years, died, db.setting("retention.after_death_years"))
    return {
        "client_id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "discharged_on": row["discharged_on"],
        "date_of_birth": row["date_of_birth"],
        "died_on": row.get("died_on"),
        "retain_until": until.isoformat(),
        "rule": rule,
        "past_retention": db.today >= until,
    }


def retention_list(db: Database, include_all: bool = False) -> list[dict]:
    """Discharged, not yet erased clients past retention (all discharged ones with include_all)."""
    years = db.setting("retention.years")
    # Only a client discharged `years` or more ago, or who died `retention.after_death_years` or more
    # ago, can be past retention (the child rule only lengthens it): SQL leaves the rest out, so remind
    # stays quick on a file of thousands of past clients.
    latest = "9999-12-31" if include_all else _add_years(db.today, -years).isoformat()
    after_death = db.setting("retention.after_death_years")
    died_by = "9999-12-31" if include_all else _add_years(db.today, -after_death).isoformat()
    # each half reads its own index (`+status`: not the status index, which holds every discharged client)
    rows = db.query("SELECT id, name, kind, discharged_on, date_of_birth, died_on FROM clients "
                    "WHERE discharged_on <= ? AND +status = 'discharged' AND erased_on IS NULL "
                    "UNION SELECT id, name, kind, discharged_on, date_of_birth, died_on FROM clients "
                    "WHERE died_on <= ? AND +status = 'discharged' AND +discharged_on IS NOT NULL AND erased_on IS NULL",
                    (latest, died_by))
    rows += _ended_through_units(db, latest)
    rows.sort(key=lambda r: (r["discharged_on"], r["id"]))   # in SQL, the union would walk a whole index
    statuses = [_status(db, row, years) for row in rows]
    if include_all:
        return statuses
    return [s for s in statuses if s["past_retention"]]


def _ended_through_units(db: Database, latest: str) -> list[dict]:
    """Members whose therapy was a couple's, family's or group's, ended (the unit discharged, or they left)
    on or before `latest`: discharged as at today by practice/state.py though their own record never was.
    Their retention runs from that end. Only members of units discharged, or memberships left, by then are
    looked at: a handful on any file."""
    from therapy_cli.practice.state import states

    candidates = [r[0] for r in db.execute(
        "SELECT m.member_id FROM memberships m JOIN clients u ON u.id = m.unit_id "
        "WHERE u.discharged_on <= ? AND u.status = 'discharged' "
        "UNION SELECT member_id FROM memberships WHERE left_on <= ?", (latest, latest))]
    if not candidates:
        return []
    ended = {cid: state for cid, state in states(db, db.today, candidates).items()
             if state["status"] == "discharged" and state["via_unit"] is not None
             and state["discharged_on"] and state["discharged_on"] <= latest}
    if not ended:
        return []
    rows = db.query(f"SELECT id, name, kind, date_of_birth, died_on FROM clients WHERE id IN "
                    f"({','.join('?' * len(ended))}) AND status != 'discharged' AND erased_on IS NULL", list(ended))
    return [{**row, "discharged_on": ended[row["id"]]["discharged_on"]} for row in rows]


def _ended(db: Database, client: dict) -> tuple[dict | None, str]:
    """(the client's row with the day their therapy ended, or None while it has not; their status as at
    today): their own discharge, or the end of the couple's, family's or group's therapy they were in
    (practice/state.py)."""
    if client["status"] == "discharged" and client["discharged_on"]:
        return client, "discharged"
    from therapy_cli.practice.state import state_of

    state = state_of(db, client["id"]) or {}
    if state.get("status") == "discharged" and state.get("discharged_on"):
        return {**client, "discharged_on": state["discharged_on"]}, "discharged"
    return None, state.get("status") or client["status"]


def past_retention(db: Database) -> list[dict]:
    """Clients whose records may now be erased (for `remind`'s retention_due)."""
    return retention_list(db)


def erase_client(db: Database, client: dict, force: bool = False, reason: str | None = None) -> dict:
    """Remove everything held about a client but a stub (id, dates, erased_on); audit it.

    Refused before the retention date unless `force` with a `reason`. Run inside a
    write transaction; call `scrub()` after the commit so freed pages leave the file.
    """
    cid = client["id"]
    if client["erased_on"]:
        raise Conflict(f"client #{cid} was already erased on {client['erased_on']}")
    ended, now = _ended(db, client)
    if ended is None:
        raise Refused(f"client #{cid} is {now}; discharge the client before erasing their records")
    client = ended
    if reason is not None:
        reason = " ".join(reason.split())
    if force and not reason:
        raise InvalidValue("--force needs --reason TEXT saying why the records are erased before retention ends")
    status = _status(db, client, db.setting("retention.years"))
    if not status["past_retention"] and not force:
        raise Refused(f"client #{cid} is within retention until {status['retain_until']} ({status['rule']}); "
                      "erasing earlier needs --force --reason TEXT")
    if reason and len(reason) > 500:
        raise InvalidValue("--reason must be at most 500 characters")
    if reason:
        # the reason stays in the audit after the erasure: a name typed in it would outlive what it erases
        import re

        said = {w.casefold() for w in re.findall(r"\w+", reason)}
        named = [part for part in re.findall(r"\w+", client["name"]) if len(part) > 2 and part.casefold() in said]
        if named:
            raise InvalidValue("--reason names the client, and the audit keeps the reason after the erasure: say "
                               "why without naming them (e.g. 'erasure request under UK GDPR art. 17')")

    db.execute("PRAGMA secure_delete = ON")
    # amendments refer to the notes they amend: check the foreign keys at commit, not row by row
    db.execute("PRAGMA defer_foreign_keys = ON")
    counts = _delete_records(db, cid, client["discharged_on"])
    if counts.get("notes"):
        from therapy_cli.practice.notes import purge_index

        purge_index(db)
    db.update("clients", cid, {
        "name": f"erased #{cid}", "date_of_birth": None, "email": None, "phone": None, "address": None,
        "referral_source": None, "referred_by": None, "discharge_reason": None,
        "payer": None, "fee_minor": None, "reminders": "none", "reminders_consent_on": None,
        "erased_on": db.today.isoformat(),
        # a member whose therapy ended through a couple, family or group: the stub keeps that end as its own
        # discharge (an erased person is in no one's state, so nothing else would say it)
        "status": "discharged", "discharged_on": client["discharged_on"],
    })
    summary = ("erased after retention" if status["past_retention"]
               else f"erased before retention ({status['retain_until']}); reason: {reason}")
    db.audit("erase", "client", cid, summary, cid)
    return {
        "id": cid,
        "client_id": cid,
        "erased_on": db.today.isoformat(),
        "retain_until": status["retain_until"],
        "forced": not status["past_retention"],
        "reason": reason,
        "removed": counts,
    }


def session_ids(db: Database, cid: int) -> list[int]:
    """The client's own sessions (a couple's, family's or group's are the unit's, not its members')."""
    return [r["id"] for r in db.query("SELECT id FROM sessions WHERE client_id = ? ORDER BY id", (cid,))]


def _delete_records(db: Database, cid: int, discharged_on: str | None = None) -> dict:
    session_ids_ = session_ids(db, cid)
    goal_ids = [r["id"] for r in db.query("SELECT id FROM goals WHERE client_id = ?", (cid,))]
    counts: dict[str, int] = {}

    def delete(table: str, where: str, params) -> None:
        cur = db.execute(f"DELETE FROM {table} WHERE {where}", params)
        counts[table] = counts.get(table, 0) + max(cur.rowcount, 0)

    for chunk in chunked(session_ids_):
        marks = ",".join("?" * len(chunk))
        with append_only_lifted(db):
            delete("notes", f"session_id IN ({marks})", chunk)
        db.execute(f"UPDATE measures SET session_id = NULL WHERE session_id IN ({marks}) AND client_id != ?",
                   (*chunk, cid))
        delete("session_absences", f"session_id IN ({marks})", chunk)
    delete("client_reminders", "client_id = ?", (cid,))  # a member's reminders of a unit's sessions too
    delete("measures", "client_id = ?", (cid,))
    for chunk in chunked(session_ids_):
        delete("sessions", f"id IN ({','.join('?' * len(chunk))})", chunk)
    for chunk in chunked(goal_ids):
        delete("goal_ratings", f"goal_id IN ({','.join('?' * len(chunk))})", chunk)
    delete("goals", "client_id = ?", (cid,))
    delete("plan_reviews", "client_id = ?", (cid,))
    delete("plans", "client_id = ?", (cid,))
    with append_only_lifted(db):
        delete("risk_assessments", "client_id = ?", (cid,))
        delete("safety_plans", "client_id = ?", (cid,))
    delete("referrals_out", "client_id = ?", (cid,))
    delete("supervision_cases", "client_id = ?", (cid,))
    # Memberships (ids and dates) and a member's absences from a unit's sessions stay, as the stub's dates do:
    # without them an erased couple's members fell back to `waiting` (and out of retention), and a group's past
    # weeks counted an erased member present at sessions they missed. A membership still open ends on the
    # member's discharge (or today): an erased person is in no couple, family or group from then on.
    # (`discharged_on`: the day their therapy ended, their own discharge or their unit's, which the row alone
    # does not hold for a member whose therapy was a couple's, family's or group's)
    ended = (discharged_on or db.scalar("SELECT discharged_on FROM clients WHERE id = ?", (cid,))
             or db.today.isoformat())
    db.execute("UPDATE memberships SET left_on = max(coalesce(joined_on, ''), ?) WHERE member_id = ? "
               "AND left_on IS NULL", (ended, cid))
    with append_only_lifted(db):
        delete("audit_reasons", "client_id = ?", (cid,))   # the typed reasons; the audit rows stay
    return {table: n for table, n in counts.items() if n}


@contextmanager
def append_only_lifted(db: Database):
    """Notes, risk assessments, safety plans and the audit's reasons are append-only by trigger; this
    sanctioned path (erasure, a client removed as added in error) lifts the delete triggers for the duration
    of this transaction only (a crash rolls the DROP back too)."""
    triggers = db.query(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        f"AND name IN ({','.join('?' * len(_TRIGGERS))})", _TRIGGERS)
    for trigger in triggers:
        db.execute(f"DROP TRIGGER {trigger['name']}")
    try:
        yield
    finally:
        for trigger in triggers:
            db.execute(trigger["sql"])


def scrub(path: Path) -> None:
    """Rebuild the file so erased text leaves it: VACUUM, then empty the WAL."""
    from therapy_cli.storage.db import connect

    conn = connect(path, create=False)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()

