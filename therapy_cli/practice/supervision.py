"""Supervision received and given, credited as BACP counts it, against the monthly requirement.

Credited hours follow BACP's rule for group supervision: in a group of up to
four the time counts half; in a group of five or more, the time divided by the
number in the group. Individual supervision counts in full. The credit is worked
out and stored when the session is written, so later changes to the rule or to
the record of who was present cannot change what was already claimed.

Cases discussed are stored by client id and only ever shown as `#3 A.M.`
(id and initials): supervision output never carries a client's name.
"""

from __future__ import annotations

from datetime import date

from therapy_cli.practice.clients import case_label, find_client

from therapy_cli.practice.lookup import match_one, with_fold

from therapy_cli.validation import check_not_future, clean_name, clean_text, names_an_id
from therapy_cli.storage.db import Database, id_chunks, utc_now
from therapy_cli.dates import check_span
from therapy_cli.errors import Ambiguous, Conflict, InvalidValue, NotFound

DIRECTIONS = ("received", "given")
MIN_DURATION, MAX_DURATION = 5, 600
MAX_GROUP = 100
EARLIEST = date(1950, 1, 1)
EPSILON = 1e-9

SUPERVISION_COLUMNS = ["id", "on_date", "direction", "duration_min", "group_size", "credited_hours",
                       "with", "cases", "note"]
SUPERVISEE_COLUMNS = ["id", "name", "sessions", "hours_given", "hours_this_year", "first_on", "last_on"]
MONTH_COLUMNS = ["month", "received_hours", "required_hours", "met", "client_sessions"]


# -- the rule ----------------------------------------------------------------

def credited_hours(duration_min: int, group_size: int = 1) -> float:
    """Hours credited under BACP's rule: 1 → all; 2–4 → half; 5+ → time / group size."""
    check_duration(duration_min)
    check_group_size(group_size)
    hours = duration_min / 60
    if group_size == 1:
        credited = hours
    elif group_size <= 4:
        credited = hours / 2
    else:
        credited = hours / group_size
    return credited


def check_duration(duration_min) -> int:
    if isinstance(duration_min, bool) or not isinstance(duration_min, int):
        raise InvalidValue(f"duration {duration_min!r} must be a whole number of minutes, {MIN_DURATION}-{MAX_DURATION}")
    if not MIN_DURATION <= duration_min <= MAX_DURATION:
        raise InvalidValue(f"duration {duration_min} is out of range; use {MIN_DURATION} to {MAX_DURATION} minutes")
    return duration_min


def check_group_size(group_size) -> int:
    if isinstance(group_size, bool) or not isinstance(group_size, int):
        raise InvalidValue(f"group size {group_size!r} must be a whole number, 1 (individual) to {MAX_GROUP}")
    if not 1 <= group_size <= MAX_GROUP:
        raise InvalidValue(f"group size {group_size} is out of range; use 1 (individual) to {MAX_GROUP} "
                           "(the number of supervisees in the group, you included)")
    return group_size


def _check_day(db: Database, on: date | None, what: str) -> date:
    day = on or db.today
    check_not_future(day, db.today, what)
    if day < EARLIEST:
        raise InvalidValue(f"{what} {day.isoformat()} is before {EARLIEST.year}")
    return day


# -- writing -------------------------------------------------------------------

