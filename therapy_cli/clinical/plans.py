"""Treatment plans (versioned: a change adds a version, the old one stays), goals and reviews."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from therapy_cli.validation import check_not_future as _check_not_future, check_within_life, clean_text
from therapy_cli.storage.db import Database, id_chunks, sql_date, utc_now
from therapy_cli.errors import Conflict, InvalidValue, NotFound, WrongForm

MODALITIES = ("cbt", "psychodynamic", "psychoanalytic", "humanistic", "integrative", "systemic", "hypno",
              "constructivist", "other")
MAX_SESSIONS = 1000
MAX_REVIEW_WEEKS = 104
MAX_PROBLEMS = 20
GOAL_SCORE = (0, 10)
EARLIEST = date(1950, 1, 1)  # as for supervision and CPD: an earlier date is a typing slip


def check_not_future(day: date, today: date, what: str) -> None:
    """Not after today, and not before 1950."""
    _check_not_future(day, today, what)
    if day < EARLIEST:
        raise InvalidValue(f"{what} {day.isoformat()} is before {EARLIEST.year}")


def _client_id(client) -> int:
    return client["id"] if isinstance(client, dict) else int(client)


def _live_client(db: Database, client) -> int:
    """The client's id, refusing an erased record (nothing new is written about an erased client)."""
    client_id = _client_id(client)
    row = db.get("clients", client_id, "client")
    if row["erased_on"]:
        raise Conflict(f"client #{client_id} has been erased; its plan cannot be changed")
    return client_id


def _within_life(db: Database, client_id: int, day: date, what: str) -> None:
    """A plan, a review or a goal's rating is the client's work with you: none before their birth (a year typed
    wrong) nor after a recorded death."""
    row = db.one("SELECT date_of_birth, died_on FROM clients WHERE id = ?", (client_id,))
    check_within_life(day, row["date_of_birth"], row["died_on"], what)


# -- plans -------------------------------------------------------------------------

def _plan_row(row: dict) -> dict:
    return {
        "id": row["id"],
        "client_id": row["client_id"],
        "version": row["version"],
        "modality": row["modality"],
        "approach": row["approach"],
        "sessions_planned": row["sessions_planned"],
        "review_every_weeks": row["review_every_weeks"],
        "problems": json.loads(row["problems"] or "[]"),
        "started_on": row["started_on"],
    }


def _latest_row(db: Database, client_id: int) -> dict | None:
    return db.one("SELECT * FROM plans WHERE client_id = ? ORDER BY version DESC LIMIT 1", (client_id,))


def current_plan(db: Database, client_id: int) -> dict | None:
    """The client's plan as it stood today: the latest version started by then, with its goals and when
    review is due; None without one. Today is `--today` on a replayed day, so a later revision, review,
    goal or rating is not shown as that day's (nothing is dated after the real today)."""
    by = db.today.isoformat()
    row = db.one("SELECT * FROM plans WHERE client_id = ? AND started_on <= ? ORDER BY version DESC LIMIT 1",
                 (client_id, by))
    if row is None:
        return None
    plan = _plan_row(row)
    due = review_due(db, client_id)
    plan["review_due"] = due.isoformat() if due else None
    last = db.one("SELECT reviewed_on FROM plan_reviews WHERE client_id = ? AND reviewed_on <= ? "
                  "ORDER BY reviewed_on DESC, id DESC LIMIT 1", (client_id, by))
    plan["last_reviewed_on"] = last["reviewed_on"] if last else None
    plan["goals"] = [_goal_record(db, r, by) for r in db.query(
        "SELECT * FROM goals WHERE client_id = ? AND created_on <= ? ORDER BY id", (client_id, by))]
    return plan


def plan_history(db: Database, client_id: int) -> list[dict]:
    """Every version of the plan started by today, oldest first."""
    return [_plan_row(r) for r in db.query("SELECT * FROM plans WHERE client_id = ? AND started_on <= ? "
                                           "ORDER BY version", (client_id, db.today.isoformat()))]


