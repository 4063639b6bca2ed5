"""iCalendar (RFC 5545) export of sessions, with the `icalendar` library.

Privacy first: a calendar lives on phones and in cloud accounts, so an event
names a client by id and initials (`#3 A.M.`) unless `with_names` is asked for,
and never carries notes. Each session keeps one UID for ever, so importing a
fresh export updates the events already in a calendar instead of adding copies;
SEQUENCE counts the session's recorded changes so calendars take the newer one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from therapy_cli.practice.clients import initials

PRODID = "-//therapy-cli//Sessions//EN"
UID_DOMAIN = "therapy-cli"


def calendar_token(db) -> str:
    """A short token that tells this caseload file apart from others (demo, a colleague's).

    Derived from when the file was created (its first migration), so it survives
    backups, restores and moving the file.
    """
    created = db.scalar("SELECT applied_at FROM _migrations WHERE name = 'm001_initial'") or str(db.path)
    return hashlib.sha256(f"therapy-cli:{created}".encode()).hexdigest()[:12]


def session_uid(session_id: int, token: str) -> str:
    return f"session-{session_id}-{token}@{UID_DOMAIN}"


def summary(session: dict, with_names: bool) -> str:
    if session["kind"] == "training":
        text = f"Training: {session['title']}"
    elif with_names:
        text = f"Session: {session['client_name']}"
    else:
        text = f"Session #{session['client_id']} {initials(session['client_name'] or '')}"
    if session["status"] in ("cancelled", "late-cancelled"):
        return f"Cancelled: {text}"
    if session["status"] == "dna":
        return f"{text} (DNA)"
    return text


def description(session: dict) -> str:
    parts = []
    if session["kind"] == "training":
        parts.append(f"for {session['audience']}, {session['participants']} participants")
    else:
        parts.append(f"{session['type']}, {session['mode']}")
    parts.append(f"{session['duration_min']} min")
    status = session["status"]
    if session["cancelled_by"]:
        status += f" by the {session['cancelled_by']}"
    parts.append(status)
    return "; ".join(parts)


def _unambiguous(moment: datetime) -> datetime:
    """`moment` as is, or in UTC when its wall time happens twice (the hour the clocks go back).

    A TZID time in that hour means its first occurrence (RFC 5545 3.3.5), which would
    put the second one an hour early.
    """
    if moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset():
        return moment.astimezone(timezone.utc)
    return moment


def build_calendar(sessions: list[dict], tz, token: str, with_names: bool = False,
                   now: datetime | None = None) -> bytes:
    """One VEVENT per session, times in `tz` (TZID with its VTIMEZONE)."""
    from icalendar import Calendar, Event

    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Therapy sessions")
    for session in sessions:
        start = datetime.fromisoformat(session["starts_at"]).astimezone(tz)
        event = Event()
        event.add("uid", session_uid(session["id"], token))
        event.add("dtstamp", stamp)
        # elapsed minutes, not wall-clock ones: a session across a DST change keeps its length
        end = (start.astimezone(timezone.utc) + timedelta(minutes=session["duration_min"])).astimezone(tz)
        event.add("dtstart", _unambiguous(start))
        event.add("dtend", _unambiguous(end))
        event.add("summary", summary(session, with_names))
        event.add("description", description(session))
        event.add("sequence", session.get("revision", 0))
        cancelled = session["status"] in ("cancelled", "late-cancelled")
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        event.add("class", "PRIVATE")
        if session["kind"] == "client" and session["mode"] != "in-person":
            event.add("categories", [session["mode"]])
        cal.add_component(event)
    if sessions:
        # the VTIMEZONE must cover every event (the library's default stops at 2038)
        days = [datetime.fromisoformat(s["starts_at"]).date() for s in sessions]
        cal.add_missing_timezones(first_date=min(days) - timedelta(days=366),
                                  last_date=max(days) + timedelta(days=366))
        _onsets_in_the_time_before(cal)
    return cal.to_ical()


def _onsets_in_the_time_before(cal) -> None:
    """RFC 5545 (3.6.5) gives an observance's onset (DTSTART, RDATE) in the local time before the change, in
    TZOFFSETFROM: London's clocks go forward at 01:00 GMT. icalendar 7 writes a change forward in the time after
    it (02:00), an hour late for an app that reads the VTIMEZONE rather than the TZID; each onset is set from the
    zone's own transition, and one already right is left as it is."""
    from datetime import timezone as utc_zone
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for vtimezone in cal.walk("VTIMEZONE"):
        try:
            zone = ZoneInfo(str(vtimezone["TZID"]))
        except (ZoneInfoNotFoundError, ValueError, KeyError):
            continue
        for sub in vtimezone.subcomponents:
            before, after = sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td
            if before == after:
                continue

            def onset(local: datetime) -> datetime:
                for offset in (before, after):   # read as the time before the change, else as the time after
                    instant = (local - offset).replace(tzinfo=utc_zone.utc)
                    if (instant - timedelta(seconds=1)).astimezone(zone).utcoffset() == before and \
                            instant.astimezone(zone).utcoffset() == after:
                        return (instant + before).replace(tzinfo=None)
                return local

            start = sub["DTSTART"].dt
            fixed = onset(start)
            if fixed != start:
                sub.pop("DTSTART")
                sub.add("DTSTART", fixed)
            rdates = sub.get("RDATE")
            if rdates is None:
                continue
            values = [d.dt for group in (rdates if isinstance(rdates, list) else [rdates]) for d in group.dts]
            if any(onset(v) != v for v in values):
                sub.pop("RDATE")
                for value in values:
                    sub.add("RDATE", onset(value))


def appointment_calendar(session_id: int, starts_at: str, duration_min: int, tz, token: str, title: str,
                         sequence: int = 0, now: datetime | None = None) -> bytes:
    """One appointment for the client's own calendar (a reminder's attachment): the title alone, no
    client name, notes or clinical detail. Its UID differs from the practitioner's export of the same
    session but stays the same when the session moves, so the moved event replaces the old one."""
    from icalendar import Calendar, Event

    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    start = datetime.fromisoformat(starts_at).astimezone(tz)
    end = (start.astimezone(timezone.utc) + timedelta(minutes=duration_min)).astimezone(tz)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{session_id}-{token}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", _unambiguous(start))
    event.add("dtend", _unambiguous(end))
    event.add("summary", title)
    event.add("sequence", sequence)
    event.add("status", "CONFIRMED")
    event.add("class", "PRIVATE")
    cal.add_component(event)
    cal.add_missing_timezones(first_date=start.date() - timedelta(days=366),
                              last_date=start.date() + timedelta(days=366))
    _onsets_in_the_time_before(cal)
    return cal.to_ical()
