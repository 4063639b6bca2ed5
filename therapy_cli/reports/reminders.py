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

SUPERVISION_WINDOW_DAYS = 10  # supervision_due only in the month's last 10 days, when still short

KINDS = ("session", "note_missing", "dna_follow_up", "review_due", "measure_due", "supervision_due",
         "cpd_behind", "waiting_long", "no_recent_session", "retention_due", "attendance_missing",
         "risk_flag", "risk_review_due", "invoice_overdue")


# Kinds whose items stand until acted on, so a file's backlog would otherwise fill every morning's mail:
# like note_missing and attendance_missing, those due before the recent window (`remind.note_missing_days`)
# come as one summary item per kind (client_id null, due the oldest), and `--all` lists them one by one. A
# single older item is shown as itself: one line either way, and a small practice sees who it is.
BACKLOG = {   # kind: what several of its items are
    "dna_follow_up": "DNAs with nothing booked since",
    "review_due": "plan reviews overdue",
    "measure_due": "clients with no outcome measure since their last attended session",
    "waiting_long": "clients waiting over 6 weeks",
    "no_recent_session": "active clients not seen for 4 weeks",
    "retention_due": "clients' records past retention",
    "risk_flag": "questionnaire risk items with no risk assessment since",
    "risk_review_due": "risk reviews overdue",
    "invoice_overdue": "invoices unpaid past their terms",
}


class _Ctx:
    def __init__(self, db: Database, within: int, names: bool, everything: bool = False):
        self.db = db
        self.today = db.today
        self.within = within
        self.names = names
        self.everything = everything
        self._labels: dict[int, str] = {}
        self._state_sql: str | None = None

    def who(self, client_id: int | None, name: str | None = None) -> str:
        """`#3 A.M.` (or `#3 Alex Morgan` with --names); `name` saves a query when the rule selected it."""
        if client_id is None:
            return ""
        label = self._labels.get(client_id)
        if label is None:
            from therapy_cli.practice.clients import initials

            if name is None:
                name = self.db.scalar("SELECT name FROM clients WHERE id = ?", (client_id,))
            label = self._labels[client_id] = f"#{client_id} {name if self.names else initials(name)}"
        return label

    def clock(self, starts_at: str) -> str:
        return datetime.fromisoformat(starts_at).astimezone(self.db.tz).strftime("%H:%M")

    def state_ctes(self) -> str:
        """practice/state.py's CTEs as at today, over the clients not discharged before today (and their
        units): a file's past clients, however many, add nothing to remind's work."""
        if self._state_sql is None:
            from therapy_cli.practice.state import current_ids, state_ctes, waiting_cte

            ctes = state_ctes(self.today, current_ids(self.db, self.today))
            # computed once a run into two small temporary tables (the file itself is not written): every
            # rule below reads `client_state` and `waiting_list` from them instead of computing them again,
            # and the waiting list is read from the state table, not computed from the sessions a second time
            self.db.execute("PRAGMA temp_store = MEMORY")   # nothing of the caseload in a temporary file
            for table in ("client_state", "waiting_list"):
                self.db.execute(f"DROP TABLE IF EXISTS temp.{table}")
            self.db.execute("CREATE TEMP TABLE client_state (id INTEGER PRIMARY KEY, kind, referred_on, status, "
                            "via_unit, first_attended_on, discharged_on)")
            self.db.execute(f"INSERT INTO temp.client_state WITH {ctes} SELECT id, kind, referred_on, status, "
                            "via_unit, first_attended_on, discharged_on FROM client_state")
            self.db.execute("CREATE TEMP TABLE waiting_list (id INTEGER PRIMARY KEY)")
            self.db.execute(f"INSERT INTO temp.waiting_list WITH {waiting_cte(self.today)} SELECT id FROM waiting_list")
            self._state_sql = "_state_once AS (SELECT 1)"
        return self._state_sql

    @property
    def recent_since(self) -> date:
        """The first day whose items are reminded one by one (remind.note_missing_days back, today included;
        every day with --all)."""
        if self.everything:
            return date.min
        return self.today - timedelta(days=int(self.db.setting("remind.note_missing_days")) - 1)