# Per client `c`, as it stood on the day `{by}`: the current review interval, and the last review or,
# before any, the plan's start.
_REVIEW_CLOCK = (
    "(SELECT p.review_every_weeks FROM plans p WHERE p.client_id = c.id AND p.started_on <= {by} "
    " ORDER BY p.version DESC LIMIT 1), "
    "coalesce((SELECT max(r.reviewed_on) FROM plan_reviews r WHERE r.client_id = c.id AND r.reviewed_on <= {by}), "
    "         (SELECT p.started_on FROM plans p WHERE p.client_id = c.id ORDER BY p.version LIMIT 1))")


def _due(every: int | None, since: str | None) -> date | None:
    return date.fromisoformat(since) + timedelta(weeks=every) if every and since else None


def review_due(db: Database, client_id: int) -> date | None:
    """Last review (or, before any review, the plan's start) + the current review interval.

    None when there is no plan or the plan sets no review interval. Revising the
    plan does not restart the clock; a review does.
    """
    return review_dues_of(db, [client_id]).get(client_id)


def review_dues_of(db: Database, client_ids: list[int]) -> dict[int, date | None]:
    """`review_due` of many clients as at today, in one statement per few hundred (a client not held:
    left out)."""
    due: dict[int, date | None] = {}
    clock = _REVIEW_CLOCK.format(by=sql_date(db.today))
    for chunk, marks in id_chunks(list(dict.fromkeys(client_ids))):
        for client_id, every, since in db.execute(
                f"SELECT c.id, {clock} FROM clients c WHERE c.id IN ({marks})", chunk):
            due[client_id] = _due(every, since)
    return due


def modalities_of(db: Database, client_ids: list[int]) -> dict[int, str]:
    """The modality of each client's plan as it stood today (`current_plan`), for those who had one."""
    modalities: dict[int, str] = {}
    by = sql_date(db.today)
    for chunk, marks in id_chunks(list(dict.fromkeys(client_ids))):
        for client_id, modality in db.execute(
                f"SELECT client_id, modality FROM plans p WHERE client_id IN ({marks}) "
                f"AND version = (SELECT max(version) FROM plans q WHERE q.client_id = p.client_id "
                f"AND q.started_on <= {by})", chunk):
            modalities[client_id] = modality
    return modalities


