"""Appointment reminders to clients by email: who is due one, what it says, what was sent.

A reminder is due for a scheduled client session starting within
`reminders.client_hours` of now, for each person who consented (`client edit
--reminders email`) and has an address: the client of an individual session,
or each member of a couple, family or group who belongs on the day (one
message per address). Discharged and erased
clients are not reminded. Each one sent is recorded with the session's start
at the time, so it is never sent twice, and a moved session is reminded again
at its new time.

The message says only who the appointment is with, the date, the time and
the mode: no clinical words, no surname unless the template asks for one.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta, timezone

from therapy_cli.errors import InvalidValue
from therapy_cli.storage.db import Database, utc_now

CHOICES = ("email", "none")
PLACEHOLDERS = ("first_name", "date", "time", "mode", "practitioner", "last_name", "name")
DEFAULT_TEMPLATE = (
    "Dear {first_name},\n\n"
    "This is a reminder of your appointment on {date} at {time} ({mode}).\n\n"
    "If you cannot come, please let me know as soon as you can.\n\n"
    "{practitioner}"
)
MODE_WORDS = {"in-person": "in person", "video": "by video", "phone": "by phone"}
STATUSES = ("due", "sent", "failed", "invalid_address")


@dataclass
class Reminder:
    """One message to one address about one session."""
    session_id: int
    client_id: int
    to: str
    starts_at: str
    status: str
    name: str
    starts_utc: str
    duration_min: int
    mode: str
    reminded_before: int = 0      # earlier reminders of this session (it moved since): the .ics SEQUENCE
    error: str = ""               # why it was not sent

    def item(self) -> dict:
        """The JSON item SPEC names."""
        return {k: v for k, v in asdict(self).items() if k in ("session_id", "client_id", "to", "starts_at", "status")}


# what each placeholder looks like, to try a template on when it is set
_SAMPLE = {"first_name": "Alex", "last_name": "Morgan", "name": "Alex Morgan", "date": "Saturday 28 November 2026",
           "time": "10:00", "mode": "in person", "practitioner": "Jo Bloggs"}


def check_template(text: str, key: str = "reminders.template") -> str:
    """Refuse what `str.format` could not fill in every morning: placeholders other than PLACEHOLDERS,
    a conversion (`{first_name!r}`), a format (`{date:%d}`), stray braces. A typo would fail every run."""
    body = text.replace("\\n", "\n")
    try:
        fields = [(field, spec, conv) for _, field, spec, conv in string.Formatter().parse(body)
                  if field is not None]
    except ValueError as exc:
        raise InvalidValue(f"{key} is not a usable template ({exc}): a placeholder is a name in braces, "
                           "e.g. {first_name}; write {{ or }} for a brace") from None
    shown_all = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for field, spec, conv in fields:
        if field not in PLACEHOLDERS:
            shown = "{" + field + "}" if field else "{}"
            raise InvalidValue(f"{key}: unknown placeholder {shown}; use {shown_all}")
        if conv is not None:
            raise InvalidValue(f"{key}: {{{field}!{conv}}} has a conversion (!{conv}); placeholders take none: "
                               f"write {{{field}}}")
        if spec:
            raise InvalidValue(f"{key}: {{{field}:{spec}}} has a format (:{spec}); placeholders take none: "
                               f"write {{{field}}}")
    if not text.strip():
        raise InvalidValue(f"{key} must not be empty")
    fill(body, _SAMPLE, key)        # whatever else str.format would refuse, refused now rather than at 7am
    return text


def fill(template: str, values: dict, key: str = "reminders.template") -> str:
    """`template` with its placeholders filled; one str.format cannot use is an error naming the setting."""
    try:
        return template.format(**values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        what = f"unknown placeholder {{{exc.args[0]}}}" if isinstance(exc, KeyError) and exc.args else str(exc)
        raise InvalidValue(f"{key} cannot be used as a template ({what})") from None


def window_start(db: Database) -> datetime:
    """Now; with --today/THERAPY_TODAY, the start of that day in the practice zone (reproducible runs)."""
    if db._today is not None:
        return datetime.combine(db._today, time(0), tzinfo=db.tz).astimezone(timezone.utc)
    return datetime.now(timezone.utc)


_DUE_SQL = """
SELECT s.id AS session_id, s.starts_at, s.starts_utc, s.duration_min, s.mode,
       c.id AS client_id, c.name, c.email
FROM sessions s
JOIN clients u ON u.id = s.client_id
JOIN clients c ON (u.kind = 'individual' AND c.id = u.id)
    OR c.id IN (SELECT m.member_id FROM memberships m WHERE m.unit_id = u.id
                AND (m.joined_on IS NULL OR m.joined_on <= s.local_date)
                AND (m.left_on IS NULL OR m.left_on >= s.local_date))
WHERE s.kind = 'client' AND s.status = 'scheduled' AND s.starts_utc >= ? AND s.starts_utc < ?
  AND c.reminders = 'email' AND c.email IS NOT NULL AND c.status != 'discharged' AND c.erased_on IS NULL
  AND u.status != 'discharged' AND u.erased_on IS NULL   -- a discharged couple's or group's booking is not kept
