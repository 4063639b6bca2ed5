"""Outcome measures: entering scores, the PHQ-9 risk item, progress judged by NHS Talking Therapies rules."""

from __future__ import annotations

import json
from datetime import date

from therapy_cli.storage.db import Database, id_chunks, sql_date, utc_now
from therapy_cli.errors import Conflict, InvalidValue, NotFound, WrongForm
from therapy_cli.clinical.instruments import (
    INSTRUMENTS, NAMES, Instrument, check_items, check_total, get_instrument, is_caseness, reliable_direction,
    risk_score, score_items, severity,
)

EARLIEST = date(1950, 1, 1)  # as for supervision and CPD: an earlier date is a typing slip
# Every questionnaire with a risk item (PHQ-9 item 9, CORE-10 item 6), as instruments.py declares them.
RISK_INSTRUMENTS = tuple(inst.name for inst in INSTRUMENTS if inst.risk_item is not None)

# NHS Talking Therapies: recovery and reliable change are judged on PHQ-9 and GAD-7.
PAIRED = ("PHQ-9", "GAD-7")
# ... and only for a finished course of treatment: at least two attended treatment sessions.
FINISHED_COURSE_SESSIONS = 2

MEASURE_COLUMNS = ["id", "taken_on", "instrument", "score", "severity", "caseness", "risk", "session_id"]


def parse_items(text: str) -> list[str]:
    """'1,2,0,3' (commas, semicolons and/or spaces) → ['1', '2', '0', '3']; the instrument checks each."""
    parts = [p for p in (text or "").replace(",", " ").replace(";", " ").split()]
    if not parts:
        raise InvalidValue("--items is empty; give the item scores in order, e.g. --items 1,2,0,3,...")
    return parts


def _number(value):
    if value is None:
        return None
    value = round(float(value), 1)
    return int(value) if value == int(value) else value


def measure_record(row: dict) -> dict:
    """A measures row as SPEC's JSON: id, client_id, instrument, taken_on, score, severity, caseness (+ more)."""
    return {
        "id": row["id"],
        "client_id": row["client_id"],
        "instrument": row["instrument"],
        "taken_on": row["taken_on"],
        "score": _number(row["score"]),
        "severity": row["severity"],
        "caseness": None if row["caseness"] is None else bool(row["caseness"]),
        "items": json.loads(row["items"]) if row["items"] else None,
        "risk": row["risk"],
        "session_id": row["session_id"],
    }


def check_session(db: Database, client_id: int, session_id: int) -> dict:
    """The session must exist and be the client's, or a session of a unit the client belonged to then."""
    session = db.one("SELECT id, kind, client_id, local_date FROM sessions WHERE id = ?", (session_id,))
    if session is None:
        raise NotFound(f"no session with id {session_id}")
    if session["client_id"] == client_id:
        return session
    if session["client_id"] is not None:
        member = db.one(
            "SELECT 1 FROM memberships WHERE unit_id = ? AND member_id = ? "
            "AND (joined_on IS NULL OR joined_on <= ?) AND (left_on IS NULL OR left_on >= ?)",
            (session["client_id"], client_id, session["local_date"], session["local_date"]))
        if member:
            return session
    raise InvalidValue(f"session #{session_id} is not a session of client #{client_id} "
                       "(nor of a couple, family or group the client belonged to that day)")


_check_session = check_session  # the name the importer uses


def session_option(db: Database, client_id: int, text: str | None) -> int | None:
    """`--session ID|last`: an id, or the client's latest attended session by today (their own, or one of a
    couple, family or group they were at), so the session need not be looked up first."""
    if text is None:
        return None
    value = text.strip()
    if value.lower() == "last":
        from therapy_cli.practice.state import presence_of

        found = db.scalar(f"SELECT session_id FROM {presence_of(':person')} WHERE status = 'attended' "
                          "AND local_date <= :today ORDER BY starts_utc DESC LIMIT 1",
                          {"person": client_id, "today": db.today.isoformat()})
        if found is None:
            raise Conflict(f"client #{client_id} has no attended session by {db.today.isoformat()}; give --on "
                           "without --session")
        return found
    if not value.lstrip("-").isdigit():
        raise WrongForm(f"--session takes a session id or 'last', not {text!r}")
    return int(value)