def set_plan(db: Database, client, modality: str, approach: str | None = None, sessions: int | None = None,
             review_every: int | None = None, problems: list[str] | None = None,
             on: date | None = None) -> dict:
    """Set the plan, or revise it as a new version (the previous one is kept).

    On a revision, what is not given (None) carries over from the current
    version; an empty approach or problem clears it. An identical plan adds
    nothing and returns the current one.
    """
    client_id = _live_client(db, client)
    modality = (modality or "").strip().lower()
    if modality not in MODALITIES:
        raise InvalidValue(f"modality {modality!r} is not one of {', '.join(MODALITIES)}")
    if sessions is not None and not 1 <= sessions <= MAX_SESSIONS:
        raise InvalidValue(f"--sessions must be 1–{MAX_SESSIONS}")
    if review_every is not None and not 1 <= review_every <= MAX_REVIEW_WEEKS:
        raise InvalidValue(f"--review-every must be 1–{MAX_REVIEW_WEEKS} weeks")
    if problems is not None:
        if len(problems) > MAX_PROBLEMS:
            raise InvalidValue(f"at most {MAX_PROBLEMS} problems")
        problems = [p for p in (clean_text(p, "problem", 500) for p in problems) if p]
    day = on or db.today
    check_not_future(day, db.today, "plan date")
    _within_life(db, client_id, day, "plan date")
    referred = db.scalar("SELECT referred_on FROM clients WHERE id = ?", (client_id,))
    if referred and day.isoformat() < referred:   # as a session is: the work starts with the referral
        raise InvalidValue(f"plan date {day.isoformat()} is before the client's referral ({referred}); give the "
                           f"day the plan was made, or correct the referral (therapy client edit {client_id} "
                           "--referred-on DATE)")
    previous = _latest_row(db, client_id)
    values = {
        "modality": modality,
        "approach": clean_text(approach, "approach", 200) if approach is not None else None,
        "sessions_planned": sessions,
        "review_every_weeks": review_every,
        "problems": problems,
    }
    if previous is not None:
        if day.isoformat() < previous["started_on"]:
            raise InvalidValue(f"plan date {day.isoformat()} is before the current version's start "
                               f"({previous['started_on']})")
        reviewed = db.scalar("SELECT max(reviewed_on) FROM plan_reviews WHERE plan_id = ?", (previous["id"],))
        if reviewed and day.isoformat() < reviewed:
            # the review would then be of a version that no longer applied that day
            raise InvalidValue(f"plan date {day.isoformat()} is before the review of version {previous['version']} "
                               f"on {reviewed}; a new version starts on or after it")
        carried = _plan_row(previous)
        if approach is None:
            values["approach"] = carried["approach"]
        if sessions is None:
            values["sessions_planned"] = carried["sessions_planned"]
        if review_every is None:
            values["review_every_weeks"] = carried["review_every_weeks"]
        if problems is None:
            values["problems"] = carried["problems"]
        if all(values[k] == carried[k] for k in values):
            return current_plan(db, client_id)
    version = (previous["version"] + 1) if previous else 1
    plan_id = db.insert("plans", {
        "client_id": client_id, "version": version, **values, "problems": json.dumps(values["problems"] or []),
        "started_on": day.isoformat(), "created_at": utc_now(),
    })
    db.audit("set" if version == 1 else "revise", "plan", plan_id, f"plan version {version} ({modality})",
             client_id)
    return current_plan(db, client_id)


def review_plan(db: Database, client, note: str | None = None, on: date | None = None) -> dict:
    """Record a review of the current plan; the next is due review-every weeks later."""
    client_id = _live_client(db, client)
    plan = _latest_row(db, client_id)
    if plan is None:
        raise NotFound(f"client #{client_id} has no treatment plan; set one with `therapy plan set`")
    day = on or db.today
    check_not_future(day, db.today, "review date")
    _within_life(db, client_id, day, "review date")
    if day.isoformat() < plan["started_on"]:
        started = "the plan started" if plan["version"] == 1 else f"version {plan['version']} of the plan started"
        raise InvalidValue(f"review date {day.isoformat()} is before {started} ({plan['started_on']})")
    note = clean_text(note, "note", 5000)
    twin = db.scalar("SELECT id FROM plan_reviews WHERE client_id = ? AND reviewed_on = ? "
                     "AND coalesce(note, '') = coalesce(?, '')", (client_id, day.isoformat(), note))
    if twin is not None:   # the command run again from the shell history
        raise Conflict(f"this review of client #{client_id}'s plan on {day.isoformat()} is already recorded "
                       f"(review #{twin}); a second review that day needs a --note of its own")
    weeks = plan["review_every_weeks"]
    next_on = (day + timedelta(weeks=weeks)).isoformat() if weeks else None
    review_id = db.insert("plan_reviews", {
        "client_id": client_id, "plan_id": plan["id"], "reviewed_on": day.isoformat(),
        "note": note, "next_review_on": next_on, "created_at": utc_now()})
    db.audit("review", "plan_review", review_id, f"plan version {plan['version']} reviewed", client_id)
    return _review_record(db.get("plan_reviews", review_id, "review"), plan["version"])


def _review_record(row: dict, version: int | None = None) -> dict:
    record = {k: row[k] for k in ("id", "client_id", "plan_id", "reviewed_on", "note", "next_review_on")}
    if version is not None:
        record["plan_version"] = version
    return record