def _item(kind: str, client_id: int | None, due, message) -> dict:
    """`message` is the text, or a function making it: a backlog kind's older items are only counted, so a
    service's hundreds of them never have their text made (reminders() makes the rest)."""
    return {"kind": kind, "client_id": client_id, "due": due if isinstance(due, str) else due.isoformat(),
            "message": message}


def coming_sessions(c: _Ctx) -> list[dict]:
    last = c.today + timedelta(days=c.within)
    rows = c.db.query(
        "SELECT s.id, s.kind, s.client_id, s.starts_at, s.local_date, s.duration_min, s.mode, s.title, "
        "k.name AS client_name FROM sessions s LEFT JOIN clients k ON k.id = s.client_id "
        "WHERE s.local_date BETWEEN ? AND ? AND s.status = 'scheduled' ORDER BY s.starts_utc",
        (c.today.isoformat(), last.isoformat()))
    out = []
    for r in rows:
        day = date.fromisoformat(r["local_date"])
        when = "today" if day == c.today else ("tomorrow" if day == c.today + timedelta(days=1)
                                               else day.strftime("%a %d %b"))
        what = (f"training group {r['title']!r}" if r["kind"] == "training"
                else f"session with {c.who(r['client_id'], r['client_name'])}")
        out.append(_item("session", r["client_id"], r["local_date"],
                         f"{when} {c.clock(r['starts_at'])} {what} ({r['duration_min']} min, {r['mode']}; "
                         f"session {r['id']})"))
    return out


def notes_missing(c: _Ctx) -> list[dict]:
    """Attended sessions of the last `remind.note_missing_days` with no note, one by one; older ones as one
    summary item (client_id null). Sessions imported from another system keep their notes there."""
    since = c.recent_since.isoformat()
    rows = c.db.query(
        "SELECT s.id, s.client_id, s.starts_at, s.local_date, k.name AS client_name FROM sessions s "
        "LEFT JOIN clients k ON k.id = s.client_id "
        "WHERE s.status = 'attended' AND s.kind = 'client' AND s.imported = 0 AND s.local_date BETWEEN ? AND ? "
        "AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id) ORDER BY s.starts_utc",
        (since, c.today.isoformat()))
    items = [_item("note_missing", r["client_id"], r["local_date"],
                   f"no note for session {r['id']} with {c.who(r['client_id'], r['client_name'])} on "
                   f"{r['local_date']} {c.clock(r['starts_at'])}") for r in rows]
    older, oldest, latest = c.db.execute(
        "SELECT count(*), min(s.local_date), max(s.local_date) FROM sessions s "
        "WHERE s.status = 'attended' AND s.kind = 'client' AND s.imported = 0 AND s.local_date < ? "
        "AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id)", (since,)).fetchone()
    if older:
        before = (c.recent_since - timedelta(days=1)).isoformat()
        items.insert(0, _item("note_missing", None, oldest,
                              f"{older} older attended session{'s' if older != 1 else ''} ({_span(oldest, latest)}) "
                              f"with no note; 'therapy session list --no-note --to {before}' lists them"))
    return items


