"""Clients and the units of work: individuals, couples, families and groups."""

from __future__ import annotations

import json
from datetime import date, datetime

from therapy_cli import dates
from therapy_cli.storage.db import Database, id_chunks, utc_now
from therapy_cli.errors import Conflict, InvalidValue
from therapy_cli.practice.lookup import match_one
from therapy_cli.validation import (
    check_birth, check_not_future, check_not_number, check_within_life, clean_email, clean_name, clean_phone,
    clean_text,
)

from therapy_cli.vocab import CLIENT_KINDS as KINDS, CLIENT_STATUSES as STATUSES, UNIT_KINDS  # noqa: E402

CLIENT_COLUMNS = ["id", "name", "kind", "status", "referred_on", "discharged_on"]


# -- finding records ---------------------------------------------------------

def find_client(db: Database, text: str) -> dict:
    return match_one(db, "clients", text, "client")


def initials(name: str) -> str:
    """`Alex Morgan` → `A.M.`: how supervision output names a case."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha()) or "?"


def case_label(client: dict) -> str:
    return f"#{client['id']} {initials(client['name'])}"


# -- records -----------------------------------------------------------------

def members_of(db: Database, unit_id: int, on: date | None = None) -> list[dict]:
    """Members of a unit; with `on`, those belonging that day (the leaving day included)."""
    sql = ("SELECT m.member_id AS id, c.name, m.joined_on, m.left_on FROM memberships m "
           "JOIN clients c ON c.id = m.member_id WHERE m.unit_id = ?")
    params: list = [unit_id]
    if on is not None:
        sql += " AND (m.joined_on IS NULL OR m.joined_on <= ?) AND (m.left_on IS NULL OR m.left_on >= ?)"
        params += [on.isoformat(), on.isoformat()]
    return db.query(sql + " ORDER BY m.id", params)


def client_record(db: Database, client_id: int, day: date | None = None) -> dict:
    """The client as SPEC's JSON: id, name, kind, status, members, dates, referral; as at `day` (today)."""
    row = db.get("clients", client_id, "client")
    referrer = None
    if row["referred_by"] is not None:
        referrer = db.scalar("SELECT name FROM contacts WHERE id = ?", (row["referred_by"],))
    members = members_of(db, client_id) if row["kind"] in UNIT_KINDS else []
    from therapy_cli.practice.state import state_of

    state = state_of(db, client_id, day)
    # as at today: a day replayed (--today) before the referral has no status yet (null), not today's
    status = state["status"] if state else row["status"]
    discharged_on = state["discharged_on"] if state else row["discharged_on"]
    state = state or {}
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "status": status,
        "via_unit": state.get("via_unit"),
        "members": members,
        "date_of_birth": row["date_of_birth"],
        "email": row["email"],
        "reminders": row["reminders"],
        "reminders_consent_on": row["reminders_consent_on"],
        "phone": row["phone"],
        "address": row["address"],
        "referred_on": row["referred_on"],
        "referral_source": row["referral_source"],
        "referred_by": row["referred_by"],
        "referred_by_name": referrer,
        "first_attended_on": state.get("first_attended_on", row["first_attended_on"]),
        "discharged_on": discharged_on,
        # a day replayed before the discharge (--today) has no discharge yet, nor its reason
        "discharge_reason": row["discharge_reason"] if discharged_on else None,
        "died_on": row["died_on"],
        "erased_on": row["erased_on"],
    }


EARLIEST_REFERRAL = "1950-01-01"   # as for plans, questionnaires and CPD: an earlier date is a typing slip


def check_referral_after_birth(referred: str | None, born: str | None) -> None:
    """A referral (in or out) dated before the date of birth (ISO days), or before 1950: a year typed wrong."""
    if referred and referred < EARLIEST_REFERRAL:
        raise InvalidValue(f"referral date {referred} is before {EARLIEST_REFERRAL[:4]}; check the year")
    if referred and born and referred < born:
        raise InvalidValue(f"referral date {referred} is before the date of birth ({born}); check the year")


