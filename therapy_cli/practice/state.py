"""Where each person stands on a given day: the one definition every view and count uses.

A client's stored `status` says where their own record stands today. A person who
belongs to a couple, family or group is also in therapy through it, and reports
replayed `--today` in the past must see the state of that day. `state_ctes(day)`
gives both as common table expressions to put after `WITH`:

- `client_state(id, kind, referred_on, status, via_unit, first_attended_on, discharged_on)`
  as at `day`. `status` is NULL for a client not yet referred that day.
- `waiting_list(id)`: the cases waiting to start, counted once each.

`last_attended(person, day)`, `last_attended_at(person, day)`, `last_treatment(person, day)` and
`next_scheduled(person, day)` are SQL expressions for one person's last attended day, last attended
session, last attended treatment session and next booked session over the same sessions, each a seek
or two from one end of an index.

`presence_of(person)` gives every client session a person was at, as rows
`(person_id, session_id, local_date, starts_utc, starts_at, status, type, via_unit)`:
their own (via_unit NULL), and their units' sessions on days they belonged,
unless recorded absent (`recorded_absent`: an absence counts only while its session is
attended; one corrected to a DNA or cancellation keeps its absences, which come back when
it is marked attended again).

The rules, for a person on `day`:
1. discharged on or before the day in their own right → `discharged`;
2. an own attended session by then → `active`;
3. a current member of a unit active that day → `active` through it, once they attended it (before
   that, only a member with no referral or session of their own);
4. attended through a unit since discharged (or left) → `discharged` through it;
5. with a referral or session of their own → `waiting` (from the referral date);
6. otherwise the state of their unit (`waiting`), else `waiting` on their own.
`via_unit` names the unit whenever the state came from it.

The waiting list holds each waiting client once, except a member waiting through a
unit (the unit stands for them) and a unit whose every current member is waiting in
their own right (the members stand for it).
"""

from __future__ import annotations

from datetime import date

from therapy_cli.storage.db import Database, sql_date

_BELONGS = ("(m.joined_on IS NULL OR m.joined_on <= {on}) AND (m.left_on IS NULL OR m.left_on >= {on})")


def recorded_absent(session: str = "s", person: str = "m.member_id") -> str:
    """A SQL condition: `person` (a column) was recorded absent from the session `session` (a table alias).
    An absence says who missed an attended session; its row stays when the session is corrected to
    something else (nothing recorded is lost), so it counts only while the session is attended."""
    return (f"({session}.status = 'attended' AND EXISTS (SELECT 1 FROM session_absences a "
            f"WHERE a.session_id = {session}.id AND a.client_id = {person}))")


