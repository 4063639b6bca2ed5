"""Sessions: appointments, recurring series, attendance, training groups and append-only notes.

Times are entered in the practice zone (the `timezone` setting) and stored three
ways: `starts_at` as ISO 8601 with the zone's offset (what the practitioner
booked), `starts_utc`/`ends_utc` in UTC (ordering and double-booking checks on
plain string comparison), and `local_date` (period reports).

Functions take a `Database` inside the command's transaction and return plain
dicts; they raise `TherapyError` subclasses and never print. Things worth
telling the practitioner that are not errors are appended to `warnings`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import islice

from therapy_cli import dates
from therapy_cli.practice.clients import UNIT_KINDS, find_client, members_of
from therapy_cli.validation import clean_name, clean_note, clean_text
from therapy_cli.storage.db import Database, id_chunks, utc_now
from therapy_cli.errors import Conflict, InvalidValue, NotFound, WrongForm

from therapy_cli.vocab import CANCELLED_BY, PAST_ONLY, choose
from therapy_cli.vocab import SESSION_MODES as MODES, SESSION_STATUSES as STATUSES, SESSION_TYPES as TYPES

# Statuses that occupy the practitioner's time: a new booking may not overlap them.
BLOCKING = ("scheduled", "attended")
MIN_DURATION, MAX_DURATION = 5, 600
MAX_SERIES = 520
MAX_PARTICIPANTS = 10_000
MAX_NOTE = 20_000
# A recurrence rule is searched this far ahead at most, so that a rule that can
# never (or rarely) match cannot spin for ever.
SERIES_HORIZON_YEARS = 50

EVERY = {
    "week": ("WEEKLY", 1), "weekly": ("WEEKLY", 1),
    "fortnight": ("WEEKLY", 2), "fortnightly": ("WEEKLY", 2),
    "month": ("MONTHLY", 1), "monthly": ("MONTHLY", 1),
}
RRULE_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")

SESSION_COLUMNS = ["id", "when", "duration_min", "who", "status", "type", "mode", "notes_count"]


# -- validation (shared with bulk import) -------------------------------------

def check_duration(minutes, what: str = "duration") -> int:
    """A whole number of minutes from 5 to 600."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        try:
            minutes = int(str(minutes).strip())
        except ValueError:
            raise InvalidValue(f"{what} {minutes!r} is not a whole number of minutes (5 to 600)") from None
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidValue(f"{what} must be {MIN_DURATION} to {MAX_DURATION} minutes, not {minutes}")
    return minutes


def validate_session_fields(duration_min=None, status: str | None = None, mode: str | None = None,
                            type: str | None = None, cancelled_by: str | None = None) -> dict:
    """Check the plain fields of a session; return them cleaned (only those given).

    Used by `session add` and by bulk import, so both accept exactly the same values.
    """
    fields: dict = {}
    if duration_min is not None:
        fields["duration_min"] = check_duration(duration_min)
    if status is not None:
        fields["status"] = choose(status, STATUSES, "status")
    if mode is not None:
        fields["mode"] = choose(mode, MODES, "mode")
    if type is not None:
        fields["type"] = choose(type, TYPES, "type")
    if cancelled_by is not None:
        fields["cancelled_by"] = choose(cancelled_by, CANCELLED_BY, "cancelled by")
    return fields


def _end(start: datetime, duration_min: int) -> datetime:
    """The end in the start's zone after `duration_min` elapsed minutes.

    Aware arithmetic in one zone is wall-clock arithmetic, so a session at 01:30 on
    the night the clocks go back would otherwise end 110 minutes later; go via UTC.
    """
    return (start.astimezone(timezone.utc) + timedelta(minutes=duration_min)).astimezone(start.tzinfo)


def session_times(start: datetime, duration_min: int) -> dict:
    """The stored time columns for an aware start and a duration."""
    if start.tzinfo is None:
        raise InvalidValue("a session start needs a time zone")
    end = _end(start, duration_min)
    return {"starts_at": dates.iso(start), "starts_utc": dates.utc_iso(start), "ends_utc": dates.utc_iso(end),
            "local_date": start.date().isoformat(), "duration_min": duration_min}


def default_status(day: date, today: date) -> str:
    """SPEC: attended when the session's date is before today, else scheduled."""
    return "attended" if day < today else "scheduled"


def check_status_date(status: str, day: date, today: date, what: str = "the session") -> None:
    if status in PAST_ONLY and day > today:
        raise InvalidValue(f"{what} is on {day.isoformat()}, after today ({today.isoformat()}); "
                           f"it can be marked {status} from that day on")


_check_status_date = check_status_date  # its name before the importer shared it


# -- double booking -------------------------------------------------------------

def find_clashes(db: Database, starts_utc: str, ends_utc: str, exclude_id: int | None = None) -> list[dict]:
    """Scheduled or attended sessions overlapping [start, end). Back-to-back is no clash.

    The lower bound on starts_utc (no session is longer than MAX_DURATION) keeps
    this an index range scan on a file with a million sessions.
    """
    lower = dates.utc_iso(datetime.fromisoformat(starts_utc) - timedelta(minutes=MAX_DURATION))
    return db.query(
        "SELECT id, starts_at, duration_min, status, kind FROM sessions "
        "WHERE starts_utc < ? AND starts_utc > ? AND ends_utc > ? AND status IN ('scheduled', 'attended') "
        "AND id != ? ORDER BY starts_utc LIMIT 5",
        (ends_utc, lower, starts_utc, exclude_id if exclude_id is not None else -1))


def describe_slot(starts_at: str, duration_min: int, tz=None) -> str:
    """`2026-11-03 14:00-14:50`, in the practice zone when `tz` is given; across a change of the clocks
    each end says its offset (`2026-10-25 01:40 BST-01:20 GMT`: 40 minutes, not a negative span)."""
    start = datetime.fromisoformat(starts_at)
    if tz is not None:
        start = start.astimezone(tz)
    end = _end(start, duration_min)
    if start.utcoffset() != end.utcoffset():
        return f"{start:%Y-%m-%d %H:%M %Z}-{end:%H:%M %Z}"
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"


def _clash_text(clash: dict, tz=None) -> str:
    what = "training group" if clash["kind"] == "training" else "session"
    slot = describe_slot(clash["starts_at"], clash["duration_min"], tz)
    if clash.get("line"):   # a row of the file being imported: its id was never written
        return f"the {what} on line {clash['line']} at {slot} ({clash['status']})"
    return f"{what} #{clash['id']} at {slot} ({clash['status']})"


def check_no_clash(db: Database, times: dict, exclude_id: int | None = None) -> None:
    refuse_clashes(times, find_clashes(db, times["starts_utc"], times["ends_utc"], exclude_id), db.tz)


def refuse_clashes(times: dict, clashes: list[dict], tz=None) -> None:
    """The one refusal of a double booking, for `session add`/`move`/`schedule` and import alike."""
    if clashes:
        listed = "; ".join(_clash_text(c, tz) for c in clashes)
        raise Conflict(f"{describe_slot(times['starts_at'], times['duration_min'], tz)} overlaps {listed}; "
                       "nothing was booked (use --allow-overlap to book it anyway)")


