"""Period summaries, targets, service outcomes, referral sources and the caseload.

Plain functions over the database returning dicts and lists; the command layer
chooses table, JSON or CSV. The period report is aggregate SQL over the
`sessions_period` covering index (local_date, status, kind, duration_min,
client_id): no session rows are loaded into Python, so a week stays fast on a
file of a million sessions.
"""

from __future__ import annotations

from datetime import date

from therapy_cli.storage.db import Database
from therapy_cli.dates import check_span
from therapy_cli.errors import InvalidValue
from therapy_cli.practice.state import presence_of, state_ctes

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
}

# NHS Talking Therapies standards (waiting times: NHS England 2015; recovery: 50%).
STANDARDS = {"within_6_weeks_rate": 0.75, "within_18_weeks_rate": 0.95, "recovery_rate": 0.50}

# Kept for callers written before practice/state.py, which now defines the waiting list
# (`waiting_list`) and each member's state through their units for every report.
IN_STARTED_UNIT = ("NOT EXISTS (SELECT 1 FROM memberships m JOIN clients u ON u.id = m.unit_id "
                   "WHERE m.member_id = c.id AND (u.status IN ('active', 'discharged') "
                   "OR (u.status = 'waiting' AND c.referred_on IS NULL)))")

# Distinct people present at attended client sessions: individuals themselves,
# members of a unit who belonged that day and were not recorded absent.
_PEOPLE_SEEN = """
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
      AND NOT EXISTS (SELECT 1 FROM session_absences a WHERE a.session_id = s.id AND a.client_id = m.member_id)
)
"""

_SESSION_COUNTS = """
SELECT status, kind, count(*) AS n, coalesce(sum(duration_min), 0) AS minutes,
       count(DISTINCT client_id) AS cases
FROM sessions WHERE local_date BETWEEN :start AND :end GROUP BY status, kind
"""


def _hours(value) -> float:
    return round(float(value or 0) / 60.0, 2)


def period_report(db: Database, start: date, end: date, targets_for: str | None = None) -> dict:
    """The SPEC `report` JSON for the inclusive period [start, end].

    `targets_for` is 'week' or 'month' (which settings the targets come from), or None.
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
    report = {
        "period": p,
        "sessions": counts,
        "clients_seen": clients_seen,
        "cases_seen": cases_seen,
        "clinical_hours": _hours(clinical_min),
        "dna_rate": round(dna / (attended + dna), 4) if attended + dna else 0.0,
        "new_referrals": db.scalar(
            "SELECT count(*) FROM clients WHERE referred_on BETWEEN :start AND :end", p),
        # an erased client's stub keeps its dates but is no longer a discharge to report
        "discharges": db.scalar(
            "SELECT count(*) FROM clients WHERE discharged_on BETWEEN :start AND :end AND erased_on IS NULL", p),
        "waiting": db.scalar(f"WITH {state_ctes(db.today)} SELECT count(*) FROM waiting_list"),
        "supervision_hours": round(float(db.scalar(
            "SELECT coalesce(sum(credited_hours), 0) FROM supervision "
            "WHERE direction = 'received' AND on_date BETWEEN :start AND :end", p)), 2),
        "cpd_hours": round(float(db.scalar(
            "SELECT coalesce(sum(hours), 0) FROM cpd WHERE on_date BETWEEN :start AND :end", p)), 2),
        "training_hours": _hours(training_min),
        "targets": [],
    }
    if targets_for:
        report["targets"] = targets(db, targets_for, report)
    return report


def metric_value(report: dict, metric: str):
    value = report
    for key in METRIC_PATHS[metric]:
        value = value[key]
    return value


def targets(db: Database, period: str, report: dict) -> list[dict]:
    """`[{name, target, actual, met}]` for every target set for the period kind, in METRICS order."""
    from therapy_cli import settings

    wanted = settings.targets(db, period)
    rows = []
    for metric in settings.METRICS:
        if metric in wanted:
            target = wanted[metric]
            actual = metric_value(report, metric)
            rows.append({"name": metric, "target": int(target) if float(target).is_integer() else target,
                         "actual": actual, "met": actual >= target})
    return rows


def week_report(db: Database, start: date, end: date) -> dict:
    """An ISO week against the weekly targets."""
    return period_report(db, start, end, "week")


def month_report(db: Database, start: date, end: date) -> dict:
    """A calendar month against the monthly targets."""
    return period_report(db, start, end, "month")


def period_label(start: date, end: date) -> str:
    """`2026-W47` for an ISO week, `2026-11` for a calendar month, else ''."""
    from therapy_cli.dates import month_of, week_label, week_of

    if (start, end) == week_of(start):
        return week_label(start)
    if (start, end) == month_of(start):
        return start.strftime("%Y-%m")
    return ""


def custom_period_report(db: Database, start: date, end: date) -> dict:
    """`report period`: targets only when the period is exactly one ISO week or calendar month."""
    from therapy_cli.dates import month_of, week_of

    kind = None
    if (start, end) == week_of(start):
        kind = "week"
    elif (start, end) == month_of(start):
        kind = "month"
    return period_report(db, start, end, kind)


# -- outcomes -----------------------------------------------------------------

def judge(phq: tuple | None, gad: tuple | None) -> dict:
    """SPEC rules for one client's first and last PHQ-9 / GAD-7 scores (measures.judge)."""
    from therapy_cli.clinical.measures import judge as measures_judge

    return measures_judge(phq, gad)