def log_received(db: Database, on: date | None, duration_min: int, supervisor: str | None = None,
                 group_size: int = 1, cases: list[str] = (), note: str | None = None,
                 allow_duplicate: bool = False) -> dict:
    """Record supervision received; returns the record as `supervise list` shows it."""
    day = _check_day(db, on, "supervision date")
    credit = credited_hours(duration_min, group_size)
    supervisor = clean_name(supervisor, "supervisor") if supervisor is not None else None
    note = clean_text(note, "note", 4000)
    # the same meeting logged twice (shell history, a retried script) would count its hours twice
    twin = None if allow_duplicate else with_fold(db).scalar(
        "SELECT id FROM supervision WHERE direction = 'received' AND on_date = ? AND duration_min = ? "
        "AND group_size = ? AND therapy_fold(coalesce(supervisor, '')) = therapy_fold(coalesce(?, ''))",
        (day.isoformat(), duration_min, group_size, supervisor))
    if twin is not None:
        raise Conflict(f"this supervision received on {day.isoformat()} is already logged (record #{twin}); "
                       f"'supervise remove {twin}' takes it back, or add --allow-duplicate if there were two "
                       "such meetings that day")
    case_ids: list[int] = []
    for text in cases:
        client = _find_case(db, text)
        if client["id"] not in case_ids:
            case_ids.append(client["id"])
    supervision_id = db.insert("supervision", {
        "direction": "received", "on_date": day.isoformat(), "duration_min": duration_min,
        "supervisor": supervisor, "supervisee_id": None, "group_size": group_size,
        "credited_hours": credit, "note": note, "created_at": utc_now()})
    for client_id in case_ids:
        db.insert("supervision_cases", {"supervision_id": supervision_id, "client_id": client_id})
    kind = "individual" if group_size == 1 else f"group of {group_size}"
    db.audit("add", "supervision", supervision_id,
             f"supervision received on {day.isoformat()}: {duration_min} min, {kind}, "
             f"{len(case_ids)} case(s)")
    for client_id in case_ids:
        db.audit("discuss", "supervision", supervision_id,
                 f"case taken to supervision on {day.isoformat()}", client_id)
    return supervision_record(db, supervision_id)


def _find_case(db: Database, text: str) -> dict:
    """A client by id or unique name fragment; an ambiguous fragment lists `#id initials`, not names."""
    try:
        client = find_client(db, text)
    except Ambiguous:
        from therapy_cli.practice.lookup import fragment_matches, tell_apart

        rows = fragment_matches(db, "clients", text)   # the clients the lookup found: Zoë and Zoe alike
        # initials, never names, but enough to choose: year of birth (or kind) and status
        labels = "; ".join(tell_apart(db, "clients", rows[:10], label=case_label, year_only=True))
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        raise Ambiguous(f"--case {text.strip()!r} matches {len(rows)} clients: {labels}{more}; "
                        "use the id or more of the name") from None
    if client.get("erased_on"):
        raise InvalidValue(f"client #{client['id']} was erased on {client['erased_on']}; "
                           "nothing about them can be added")
    return client


def find_supervisee(db: Database, text: str) -> dict:
    return match_one(db, "supervisees", text, "supervisee")


def _existing_supervisee(db: Database, name: str, new: bool = False) -> dict | None:
    """The supervisee kept under `name` (id, exact name, unique fragment), or None when it names a new one;
    nothing is written, so every name of a meeting is checked before any new one is kept."""
    value = clean_name(name, "supervisee name")
    exact = with_fold(db).one("SELECT * FROM supervisees WHERE therapy_fold(name) = therapy_fold(?) ORDER BY id",
                              (value,))
    if new:
        if exact:
            raise InvalidValue(f"supervisee #{exact['id']} {exact['name']} already exists; drop --new to use it")
    else:
        if exact:
            return exact
        if names_an_id(value):   # `7`, `#7`, `#7 J.P.`: a supervisee by id, or an error, never a new name
            return find_supervisee(db, value)
        try:
            return find_supervisee(db, value)
        except NotFound:
            pass
        except Ambiguous as exc:
            raise Ambiguous(f"{exc}; or add --new to keep {value!r} as a new supervisee") from None
    if names_an_id(value):
        raise InvalidValue("a supervisee's name cannot be a number or '#' and a number (it would be read as an id)")
    return None