def check_not_booked_twice(db: Database, client_id: int, all_times: list[dict], change: str | None = None) -> None:
    """A client's booking at a start where they already have a scheduled or attended session is the same
    booking again (a command run twice from the shell history), whatever --allow-overlap says: it would count
    twice. Import refuses the same row alike (`already has session`); `change` names a correction (a move, a
    cancellation taken back) that would put the client there twice."""
    starts = [t["starts_utc"] for t in all_times]
    twins = []
    for i in range(0, len(starts), 500):
        chunk = starts[i:i + 500]
        twins += db.query(f"SELECT id, starts_at, status FROM sessions WHERE client_id = ? AND kind = 'client' "
                          f"AND status IN ('scheduled', 'attended') AND starts_utc IN ({','.join('?' * len(chunk))}) "
                          "ORDER BY starts_utc", (client_id, *chunk))
    if twins:
        listed = "; ".join(f"#{t['id']} at {datetime.fromisoformat(t['starts_at']).astimezone(db.tz):%Y-%m-%d %H:%M} "
                           f"({t['status']})"
                           for t in twins[:5]) + (f"; and {len(twins) - 5} more" if len(twins) > 5 else "")
        if change:
            raise Conflict(f"client #{client_id} already has session{'s' if len(twins) > 1 else ''} {listed}; "
                           f"{change} would count them twice at one time (--allow-overlap does not put a client "
                           "twice at one time); nothing was changed")
        raise Conflict(f"client #{client_id} already has session{'s' if len(twins) > 1 else ''} {listed}: the "
                       "same booking again (run twice?); nothing was booked (--allow-overlap does not book a "
                       "client twice at one time)")


def check_training_not_twice(db: Database, title: str, starts_utc: str, change: str | None = None) -> None:
    """A training group with the title and start of one scheduled or attended is the same group again (run
    twice from the shell history), whatever --allow-overlap says: its hours and participants would count twice.
    Import refuses the same row alike; `change` names a correction (a move, a cancellation taken back) that
    would put it there twice."""
    twin = db.one("SELECT id, starts_at, status FROM sessions WHERE kind = 'training' AND title = ? "
                  "AND starts_utc = ? AND status IN ('scheduled', 'attended') ORDER BY id LIMIT 1", (title, starts_utc))
    if twin is None:
        return
    held = (f"training group #{twin['id']} has the same title and start, "
            f"{datetime.fromisoformat(twin['starts_at']).astimezone(db.tz):%Y-%m-%d %H:%M} ({twin['status']})")
    if change:
        raise Conflict(f"{held}; {change} would count it twice (--allow-overlap does not put one group twice at one "
                       "time); nothing was changed")
    raise Conflict(f"{held}: the same group again (run twice?); nothing was booked (--allow-overlap does not book "
                   "one group twice)")


# -- records -----------------------------------------------------------------

_RECORD_SQL = ("SELECT s.*, c.name AS client_name, c.kind AS client_kind FROM sessions s "
               "LEFT JOIN clients c ON c.id = s.client_id")


def _records(db: Database, rows: list[dict]) -> list[dict]:
    """Session rows (with client_name) → SPEC records, absences and note counts fetched in batches."""
    ids = [r["id"] for r in rows]
    absent: dict[int, list[int]] = {}
    notes: dict[int, int] = {}
    for chunk, marks in id_chunks(ids):
        for row in db.execute(f"SELECT session_id, client_id FROM session_absences WHERE session_id IN ({marks}) "
                              "ORDER BY client_id", chunk):
            absent.setdefault(row[0], []).append(row[1])
        for row in db.execute(f"SELECT session_id, count(*) FROM notes WHERE session_id IN ({marks}) "
                              "AND amends_note_id IS NULL GROUP BY session_id", chunk):
            notes[row[0]] = row[1]
    tz = db.tz
    records = []
    for row in rows:
        # shown in the practice zone, whatever zone the session was entered in
        starts_at = datetime.fromisoformat(row["starts_utc"]).astimezone(tz)
        ends_at = datetime.fromisoformat(row["ends_utc"]).astimezone(tz)
        records.append({
            "id": row["id"],
            "kind": row["kind"],
            "client_id": row["client_id"],
            "client_name": row["client_name"],
            "starts_at": dates.iso(starts_at),
            "ends_at": dates.iso(ends_at),
            "local_date": row["local_date"],
            "duration_min": row["duration_min"],
            "status": row["status"],
            "cancelled_by": row["cancelled_by"],
            "mode": row["mode"],
            "type": row["type"] if row["kind"] == "client" else None,  # the column's default means nothing here
            # kept through a correction to another status, an absence counts only at an attended session
            "absent": absent.get(row["id"], []) if row["status"] == "attended" else [],
            "title": row["title"],
            "audience": row["audience"],
            "participants": row["participants"],
            "series_id": row["series_id"],
            "notes_count": notes.get(row["id"], 0),
        })
    return records


def session_record(db: Database, session_id: int) -> dict:
    """One session as SPEC's JSON (id, client_id, starts_at, duration_min, status, mode, type, absent, ...)."""
    row = db.one(_RECORD_SQL + " WHERE s.id = ?", (session_id,))
    if row is None:
        raise NotFound(f"no session with id {session_id}")
    return _records(db, [row])[0]


def get_session(db: Database, session_id: int) -> dict:
    row = db.one("SELECT * FROM sessions WHERE id = ?", (session_id,))
    if row is None:
        raise NotFound(f"no session with id {session_id}; see `therapy session list`")
    return row


# -- the client's status ----------------------------------------------------------

def _client(db: Database, client) -> dict:
    """A client from an id (int), an id or name fragment (str), or a client row (dict)."""
    if isinstance(client, dict):
        return client
    if isinstance(client, int):
        return db.get("clients", client, "client")
    return find_client(db, client)


def _bookable_client(db: Database, client_text_or_row, status: str, first_day: date, last_day: date) -> dict:
    """The client, when a session of `status` can be recorded for them from `first_day` to `last_day` (a death
    first: a deceased client is discharged, and reopening them is refused)."""
    client = _client(db, client_text_or_row)
    check_before_death(client, status, last_day)
    check_after_referral(client, first_day)
    check_members_referred(db, client, first_day)
    check_bookable(client, status)
    return client


def check_after_referral(client: dict, day: date | str) -> None:
    """No session of a client's own before their referral date: the wait from referral would run backwards
    and count as within six weeks (as `client edit --referred-on` refuses a referral after the first session)."""
    day = day if isinstance(day, str) else day.isoformat()
    referred = client.get("referred_on")
    if referred and day < referred:
        raise InvalidValue(f"the session on {day} is before client #{client['id']}'s referral ({referred}); the "
                           f"referral comes first: if it was earlier, correct it (therapy client edit "
                           f"{client['id']} --referred-on {day})")


def check_members_referred(db: Database, unit: dict, day: date) -> None:
    """check_after_referral for the members of a couple, family or group who belong on `day` (one named at
    `client add --member` belongs from the start): a member counted at a meeting before their own referral
    would have a wait that runs backwards."""
    if unit.get("kind", "individual") == "individual":
        return
    on = day.isoformat()
    late = db.one("SELECT c.id, c.referred_on FROM memberships m JOIN clients c ON c.id = m.member_id "
                  "WHERE m.unit_id = :unit AND (m.joined_on IS NULL OR m.joined_on <= :on) "
                  "AND (m.left_on IS NULL OR m.left_on >= :on) AND c.referred_on > :on ORDER BY c.id LIMIT 1",
                  {"unit": unit["id"], "on": on})
    if late:
        raise InvalidValue(f"member #{late['id']} of #{unit['id']} was referred on {late['referred_on']}, after the "
                           f"session on {on}, but belongs that day: their wait from referral would run backwards; "
                           f"give the day they joined (therapy client join {unit['id']} {late['id']} --on "
                           f"{late['referred_on']} --correct) or correct the referral (therapy client edit "
                           f"{late['id']} --referred-on {on})")