def attendance_missing(c: _Ctx) -> list[dict]:
    """Past sessions still `scheduled` (attendance never recorded), once per session; those before
    `remind.note_missing_days` as one summary item."""
    since = c.recent_since.isoformat()
    rows = c.db.query(
        "SELECT s.id, s.kind, s.client_id, s.starts_at, s.local_date, s.title, k.name AS client_name "
        "FROM sessions s INDEXED BY sessions_scheduled LEFT JOIN clients k ON k.id = s.client_id "
        "WHERE s.status = 'scheduled' AND s.local_date BETWEEN ? AND ? ORDER BY s.starts_utc",
        (since, (c.today - timedelta(days=1)).isoformat()))
    items = []
    for r in rows:
        what = (f"training group {r['title']!r}" if r["kind"] == "training"
                else f"session {r['id']} with {c.who(r['client_id'], r['client_name'])}")
        items.append(_item("attendance_missing", r["client_id"], r["local_date"],
                           f"{what} on {r['local_date']} {c.clock(r['starts_at'])} is still scheduled: "
                           f"record it (therapy session attend|{'' if r['kind'] == 'training' else 'dna|'}cancel "
                           f"{r['id']})"))
    # the partial index holds only sessions still scheduled: the count never walks the attended past
    older, oldest, latest = c.db.execute(
        "SELECT count(*), min(local_date), max(local_date) FROM sessions INDEXED BY sessions_scheduled "
        "WHERE status = 'scheduled' AND local_date < ?", (since,)).fetchone()
    if older:
        before = (c.recent_since - timedelta(days=1)).isoformat()
        items.insert(0, _item("attendance_missing", None, oldest,
                              f"{older} older session{'s' if older != 1 else ''} ({_span(oldest, latest)}) still "
                              f"scheduled; 'therapy session list --status scheduled --from {oldest} --to {before}' "
                              "lists them"))
    return items


def dna_follow_ups(c: _Ctx) -> list[dict]:
    # The latest DNA of each client current as at today (practice/state.py) with nothing attended or booked
    # after it: a few seeks per client in the covering index (client_id, status, starts_utc, local_date).

    rows = c.db.query(
        f"WITH {c.state_ctes()} "
        "SELECT t.client_id, (SELECT u.local_date FROM sessions u WHERE u.client_id = t.client_id "
        "                     AND u.status = 'dna' AND u.starts_utc = t.dna_utc) AS local_date "
        "FROM (SELECT cs.id AS client_id, "
        "        (SELECT u.starts_utc FROM sessions u WHERE u.client_id = cs.id AND u.status = 'dna' "
        "         AND u.local_date <= :today ORDER BY u.starts_utc DESC LIMIT 1) AS dna_utc "
        "      FROM client_state cs WHERE cs.status IN ('waiting', 'active')) t "
        "WHERE t.dna_utc IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = t.client_id "
        "      AND s.status IN ('scheduled', 'attended') AND s.starts_utc > t.dna_utc) "
        "ORDER BY t.dna_utc", {"today": c.today.isoformat()})
    return [_item("dna_follow_up", r["client_id"], r["local_date"],
                  lambda r=r: f"{c.who(r['client_id'])} did not attend on {r['local_date']} and has nothing booked")
            for r in rows]


def reviews_due(c: _Ctx) -> list[dict]:
    from therapy_cli.clinical.plans import review_dues_of

    out = []
    horizon = c.today + timedelta(days=c.within)

    # active as at today (practice/state.py), so a replay of an earlier morning sees that morning's caseload
    ids = [r[0] for r in c.db.execute(f"WITH {c.state_ctes()} SELECT DISTINCT p.client_id FROM plans p "
                                      "JOIN client_state cs ON cs.id = p.client_id WHERE cs.status = 'active' "
                                      "ORDER BY p.client_id")]
    dues = review_dues_of(c.db, ids)          # the review clocks of them all, a statement per few hundred
    for client_id in ids:
        due = dues.get(client_id)
        if due is not None and due <= horizon:
            late = "overdue since" if due < c.today else "due"
            out.append(_item("review_due", client_id, due,
                             f"plan review for {c.who(client_id)} {late} {due.isoformat()}"))
    return out