_CTES = """
_unit_seen AS (
    -- each membership's first unit session attended, read in time order from the unit's index
    -- (from the day before joining: starts_utc is UTC) and stopping at the first found
    SELECT member_id, unit_id, min(first_on) AS first_on FROM (
        SELECT m.member_id, m.unit_id, (
            SELECT s.local_date FROM sessions s
            WHERE s.client_id = m.unit_id AND s.starts_utc >= coalesce(date(m.joined_on, '-1 day'), '')
              AND s.kind = 'client' AND s.status = 'attended' AND s.local_date <= :state_day
              AND BELONGS_AT_SESSION AND NOT RECORDED_ABSENT
            ORDER BY s.starts_utc LIMIT 1) AS first_on
        FROM memberships m WHERE ONLY_MEMBERS)
    WHERE first_on IS NOT NULL GROUP BY member_id, unit_id
),
_seen AS (
    -- first_attended_on is kept as the earliest attended day (so a later one means none by then);
    -- the sessions are read only where it is missing (rows written by hand or by older versions)
    SELECT c.*, CASE WHEN c.first_attended_on IS NOT NULL
                     THEN CASE WHEN c.first_attended_on <= :state_day THEN c.first_attended_on END
                     ELSE (SELECT min(s.local_date) FROM sessions s WHERE s.client_id = c.id
                             AND s.status = 'attended' AND s.local_date <= :state_day) END AS seen_on
    -- an erased couple, family or group stays (its stub: discharged, with its dates), so its members are still
    -- discharged through it; an erased person is in no one's state
    FROM clients c WHERE (c.erased_on IS NULL OR c.kind != 'individual') AND ONLY_CLIENTS
),
_own AS MATERIALIZED (
    SELECT c.id, c.kind, c.referred_on,
        CASE WHEN c.status = 'discharged' AND coalesce(c.discharged_on, '') <= :state_day THEN 'discharged'
             WHEN c.seen_on IS NOT NULL OR (c.status = 'active' AND c.first_attended_on IS NULL) THEN 'active'
             WHEN c.referred_on IS NULL OR c.referred_on <= :state_day THEN 'waiting' END AS status,
        c.seen_on AS first_on,
        CASE WHEN c.status = 'discharged' AND coalesce(c.discharged_on, '') <= :state_day
             THEN c.discharged_on END AS discharged_on,
        (c.referred_on IS NOT NULL OR EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = c.id)) AS own_case
    FROM _seen c
),
_through AS (
    SELECT m.member_id, m.unit_id, u.status AS unit_status, seen.first_on,
        CASE WHEN m.left_on IS NOT NULL AND m.left_on < :state_day THEN 'left' ELSE u.status END AS status,
        CASE WHEN m.left_on IS NOT NULL AND m.left_on < :state_day THEN m.left_on
             ELSE u.discharged_on END AS ended_on
    FROM memberships m JOIN _own u ON u.id = m.unit_id
    LEFT JOIN _unit_seen seen ON seen.member_id = m.member_id AND seen.unit_id = m.unit_id
    WHERE (m.joined_on IS NULL OR m.joined_on <= :state_day) AND u.status IS NOT NULL AND ONLY_MEMBERS
),
_best AS MATERIALIZED (
    SELECT member_id,
        -- active through a unit: once they attended it; until then only a member with no case of their own
        -- (one referred in their own right waits for their own start: the referral is not yet started)
        max(CASE WHEN status = 'active' AND first_on IS NOT NULL THEN unit_id END) AS active_seen_unit,
        max(CASE WHEN status = 'active' THEN unit_id END) AS active_unit,
        max(CASE WHEN status IN ('discharged', 'left') AND first_on IS NOT NULL THEN unit_id END) AS ended_unit,
        max(CASE WHEN status IN ('discharged', 'left') AND first_on IS NOT NULL THEN ended_on END) AS ended_on,
        max(CASE WHEN status = 'waiting' THEN unit_id END) AS waiting_unit,
        max(CASE WHEN status IN ('discharged', 'left') THEN unit_id END) AS any_ended_unit,
        min(first_on) AS first_on
    FROM _through GROUP BY member_id
),
client_state AS MATERIALIZED (
    SELECT o.id, o.kind, o.referred_on,
        CASE WHEN o.status IN ('discharged', 'active') THEN o.status
             WHEN b.active_seen_unit IS NOT NULL OR (b.active_unit IS NOT NULL AND NOT o.own_case) THEN 'active'
             WHEN b.ended_unit IS NOT NULL THEN 'discharged'
             WHEN o.own_case THEN o.status
             WHEN b.waiting_unit IS NOT NULL THEN 'waiting'
             WHEN b.any_ended_unit IS NOT NULL THEN 'discharged'
             ELSE o.status END AS status,
        CASE WHEN o.status IN ('discharged', 'active') THEN NULL
             WHEN b.active_seen_unit IS NOT NULL THEN b.active_seen_unit
             WHEN b.active_unit IS NOT NULL AND NOT o.own_case THEN b.active_unit
             WHEN b.ended_unit IS NOT NULL THEN b.ended_unit
             WHEN o.own_case THEN NULL
             ELSE coalesce(b.waiting_unit, b.any_ended_unit) END AS via_unit,
        CASE WHEN o.first_on IS NULL THEN b.first_on WHEN b.first_on IS NULL THEN o.first_on
             ELSE min(o.first_on, b.first_on) END AS first_attended_on,
        CASE WHEN o.status = 'discharged' THEN o.discharged_on
             WHEN o.status = 'active' OR b.active_seen_unit IS NOT NULL
                  OR (b.active_unit IS NOT NULL AND NOT o.own_case) THEN NULL
             WHEN b.ended_unit IS NOT NULL THEN b.ended_on
             WHEN NOT o.own_case AND b.waiting_unit IS NULL AND b.any_ended_unit IS NOT NULL
             THEN (SELECT max(ended_on) FROM _through t WHERE t.member_id = o.id) END AS discharged_on
    FROM _own o LEFT JOIN _best b ON b.member_id = o.id
)
"""