def check_measurable(client: dict) -> None:
    """An erased client takes no questionnaires (`measure add`, import)."""
    if client.get("erased_on"):
        raise Conflict(f"client #{client['id']} has been erased; no measures can be added")


def check_taken_on(on: date, today: date, died_on: str | None = None, born_on: str | None = None) -> None:
    """The date a questionnaire was taken: not in the future, not before EARLIEST, not after a recorded death
    (as `risk assess` refuses; for `measure add` and import), not before the client's date of birth (a year
    typed wrong)."""
    from therapy_cli.validation import check_not_after_death, check_not_future

    check_not_future(on, today, "date")
    check_not_after_death(on, died_on, "date")
    if on < EARLIEST:
        raise InvalidValue(f"date {on.isoformat()} is before {EARLIEST.year}; these questionnaires are more recent")
    if born_on and on.isoformat() < born_on:
        raise InvalidValue(f"date {on.isoformat()} is before the client's date of birth ({born_on})")


def checked_scores(inst: Instrument, items: list | None, score) -> tuple[list | None, int | float]:
    """(the checked items or None, the total) of one questionnaire, for `measure add`, `import measures` and
    `import all` alike: items checked and totalled, with a total given beside them (as `therapy export` writes
    both) required to be theirs; else the total alone, checked."""
    if items is not None:
        values = check_items(inst, items)
        total = score_items(inst, values)
        if score is not None and check_total(inst, score) != total:
            raise InvalidValue(f"the total score {str(score).strip()} is not the items' total ({total:g}); "
                               "give the items, or the total alone")
        return values, total
    return None, check_total(inst, score)


def scored(inst: Instrument, values: list | None, total) -> dict:
    """The stored columns of a questionnaire from its checked items (None: a total alone) and total."""
    risk = risk_score(inst, values)   # PHQ-9 item 9, CORE-10 item 6 (the instruments' data)
    caseness = is_caseness(inst, total)
    return {"score": total, "items": json.dumps(values) if values is not None else None,
            "severity": severity(inst, total), "caseness": None if caseness is None else int(caseness),
            "risk": risk}