def same_day_received(db: Database, record: dict) -> list[dict]:
    """Other supervision received the day of `record` that may be the same meeting: with the same supervisor,
    or with either unnamed. A meeting retyped to add the supervisor or put the length right is not a twin to
    the duplicate check, yet both would count: `supervise log` says so rather than refusing (two meetings in
    a day are possible)."""
    return with_fold(db).query("SELECT id, duration_min, supervisor FROM supervision WHERE direction = 'received' "
                               "AND on_date = ? AND id != ? AND (supervisor IS NULL OR ? IS NULL OR "
                               "therapy_fold(supervisor) = therapy_fold(?)) ORDER BY id",
                    (record["on_date"], record["id"], record["supervisor"], record["supervisor"]))


def same_day_given(db: Database, record: dict) -> list[dict]:
    """Other supervision given the day of `record` to the same supervisees: a meeting retyped to put the
    length or group size right is not a twin to the duplicate check, yet both would count; `supervise give`
    says so, as `supervise log` does (two meetings with one supervisee in a day are possible)."""
    ids = _present(db, record["id"])
    others = db.query("SELECT id FROM supervision WHERE direction = 'given' AND on_date = ? AND id != ? ORDER BY id",
                      (record["on_date"], record["id"]))
    return [supervision_record(db, row["id"]) for row in others if _present(db, row["id"]) == ids]


def same_day_booked(db: Database, booking: dict) -> list[dict]:
    """Other bookings the day of `booking` with the same supervisor (or either naming none): a booking retyped to
    put the length right is not a twin to the duplicate check, yet both would count towards the month."""
    return with_fold(db).query(
        "SELECT id, duration_min, supervisor FROM supervision_booked WHERE on_date = ? AND id != ? "
        "AND (supervisor IS NULL OR ? IS NULL OR therapy_fold(supervisor) = therapy_fold(?)) ORDER BY id",
                    (booking["on_date"], booking["id"], booking["supervisor"], booking["supervisor"]))


def _present(db: Database, meeting_id: int) -> set[int]:
    """The supervisees at a meeting given: the one kept on the record and any others linked to it."""
    return {p for (p,) in db.execute("SELECT supervisee_id FROM supervision_given_to WHERE supervision_id = ? "
                                     "UNION SELECT supervisee_id FROM supervision WHERE id = ? "
                                     "AND supervisee_id IS NOT NULL", (meeting_id, meeting_id))}


def _refuse_given_twice(db: Database, day: date, duration_min: int, size: int, ids: set[int]) -> None:
    """The same meeting, with the same supervisees, logged twice would count its hours given twice."""
    for (twin,) in db.execute("SELECT id FROM supervision WHERE direction = 'given' AND on_date = ? "
                              "AND duration_min = ? AND group_size = ?", (day.isoformat(), duration_min, size)):
        if _present(db, twin) == ids:
            raise Conflict(f"this supervision given on {day.isoformat()} is already logged (record #{twin}); "
                           f"'supervise remove {twin}' takes it back, or add --allow-duplicate if there were two "
                           "such meetings that day")


def _refuse_merged_twins(db: Database, supervisee_id: int) -> None:
    """After a merge, two meetings of the supervisee now the same (day, length, group, who): the one meeting
    logged under the typo and again under the right name, which `supervise give` would have refused."""
    meetings = db.query("SELECT id, on_date, duration_min, group_size FROM supervision WHERE direction = 'given' "
                        "AND (supervisee_id = :p OR id IN (SELECT supervision_id FROM supervision_given_to "
                        "WHERE supervisee_id = :p)) ORDER BY on_date, id", {"p": supervisee_id})
    seen: dict[tuple, int] = {}
    for m in meetings:
        key = (m["on_date"], m["duration_min"], m["group_size"], frozenset(_present(db, m["id"])))
        if key in seen:
            raise Conflict(f"the merge would leave meetings #{seen[key]} and #{m['id']} ({m['on_date']}, "
                           f"{m['duration_min']} min) as one meeting logged twice; take one back first "
                           f"('therapy supervise remove {m['id']}'), then rename")
        seen[key] = m["id"]