_WAITING_CTE = """
waiting_list AS (
    SELECT cs.id FROM client_state cs
    WHERE cs.status = 'waiting' AND cs.via_unit IS NULL
      AND NOT (cs.kind != 'individual'
               AND EXISTS (SELECT 1 FROM memberships m WHERE m.unit_id = cs.id AND BELONGS_TODAY)
               AND NOT EXISTS (SELECT 1 FROM memberships m LEFT JOIN client_state ms ON ms.id = m.member_id
                               WHERE m.unit_id = cs.id AND BELONGS_TODAY
                                 -- a member left out of a restricted computation (`only`) is no waiting one
                                 AND NOT (coalesce(ms.status, '') = 'waiting' AND ms.via_unit IS NULL)))
)
"""


_OWN_SESSIONS = """SELECT s.client_id AS person_id, s.id AS session_id, s.local_date, s.starts_utc, s.starts_at,
           s.status, s.type, NULL AS via_unit
    FROM sessions s WHERE s.client_id = {person} AND s.kind = 'client'"""

_THROUGH_UNITS = """SELECT m.member_id AS person_id, s.id AS session_id, s.local_date, s.starts_utc, s.starts_at,
           s.status, s.type, m.unit_id AS via_unit
    FROM memberships m CROSS JOIN sessions s ON s.client_id = m.unit_id AND s.kind = 'client'
    WHERE m.member_id {match} AND {belongs} AND NOT {absent}"""


def presence_of(person: str) -> str:
    """`presence` for one person, as a FROM-clause subquery: `person` is a column (`c.id`) or `?`.

    The same rows as the `presence` CTE, with the person named inside each branch so that a
    correlated lookup (one row of a caseload) reads that person's sessions by index, not all.
    """
    return f"(\n    {_OWN_SESSIONS.format(person=person)}\n    UNION ALL\n    {through_units('= ' + person)}\n)"


def through_units(match: str) -> str:
    """The second half of `presence_of`: the sessions of couples, families and groups that members
    `m.member_id {match}` (`= c.id`, `IN (?,?)`) were at, as a SELECT with the same columns. A caseload
    reads a person's own sessions by one GROUP BY over the index and adds these."""
    return _THROUGH_UNITS.format(match=match, belongs=_BELONGS.format(on="s.local_date"), absent=recorded_absent())


def _edge(person: str, status: str, on_day: str, newest: bool, value: str, type_: str | None = None) -> str:
    """A SQL expression: the largest (`newest`) or smallest `value` over the newest (or oldest) session of
    `status` (and of `type_`, if given) whose local date satisfies `on_day` (`<= :today`) that `person` was
    at, their own and each of a unit they belonged to that day and were not recorded absent from. One seek
    from one end of each index, not every session of theirs read."""
    order = "DESC" if newest else ""
    pick = "max" if newest else "min"
    of_type = f" AND s.type = '{type_}'" if type_ else ""

    def first(client: str, extra: str = "") -> str:
        return (f"(SELECT {value} FROM sessions s WHERE s.client_id = {client} AND s.status = '{status}' "
                f"AND s.kind = 'client'{of_type} AND s.local_date {on_day}{extra} "
                f"ORDER BY s.starts_utc {order} LIMIT 1)")

    through = first("m.unit_id", f" AND {_BELONGS.format(on='s.local_date')} AND NOT {recorded_absent()}")
    return (f"(SELECT {pick}(e) FROM (SELECT {first(person)} AS e UNION ALL "
            f"SELECT (SELECT {pick}({through}) FROM memberships m WHERE m.member_id = {person})))")


def last_attended(person: str, day: str) -> str:
    """A SQL expression: the last day on or before `day` (a parameter such as `:today`) that `person` (a
    column such as `cs.id`) attended a session, their own or a unit's; NULL when none. The same day as
    `max(local_date)` over `presence_of`, read as a seek or two."""
    return _edge(person, "attended", f"<= {day}", True, "s.local_date")


def last_treatment(person: str, day: str) -> str:
    """A SQL expression: the last day on or before `day` that `person` attended a treatment session (not an
    assessment or review), their own or a unit's they were at (a group's sessions as a member); NULL when
    none: still waiting for treatment (NHS Digital)."""
    return _edge(person, "attended", f"<= {day}", True, "s.local_date", "treatment")


def _starts_at(person: str, status: str, on_day: str, newest: bool) -> str:
    # starts_utc (no spaces) leads, so the newest or oldest wins; what follows its space is the starts_at
    edge = _edge(person, status, on_day, newest, "s.starts_utc || ' ' || s.starts_at")
    return f"(SELECT substr(e, instr(e, ' ') + 1) FROM (SELECT {edge} AS e))"