def _first_last(db: Database, client_id: int, instrument: str, until: str | None) -> tuple | None:
    rows = db.execute(
        "SELECT score FROM measures WHERE client_id = ? AND instrument = ? AND (? IS NULL OR taken_on <= ?) "
        "ORDER BY taken_on, id", (client_id, instrument, until, until)).fetchall()
    if not rows:
        return None
    return (rows[0][0], rows[-1][0])


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


def _modality(db: Database, client_id: int) -> str:
    return db.scalar("SELECT modality FROM plans WHERE client_id = ? ORDER BY version DESC LIMIT 1",
                     (client_id,)) or "none"


def _summarise(cases: list[dict]) -> dict:
    finished = [c for c in cases if c["finished"]]
    caseness = [c for c in finished if c["at_caseness_start"]]
    recovered = sum(1 for c in caseness if c["recovered"])
    reliable_recovery = sum(1 for c in caseness if c["reliable_recovery"])
    improved = sum(1 for c in finished if c["reliable_improvement"])
    deteriorated = sum(1 for c in finished if c["reliable_deterioration"])
    waits = [c["wait_days"] for c in finished if c["wait_days"] is not None]
    return {
        "discharged": len(cases),
        "finished": len(finished),
        "at_caseness": len(caseness),
        "recovered": recovered,
        "reliable_improvement": improved,
        "reliable_recovery": reliable_recovery,
        "reliable_deterioration": deteriorated,
        "recovery_rate": _rate(recovered, len(caseness)),
        "reliable_improvement_rate": _rate(improved, len(finished)),
        "reliable_recovery_rate": _rate(reliable_recovery, len(caseness)),
        "reliable_deterioration_rate": _rate(deteriorated, len(finished)),
        "waits_known": len(waits),
        "median_wait_days": median(waits) if waits else None,
        "within_6_weeks_rate": _rate(sum(1 for w in waits if w <= 42), len(waits)),
        "within_18_weeks_rate": _rate(sum(1 for w in waits if w <= 126), len(waits)),
    }


def outcome_cases(db: Database, start: date, end: date) -> list[dict]:
    """One row per client discharged in the period, with what the outcome rules found."""
    # discharged in their own right or through their unit (a group's completers), never an erased stub;
    # sessions counted are every one the person was at (practice/state.py)
    rows = db.query(
        f"WITH {state_ctes(db.today)} "
        "SELECT c.id, c.kind, c.referred_on, cs.discharged_on, cs.via_unit, "
        f"  (SELECT count(*) FROM {presence_of('c.id')} s WHERE s.status = 'attended' "
        "     AND s.type = 'treatment' AND s.local_date <= cs.discharged_on) AS treatment_sessions, "
        f"  (SELECT min(local_date) FROM {presence_of('c.id')} s WHERE s.status = 'attended') AS first_seen "
        "FROM clients c JOIN client_state cs ON cs.id = c.id "
        "WHERE cs.status = 'discharged' AND cs.discharged_on BETWEEN ? AND ? ORDER BY cs.discharged_on, c.id",
        (start.isoformat(), end.isoformat()))
    cases = []
    for row in rows:
        phq = _first_last(db, row["id"], "PHQ-9", row["discharged_on"])
        gad = _first_last(db, row["id"], "GAD-7", row["discharged_on"])
        verdict = judge(phq, gad)
        wait = None
        if row["referred_on"] and row["first_seen"]:
            wait = (date.fromisoformat(row["first_seen"]) - date.fromisoformat(row["referred_on"])).days
        cases.append({
            "client_id": row["id"],
            # a group's completer without a plan of their own had the group's
            "modality": (_modality(db, row["id"]) if row["via_unit"] is None or db.scalar(
                "SELECT 1 FROM plans WHERE client_id = ?", (row["id"],)) else _modality(db, row["via_unit"])),
            "discharged_on": row["discharged_on"], "treatment_sessions": row["treatment_sessions"],
            "finished": row["treatment_sessions"] >= 2,
            "at_caseness_start": bool(verdict.get("at_caseness_start")),
            "recovered": bool(verdict["recovered"]),
            "reliable_improvement": bool(verdict["reliable_improvement"]),
            "reliable_recovery": bool(verdict["reliable_recovery"]),
            "reliable_deterioration": bool(verdict["reliable_deterioration"]),
            "wait_days": wait,
        })
    return cases