def _new_supervisee(db: Database, value: str) -> dict:
    supervisee_id = db.insert("supervisees", {"name": value, "created_at": utc_now()})
    db.audit("add", "supervisee", supervisee_id, "supervisee added")
    return db.get("supervisees", supervisee_id, "supervisee")


def log_given(db: Database, name: str | list[str], on: date | None, duration_min: int, note: str | None = None,
              new: bool = False, group_size: int | None = None, allow_duplicate: bool = False) -> dict:
    """Record supervision given: to one supervisee, or one group meeting with several (`name` a list).

    A meeting is one record whatever the number present: `given_hours` counts its time once.
    Supervisees are created on first use. `group_size` (default: the number named) may be larger
    than the names given (supervisees you do not keep a record of), never smaller.
    """
    names = [name] if isinstance(name, str) else list(name)
    if not names:
        raise InvalidValue("name at least one supervisee")
    day = _check_day(db, on, "supervision date")
    size = check_group_size(group_size if group_size is not None else len(names))
    credit = credited_hours(duration_min, 1)   # the supervisor's time, counted once
    note = clean_text(note, "note", 4000)
    # every name is looked up before any new supervisee is kept: an error then names only records that exist
    found = [(clean_name(text, "supervisee name"), _existing_supervisee(db, text, new)) for text in names]
    seen: set = set()
    for value, supervisee in found:
        key = supervisee["id"] if supervisee else value.casefold()
        if key in seen:
            who = f"#{supervisee['id']} {supervisee['name']}" if supervisee else repr(value)
            raise InvalidValue(f"supervisee {who} is named twice")
        seen.add(key)
    if size < len(found):
        raise InvalidValue(f"--group-size {size} is smaller than the {len(found)} supervisees named")
    if not allow_duplicate and all(supervisee for _, supervisee in found):
        _refuse_given_twice(db, day, duration_min, size, {supervisee["id"] for _, supervisee in found})
    people = [supervisee or _new_supervisee(db, value) for value, supervisee in found]
    created = [person for (_, supervisee), person in zip(found, people) if supervisee is None]
    supervision_id = db.insert("supervision", {
        "direction": "given", "on_date": day.isoformat(), "duration_min": duration_min,
        "supervisor": None, "supervisee_id": people[0]["id"], "group_size": size,
        "credited_hours": credit, "note": note, "created_at": utc_now()})
    for person in people:
        db.insert("supervision_given_to", {"supervision_id": supervision_id, "supervisee_id": person["id"]})
    who = ", ".join(f"#{p['id']}" for p in people)
    db.audit("add", "supervision", supervision_id,
             f"supervision given on {day.isoformat()} to supervisee{'s' if len(people) > 1 else ''} {who}: "
             f"{duration_min} min" + (f", group of {size}" if size > 1 else ""))
    record = supervision_record(db, supervision_id)
    record["new_supervisee"] = bool(created)
    record["new_supervisees"] = [{"id": p["id"], "name": p["name"]} for p in created]
    return record


