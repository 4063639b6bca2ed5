"""Period summaries, targets, service outcomes, referral sources and the caseload.

Plain functions over the database returning dicts and lists; the command layer
chooses table, JSON or CSV. The period report is aggregate SQL over the
`sessions_period` covering index (local_date, status, kind, duration_min,
client_id): no session rows are loaded into Python, so a week stays fast on a
file of a million sessions.
"""

from __future__ import annotations

from datetime import date

from therapy_cli.storage.db import Database, chunked, id_chunks
from therapy_cli.dates import check_span
from therapy_cli.errors import InvalidValue
from therapy_cli.practice.state import (current_ids, discharged_ids, last_attended_at, next_scheduled, presence_of,
                                        recorded_absent, state_ctes)

# Where each target metric's actual value lives in the period report.
METRIC_PATHS = {
    "sessions_attended": ("sessions", "attended"),
    "sessions_dna": ("sessions", "dna"),
    "sessions_cancelled": ("sessions", "cancelled"),
    "sessions_late_cancelled": ("sessions", "late_cancelled"),
    "clients_seen": ("clients_seen",),
    "cases_seen": ("cases_seen",),
    "clinical_hours": ("clinical_hours",),
    "new_referrals": ("new_referrals",),
    "discharges": ("discharges",),
    "supervision_hours": ("supervision_hours",),
    "cpd_hours": ("cpd_hours",),
    "training_hours": ("training_hours",),
    "sessions_cancelled_by_client": ("sessions", "cancelled_by_client"),
    "sessions_cancelled_by_therapist": ("sessions", "cancelled_by_therapist"),
    "supervision_given_hours": ("supervision_given_hours",),
    "training_participants": ("training_participants",),
    "dna_rate": ("dna_rate",),
}

# NHS Talking Therapies standards (waiting times: NHS England 2015; recovery: 50%).
# Waits run from referral to the first attended *treatment* appointment (NHS Digital's
# Talking Therapies definition): an assessment does not stop the clock.
WITHIN_6_WEEKS_DAYS = 42
WITHIN_18_WEEKS_DAYS = 126
STANDARDS = {"within_6_weeks_rate": 0.75, "within_18_weeks_rate": 0.95, "recovery_rate": 0.50}

# Distinct people present at attended client sessions: individuals themselves,
# members of a unit who belonged that day and were not recorded absent.
_PEOPLE_SEEN = f"""
SELECT count(*) FROM (
    SELECT s.client_id FROM sessions s JOIN clients c ON c.id = s.client_id
    WHERE s.local_date BETWEEN :start AND :end AND s.status = 'attended' AND s.kind = 'client'
      AND c.kind = 'individual'
    UNION
    SELECT m.member_id FROM sessions s
    JOIN memberships m ON m.unit_id = s.client_id
         AND (m.joined_on IS NULL OR m.joined_on <= s.local_date)
         AND (m.left_on IS NULL OR m.left_on >= s.local_date)
    WHERE s.local_date BETWEEN :start AND :end AND s.status = 'attended' AND s.kind = 'client'
      AND NOT {recorded_absent()}
)
"""

_SESSION_COUNTS = """
SELECT status, kind, count(*) AS n, coalesce(sum(duration_min), 0) AS minutes,
       count(DISTINCT client_id) AS cases
FROM sessions WHERE local_date BETWEEN :start AND :end GROUP BY status, kind
"""


# Who cancelled: the client unless recorded otherwise (late cancellations are the client's).
_CANCELLED_BY = """
SELECT coalesce(cancelled_by, 'client') AS who, count(*) FROM sessions
WHERE local_date BETWEEN :start AND :end AND status IN ('cancelled', 'late-cancelled') AND kind = 'client'
GROUP BY who
"""


def shown_hours(value) -> float:
    """Hours as every report and status shows them: 2 places (targets are judged on the exact value)."""
    return round(float(value or 0), 2)


def shown_rate(value) -> float:
    """Rates as every report shows them: 4 places."""
    return round(float(value or 0), 4)