def check_members_alive(db: Database, unit: dict, day: date, absent_ids: list[int]) -> None:
    """check_before_death for the members of a couple, family or group: one who belongs on `day`, died before it
    and is not recorded absent would be counted at an attended session after their death (clients seen, their
    sessions); their membership ends with the death."""
    if unit.get("kind", "individual") == "individual":
        return
    on = day.isoformat()
    for member in db.query("SELECT c.id, c.died_on FROM memberships m JOIN clients c ON c.id = m.member_id "
                           "WHERE m.unit_id = :unit AND (m.joined_on IS NULL OR m.joined_on <= :on) "
                           "AND (m.left_on IS NULL OR m.left_on >= :on) AND c.died_on < :on ORDER BY c.id",
                           {"unit": unit["id"], "on": on}):
        if member["id"] not in absent_ids:
            raise Conflict(f"member #{member['id']} of #{unit['id']} died on {member['died_on']}, before the session "
                           f"on {on}, but still belongs to it and would be counted at it: end their membership "
                           f"(therapy client leave {unit['id']} {member['id']} --on {member['died_on']})")


def check_bookable(client: dict, status: str) -> None:
    """An erased client takes no sessions, a discharged one no scheduled sessions (`session add`, import)."""
    if client.get("erased_on"):
        raise Conflict(f"client #{client['id']} has been erased; no sessions can be added")
    if client["status"] == "discharged" and status == "scheduled":
        raise Conflict(f"client #{client['id']} is discharged; reopen them first "
                       f"(therapy client reopen {client['id']}) to book sessions")


def check_before_death(client: dict | None, status: str, day: date | str) -> None:
    """No session of a client who has died is booked, attended or missed after the date of death (a booking made
    before and cancelled stays on record). The rule `measure add` and `risk assess` keep for their dates."""
    died = (client or {}).get("died_on")
    day = day if isinstance(day, str) else day.isoformat()
    if died and day > died and status in ("scheduled", "attended", "dna"):
        raise Conflict(f"client #{client['id']} died on {died}; a session on {day} cannot be {status} "
                       "(a booking after that day can only be cancelled)")


def mark_attended(db: Database, client_id: int | None, day: date | str, warnings: list | None = None) -> None:
    """A client becomes active at its first attended session; first_attended_on is the earliest such day."""
    if client_id is None:
        return
    day = day if isinstance(day, str) else day.isoformat()
    client = db.one("SELECT id, status, first_attended_on FROM clients WHERE id = ?", (client_id,))
    changes: dict = {}
    if not client["first_attended_on"] or client["first_attended_on"] > day:
        changes["first_attended_on"] = day
    if client["status"] == "waiting":
        changes["status"] = "active"
    elif client["status"] == "discharged" and warnings is not None:
        warnings.append(f"client #{client_id} is discharged and stays so; "
                        f"`therapy client reopen {client_id}` makes them active again")
    if changes:
        db.update("clients", client_id, changes)
        if "status" in changes:
            db.audit("activate", "client", client_id, f"active from first attended session on {day}", client_id)


def unmark_attended(db: Database, client_id: int | None, day: str) -> None:
    """After a session stops counting as attended (or moves): keep first_attended_on true."""
    if client_id is None:
        return
    client = db.one("SELECT id, status, first_attended_on FROM clients WHERE id = ?", (client_id,))
    if client["first_attended_on"] != day:
        return
    first = db.scalar("SELECT min(local_date) FROM sessions WHERE client_id = ? AND status = 'attended'",
                      (client_id,))
    changes: dict = {"first_attended_on": first}
    if first is None and client["status"] == "active":
        changes["status"] = "waiting"
    db.update("clients", client_id, changes)
    if "status" in changes:
        db.audit("deactivate", "client", client_id, "back to waiting: no attended session left", client_id)


# -- absences -----------------------------------------------------------------------

def resolve_absent(db: Database, client: dict, texts: list[str] | None, day: date) -> list[int]:
    """Members of a couple, family or group who did not come, as client ids; members as of `day`. `--absent ''`
    alone says nobody was (correcting an attended session's absences to none)."""
    if not texts or all(not (text or "").strip() for text in texts):
        return []
    if client["kind"] not in UNIT_KINDS:
        raise InvalidValue(f"#{client['id']} is an individual client; --absent names members of a couple, "
                           "family or group")
    members = members_of(db, client["id"], on=day)
    ids: list[int] = []
    for text in texts:
        value = (text or "").strip()
        if value.isascii() and value.isdigit():
            matches = [m for m in members if m["id"] == int(value)]
        else:
            matches = [m for m in members if value and value.lower() in m["name"].lower()]
            exact = [m for m in matches if m["name"].lower() == value.lower()]
            matches = exact or matches
        if len(matches) > 1:
            listed = ", ".join(f"#{m['id']} {m['name']}" for m in matches)
            raise InvalidValue(f"--absent {value!r} matches {len(matches)} members: {listed}; use the id")
        if not matches:
            other = find_client(db, value)  # NotFound / Ambiguous for names that are nobody
            raise InvalidValue(f"#{other['id']} is not a member of #{client['id']} on {day.isoformat()}")
        if matches[0]["id"] in ids:
            raise InvalidValue(f"#{matches[0]['id']} is named twice with --absent")
        ids.append(matches[0]["id"])
    if len(ids) == len(members):
        raise InvalidValue("every member was absent; record the session as a DNA instead")
    return ids


def _check_not_absent_with_measure(db: Database, session_id: int, ids: list[int] | None) -> None:
    """A member who completed a questionnaire at the session was there: recording them absent would leave the
    measure on a session they missed, which `measure add --session` refuses."""
    if not ids:
        return
    taken = db.one(f"SELECT id, client_id, instrument FROM measures WHERE session_id = ? AND client_id IN "
                   f"({','.join('?' * len(ids))}) ORDER BY id LIMIT 1", (session_id, *ids))
    if taken:
        raise Conflict(f"#{taken['client_id']} has {taken['instrument']} #{taken['id']} recorded at session "
                       f"#{session_id}, so was there; if they were absent, that questionnaire belongs to another "
                       f"session: 'therapy measure remove {taken['id']}' and add it again first")


def _set_absences(db: Database, session_id: int, ids: list[int]) -> None:
    db.execute("DELETE FROM session_absences WHERE session_id = ?", (session_id,))
    for client_id in ids:
        db.insert("session_absences", {"session_id": session_id, "client_id": client_id})


# -- adding sessions ------------------------------------------------------------------

def add_session(db: Database, client, start: datetime, duration_min: int | None = None,
                status: str | None = None, mode: str = "in-person", type: str = "treatment",
                absent: list[str] | None = None, note: str | None = None, allow_overlap: bool = False,
                cancelled_by: str | None = None, warnings: list | None = None) -> dict:
    """One session for a client (id, name fragment or client row). Returns the session record."""
    day = start.date()
    fields = validate_session_fields(
        duration_min if duration_min is not None else db.setting("session.duration"),
        status or default_status(day, db.today), mode, type, cancelled_by)
    status = fields["status"]
    check_status_date(status, day, db.today)
    client = _bookable_client(db, client, status, day, day)
    if absent and status != "attended":
        raise InvalidValue("--absent names members who missed an attended session; the status is " + status)
    absent_ids = resolve_absent(db, client, absent, day)
    if status == "attended":
        check_members_alive(db, client, day, absent_ids)
    times = session_times(start, fields["duration_min"])
    if status in BLOCKING:
        check_not_booked_twice(db, client["id"], [times])
    if status in BLOCKING and not allow_overlap:
        check_no_clash(db, times)
    if status in ("cancelled", "late-cancelled"):
        fields.setdefault("cancelled_by", "client")
    elif "cancelled_by" in fields:
        raise InvalidValue(f"--by says who cancelled; it goes with --status cancelled or late-cancelled, not {status}")
    session_id = db.insert("sessions", {"kind": "client", "client_id": client["id"], **times, **fields,
                                        "created_at": utc_now()})
    _set_absences(db, session_id, absent_ids)
    db.audit("add", "session", session_id, f"{status} session at {times['starts_at']}", client["id"])
    if status == "attended":
        mark_attended(db, client["id"], day, warnings)
    if note:
        add_note(db, session_id, note)
    _far_ahead(db, session_id, day, "a session on", warnings)
    return session_record(db, session_id)