def book(db: Database, on: date, duration_min: int, supervisor: str | None = None, group_size: int = 1,
         note: str | None = None) -> dict:
    """Book supervision ahead (today or later): it counts towards its month until its day has passed."""
    if on < db.today:
        raise InvalidValue(f"--on {on.isoformat()} is in the past; log supervision received with 'supervise log'")
    credit = credited_hours(duration_min, group_size)
    supervisor = clean_name(supervisor, "supervisor") if supervisor is not None else None
    note = clean_text(note, "note", 4000)
    # the same booking typed twice (shell history, a retried script) would count its hours twice and
    # quieten remind's supervision_due for a month that is in fact short
    twin = with_fold(db).scalar(
        "SELECT id FROM supervision_booked WHERE on_date = ? AND duration_min = ? AND group_size = ? "
        "AND therapy_fold(coalesce(supervisor, '')) = therapy_fold(coalesce(?, ''))",
                     (on.isoformat(), duration_min, group_size, supervisor))
    if twin is not None:
        raise Conflict(f"this supervision is already booked for {on.isoformat()} (booking #{twin}); "
                       f"'supervise remove {twin} --booked' cancels it, or book a different time or supervisor")
    booking_id = db.insert("supervision_booked", {
        "on_date": on.isoformat(), "duration_min": duration_min, "supervisor": supervisor,
        "group_size": group_size, "credited_hours": credit, "note": note, "created_at": utc_now()})
    db.audit("add", "supervision_booked", booking_id,
             f"supervision booked for {on.isoformat()}: {duration_min} min")
    return booking_record(db, booking_id)


def unbook(db: Database, booking_id: int) -> dict:
    """Cancel a booking (it will not take place): it no longer counts towards its month."""
    record = booking_record(db, booking_id)
    db.execute("DELETE FROM supervision_booked WHERE id = ?", (booking_id,))
    db.audit("remove", "supervision_booked", booking_id, f"booked supervision on {record['on_date']} cancelled")
    return record


def booked_hours(db: Database, start: date, end: date) -> float:
    """Credited hours booked on days in [start, end] not yet logged as received (once logged, the meeting
    counts as received, not twice). Logged: supervision received that day from the booking's supervisor, or
    any that day when either names none; a morning's peer group does not take the afternoon's booking with
    Dr Lee away. On a replayed day (`--today`) before that day, the received supervision is not yet known,
    and the booking counts, as that morning's remind saw it."""
    return float(with_fold(db).scalar(
        "SELECT total(b.credited_hours) FROM supervision_booked b WHERE b.on_date BETWEEN ? AND ? "
        "AND NOT EXISTS (SELECT 1 FROM supervision s WHERE s.direction = 'received' AND s.on_date = b.on_date "
        "AND s.on_date <= ? AND (b.supervisor IS NULL OR s.supervisor IS NULL "
        "OR therapy_fold(trim(s.supervisor)) = therapy_fold(trim(b.supervisor))))",
        (start.isoformat(), end.isoformat(), db.today.isoformat())))


def _booking(row: dict) -> dict:
    return {"id": row["id"], "on_date": row["on_date"], "direction": "booked", "duration_min": row["duration_min"],
            "group_size": row["group_size"], "credited_hours": round(row["credited_hours"], 2),
            "supervisor": row["supervisor"], "supervisee_id": None, "supervisee": None,
            "supervisees": [], "with": row["supervisor"], "cases": [], "case_ids": [], "note": row["note"]}


def booking_record(db: Database, booking_id: int) -> dict:
    row = db.one("SELECT * FROM supervision_booked WHERE id = ?", (booking_id,))
    if row is None:
        raise NotFound(f"no booked supervision with id {booking_id}")
    return _booking(row)


def remove(db: Database, supervision_id: int) -> dict:
    """Delete a supervision record entered in error (with its cases)."""
    record = supervision_record(db, supervision_id)
    case_ids = [r["client_id"] for r in db.query(
        "SELECT client_id FROM supervision_cases WHERE supervision_id = ?", (supervision_id,))]
    db.execute("DELETE FROM supervision_cases WHERE supervision_id = ?", (supervision_id,))
    db.execute("DELETE FROM supervision_given_to WHERE supervision_id = ?", (supervision_id,))
    db.execute("DELETE FROM supervision WHERE id = ?", (supervision_id,))
    db.audit("remove", "supervision", supervision_id,
             f"supervision {record['direction']} on {record['on_date']} removed")
    if record["direction"] == "given":
        # a supervisee made by a slip (a client's name, 'Jo Patl') and left with no meeting goes with it, so the
        # name neither lists nor matches again ('Jo Pat' would otherwise match two)
        record["supervisees_removed"] = _drop_unmet(db)
    for client_id in case_ids:
        db.audit("remove", "supervision", supervision_id, "case no longer recorded as taken to supervision",
                 client_id)
    return record


