"""The risk register: clinicians' risk assessments (append-only), safety plans (every version kept) and the
questionnaire risk flags (PHQ-9 item 9, CORE-10 item 6) that stay until an assessment after them (dated later,
or the same day and entered after them).
"""

from __future__ import annotations

from datetime import date, timedelta

from therapy_cli.errors import Conflict, InvalidValue
from therapy_cli.storage.db import Database, id_chunks, utc_now
from therapy_cli.validation import check_within_life, clean_text

LEVELS = ("none", "low", "moderate", "high")
RANK = {level: n for n, level in enumerate(LEVELS)}
MAX_REVIEW_DAYS = 366
# The parts of a safety plan (Stanley & Brown's Safety Planning Intervention, as NHS services use it).
PLAN_FIELDS = ("warning_signs", "coping", "contacts", "crisis", "means_safety")
PLAN_LABELS = {"warning_signs": "warning signs", "coping": "coping strategies", "contacts": "people and contacts",
               "crisis": "crisis services", "means_safety": "making the environment safe"}
ASSESSMENT_COLUMNS = ["id", "assessed_on", "level", "review_due", "note"]
# Who is on the register: the clients in therapy or waiting for it as at today (not discharged, erased or dead),
# by practice/state.py (a member of a couple, family or group follows the unit), read from `client_state`.
def _current_clients(day: date) -> str:
    """Active or waiting as at `day`, not erased, and alive that day: a client who died later was on the register
    on a replayed morning before the death (a literal date, safe to inline)."""
    from therapy_cli.storage.db import sql_date

    return (f"cs.status IN ('active', 'waiting') AND c.erased_on IS NULL "
            f"AND (c.died_on IS NULL OR c.died_on > {sql_date(day)})")


def _with_state(db: Database, ctes: str | None) -> str:
    """`WITH ...` giving `client_state` as at today: `ctes` when the caller has it already (remind computes it
    once a run), else the state of the clients not discharged before today."""
    if ctes is None:
        from therapy_cli.practice.state import current_ids, state_ctes

        ctes = state_ctes(db.today, current_ids(db, db.today))
    return f"WITH {ctes} "
REGISTER_COLUMNS = ["client_id", "name", "status", "level", "assessed_on", "review_due", "flag"]


def _live_client(db: Database, client) -> dict:
    """The client's row; nothing new is written about an erased client, nor after a recorded death."""
    client_id = client["id"] if isinstance(client, dict) else int(client)
    row = db.get("clients", client_id, "client")
    if row["erased_on"]:
        raise Conflict(f"client #{client_id} has been erased; nothing can be added to their record")
    return row


def _check_day(db: Database, row: dict, day: date, what: str) -> None:
    from therapy_cli.clinical.plans import check_not_future

    check_not_future(day, db.today, what)
    check_within_life(day, row.get("date_of_birth"), row.get("died_on"), what)   # as measure add


# -- assessments -------------------------------------------------------------------

def _assessment(row: dict) -> dict:
    return {k: row[k] for k in ("id", "client_id", "level", "assessed_on", "review_in_days", "review_due", "note")}


def assess(db: Database, client, level: str, note: str | None = None, review_in: int | None = None,
           on: date | None = None) -> dict:
    """Record a clinician's risk assessment: dated (not in the future), append-only, audited."""
    row = _live_client(db, client)
    level = (level or "").strip().lower()
    if level not in LEVELS:
        raise InvalidValue(f"risk level {level!r} is not one of {', '.join(LEVELS)}")
    if review_in is not None and not 1 <= review_in <= MAX_REVIEW_DAYS:
        raise InvalidValue(f"--review-in must be 1–{MAX_REVIEW_DAYS} days, not {review_in}")
    day = on or db.today
    _check_day(db, row, day, "assessment date")
    note = clean_text(note, "note", 5000)
    review_due = (day + timedelta(days=review_in)).isoformat() if review_in else None
    # the command run again from the shell history: an assessment is never changed or removed
    twin = db.scalar("SELECT id FROM risk_assessments WHERE client_id = ? AND assessed_on = ? AND level = ? "
                     "AND coalesce(note, '') = coalesce(?, '') AND coalesce(review_due, '') = coalesce(?, '') "
                     "ORDER BY id DESC LIMIT 1",
                     (row["id"], day.isoformat(), level, note, review_due))
    # ... unless a questionnaire risk item came in after it that this one answers: the same finding made again
    # after a PHQ-9 entered later the same day is the new assessment the flag asks for, not a repeat
    flag = questionnaire_flag(db, row["id"]) if twin is not None else None
    if twin is not None and (flag is None or flag["taken_on"] > day.isoformat()):
        raise Conflict(f"this assessment of #{row['id']} on {day.isoformat()} is already recorded (assessment "
                       f"#{twin}); assessments are never removed, so the same one is not recorded twice (a "
                       "second assessment that day: say what changed in --note)")
    assessment_id = db.insert("risk_assessments", {
        "client_id": row["id"], "assessed_on": day.isoformat(), "level": level,
        "note": note, "review_in_days": review_in, "review_due": review_due,
        "created_at": utc_now()})
    db.audit("assess", "risk_assessment", assessment_id, f"risk level {level} on {day.isoformat()}", row["id"])
    return _assessment(db.get("risk_assessments", assessment_id, "risk assessment"))