def list_reviews(db: Database, client_id: int) -> list[dict]:
    return [_review_record(r, r["version"]) for r in db.query(
        "SELECT r.*, p.version FROM plan_reviews r JOIN plans p ON p.id = r.plan_id WHERE r.client_id = ? "
        "AND r.reviewed_on <= ? ORDER BY r.reviewed_on, r.id", (client_id, db.today.isoformat()))]


def show_plan(db: Database, client_id: int, history: bool = False) -> dict:
    """What `plan show` shows: the current plan, goals with ratings, reviews; previous versions on request.
    All as they stood today (`--today` on a replayed day)."""
    plan = current_plan(db, client_id)
    if plan is None:
        erased = db.scalar("SELECT erased_on FROM clients WHERE id = ?", (client_id,))
        if erased:   # `plan set` would refuse it: the plan went with the erasure
            raise NotFound(f"client #{client_id} was erased on {erased}; their plan was erased with the record")
        raise NotFound(f"client #{client_id} has no treatment plan; set one with `therapy plan set`")
    plan["reviews"] = list_reviews(db, client_id)
    if history:
        plan["history"] = plan_history(db, client_id)
    return plan


# -- goals -----------------------------------------------------------------------

def _goal_record(db: Database, row: dict, by: str = "9999-12-31") -> dict:
    """A goal with its ratings, as it stood on `by` (a date; by default as it is)."""
    ratings = db.query("SELECT id, rated_on, score FROM goal_ratings WHERE goal_id = ? AND rated_on <= ? "
                       "ORDER BY rated_on, id", (row["id"], by))
    latest = ratings[-1] if ratings else None
    closed_on = row["closed_on"] if row["closed_on"] and row["closed_on"] <= by else None
    return {
        "id": row["id"],
        "client_id": row["client_id"],
        "text": row["text"],
        "status": "closed" if closed_on else "open",
        "created_on": row["created_on"],
        "closed_on": closed_on,
        "latest_score": latest["score"] if latest else None,
        "latest_rated_on": latest["rated_on"] if latest else None,
        "first_score": ratings[0]["score"] if ratings else None,
        "ratings": [{"rated_on": r["rated_on"], "score": r["score"]} for r in ratings],
    }


def _goal(db: Database, client_id: int, goal_id: int) -> dict:
    row = db.one("SELECT * FROM goals WHERE id = ?", (goal_id,))
    if row is None or row["client_id"] != client_id:
        raise NotFound(f"client #{client_id} has no goal #{goal_id}; see `therapy plan show`")
    return row


def add_goal(db: Database, client, text: str, on: date | None = None) -> dict:
    client_id = _live_client(db, client)
    if _latest_row(db, client_id) is None:
        raise NotFound(f"client #{client_id} has no treatment plan; set one with `therapy plan set` first")
    text = clean_text(text, "goal", 500)
    if not text:
        raise InvalidValue("goal must not be empty")
    day = on or db.today
    # open on the new goal's day (a goal dated back, before one of its wording was closed, is open beside it then)
    same = db.one("SELECT id, text, closed_on FROM goals WHERE client_id = ? AND text = ? COLLATE NOCASE "
                  "AND (closed_on IS NULL OR closed_on > ?) ORDER BY id LIMIT 1", (client_id, text, day.isoformat()))
    if same is not None:   # two open goals of one wording would be rated apart and drift
        if same["closed_on"]:
            raise Conflict(f"goal #{same['id']} {same['text']!r} was open on {day.isoformat()} (closed on "
                           f"{same['closed_on']}); rate that one, or date the new goal from its closing")
        raise Conflict(f"goal #{same['id']} {same['text']!r} is already open for client #{client_id}; rate it "
                       f"(therapy plan goal rate {client_id} {same['id']} SCORE), or close it first")
    check_not_future(day, db.today, "goal date")
    _within_life(db, client_id, day, "goal date")
    started = db.scalar("SELECT started_on FROM plans WHERE client_id = ? ORDER BY version LIMIT 1", (client_id,))
    if day.isoformat() < started:   # as a review is: a goal belongs to the plan, which did not exist before
        raise InvalidValue(f"goal date {day.isoformat()} is before the plan started ({started})")
    goal_id = db.insert("goals", {"client_id": client_id, "text": text, "created_on": day.isoformat()})
    db.audit("add", "goal", goal_id, "goal added", client_id)
    return _goal_record(db, _goal(db, client_id, goal_id))