def _drop_unmet(db: Database) -> list[dict]:
    """Delete the supervisees no meeting names (kept: a supervisee is only ever made by a meeting)."""
    rows = db.query("SELECT id, name FROM supervisees p WHERE NOT EXISTS (SELECT 1 FROM supervision_given_to g "
                    "WHERE g.supervisee_id = p.id) AND NOT EXISTS (SELECT 1 FROM supervision s "
                    "WHERE s.supervisee_id = p.id) ORDER BY id")
    for row in rows:
        db.execute("DELETE FROM supervisees WHERE id = ?", (row["id"],))
        db.audit("remove", "supervisee", row["id"], "supervisee with no meeting left removed")
    return rows


def rename_supervisee(db: Database, text: str, new_name: str) -> dict:
    """Correct a supervisee's name. A name another supervisee already has merges the two (a typo made a second
    record of one person): the meetings move to the record kept, unless one meeting names both (two people)."""
    person = find_supervisee(db, text)
    value = clean_name(new_name, "supervisee name")
    if names_an_id(value):   # as `supervise give` refuses: a number (or `#7`) names a supervisee by id
        raise InvalidValue("a supervisee's name cannot be a number or '#' and a number (it would be read as an id)")
    other = with_fold(db).one("SELECT * FROM supervisees WHERE therapy_fold(name) = therapy_fold(?) AND id != ? "
                              "ORDER BY id", (value, person["id"]))
    if other is None:
        if person["name"] == value:
            raise Conflict(f"supervisee #{person['id']} is already named {value!r}")
        db.update("supervisees", person["id"], {"name": value})
        db.audit("edit", "supervisee", person["id"], "supervisee renamed")
        kept, merged = person["id"], None
    else:
        both = db.scalar("SELECT count(*) FROM supervision_given_to a JOIN supervision_given_to b "
                         "ON a.supervision_id = b.supervision_id WHERE a.supervisee_id = ? AND b.supervisee_id = ?",
                         (person["id"], other["id"]))
        if both:
            raise Conflict(f"supervisees #{person['id']} and #{other['id']} are both named at {both} meeting(s), so "
                           "they are two people; give #" f"{person['id']} another name")
        db.execute("UPDATE supervision_given_to SET supervisee_id = ? WHERE supervisee_id = ?",
                   (other["id"], person["id"]))
        db.execute("UPDATE supervision SET supervisee_id = ? WHERE supervisee_id = ?", (other["id"], person["id"]))
        _refuse_merged_twins(db, other["id"])   # raised inside the write: nothing of the merge is kept
        db.execute("DELETE FROM supervisees WHERE id = ?", (person["id"],))
        db.audit("edit", "supervisee", other["id"], f"supervisee #{person['id']} merged into this one")
        kept, merged = other["id"], person["id"]
    row = next(r for r in supervisees(db) if r["id"] == kept)
    return {**row, "merged_from": merged}


# -- reading -------------------------------------------------------------------

def _linked(db: Database, supervision_ids: list[int], select: str, order: str, shape) -> dict[int, list[dict]]:
    """Rows linked to each supervision record (`select` ends `WHERE <link>.supervision_id`), in batches."""
    found: dict[int, list[dict]] = {i: [] for i in supervision_ids}
    for chunk, marks in id_chunks(supervision_ids):
        for row in db.query(f"{select} IN ({marks}) ORDER BY {order}", chunk):
            found[row["supervision_id"]].append(shape(row))
    return found


def _cases(db: Database, supervision_ids: list[int]) -> dict[int, list[dict]]:
    return _linked(db, supervision_ids, "SELECT sc.supervision_id, c.id, c.name FROM supervision_cases sc "
                   "JOIN clients c ON c.id = sc.client_id WHERE sc.supervision_id", "c.id",
                   lambda row: {"client_id": row["id"], "label": case_label(row)})


