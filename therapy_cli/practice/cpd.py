"""Continuing professional development: hours logged against the yearly and five-year targets.

The year is the calendar year containing today (`cpd.hours_per_year`, default
20). The five-year total is rolling: the five years ending today, i.e. from the
day after today's date five years ago, through today (`cpd.hours_per_5_years`,
default 250, UKCP's figure).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from therapy_cli.validation import check_not_future, clean_name, clean_text
from therapy_cli.storage.db import Database, utc_now
from therapy_cli.dates import check_span
from therapy_cli.errors import Conflict, InvalidValue, NotFound

KINDS = ("reading", "course", "conference", "research", "other")
MAX_HOURS = 100
EARLIEST = date(1950, 1, 1)
EPSILON = 1e-9

CPD_COLUMNS = ["id", "on_date", "title", "kind", "hours", "note"]
YEAR_COLUMNS = ["year", "hours", "target_hours", "met", "complete"]


def check_hours(hours) -> float:
    try:
        value = float(hours)
    except (TypeError, ValueError):
        raise InvalidValue(f"hours {hours!r} is not a number; use 0 < H <= {MAX_HOURS}") from None
    # Hours are kept to 4 decimals (under a second) and shown to 2: a sliver such as 0.001 would be stored and
    # listed as 0, so what would show as 0.00 is refused
    if not math.isfinite(value) or not 0.01 <= round(value, 2) or round(value, 4) > MAX_HOURS:
        raise InvalidValue(f"hours {hours} is out of range; use at least 0.01 and at most {MAX_HOURS}")
    return round(value, 4)


def doubt_hours(hours: float) -> str | None:
    """For an entry longer than a day (90 typed for 90 minutes): the warning, else None. A week's course logged
    as one entry is accepted as it is."""
    if hours <= 24:
        return None
    return (f"{_num(hours)} hours is more than a day in one entry; if you meant {_num(hours)} minutes, that is "
            f"{_num(round(hours / 60, 2))} hours (cpd remove ID, then add it again)")


def add(db: Database, title: str, hours: float, on: date | None = None, kind: str = "other",
        note: str | None = None, allow_duplicate: bool = False) -> dict:
    """Record CPD that happened; returns the record."""
    if kind not in KINDS:
        raise InvalidValue(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    title = clean_name(title, "title")
    value = check_hours(hours)
    day = on or db.today
    check_not_future(day, db.today, "CPD date")
    if day < EARLIEST:
        raise InvalidValue(f"CPD date {day.isoformat()} is before {EARLIEST.year}")
    # the same activity entered twice (shell history; retyped to correct the hours) would count twice
    # (case and accents aside, as names are found: 'émotion day' retyped as 'Émotion day' or 'Emotion day')
    from therapy_cli.practice.lookup import fold

    twin = None if allow_duplicate else next(
        (row for row in db.query("SELECT id, title, hours FROM cpd WHERE on_date = ? ORDER BY id",
                                 (day.isoformat(),)) if fold(row["title"]) == fold(title)), None)
    if twin:
        raise Conflict(f"{twin['title']!r} on {day.isoformat()} is already recorded (CPD #{twin['id']}, "
                       f"{_num(twin['hours'])} h); 'cpd remove {twin['id']}' takes it back, or add "
                       "--allow-duplicate for a second one")
    cpd_id = db.insert("cpd", {"title": title, "hours": value, "on_date": day.isoformat(), "kind": kind,
                               "note": clean_text(note, "note", 4000), "created_at": utc_now()})
    db.audit("add", "cpd", cpd_id, f"CPD on {day.isoformat()}: {_num(value)} h, {kind}")
    return record(db, cpd_id)


def remove(db: Database, cpd_id: int) -> dict:
    """Delete a CPD record entered in error."""
    found = record(db, cpd_id)
    db.execute("DELETE FROM cpd WHERE id = ?", (cpd_id,))
    db.audit("remove", "cpd", cpd_id, f"CPD on {found['on_date']} removed")
    return found


def record(db: Database, cpd_id: int) -> dict:
    row = db.one("SELECT * FROM cpd WHERE id = ?", (cpd_id,))
    if row is None:
        raise NotFound(f"no CPD record with id {cpd_id}")
    return {k: row[k] for k in CPD_COLUMNS}


def list_cpd(db: Database, start: date | None = None, end: date | None = None,
             kind: str | None = None) -> list[dict]:
    """CPD records, oldest first, within the inclusive dates given."""
    check_span(start, end)
    if kind is not None and kind not in KINDS:
        raise InvalidValue(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    sql = f"SELECT {', '.join(CPD_COLUMNS)} FROM cpd WHERE 1 = 1"
    params: list = []
    if start:
        sql += " AND on_date >= ?"
        params.append(start.isoformat())
    if end:
        sql += " AND on_date <= ?"
        params.append(end.isoformat())
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    return db.query(sql + " ORDER BY on_date, id", params)


def exact_hours(db: Database, start: date, end: date) -> float:
    """CPD hours between two dates (inclusive), with supervision received when `cpd.count_supervision`
    is on (UKCP counts it as CPD), unrounded: targets are judged on this."""
    from therapy_cli.reports.service import cpd_hours_exact

    return cpd_hours_exact(db, start.isoformat(), end.isoformat())


def cpd_hours(db: Database, start: date, end: date) -> float:
    """CPD hours between two dates (inclusive), as shown (2 places, as every report shows hours)."""
    return round(exact_hours(db, start, end), 2)


def five_year_start(today: date) -> date:
    """The first day of the rolling five years that end today."""
    try:
        back = today.replace(year=today.year - 5)
    except ValueError:  # 29 February → 28 February five years back
        back = today.replace(year=today.year - 5, day=28)
    return back + timedelta(days=1)


def _met(hours: float, target: float) -> bool:
    return hours + EPSILON >= target


def status(db: Database) -> dict:
    """SPEC's `cpd status` (year, hours, target_hours, met) plus the rolling five years and pace."""
    today = db.today
    year_start = date(today.year, 1, 1)
    year_end = date(today.year, 12, 31)
    target = float(db.setting("cpd.hours_per_year"))
    exact = exact_hours(db, year_start, today)
    hours = round(exact, 2)
    # Pace: the share of the year's target due by today, counting today as done.
    elapsed = (today - year_start).days + 1
    length = (year_end - year_start).days + 1
    pace = target * elapsed / length   # judged exact, as remind's cpd_behind judges it; shown to 2 places
    five_start = five_year_start(today)
    five_target = float(db.setting("cpd.hours_per_5_years"))
    five_exact = exact_hours(db, five_start, today)
    by_kind = {kind: 0.0 for kind in KINDS}
    for row in db.query("SELECT kind, total(hours) AS hours FROM cpd WHERE on_date BETWEEN ? AND ? "
                        "GROUP BY kind", (year_start.isoformat(), today.isoformat())):
        by_kind[row["kind"]] = round(row["hours"], 2)
    if db.setting("cpd.count_supervision"):
        from therapy_cli.practice.supervision import received_hours

        by_kind["supervision"] = received_hours(db, year_start, today)
    return {
        "year": today.year,
        "hours": hours,
        "target_hours": target,
        "met": _met(exact, target),
        "remaining_hours": round(max(0.0, target - exact), 2),
        "pace_hours": round(pace, 2),
        "on_pace": _met(exact, pace),
        "by_kind": by_kind,
        "five_year_start": five_start.isoformat(),
        "five_year_end": today.isoformat(),
        "five_year_hours": round(five_exact, 2),
        "five_year_target_hours": five_target,
        "five_year_met": _met(five_exact, five_target),
        "years": years(db),
    }


def years(db: Database, count: int = 5) -> list[dict]:
    """Each of the last `count` calendar years (oldest first) against the yearly target."""
    today = db.today
    target = float(db.setting("cpd.hours_per_year"))
    out = []
    for year in range(today.year - count + 1, today.year + 1):
        hours = exact_hours(db, date(year, 1, 1), min(date(year, 12, 31), today))   # this year: so far
        out.append({"year": year, "hours": round(hours, 2), "target_hours": target, "met": _met(hours, target),
                    "complete": year < today.year})
    return out


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