def assessments(db: Database, client_id: int, upto: date = date.max) -> list[dict]:
    """Every assessment (made by `upto`: a replayed day's), oldest first (date, then order of entry)."""
    return [_assessment(r) for r in db.query(
        "SELECT * FROM risk_assessments WHERE client_id = ? AND assessed_on <= ? ORDER BY assessed_on, id",
        (client_id, upto.isoformat()))]


def superseded_by(db: Database, assessment: dict) -> dict | None:
    """The assessment that stays current over `assessment` (the client's latest by date, then order of entry,
    whatever day is replayed), or None when `assessment` is that one. Not None only for one dated before another:
    a second assessment the same day is entered later, and so is current."""
    row = db.one("SELECT * FROM risk_assessments WHERE client_id = ? ORDER BY assessed_on DESC, id DESC LIMIT 1",
                 (assessment["client_id"],))
    return _assessment(row) if row and row["id"] != assessment["id"] else None


def current(db: Database, client_id: int) -> dict | None:
    """The latest assessment up to today (by date, then order of entry); None when never assessed."""
    row = db.one("SELECT * FROM risk_assessments WHERE client_id = ? AND assessed_on <= ? "
                 "ORDER BY assessed_on DESC, id DESC LIMIT 1", (client_id, db.today.isoformat()))
    return _assessment(row) if row else None


def current_level(db: Database, client_id: int) -> str | None:
    return current_levels_of(db, [client_id])[client_id]


def current_levels_of(db: Database, client_ids: list[int]) -> dict[int, str | None]:
    """`current_level` of many clients (the level of `current`), in one statement per few hundred."""
    levels: dict[int, str | None] = {client_id: None for client_id in client_ids}
    for chunk, marks in id_chunks(list(levels)):
        for client_id, level in db.execute(
                f"SELECT client_id, level FROM risk_assessments WHERE client_id IN ({marks}) AND assessed_on <= ? "
                "ORDER BY client_id, assessed_on, id", [*chunk, db.today.isoformat()]):
            levels[client_id] = level   # the last one read is the current one
    return levels


# -- the questionnaire flag ----------------------------------------------------------

# The latest risk item above 0 of CLIENT not yet followed by an assessment, less its SELECT list:
# questionnaire_flag reads one client's row, open_flags every current client's in one statement. Followed:
# dated after the questionnaire, or the same day and entered after it (a screen at the start of a session
# that found no risk does not answer the questionnaire filled in at its end, entered after the screen).
_FLAG_FROM = """
FROM measures m
WHERE m.client_id = CLIENT AND m.risk > 0 AND m.taken_on <= :today
  AND NOT EXISTS (SELECT 1 FROM risk_assessments a WHERE a.client_id = m.client_id AND a.assessed_on <= :today
                  AND (a.assessed_on > m.taken_on OR (a.assessed_on = m.taken_on AND a.created_at >= m.created_at)))
ORDER BY m.taken_on DESC, m.id DESC LIMIT 1
"""
_FLAG_SQL = "SELECT m.id, m.instrument, m.taken_on, m.risk" + _FLAG_FROM.replace("CLIENT", ":client")


def answer_of(db: Database, measure_id: int) -> tuple[dict | None, dict | None]:
    """For a questionnaire with its risk item above 0: (the first assessment that answers it, or None; the
    latest assessment the same day entered before it, which does not, or None)."""
    measure = db.get("measures", measure_id, "measure")
    args = {"client": measure["client_id"], "day": measure["taken_on"], "at": measure["created_at"],
            "today": db.today.isoformat()}
    answer = db.one("SELECT * FROM risk_assessments WHERE client_id = :client AND assessed_on <= :today "
                    "AND (assessed_on > :day OR (assessed_on = :day AND created_at >= :at)) "
                    "ORDER BY assessed_on, id LIMIT 1", args)
    before = None if answer else db.one("SELECT * FROM risk_assessments WHERE client_id = :client "
                                        "AND assessed_on = :day AND created_at < :at ORDER BY id DESC LIMIT 1", args)
    return (_assessment(answer) if answer else None), (_assessment(before) if before else None)