def _far_ahead(db: Database, session_id: int, day: date, what: str, warnings: list | None) -> None:
    from therapy_cli.validation import far_ahead

    text = far_ahead(day, db.today, what)
    if text and warnings is not None:
        warnings.append(f"{text}: therapy session move {session_id} --to 'YYYY-MM-DD HH:MM'")


def training_fields(title=None, audience=None, participants=None) -> dict:
    """A training group's title, audience and number of participants, checked (those given; `add_training`
    gives all three, `session edit` those being corrected)."""
    fields: dict = {}
    if title is not None:
        fields["title"] = clean_name(title, "title")
    if audience is not None:
        fields["audience"] = clean_text(audience, "audience", 200)
        if not fields["audience"]:
            raise InvalidValue("--audience must say who the training is for (e.g. 'GP trainees')")
    if participants is not None:
        if isinstance(participants, bool) or not isinstance(participants, int) \
                or not 1 <= participants <= MAX_PARTICIPANTS:
            raise InvalidValue(f"--participants must be 1 to {MAX_PARTICIPANTS}, not {participants}")
        fields["participants"] = participants
    return fields


def add_training(db: Database, title: str, start: datetime, duration_min, audience: str | None,
                 participants: int, status: str | None = None, mode: str = "in-person",
                 allow_overlap: bool = False, warnings: list | None = None) -> dict:
    """A training group for other professionals: no client; counts as training, never clinical, hours."""
    day = start.date()
    fields = validate_session_fields(duration_min, status or default_status(day, db.today), mode)
    if fields["status"] == "dna":
        raise InvalidValue("a training group cannot be a DNA; use cancelled")
    check_status_date(fields["status"], day, db.today)
    title, audience, participants = (training_fields(title, audience, participants)[k]
                                     for k in ("title", "audience", "participants"))
    times = session_times(start, fields["duration_min"])
    if fields["status"] in BLOCKING:
        check_training_not_twice(db, title, times["starts_utc"])
    if fields["status"] in BLOCKING and not allow_overlap:
        check_no_clash(db, times)
    if fields["status"] in ("cancelled", "late-cancelled"):
        fields["cancelled_by"] = "therapist"
    session_id = db.insert("sessions", {"kind": "training", "client_id": None, **times, **fields,
                                        "title": title, "audience": audience, "participants": participants,
                                        "created_at": utc_now()})
    db.audit("add", "session", session_id, f"training group at {times['starts_at']}")
    _far_ahead(db, session_id, day, "a training group on", warnings)
    return session_record(db, session_id)


# -- recurring series ---------------------------------------------------------------------

# RFC 5545's ranges for the numbered BY parts (negative counts from the end, except months); dateutil reads
# BYMONTHDAY=0 as no filter at all, so FREQ=MONTHLY;BYMONTHDAY=0 booked a meeting every day
_RFC_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST")
_BY_RANGES = {"BYMONTHDAY": (31, True), "BYYEARDAY": (366, True), "BYWEEKNO": (53, True), "BYMONTH": (12, False)}


def _check_by_parts(parts: dict[str, str]) -> None:
    for key, (most, negative) in _BY_RANGES.items():
        for value in filter(None, (v.strip() for v in parts.get(key, "").split(","))):
            number = value[1:] if value[:1] in "+-" else value
            ok = number.isascii() and number.isdigit() and 1 <= int(number) <= most and \
                (negative or not value.startswith("-"))
            if not ok:
                span = f"1 to {most}" + (f" or -{most} to -1" if negative else "")
                raise WrongForm(f"--every: {key} must be {span}, not {value!r}")
    # BYDAY=2TU: the Nth such weekday of the month (at most 5) or year (53); dateutil fails inside its
    # iteration on a larger number (BYDAY=8FR monthly was an internal error)
    most = 5 if parts.get("FREQ") == "MONTHLY" else 53
    for value in filter(None, (v.strip() for v in parts.get("BYDAY", "").split(","))):
        number = value.lstrip("+-")[:-2]
        if number and number.isascii() and number.isdigit() and not 1 <= int(number) <= most:
            where = "a month" if most == 5 else "a year"
            raise WrongForm(f"--every: BYDAY's number must be 1 to {most} or -{most} to -1 (the Nth such weekday "
                            f"of {where}), not {value!r}")


def _base_rule(every: str, naive_start: datetime):
    from dateutil.rrule import rrulestr

    text = (every or "").strip()
    if text.lower() in EVERY:
        freq, interval = EVERY[text.lower()]
        rule_text = f"FREQ={freq};INTERVAL={interval}"
        if freq == "MONTHLY" and naive_start.day > 28:
            # "every month" from the 29th-31st: the same day, or the month's last day when
            # it is shorter (RFC 5545 alone would skip February, April, June...)
            days = ",".join(str(d) for d in range(28, naive_start.day + 1))
            rule_text += f";BYMONTHDAY={days};BYSETPOS=-1"
    else:
        rule_text = text[6:] if text.upper().startswith("RRULE:") else text
        if "\n" in rule_text or "DTSTART" in rule_text.upper() or "FREQ=" not in rule_text.upper():
            raise WrongForm(f"--every {text!r} is not week, fortnight, month or a single RFC 5545 RRULE "
                               "such as FREQ=WEEKLY;BYDAY=MO,TH")
        parts = {p.split("=", 1)[0].strip().upper(): p.split("=", 1)[-1].strip().upper()
                 for p in rule_text.split(";") if p.strip()}
        if "COUNT" in parts or "UNTIL" in parts:
            raise InvalidValue("give the end of the series with --count or --until, not inside the RRULE")
        clock = [key for key in ("BYHOUR", "BYMINUTE", "BYSECOND") if key in parts]
        if clock:
            # every meeting is at --start's wall-clock time (SPEC); a rule that moves it is refused
            raise InvalidValue(f"--every: {', '.join(clock)} would change the time of day; every meeting is at "
                               "the time of --start (book other times as another series)")
        # dateutil reads parts of its own too (BYEASTER, BYWEEKDAY...): no calendar would, and a BYEASTER out
        # of range was an internal error
        foreign = [key for key in parts if key not in _RFC_PARTS]
        if foreign:
            raise WrongForm(f"--every: {', '.join(foreign)} {'is' if len(foreign) == 1 else 'are'} not part of an "
                            f"RFC 5545 RRULE; use {', '.join(_RFC_PARTS)}")
        if parts.get("FREQ") not in RRULE_FREQS:
            raise WrongForm(f"--every: FREQ must be one of {', '.join(RRULE_FREQS)}, not {parts.get('FREQ')!r}")
        interval = parts.get("INTERVAL", "1")
        if not (interval.isascii() and interval.isdigit()):
            raise WrongForm(f"--every: INTERVAL must be a whole number, 1 to 520, not {interval!r}")
        if not 1 <= int(interval) <= 520:
            raise InvalidValue(f"--every: INTERVAL must be 1 to 520, not {interval!r}")
        _check_by_parts(parts)
    try:
        rule = rrulestr(rule_text, dtstart=naive_start)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise WrongForm(f"--every {text!r} is not a valid RRULE ({exc}); use week, fortnight, month or "
                           "an RFC 5545 rule such as FREQ=WEEKLY;BYDAY=MO,TH") from None
    if rule.__class__.__name__ != "rrule":
        raise InvalidValue(f"--every {text!r}: give one RRULE only")
    return rule


