"""Checks on values typed or imported, that need no database: one rule, one place."""

from __future__ import annotations

import re
from datetime import date

from therapy_cli.errors import InvalidValue

MAX_NAME = 200
MAX_NOTE = 20_000


def check_characters(value: str, what: str, allowed: str = "") -> None:
    """Refuse C0 controls (but `allowed`), DEL, C1 controls (U+0080–U+009F) and lone surrogates.

    A control stored in a name or note would redraw the practitioner's terminal when shown (CSI is
    U+009B as well as ESC [); a lone surrogate (invalid bytes on the command line) is not text at all.
    """
    for ch in value:
        code = ord(ch)
        if code < 32 and ch not in allowed or 0x7F <= code <= 0x9F:
            raise InvalidValue(f"{what} must not contain control characters (found U+{code:04X})")
        if 0xD800 <= code <= 0xDFFF:
            raise InvalidValue(f"{what} is not valid UTF-8 text (invalid bytes or a lone surrogate)")


def clean_name(name: str, what: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidValue(f"{what} must not be empty")
    if len(value) > MAX_NAME:
        raise InvalidValue(f"{what} must be at most {MAX_NAME} characters")
    check_characters(value, what)
    return value


# `#3`, or `#3 A.M.` / `#3 Alex Morgan` copied from remind or a warning: an id wherever a record is named
ID_LABEL = re.compile(r"#(\d+)(?:\s+(\S.*))?$")


def names_an_id(text: str) -> bool:
    """`3`, `#3` or `#3 A.M.`: what `lookup.match_one` reads as an id, never as a name."""
    value = " ".join((text or "").split())
    return value.isdigit() or ID_LABEL.match(value) is not None


def check_not_number(name: str, what: str, example: str) -> str:
    """A name that is a number (or `#` and a number) would be read as an id wherever the record is named
    (`--to 111` is contact #111): refused, with a name that says the same (`example`)."""
    if (name.isascii() and name.isdigit()) or ID_LABEL.match(name):
        raise InvalidValue(f"a {what}'s name cannot be a number or '#' and a number (it would be read as an id); "
                           f"e.g. {example!r}")
    return name


def clean_text(value: str | None, what: str, limit: int = 2000) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidValue(f"{what} must be at most {limit} characters")
    # an escape sequence stored in a reason or source would redraw the practitioner's terminal when shown
    check_characters(value, what, "\n\t\r")
    return value or None


# local@domain.tld: the dot-atom of RFC 5322 (no quoted local parts, no comments, no display name),
# a domain of dot-separated labels with at least one dot. Reminders are mailed to it, so a typo is
# better refused at entry than bounced later. No network: whether the mailbox exists is not checked.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def clean_note(text: str | None, what: str = "note", limit: int = MAX_NOTE) -> str:
    """A note's text: not empty, at most `limit` characters, no control characters but line breaks and tabs.
    A leading byte-order mark (a file saved by Notepad, read with `-`) is not text: a note of it alone is empty."""
    value = (text or "").strip().lstrip("\ufeff").strip()
    if not value:
        raise InvalidValue(f"{what} must not be empty")
    if len(value) > limit:
        raise InvalidValue(f"{what} must be at most {limit} characters")
    check_characters(value, what, "\n\t\r")
    return value


def clean_email(value: str | None) -> str | None:
    from email.utils import parseaddr

    value = clean_text(value, "email", 254)
    if value is None:
        return None
    if (not _EMAIL.fullmatch(value) or parseaddr(value)[1] != value
            or len(value.partition("@")[0]) > 64):
        raise InvalidValue(f"email {value!r} is not an email address; "
                           "give one address like name@example.org")
    return value


def clean_phone(value: str | None) -> str | None:
    value = clean_text(value, "phone", 40)
    if value is not None and not all(ch.isdigit() or ch in "+-() ." for ch in value):
        raise InvalidValue(f"phone {value!r} may hold digits, spaces and + - ( ) . only")
    return value


def check_not_future(day: date | None, today: date, what: str) -> None:
    if day is not None and day > today:
        raise InvalidValue(f"{what} {day.isoformat()} is in the future (today is {today.isoformat()})"
                           f"{weekday_hint(day, today)}")


def check_not_after_death(day: date, died_on: str | None, what: str) -> None:
    """Nothing of a client's therapy is dated after a recorded death: questionnaires, risk assessments, plans,
    reviews and goal ratings (sessions have their own rule: practice/sessions.check_before_death)."""
    if died_on and day.isoformat() > died_on:
        raise InvalidValue(f"{what} {day.isoformat()} is after the client's death ({died_on})")


def check_within_life(day: date, born_on: str | None, died_on: str | None, what: str) -> None:
    """Not before the date of birth (a year typed wrong: 1989 for 2026), nor after a recorded death."""
    if born_on and day.isoformat() < born_on:
        raise InvalidValue(f"{what} {day.isoformat()} is before the client's date of birth ({born_on})")
    check_not_after_death(day, died_on, what)


def far_ahead(day: date, today: date, what: str) -> str | None:
    """For a booking over a year ahead (`2062` typed for `2026`): the warning, else None. Nothing refuses it: a
    long course or a yearly review can be booked that far, but no reminder will say it until then."""
    ahead = (day - today).days
    if ahead <= 366:
        return None
    years = day.year - today.year - ((day.month, day.day) < (today.month, today.day))
    span = "over a year" if years < 2 else f"{years} years"
    return f"{what} {day.isoformat()} is {span} ahead (today is {today.isoformat()}); if the year is mistyped"


def weekday_hint(day: date, today: date) -> str:
    """For a date typed as a weekday name (the next such day): the last one, which a date that cannot be in the
    future most likely meant. A date typed out gets no hint."""
    from datetime import timedelta

    from therapy_cli.dates import WeekdayDate

    if not isinstance(day, WeekdayDate) or not 0 < (day - today).days <= 7:
        return ""

    return (f"; if that was a weekday name (the next such day), the most recent {day.strftime('%A')} is "
            f"{(day - timedelta(days=7)).isoformat()}")


def check_birth(day: date | None, today: date) -> None:
    if day is None:
        return
    check_not_future(day, today, "date of birth")
    if day.year < 1900:
        raise InvalidValue(f"date of birth {day.isoformat()} is before 1900")