def questionnaire_flag(db: Database, client_id: int) -> dict | None:
    """The latest questionnaire risk item above 0 with no risk assessment after it (dated later, or the same day
    and entered after it), or None."""
    from therapy_cli.clinical.measures import risk_item_flag

    row = db.one(_FLAG_SQL, {"client": client_id, "today": db.today.isoformat()})
    return risk_item_flag(row) if row else None


# -- safety plans ------------------------------------------------------------------

def _plan(row: dict) -> dict:
    return {"id": row["id"], "client_id": row["client_id"], "version": row["version"],
            **{k: row[k] for k in PLAN_FIELDS}, "set_on": row["set_on"]}


def safety_plan(db: Database, client_id: int, upto: date = date.max) -> dict | None:
    """The latest version (of those set by `upto`)."""
    row = db.one("SELECT * FROM safety_plans WHERE client_id = ? AND set_on <= ? ORDER BY version DESC LIMIT 1",
                 (client_id, upto.isoformat()))
    return _plan(row) if row else None


def safety_plan_history(db: Database, client_id: int, upto: date = date.max) -> list[dict]:
    return [_plan(r) for r in db.query("SELECT * FROM safety_plans WHERE client_id = ? AND set_on <= ? "
                                       "ORDER BY version", (client_id, upto.isoformat()))]


def set_safety_plan(db: Database, client, on: date | None = None, **parts) -> tuple[dict, bool]:
    """Set the safety plan, or revise it as a new version (the previous ones are kept).

    Parts not given (None) carry over from the current version; '' clears one.
    Returns (the current plan, whether a version was added): an identical plan adds nothing.
    """
    row = _live_client(db, client)
    unknown = set(parts) - set(PLAN_FIELDS)
    if unknown:
        raise InvalidValue(f"unknown safety plan part {sorted(unknown)[0]!r}")
    given = {k: v for k, v in parts.items() if v is not None}
    previous = safety_plan(db, row["id"])
    if not given:
        raise InvalidValue("give at least one part of the plan: --warning-signs, --coping, --contacts, --crisis "
                           "or --means-safety")
    day = on or db.today
    _check_day(db, row, day, "safety plan date")
    if previous and day.isoformat() < previous["set_on"]:
        raise InvalidValue(f"safety plan date {day.isoformat()} is before the current version's "
                           f"({previous['set_on']})")
    values = {k: (previous or {}).get(k) for k in PLAN_FIELDS}
    for key, text in given.items():
        values[key] = clean_text(text, PLAN_LABELS[key], 5000)
    if previous and all(values[k] == previous[k] for k in PLAN_FIELDS):
        return previous, False
    if not any(values.values()):
        raise InvalidValue("a safety plan needs at least one part that is not empty")
    version = previous["version"] + 1 if previous else 1
    plan_id = db.insert("safety_plans", {"client_id": row["id"], "version": version, **values,
                                         "set_on": day.isoformat(), "created_at": utc_now()})
    db.audit("set" if version == 1 else "revise", "safety_plan", plan_id, f"safety plan version {version}",
             row["id"])
    return safety_plan(db, row["id"]), True


# -- what the commands show -----------------------------------------------------------

def show(db: Database, client_id: int) -> dict:
    """`risk show`: the current level, the questionnaire flag, every assessment and the safety plan, as they
    stood on today (a replayed day does not show what was written after it)."""
    now = current(db, client_id)
    return {
        "client_id": client_id,
        "level": now["level"] if now else None,
        "assessed_on": now["assessed_on"] if now else None,
        "review_due": now["review_due"] if now else None,
        "flag": questionnaire_flag(db, client_id),
        "assessments": assessments(db, client_id, db.today),
        "safety_plan": safety_plan(db, client_id, db.today),
        "safety_plan_versions": len(safety_plan_history(db, client_id, db.today)),
    }


