"""Checks on values typed or imported, that need no database: one rule, one place."""

from __future__ import annotations

from datetime import date

from therapy_cli.errors import InvalidValue

MAX_NAME = 200
MAX_NOTE = 20_000


def clean_name(name: str, what: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidValue(f"{what} must not be empty")
    if len(value) > MAX_NAME:
        raise InvalidValue(f"{what} must be at most {MAX_NAME} characters")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidValue(f"{what} must not contain control characters")
    return value


def clean_text(value: str | None, what: str, limit: int = 2000) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidValue(f"{what} must be at most {limit} characters")
    # an escape sequence stored in a reason or source would redraw the practitioner's terminal when shown
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value):
        raise InvalidValue(f"{what} must not contain control characters")
    return value or None


def clean_note(text: str | None, what: str = "note", limit: int = MAX_NOTE) -> str:
    """A note's text: not empty, at most `limit` characters, no control characters but line breaks and tabs."""
    value = (text or "").strip()
    if not value:
        raise InvalidValue(f"{what} must not be empty")
    if len(value) > limit:
        raise InvalidValue(f"{what} must be at most {limit} characters")
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value):
        raise InvalidValue(f"{what} must not contain control characters")
    return value


def clean_email(value: str | None) -> str | None:
    value = clean_text(value, "email", 254)
    if value is not None and ("@" not in value or " " in value or value.startswith("@") or value.endswith("@")):
        raise InvalidValue(f"email {value!r} is not an email address")
    return value


def clean_phone(value: str | None) -> str | None:
    value = clean_text(value, "phone", 40)
    if value is not None and not all(ch.isdigit() or ch in "+-() ." for ch in value):
        raise InvalidValue(f"phone {value!r} may hold digits, spaces and + - ( ) . only")
    return value


def check_not_future(day: date | None, today: date, what: str) -> None:
    if day is not None and day > today:
        raise InvalidValue(f"{what} {day.isoformat()} is in the future (today is {today.isoformat()})")


def check_birth(day: date | None, today: date) -> None:
    if day is None:
        return
    check_not_future(day, today, "date of birth")
    if day.year < 1900:
        raise InvalidValue(f"date of birth {day.isoformat()} is before 1900")