def series_starts(start: datetime, every: str, count: int | None = None, until: date | None = None) -> list[datetime]:
    """The meetings of a series as aware datetimes, at the same wall-clock time across DST changes.

    The rule runs on the naive local time and each meeting is then placed in the
    zone, so 14:00 stays 14:00 whether the clocks say BST or GMT.
    """
    # the end is a missing or doubled option, a usage error (exit 2) as click's own are
    if count is None and until is None:
        raise WrongForm("a series needs an end: give --count N or --until DATE")
    if count is not None and until is not None:
        raise WrongForm("give the end of the series with --count N or --until DATE, not both")
    if count is not None and not 1 <= count <= MAX_SERIES:
        raise InvalidValue(f"--count must be 1 to {MAX_SERIES}, not {count}")
    if until is not None and until < start.date():
        raise InvalidValue(f"--until {until.isoformat()} is before the start ({start.date().isoformat()})")
    tz = start.tzinfo
    naive = start.replace(tzinfo=None)
    try:
        horizon = naive.replace(year=naive.year + SERIES_HORIZON_YEARS) if not (naive.month == 2 and naive.day == 29) \
            else naive.replace(day=28, year=naive.year + SERIES_HORIZON_YEARS)
    except ValueError:   # a start within 50 years of the calendar's end (9999): the series ends with it
        horizon = datetime.combine(date.max, time(0))
    stop = datetime.combine(until, time(23, 59, 59)) if until is not None else horizon
    rule = _base_rule(every, naive).replace(until=min(stop, horizon), count=None)
    wanted = count if count is not None else MAX_SERIES + 1
    naive_meetings = list(islice(iter(rule), wanted))
    if not naive_meetings:
        raise InvalidValue("the rule gives no meetings in that range")
    if count is None and len(naive_meetings) > MAX_SERIES:
        raise InvalidValue(f"that series would have more than {MAX_SERIES} meetings; use an earlier --until")
    if count is not None and len(naive_meetings) < count:
        within = (f"in {SERIES_HORIZON_YEARS} years" if horizon.year < date.max.year
                  else f"before the calendar ends ({date.max.isoformat()})")
        raise InvalidValue(f"the rule gives only {len(naive_meetings)} meetings {within}, not {count}")
    meetings = []
    for moment in naive_meetings:
        try:
            meetings.append(dates.localize(moment, tz, what="a meeting"))
        except InvalidValue:
            raise InvalidValue(f"the meeting on {moment:%Y-%m-%d} at {moment:%H:%M} does not exist in "
                               f"{tz.key} (the clocks go forward then); choose another time") from None
    return meetings


def schedule_series(db: Database, client, start: datetime, every: str, count: int | None = None,
                    until: date | None = None, duration_min: int | None = None, mode: str = "in-person",
                    type: str = "treatment", allow_overlap: bool = False,
                    warnings: list | None = None) -> list[dict]:
    """Book a recurring series, all `scheduled`; refused whole if any meeting clashes."""
    fields = validate_session_fields(
        duration_min if duration_min is not None else db.setting("session.duration"), "scheduled", mode, type)
    meetings = series_starts(start, every, count, until)
    client = _bookable_client(db, client, "scheduled", meetings[0].date(), meetings[-1].date())
    all_times = [session_times(m, fields["duration_min"]) for m in meetings]
    check_not_booked_twice(db, client["id"], all_times)
    if not allow_overlap:
        problems = []
        for times in all_times:
            clashes = find_clashes(db, times["starts_utc"], times["ends_utc"])
            if clashes:
                problems.append(f"{describe_slot(times['starts_at'], times['duration_min'], db.tz)} overlaps "
                                f"{_clash_text(clashes[0], db.tz)}")
        for before, after in zip(all_times, all_times[1:]):
            if after["starts_utc"] < before["ends_utc"]:
                problems.append(f"meetings at {before['starts_at']} and {after['starts_at']} overlap each other")
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise Conflict(f"{len(problems)} of the {len(all_times)} meetings clash: {shown}; nothing was booked "
                           "(use --allow-overlap to book them anyway)")
    if warnings is not None and meetings[0].date() < db.today:
        warnings.append("the series starts in the past; past meetings are booked as scheduled: "
                        "mark them with `session attend` or `session dna`")
    created_at = utc_now()
    ids = []
    for times in all_times:
        ids.append(db.insert("sessions", {"kind": "client", "client_id": client["id"], **times, **fields,
                                          "created_at": created_at}))
    from therapy_cli.validation import far_ahead

    undo = "therapy session remove {} --series --reason 'booked in error' --yes"
    far = far_ahead(meetings[0].date(), db.today, "a series starting")
    if far and warnings is not None:
        warnings.append(f"{far}: {undo.format(ids[0])}, and book it again")
    elif warnings is not None and (meetings[-1].date() - db.today).days > 2 * 366:
        # a --count of 500 typed for 50: the start looks right and the end is years away (a long course booked
        # a year or so ahead is not warned of)
        beyond = next(i for i, m in zip(ids, meetings) if far_ahead(m.date(), db.today, ""))
        years = (meetings[-1].date() - db.today).days // 365
        warnings.append(f"the series of {len(ids)} meetings runs to {meetings[-1].date().isoformat()}, "
                        f"{'over a year' if years < 2 else f'{years} years'} ahead (today is "
                        f"{db.today.isoformat()}); if --count was mistyped, remove the "
                        f"meetings from the first you did not mean (#{beyond} is the first over a year ahead): "
                        f"{undo.format('ID')}")
    db.execute(f"UPDATE sessions SET series_id = ? WHERE id IN ({','.join('?' * len(ids))})", (ids[0], *ids))
    for session_id, times in zip(ids, all_times):
        db.audit("schedule", "session", session_id,
                 f"series #{ids[0]}: scheduled session at {times['starts_at']}", client["id"])
    rows = db.query(_RECORD_SQL + " WHERE s.series_id = ? ORDER BY s.starts_utc", (ids[0],))
    return _records(db, rows)


# -- attendance -------------------------------------------------------------------------------