def register(db: Database) -> list[dict]:
    """Every active or waiting client with a level above none or an unassessed questionnaire flag.

    Highest level first (high, moderate, low; then clients never assessed or last
    assessed as none, whose flag is the reason they are listed); within a level, a
    flag first, then the earliest review due, then by id.
    """
    today = db.today.isoformat()
    rows = db.query(
        _with_state(db, None) + "SELECT c.id AS client_id, c.name, cs.status FROM clients c "
        "JOIN client_state cs ON cs.id = c.id WHERE " + _current_clients(db.today) + " "
        "AND (EXISTS (SELECT 1 FROM risk_assessments a WHERE a.client_id = c.id AND a.assessed_on <= :today) "
        "     OR EXISTS (SELECT 1 FROM measures m WHERE m.client_id = c.id AND m.risk > 0)) "
        "ORDER BY c.id", {"today": today})
    items = []
    for row in rows:
        now = current(db, row["client_id"])
        flag = questionnaire_flag(db, row["client_id"])
        level = now["level"] if now else None
        if (level in (None, "none")) and flag is None:
            continue
        items.append({"client_id": row["client_id"], "name": row["name"], "status": row["status"],
                      "level": level, "assessed_on": now["assessed_on"] if now else None,
                      "review_due": now["review_due"] if now else None, "flag": flag})
    items.sort(key=lambda i: (-RANK.get(i["level"] or "none", 0), i["flag"] is None,
                              i["review_due"] or "9999-12-31", i["client_id"]))
    return items


def left_register(db: Database, before: list[dict], on: date | None = None) -> list[dict]:
    """The items of `before` (the register as it was) whose clients are no longer on it, or, with `on` a later
    day, are not in therapy or waiting on that day (a member of a unit is one through the day they leave it)."""
    now = {item["client_id"] for item in register(db)}
    later: dict = {}
    if on is not None and on > db.today:
        from therapy_cli.practice.state import states

        later = states(db, on, [item["client_id"] for item in before if item["client_id"] in now])
    return [item for item in before if item["client_id"] not in now
            or (on is not None and on > db.today
                and (later.get(item["client_id"]) or {}).get("status") not in ("active", "waiting"))]


def register_text(item: dict) -> str:
    """A register item in a line: `#5 H.C. (high risk, assessed 2026-12-02, review due 2026-12-04; PHQ-9 item
    9 = 2 on 2026-11-30 not yet assessed)`."""
    from therapy_cli.practice.clients import case_label

    said = []
    if item["level"] not in (None, "none"):
        said.append(f"{item['level']} risk, assessed {item['assessed_on']}"
                    + (f", review due {item['review_due']}" if item["review_due"] else ""))
    if item["flag"]:
        flag = item["flag"]
        said.append(f"{flag['instrument']} item {flag['item']} = {flag['score']} on {flag['taken_on']} "
                    "not yet assessed")
    return f"{case_label({'id': item['client_id'], 'name': item['name']})} ({'; '.join(said)})"


def open_flags(db: Database, ctes: str | None = None) -> list[dict]:
    """Active or waiting clients' questionnaire flags with no assessment since: [{client_id, name, flag}],
    oldest first. `ctes`: the state's common table expressions when the caller has them (`_with_state`)."""
    from therapy_cli.clinical.measures import risk_item_flag

    # questionnaire_flag for every current client, in one statement (a service has hundreds flagged)
    latest = "SELECT m.id" + _FLAG_FROM.replace("CLIENT", "c.id")
    rows = db.query(_with_state(db, ctes) +
                    f"SELECT c.id AS client_id, c.name, f.id, f.instrument, f.taken_on, f.risk FROM client_state cs "
                    f"JOIN clients c ON c.id = cs.id JOIN measures f ON f.id = ({latest}) WHERE {_current_clients(db.today)} "
                    "ORDER BY f.taken_on, c.id", {"today": db.today.isoformat()})
    return [{"client_id": row["client_id"], "name": row["name"], "flag": risk_item_flag(row)} for row in rows]


def reviews_due(db: Database, horizon: date, ctes: str | None = None) -> list[dict]:
    """Active or waiting clients whose current assessment's review falls on or before `horizon`."""
    out = []
    for row in db.query(_with_state(db, ctes) +
                        "SELECT DISTINCT a.client_id FROM risk_assessments a JOIN clients c ON c.id = a.client_id "
                        "JOIN client_state cs ON cs.id = c.id "
                        "WHERE " + _current_clients(db.today) + " AND a.review_due IS NOT NULL ORDER BY a.client_id"):
        now = current(db, row["client_id"])
        if now and now["review_due"] and now["review_due"] <= horizon.isoformat():
            out.append(now)
    return sorted(out, key=lambda a: (a["review_due"], a["client_id"]))


def detail_section(db: Database, record: dict) -> None:
    """The risk part of `client show`: the current level and when its review is due."""
    now = current(db, record["id"])
    record["risk_level"] = now["level"] if now else None
    record["risk_review_due"] = now["review_due"] if now else None