def measures_due(c: _Ctx) -> list[dict]:
    """Individual clients in therapy in their own right as at today (practice/state.py: one discharged
    later is still asked on a replayed morning) with no measure taken by today since the Nth-last session of
    theirs they attended (N = measures.every). Members in therapy only through a couple, family or group are
    not asked: the questionnaires follow a person's own therapy."""
    every = int(c.db.setting("measures.every"))
    # the last attended session, and the Nth-last when N > 1: one seek each from the newest end of the index
    nth = ("SELECT local_date FROM sessions s WHERE s.client_id = c.id AND s.status = 'attended' "
           "AND s.local_date <= :today ORDER BY s.starts_utc DESC LIMIT 1")
    rows = c.db.execute(
        f"WITH {c.state_ctes()} SELECT c.id, c.name, ({nth}), {f'({nth} OFFSET :back)' if every > 1 else 'NULL'}, "
        "(SELECT max(taken_on) FROM measures m WHERE m.client_id = c.id AND m.taken_on <= :today), "
        # a questionnaire linked to a session counts for that session, even filled in the day before it
        "(SELECT max(max(m.taken_on, coalesce(s.local_date, ''))) FROM measures m LEFT JOIN sessions s "
        "  ON s.id = m.session_id WHERE m.client_id = c.id AND m.taken_on <= :today) "
        "FROM client_state cs JOIN clients c ON c.id = cs.id "
        "WHERE cs.status = 'active' AND cs.via_unit IS NULL AND cs.kind = 'individual' ORDER BY c.id",
        {"today": c.today.isoformat(), "back": every - 1}).fetchall()
    span = "the last attended session" if every == 1 else f"the last {every} attended sessions"
    out = []
    for client_id, name, last_seen, since, last_measure, counts_for in rows:
        if last_seen is None:
            continue
        since = since if every > 1 else last_seen
        if since is None:  # fewer than N sessions so far: since the first
            since = c.db.scalar("SELECT local_date FROM sessions WHERE client_id = ? AND status = 'attended' "
                                "ORDER BY starts_utc LIMIT 1", (client_id,))
        if counts_for is None or counts_for < since:
            out.append(_item("measure_due", client_id, last_seen,
                             lambda client_id=client_id, name=name, last_measure=last_measure:
                             f"no outcome measure for {c.who(client_id, name)} in {span} "
                             f"(last: {last_measure or 'never'})"))
    return out


def _has_active_client(c: _Ctx) -> bool:

    return c.db.scalar(f"WITH {c.state_ctes()} SELECT 1 FROM client_state WHERE status = 'active' "
                       "LIMIT 1") is not None


def supervision_due(c: _Ctx) -> list[dict]:
    """In the month's last 10 days, when supervision received plus booked (from today on) falls short."""
    from therapy_cli.dates import month_of
    from therapy_cli.practice.supervision import booked_hours

    start, end = month_of(c.today)
    if (end - c.today).days >= SUPERVISION_WINDOW_DAYS or not _has_active_client(c):
        return []
    required = float(c.db.setting("supervision.hours_per_month"))
    received = c.db.scalar("SELECT total(credited_hours) FROM supervision WHERE direction = 'received' "
                           "AND on_date BETWEEN ? AND ?", (start.isoformat(), c.today.isoformat()))  # as at today
    booked = booked_hours(c.db, c.today, end)
    if received + booked + 1e-9 >= required:
        return []
    short = required - received - booked
    to_go = f"{short:.2f}" if round(short, 2) else "less than 0.01"   # short by a sliver is still short
    return [_item("supervision_due", None, end,
                  f"supervision this month: {received:.2f} hours received and {booked:.2f} booked of "
                  f"{required:g} required ({to_go} to go by {end.isoformat()}; "
                  "therapy supervise book --on DATE --duration MIN)")]


def cpd_behind(c: _Ctx) -> list[dict]:
    """Behind the year's pace by more than a month's share of the target (pace: the target's share of the
    days gone, today included), so January and a quiet fortnight stay silent."""
    from therapy_cli.reports.service import cpd_hours_exact

    if not _has_active_client(c):
        return []
    start, end = date(c.today.year, 1, 1), date(c.today.year, 12, 31)
    target = float(c.db.setting("cpd.hours_per_year"))
    pace = target * ((c.today - start).days + 1) / ((end - start).days + 1)
    hours = cpd_hours_exact(c.db, start.isoformat(), c.today.isoformat())
    if hours + target / 12 + 1e-9 >= pace:
        return []
    return [_item("cpd_behind", None, c.today,
                  f"CPD {c.today.year}: {hours:.2f} hours logged, {pace:.2f} expected by now "
                  f"(target {target:g} for the year; more than a month behind)")]