def _set_status(db: Database, session_id: int, status: str, *, cancelled_by: str | None = None,
                absent: list[str] | None = None, allow_overlap: bool = False,
                warnings: list | None = None, reason: str | None = None) -> dict:
    from therapy_cli.practice.corrections import check_correction, kept_message

    row = get_session(db, session_id)
    day = date.fromisoformat(row["local_date"])
    what = f"session #{session_id}"
    if row["kind"] == "training":
        if status == "dna":
            raise InvalidValue(f"{what} is a training group; it cannot be a DNA (cancel it instead)")
        if absent:
            raise InvalidValue(f"{what} is a training group; --absent applies to couples, families and groups")
    check_status_date(status, day, db.today, what)
    absent_ids: list[int] | None = None
    client = db.get("clients", row["client_id"], "client") if row["client_id"] is not None else None
    check_before_death(client, status, day)
    if status == "attended" and client is not None and row["status"] != "attended":
        # a booking made before the referral date was edited to a later day: attended, the wait would run backwards
        check_after_referral(client, day)
        check_members_referred(db, client, day)
    old_absent = [r[0] for r in db.execute(
        "SELECT client_id FROM session_absences WHERE session_id = ? ORDER BY client_id", (session_id,))]
    if status == "attended" and client is not None:
        # marked attended again after a correction (attended -> DNA -> attended): who was absent then is
        # still recorded, and counts again unless --absent says otherwise
        kept = [str(i) for i in old_absent] if absent is None and row["status"] != "attended" else None
        absent_ids = resolve_absent(db, client, kept or absent, day)
        check_members_alive(db, client, day, absent_ids)
        _check_not_absent_with_measure(db, session_id, absent_ids)
    if row["status"] == status and row["cancelled_by"] == cancelled_by and \
            (absent_ids is None or not absent or sorted(absent_ids) == old_absent):
        raise Conflict(f"{what} is already {status}" + (f" (by the {cancelled_by})" if cancelled_by else ""))
    if status in BLOCKING and row["status"] not in BLOCKING and row["client_id"] is not None:
        check_not_booked_twice(db, row["client_id"], [row], f"session #{session_id} marked {status} there")
    if status in BLOCKING and row["status"] not in BLOCKING and row["kind"] == "training":
        check_training_not_twice(db, row["title"], row["starts_utc"], f"session #{session_id} marked {status} there")
    if status in BLOCKING and row["status"] not in BLOCKING and not allow_overlap:
        check_no_clash(db, row, exclude_id=session_id)
    fix = check_correction(db, row, status, reason)
    db.update("sessions", session_id, {"status": status, "cancelled_by": cancelled_by})
    if status == "attended" and (absent or row["status"] != "attended"):
        _set_absences(db, session_id, absent_ids or [])
    # any other status keeps the absences: they count only while the session is attended (practice/state.py)
    action = {"attended": "attend", "dna": "dna", "cancelled": "cancel", "late-cancelled": "late-cancel",
              "scheduled": "unattend"}[status]
    summary = f"{row['status']} -> {status}"
    if fix:
        action = "correct"
        summary += " (correction: {reason}; notes and measures kept)"   # the reason: audit_reasons
        if warnings is not None:
            warnings.append(kept_message(session_id, fix))
    if cancelled_by:
        summary += f" (by {cancelled_by})"
    if row["status"] == status == "attended":
        summary = f"who was absent corrected: {len(old_absent)} -> {len(absent_ids or [])} member(s)"
    elif absent_ids:
        summary += f"; {len(absent_ids)} member(s) absent"
    db.audit(action, "session", session_id, summary, row["client_id"], reason=fix["reason"] if fix else None)
    if status == "attended" and row["status"] != "attended":
        mark_attended(db, row["client_id"], day, warnings)
    elif row["status"] == "attended" and status != "attended":
        unmark_attended(db, row["client_id"], row["local_date"])
    _check_invoiced(db, session_id, warnings)
    record = session_record(db, session_id)
    if fix:
        record["kept"] = {"notes": fix["notes"], "measures": fix["measures"]}
    return record


def _check_invoiced(db: Database, session_id: int, warnings: list | None) -> None:
    """After a change of attendance or time: say so when the session's invoice no longer describes it."""
    if warnings is None or db.scalar("SELECT 1 FROM invoice_lines WHERE session_id = ? LIMIT 1", (session_id,)) is None:
        return
    from therapy_cli.practice.invoices import stale_line

    stale = stale_line(db, session_id)
    if stale:
        warnings.append(stale)


def attend(db: Database, session_id: int, absent: list[str] | None = None, allow_overlap: bool = False,
           warnings: list | None = None) -> dict:
    """Mark a session attended; `absent` names members of a couple, family or group who did not come."""
    return _set_status(db, session_id, "attended", absent=absent, allow_overlap=allow_overlap, warnings=warnings)


def dna(db: Database, session_id: int, reason: str | None = None, warnings: list | None = None) -> dict:
    """Did not attend (no notice); of an attended session, a correction needing `reason`."""
    return _set_status(db, session_id, "dna", reason=reason, warnings=warnings)


def cancel(db: Database, session_id: int, by: str | None = None, late: bool = False, reason: str | None = None,
           warnings: list | None = None) -> dict:
    """Cancelled by the client or the therapist (by default the client; a training group, which has no
    client, by the therapist); `late` for a late cancellation."""
    training = get_session(db, session_id)["kind"] == "training"
    by = choose(by or ("therapist" if training else "client"), CANCELLED_BY, "--by")
    if training and by == "client":
        raise InvalidValue(f"session #{session_id} is a training group: it has no client to cancel it (leave out "
                           "--by: the cancellation is the therapist's)")
    return _set_status(db, session_id, "late-cancelled" if late else "cancelled", cancelled_by=by,
                       reason=reason, warnings=warnings)


def unattend(db: Database, session_id: int, reason: str | None = None, warnings: list | None = None,
             allow_overlap: bool = False) -> dict:
    """Back to scheduled: attendance recorded by mistake (a correction when it was attended), or a cancellation
    taken back (its slot checked for a session booked there since, unless `allow_overlap`)."""
    return _set_status(db, session_id, "scheduled", reason=reason, warnings=warnings, allow_overlap=allow_overlap)


def cancel_rest_of_series(db: Database, session_id: int, by: str | None = None, late: bool = False,
                          reason: str | None = None, warnings: list | None = None) -> list[dict]:
    """Cancel a meeting and every later scheduled meeting of its series (e.g. therapy ending early).

    Only the first may be a late cancellation; the later ones are plain cancellations.
    """
    row = get_session(db, session_id)
    if row["series_id"] is None:
        raise InvalidValue(f"session #{session_id} is not part of a series; leave out --series")
    later = [r[0] for r in db.execute(
        "SELECT id FROM sessions WHERE series_id = ? AND status = 'scheduled' AND starts_utc > ? "
        "ORDER BY starts_utc", (row["series_id"], row["starts_utc"]))]
    try:
        first = cancel(db, session_id, by, late, reason, warnings)
    except Conflict:
        # `cancel 2`, then `cancel 2 --series` for the rest: the meeting already cancelled so stays, the rest go
        if not later or row["status"] != ("late-cancelled" if late else "cancelled") or \
                (by is not None and row["cancelled_by"] != by):
            raise
        first = session_record(db, session_id)
    done = [first] + [cancel(db, sid, by) for sid in later]
    past = [r for r in done[1:] if r["local_date"] < db.today.isoformat()]
    if past and warnings is not None:
        # a meeting already past and never marked may have taken place: cancelled with the rest, it is said
        listed = ", ".join(f"#{r['id']} on {r['local_date']}" for r in past[:5]) + (
            f" and {len(past) - 5} more" if len(past) > 5 else "")
        warnings.append(f"{len(past)} of the later meetings cancelled {'were' if len(past) > 1 else 'was'} already "
                        f"past and never marked ({listed}); if one took place: therapy session attend ID")
    return done


def remove_rest_of_series(db: Database, session_id: int, reason: str | None) -> tuple[list[dict], list[dict]]:
    """Delete a meeting booked in error and every later one of its series still scheduled (a --count of 500
    typed for 50), each as `session remove` would; returns (removed, kept): the later meetings already
    recorded otherwise stay, as the reports count them. Refused whole if one of them cannot be removed."""
    from therapy_cli.practice.corrections import remove_session

    row = get_session(db, session_id)
    if row["series_id"] is None:
        raise InvalidValue(f"session #{session_id} is not part of a series; leave out --series")
    later = db.query("SELECT id, status FROM sessions WHERE series_id = ? AND starts_utc > ? ORDER BY starts_utc",
                     (row["series_id"], row["starts_utc"]))
    removed = [remove_session(db, session_id, reason)]
    removed += [remove_session(db, r["id"], reason) for r in later if r["status"] == "scheduled"]
    kept = [session_record(db, r["id"]) for r in later if r["status"] != "scheduled"]
    return removed, kept