def add_client(db: Database, name: str, kind: str = "individual", members: list[str] = (),
               date_of_birth: date | None = None, email: str | None = None, phone: str | None = None,
               referred_on: date | None = None, referral_source: str | None = None,
               referred_by: str | None = None, allow_duplicate: bool = False, reminders: str | None = None,
               address: str | None = None, warnings: list[str] | None = None) -> dict:
    """`warnings` gets what the person should see though nothing was refused (a client of the same name whom
    only a date of birth, held on one side, may tell apart)."""
    if kind not in KINDS:
        raise InvalidValue(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    name = check_not_number(clean_name(name), "client", f"Group {name.strip()}")
    check_birth(date_of_birth, db.today)
    held, maybe = _same_name(db, name, _iso(date_of_birth)) if not allow_duplicate else (None, [])
    if held:
        raise Conflict(f"client {_described(db, [held])} is already recorded; use that record, or add "
                       "--allow-duplicate for a different person")
    check_not_future(referred_on, db.today, "referral date")
    check_referral_after_birth(_iso(referred_on), _iso(date_of_birth))
    check_unit_members(kind, [], named=len(members))
    member_rows = [find_client(db, m) for m in members]
    check_unit_members(kind, member_rows)
    contact_id = None
    if referred_by:
        from therapy_cli.practice.contacts import find_contact

        contact_id = find_contact(db, referred_by)["id"]
    email = clean_email(email)
    client_id = db.insert("clients", {
        "name": name, "kind": kind, "status": "waiting",
        "date_of_birth": _iso(date_of_birth), "email": email, "phone": clean_phone(phone),
        "address": clean_text(address, "address", 300),
        **reminder_consent(db, None, email, reminders, kind),
        "referred_on": _iso(referred_on), "referral_source": clean_text(referral_source, "referral source", 200),
        "referred_by": contact_id, "created_at": utc_now(),
    })
    for member in member_rows:
        db.insert("memberships", {"unit_id": client_id, "member_id": member["id"]})
    db.audit("add", "client", client_id, f"{kind} client added", client_id)
    if maybe and warnings is not None:
        warnings.append(_maybe_same(db, maybe, _iso(date_of_birth), client_id))
    if warnings is not None:
        unit = {"id": client_id, "status": "waiting"}
        warnings += [text for member in member_rows for text in joining_warnings(unit, member)]
    return client_record(db, client_id)


def check_unit_members(kind: str, rows: list[dict], named: int | None = None) -> None:
    """The members a new unit starts with (`client add --member`, import): individual clients, each once,
    at most two for a couple, none for an individual. `named`: how many were given (rows may be fewer)."""
    if kind == "individual" and (rows or named):
        raise InvalidValue("an individual client has no members; make it a couple, family or group "
                           "(--kind, or the kind column)")
    _check_members(rows)
    if kind == "couple" and len(rows) > 2:
        raise InvalidValue("a couple has at most two members")


def _same_name(db: Database, name: str, born: str | None, exclude_id: int | None = None) -> tuple[dict | None, list]:
    """`(held, maybe)`: the client held with this name and the same date of birth (or both without one), most
    likely the same person; and those of this name where only one side has a date of birth, who may be (a record
    made at referral without one, added again at the first session with it) or may be another person."""
    from therapy_cli.practice.lookup import same_name

    rows = [row for row in same_name(db, "clients", name) if not row["erased_on"] and row["id"] != exclude_id]
    held = next((row for row in rows if row["date_of_birth"] == born), None)
    return held, [row for row in rows if (row["date_of_birth"] is None) != (born is None)]


def _described(db: Database, rows: list[dict]) -> str:
    """`#2 Dana Hill (born 1980-02-01, active)`, as an ambiguous name lists them: the state as every view
    has it (active through a group), not only the record's own status."""
    from therapy_cli.practice.lookup import tell_apart

    return "; ".join(tell_apart(db, "clients", rows))


def _maybe_same(db: Database, maybe: list[dict], born: str | None, new_id: int) -> str:
    fix = (f" ('therapy client edit {maybe[0]['id']} --dob {born}' adds the date of birth to it)"
           if born and len(maybe) == 1 else "")
    return (f"{_described(db, maybe)} has this name too: if this is the same person, "
            f"remove this one ('therapy client remove {new_id} --yes') and use that record{fix}")


def _check_members(rows: list[dict], unit_id: int | None = None) -> None:
    seen = set()
    for row in rows:
        if row["kind"] != "individual":
            raise InvalidValue(f"#{row['id']} is a {row['kind']}; members must be individual clients")
        if row.get("erased_on"):
            raise Conflict(f"#{row['id']} has been erased; an erased client cannot be a member")
        if row["id"] == unit_id:
            raise InvalidValue("a unit cannot be a member of itself")
        if row["id"] in seen:
            raise InvalidValue(f"#{row['id']} is named twice as a member")
        seen.add(row["id"])


def list_clients(db: Database, status: str | None = None, kind: str | None = None,
                 limit: int | None = None) -> list[dict]:
    if status and status not in STATUSES:
        raise InvalidValue(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if kind and kind not in KINDS:
        raise InvalidValue(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    from therapy_cli.practice.state import state_ctes

    # the status as at today, members following their unit (practice/state.py); `--status waiting`
    # is the waiting list that every report counts
    sql = (f"WITH {state_ctes(db.today)} "
           "SELECT c.id, c.name, c.kind, cs.status, cs.via_unit, c.date_of_birth, c.referred_on, c.referral_source, "
           "cs.discharged_on FROM clients c JOIN client_state cs ON cs.id = c.id WHERE cs.status IS NOT NULL")
    params: list = []
    if status == "waiting":
        sql += " AND c.id IN (SELECT id FROM waiting_list)"
    elif status:
        sql += " AND cs.status = ?"
        params.append(status)
    if kind:
        sql += " AND c.kind = ?"
        params.append(kind)
    sql += " ORDER BY c.name COLLATE NOCASE, c.id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = db.query(sql, params)
    # SPEC's client keys include `members` (as in client show), in one query for the whole list
    members: dict[int, list[dict]] = {}
    if any(r["kind"] in UNIT_KINDS for r in rows):
        for m in db.query("SELECT m.unit_id, m.member_id AS id, c.name, m.joined_on, m.left_on FROM memberships m "
                          "JOIN clients c ON c.id = m.member_id ORDER BY m.id"):
            unit = m.pop("unit_id")
            members.setdefault(unit, []).append(m)
    return [{**{k: r[k] for k in ("id", "name", "kind", "status")}, "members": members.get(r["id"], []),
             **{k: v for k, v in r.items() if k not in ("id", "name", "kind", "status")}} for r in rows]


EDITABLE = ("name", "date_of_birth", "email", "phone", "address", "referred_on", "referral_source", "referred_by")


def refuse_erased(client: dict, what: str) -> None:
    """An erased client's stub keeps ids and dates for the counts, and nothing that identifies them again."""
    if client.get("erased_on"):
        raise Conflict(f"client #{client['id']} was erased on {client['erased_on']}; {what}")


def edit_client(db: Database, client: dict, **changes) -> dict:
    """Change the fields given (None = leave alone)."""
    refuse_erased(client, "the record cannot be edited (add a new client if they return)")
    values: dict = {}
    if changes.get("name") is not None:
        values["name"] = check_not_number(clean_name(changes["name"]), "client", f"Group {changes['name'].strip()}")
    if changes.get("date_of_birth") is not None:
        check_birth(changes["date_of_birth"], db.today)
        values["date_of_birth"] = changes["date_of_birth"].isoformat()
        # `measure add` refuses a questionnaire dated before the birth: a date of birth moved after one is as wrong
        earlier = db.one("SELECT id, instrument, taken_on FROM measures WHERE client_id = ? AND taken_on < ? "
                         "ORDER BY taken_on, id LIMIT 1", (client["id"], values["date_of_birth"]))
        if earlier:
            raise InvalidValue(f"date of birth {values['date_of_birth']} is after the client's {earlier['instrument']} "
                               f"of {earlier['taken_on']} (measure #{earlier['id']}); check the year")
        # and `risk assess` / `risk plan`, `client refer` and `plan set` refuse a date before the birth
        earlier = db.one("SELECT 'risk assessment' AS what, id, assessed_on AS day FROM risk_assessments "
                         "WHERE client_id = :c AND assessed_on < :dob UNION ALL SELECT 'safety plan', id, set_on "
                         "FROM safety_plans WHERE client_id = :c AND set_on < :dob "
                         "UNION ALL SELECT 'referral out', id, referred_on FROM referrals_out "
                         "WHERE client_id = :c AND referred_on < :dob "
                         "UNION ALL SELECT 'treatment plan', id, started_on FROM plans "
                         "WHERE client_id = :c AND started_on < :dob ORDER BY day, id LIMIT 1",
                         {"c": client["id"], "dob": values["date_of_birth"]})
        if earlier:
            raise InvalidValue(f"date of birth {values['date_of_birth']} is after the client's {earlier['what']} "
                               f"of {earlier['day']} (#{earlier['id']}); check the year")
        # nor after a session they attended, their own or a unit's (a client with no referral date to catch it)
        from therapy_cli.practice.state import presence_of

        first = db.scalar(f"SELECT min(local_date) FROM {presence_of(':person')} WHERE status = 'attended'",
                          {"person": client["id"]})
        if first and values["date_of_birth"] > first:
            raise InvalidValue(f"date of birth {values['date_of_birth']} is after the client's first attended "
                               f"session ({first}); check the year")
    if changes.get("email") is not None:
        values["email"] = clean_email(changes["email"])
    if changes.get("phone") is not None:
        values["phone"] = clean_phone(changes["phone"])
    if changes.get("address") is not None:   # '' clears it
        values["address"] = clean_text(changes["address"], "address", 300)
    if changes.get("referred_on") is not None:
        check_not_future(changes["referred_on"], db.today, "referral date")
        values["referred_on"] = changes["referred_on"].isoformat()
        # as `client discharge` refuses a discharge before the referral, a referral moved after the discharge
        if client["discharged_on"] and values["referred_on"] > client["discharged_on"]:
            raise InvalidValue(f"referral date {values['referred_on']} is after the discharge "
                               f"({client['discharged_on']})")
        # nor after the first session attended, their own or a couple's, family's or group's they were at: the
        # wait from referral would run backwards (and count as met)
        from therapy_cli.practice.state import state_of

        first = min(filter(None, (client["first_attended_on"],
                                  (state_of(db, client["id"]) or {}).get("first_attended_on"))), default=None)
        if first and values["referred_on"] > first:
            raise InvalidValue(f"referral date {values['referred_on']} is after the first attended session "
                               f"({first}); the referral comes first")
        # nor after a referral out or the plan's start (`client refer` and `plan set` refuse a date before it)
        later = db.one("SELECT what, day FROM (SELECT 'referral out' AS what, min(referred_on) AS day "
                       "FROM referrals_out WHERE client_id = :c UNION ALL SELECT 'treatment plan', min(started_on) "
                       "FROM plans WHERE client_id = :c) WHERE day < :referred ORDER BY day LIMIT 1",
                       {"c": client["id"], "referred": values["referred_on"]})
        if later:
            raise InvalidValue(f"referral date {values['referred_on']} is after the client's {later['what']} of "
                               f"{later['day']}; the referral in comes first")
    check_referral_after_birth(values.get("referred_on", client["referred_on"]),
                               values.get("date_of_birth", client["date_of_birth"]))
    if changes.get("referral_source") is not None:
        values["referral_source"] = clean_text(changes["referral_source"], "referral source", 200)
    if changes.get("referred_by") is not None:
        from therapy_cli.practice.contacts import find_contact

        # '' clears the referrer (a contact named in error)
        values["referred_by"] = (find_contact(db, changes["referred_by"])["id"]
                                 if changes["referred_by"].strip() else None)
    if changes.get("died_on") is not None:
        values["died_on"] = _check_death(db, client, changes["died_on"], values.get("date_of_birth"))
    elif changes.get("clear_death"):
        if not client["died_on"]:
            raise InvalidValue(f"client #{client['id']} has no date of death to clear")
        values["died_on"] = None   # recorded in error; the discharge it made stays until `client reopen`
    died_on = values.get("died_on", client["died_on"])
    if died_on and changes.get("reminders") == "email":
        # consent is the person's own, given on a day: none is given after their death (the run never mails them)
        raise InvalidValue(f"client #{client['id']} died on {died_on}; consent to reminders cannot be recorded "
                           "after a death")
    if changes.get("reminders") is not None or "email" in values:
        values.update(reminder_consent(db, client, values.get("email", client["email"]), changes.get("reminders"),
                                       client["kind"]))
    if not values:
        raise InvalidValue("nothing to change; give at least one option (see --help)")
    if ("name" in values or "date_of_birth" in values) and not changes.get("allow_duplicate"):
        # a name and date of birth `client add` would refuse as someone held are not reached by an edit either
        held, _ = _same_name(db, values.get("name", client["name"]),
                             values.get("date_of_birth", client["date_of_birth"]), exclude_id=client["id"])
        if held:
            raise Conflict(f"client {_described(db, [held])} is already recorded; if they are two people, "
                           "add --allow-duplicate")
    db.update("clients", client["id"], values)
    db.audit("edit", "client", client["id"], "changed " + ", ".join(sorted(values)), client["id"])
    if values.get("died_on") and client["status"] != "discharged":
        # Therapy ends with a death; the retention clock (retention.after_death_years) starts from it.
        discharge(db, db.get("clients", client["id"], "client"), date.fromisoformat(values["died_on"]), "died")
    return client_record(db, client["id"])


def _check_death(db: Database, client: dict, day: date, new_dob: str | None) -> str:
    """A date of death: an individual's, not in the future, not before birth nor before a session attended."""
    if client["kind"] != "individual":
        raise InvalidValue(f"#{client['id']} is a {client['kind']}; a date of death is recorded on each person")
    check_not_future(day, db.today, "date of death")
    dob = new_dob or client["date_of_birth"]
    if dob and day.isoformat() < dob:
        raise InvalidValue(f"date of death {day.isoformat()} is before the date of birth ({dob})")
    from therapy_cli.practice.state import last_attended

    # their own sessions and those of a couple, family or group they belonged to and were not absent from
    last = db.scalar(f"SELECT {last_attended(str(int(client['id'])), ':any')}", {"any": "9999-12-31"})
    if last and day.isoformat() < last:
        raise InvalidValue(f"date of death {day.isoformat()} is before the last attended session ({last})")
    # `measure add` refuses a questionnaire dated after a recorded death: one already held dates the death too
    later = db.one("SELECT id, instrument, taken_on FROM measures WHERE client_id = ? AND taken_on > ? "
                   "ORDER BY taken_on DESC, id DESC LIMIT 1", (client["id"], day.isoformat()))
    if later:
        raise InvalidValue(f"date of death {day.isoformat()} is before the client's {later['instrument']} of "
                           f"{later['taken_on']} (measure #{later['id']})")
    # and so does every other record those commands refuse after a death: risk, referrals out, the plan's work
    later = db.one("SELECT 'risk assessment' AS what, id, assessed_on AS day FROM risk_assessments "
                   "WHERE client_id = :c AND assessed_on > :d "
                   "UNION ALL SELECT 'safety plan', id, set_on FROM safety_plans WHERE client_id = :c AND set_on > :d "
                   "UNION ALL SELECT 'referral out', id, referred_on FROM referrals_out "
                   "WHERE client_id = :c AND referred_on > :d "
                   "UNION ALL SELECT 'treatment plan', id, started_on FROM plans WHERE client_id = :c AND started_on > :d "
                   "UNION ALL SELECT 'plan review', id, reviewed_on FROM plan_reviews "
                   "WHERE client_id = :c AND reviewed_on > :d "
                   "UNION ALL SELECT 'goal', id, created_on FROM goals WHERE client_id = :c AND created_on > :d "
                   "UNION ALL SELECT 'goal rating', r.id, r.rated_on FROM goal_ratings r JOIN goals g ON g.id = r.goal_id "
                   "WHERE g.client_id = :c AND r.rated_on > :d ORDER BY day DESC, id DESC LIMIT 1",
                   {"c": client["id"], "d": day.isoformat()})
    if later:
        raise InvalidValue(f"date of death {day.isoformat()} is before the client's {later['what']} of "
                           f"{later['day']} (#{later['id']})")
    return day.isoformat()


def reminder_consent(db: Database, client: dict | None, email: str | None, reminders: str | None,
                     kind: str = "individual") -> dict:
    """The consent columns for `--reminders email|none` (None: unchanged), checked against the address.

    Consent is dated the day it is given; withdrawing it clears the date (the audit keeps both).
    """
    from therapy_cli.practice.client_reminders import CHOICES

    current = client["reminders"] if client else "none"
    if reminders is not None and reminders not in CHOICES:
        raise InvalidValue(f"--reminders {reminders!r} is not one of {', '.join(CHOICES)}")
    choice = reminders or current
    # the kind first: asking a couple for an email address, then refusing it, sends the practitioner round twice
    if kind != "individual" and reminders == "email":
        raise InvalidValue(f"a {kind}'s reminders go to its members: record each member's consent "
                           "with client edit MEMBER --reminders email")
    if choice == "email" and not email:
        raise InvalidValue("reminders by email need an email address: give --email too"
                           if reminders else "this client has consented to reminders by email; to remove the "
                           "address, give --reminders none too")
    if choice == current and client is not None:
        return {"reminders": choice} if reminders else {}
    return {"reminders": choice, "reminders_consent_on": db.today.isoformat() if choice == "email" else None}


def discharge(db: Database, client: dict, on: date | None = None, reason: str | None = None) -> dict:
    if client["status"] == "discharged":
        again = f"; to record another day, reopen first (therapy client reopen {client['id']})" if on else ""
        raise Conflict(f"client #{client['id']} was already discharged on {client['discharged_on']}{again}")
    day = on or db.today
    check_not_future(day, db.today, "discharge date")
    if client["referred_on"] and day.isoformat() < client["referred_on"]:
        raise InvalidValue(f"discharge date {day.isoformat()} is before the referral ({client['referred_on']})")
    from therapy_cli.practice.state import presence_of

    # their own sessions and, for a member, the unit sessions they were at
    last = db.scalar(f"SELECT max(local_date) FROM {presence_of(':person')} WHERE status = 'attended'",
                     {"person": client["id"]})
    if last and day.isoformat() < last:
        raise InvalidValue(f"discharge date {day.isoformat()} is before the last attended session ({last}); "
                           f"discharge on or after {last}, or correct that session first")
    db.update("clients", client["id"], {"status": "discharged", "discharged_on": day.isoformat(),
                                        "discharge_reason": clean_text(reason, "reason", 500)})
    db.audit("discharge", "client", client["id"], f"discharged on {day.isoformat()}", client["id"])
    return client_record(db, client["id"])


def reopen(db: Database, client: dict) -> dict:
    refuse_erased(client, "the record cannot be reopened (add a new client if they return)")
    if client.get("died_on"):
        raise Conflict(f"client #{client['id']} died on {client['died_on']}; the record is not reopened (if "
                       f"the date was recorded in error, clear it first: therapy client edit {client['id']} "
                       "--died-on '')")
    if client["status"] != "discharged":
        from therapy_cli.practice.state import state_of

        state = state_of(db, client["id"]) or {}
        if state.get("via_unit") and state.get("status") == "discharged":
            unit_id = state["via_unit"]
            if (state_of(db, unit_id) or {}).get("status") != "discharged":
                # the unit goes on: they finished by leaving it, and reopening it is no way back
                raise Conflict(f"client #{client['id']} left #{unit_id} on {state['discharged_on']}; if they are "
                               f"rejoining it: therapy client join {unit_id} {client['id']} --on DATE (or record "
                               "a session of their own: they become active at it)")
            raise Conflict(f"client #{client['id']} finished through #{state['via_unit']}; reopen that unit, "
                           "or record a session of their own (they become active at it)")
        raise Conflict(f"client #{client['id']} is {client['status']}, not discharged")
    status = "active" if client["first_attended_on"] else "waiting"
    db.update("clients", client["id"], {"status": status, "discharged_on": None, "discharge_reason": None})
    db.audit("reopen", "client", client["id"], f"reopened as {status}", client["id"])
    return client_record(db, client["id"])


# what makes a client part of the record: a row in any of these refuses `remove_client` (the unit's own
# membership rows aside, which go with a couple, family or group added in error)
_HELD = (("sessions", "client_id", "session"), ("measures", "client_id", "questionnaire"),
         ("plans", "client_id", "plan"), ("goals", "client_id", "goal"), ("plan_reviews", "client_id", "plan review"),
         ("risk_assessments", "client_id", "risk assessment"), ("safety_plans", "client_id", "safety plan"),
         ("referrals_out", "client_id", "referral out"), ("invoices", "client_id", "invoice"),
         ("client_reminders", "client_id", "reminder sent"), ("supervision_cases", "client_id", "supervision case"),
         ("session_absences", "client_id", "recorded absence"))


def remove_client(db: Database, client: dict) -> dict:
    """Delete a client added in error (a second record of someone held, a name typed wrong and added anyway):
    only while nothing of therapy is recorded for them. A couple, family or group goes with its list of members;
    a person still listed in one is refused. Audited without the name; the id is never given again (m018)."""
    cid = client["id"]
    refuse_erased(client, "its stub stays for the counts")
    held = []
    for table, column, what in _HELD:
        n = db.scalar(f"SELECT count(*) FROM {table} WHERE {column} = ?", (cid,))
        if n:
            held.append(f"{n} {what}{'' if n == 1 or what.endswith('sent') else 's'}")
    if held:
        raise Conflict(f"client #{cid} has {', '.join(held)} on the record; only a client added in error with "
                       "nothing recorded can be removed (discharge them instead, with the reason)")
    units = db.query("SELECT DISTINCT c.id, c.name, c.kind FROM memberships m JOIN clients c ON c.id = m.unit_id "
                     "WHERE m.member_id = ? ORDER BY c.id", (cid,))
    if units:
        listed = "; ".join(f"#{u['id']} {u['name']} ({u['kind']})" for u in units)
        raise Conflict(f"client #{cid} is listed as a member of {listed}; if that listing was the error too, take "
                       f"it back first (therapy client join {units[0]['id']} {cid} --undo), or keep this record")
    record = client_record(db, cid)
    db.execute("PRAGMA secure_delete = ON")   # the row's text is overwritten in the file, not left in a free page
    members = db.execute("DELETE FROM memberships WHERE unit_id = ?", (cid,)).rowcount
    from therapy_cli.practice.retention import append_only_lifted

    with append_only_lifted(db):
        db.execute("DELETE FROM audit_reasons WHERE client_id = ?", (cid,))
    db.execute("DELETE FROM clients WHERE id = ?", (cid,))
    db.audit("remove", "client", cid, f"{client['kind']} client removed (added in error)"
             + (f" with its {members} member(s)' listing" if members else ""), cid)
    return {**record, "removed": True}


def _unit(db: Database, text: str) -> dict:
    unit = find_client(db, text)
    if unit["kind"] not in UNIT_KINDS:
        raise InvalidValue(f"#{unit['id']} is an individual client; join and leave apply to couples, families and groups")
    return unit


def _settle(db: Database, unit: dict, member: dict, row_id: int | None, joined: str | None, left: str | None,
            what: str, counted: dict | None = None, remove: bool = False) -> list[int]:
    """Write the membership `row_id` (None: a new one) of `member` in `unit` as running `joined` .. `left` (None:
    open), or delete it (`remove`: recorded in error), after the checks every joining, leaving and correction of
    those days shares; return the sessions whose record of `member` as absent was cleared (no longer a member that
    day, they were not expected there).

    `what` (`leaving on 2026-10-01`) names the change in a refusal. Refused inside the caller's transaction,
    so nothing is written. `counted` receives `gained` and `lost`: the attended sessions of the unit the member
    is counted at now and was not before, and the other way round (a day typed wrong rewrites their attendance),
    and `member`, their id."""
    if joined and left and left < joined and not remove:
        raise InvalidValue(f"leaving date {left} is before joining ({joined})")
    for other in [] if remove else db.query("SELECT joined_on, left_on FROM memberships WHERE unit_id = ? AND member_id = ? "
                          "AND id IS NOT ?", (unit["id"], member["id"], row_id)):
        if (other["joined_on"] or "") <= (left or "9999-12-31") and (other["left_on"] or "9999-12-31") >= (joined or ""):
            raise Conflict(f"#{member['id']} was also a member of #{unit['id']} from {other['joined_on'] or 'the start'} "
                           f"to {other['left_on'] or 'now'}; memberships of one unit cannot overlap (its sessions "
                           "would count twice)")
    if unit["kind"] == "couple" and not remove:
        # two members at most on every day of the span, not only its first
        for start in [joined or ""] + [r[0] for r in db.execute(
                "SELECT DISTINCT joined_on FROM memberships WHERE unit_id = ? AND joined_on > ? AND joined_on <= ? "
                "ORDER BY 1", (unit["id"], joined or "", left or "9999-12-31"))]:
            if db.scalar("SELECT count(*) FROM memberships WHERE unit_id = ? AND id IS NOT ? "
                         "AND (joined_on IS NULL OR joined_on <= ?) AND (left_on IS NULL OR left_on >= ?)",
                         (unit["id"], row_id, start, start)) >= 2:
                raise Conflict(f"couple #{unit['id']} already has two members on {start or joined}")
    from therapy_cli.practice.state import through_units

    # the unit's attended sessions the member is counted at: practice/state.py's presence, for this unit
    counted_at = (f"SELECT p.session_id, p.local_date FROM ({through_units('= :member')}) p "
                  "WHERE p.via_unit = :unit AND p.status = 'attended'")
    keys = {"unit": unit["id"], "member": member["id"]}
    before = {r[0]: r[1] for r in db.execute(counted_at, keys)}
    if remove:
        db.execute("DELETE FROM memberships WHERE id = ?", (row_id,))
    elif row_id is None:
        db.insert("memberships", {"unit_id": unit["id"], "member_id": member["id"], "joined_on": joined,
                                  "left_on": left})
    else:
        db.update("memberships", row_id, {"joined_on": joined, "left_on": left})
    # the unit's sessions this member no longer belongs to: an attended one must still have someone there
    # (`session attend` refuses a session every member missed), and an absence from one says nothing
    outside = ("SELECT s.id FROM sessions s WHERE s.client_id = :unit AND NOT EXISTS (SELECT 1 FROM memberships m "
               "WHERE m.unit_id = :unit AND m.member_id = :member AND (m.joined_on IS NULL OR m.joined_on <= "
               "s.local_date) AND (m.left_on IS NULL OR m.left_on >= s.local_date))")
    for session in db.query(f"SELECT id, local_date FROM sessions WHERE id IN ({outside}) AND status = 'attended' "
                            "ORDER BY starts_utc", keys):
        if session["id"] not in before:
            continue   # they were not counted at it: the change takes no one from it (one held with no member)
        present = [m for m in members_of(db, unit["id"], date.fromisoformat(session["local_date"]))
                   if not db.scalar("SELECT 1 FROM session_absences WHERE session_id = ? AND client_id = ?",
                                    (session["id"], m["id"]))]
        if not present:
            raise Conflict(f"{what} would leave session #{session['id']} on {session['local_date']} attended with "
                           "no member present (the others were recorded absent); "
                           + ("" if remove else "give the day they really "
                              f"{'left' if what.startswith('leaving') else 'joined'}, or ")
                           + f"correct that session first (therapy session attend {session['id']} --absent CLIENT "
                             "for who did not come, --absent '' if everyone did)")
    # a questionnaire they completed at one of those sessions says they were there (as `session attend --absent`
    # refuses): left on it, the unit's report would list it from a session they did not belong to
    taken = db.one(f"SELECT m.id, m.instrument, s.id AS session_id, s.local_date FROM measures m "
                   f"JOIN sessions s ON s.id = m.session_id WHERE m.client_id = :member AND s.id IN ({outside}) "
                   "ORDER BY s.starts_utc LIMIT 1", keys)
    if taken:
        raise Conflict(f"{what} would leave #{member['id']}'s {taken['instrument']} #{taken['id']} on session "
                       f"#{taken['session_id']} on {taken['local_date']}, which they no longer belonged to; "
                       + ("" if remove else "give the day they really "
                          f"{'left' if what.startswith('leaving') else 'joined'}, or ")
                       + f"if the questionnaire belongs to another session: therapy measure remove {taken['id']}, "
                         "and add it again first")
    died = member.get("died_on")
    if died and not remove:
        # no one is counted at a meeting after their death (`session attend` refuses one that would)
        late = db.one(f"SELECT session_id, local_date FROM ({counted_at}) WHERE local_date > :died "
                      "ORDER BY local_date LIMIT 1", {**keys, "died": died})
        if late:
            raise Conflict(f"{what} would count #{member['id']} at session #{late['session_id']} on "
                           f"{late['local_date']}, after their death ({died}); a membership ends by the day of "
                           "death at the latest")
    cleared = [r[0] for r in db.execute(f"SELECT session_id FROM session_absences WHERE client_id = :member "
                                        f"AND session_id IN ({outside}) ORDER BY session_id", keys)]
    db.execute(f"DELETE FROM session_absences WHERE client_id = :member AND session_id IN ({outside})", keys)
    if counted is not None:
        after = {r[0]: r[1] for r in db.execute(counted_at, keys)}
        counted["gained"] = sorted((day, sid) for sid, day in after.items() if sid not in before)
        counted["lost"] = sorted((day, sid) for sid, day in before.items() if sid not in after)
        counted["member"] = member["id"]
    return cleared


def _membership(db: Database, unit: dict, member: dict, *, open_only: bool) -> dict | None:
    """The member's latest membership of the unit (the open one, with `open_only`)."""
    return db.one("SELECT id, joined_on, left_on FROM memberships WHERE unit_id = ? AND member_id = ? "
                  + ("AND left_on IS NULL " if open_only else "")
                  + "ORDER BY left_on IS NULL DESC, left_on DESC, id DESC LIMIT 1", (unit["id"], member["id"]))


def units_going_on(db: Database, person: dict) -> list[dict]:
    """The couples, families and groups `person` (just discharged in their own right) still belongs to after
    the discharge day, that are not discharged themselves: meetings they may go on coming to, uncounted."""
    if person["kind"] != "individual" or not person.get("discharged_on"):
        return []
    from therapy_cli.practice.state import state_of

    rows = db.query("SELECT DISTINCT c.id, c.kind FROM memberships m JOIN clients c ON c.id = m.unit_id "
                    "WHERE m.member_id = ? AND (m.left_on IS NULL OR m.left_on > ?) AND c.erased_on IS NULL "
                    "ORDER BY c.id", (person["id"], person["discharged_on"]))
    return [r for r in rows if (state_of(db, r["id"]) or {}).get("status") != "discharged"]


def joining_warnings(unit: dict, member: dict) -> list[str]:
    """What a new membership does not change, said rather than refused (`client join`, `client add --member`):
    a person discharged in their own right stays discharged whatever unit sessions they attend (rule 1 of
    practice/state.py), and a discharged unit carries no one into therapy until it is reopened."""
    said = []
    if member["status"] == "discharged":
        again = ("" if member.get("died_on") else
                 f"; if they are starting therapy again: therapy client reopen {member['id']}")
        said.append(f"#{member['id']} was discharged on {member['discharged_on'] or 'an unrecorded day'} and stays "
                    f"discharged as a member of #{unit['id']}: off the caseload and reminders, whatever sessions of "
                    f"it they attend{again}")
    if unit["status"] == "discharged":
        said.append(f"#{unit['id']} was discharged on {unit['discharged_on'] or 'an unrecorded day'}: it takes no "
                    f"bookings and carries no one into therapy; if it is meeting again: therapy client reopen "
                    f"{unit['id']}")
    return said


def join(db: Database, unit_text: str, member_text: str, on: date | None = None, correct: bool = False,
         cleared: list[int] | None = None, counted: dict | None = None, warnings: list[str] | None = None) -> dict:
    """A member joins a unit from `on`; `correct`: the joining day of their latest membership was wrong.
    `cleared` receives the sessions whose record of them as absent no longer applies; `counted`, the attended
    sessions the change counts them at or no longer (`_settle`); `warnings`, what joining does not change
    (`joining_warnings`)."""
    unit = _unit(db, unit_text)
    member = find_client(db, member_text)
    _check_members([member], unit["id"])
    day = (on or db.today).isoformat()
    if member["referred_on"] and day < member["referred_on"]:
        # as a session of their own cannot be dated before the referral: the wait would run backwards
        raise InvalidValue(f"joining date {day} is before #{member['id']}'s referral ({member['referred_on']}); "
                           "give the day they joined, or correct the referral date (therapy client edit "
                           f"{member['id']} --referred-on DATE)")
    died = member.get("died_on")
    if died and day > died:   # no one joins after their death; a membership recorded late ends on it (below)
        raise InvalidValue(f"joining date {day} is after #{member['id']}'s death ({died})")
    if correct:
        row = _membership(db, unit, member, open_only=False)
        if row is None:
            raise Conflict(f"#{member['id']} has never been a member of #{unit['id']}; join without --correct")
        if row["joined_on"] == day:
            raise Conflict(f"#{member['id']} already joined #{unit['id']} on {day}; nothing to correct")
        gone = _settle(db, unit, member, row["id"], day, row["left_on"], f"joining on {day}", counted)
        db.audit("join", "client", unit["id"], f"member #{member['id']}'s joining day corrected from "
                 f"{row['joined_on'] or 'none'} to {day}" + _cleared_note(gone, "before"), unit["id"])
    else:
        open_row = _membership(db, unit, member, open_only=True)
        if open_row:
            raise Conflict(f"#{member['id']} already belongs to #{unit['id']}"
                           + (f" (since {open_row['joined_on']}); if that day was wrong: therapy client join "
                              f"{unit['id']} {member['id']} --on DATE --correct" if open_row["joined_on"] else ""))
        # a new membership runs from the day on: one that ended on or after it would count the same sessions twice
        until = db.scalar("SELECT max(left_on) FROM memberships WHERE unit_id = ? AND member_id = ? AND left_on >= ?",
                          (unit["id"], member["id"], day))
        if until:
            raise Conflict(f"#{member['id']} was a member of #{unit['id']} until {until}; a new membership starts "
                           "after that day (if that leaving day was wrong: therapy client leave "
                           f"{unit['id']} {member['id']} --on DATE --correct)")
        # a person who has died, recorded as a member late: the membership ends on the day of death, so no meeting
        # after it counts them (as `session attend` refuses one that would)
        gone = _settle(db, unit, member, None, day, died, f"joining on {day}", counted)
        db.audit("join", "client", unit["id"], f"member #{member['id']} joined on {day}"
                 + (f", membership ended on their death ({died})" if died else ""), unit["id"])
        if warnings is not None:
            warnings += joining_warnings(unit, member)
            if died:
                warnings.append(f"#{member['id']} died on {died}: their membership of #{unit['id']} runs from {day} "
                                "to that day")
    if cleared is not None:
        cleared += gone
    return client_record(db, unit["id"])


def leave(db: Database, unit_text: str, member_text: str, on: date | None = None, correct: bool = False,
          cleared: list[int] | None = None, counted: dict | None = None) -> dict:
    """A member leaves a unit on `on` (a member through that day); `correct`: the day they left was wrong.
    `cleared` receives the sessions after it whose record of them as absent no longer applies."""
    unit = _unit(db, unit_text)
    member = find_client(db, member_text)
    day = (on or db.today).isoformat()
    row = _membership(db, unit, member, open_only=not correct)
    if correct:
        if row is None or row["left_on"] is None:
            raise Conflict(f"#{member['id']} " + ("has not left" if row else "has never been a member of")
                           + f" #{unit['id']}; nothing to correct" + (" (leave without --correct)" if row else ""))
        if row["left_on"] == day:
            raise Conflict(f"#{member['id']} already left #{unit['id']} on {day}; nothing to correct")
    elif row is None:
        ended = _membership(db, unit, member, open_only=False)
        raise Conflict(f"#{member['id']} is not a current member of #{unit['id']}"
                       + (f" (left on {ended['left_on']}; if that day was wrong: therapy client leave {unit['id']} "
                          f"{member['id']} --on DATE --correct)" if ended else ""))
    gone = _settle(db, unit, member, row["id"], row["joined_on"], day, f"leaving on {day}", counted)
    if correct:
        db.audit("leave", "client", unit["id"], f"member #{member['id']}'s leaving day corrected from "
                 f"{row['left_on']} to {day}" + _cleared_note(gone, "after"), unit["id"])
    else:
        db.audit("leave", "client", unit["id"], f"member #{member['id']} left on {day}" + _cleared_note(gone, "after"),
                 unit["id"])
    if cleared is not None:
        cleared += gone
    return client_record(db, unit["id"])


def undo_join(db: Database, unit_text: str, member_text: str, cleared: list[int] | None = None,
              counted: dict | None = None) -> dict:
    """Delete the member's latest membership of the unit: it was recorded in error (the wrong person or the wrong
    group), so they are counted at none of its sessions and their absences from them go (`cleared`); a
    membership ended the same day it began would instead leave them seen, then discharged. Audited."""
    unit = _unit(db, unit_text)
    member = find_client(db, member_text)
    for client in (unit, member):
        refuse_erased(client, "its stub keeps its memberships for the counts")
    row = _membership(db, unit, member, open_only=False)
    if row is None:
        raise Conflict(f"#{member['id']} has never been a member of #{unit['id']}; nothing to undo")
    span = f"{row['joined_on'] or 'the start'} to {row['left_on'] or 'now'}"
    gone = _settle(db, unit, member, row["id"], row["joined_on"], row["left_on"], f"removing the membership "
                   f"({span})", counted, remove=True)
    db.audit("join", "client", unit["id"], f"member #{member['id']}'s membership ({span}) removed as recorded "
             "in error" + _cleared_note(gone, "within"), unit["id"])
    if cleared is not None:
        cleared += gone
    return client_record(db, unit["id"])


def _cleared_note(sessions: list[int], side: str) -> str:
    return f"; {len(sessions)} absence(s) {side} it cleared" if sessions else ""


def refer_out(db: Database, client: dict, contact_text: str, on: date | None = None,
              reason: str | None = None) -> dict:
    from therapy_cli.practice.contacts import find_contact

    # the stub keeps ids and dates for the counts; a referral would be new data about someone erased
    refuse_erased(client, "nothing about them can be added")
    contact = find_contact(db, contact_text)
    day = on or db.today
    check_not_future(day, db.today, "referral date")
    check_referral_after_birth(day.isoformat(), client.get("date_of_birth"))   # a year typed wrong
    check_within_life(day, None, client.get("died_on"), "referral date")   # no one is referred on after death
    if client.get("referred_on") and day.isoformat() < client["referred_on"]:   # a year typed wrong, most likely
        raise InvalidValue(f"referral out date {day.isoformat()} is before #{client['id']}'s referral in "
                           f"({client['referred_on']}); the referral in comes first")
    # the same referral typed twice would count twice in the contact's and the referrals report's figures
    twin = db.scalar("SELECT id FROM referrals_out WHERE client_id = ? AND contact_id = ? AND referred_on = ?",
                     (client["id"], contact["id"], day.isoformat()))
    if twin is not None:
        raise Conflict(f"{client['name']} is already recorded as referred to {contact['name']} on "
                       f"{day.isoformat()} (referral #{twin})")
    reason = clean_text(reason, "reason", 500)   # printed as stored (blank: none)
    referral_id = db.insert("referrals_out", {
        "client_id": client["id"], "contact_id": contact["id"], "referred_on": day.isoformat(),
        "reason": reason, "created_at": utc_now()})
    db.audit("refer", "referral", referral_id, f"referred to contact #{contact['id']}", client["id"])
    return {"id": referral_id, "client_id": client["id"], "contact_id": contact["id"],
            "contact_name": contact["name"], "referred_on": day.isoformat(), "reason": reason}


def units_of(db: Database, client_id: int) -> list[dict]:
    return db.query("SELECT c.id, c.name, c.kind, m.joined_on, m.left_on FROM memberships m "
                    "JOIN clients c ON c.id = m.unit_id WHERE m.member_id = ? ORDER BY m.id", (client_id,))


def client_detail(db: Database, client: dict) -> dict:
    """What `client show` shows: the record, attendance, plan, scores, referrals, supervision dates."""
    record = client_record(db, client["id"])
    cid = client["id"]
    if record["died_on"] and record["died_on"] > db.today.isoformat():
        record["died_on"] = None        # a day replayed before the death (--today): alive that day, as it is active
    from therapy_cli.practice.state import presence_of

    # every session the person was at: their own and, as a member, their units' (practice/state.py); what
    # happened is counted up to today (a replayed `--today` shows that day's counts, as the caseload does),
    # what is booked is every session still scheduled
    now = db.today.isoformat()
    row = db.one(
        "SELECT "
        "sum(status = 'attended' AND local_date <= :now) AS attended, "
        "sum(status = 'dna' AND local_date <= :now) AS dna, "
        "sum(status = 'cancelled' AND local_date <= :now) AS cancelled, "
        "sum(status = 'late-cancelled' AND local_date <= :now) AS late_cancelled, "
        "sum(status = 'scheduled') AS scheduled, "
        "sum(status = 'attended' AND local_date <= :now AND via_unit IS NOT NULL) AS attended_in_units, "
        "max(CASE WHEN status = 'attended' AND local_date <= :now THEN starts_utc END) AS last, "
        "min(CASE WHEN status = 'scheduled' AND local_date >= :now THEN starts_utc END) AS next "
        f"FROM {presence_of(':person')}", {"now": now, "person": cid})
    # by the UTC instant (offsets differ across DST), shown in the practice zone
    last, upcoming = (dates.iso(datetime.fromisoformat(t).astimezone(db.tz)) if t else None
                      for t in (row["last"], row["next"]))
    record["sessions"] = {
        **{k: row[k] or 0 for k in ("attended", "dna", "cancelled", "late_cancelled", "scheduled")},
        "attended_in_units": row["attended_in_units"] or 0, "last": last, "next": upcoming,
    }
    record["units"] = units_of(db, cid)
    record["referrals_out"] = db.query(
        "SELECT r.id, r.referred_on, r.contact_id, c.name AS contact_name, r.reason FROM referrals_out r "
        "JOIN contacts c ON c.id = r.contact_id WHERE r.client_id = ? ORDER BY r.referred_on", (cid,))
    record["supervision_dates"] = [r["on_date"] for r in db.query(
        "SELECT DISTINCT s.on_date FROM supervision_cases sc JOIN supervision s ON s.id = sc.supervision_id "
        "WHERE sc.client_id = ? ORDER BY s.on_date", (cid,))]
    for extend in DETAIL_SECTIONS:
        extend(db, record)
    return record


# Other domains add their part of `client show` here (plans, measures, ...).
DETAIL_SECTIONS: list = []


def export_client(db: Database, client: dict) -> dict:
    """Everything held about a client: a subject access request."""
    from therapy_cli.practice.state import recorded_absent
    from therapy_cli.storage.maintenance import audit_rows

    cid = client["id"]
    # everything held, whatever day is replayed (--today): a discharge after that day and its reason are held too
    held = db.scalar("SELECT discharged_on FROM clients WHERE id = ?", (cid,))
    record = client_record(db, cid, max(db.today, date.fromisoformat(held)) if held else None)
    unit_ids = [u["id"] for u in units_of(db, cid)]
    # their own sessions, and a couple's, family's or group's only on days they belonged and came: a session
    # before they joined, after they left or that they missed is the other members' (its notes above all)
    session_rows = db.query(
        "SELECT s.* FROM sessions s WHERE s.client_id = :cid UNION "
        "SELECT s.* FROM memberships m JOIN sessions s ON s.client_id = m.unit_id WHERE m.member_id = :cid "
        "  AND (m.joined_on IS NULL OR m.joined_on <= s.local_date) AND (m.left_on IS NULL OR m.left_on >= s.local_date) "
        f"  AND NOT {recorded_absent(person=':cid')} ORDER BY starts_utc", {"cid": cid})
    session_ids = [s["id"] for s in session_rows]
    # their absences from a unit's sessions are theirs; a unit's own export keeps its members' absences
    absences = (_rows_for(db, "session_absences", "session_id", session_ids) if client["kind"] != "individual"
                else db.query("SELECT * FROM session_absences WHERE client_id = ? ORDER BY session_id", (cid,)))
    notes = _rows_for(db, "notes", "session_id", session_ids, order="id")
    goals = db.query("SELECT * FROM goals WHERE client_id = ? ORDER BY id", (cid,))
    ratings = _rows_for(db, "goal_ratings", "goal_id", [g["id"] for g in goals], order="id")
    plans = db.query("SELECT * FROM plans WHERE client_id = ? ORDER BY version", (cid,))
    for plan in plans:
        plan["problems"] = json.loads(plan["problems"] or "[]")
    measures = db.query("SELECT * FROM measures WHERE client_id = ? ORDER BY taken_on, id", (cid,))
    for measure in measures:
        measure["items"] = json.loads(measure["items"]) if measure["items"] else None
    export = {
        "exported_at": utc_now(),
        "client": record,
        "memberships": db.query("SELECT * FROM memberships WHERE unit_id = ? OR member_id = ? ORDER BY id",
                                (cid, cid)),
        "sessions": session_rows,
        "absences": absences,
        "notes": notes,
        "plans": plans,
        "plan_reviews": db.query("SELECT * FROM plan_reviews WHERE client_id = ? ORDER BY id", (cid,)),
        "goals": goals,
        "goal_ratings": ratings,
        "measures": measures,
        "risk_assessments": db.query("SELECT * FROM risk_assessments WHERE client_id = ? ORDER BY assessed_on, id",
                                     (cid,)),
        "safety_plans": db.query("SELECT * FROM safety_plans WHERE client_id = ? ORDER BY version", (cid,)),
        "referral_in": {"referred_on": record["referred_on"], "source": record["referral_source"],
                        "contact_id": record["referred_by"], "contact_name": record["referred_by_name"]},
        "referrals_out": db.query(
            "SELECT r.*, c.name AS contact_name FROM referrals_out r JOIN contacts c ON c.id = r.contact_id "
            "WHERE r.client_id = ? ORDER BY r.id", (cid,)),
        "supervision": db.query(
            "SELECT s.id, s.on_date, s.duration_min, s.group_size FROM supervision_cases sc "
            "JOIN supervision s ON s.id = sc.supervision_id WHERE sc.client_id = ? ORDER BY s.on_date", (cid,)),
        "reminders_sent": db.query("SELECT * FROM client_reminders WHERE client_id = ? ORDER BY id", (cid,)),
        "audit": audit_rows(db, cid),   # each summary with the reason typed for it (audit_reasons)
    }
    from therapy_cli.practice.fees import fees_section
    from therapy_cli.practice.invoices import invoices_of

    # their fee and who pays (an employer, an insurer) are held about them too, invoiced yet or not: as in
    # `client show`, only where fees are in use for this client
    fees_section(db, record)

    # a unit's invoices only where they bill a session the person was at
    mine = set(session_ids)
    billed = [inv for inv in invoices_of(db, [cid, *unit_ids])
              if inv["client_id"] == cid or any(line["session_id"] in mine for line in inv["lines"])]
    if billed:  # only where fees are in use: an NHS-only file exports as before
        export["invoices"] = billed
    return export


def _rows_for(db: Database, table: str, column: str, ids: list[int], order: str | None = None) -> list[dict]:
    if not ids:
        return []
    rows: list[dict] = []
    for chunk, marks in id_chunks(ids):
        sql = f"SELECT * FROM {table} WHERE {column} IN ({marks})"
        if order:
            sql += f" ORDER BY {order}"
        rows += db.query(sql, chunk)
    return rows


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _plan_and_measures_section(db: Database, record: dict) -> None:
    """`client show`: current plan, goals, review due, latest scores and the PHQ-9 risk flag (lazy imports)."""
    from therapy_cli.clinical import measures
    from therapy_cli.clinical import plans
    from therapy_cli.clinical import risk

    plans.detail_section(db, record)
    measures.detail_section(db, record)
    risk.detail_section(db, record)


DETAIL_SECTIONS.append(_plan_and_measures_section)


def _fees_section(db: Database, record: dict) -> None:
    from therapy_cli.practice.fees import fees_section

    fees_section(db, record)


DETAIL_SECTIONS.append(_fees_section)