def _given_to(db: Database, supervision_ids: list[int]) -> dict[int, list[dict]]:
    return _linked(db, supervision_ids, "SELECT g.supervision_id, p.id, p.name FROM supervision_given_to g "
                   "JOIN supervisees p ON p.id = g.supervisee_id WHERE g.supervision_id",
                   "p.name COLLATE NOCASE, p.id", lambda row: {"id": row["id"], "name": row["name"]})


def _records(db: Database, rows: list[dict]) -> list[dict]:
    cases = _cases(db, [r["id"] for r in rows])
    given_to = _given_to(db, [r["id"] for r in rows if r["direction"] == "given"])
    out = []
    for row in rows:
        given = row["direction"] == "given"
        people = given_to.get(row["id"]) or []
        out.append({
            "id": row["id"],
            "on_date": row["on_date"],
            "direction": row["direction"],
            "duration_min": row["duration_min"],
            "group_size": row["group_size"],
            "credited_hours": round(row["credited_hours"], 2),
            "supervisor": row["supervisor"],
            "supervisee_id": row["supervisee_id"],
            "supervisee": row["supervisee_name"],
            "supervisees": people,
            "with": (", ".join(p["name"] for p in people) or row["supervisee_name"]) if given else row["supervisor"],
            "cases": [c["label"] for c in cases[row["id"]]],
            "case_ids": [c["client_id"] for c in cases[row["id"]]],
            "note": row["note"],
        })
    return out


_SELECT = ("SELECT s.*, p.name AS supervisee_name FROM supervision s "
           "LEFT JOIN supervisees p ON p.id = s.supervisee_id")


def supervision_record(db: Database, supervision_id: int) -> dict:
    row = db.one(f"{_SELECT} WHERE s.id = ?", (supervision_id,))
    if row is None:
        raise NotFound(f"no supervision record with id {supervision_id}")
    return _records(db, [row])[0]


def list_supervision(db: Database, start: date | None = None, end: date | None = None,
                     direction: str | None = None, supervisee: str | None = None) -> list[dict]:
    """Supervision records, oldest first, within the inclusive dates given."""
    check_span(start, end)
    if direction is not None and direction not in (*DIRECTIONS, "booked"):
        raise InvalidValue(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}, booked")
    sql = f"{_SELECT} WHERE 1 = 1"
    params: list = []
    if start:
        sql += " AND s.on_date >= ?"
        params.append(start.isoformat())
    if end:
        sql += " AND s.on_date <= ?"
        params.append(end.isoformat())
    if direction:
        sql += " AND s.direction = ?"
        params.append(direction)
    if supervisee:
        sql += " AND s.id IN (SELECT supervision_id FROM supervision_given_to WHERE supervisee_id = ?)"
        params.append(find_supervisee(db, supervisee)["id"])
    records = [] if direction == "booked" else _records(db, db.query(sql + " ORDER BY s.on_date, s.id", params))
    if direction in (None, "booked") and not supervisee:
        booked = db.query("SELECT * FROM supervision_booked WHERE on_date BETWEEN ? AND ? ORDER BY on_date, id",
                          ((start or EARLIEST).isoformat(), (end or date(9999, 12, 31)).isoformat()))
        records = sorted(records + [_booking(r) for r in booked], key=lambda r: r["on_date"])
    return records


def _exact_hours(db: Database, direction: str, start: date, end: date) -> float:
    return float(db.scalar("SELECT total(credited_hours) FROM supervision WHERE direction = ? "
                           "AND on_date BETWEEN ? AND ?", (direction, start.isoformat(), end.isoformat())) or 0.0)