ORDER BY s.starts_utc, s.id, c.id
"""


def due(db: Database, now: datetime | None = None) -> list[Reminder]:
    """Reminders due and not yet sent, soonest first."""
    from therapy_cli.dates import utc_iso

    start = now or window_start(db)
    # hours on the practice's clock, not a stopwatch's: 24 hours from 07:00 end at 07:00 the next day across a
    # clock change, where the next morning's run begins, so the autumn's 25-hour day leaves no hour unreminded
    end = (start.astimezone(db.tz) + timedelta(hours=db.setting("reminders.client_hours"))).astimezone(timezone.utc)
    window = (utc_iso(start), utc_iso(end))
    earlier: dict[tuple[int, int], int] = {}      # reminders already sent per (session, person)
    latest: dict[tuple[int, int], bool] = {}      # ... whether the latest was at the session's present start
    latest_to: dict[tuple[int, str], bool] = {}   # the same per (session, address)
    for r in db.query("SELECT r.session_id, r.client_id, r.to_address, r.starts_utc = s.starts_utc AS current "
                      "FROM client_reminders r JOIN sessions s ON s.id = r.session_id "
                      "WHERE s.starts_utc >= ? AND s.starts_utc < ? ORDER BY r.id", window):
        person = (r["session_id"], r["client_id"])
        earlier[person] = earlier.get(person, 0) + 1
        # moved 10:00 -> 11:00 -> 10:00: the 10:00 reminder was followed by one for 11:00, so 10:00 is due again
        latest[person] = bool(r["current"])
        latest_to[(r["session_id"], r["to_address"].lower())] = bool(r["current"])
    already = {person for person, current in latest.items() if current}
    sent_to = {key for key, current in latest_to.items() if current}
    out: list[Reminder] = []
    for r in db.query(_DUE_SQL, window):
        key = (r["session_id"], r["email"].lower())
        if (r["session_id"], r["client_id"]) in already or key in sent_to:
            continue
        sent_to.add(key)           # members sharing an address: one message
        reminder = Reminder(r["session_id"], r["client_id"], r["email"], r["starts_at"], "due", r["name"],
                            r["starts_utc"], r["duration_min"], r["mode"],
                            earlier.get((r["session_id"], r["client_id"]), 0))
        if not _valid(r["email"]):       # entered before addresses were checked as strictly: never mailed
            reminder.status = "invalid_address"
            reminder.error = "the address on file is not a valid email address; correct it with client edit"
        out.append(reminder)
    return out


def _valid(address: str) -> bool:
    from therapy_cli.validation import clean_email

    try:
        return clean_email(address) == address
    except InvalidValue:
        return False


def still_due(db: Database, reminder: Reminder) -> bool:
    """Inside the sending transaction: not sent meanwhile by another run, and the session unchanged."""
    return db.scalar(
        "SELECT 1 FROM sessions s WHERE s.id = ? AND s.status = 'scheduled' AND s.starts_utc = ? "
        "AND coalesce((SELECT r.starts_utc FROM client_reminders r WHERE r.session_id = s.id AND r.client_id = ? "
        "              ORDER BY r.id DESC LIMIT 1), '') != s.starts_utc",
        (reminder.session_id, reminder.starts_utc, reminder.client_id)) is not None


def record_sent(db: Database, reminder: Reminder) -> None:
    db.insert("client_reminders", {"session_id": reminder.session_id, "client_id": reminder.client_id,
                                   "starts_utc": reminder.starts_utc, "to_address": reminder.to,
                                   "sent_at": utc_now()})
    db.audit("remind", "session", reminder.session_id, "appointment reminder emailed", reminder.client_id)
    reminder.status = "sent"


def compose(db: Database, reminder: Reminder) -> tuple[str, str]:
    """(subject, plain-text body) from the template: date and time in the practice zone."""
    start = datetime.fromisoformat(reminder.starts_at).astimezone(db.tz)
    parts = reminder.name.split()
    practitioner = db.setting("practitioner.name")
    values = {
        "first_name": parts[0] if parts else "",
        "last_name": parts[-1] if len(parts) > 1 else "",
        "name": reminder.name,
        "date": f"{start:%A} {start.day} {start:%B %Y}",
        "time": f"{start:%H:%M}",
        "mode": MODE_WORDS.get(reminder.mode, reminder.mode),
        "practitioner": practitioner,
    }
    stored = db.setting("reminders.template")
    template = stored.replace("\\n", "\n")
    try:       # a template stored before it was checked this strictly: refuse the run cleanly, send nothing
        check_template(stored)
        body = fill(template, values).strip() + "\n"
    except InvalidValue as exc:
        raise InvalidValue(f"{exc}; nothing was sent: correct it with therapy config set reminders.template TEXT, "
                           "or therapy config unset reminders.template for the default") from None
    if practitioner and "{practitioner}" not in template:
        body += f"\n{practitioner}\n"
    subject = f"Appointment reminder: {values['date']} at {values['time']}"
    return subject, body