def _supervision_hours(db: Database, direction: str, p: dict) -> float:
    return float(db.scalar("SELECT total(credited_hours) FROM supervision "
                           "WHERE direction = ? AND on_date BETWEEN ? AND ?", (direction, p["start"], p["end"])))


def cpd_hours_exact(db: Database, start: str, end: str) -> float:
    """CPD hours logged in [start, end], plus supervision received when `cpd.count_supervision` is on."""
    hours = float(db.scalar("SELECT total(hours) FROM cpd WHERE on_date BETWEEN ? AND ?", (start, end)))
    if db.setting("cpd.count_supervision"):
        hours += _supervision_hours(db, "received", {"start": start, "end": end})
    return hours


def period_report(db: Database, start: date, end: date, targets_for: str | None = None,
                  exact_out: dict | None = None) -> dict:
    """The SPEC `report` JSON for the inclusive period [start, end].

    `targets_for` is 'week', 'month' or 'quarter' (which settings the targets come from), or None.
    Shown values are rounded (hours 2 places, rates 4); targets are judged on the exact values, which
    `exact_out` receives when given (a practice's total adds those, not the rounded ones).
    """
    if end < start:
        raise InvalidValue(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    p = {"start": start.isoformat(), "end": end.isoformat()}
    counts = {"attended": 0, "dna": 0, "cancelled": 0, "late_cancelled": 0, "scheduled": 0}
    clinical_min = training_min = 0
    cases_seen = 0
    for row in db.execute(_SESSION_COUNTS, p).fetchall():
        status, kind, n, minutes, cases = row
        if kind == "training":
            if status == "attended":
                training_min += minutes
            continue
        counts[status.replace("-", "_")] = n
        if status == "attended":
            clinical_min = minutes
            cases_seen = cases
    clients_seen = db.scalar(_PEOPLE_SEEN, p)
    attended, dna = counts["attended"], counts["dna"]
    by = dict(db.execute(_CANCELLED_BY, p).fetchall())
    counts["cancelled_by_client"] = by.get("client", 0)
    counts["cancelled_by_therapist"] = by.get("therapist", 0)
    exact = {
        "clinical_hours": clinical_min / 60, "training_hours": training_min / 60,
        "dna_rate": dna / (attended + dna) if attended + dna else 0.0,
        "supervision_hours": _supervision_hours(db, "received", p),
        "supervision_given_hours": _supervision_hours(db, "given", p),
        "cpd_hours": cpd_hours_exact(db, p["start"], p["end"]),
    }
    report = {
        "period": p,
        "sessions": counts,
        "clients_seen": clients_seen,
        "cases_seen": cases_seen,
        "clinical_hours": shown_hours(exact["clinical_hours"]),
        "dna_rate": shown_rate(exact["dna_rate"]),
        "new_referrals": db.scalar(
            "SELECT count(*) FROM clients WHERE referred_on BETWEEN :start AND :end", p),
        # an erased client's stub keeps its dates but is no longer a discharge to report
        "discharges": db.scalar(
            "SELECT count(*) FROM clients WHERE discharged_on BETWEEN :start AND :end AND erased_on IS NULL", p),
        "waiting": db.scalar(f"WITH {state_ctes(db.today, current_ids(db, db.today))} "
                             "SELECT count(*) FROM waiting_list"),
        "supervision_hours": shown_hours(exact["supervision_hours"]),
        "supervision_given_hours": shown_hours(exact["supervision_given_hours"]),
        "cpd_hours": shown_hours(exact["cpd_hours"]),
        "training_hours": shown_hours(exact["training_hours"]),
        "training_participants": int(db.scalar(
            "SELECT total(participants) FROM sessions WHERE local_date BETWEEN :start AND :end "
            "AND status = 'attended' AND kind = 'training'", p)),
        "targets": [],
    }
    if targets_for:
        report["targets"] = targets(db, targets_for, report, exact)
    if exact_out is not None:
        exact_out.update(exact)
    return report


def metric_value(report: dict, metric: str):
    value = report
    for key in METRIC_PATHS[metric]:
        value = value[key]
    return value


def targets(db: Database, period: str, report: dict, exact: dict | None = None) -> list[dict]:
    """`[{name, target, actual, met, direction}]` for every target set for the period kind, in METRICS order.

    `targets.P.METRIC` is met when the actual is at least the target (`direction` min);
    `targets.P.METRIC.max` when it is at most the target (max). `exact` holds the unrounded
    values of the rounded figures: a target is judged on those.
    """
    from therapy_cli import settings

    wanted = settings.targets(db, period)
    exact = exact or {}
    rows = []
    for metric in settings.METRICS:
        for direction, key in (("min", metric), ("max", f"{metric}.max")):
            if key not in wanted:
                continue
            target = wanted[key]
            actual = metric_value(report, metric)
            judged = exact.get(metric, actual)
            rows.append({"name": metric, "target": int(target) if float(target).is_integer() else target,
                         # exact, but not to the last bit: nine 50-minute meetings sum to 7.499999999999999
                         "actual": actual, "met": judged <= target + 1e-9 if direction == "max"
                         else judged >= target - 1e-9,
                         "direction": direction})
    return rows


def week_report(db: Database, start: date, end: date) -> dict:
    """An ISO week against the weekly targets."""
    return period_report(db, start, end, "week")


def month_report(db: Database, start: date, end: date) -> dict:
    """A calendar month against the monthly targets."""
    return period_report(db, start, end, "month")


def quarter_report(db: Database, start: date, end: date) -> dict:
    """A calendar quarter against the quarterly targets."""
    return period_report(db, start, end, "quarter")


def period_label(start: date, end: date) -> str:
    """`2026-W47` for an ISO week, `2026-11` for a calendar month, `2026-Q4` for a quarter, else ''."""
    from therapy_cli.dates import month_of, quarter_label, quarter_of, week_label, week_of

    if (start, end) == week_of(start):
        return week_label(start)
    if (start, end) == month_of(start):
        return start.strftime("%Y-%m")
    if (start, end) == quarter_of(start):
        return quarter_label(start)
    return ""


def custom_period_report(db: Database, start: date, end: date) -> dict:
    """`report period`: targets only when the period is exactly one ISO week, calendar month or quarter."""
    from therapy_cli.dates import month_of, quarter_of, week_of

    kind = None
    if (start, end) == week_of(start):
        kind = "week"
    elif (start, end) == month_of(start):
        kind = "month"
    elif (start, end) == quarter_of(start):
        kind = "quarter"
    return period_report(db, start, end, kind)


# -- outcomes -----------------------------------------------------------------

def judge(phq: tuple | None, gad: tuple | None) -> dict:
    """SPEC rules for one client's first and last PHQ-9 / GAD-7 scores (measures.judge)."""
    from therapy_cli.clinical.measures import judge as measures_judge

    return measures_judge(phq, gad)


def median(values: list):
    """The middle value (the mean of the two middle ones); `statistics` costs import time on the report path."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    mean = (ordered[middle - 1] + ordered[middle]) / 2
    return int(mean) if mean == int(mean) else mean   # 45, not 45.0, beside an odd count's 130


def _rate(count: int, over: int):
    return round(count / over, 4) if over else None


def _summarise(cases: list[dict], exact: dict | None = None) -> dict:
    """The outcome figures of `cases`; `exact` receives the rates unrounded (a standard is judged on those:
    968 of 1019 is 0.94995, shown 0.95, and does not meet 95%)."""
    def rate(name: str, count: int, over: int):
        if exact is not None:
            exact[name] = count / over if over else None
        return _rate(count, over)

    finished = [c for c in cases if c["finished"]]
    caseness = [c for c in finished if c["at_caseness_start"]]
    recovered = sum(1 for c in caseness if c["recovered"])
    reliable_recovery = sum(1 for c in caseness if c["reliable_recovery"])
    improved = sum(1 for c in finished if c["reliable_improvement"])
    deteriorated = sum(1 for c in finished if c["reliable_deterioration"])
    waits = [c["wait_days"] for c in finished if c["wait_days"] is not None]
    to_assessment = [c["assessment_wait_days"] for c in finished if c["assessment_wait_days"] is not None]
    return {
        "discharged": len(cases),
        "finished": len(finished),
        "at_caseness": len(caseness),
        "recovered": recovered,
        "reliable_improvement": improved,
        "reliable_recovery": reliable_recovery,
        "reliable_deterioration": deteriorated,
        "recovery_rate": rate("recovery_rate", recovered, len(caseness)),
        "reliable_improvement_rate": rate("reliable_improvement_rate", improved, len(finished)),
        "reliable_recovery_rate": rate("reliable_recovery_rate", reliable_recovery, len(caseness)),
        "reliable_deterioration_rate": rate("reliable_deterioration_rate", deteriorated, len(finished)),
        "waits_known": len(waits),
        "median_wait_days": median(waits) if waits else None,
        "within_6_weeks_rate": rate("within_6_weeks_rate", sum(1 for w in waits if w <= WITHIN_6_WEEKS_DAYS), len(waits)),
        "within_18_weeks_rate": rate("within_18_weeks_rate", sum(1 for w in waits if w <= WITHIN_18_WEEKS_DAYS), len(waits)),
        "median_wait_to_assessment_days": median(to_assessment) if to_assessment else None,
    }


def days_between(start: str | None, end: str | None) -> int | None:
    """Whole days from one ISO date to another; None when either is unknown."""
    if not start or not end:
        return None
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


# (person, day) pairs given as one JSON parameter, as the table `d(id, until)`
_PAIRS = ("d(id, until) AS MATERIALIZED (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
          "FROM json_each(?)) ")


def _first_last_scores(db: Database, cases: list[tuple[int, str]]) -> dict[tuple, tuple]:
    """{(person, instrument): (first score, last score)} of the PHQ-9 and GAD-7 taken on or before UNTIL
    (the discharge), for (person, UNTIL) pairs: two seeks each in the (client_id, instrument, taken_on)
    index, whose entries run in (taken_on, id) order."""
    import json

    out: dict[tuple, tuple] = {}
    for part in chunked(cases):
        for person, instrument, first, last in db.execute(
                "WITH i(name) AS (VALUES ('PHQ-9'), ('GAD-7')), " + _PAIRS +
                "SELECT d.id, i.name, "
                "  (SELECT score FROM measures m WHERE m.client_id = d.id AND m.instrument = i.name "
                "   AND m.taken_on <= d.until ORDER BY m.taken_on, m.id LIMIT 1), "
                "  (SELECT score FROM measures m WHERE m.client_id = d.id AND m.instrument = i.name "
                "   AND m.taken_on <= d.until ORDER BY m.taken_on DESC, m.id DESC LIMIT 1) FROM d, i",
                (json.dumps(part),)):
            if first is not None:
                out[(person, instrument)] = (first, last)
    return out


def _case_attendance(db: Database, cases: list[tuple[int, str]]) -> dict[int, tuple]:
    """{person: (attended treatment sessions on or before UNTIL, first attended day, first attended
    treatment day)} for (person, UNTIL) pairs, over every session each was at (practice/state.py's
    presence). A person's own sessions are one GROUP BY over the covering index (less the rare
    treatment sessions after UNTIL, found by a seek each); their units' are added."""
    import json

    from therapy_cli.practice.state import through_units

    out: dict[int, tuple] = {}

    def add(person: int, treatments: int | None, first: str | None, first_treatment: str | None) -> None:
        had = out.get(person, (0, None, None))
        out[person] = (had[0] + treatments, min(filter(None, (had[1], first)), default=None),
                       min(filter(None, (had[2], first_treatment)), default=None))

    until_of = dict(cases)
    for chunk, marks in id_chunks(list(until_of)):
        for row in db.execute(
                "SELECT client_id, sum(type = 'treatment'), min(local_date), "
                "  min(CASE WHEN type = 'treatment' THEN local_date END) FROM sessions "
                f"WHERE client_id IN ({marks}) AND status = 'attended' AND kind = 'client' GROUP BY client_id", chunk):
            add(*row)
        given = (json.dumps([[i, until_of[i]] for i in chunk]),)
        # starts_utc is UTC: a session on a local day after UNTIL starts no earlier than UNTIL itself there
        for person, later in db.execute(
                "WITH " + _PAIRS + "SELECT d.id, count(*) FROM d JOIN sessions s ON s.client_id = d.id "
                "AND s.status = 'attended' "
                "AND s.starts_utc >= d.until WHERE s.local_date > d.until AND s.type = 'treatment' "
                "AND s.kind = 'client' GROUP BY d.id", given):
            add(person, -later, None, None)
        for row in db.execute(
                "WITH " + _PAIRS + "SELECT d.id, sum(s.type = 'treatment' AND s.local_date <= d.until), "
                "min(s.local_date), "
                "  min(CASE WHEN s.type = 'treatment' THEN s.local_date END) "
                f"FROM d JOIN ({through_units('IN (SELECT id FROM d)')}) s ON s.person_id = d.id "
                "WHERE s.status = 'attended' GROUP BY d.id", given):
            add(*row)
    return out


