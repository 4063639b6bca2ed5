"""What needs attention today: the rules `therapy remind` walks (for cron).

Each rule is a small function returning items `{kind, client_id, due, message}`;
RULES lists them in the order they are shown. Messages name clients by id and
initials (`#3 A.M.`) unless full names were asked for, so a cron mail carries
no more than it must.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from therapy_cli.storage.db import Database

WAITING_LONG_DAYS = 42      # NHS Talking Therapies: 75% should start within 6 weeks
NO_SESSION_DAYS = 28        # an active client not seen for four weeks

KINDS = ("session", "note_missing", "dna_follow_up", "review_due", "measure_due", "supervision_due",
         "cpd_behind", "waiting_long", "no_recent_session", "retention_due", "attendance_missing")


class _Ctx:
    def __init__(self, db: Database, within: int, names: bool):
        self.db = db
        self.today = db.today
        self.within = within
        self.names = names
        self._labels: dict[int, str] = {}

    def who(self, client_id: int | None) -> str:
        if client_id is None:
            return ""
        if client_id not in self._labels:
            from therapy_cli.practice.clients import case_label

            row = self.db.one("SELECT id, name FROM clients WHERE id = ?", (client_id,))
            self._labels[client_id] = (f"#{row['id']} {row['name']}" if self.names else case_label(row))
        return self._labels[client_id]

    def clock(self, starts_at: str) -> str:
        return datetime.fromisoformat(starts_at).astimezone(self.db.tz).strftime("%H:%M")


def _item(kind: str, client_id: int | None, due, message: str) -> dict:
    return {"kind": kind, "client_id": client_id, "due": due if isinstance(due, str) else due.isoformat(),
            "message": message}


def coming_sessions(c: _Ctx) -> list[dict]:
    last = c.today + timedelta(days=c.within)
    rows = c.db.query(
        "SELECT id, kind, client_id, starts_at, local_date, duration_min, mode, title FROM sessions "
        "WHERE local_date BETWEEN ? AND ? AND status = 'scheduled' ORDER BY starts_utc",
        (c.today.isoformat(), last.isoformat()))
    out = []
    for r in rows:
        day = date.fromisoformat(r["local_date"])
        when = "today" if day == c.today else ("tomorrow" if day == c.today + timedelta(days=1)
                                               else day.strftime("%a %d %b"))
        what = (f"training group {r['title']!r}" if r["kind"] == "training"
                else f"session with {c.who(r['client_id'])}")
        out.append(_item("session", r["client_id"], r["local_date"],
                         f"{when} {c.clock(r['starts_at'])} {what} ({r['duration_min']} min, {r['mode']}; "
                         f"session {r['id']})"))
    return out


def attendance_missing(c: _Ctx) -> list[dict]:
    """A session before today still `scheduled`: attendance was never recorded (one item per session)."""
    rows = c.db.query(
        "SELECT id, kind, client_id, starts_at, local_date, title FROM sessions "
        "WHERE status = 'scheduled' AND local_date < ? ORDER BY starts_utc", (c.today.isoformat(),))
    return [_item("attendance_missing", r["client_id"], r["local_date"],
                  f"attendance not recorded for session {r['id']} "
                  + (f"(training group {r['title']!r})" if r["kind"] == "training" else f"with {c.who(r['client_id'])}")
                  + f" on {r['local_date']} {c.clock(r['starts_at'])}: attend, dna or cancel it")
            for r in rows]


def notes_missing(c: _Ctx) -> list[dict]:
    rows = c.db.query(
        "SELECT s.id, s.client_id, s.starts_at, s.local_date FROM sessions s "
        "WHERE s.status = 'attended' AND s.kind = 'client' AND s.local_date <= ? "
        "AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id) ORDER BY s.starts_utc",
        (c.today.isoformat(),))
    return [_item("note_missing", r["client_id"], r["local_date"],
                  f"no note for session {r['id']} with {c.who(r['client_id'])} on {r['local_date']} "
                  f"{c.clock(r['starts_at'])}") for r in rows]


def dna_follow_ups(c: _Ctx) -> list[dict]:
    # The latest DNA of each current client with nothing attended or booked after it.
    from therapy_cli.practice.state import state_ctes

    rows = c.db.query(
        f"WITH {state_ctes(c.today)} "   # current as at today (practice/state.py)
        "SELECT s.id, s.client_id, s.local_date FROM sessions s JOIN client_state c ON c.id = s.client_id "
        "WHERE s.status = 'dna' AND s.local_date <= ? AND c.status IN ('waiting', 'active') "
        "AND NOT EXISTS (SELECT 1 FROM sessions t WHERE t.client_id = s.client_id AND t.starts_utc > s.starts_utc "
        "                AND t.status IN ('scheduled', 'attended')) "
        "AND s.starts_utc = (SELECT max(u.starts_utc) FROM sessions u WHERE u.client_id = s.client_id "
        "                    AND u.status = 'dna') ORDER BY s.starts_utc", (c.today.isoformat(),))
    return [_item("dna_follow_up", r["client_id"], r["local_date"],
                  f"{c.who(r['client_id'])} did not attend on {r['local_date']} and has nothing booked")
            for r in rows]


def reviews_due(c: _Ctx) -> list[dict]:
    from therapy_cli.reports.service import review_due

    horizon = c.today + timedelta(days=c.within)
    out = []
    from therapy_cli.practice.state import state_ctes

    # active as at today (practice/state.py), so a replay of an earlier morning sees that morning's caseload
    for r in c.db.query(f"WITH {state_ctes(c.today)} SELECT DISTINCT p.client_id FROM plans p "
                        "JOIN client_state cs ON cs.id = p.client_id WHERE cs.status = 'active' ORDER BY p.client_id"):
        due = review_due(c.db, r["client_id"])
        if due is not None and due <= horizon:
            late = "overdue since" if due < c.today else "due"
            out.append(_item("review_due", r["client_id"], due,
                             f"plan review for {c.who(r['client_id'])} {late} {due.isoformat()}"))
    return out


def measures_due(c: _Ctx) -> list[dict]:
    """Active individual clients with no measure since the Nth-last attended session (N = measures.every)."""
    every = int(c.db.setting("measures.every"))
    rows = c.db.query(
        "SELECT c.id AS client_id, "
        "  (SELECT local_date FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended' "
        "     AND s.local_date <= :today ORDER BY s.starts_utc DESC LIMIT 1 OFFSET :back) AS since, "
        "  (SELECT max(local_date) FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended' "
        "     AND s.local_date <= :today) AS last_seen, "
        "  (SELECT max(taken_on) FROM measures m WHERE m.client_id = c.id) AS last_measure "
        "FROM clients c WHERE c.status = 'active' AND c.kind = 'individual' AND c.erased_on IS NULL ORDER BY c.id",
        {"today": c.today.isoformat(), "back": every - 1})
    out = []
    for r in rows:
        if r["last_seen"] is None:
            continue
        since = r["since"]
        if since is None:  # fewer than N sessions so far: since the first
            since = c.db.scalar("SELECT min(local_date) FROM sessions WHERE client_id = ? AND status = 'attended'",
                                (r["client_id"],))
        if r["last_measure"] is None or r["last_measure"] < since:
            span = "the last attended session" if every == 1 else f"the last {every} attended sessions"
            out.append(_item("measure_due", r["client_id"], r["last_seen"],
                             f"no outcome measure for {c.who(r['client_id'])} in {span} "
                             f"(last: {r['last_measure'] or 'never'})"))
    return out


def _has_active_client(c: _Ctx) -> bool:
    from therapy_cli.practice.state import state_ctes

    return c.db.scalar(f"WITH {state_ctes(c.today)} SELECT 1 FROM client_state WHERE status = 'active' "
                       "LIMIT 1") is not None


def supervision_due(c: _Ctx) -> list[dict]:
    from therapy_cli.dates import month_of

    if not _has_active_client(c):
        return []
    start, end = month_of(c.today)
    required = float(c.db.setting("supervision.hours_per_month"))
    received = c.db.scalar("SELECT total(credited_hours) FROM supervision WHERE direction = 'received' "
                           "AND on_date BETWEEN ? AND ?", (start.isoformat(), c.today.isoformat()))  # as at today
    if received + 1e-9 >= required:
        return []
    return [_item("supervision_due", None, end,
                  f"supervision this month: {received:g} of {required:g} hours received "
                  f"({required - received:g} to go by {end.isoformat()})")]


def cpd_behind(c: _Ctx) -> list[dict]:
    """Behind the year's pace: fewer hours than the target's share of the days gone, today included."""
    if not _has_active_client(c):
        return []
    start, end = date(c.today.year, 1, 1), date(c.today.year, 12, 31)
    target = float(c.db.setting("cpd.hours_per_year"))
    pace = target * ((c.today - start).days + 1) / ((end - start).days + 1)
    hours = c.db.scalar("SELECT total(hours) FROM cpd WHERE on_date BETWEEN ? AND ?",
                        (start.isoformat(), c.today.isoformat()))
    if hours + 1e-9 >= pace:
        return []
    return [_item("cpd_behind", None, c.today,
                  f"CPD {c.today.year}: {hours:g} hours logged, {pace:.1f} expected by now "
                  f"(target {target:g} for the year)")]


def waiting_long(c: _Ctx) -> list[dict]:
    cutoff = (c.today - timedelta(days=WAITING_LONG_DAYS)).isoformat()
    from therapy_cli.practice.state import state_ctes

    # the waiting list every report counts, as at today (practice/state.py)
    rows = c.db.query(
        f"WITH {state_ctes(c.today)} "
        "SELECT c.id, c.referred_on, coalesce(c.referred_on, substr(c.created_at, 1, 10)) AS since FROM clients c "
        "WHERE c.id IN (SELECT id FROM waiting_list) "
        "AND coalesce(c.referred_on, substr(c.created_at, 1, 10)) < ? ORDER BY since, c.id", (cutoff,))
    out = []
    for r in rows:
        since = date.fromisoformat(r["since"])
        weeks = (c.today - since).days // 7
        out.append(_item("waiting_long", r["id"], since + timedelta(days=WAITING_LONG_DAYS),
                         f"{c.who(r['id'])} has waited {weeks} weeks since "
                         + (f"referral on {r['since']}" if r["referred_on"] else
                            f"the record was made on {r['since']} (no referral date)")))
    return out


def no_recent_session(c: _Ctx) -> list[dict]:
    cutoff = (c.today - timedelta(days=NO_SESSION_DAYS)).isoformat()
    from therapy_cli.practice.state import presence_of, state_ctes

    # seen: at a session of their own or of a couple, family or group they belong to (practice/state.py)
    rows = c.db.query(
        f"WITH {state_ctes(c.today)} "
        f"SELECT cs.id, cs.via_unit, (SELECT max(local_date) FROM {presence_of('cs.id')} s "
        "               WHERE s.status = 'attended' AND s.local_date <= ?) AS last_seen "
        "FROM client_state cs WHERE cs.status = 'active' ORDER BY cs.id", (c.today.isoformat(),))
    unseen = {r["id"] for r in rows if r["last_seen"] is not None and r["last_seen"] < cutoff}
    out = []
    for r in rows:
        # a unit that has not met stands for the members in therapy through it: one item, not six
        if r["id"] in unseen and r["via_unit"] not in unseen:
            last = date.fromisoformat(r["last_seen"])
            out.append(_item("no_recent_session", r["id"], last + timedelta(days=NO_SESSION_DAYS),
                             f"{c.who(r['id'])} has not been seen since {r['last_seen']} "
                             f"({(c.today - last).days // 7} weeks)"))
    return out


def retention_due(c: _Ctx) -> list[dict]:
    from therapy_cli.practice.retention import past_retention

    return [_item("retention_due", r["client_id"], r["retain_until"],
                  f"records of {c.who(r['client_id'])} (discharged {r['discharged_on']}) are past retention "
                  f"since {r['retain_until']} ({r['rule']}); review and erase")
            for r in past_retention(c.db)]


RULES = (
    ("session", coming_sessions),
    ("note_missing", notes_missing),
    ("dna_follow_up", dna_follow_ups),
    ("review_due", reviews_due),
    ("measure_due", measures_due),
    ("supervision_due", supervision_due),
    ("cpd_behind", cpd_behind),
    ("waiting_long", waiting_long),
    ("no_recent_session", no_recent_session),
    ("retention_due", retention_due),
    ("attendance_missing", attendance_missing),
)


def reminders(db: Database, within: int = 1, names: bool = False, kinds: list[str] | None = None) -> list[dict]:
    """Everything due, rule by rule: sessions on the dates today .. today + within, then the rest."""
    ctx = _Ctx(db, within, names)
    items: list[dict] = []
    for kind, rule in RULES:
        if kinds and kind not in kinds:
            continue
        items += rule(ctx)
    return items