def move(db: Database, session_id: int, new_start: datetime, allow_overlap: bool = False,
         warnings: list | None = None) -> dict:
    """Move a session to another time, keeping its length, status and notes."""
    row = get_session(db, session_id)
    times = session_times(new_start, row["duration_min"])
    if times["starts_utc"] == row["starts_utc"]:
        raise Conflict(f"session #{session_id} is already at "
                       f"{describe_slot(row['starts_at'], row['duration_min'], db.tz)}")
    day = new_start.date()
    check_status_date(row["status"], day, db.today, f"session #{session_id} (moved)")
    if row["client_id"] is not None:
        client = db.get("clients", row["client_id"], "client")
        check_before_death(client, row["status"], day)
        check_after_referral(client, day)
        check_members_referred(db, client, day)
    if row["status"] in BLOCKING and row["client_id"] is not None:
        check_not_booked_twice(db, row["client_id"], [times], f"session #{session_id} moved there")
    if row["status"] in BLOCKING and row["kind"] == "training":
        check_training_not_twice(db, row["title"], times["starts_utc"], f"session #{session_id} moved there")
    if row["status"] in BLOCKING and not allow_overlap:
        check_no_clash(db, times, exclude_id=session_id)
    _far_ahead(db, session_id, day, f"session #{session_id} moved to", warnings)
    absent_ids = [r[0] for r in db.execute("SELECT client_id FROM session_absences WHERE session_id = ?",
                                           (session_id,))]
    if row["status"] == "attended" and row["client_id"] is not None and times["local_date"] != row["local_date"]:
        check_members_alive(db, client, day, absent_ids)
    if absent_ids and times["local_date"] != row["local_date"]:
        members = {m["id"] for m in members_of(db, row["client_id"], on=day)}
        missing = [cid for cid in absent_ids if cid not in members]
        if missing:
            kept = "" if row["status"] == "attended" else " while it was attended, kept on the record"
            raise InvalidValue(f"#{missing[0]} (recorded absent{kept}) is not a member on {day.isoformat()}")
        if row["status"] == "attended" and not members - set(absent_ids):
            # as `session add|attend` refuse: an attended meeting of a unit had someone there
            absent = ", ".join(f"#{i}" for i in absent_ids)
            raise InvalidValue(f"session #{session_id} was attended, but on {day.isoformat()} its only members are "
                               f"those recorded absent ({absent}); move it to a day those who came belonged, or "
                               "correct who was absent first")
    if row["status"] == "attended" and times["local_date"] != row["local_date"] and warnings is not None:
        # a unit's meeting moved across a joining or leaving day changes who is counted at it: say who
        was = {m["id"] for m in members_of(db, row["client_id"], on=date.fromisoformat(row["local_date"]))}
        now = {m["id"] for m in members_of(db, row["client_id"], on=day)}
        gained, lost = sorted(now - was - set(absent_ids)), sorted(was - now - set(absent_ids))
        if gained or lost:
            said = ([f"counts {', '.join(f'#{i}' for i in gained)} at it"] if gained else []) + \
                   ([f"no longer counts {', '.join(f'#{i}' for i in lost)} at it"] if lost else [])
            fix = (f"if someone now counted was not there, record them absent: therapy session attend {session_id} "
                   "--absent CLIENT" if gained else "if they were there, the day or their membership's days are wrong "
                   "(therapy client join|leave UNIT CLIENT --on DATE --correct)")
            warnings.append(f"moving session #{session_id} to {day.isoformat()} {' and '.join(said)} (the members of "
                            f"#{row['client_id']} that day); {fix}")
    # questionnaires completed at the session move with it (a date moved to the right day); never into the future
    taken = db.query("SELECT id, client_id FROM measures WHERE session_id = ? AND taken_on = ? ORDER BY id",
                     (session_id, row["local_date"])) if times["local_date"] != row["local_date"] else []
    if taken and day > db.today:
        raise Conflict(f"session #{session_id} has {len(taken)} questionnaire(s) taken at it on {row['local_date']}; "
                       "it cannot move after today (remove them first if it never took place)")
    if taken:
        # each moves to the new day: never after its client's recorded death, nor before their birth
        from therapy_cli.clinical.measures import check_taken_on

        for measure in taken:
            person = db.get("clients", measure["client_id"], "client")
            try:
                check_taken_on(day, db.today, person["died_on"], person["date_of_birth"])
            except InvalidValue as error:
                raise InvalidValue(f"measure #{measure['id']} (#{measure['client_id']}'s, taken at session "
                                   f"#{session_id}) would move with it: {error}") from None
    if row["client_id"] is not None and times["local_date"] != row["local_date"]:
        # a member's questionnaire completed at it says they were there (`client leave` and `session attend
        # --absent` refuse the same): not a member on the new day, it would sit on a meeting they did not belong to
        members = {m["id"] for m in members_of(db, row["client_id"], on=day)}
        for measure in db.query("SELECT id, client_id, instrument FROM measures WHERE session_id = ? AND client_id != ? "
                                "ORDER BY id", (session_id, row["client_id"])):
            if measure["client_id"] not in members:
                raise InvalidValue(f"#{measure['client_id']} has {measure['instrument']} #{measure['id']} recorded at "
                                   f"session #{session_id}, so was there, but is not a member of #{row['client_id']} "
                                   f"on {day.isoformat()}; if the day they joined or left is wrong: therapy client "
                                   "join|leave UNIT CLIENT --on DATE --correct")
    db.update("sessions", session_id, {k: times[k] for k in ("starts_at", "starts_utc", "ends_utc", "local_date")})
    db.audit("move", "session", session_id, f"moved from {row['starts_at']} to {times['starts_at']}",
             row["client_id"])
    for measure in taken:
        db.execute("UPDATE measures SET taken_on = ? WHERE id = ?", (times["local_date"], measure["id"]))
        db.audit("move", "measure", measure["id"], f"taken on {row['local_date']} -> {times['local_date']} "
                 f"with session #{session_id}", measure["client_id"])
    if warnings is not None and times["local_date"] != row["local_date"]:
        # one linked but dated another day stays on its date: say when it is now further from the session than
        # `measure add --session` accepts
        from therapy_cli.clinical.measures import SESSION_SPAN_DAYS

        for far in db.query("SELECT id, instrument, taken_on FROM measures WHERE session_id = ? AND taken_on != ? "
                            "ORDER BY id", (session_id, row["local_date"])):
            apart = abs((date.fromisoformat(far["taken_on"]) - day).days)
            if apart > SESSION_SPAN_DAYS:
                warnings.append(f"measure #{far['id']} ({far['instrument']} of {far['taken_on']}) is linked to "
                                f"session #{session_id}, now {apart} days from it; if it was completed for this "
                                f"session, its date is wrong ('therapy measure remove {far['id']}' and add it again "
                                f"with --session {session_id})")
    if row["status"] == "attended" and times["local_date"] != row["local_date"]:
        unmark_attended(db, row["client_id"], row["local_date"])
        mark_attended(db, row["client_id"], day, warnings)
    _check_invoiced(db, session_id, warnings)
    return session_record(db, session_id)


# -- listing --------------------------------------------------------------------------------------

def list_sessions(db: Database, client=None, start: date | None = None, end: date | None = None,
                  status: str | None = None, limit: int | None = None, kind: str | None = None,
                  no_note: bool = False) -> list[dict]:
    """Sessions in time order, filtered in SQL (indexed on client_id+starts_utc and starts_utc).

    `no_note`: attended client sessions of this practice with no note (what remind's note_missing counts;
    sessions imported from another system keep their notes there)."""
    sql = _RECORD_SQL + " WHERE 1 = 1"
    params: list = []
    if client is not None:
        row = _client(db, client)
        sql += " AND s.client_id = ?"
        params.append(row["id"])
    dates.check_span(start, end)
    if start is not None:
        sql += " AND s.starts_utc >= ?"
        params.append(dates.local_day_bounds_utc(start, start, db.tz)[0])
    if end is not None:
        sql += " AND s.starts_utc < ?"
        params.append(dates.local_day_bounds_utc(end, end, db.tz)[1])
    if status is not None:
        sql += " AND s.status = ?"
        params.append(choose(status, STATUSES, "status"))
    if kind is not None:
        sql += " AND s.kind = ?"
        params.append(choose(kind, ("client", "training"), "kind"))
    if no_note:
        if status not in (None, "attended"):
            raise InvalidValue(f"--no-note lists attended sessions; it cannot be combined with --status {status}")
        sql += (" AND s.status = 'attended' AND s.kind = 'client' AND s.imported = 0 "
                "AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id)")
    sql += " ORDER BY s.starts_utc, s.id"
    if limit is not None:
        if limit < 1:
            raise InvalidValue(f"--limit must be at least 1, not {limit}")
        sql += " LIMIT ?"
        params.append(limit)
    return _records(db, db.query(sql, params))