def outcome_cases(db: Database, start: date, end: date) -> list[dict]:
    """One row per client discharged in the period, with what the outcome rules found."""
    # discharged in their own right or through their unit (a group's completers), never an erased stub;
    # sessions counted are every one the person was at (practice/state.py)
    rows = db.query(
        f"WITH {state_ctes(db.today, discharged_ids(db, start, end))} "
        "SELECT c.id, c.kind, c.referred_on, cs.discharged_on, cs.via_unit "
        "FROM clients c JOIN client_state cs ON cs.id = c.id "
        "WHERE cs.status = 'discharged' AND cs.discharged_on BETWEEN ? AND ? ORDER BY cs.discharged_on, c.id",
        (start.isoformat(), end.isoformat()))
    # the sessions each person attended (their own and their units'), three answers: treatment sessions by
    # discharge, first attended, and first attended treatment session (NHS Digital: the wait runs to the
    # first attended treatment session; an assessment does not stop it)
    until = [(row["id"], row["discharged_on"]) for row in rows]
    attended = _case_attendance(db, until)
    for row in rows:
        row["treatment_sessions"], row["first_seen"], row["first_treatment"] = attended.get(row["id"], (0, None, None))
    # every case's first and last PHQ-9/GAD-7 by discharge, and the current modality, read in batches
    scores = _first_last_scores(db, until)
    from therapy_cli.clinical.plans import modalities_of

    modalities = modalities_of(db, sorted({r["id"] for r in rows} | {r["via_unit"] for r in rows if r["via_unit"]}))

    cases = []
    for row in rows:
        verdict = judge(scores.get((row["id"], "PHQ-9")), scores.get((row["id"], "GAD-7")))
        cases.append({
            "client_id": row["id"],
            # a group's completer without a plan of their own had the group's
            "modality": modalities.get(row["id"]) or (modalities.get(row["via_unit"]) if row["via_unit"] else None)
                        or "none",
            "discharged_on": row["discharged_on"], "treatment_sessions": row["treatment_sessions"],
            "finished": row["treatment_sessions"] >= 2,
            "at_caseness_start": bool(verdict.get("at_caseness_start")),
            "recovered": bool(verdict["recovered"]),
            "reliable_improvement": bool(verdict["reliable_improvement"]),
            "reliable_recovery": bool(verdict["reliable_recovery"]),
            "reliable_deterioration": bool(verdict["reliable_deterioration"]),
            "wait_days": days_between(row["referred_on"], row["first_treatment"]),
            "assessment_wait_days": days_between(row["referred_on"], row["first_seen"]),
        })
    return cases