def rate_goal(db: Database, client, goal_id: int, score, on: date | None = None) -> dict:
    """Rate progress towards a goal, 0 (not at all) to 10 (fully achieved)."""
    client_id = _live_client(db, client)
    goal = _goal(db, client_id, goal_id)
    if goal["closed_on"]:
        raise Conflict(f"goal #{goal_id} was closed on {goal['closed_on']}; closed goals are not rated")
    text = str(score).strip()
    if re.fullmatch(r"\+[0-9]+", text):   # a change, or a 5 typed with a sign? the score is where the goal is now
        raise InvalidValue(f"goal score {score!r} has a sign: rate where the goal stands now, "
                           f"{GOAL_SCORE[0]}–{GOAL_SCORE[1]}, not the change since the last rating")
    if not re.fullmatch(r"-?[0-9]+", text):  # ASCII only: '²'.isdigit() is True but int('²') fails
        try:
            float(text)   # a number, not whole (2.5): out of range, exit 1; not a number at all: exit 2 (SPEC)
        except ValueError:
            raise WrongForm(f"goal score {score!r} is not a number; use a whole number "
                            f"{GOAL_SCORE[0]}–{GOAL_SCORE[1]}") from None
        raise InvalidValue(f"goal score {score!r} is not a whole number; use {GOAL_SCORE[0]}–{GOAL_SCORE[1]}")
    value = int(text)
    if not GOAL_SCORE[0] <= value <= GOAL_SCORE[1]:
        raise InvalidValue(f"goal score {value} is out of range; use {GOAL_SCORE[0]}–{GOAL_SCORE[1]}")
    day = on or db.today
    check_not_future(day, db.today, "rating date")
    _within_life(db, client_id, day, "rating date")
    if day.isoformat() < goal["created_on"]:
        raise InvalidValue(f"rating date {day.isoformat()} is before the goal was set ({goal['created_on']})")
    if db.scalar("SELECT 1 FROM goal_ratings WHERE goal_id = ? AND rated_on = ? AND score = ?",
                 (goal_id, day.isoformat(), value)):
        # the command run again from the shell history: a second row would show the goal rated twice
        raise Conflict(f"goal #{goal_id} is already rated {value} on {day.isoformat()}")
    rating_id = db.insert("goal_ratings", {"goal_id": goal_id, "rated_on": day.isoformat(), "score": value,
                                           "created_at": utc_now()})
    db.audit("rate", "goal_rating", rating_id, f"goal #{goal_id} rated", client_id)
    return _goal_record(db, goal)


def close_goal(db: Database, client, goal_id: int, on: date | None = None) -> dict:
    client_id = _live_client(db, client)
    goal = _goal(db, client_id, goal_id)
    if goal["closed_on"]:
        raise Conflict(f"goal #{goal_id} was already closed on {goal['closed_on']}")
    day = on or db.today
    check_not_future(day, db.today, "closing date")
    if day.isoformat() < goal["created_on"]:
        raise InvalidValue(f"closing date {day.isoformat()} is before the goal was set ({goal['created_on']})")
    rated = db.scalar("SELECT max(rated_on) FROM goal_ratings WHERE goal_id = ?", (goal_id,))
    if rated and day.isoformat() < rated:   # a closed goal is not rated: none may be dated after its closing
        raise InvalidValue(f"closing date {day.isoformat()} is before the goal's latest rating ({rated})")
    db.update("goals", goal_id, {"closed_on": day.isoformat()})
    db.audit("close", "goal", goal_id, f"goal #{goal_id} closed", client_id)
    return _goal_record(db, _goal(db, client_id, goal_id))