def waiting_long(c: _Ctx) -> list[dict]:
    """Waiting over 6 weeks for treatment: on the waiting list, or seen only for assessment so far
    (NHS Digital: the wait runs to the first attended treatment appointment)."""
    from therapy_cli.practice.state import last_treatment

    cutoff = (c.today - timedelta(days=WAITING_LONG_DAYS)).isoformat()
    # the waiting list every report counts, as at today (practice/state.py)
    rows = c.db.query(
        f"WITH {c.state_ctes()} "
        "SELECT c.id, c.name, c.referred_on, c.created_at, coalesce(c.referred_on, substr(c.created_at, 1, 10)) "
        "  AS since, CASE WHEN cs.status = 'active' THEN cs.first_attended_on END AS assessed_on "
        "FROM clients c JOIN client_state cs ON cs.id = c.id "
        # created_at is UTC: its day in the practice's zone is at most a day either side (checked below)
        "WHERE coalesce(c.referred_on, substr(c.created_at, 1, 10)) <= ?1 "
        "AND (c.id IN (SELECT id FROM waiting_list) "
        # seen, but only for assessment or review so far: still waiting for treatment (NHS Digital); a group's
        # treatment sessions they came to as a member are treatment too; a member referred in their own right
        # and seen only at the unit's assessment waits for treatment as much as one assessed alone
        "     OR (cs.status = 'active' AND (cs.via_unit IS NULL OR c.referred_on IS NOT NULL) "
        f"         AND {last_treatment('c.id', '?2')} IS NULL)) "
        "ORDER BY since, c.id", (cutoff, c.today.isoformat()))

    def message(r: dict, since: date) -> str:
        waited = "has waited" if r["assessed_on"] is None else "has waited for treatment"
        return (f"{c.who(r['id'], r['name'])} {waited} {(c.today - since).days // 7} weeks since "
                + (f"referral on {r['since']}" if r["referred_on"] else
                   f"the record was made on {r['since']} (no referral date)")
                + (f"; seen on {r['assessed_on']} but no treatment session yet" if r["assessed_on"] else ""))

    out = []
    for r in rows:
        if not r["referred_on"]:   # no referral date: the day the record was made there, not in UTC
            r["since"] = datetime.fromisoformat(r["created_at"]).astimezone(c.db.tz).date().isoformat()
        if r["since"] >= cutoff:
            continue
        since = date.fromisoformat(r["since"])
        out.append(_item("waiting_long", r["id"], since + timedelta(days=WAITING_LONG_DAYS),
                         lambda r=r, since=since: message(r, since)))
    return sorted(out, key=lambda item: (item["due"], item["client_id"]))


def no_recent_session(c: _Ctx) -> list[dict]:
    cutoff = (c.today - timedelta(days=NO_SESSION_DAYS)).isoformat()
    from therapy_cli.practice.state import last_attended

    # seen: at a session of their own or of a couple, family or group they belong to (practice/state.py)
    rows = c.db.query(
        f"WITH {c.state_ctes()} "
        f"SELECT cs.id, cs.via_unit, {last_attended('cs.id', ':today')} AS last_seen "
        "FROM client_state cs WHERE cs.status = 'active' ORDER BY cs.id", {"today": c.today.isoformat()})
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
                  f"records of {c.who(r['client_id'], r.get('name'))} (discharged {r['discharged_on']}) are past retention "
                  f"since {r['retain_until']} ({r['rule']}); review and erase")
            for r in past_retention(c.db)]