def _hours(db: Database, direction: str, start: date, end: date) -> float:
    """As every report shows hours: 2 places (a requirement is judged on the exact value)."""
    return round(_exact_hours(db, direction, start, end), 2)


def received_hours(db: Database, start: date, end: date) -> float:
    """Credited hours of supervision received between two dates (inclusive)."""
    return _hours(db, "received", start, end)


def given_hours(db: Database, start: date, end: date) -> float:
    """Hours of supervision given between two dates (inclusive)."""
    return _hours(db, "given", start, end)


def required_hours(db: Database) -> float:
    return float(db.setting("supervision.hours_per_month"))


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_row(db: Database, first: date) -> dict:
    from therapy_cli.dates import month_of

    start, end = month_of(first)
    upto = min(end, db.today)  # as at today: supervision logged for a later day is not yet received
    received = _exact_hours(db, "received", start, upto)
    required = required_hours(db)
    return {
        "month": start.strftime("%Y-%m"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "received_hours": round(received, 2),
        "required_hours": required,
        "met": received + EPSILON >= required,
        "complete": end < db.today,
        # BACP lets a month with no client work go without supervision, if documented:
        # the count shows which unmet months had clients at all.
        "client_sessions": db.scalar(
            "SELECT count(*) FROM sessions WHERE kind = 'client' AND status = 'attended' "
            "AND local_date BETWEEN ? AND ?", (start.isoformat(), upto.isoformat())),
    }


def months(db: Database, count: int = 12) -> list[dict]:
    """The last `count` calendar months, oldest first, the current month last."""
    if not 1 <= count <= 240:
        raise InvalidValue(f"--months {count} is out of range; use 1 to 240")
    return [month_row(db, _month_start(db.today, back)) for back in range(count - 1, -1, -1)]


def status(db: Database, count: int = 12) -> dict:
    """SPEC's `supervise status`: this month against the requirement, the year, and a month table."""
    today = db.today
    table = months(db, count)
    current = table[-1]
    year_start = date(today.year, 1, 1)
    month = {k: current[k] for k in ("month", "start", "end", "received_hours", "required_hours", "met")}
    # received as at today, as the month's row counts it: supervision dated later is not yet received
    exact = _exact_hours(db, "received", date.fromisoformat(current["start"]), today)
    month["remaining_hours"] = 0.0 if current["met"] else round(max(0.0, current["required_hours"] - exact), 2)
    month["booked_hours"] = round(booked_hours(db, today, date.fromisoformat(current["end"])), 2)
    previous = table[:-1]
    return {
        "as_of": today.isoformat(),
        "month": month,
        "year": {
            "year": today.year,
            "start": year_start.isoformat(),
            "end": today.isoformat(),
            "received_hours": received_hours(db, year_start, today),
            "given_hours": given_hours(db, year_start, today),
        },
        "months": table,
        "months_met": sum(1 for m in previous if m["met"]),
        "months_unmet": [m["month"] for m in previous if not m["met"]],
    }


def supervisees(db: Database) -> list[dict]:
    """Supervisees with the supervision given to each: sessions, hours, this year's hours (to today, as
    `supervise status` counts the year's `given_hours`: a day replayed with --today counts no later year), dates."""
    year_start = date(db.today.year, 1, 1).isoformat()
    return db.query(
        "SELECT p.id, p.name, count(s.id) AS sessions, round(total(s.credited_hours), 2) AS hours_given, "
        "round(total(CASE WHEN s.on_date BETWEEN ? AND ? THEN s.credited_hours END), 2) AS hours_this_year, "
        "min(s.on_date) AS first_on, max(s.on_date) AS last_on "
        "FROM supervisees p LEFT JOIN supervision_given_to g ON g.supervisee_id = p.id "
        "LEFT JOIN supervision s ON s.id = g.supervision_id AND s.direction = 'given' "
        "GROUP BY p.id ORDER BY p.name COLLATE NOCASE, p.id", (year_start, db.today.isoformat()))