def outcomes_report(db: Database, start: date, end: date) -> dict:
    """SPEC `report outcomes`: over clients discharged in [start, end]."""
    check_span(start, end)
    cases = outcome_cases(db, start, end)
    report = {"period": {"start": start.isoformat(), "end": end.isoformat()}}
    exact: dict = {}
    report.update(_summarise(cases, exact))
    report["standards"] = {name: {"standard": goal, "met": (exact[name] is not None and exact[name] >= goal)}
                           for name, goal in STANDARDS.items()}
    modalities = sorted({c["modality"] for c in cases})
    report["by_modality"] = {m: _summarise([c for c in cases if c["modality"] == m]) for m in modalities}
    return report


# -- referrals ----------------------------------------------------------------

def _referral_groups(db: Database, start: date, end: date, key_sql: str, fold: bool = False) -> list[dict]:
    """Referrals grouped by `key_sql`; `fold`: keys that differ only in case are one group (a source typed
    `GP` one day and `gp` the next), named by its most common spelling (the first in sort order on a tie)."""
    # started: a first attended session of their own or through a unit (practice/state.py)
    rows = db.query(
        # an erased client's stub keeps the day they were first seen (their sessions are gone): still started
        f"WITH {state_ctes(db.today)} SELECT {key_sql} AS grp, c.referred_on, coalesce(cs.first_attended_on, "
        "  CASE WHEN c.erased_on IS NOT NULL AND c.first_attended_on <= ?3 THEN c.first_attended_on END) AS first_seen, "
        f"  (SELECT min(local_date) FROM {presence_of('c.id')} s WHERE s.status = 'attended' "
        "     AND s.type = 'treatment' AND s.local_date <= ?3) AS first_treatment "
        "FROM clients c LEFT JOIN client_state cs ON cs.id = c.id LEFT JOIN contacts k ON k.id = c.referred_by "
        "WHERE c.referred_on BETWEEN ?1 AND ?2", (start.isoformat(), end.isoformat(), db.today.isoformat()))
    groups: dict = {}
    spellings: dict = {}
    for row in rows:
        key = row["grp"].casefold() if fold else row["grp"]
        if fold:
            seen = spellings.setdefault(key, {})
            seen[row["grp"]] = seen.get(row["grp"], 0) + 1
        group = groups.setdefault(key, {"referrals": 0, "started": 0, "waits": [], "to_assessment": []})
        group["referrals"] += 1
        if row["first_seen"]:
            group["started"] += 1
            group["to_assessment"].append(days_between(row["referred_on"], row["first_seen"]))
        if row["first_treatment"]:
            group["waits"].append(days_between(row["referred_on"], row["first_treatment"]))
    out = []
    for key, group in groups.items():
        waits, to_assessment = group.pop("waits"), group.pop("to_assessment")
        group["median_wait_days"] = median(waits) if waits else None
        group["median_wait_to_assessment_days"] = median(to_assessment) if to_assessment else None
        if fold:
            key = min(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        out.append((key, group))
    out.sort(key=lambda kv: (-kv[1]["referrals"], str(kv[0])))
    return out


def referrals_report(db: Database, start: date, end: date) -> dict:
    """Referrals in by source and by referring contact; referrals out by contact."""
    check_span(start, end)
    by_source = [{"source": key, **group} for key, group in
                 _referral_groups(db, start, end, "coalesce(nullif(trim(c.referral_source), ''), 'unknown')",
                                  fold=True)]
    contacts = {r["id"]: r for r in db.query("SELECT id, name, role, org FROM contacts")}
    by_contact = []
    for key, group in _referral_groups(db, start, end, "c.referred_by"):
        if key is None:
            continue
        contact = contacts[key]
        by_contact.append({"contact_id": key, "name": contact["name"], "role": contact["role"],
                           "org": contact["org"], **group})
    out = db.query(
        "SELECT r.contact_id, k.name, k.role, k.org, count(*) AS referrals FROM referrals_out r "
        "JOIN contacts k ON k.id = r.contact_id WHERE r.referred_on BETWEEN ? AND ? "
        "GROUP BY r.contact_id ORDER BY referrals DESC, k.name", (start.isoformat(), end.isoformat()))
    return {"period": {"start": start.isoformat(), "end": end.isoformat()},
            "referrals_in": sum(g["referrals"] for g in by_source),
            "by_source": by_source, "by_contact": by_contact, "referrals_out": out}


# -- caseload -----------------------------------------------------------------

def _attendance(db: Database, ids: list[int], until: str) -> dict[int, list]:
    """{person: [attended, DNA]} over every session each was at by `until` (practice/state.py's presence):
    their own counted per status over the covering index, per few hundred people, with no expression per
    session; their couples', families' and groups' added."""
    from therapy_cli.practice.state import through_units

    seen: dict[int, list] = {}
    for chunk, marks in id_chunks(ids):
        for person, status, count in db.execute(
                "SELECT client_id, status, count(*) FROM sessions "
                f"WHERE client_id IN ({marks}) AND status IN ('attended', 'dna') AND kind = 'client' "
                "AND local_date <= ? GROUP BY client_id, status", [*chunk, until]):
            seen.setdefault(person, [0, 0])[0 if status == "attended" else 1] += count
        for person, attended, dna in db.execute(
                "SELECT s.person_id, sum(s.status = 'attended'), sum(s.status = 'dna') "
                f"FROM ({through_units(f'IN ({marks})')}) s "
                "WHERE s.status IN ('attended', 'dna') AND s.local_date <= ? GROUP BY s.person_id", [*chunk, until]):
            counts = seen.setdefault(person, [0, 0])
            counts[0] += attended
            counts[1] += dna
    return seen


def caseload(db: Database) -> list[dict]:
    """Every waiting and active client with attendance, scores, risk and review due."""
    today = db.today.isoformat()
    # active as at today (members through their units) and the waiting list: the counts every report
    # shares (practice/state.py); sessions are every one the person was at
    rows = db.query(
        f"WITH {state_ctes(db.today, current_ids(db, db.today))} "
        "SELECT c.id AS client_id, c.name, c.kind, cs.status, cs.via_unit, c.referred_on, "
        f"  {last_attended_at('c.id', '?1')} AS last_session, {next_scheduled('c.id', '?1')} AS next_session "
        "FROM clients c JOIN client_state cs ON cs.id = c.id "
        "WHERE cs.status = 'active' OR c.id IN (SELECT id FROM waiting_list) "
        "ORDER BY cs.status, c.name COLLATE NOCASE, c.id", (today,))
    ids = [row["client_id"] for row in rows]
    seen = _attendance(db, ids, today)
    for index, row in enumerate(rows):
        attended, dna = seen.get(row["client_id"], (0, 0))
        last_session, next_session = row.pop("last_session"), row.pop("next_session")
        rows[index] = {**row, "sessions_attended": attended, "sessions_dna": dna, "last_session": last_session,
                       "next_session": next_session}
    # each client's plan, scores, flags and review clock: one read per few hundred clients, not five each
    from therapy_cli.clinical.measures import latest_scores_of, risk_flags_of
    from therapy_cli.clinical.plans import modalities_of, review_dues_of
    from therapy_cli.clinical.risk import current_levels_of

    modalities, scores, flags = modalities_of(db, ids), latest_scores_of(db, ids), risk_flags_of(db, ids)
    levels, dues = current_levels_of(db, ids), review_dues_of(db, ids)
    for row in rows:
        client_id = row["client_id"]
        row["waiting_days"] = ((db.today - date.fromisoformat(row["referred_on"])).days
                               if row["status"] == "waiting" and row["referred_on"] else None)
        row["modality"] = modalities.get(client_id)
        row["latest_scores"] = scores[client_id]
        row["risk"] = flags[client_id]
        row["risk_level"] = levels[client_id]
        due = dues.get(client_id)
        row["review_due"] = due.isoformat() if due else None
    return rows