def unrate_goal(db: Database, client, goal_id: int) -> tuple[dict, dict]:
    """Take back a goal's latest rating, recorded in error (the goal and score swapped, `rate 2 3` for
    `rate 3 2`): (the rating removed, the goal as it is now). Audited."""
    client_id = _live_client(db, client)
    _goal(db, client_id, goal_id)
    latest = db.one("SELECT * FROM goal_ratings WHERE goal_id = ? ORDER BY rated_on DESC, id DESC LIMIT 1",
                    (goal_id,))
    if latest is None:
        raise NotFound(f"goal #{goal_id} has no rating to take back")
    db.execute("DELETE FROM goal_ratings WHERE id = ?", (latest["id"],))
    db.audit("remove", "goal_rating", latest["id"], f"goal #{goal_id} rating of {latest['rated_on']} taken back "
             "(recorded in error)", client_id)
    return ({"rated_on": latest["rated_on"], "score": latest["score"]},
            _goal_record(db, _goal(db, client_id, goal_id)))


def latest_rating(db: Database, client, goal_id: int) -> dict | None:
    """The rating `unrate_goal` would take back (to ask about it first), or None."""
    client_id = _live_client(db, client)   # an erased client's goals went with the record: say so, as unrate does
    goal = _goal(db, client_id, goal_id)
    row = db.one("SELECT rated_on, score FROM goal_ratings WHERE goal_id = ? ORDER BY rated_on DESC, id DESC "
                 "LIMIT 1", (goal_id,))
    return {**row, "text": goal["text"]} if row else None


def reopen_goal(db: Database, client, goal_id: int) -> dict:
    """Take back a goal's closing (closed by the wrong id, or too soon). Audited."""
    client_id = _live_client(db, client)
    goal = _goal(db, client_id, goal_id)
    if not goal["closed_on"]:
        raise Conflict(f"goal #{goal_id} is open; only a closed goal is reopened")
    # reopened, it is open from the day it was set: a goal of its wording open at any time since (one still
    # open, or one set after its closing and closed since) would have been open beside it
    same = db.one("SELECT id, closed_on FROM goals WHERE client_id = ? AND text = ? COLLATE NOCASE "
                  "AND (closed_on IS NULL OR closed_on > ?) AND id != ? ORDER BY id LIMIT 1",
                  (client_id, goal["text"], goal["created_on"], goal_id))
    if same is not None:   # as add_goal: two open goals of one wording would be rated apart and drift
        if same["closed_on"]:
            raise Conflict(f"goal #{same['id']} of the same wording was open since (closed on "
                           f"{same['closed_on']}); reopened, goal #{goal_id} would be open beside it")
        raise Conflict(f"goal #{same['id']} of the same wording is open; rate that one, or close it first")
    db.update("goals", goal_id, {"closed_on": None})
    db.audit("reopen", "goal", goal_id, f"goal #{goal_id} closing of {goal['closed_on']} taken back", client_id)
    return _goal_record(db, _goal(db, client_id, goal_id))


def detail_section(db: Database, record: dict) -> None:
    """The plan part of `client show`: current plan, goals with latest ratings, review due."""
    plan = current_plan(db, record["id"])
    if plan is not None:
        plan["goals"] = [{"id": g["id"], "text": g["text"], "status": g["status"],
                          "latest_score": g["latest_score"], "latest_rated_on": g["latest_rated_on"]}
                         for g in plan["goals"]]
    record["plan"] = plan
    record["review_due"] = plan["review_due"] if plan else None