def last_attended_at(person: str, day: str) -> str:
    """A SQL expression: `starts_at` of the last session on or before `day` that `person` attended, their
    own or a unit's; NULL when none (`presence_of`'s last by starts_utc)."""
    return _starts_at(person, "attended", f"<= {day}", True)


def next_scheduled(person: str, day: str) -> str:
    """A SQL expression: `starts_at` of the first session still scheduled on or after `day` that `person`
    will be at, their own or a unit's; NULL when none (`presence_of`'s first by starts_utc)."""
    return _starts_at(person, "scheduled", f">= {day}", False)


def state_ctes(day: date, only: list[int] | None = None) -> str:
    """The common table expressions above, as at `day` (a date, so the literal is safe to inline).

    `only` (client ids) computes `client_state` for those clients alone, and the units they belong
    to, instead of the whole file (one `client show` on a service's file). `waiting_list` is right when
    `only` holds everyone who could be waiting that day (`current_ids`).
    """
    literal = sql_date(day)
    members, clients = "1", "1"
    if only is not None:
        listed = ",".join(str(int(i)) for i in only) or "NULL"
        members = f"m.member_id IN ({listed})"
        clients = (f"(c.id IN ({listed}) OR c.id IN (SELECT unit_id FROM memberships WHERE member_id IN ({listed})))")
    return (_CTES.replace("BELONGS_AT_SESSION", _BELONGS.format(on="s.local_date"))
            .replace("RECORDED_ABSENT", recorded_absent())
            .replace("ONLY_MEMBERS", members).replace("ONLY_CLIENTS", clients)
            .replace(":state_day", literal)).rstrip() + "," + waiting_cte(day)


def waiting_cte(day: date) -> str:
    """The `waiting_list` CTE alone, reading whatever `client_state` its statement sees: the CTE from
    `state_ctes`, or a temporary table of it (remind computes the state once a run and reads the waiting
    list from that table)."""
    literal = sql_date(day)
    return _WAITING_CTE.replace("BELONGS_TODAY", _BELONGS.format(on=":state_day")).replace(":state_day", literal)


def current_ids(db: Database, day: date) -> list[int]:
    """Clients who can be waiting or active on `day`: not discharged before it, not erased. A file's past
    clients (most of a service's file) are left out of the state computation that way; each half of the
    query reads an index (status, discharged_on)."""
    return [r[0] for r in db.execute(
        "SELECT id FROM clients WHERE status IN ('waiting', 'active') AND erased_on IS NULL "
        "UNION SELECT id FROM clients WHERE discharged_on >= ? AND erased_on IS NULL "
        "UNION SELECT id FROM clients WHERE status = 'discharged' AND discharged_on IS NULL AND erased_on IS NULL",
        (day.isoformat(),))]


def discharged_ids(db: Database, start: date, end: date) -> list[int]:
    """Clients discharged in [start, end] in their own right, the members of units discharged then, and the
    members who left a unit then (their therapy through it ended on leaving: practice/state.py)."""
    span = (start.isoformat(), end.isoformat())
    return [r[0] for r in db.execute(
        "SELECT id FROM clients WHERE discharged_on BETWEEN ? AND ? AND erased_on IS NULL "
        "UNION SELECT m.member_id FROM memberships m JOIN clients u ON u.id = m.unit_id "
        "WHERE u.discharged_on BETWEEN ? AND ? "
        "UNION SELECT member_id FROM memberships WHERE left_on BETWEEN ? AND ?", span + span + span)]


def states(db: Database, day: date | None = None, ids: list[int] | None = None) -> dict[int, dict]:
    """`{client_id: {status, via_unit, first_attended_on, discharged_on}}` as at `day` (today)."""
    sql = (f"WITH {state_ctes(day or db.today, ids)} SELECT cs.id, cs.status, cs.via_unit, "
           "cs.first_attended_on, cs.discharged_on FROM client_state cs")
    params: list = []
    if ids is not None:
        sql += f" WHERE cs.id IN ({','.join('?' * len(ids))})"
        params = list(ids)
    return {r.pop("id"): r for r in db.query(sql, params)}


def state_of(db: Database, client_id: int, day: date | None = None) -> dict | None:
    return states(db, day, [client_id]).get(client_id)