def check_present(db: Database, client_id: int, session_id: int) -> None:
    """A questionnaire completed at a session needs a session that took place with the client there."""
    status, day = db.execute("SELECT status, local_date FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if status in ("dna", "cancelled", "late-cancelled"):
        what = "a DNA" if status == "dna" else status
        raise Conflict(f"session #{session_id} was {what}; link the measure to a session that took place, "
                       "or give --on without --session")
    if status == "scheduled":
        # not taken place yet, or its attendance not recorded: marked a DNA later, the score would sit on it
        raise Conflict(f"session #{session_id} on {day} is still scheduled"
                       + (f"; record it first (therapy session attend {session_id})" if day <= db.today.isoformat()
                          else ", not taken place yet") + ", or give --on without --session")
    if db.one("SELECT 1 FROM session_absences WHERE session_id = ? AND client_id = ?", (session_id, client_id)):
        raise Conflict(f"client #{client_id} was absent from session #{session_id}; link the measure to a "
                       "session they came to, or give --on without --session")


_check_present = check_present  # its name before the importer shared it

SESSION_SPAN_DAYS = 7   # a questionnaire linked to a session was completed within a week of it


def check_taken_at(session_id: int, session_day: str, on: date) -> None:
    """A questionnaire linked to a session is dated within a week of it (filled in before, or just after)."""
    if abs((on - date.fromisoformat(session_day)).days) > SESSION_SPAN_DAYS:
        raise InvalidValue(f"the date taken, {on.isoformat()}, is more than {SESSION_SPAN_DAYS} days from session "
                           f"#{session_id} on {session_day}; give the session it was completed for, or --on "
                           "without --session")


def add_measure(db: Database, client, instrument: str | Instrument, items=None, score=None,
                on: date | None = None, session_id: int | None = None, again: bool = False) -> dict:
    """Record one questionnaire: items (checked, reversed items turned round) or a total (checked). The same
    answers of the same questionnaire on the same day (and session) are refused as the command run twice, unless
    `again`: completed twice that day with the same answers."""
    client_id = client["id"] if isinstance(client, dict) else int(client)
    row = db.get("clients", client_id, "client")
    check_measurable(row)
    inst = instrument if isinstance(instrument, Instrument) else get_instrument(instrument)
    if items is None and score is None:
        raise InvalidValue("give either --items (each item's score, in order) or --score (the total)")
    if items is not None and score is not None:
        raise InvalidValue("give either --items or --score, not both")
    if isinstance(items, str):
        items = parse_items(items)
    session = check_session(db, client_id, session_id) if session_id is not None else None
    if session is not None:
        check_present(db, client_id, session_id)
    if on is None:
        on = date.fromisoformat(session["local_date"]) if session else db.today
    elif session is not None:
        check_taken_at(session_id, session["local_date"], on)
    check_taken_on(on, db.today, row["died_on"], row["date_of_birth"])
    values, total = checked_scores(inst, items, score)
    columns = scored(inst, values, total)
    if not again:
        # the command run again from the shell history: a second row would count the questionnaire twice
        # a total alone beside the same questionnaire's items with that total is the same one entered twice
        # (as `import measures` finds it)
        twin = db.one("SELECT id, items FROM measures WHERE client_id = ? AND instrument = ? AND taken_on = ? "
                      "AND score = ? AND (items IS ? OR items IS NULL OR ? IS NULL) AND session_id IS ? "
                      "ORDER BY items IS ? DESC, id LIMIT 1",
                      (client_id, inst.name, on.isoformat(), columns["score"], columns["items"], columns["items"],
                       session_id, columns["items"]))
        if twin is not None:
            same = "answers" if values is not None and twin["items"] is not None else "total"
            raise Conflict(f"this {inst.name} of #{client_id} on {on.isoformat()} is already recorded, with the same "
                           f"{same} (measure #{twin['id']}); if it was completed twice that day with the same "
                           f"{same}, give --again")
    measure_id = db.insert("measures", {
        "client_id": client_id, "instrument": inst.name, "taken_on": on.isoformat(), **columns,
        "session_id": session_id, "created_at": utc_now(),
    })
    db.audit("add", "measure", measure_id, f"{inst.name} entered for {on.isoformat()}", client_id)
    return measure_record(db.get("measures", measure_id, "measure"))


def new_baseline(db: Database, client: dict, record: dict) -> bool:
    """True when `record`, dated before the referral, is now the earliest of its kind for the client while
    others of that kind exist: the new start of progress (a screening at referral is one; a year typed wrong,
    2016 for 2026, is another)."""
    if not client["referred_on"] or record["taken_on"] >= client["referred_on"]:
        return False
    first_other = db.scalar("SELECT min(taken_on) FROM measures WHERE client_id = ? AND instrument = ? AND id != ?",
                            (client["id"], record["instrument"], record["id"]))
    return first_other is not None and first_other > record["taken_on"]


def get_measure(db: Database, measure_id: int) -> dict:
    return measure_record(db.get("measures", measure_id, "measure"))


def remove_measure(db: Database, measure_id: int) -> dict:
    """Delete a measure entered in error (a wrong score would skew progress and recovery); audited."""
    record = get_measure(db, measure_id)
    db.execute("DELETE FROM measures WHERE id = ?", (measure_id,))
    db.audit("remove", "measure", measure_id, f"{record['instrument']} of {record['taken_on']} removed",
             record["client_id"])
    return record


def list_measures(db: Database, client_id: int, instrument: str | None = None) -> list[dict]:
    """The client's measures taken by today (a replayed day's: a later score is not yet known), in the order
    taken (date, then order of entry)."""
    sql = "SELECT * FROM measures WHERE client_id = ? AND taken_on <= ?"
    params: list = [client_id, db.today.isoformat()]
    if instrument:
        sql += " AND instrument = ?"
        params.append(get_instrument(instrument).name)
    return [measure_record(r) for r in db.query(sql + " ORDER BY taken_on, id", params)]


def series(db: Database, client_id: int, instrument: str | None = None) -> dict[str, list[dict]]:
    """Scores by instrument, in the order taken: {'PHQ-9': [{taken_on, score}, ...], ...}."""
    out: dict[str, list[dict]] = {}
    for row in list_measures(db, client_id, instrument):
        out.setdefault(row["instrument"], []).append({"taken_on": row["taken_on"], "score": row["score"]})
    return dict(sorted(out.items(), key=lambda kv: NAMES.index(kv[0]) if kv[0] in NAMES else 99))


def latest_scores(db: Database, client_id: int) -> dict[str, dict]:
    """The latest score of each instrument: {name: {score, severity, caseness, taken_on}}."""
    return latest_scores_of(db, [client_id])[client_id]


def latest_scores_of(db: Database, client_ids: list[int]) -> dict[int, dict[str, dict]]:
    """`latest_scores` of many clients, in one statement per few hundred (a caseload, not a query each):
    each client's instruments in the order first taken, each with its latest measure taken on or before
    today (`--today`: a replayed day shows that day's scores). Two seeks per instrument in the
    (client_id, instrument, taken_on) index, whose entries run in (taken_on, id) order."""
    latest: dict[int, dict[str, dict]] = {client_id: {} for client_id in client_ids}
    by = sql_date(db.today)
    found = []
    for chunk, marks in id_chunks(list(latest)):
        found += db.execute(
            "SELECT g.client_id, g.instrument, m.score, m.severity, m.caseness, m.taken_on, "
            "  (SELECT f.taken_on || ' ' || printf('%020d', f.id) FROM measures f WHERE f.client_id = g.client_id "
            "   AND f.instrument = g.instrument ORDER BY f.taken_on, f.id LIMIT 1) AS first "
            f"FROM (SELECT DISTINCT client_id, instrument FROM measures WHERE client_id IN ({marks}) "
            f"      AND taken_on <= {by}) g "
            "JOIN measures m ON m.id = (SELECT l.id FROM measures l WHERE l.client_id = g.client_id "
            f"  AND l.instrument = g.instrument AND l.taken_on <= {by} ORDER BY l.taken_on DESC, l.id DESC LIMIT 1)",
            chunk).fetchall()
    # each client's dict takes its instruments in the order first taken
    for client_id, instrument, score, band, caseness, taken_on, _ in sorted(found, key=lambda r: r[6]):
        latest[client_id][instrument] = {"score": _number(score), "severity": band,
                                         "caseness": None if caseness is None else bool(caseness),
                                         "taken_on": taken_on}
    return latest


def risk_flag(db: Database, client_id: int) -> dict | None:
    """The questionnaire risk flag: set while the latest PHQ-9 (item 9) or CORE-10 (item 6) entered with
    items has its risk item above 0; the latest such flag when both do.

    A questionnaire entered as a total only says nothing about its risk item, so it
    neither raises nor clears the flag.
    """
    return risk_flags_of(db, [client_id])[client_id]


def risk_flags_of(db: Database, client_ids: list[int]) -> dict[int, dict | None]:
    """`risk_flag` of many clients, in one statement per few hundred: for each risk instrument a client
    has taken by today, its latest measure by today that says something about the risk item."""
    latest: dict[int, list[dict]] = {client_id: [] for client_id in client_ids}
    names = ",".join(f"'{name}'" for name in RISK_INSTRUMENTS)
    by = sql_date(db.today)
    for chunk, marks in id_chunks(list(latest)):
        for row in db.query(
                "SELECT m.id, m.client_id, m.instrument, m.taken_on, m.risk FROM (SELECT DISTINCT client_id, "
                f"instrument FROM measures WHERE client_id IN ({marks}) AND instrument IN ({names}) "
                f"AND taken_on <= {by}) g "
                "JOIN measures m ON m.id = (SELECT l.id FROM measures l WHERE l.client_id = g.client_id "
                f"  AND l.instrument = g.instrument AND l.risk IS NOT NULL AND l.taken_on <= {by} "
                "ORDER BY l.taken_on DESC, l.id DESC LIMIT 1)",
                chunk):
            latest[row["client_id"]].append(row)
    flags: dict[int, dict | None] = {}
    for client_id, rows in latest.items():
        raised = [row for row in rows if row["risk"]]
        flags[client_id] = risk_item_flag(max(raised, key=lambda r: (r["taken_on"], r["id"]))) if raised else None
    return flags


def risk_item_flag(row: dict) -> dict:
    """A measures row whose risk item is above 0, as the flag shown on `client show` and the risk register."""
    inst = get_instrument(row["instrument"])
    return {"instrument": inst.name, "item": inst.risk_item, "score": row["risk"], "taken_on": row["taken_on"],
            "measure_id": row["id"],
            "message": f"{inst.name} item {inst.risk_item} scored {row['risk']} on {row['taken_on']}: review risk"}


# -- progress ------------------------------------------------------------------

def judge(phq: tuple | None, gad: tuple | None) -> dict:
    """NHS Talking Therapies judgements from (first, last) PHQ-9 and GAD-7 totals (None: not taken).

    A measure with one score is passed as (score, score): unchanged.
    """
    pairs = {"PHQ-9": phq, "GAD-7": gad}
    start = end = False
    falls = rises = 0
    for name, pair in pairs.items():
        if pair is None:
            continue
        inst = get_instrument(name)
        first, last = pair
        start = start or bool(is_caseness(inst, first))
        end = end or bool(is_caseness(inst, last))
        direction = reliable_direction(inst, first, last)
        falls += direction == "improved"
        rises += direction == "deteriorated"
    recovered = start and not end
    improvement = falls > 0 and rises == 0
    deterioration = rises > 0 and falls == 0
    return {
        "at_caseness_start": start,
        "at_caseness_end": end,
        "recovered": recovered,
        "reliable_improvement": improvement,
        "reliable_recovery": recovered and improvement,
        "reliable_deterioration": deterioration,
    }


def progress(db: Database, client_id: int, until: str | None = None) -> dict:
    """First against last per instrument, then the client-level NHS judgements (SPEC `measure progress`),
    over the scores and sessions dated on or before `until` (default today: a day replayed with `--today`
    is judged on what was known that day; an end-of-therapy report passes the discharge date)."""
    until = until or db.today.isoformat()
    instruments: dict[str, dict] = {}
    pairs: dict[str, tuple] = {}
    for name, points in series(db, client_id).items():
        points = [p for p in points if p["taken_on"] <= until]
        if not points:
            continue
        inst = get_instrument(name)
        first, last = points[0]["score"], points[-1]["score"]
        direction = reliable_direction(inst, first, last)
        change = round(last - first, 1)
        instruments[name] = {
            "first": first,
            "last": last,
            "change": int(change) if change == int(change) else change,
            "reliable_improvement": None if direction is None else direction == "improved",
            "reliable_deterioration": None if direction is None else direction == "deteriorated",
            "caseness_start": is_caseness(inst, first),
            "caseness_end": is_caseness(inst, last),
        }
        pairs[name] = (first, last)
    verdict = judge(pairs.get("PHQ-9"), pairs.get("GAD-7"))
    sessions = treatment_sessions(db, client_id, until)
    return {
        "client_id": client_id,
        "instruments": instruments,
        "recovered": verdict["recovered"],
        "reliable_improvement": verdict["reliable_improvement"],
        "reliable_recovery": verdict["reliable_recovery"],
        "reliable_deterioration": verdict["reliable_deterioration"],
        "finished_course": sessions >= FINISHED_COURSE_SESSIONS,
    }


def treatment_sessions(db: Database, client_id: int, until: str | None = None) -> int:
    """Attended sessions of type `treatment` the person was at (up to `until`, a date, when given): the course
    so far, their own and their couple's, family's or group's on the days they belonged and came, as
    `report outcomes` counts a finished course (practice/state.py's presence)."""
    from therapy_cli.practice.state import presence_of

    return db.scalar(f"SELECT count(*) FROM {presence_of(':person')} p WHERE p.status = 'attended' "
                     "AND p.type = 'treatment' AND (:until IS NULL OR p.local_date <= :until)",
                     {"person": client_id, "until": until})


def progress_in_words(result: dict, ended: bool = False) -> list[str]:
    """Plain sentences for a practitioner (and the end-of-therapy report; `ended`: therapy is over, so a
    course short of a finished one is never "so far")."""
    lines = []
    for name, row in result["instruments"].items():
        inst = get_instrument(name)
        change = row["change"]
        if change == 0:
            moved = "unchanged"
        else:
            better = (change > 0) == inst.higher_is_better
            moved = f"{'fell' if change < 0 else 'rose'} {abs(change):g} point{'' if abs(change) == 1 else 's'} ({'better' if better else 'worse'})"
        text = f"{name}: {row['first']:g} → {row['last']:g}, {moved}"
        if row["reliable_improvement"]:
            text += "; a reliable improvement"
        elif row["reliable_deterioration"]:
            text += "; a reliable deterioration"
        elif row["reliable_improvement"] is not None and change != 0:
            text += f"; not a reliable change (needs {inst.reliable_change:g})"
        if row["caseness_start"] is not None:
            # "not at", never "below": ORS's caseness is a total below its cut-off, so below reads backwards
            text += (f"; {'at' if row['caseness_start'] else 'not at'} caseness at the start, "
                     f"{'at' if row['caseness_end'] else 'not at'} caseness at the end")
        lines.append(text + ".")
    if not any(name in result["instruments"] for name in PAIRED):
        lines.append("No PHQ-9 or GAD-7 recorded: recovery (NHS Talking Therapies) cannot be judged.")
        return lines
    # Recovery is judged on a finished course: before it, the words say how things stand so far.
    finished = result.get("finished_course", True)
    verdicts = []
    now = "at the end" if ended else "now"
    if result["reliable_recovery"]:
        verdicts.append("reliably recovered" if finished else f"below caseness {now} and reliably improved")
    elif result["recovered"]:
        verdicts.append("recovered (but not reliably improved)" if finished else f"below caseness {now}")
    if result["reliable_improvement"] and not result["reliable_recovery"]:
        verdicts.append("reliably improved")
    if result["reliable_deterioration"]:
        verdicts.append("reliably deteriorated")
    paired = [result["instruments"].get(name) or {} for name in PAIRED]
    if (not result["reliable_improvement"] and not result["reliable_deterioration"]
            and any(r.get("reliable_improvement") for r in paired)
            and any(r.get("reliable_deterioration") for r in paired)):
        verdicts.append("reliable changes in opposite directions, so neither reliably improved nor deteriorated")
    if finished:
        lines.append("Overall (NHS Talking Therapies): " + (", ".join(verdicts) if verdicts else
                                                              "no reliable change, not recovered") + ".")
    elif ended:
        lines.append("Overall (NHS Talking Therapies): " + (", ".join(verdicts) if verdicts else "no reliable change")
                     + f"; therapy ended before a finished course ({FINISHED_COURSE_SESSIONS} or more attended "
                     "treatment sessions), so recovery is not judged.")
    else:
        lines.append("Overall (NHS Talking Therapies), so far: "
                     + (", ".join(verdicts) if verdicts else "no reliable change")
                     + ", not yet a finished course (recovery is judged after "
                     + f"{FINISHED_COURSE_SESSIONS} or more attended treatment sessions).")
    return lines


def detail_section(db: Database, record: dict) -> None:
    """The measures part of `client show`: latest score of each instrument, and the risk flag."""
    record["latest_scores"] = latest_scores(db, record["id"])
    record["risk"] = risk_flag(db, record["id"])


# -- charts --------------------------------------------------------------------

def chart_data(db: Database, client_id: int, instrument: str | None = None) -> dict:
    """The series to chart, with each instrument's range and cut-off (the JSON of `measure chart`)."""
    out: dict = {"client_id": client_id, "series": {}}
    for name, points in series(db, client_id, instrument).items():
        inst = get_instrument(name)
        out["series"][name] = {
            "total_min": inst.total_min, "total_max": inst.total_max,
            "cutoff": inst.caseness_cutoff, "caseness_below": inst.caseness_below,
            "higher_is_better": inst.higher_is_better, "concern_below": inst.concern_below, "points": points,
        }
    return out


def chart_text(data: dict, width: int = 60, unicode: bool = True, who: str | None = None) -> str:
    """Each instrument's chart, one under another."""
    from therapy_cli.reports.charts import line_chart

    charts = []
    for name, s in data["series"].items():
        cutoff = s["cutoff"]
        label = None
        if cutoff is not None:
            label = (f"caseness cut-off {cutoff:g} (below it is caseness)" if s["caseness_below"]
                     else f"caseness cut-off {cutoff:g} (at or above it is caseness)")
        elif s.get("concern_below") is not None:
            cutoff = s["concern_below"]
            label = f"{cutoff:g}: a total below it calls for a conversation about the alliance"
        direction = "higher is better" if s["higher_is_better"] else "lower is better"
        title = f"{name}{' for ' + who if who else ''} ({direction})"
        points = [(date.fromisoformat(p["taken_on"]), p["score"]) for p in s["points"]]
        text = line_chart(points, s["total_min"], s["total_max"], cutoff=cutoff, cutoff_label=label,
                          title=title, width=width, unicode=unicode)
        scores = [f"{p['score']:g}" for p in s["points"]]
        if len(scores) > 12:
            scores = scores[:3] + ["…" if unicode else "..."] + scores[-8:]
        charts.append(text + "\n" + f"scores: {', '.join(scores)}")
    return "\n\n".join(charts)
