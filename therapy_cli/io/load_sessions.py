"""Importing sessions: the rules of `session add` and `session note` for every row, other systems' shapes read.

Starts as one column (`2026-11-03 14:00`, `03/11/2026 2:00 PM`, an ISO instant
with offset) or a date and a time column; the length as minutes or an end time;
the status as a word (other systems' words built in, `--value status 'X'=Y`
for the rest) or as true/false columns (arrived, did not arrive, cancelled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from therapy_cli.errors import InvalidValue
from therapy_cli.io.loading import ClientIndex, IdCounter, TableImport, file_date, integer
from therapy_cli.practice import sessions as rules
from therapy_cli.storage.db import Database
from therapy_cli.validation import clean_name, clean_note, clean_text
from therapy_cli.vocab import (
    CANCELLED_BY, CANCELLED_BY_WORDS, PAST_ONLY, SESSION_KIND_WORDS, SESSION_KINDS, SESSION_MODE_WORDS,
    SESSION_MODES, SESSION_STATUS_CANCELLED_BY, SESSION_STATUS_WORDS, SESSION_STATUSES, SESSION_TYPE_WORDS,
    SESSION_TYPES, choose)

_OFFSET = re.compile(r"\d(Z|[+-]\d\d:?\d\d)$")
_TIME_ONLY = re.compile(r"^\d{1,2}([:.]\d{2})?(:\d{2})?\s*([ap]\.?\s*m\.?)?$", re.IGNORECASE)
# a date cell a spreadsheet saved as a date and time: `2026-11-03 00:00:00`, `03/11/2026 0:00`, `…T00:00:00.000`
_DAY_AND_CLOCK = re.compile(r"^(\S+?)(?:T|\s+)(\d{1,2})[:.](\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap])?\.?\s*(?:m\.?)?$",
                            re.IGNORECASE)
TRUE = ("true", "yes", "y", "1", "x")
FALSE = ("false", "no", "n", "0", "")
BY_DATE = "by-date"   # --status-default by-date: as `session add` does, attended before today, else scheduled
STATUS_FLAGS = ("arrived", "did_not_attend", "cancelled")


@dataclass(slots=True)
class SessionRow:
    id: str
    client: str
    starts_at: str
    date: str
    time: str
    end_time: str
    duration_min: str
    status: str
    mode: str
    type: str
    cancelled_by: str
    note: str
    kind: str
    title: str
    audience: str
    participants: str
    first_name: str
    last_name: str
    arrived: str
    did_not_attend: str
    cancelled: str
    duration_hours: str


def clock(text: str, what: str = "time") -> time:
    """`14:00`, `2:00 PM`, `9:00 am`, `2pm`, `14.30` → a time of day, as the command line reads it
    (dates.parse_time); a row's time that cannot be read refuses the row (exit 1), not the command line."""
    from therapy_cli.dates import parse_time
    from therapy_cli.errors import WrongForm

    try:
        return parse_time(text, what)
    except WrongForm as exc:
        raise InvalidValue(str(exc)) from None


def _day_only(day: str, time_text: str) -> str:
    """The date of a date column read beside a time column. A spreadsheet that saved the column as a date and
    time writes midnight after it (`2026-11-03 00:00:00`, `11/3/2026 12:00:00 AM`): that is the date alone.
    Another time there is refused, as the row then gives two."""
    match = _DAY_AND_CLOCK.match(day)
    if match is None:
        return day
    hour, minute, second, half = int(match[2]), int(match[3]), int(match[4] or 0), (match[5] or "").lower()
    if (hour, minute, second) != ((12 if half == "a" else 0 if not half else -1), 0, 0):
        raise InvalidValue(f"the date column holds a time as well ({day!r}) and the time column another "
                           f"({time_text!r}); give the date alone in the date column")
    return match[1]