def outcomes_report(db: Database, start: date, end: date) -> dict:
    """SPEC `report outcomes`: over clients discharged in [start, end]."""
    check_span(start, end)
    cases = outcome_cases(db, start, end)
    report = {"period": {"start": start.isoformat(), "end": end.isoformat()}}
    report.update(_summarise(cases))
    report["standards"] = {name: {"standard": goal, "met": (report[name] is not None and report[name] >= goal)}
                           for name, goal in STANDARDS.items()}
    modalities = sorted({c["modality"] for c in cases})
    report["by_modality"] = {m: _summarise([c for c in cases if c["modality"] == m]) for m in modalities}
    return report


# -- referrals ----------------------------------------------------------------

def _referral_groups(db: Database, start: date, end: date, key_sql: str) -> list[dict]:
    # started: a first attended session of their own or through a unit (practice/state.py)
    rows = db.query(
        f"WITH {state_ctes(db.today)} SELECT {key_sql} AS grp, c.referred_on, cs.first_attended_on AS first_seen "
        "FROM clients c LEFT JOIN client_state cs ON cs.id = c.id LEFT JOIN contacts k ON k.id = c.referred_by "
        "WHERE c.referred_on BETWEEN ? AND ?", (start.isoformat(), end.isoformat()))
    groups: dict = {}
    for row in rows:
        group = groups.setdefault(row["grp"], {"referrals": 0, "started": 0, "waits": []})
        group["referrals"] += 1
        if row["first_seen"]:
            group["started"] += 1
            group["waits"].append((date.fromisoformat(row["first_seen"])
                                   - date.fromisoformat(row["referred_on"])).days)
    out = []
    for key, group in groups.items():
        waits = group.pop("waits")
        group["median_wait_days"] = median(waits) if waits else None
        out.append((key, group))
    out.sort(key=lambda kv: (-kv[1]["referrals"], str(kv[0])))
    return out


def referrals_report(db: Database, start: date, end: date) -> dict:
    """Referrals in by source and by referring contact; referrals out by contact."""
    check_span(start, end)
    by_source = [{"source": key, **group} for key, group in
                 _referral_groups(db, start, end, "coalesce(nullif(trim(c.referral_source), ''), 'unknown')")]
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

def latest_scores(db: Database, client_id: int) -> dict:
    from therapy_cli.clinical.measures import latest_scores as measures_latest

    return measures_latest(db, client_id)


def risk_flag(db: Database, client_id: int) -> dict | None:
    """The PHQ-9 item 9 flag (measures.risk_flag)."""
    from therapy_cli.clinical.measures import risk_flag as measures_risk

    return measures_risk(db, client_id)


def review_due(db: Database, client_id: int) -> date | None:
    """Next plan review (plans.review_due): the last review, else the plan's start, + the interval."""
    from therapy_cli.clinical.plans import review_due as plans_review_due

    return plans_review_due(db, client_id)


def caseload(db: Database) -> list[dict]:
    """Every waiting and active client with attendance, scores, risk and review due."""
    today = db.today.isoformat()
    # active as at today (members through their units) and the waiting list: the counts every report
    # shares (practice/state.py); sessions are every one the person was at
    rows = db.query(
        f"WITH {state_ctes(db.today)} "
        "SELECT c.id AS client_id, c.name, c.kind, cs.status, cs.via_unit, c.referred_on, "
        f"  (SELECT count(*) FROM {presence_of('c.id')} s WHERE s.status = 'attended' "
        "     AND s.local_date <= ?1) AS sessions_attended, "
        f"  (SELECT count(*) FROM {presence_of('c.id')} s WHERE s.status = 'dna' "
        "     AND s.local_date <= ?1) AS sessions_dna, "
        f"  (SELECT starts_at FROM {presence_of('c.id')} s WHERE s.status = 'attended' "
        "     AND s.local_date <= ?1 ORDER BY starts_utc DESC LIMIT 1) AS last_session, "
        f"  (SELECT starts_at FROM {presence_of('c.id')} s WHERE s.status = 'scheduled' "
        "     AND s.local_date >= ?1 ORDER BY starts_utc LIMIT 1) AS next_session "
        "FROM clients c JOIN client_state cs ON cs.id = c.id "
        "WHERE cs.status = 'active' OR c.id IN (SELECT id FROM waiting_list) "
        "ORDER BY cs.status, c.name COLLATE NOCASE, c.id", (today,))
    for row in rows:
        row["waiting_days"] = ((db.today - date.fromisoformat(row["referred_on"])).days
                               if row["status"] == "waiting" and row["referred_on"] else None)
        row["modality"] = db.scalar("SELECT modality FROM plans WHERE client_id = ? ORDER BY version DESC LIMIT 1",
                                    (row["client_id"],))
        row["latest_scores"] = latest_scores(db, row["client_id"])
        row["risk"] = risk_flag(db, row["client_id"])
        due = review_due(db, row["client_id"])
        row["review_due"] = due.isoformat() if due else None
    return rows
