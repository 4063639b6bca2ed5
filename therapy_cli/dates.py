"""The only place that parses user dates, datetimes and periods.

Impossible dates and times are errors, never guesses: no fuzzy parsing.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from therapy_cli.errors import InvalidValue, WrongForm

DATE_FORMS = ("YYYY-MM-DD, today, tomorrow, yesterday or a weekday name "
              "(DD/MM/YYYY or MM/DD/YYYY once the setting date.order says which)")
DATETIME_FORMS = "'YYYY-MM-DD HH:MM' (or with T, or seconds), or 'today|tomorrow|WEEKDAY HH:MM'"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SLASHED_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?$")

# Where parse_date learns the setting date.order (dmy, mdy, or None when unset); the command
# layer points it at the open caseload, so this module never opens the database itself.
order_source = None
# 14:00, 14:00:30, 14.00, 2pm, 2:30 pm, 9 a.m.: minutes are needed without am/pm (a bare 14 is no time)
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$", re.IGNORECASE)
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def system_zone_name() -> str:
    """The system's IANA zone name, or UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _valid_zone(tz):
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if _valid_zone(name):
                return name
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name and _valid_zone(name):
            return name
    except OSError:
        pass
    return "UTC"


def _valid_zone(name: str) -> bool:
    try:
        get_zone(name)
    except InvalidValue:
        return False
    return True