def calendar_sessions(db: Database, start: date | None = None, end: date | None = None) -> list[dict]:
    """Sessions for the calendar export: from `start` (default today) to `end` (inclusive, default open)."""
    default_start = start is None
    start = start or db.today
    dates.check_span(start, end, " (the default: today); give --from for past sessions" if default_start else "")
    sql = _RECORD_SQL + " WHERE s.local_date >= ?"
    params: list = [start.isoformat()]
    if end is not None:
        sql += " AND s.local_date <= ?"
        params.append(end.isoformat())
    rows = _records(db, db.query(sql + " ORDER BY s.starts_utc, s.id", params))
    # Revisions per session (for the calendar's SEQUENCE): the audit rows about it, found
    # through the indexed client_id column.
    revisions: dict[int, int] = {}
    client_ids = {r["client_id"] for r in rows if r["client_id"] is not None}
    # a unit's session is audited under a member's id too (a reminder emailed to them): count those rows, or the
    # SEQUENCE would depend on whether that member has a session of their own in the range, and go down
    for chunk, marks in id_chunks(sorted(client_ids)):
        client_ids |= {m for (m,) in db.execute(f"SELECT member_id FROM memberships WHERE unit_id IN ({marks})",
                                                chunk)}
    client_ids = sorted(client_ids)
    for chunk, marks in id_chunks(client_ids):
        for sid, n in db.execute(
                f"SELECT record_id, count(*) FROM audit WHERE record_type = 'session' AND client_id IN "
                f"({marks}) GROUP BY record_id", chunk):
            revisions[sid] = n
    if any(r["client_id"] is None for r in rows):
        for sid, n in db.execute("SELECT record_id, count(*) FROM audit WHERE record_type = 'session' "
                                 "AND client_id IS NULL GROUP BY record_id"):
            revisions[sid] = n
    for record in rows:
        record["revision"] = max(revisions.get(record["id"], 1) - 1, 0)
    return rows


# -- notes: append-only ----------------------------------------------------------------------------

_clean_note = clean_note  # its name before the importer shared it


def _local_time(db: Database, utc_text: str | None) -> str | None:
    if not utc_text:
        return None
    return dates.iso(datetime.fromisoformat(utc_text).astimezone(db.tz))


def note_record(db: Database, note_id: int) -> dict:
    row = db.one("SELECT n.*, s.client_id FROM notes n JOIN sessions s ON s.id = n.session_id WHERE n.id = ?",
                 (note_id,))
    if row is None:
        raise NotFound(f"no note with id {note_id}")
    return {"id": row["id"], "session_id": row["session_id"], "client_id": row["client_id"], "text": row["text"],
            "amends_note_id": row["amends_note_id"], "reason": row["reason"],
            "created_at": _local_time(db, row["created_at"])}


def current_note_text(db: Database, original_id: int) -> str:
    """The text of a note as it stands: its latest amendment, or the note itself."""
    return db.scalar("SELECT text FROM notes WHERE id = ? OR amends_note_id = ? ORDER BY id DESC LIMIT 1",
                     (original_id, original_id))


def check_amendment(db: Database, session_id: int, amend: int | None,
                    reason: str | None) -> tuple[int | None, str | None]:
    """For `--amend NOTE_ID --reason TEXT`: the original note's id and the cleaned reason (None, None without)."""
    if amend is None:
        if reason is not None:
            raise InvalidValue("--reason goes with --amend NOTE_ID")
        return None, None
    target = db.one("SELECT * FROM notes WHERE id = ?", (amend,))
    if target is None:
        raise NotFound(f"no note with id {amend}")
    if target["session_id"] != session_id:
        raise InvalidValue(f"note #{amend} belongs to session #{target['session_id']}, not #{session_id}")
    reason = clean_text(reason, "reason", 500)
    if not reason:
        raise InvalidValue("an amendment needs --reason TEXT saying why the note is changed")
    return target["amends_note_id"] or target["id"], reason


def add_note(db: Database, session_id: int, text: str, amend: int | None = None,
             reason: str | None = None, amending: str | None = None) -> dict:
    """Append a note, or an amendment of one (`amend` = a note id, with a reason). Nothing is overwritten.

    `amending`: the text the amendment was written from (in the editor); if the note has been amended since,
    the amendment is refused rather than silently putting back what the other amendment corrected."""
    session = get_session(db, session_id)
    text = clean_note(text)
    original_id, reason = check_amendment(db, session_id, amend, reason)
    if original_id is not None:
        current = current_note_text(db, original_id)
        if amending is not None and current.strip() != amending.strip():
            raise Conflict(f"note #{original_id} was amended by another command while your editor was open; "
                           f"see `therapy session show {session_id}`")
        if current == text:
            raise Conflict(f"the amendment is the same as the current text of note #{original_id}")
    else:   # the command run again from the shell history: a note is never removed, so it would stay twice
        for same_id, amends in db.execute("SELECT id, amends_note_id FROM notes WHERE session_id = ? AND text = ? "
                                          "ORDER BY id", (session_id, text)).fetchall():
            original = amends or same_id
            if current_note_text(db, original) == text:   # still what that note says, not amended away
                raise Conflict(f"session #{session_id} already has this note (note #{original}); "
                               "notes are never removed, so the same text is not added twice")
    note_id = db.insert("notes", {"session_id": session_id, "text": text, "amends_note_id": original_id,
                                  "reason": reason, "created_at": utc_now()})
    if original_id is None:
        db.audit("add", "note", note_id, f"note on session #{session_id}", session["client_id"])
    else:
        db.audit("amend", "note", note_id, f"amends note #{original_id} on session #{session_id}",
                 session["client_id"])
    return note_record(db, note_id)


def session_notes(db: Database, session_id: int) -> list[dict]:
    """Each note with its current text (the latest amendment) and its history, oldest first."""
    rows = db.query("SELECT * FROM notes WHERE session_id = ? ORDER BY id", (session_id,))
    notes: dict[int, dict] = {}
    for row in rows:
        original = row["amends_note_id"] or row["id"]
        entry = {"id": row["id"], "text": row["text"], "reason": row["reason"],
                 "created_at": _local_time(db, row["created_at"])}
        if original not in notes:
            notes[original] = {"id": original, "text": row["text"], "created_at": entry["created_at"],
                               "amended": False, "amended_at": None, "history": []}
        note = notes[original]
        note["history"].append(entry)
        if row["amends_note_id"]:
            note.update(text=row["text"], amended=True, amended_at=entry["created_at"])
    return list(notes.values())


def session_detail(db: Database, session_id: int) -> dict:
    """What `session show` shows: the record, the absent members' names and the notes with history."""
    record = session_record(db, session_id)
    if record["absent"]:
        marks = ",".join("?" * len(record["absent"]))
        record["absent_names"] = [r["name"] for r in db.query(
            f"SELECT name FROM clients WHERE id IN ({marks}) ORDER BY id", record["absent"])]
    else:
        record["absent_names"] = []
    record["notes"] = session_notes(db, session_id)
    return record