def risk_flags(c: _Ctx) -> list[dict]:
    """A questionnaire risk item above 0 (PHQ-9 item 9, CORE-10 item 6) with no risk assessment since."""
    from therapy_cli.clinical.risk import open_flags

    return [_item("risk_flag", f["client_id"], f["flag"]["taken_on"],
                  lambda f=f: f"{f['flag']['instrument']} item {f['flag']['item']} scored {f['flag']['score']} for "
                  f"{c.who(f['client_id'], f['name'])} on {f['flag']['taken_on']} with no risk assessment since: "
                  "assess risk (therapy risk assess)")
            for f in open_flags(c.db, c.state_ctes())]


def risk_reviews_due(c: _Ctx) -> list[dict]:
    """The current risk assessment's review falls on or before today + N days."""
    from therapy_cli.clinical.risk import reviews_due as risk_reviews

    out = []
    for a in risk_reviews(c.db, c.today + timedelta(days=c.within), c.state_ctes()):
        late = "overdue since" if a["review_due"] < c.today.isoformat() else "due"
        out.append(_item("risk_review_due", a["client_id"], a["review_due"],
                         f"risk review for {c.who(a['client_id'])} (level {a['level']}, assessed "
                         f"{a['assessed_on']}) {late} {a['review_due']}"))
    return out


def _span(first: str, last: str) -> str:
    """`2026-09-10`, or `2026-09-10 to 2026-10-02`: the dates a summary item covers."""
    return first if first == last else f"{first} to {last}"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def invoices_overdue(c: _Ctx) -> list[dict]:
    # No invoices, no query beyond an empty index probe: practitioners who never bill see nothing.
    if c.db.scalar("SELECT 1 FROM invoices LIMIT 1") is None:
        return []
    from therapy_cli.practice.fees import money
    from therapy_cli.practice.invoices import overdue

    return [_item("invoice_overdue", r["client_id"], r["due_on"],
                  f"{r['number']} for {c.who(r['client_id'])}: {money(r['due_minor'], r['currency'])} unpaid, "
                  f"due {r['due_on']} ({_days((c.today - date.fromisoformat(r['due_on'])).days)} overdue)")
            for r in overdue(c.db)]


RULES = (
    ("session", coming_sessions),
    ("attendance_missing", attendance_missing),
    ("note_missing", notes_missing),
    ("dna_follow_up", dna_follow_ups),
    ("review_due", reviews_due),
    ("measure_due", measures_due),
    ("supervision_due", supervision_due),
    ("cpd_behind", cpd_behind),
    ("waiting_long", waiting_long),
    ("no_recent_session", no_recent_session),
    ("retention_due", retention_due),
    ("risk_flag", risk_flags),
    ("risk_review_due", risk_reviews_due),
    ("invoice_overdue", invoices_overdue),
)


def _bounded(c: _Ctx, kind: str, items: list[dict]) -> list[dict]:
    """A backlog kind's items due in the recent window (or ahead), after one summary of the older ones
    (an older one alone stays itself)."""
    since = c.recent_since.isoformat()
    older = [i for i in items if i["due"] < since]
    if len(older) < 2:
        return items
    oldest, latest = min(i["due"] for i in older), max(i["due"] for i in older)
    summary = _item(kind, None, oldest, f"{len(older)} {BACKLOG[kind]} (due {_span(oldest, latest)}); "
                                        f"'therapy remind --kind {kind} --all' lists them")
    return [summary] + [i for i in items if i["due"] >= since]


def reminders(db: Database, within: int = 1, names: bool = False, kinds: list[str] | None = None,
              everything: bool = False) -> list[dict]:
    """Everything due, rule by rule: sessions on the dates today .. today + within, then the rest; older
    items of a kind as one summary (`everything`: each of them)."""
    ctx = _Ctx(db, within, names, everything)
    items: list[dict] = []
    for kind, rule in RULES:
        if kinds and kind not in kinds:
            continue
        found = rule(ctx)
        items += _bounded(ctx, kind, found) if kind in BACKLOG else found   # --all: nothing is older
    for item in items:
        if callable(item["message"]):
            item["message"] = item["message"]()
    return items