def flag(text: str, what: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    if what == "cancelled":
        return True   # a `cancelled at` column holds when, not yes
    raise InvalidValue(f"{what} {text!r} is not true or false")


class SessionsImport(TableImport):
    table = "sessions"
    noun = "session"
    Row = SessionRow
    required = ("starts_at",)
    word_fields = ("status", "mode", "type")   # the fields read through --value FIELD 'FROM'=TO
    aliases = {"client_id": "client", "client_name": "client", "name": "client", "patient": "client",
               "patient_name": "client", "client_full_name": "client", "at": "starts_at",
               "start": "starts_at", "starts": "starts_at", "datetime": "starts_at", "date_time": "starts_at",
               "start_time": "starts_at", "appointment": "starts_at", "appointment_start": "starts_at",
               "session_date": "date", "appointment_date": "date", "date_of_service": "date", "appt_date": "date",
               "appt_time": "time", "appointment_time": "time", "end": "end_time", "ends": "end_time",
               "finish": "end_time", "finish_time": "end_time", "appointment_end": "end_time",
               "duration": "duration_min", "length": "duration_min", "minutes": "duration_min",
               "duration_minutes": "duration_min", "length_min": "duration_min", "outcome": "status",
               "duration_hrs": "duration_hours", "duration_h": "duration_hours", "hours": "duration_hours",
               "length_hours": "duration_hours", "length_hrs": "duration_hours",
               "attendance": "status", "appointment_status": "status", "session_type": "type", "notes": "note",
               "delivery": "mode", "first": "first_name", "given_name": "first_name", "forename": "first_name",
               "last": "last_name", "surname": "last_name", "family_name": "last_name",
               "patient_first_name": "first_name", "patient_last_name": "last_name",
               "patient_arrived": "arrived", "did_not_arrive": "did_not_attend", "no_show": "did_not_attend",
               "dna": "did_not_attend", "cancelled_at": "cancelled", "canceled_at": "cancelled",
               "canceled": "cancelled"}

    def __init__(self, db: Database, options=None):
        super().__init__(db, options)
        self.tz = db.tz
        self.default_duration = int(db.setting("session.duration"))
        self.durations = {str(n): n for n in range(rules.MIN_DURATION, rules.MAX_DURATION + 1)}
        self.ids = IdCounter(db, "sessions")
        self.index = ClientIndex(db)
        self.times: dict[tuple[str, int], dict] = {}
        # Clients with sessions already: only their rows are looked up for a second import of the same file.
        self.had_sessions = {r[0] for r in db.execute(
            "SELECT DISTINCT client_id FROM sessions WHERE client_id IS NOT NULL")}
        # Overlaps (unless --allow-overlap): the file's own booked times by day, and the file's when it has any.
        self.booked: dict[str, list[dict]] = {}
        # A row repeated in the file (the same client and start): the rows not yet written are looked up here,
        # by line; the rows written already, by an index seek, as a second import's are (no per-row memory kept),
        # and only when the start is not after every start of that client's earlier rows: a file in client and
        # time order (an export) needs no seek at all
        self.unwritten: dict[tuple[int, str], int] = {}
        self.latest: dict[int, str] = {}
        # A training group (no client) repeated: the same title and start, in the file or held already
        self.trainings: dict[tuple[str, str], int] = {}
        self.had_training = bool(db.scalar("SELECT 1 FROM sessions WHERE kind = 'training' LIMIT 1"))
        self.db_booked = bool(db.scalar("SELECT 1 FROM sessions WHERE status IN ('scheduled', 'attended') LIMIT 1"))
        self.status_default = self.options.status_default
        self.defaulted = 0   # rows given --status-default
        self.row_defaulted = False
        self.notes: list[tuple] = []
        self.first_attended: dict[int, str] = {}
        self.today_iso = self.today.isoformat()
        self.sql = ("INSERT INTO sessions (id, kind, client_id, starts_at, starts_utc, ends_utc, local_date, "
                    "duration_min, status, cancelled_by, mode, type, title, audience, participants, created_at, imported) "
                    # imported = 1: brought in from another system; remind asks no notes of them
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")

    def check_missing(self, missing: list[str], present: set[str]) -> list[str]:
        if missing == ["starts_at"] and "date" in present and "time" in present:
            return []   # separate date and time columns
        return missing

    def resolve_columns(self, header, mapping):
        columns, ignored = super().resolve_columns(header, mapping)
        present = {f for f, c in zip(self.fields, columns) if c}
        if "client" not in present and not {"first_name", "last_name"} <= present and "kind" not in present:
            raise InvalidValue(f"the file has no 'client' column (columns: {', '.join(h for h in header if h)}); "
                               "name it in the header or use --map client=COLUMN "
                               "(or --map first_name=COLUMN --map last_name=COLUMN)")
        if "status" not in present and not present & set(STATUS_FLAGS) and self.status_default is None:
            raise InvalidValue("the file has no 'status' column, so whether each session took place is not "
                               "known; map one (--map status=COLUMN) or give --status-default S (one of "
                               f"{', '.join(SESSION_STATUSES)}, or {BY_DATE}: attended before today, "
                               "scheduled from today)")
        return columns, ignored

    # -- reading one row -----------------------------------------------------------------

    def _start_text(self, r: SessionRow) -> str:
        start = r.starts_at.strip()
        day = r.date.strip()
        if start and day and _TIME_ONLY.match(start):
            return f"{_day_only(day, start)} {start}"   # a `Start Time` column beside a date column
        if start:
            return start
        if not day or not r.time.strip():
            raise InvalidValue("start is empty; give the date and time as YYYY-MM-DD HH:MM")
        return f"{_day_only(day, r.time.strip())} {r.time.strip()}"

    def _start(self, text: str) -> datetime:
        from therapy_cli.dates import localize

        value = text.strip()
        if _OFFSET.search(value):
            # A machine export (`therapy export` too): an exact instant, shown in the practice zone.
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(self.tz)
            except ValueError:
                raise InvalidValue(f"start {text!r} is not a date and time; use YYYY-MM-DD HH:MM") from None
        parts = re.split(r"[T ]", value, maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            raise InvalidValue(f"start {text!r} is not a date and time; use YYYY-MM-DD HH:MM")
        day = file_date(parts[0], self.today, "start", self.order)
        return localize(datetime.combine(day, clock(parts[1], "start")), self.tz, "start", text)

    def _when(self, text: str, minutes: int) -> dict:
        """The stored time columns (sessions.session_times), cached: a caseload repeats its hours."""
        key = (text, minutes)
        hit = self.times.get(key)
        if hit is None:
            start = self._start(text)
            if start.second or start.microsecond:   # as `session add`: shown and exported to the minute, a
                # 14:00:30 start would show as 14:00 and clash with a 14:50 booking unseen
                raise InvalidValue(f"start {text!r}: sessions are booked to the minute; leave out the seconds")
            hit = rules.session_times(start, minutes)
            if len(self.times) < 200_000:
                self.times[key] = hit
        return hit

    def _minutes(self, r: SessionRow, start_text: str) -> int:
        if r.duration_hours.strip():
            # a length in hours (`Duration (hrs)`: 1, 0.75, 1.5), to the nearest minute
            try:
                hours = float(r.duration_hours.strip().replace(",", "."))
                minutes = round(hours * 60)   # inf and nan raise here too
            except (ValueError, OverflowError):
                raise InvalidValue(f"duration in hours {r.duration_hours.strip()!r} is not a number such as "
                                   "0.75 or 1.5") from None
            if r.duration_min.strip() and rules.check_duration(r.duration_min.strip()) != minutes:
                raise InvalidValue(f"the duration in minutes ({r.duration_min.strip()}) and in hours "
                                   f"({r.duration_hours.strip()}) disagree")
            return rules.check_duration(minutes)
        if r.duration_min.strip():
            return self.durations.get(r.duration_min) or rules.check_duration(r.duration_min.strip())
        if r.end_time.strip():
            start = self._start(start_text)
            end_text = r.end_time.strip()
            if _TIME_ONLY.match(end_text):
                end = datetime.combine(start.date(), clock(end_text, "end"))
                minutes = int((end - start.replace(tzinfo=None)).total_seconds() // 60)
                if minutes < 0 and end.time() < time(6):
                    minutes += 24 * 60   # 11:30 PM to 12:20 AM: past midnight
            else:
                end = self._start(end_text)
                minutes = int((end - start).total_seconds() // 60)
            return rules.check_duration(minutes)
        return self.default_duration

    def _status(self, r: SessionRow, day: date) -> tuple[str, str | None]:
        """(status, who cancelled when the word says)."""
        word = self.value("status", r.status).strip()
        if word:
            try:
                status = choose(word, SESSION_STATUSES, "status", SESSION_STATUS_WORDS)
            except InvalidValue as exc:   # another system's own word: say how to map it
                raise InvalidValue(f"{exc}; map the file's word with --value status '{word}'=STATUS") from None
            return status, SESSION_STATUS_CANCELLED_BY.get(" ".join(word.split()).lower())
        if r.cancelled.strip() and flag(r.cancelled, "cancelled"):
            return "cancelled", None
        if r.did_not_attend.strip() and flag(r.did_not_attend, "did not attend"):
            return "dna", None
        arrived = flag(r.arrived, "arrived") if r.arrived.strip() else None
        if arrived:
            return "attended", None
        if r.did_not_attend.strip():
            # not a DNA (arrival is often left unticked): it took place, or is to come
            return rules.default_status(day, self.today), None
        if arrived is False:
            return ("dna" if day < self.today else "scheduled"), None
        default = self.status_default
        if default is None:   # an empty cell: as `session add` without --status
            return rules.default_status(day, self.today), None
        self.row_defaulted = True
        return (rules.default_status(day, self.today) if default == BY_DATE else default), None

    def _check_overlap(self, sid: int, times: dict, status: str, kind: str) -> None:
        """As `session add`: a booked or attended session may not overlap another, in the file or in the database."""
        if self.options.allow_overlap or status not in rules.BLOCKING:
            return
        if self.db_booked:
            rules.check_no_clash(self.db, times)
        start, end = times["starts_utc"], times["ends_utc"]
        day = times["local_date"]
        # no session is longer than 600 minutes: a clash starts the day before, that day or the day after (rows
        # need not be in time order: a meeting past midnight may come first in the file)
        before, after = ((date.fromisoformat(day) + timedelta(days=n)).isoformat() for n in (-1, 1))
        clashes = [b for d in (before, day, after) for b in self.booked.get(d, ())
                   if b["starts_utc"] < end and b["ends_utc"] > start]
        if clashes:
            rules.refuse_clashes(times, clashes, self.tz)
        self.booked.setdefault(day, []).append({"id": sid, "line": self.line, "starts_at": times["starts_at"],
                                                "starts_utc": start, "ends_utc": end,
                                                "duration_min": times["duration_min"], "status": status,
                                                "kind": kind})

    def row(self, cells: list[str]) -> int:
        r = SessionRow(*cells)
        self.row_defaulted = False
        kind = choose(r.kind, SESSION_KINDS, "kind", SESSION_KIND_WORDS) if r.kind.strip() else "client"
        start_text = self._start_text(r)
        minutes = self._minutes(r, start_text)
        times = self._when(start_text, minutes)
        local_date = times["local_date"]
        day = date.fromisoformat(local_date)
        status, by = self._status(r, day)
        if status in PAST_ONLY:
            rules.check_status_date(status, day, self.today)
        mode = self.value("mode", r.mode)
        mode = choose(mode, SESSION_MODES, "mode", SESSION_MODE_WORDS) if mode.strip() else "in-person"
        type_ = self.value("type", r.type)
        type_ = choose(type_, SESSION_TYPES, "type", SESSION_TYPE_WORDS) if type_.strip() else "treatment"
        if r.cancelled_by.strip():
            by = choose(r.cancelled_by, CANCELLED_BY, "cancelled by", CANCELLED_BY_WORDS)
            if status not in ("cancelled", "late-cancelled"):
                raise InvalidValue(f"cancelled_by is given but the status is {status}")
        if status in ("cancelled", "late-cancelled") and by is None:
            by = "therapist" if kind == "training" else "client"   # as `session add` does
        if kind == "training":
            if r.client.strip():
                raise InvalidValue("a training group has no client; leave the client empty")
            if status == "dna":
                raise InvalidValue("a training group cannot be a DNA; use cancelled")
            if by == "client":   # as `session cancel` refuses --by client for one
                raise InvalidValue("a training group has no client to cancel it; the cancellation is the "
                                   "therapist's (leave cancelled_by empty, status cancelled)")
            title = clean_name(r.title, "title")
            audience = clean_text(r.audience or None, "audience", 200)
            if not audience:
                raise InvalidValue("a training group needs an audience (who it was for)")
            count = integer(r.participants, "participants", 1, rules.MAX_PARTICIPANTS)
            cid = None
            self._check_training_twin(title, times)
        else:
            client = r.client if r.client.strip() else f"{r.first_name.strip()} {r.last_name.strip()}"
            cid = self.index.find(client)
            key = (cid, times["starts_utc"])
            earlier = self.unwritten.get(key)
            if earlier is not None:
                raise InvalidValue(f"the same client and start as line {earlier} (a row repeated?)")
            if cid in self.had_sessions or key[1] <= self.latest.get(cid, ""):
                twin = self.db.execute("SELECT id FROM sessions WHERE client_id = ? AND starts_utc = ? LIMIT 1",
                                       key).fetchone()
                if twin and twin[0] > self.ids.existing_max:   # written by this import
                    raise InvalidValue(f"the same client and start as session #{twin[0]}, an earlier line of this "
                                       "file (a row repeated?)")
                if twin:
                    raise InvalidValue(f"client #{cid} already has session #{twin[0]} at {times['starts_at']} "
                                       "(imported already?)")
            record = self.index.record(cid)
            rules.check_before_death(record, status, local_date)
            rules.check_after_referral(record, local_date)   # as session add: the wait never runs backwards
            if record["kind"] != "individual":
                # a couple's, family's or group's members that day, as session add checks them (absences are
                # not imported: every member who belongs is counted at an attended one)
                rules.check_members_referred(self.db, record, day)
                if status == "attended":
                    rules.check_members_alive(self.db, record, day, [])
            rules.check_bookable(record, status)
            title = audience = count = None
        note_text = clean_note(r.note) if r.note.strip() else None
        sid = self.ids.take(r.id)
        self._check_overlap(sid, times, status, kind)
        self.pending.append((sid, kind, cid, times["starts_at"], times["starts_utc"], times["ends_utc"], local_date,
                             minutes, status, by, mode, type_, title, audience, count, self.now))
        if note_text:
            self.notes.append((sid, note_text, self.now))
        self.defaulted += self.row_defaulted
        if cid is not None:
            start = times["starts_utc"]
            self.unwritten[(cid, start)] = self.line
            if start > self.latest.get(cid, ""):
                self.latest[cid] = start
            self.per_client[cid] = self.per_client.get(cid, 0) + 1
            if status == "attended":
                first = self.first_attended.get(cid)
                if first is None or local_date < first:
                    self.first_attended[cid] = local_date
        else:
            self.trainings[(title, times["starts_utc"])] = self.line
        return sid

    def _check_training_twin(self, title: str, times: dict) -> None:
        """A training group with the same title and start as one in the file or held already: the same row
        again (a second import of the file), which would count its hours twice."""
        earlier = self.trainings.get((title, times["starts_utc"]))
        if earlier is not None:
            raise InvalidValue(f"the same training group and start as line {earlier} (a row repeated?)")
        if self.had_training:
            twin = self.db.execute("SELECT id FROM sessions WHERE kind = 'training' AND starts_utc = ? AND title = ? "
                                   "LIMIT 1", (times["starts_utc"], title)).fetchone()
            if twin:
                raise InvalidValue(f"training group #{twin[0]} has the same title and start, {times['starts_at']} "
                                   "(imported already?)")

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
        self.unwritten = {}
        if self.notes:
            self.db.executemany("INSERT INTO notes (session_id, text, created_at) VALUES (?, ?, ?)", self.notes)
            self.notes = []

    def finish(self, imported: int) -> None:
        # A client becomes active at the first attended session (discharged clients stay discharged).
        self.db.executemany(
            "UPDATE clients SET first_attended_on = CASE WHEN first_attended_on IS NULL OR first_attended_on > ?1 "
            "THEN ?1 ELSE first_attended_on END, status = CASE WHEN status = 'waiting' THEN 'active' ELSE status END "
            "WHERE id = ?2",
            [(day, cid) for cid, day in self.first_attended.items()])
        super().finish(imported)