def get_zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name) or ".." in name or name.startswith("/"):
        raise InvalidValue(f"unknown time zone {name!r}; use an IANA name such as Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidValue(f"unknown time zone {name!r}; use an IANA name such as Europe/London") from None


class WeekdayDate(date):
    """A date typed as a weekday name: the same date in every way, so that a check refusing it as the future can
    say which day was most likely meant (`validation.weekday_hint`), and not say so of a date typed out."""

    __slots__ = ()


def parse_date(text: str, today: date, what: str = "date") -> date:
    """YYYY-MM-DD, today/tomorrow/yesterday, or a weekday name (the next such day after today)."""
    value = (text or "").strip().lower()
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    qualifier, _, named = value.partition(" ")
    if qualifier in ("next", "this", "last") and named.strip() in WEEKDAYS:
        # 'next monday' and 'this monday' are 'monday', the coming one; 'last monday' the one before today
        value = named.strip()
        if qualifier == "last":
            back = (today.weekday() - WEEKDAYS.index(value)) % 7 or 7
            return today - timedelta(days=back)
    if value in WEEKDAYS:
        ahead = (WEEKDAYS.index(value) - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
        return WeekdayDate(day.year, day.month, day.day)
    slashed = _SLASHED_RE.match(value)
    if slashed:
        return _slashed_date(slashed, text, today, what)
    match = _DATE_RE.match(value)
    if not match:
        raise WrongForm(f"{what} {text!r} is not a date; use {DATE_FORMS}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise WrongForm(f"{what} {text!r} does not exist; use a real date as YYYY-MM-DD") from None


def parse_today(text: str, clock_today: date) -> date:
    """`--today` (or THERAPY_TODAY): a date as `parse_date` reads it, in years a caseload can have (0001-01-01
    would leave the calendar arithmetic of every report nowhere to go)."""
    day = parse_date(text, clock_today, "--today")
    if not 1900 <= day.year <= 9000:
        raise WrongForm(f"--today {text!r} is outside the years 1900 to 9000")
    return day


def _slashed_date(match, text: str, today: date, what: str) -> date:
    """`23/10/2026` or `23/10` (this year), read in the order the setting date.order names."""
    order = order_source() if order_source else None
    if order not in DATE_ORDERS:
        raise WrongForm(f"{what} {text!r}: a date with slashes is read day-first or month-first as the "
                        "setting date.order says, and it is not set; use YYYY-MM-DD, or run "
                        "`therapy config set date.order dmy` (or mdy)")
    first, second = int(match[1]), int(match[2])
    day, month = (first, second) if order == "dmy" else (second, first)
    year = full_year(int(match[3])) if match[3] else today.year
    try:
        return date(year, month, day)
    except ValueError:
        raise WrongForm(f"{what} {text!r} does not exist (read as {order}: day {day}, month {month}); "
                        "use a real date") from None


DATE_ORDERS = ("dmy", "mdy")


def full_year(year: int) -> int:
    """A year written with two digits, as spreadsheets and people write them: 1970-2069."""
    return year + (2000 if year < 70 else 1900) if year < 100 else year


def parse_time(text: str, what: str = "time") -> time:
    """`14:00`, `14.00`, `2pm`, `2:30 pm`, `9 a.m.` → a time of day."""
    match = _TIME_RE.match(text.strip())
    if not match or (match[2] is None and match[4] is None):
        raise WrongForm(f"{what} {text!r} is not a time; use HH:MM (24-hour), or 2pm, 9:30am")
    hour, minute, second, half = int(match[1]), int(match[2] or 0), int(match[3] or 0), (match[4] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise WrongForm(f"{what} {text!r} is not a time; a 12-hour clock runs 1 to 12")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise WrongForm(f"{what} {text!r} does not exist; hours 00-23, minutes 00-59")
    return time(hour, minute, second)


def time_alone(text: str) -> bool:
    """`15:30` with no date (and no seconds): what `parse_datetime(..., day=...)` reads as that day."""
    match = _TIME_RE.match((text or "").strip())
    return bool(match) and match[3] is None


def parse_datetime(text: str, tz, today: date, what: str = "datetime", day: date | None = None) -> datetime:
    """A wall-clock time in the practice zone, returned timezone-aware. With `day`, a time alone
    (`time_alone`) is that time on that day.

    A time that the clocks skip (spring forward) is refused; a time that happens
    twice (fall back) is taken at its first occurrence.
    """
    value = (text or "").strip()
    if day is not None and time_alone(value):
        return localize(datetime.combine(day, parse_time(value, what)), tz, what=what, text=text)
    # a space, or ISO's T between the date's digits and the time's: 'Tuesday 18:00' and 'Today 9:00' keep their T
    parts = re.split(r"\s+|(?<=\d)T(?=\d)", value, maxsplit=1) if value else []
    if len(parts) == 2 and parts[0].lower() in ("next", "this", "last"):   # 'next monday 10:00'
        words = parts[1].split(maxsplit=1)
        parts = [f"{parts[0]} {words[0]}", words[1] if len(words) > 1 else ""]
    if len(parts) != 2 or not parts[1].strip():
        raise WrongForm(f"{what} {text!r} is not a date and time; use {DATETIME_FORMS}")
    day = parse_date(parts[0], today, what)
    clock = parse_time(parts[1], what)
    return localize(datetime.combine(day, clock), tz, what=what, text=text)


def localize(naive: datetime, tz, what: str = "datetime", text: str | None = None) -> datetime:
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        # a time the clocks skip is an impossible time, as 2026-02-30 is an impossible date: exit 2 (SPEC)
        raise WrongForm(f"{what} {text or naive.isoformat(sep=' ')} does not exist in {tz.key}: "
                        "the clocks change then")
    return aware


def iso(dt: datetime) -> str:
    """ISO 8601 with offset, to the second."""
    return dt.replace(microsecond=0).isoformat()


def utc_iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_span(start: date | None, end: date | None, hint: str = "") -> None:
    """Refuse a `--from`/`--to` pair whose end comes before its start (either may be open)."""
    if start is not None and end is not None and end < start:
        raise InvalidValue(f"--to {end.isoformat()} is before --from {start.isoformat()}{hint}: "
                           "the end must be on or after the start")


def parse_week(text: str, what: str = "week") -> tuple[date, date]:
    """ISO week `YYYY-Www` → (Monday, Sunday)."""
    match = _WEEK_RE.match((text or "").strip())
    if not match:
        raise WrongForm(f"{what} {text!r} is not an ISO week; use YYYY-Www, e.g. 2026-W47")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        year = int(match[1])
        # 28 December is always in its year's last ISO week (52 or 53)
        weeks = f"; {year} has weeks W01 to W{date(year, 12, 28).isocalendar()[1]:02d}" if 1 <= year <= 9999 else ""
        raise WrongForm(f"{what} {text!r} does not exist{weeks}") from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week_or_relative(text: str, today: date, what: str = "week") -> tuple[date, date]:
    """`YYYY-Www`, or `this` / `last` / `next` (the ISO week containing today, the one before or after)."""
    value = (text or "").strip().lower()
    if value in ("this", "last", "next"):
        return week_of(today + timedelta(days={"last": -7, "this": 0, "next": 7}[value]))
    if not _WEEK_RE.match(value.upper()):
        raise WrongForm(f"{what} {text!r} is not an ISO week; use YYYY-Www (e.g. 2026-W47), this, last or next")
    return parse_week(text, what)


def parse_month_or_relative(text: str, today: date, what: str = "month") -> tuple[date, date]:
    """`YYYY-MM`, or `this` / `last` / `next` (the calendar month containing today, the one before or after)."""
    value = (text or "").strip().lower()
    if value == "next":
        return month_of(month_of(today)[1] + timedelta(days=1))
    if value in ("this", "last"):
        return month_of(today.replace(day=1) - timedelta(days=1) if value == "last" else today)
    if not _MONTH_RE.match(value):
        raise WrongForm(f"{what} {text!r} is not a month; use YYYY-MM (e.g. 2026-11), this, last or next")
    return parse_month(text, what)


def parse_month(text: str, what: str = "month") -> tuple[date, date]:
    """`YYYY-MM` → (first day, last day)."""
    match = _MONTH_RE.match((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise WrongForm(f"{what} {text!r} is not a month; use YYYY-MM, e.g. 2026-11")
    return month_of(date(int(match[1]), int(match[2]), 1))


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter (Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec) containing `day`."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, month_of(date(first.year, first.month + 2, 1))[1]


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_quarter_or_relative(text: str, today: date, what: str = "--quarter") -> tuple[date, date]:
    """`YYYY-Qn`, or `this` / `last` / `next` (the calendar quarter containing today, the one before, the one
    after: as --week and --month take them)."""
    value = (text or "").strip().lower()
    if value in ("this", "last", "next"):
        this = quarter_of(today)
        return {"this": this, "last": quarter_of(this[0] - timedelta(days=1)),
                "next": quarter_of(this[1] + timedelta(days=1))}[value]
    match = re.match(r"^(\d{4})-q([1-4])$", value)
    if not match or int(match[1]) < 1:
        raise WrongForm(f"{what} {text!r} is not a quarter; use YYYY-Qn (n 1-4, e.g. 2026-Q4), this, last or next")
    return quarter_of(date(int(match[1]), 3 * int(match[2]) - 2, 1))


def add_months(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    try:
        return day + relativedelta(months=months)
    except (ValueError, OverflowError):
        raise InvalidValue(f"{day.isoformat()} {months:+d} months falls outside the calendar (years 1 to 9999)") from None


def local_day_bounds_utc(start: date, end: date, tz) -> tuple[str, str]:
    """UTC ISO strings for [start 00:00, day after end 00:00) in the zone. A bound past the calendar's ends
    (`--to 9999-12-31`, meaning "from then on") is the first or last instant the calendar has."""
    try:
        lo = utc_iso(datetime.combine(start, time(0), tzinfo=tz))
    except OverflowError:
        lo = "0001-01-01T00:00:00+00:00"
    try:
        hi = utc_iso(datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz))
    except OverflowError:
        hi = "9999-12-31T23:59:59+00:00"
    return lo, hi


def parse_days(text: str, what: str = "--within") -> int:
    """`3d`, `3` or `2w` → days."""
    match = re.fullmatch(r"\s*(\d{1,12})\s*([dw]?)\s*", text or "", re.IGNORECASE)
    if not match:
        raise WrongForm(f"{what} {text!r} is not a span; use Nd (days) or Nw (weeks), e.g. 3d")
    days = int(match[1]) * (7 if match[2].lower() == "w" else 1)
    if days > 3660:
        raise InvalidValue(f"{what} must be at most 3660 days")
    return days
