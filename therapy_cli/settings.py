"""Settings kept inside the database: one table of keys, types, defaults and descriptions.

`config list` and docs/settings.md are both generated from `SETTINGS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from therapy_cli.errors import InvalidValue

# The metrics the period reports compute; targets may be set for these alone.
METRICS = (
    "sessions_attended", "sessions_dna", "sessions_cancelled", "sessions_late_cancelled",
    "clients_seen", "cases_seen", "clinical_hours", "new_referrals", "discharges",
    "supervision_hours", "cpd_hours", "training_hours",
)
TARGET_PERIODS = ("week", "month")


@dataclass(frozen=True)
class Setting:
    key: str
    type: str            # "int", "float", "zone", "text"
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None   # a text setting that takes one of these words


def _system_zone_default() -> str:
    from therapy_cli.dates import system_zone_name

    return system_zone_name()


SETTINGS: dict[str, Setting] = {s.key: s for s in [
    Setting("timezone", "zone", _system_zone_default,
            "IANA time zone in which datetimes are entered and shown (default: the system zone)"),
    Setting("practitioner.name", "text", "", "Your name, as it appears on client reports"),
    Setting("date.order", "text", "",
            "How dates with slashes are read: dmy (23/10/2026) or mdy (10/23/2026); unset, they are refused "
            "and only YYYY-MM-DD is read", choices=("dmy", "mdy")),
    Setting("session.duration", "int", 50, "Default session length in minutes", 5, 600),
    Setting("measures.every", "int", 1,
            "A measure is due when none was taken in the last N attended sessions", 1, 100),
    Setting("supervision.hours_per_month", "float", 1.5,
            "Supervision hours required each calendar month (BACP minimum: 1.5)", 0.01, 744),
    Setting("cpd.hours_per_year", "float", 20.0, "CPD hours targeted each calendar year", 0.01, 8784),
    Setting("cpd.hours_per_5_years", "float", 250.0,
            "CPD hours targeted over a rolling five years (UKCP: 250)", 0.01, 43920),
    Setting("retention.years", "int", 20,
            "Years after discharge that records are kept (NHS Records Management Code: 20 "
            "for mental-health records; children until at least their 25th/26th birthday)", 1, 200),
]}

for _period in TARGET_PERIODS:
    for _metric in METRICS:
        _key = f"targets.{_period}.{_metric}"
        SETTINGS[_key] = Setting(_key, "float", None, f"Target per {_period}: {_metric.replace('_', ' ')}",
                                 None, 1e9)


def lookup(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        if key.startswith("targets."):
            raise InvalidValue(
                f"unknown setting {key!r}; targets are targets.week.METRIC or targets.month.METRIC "
                f"with METRIC one of {', '.join(METRICS)}") from None
        raise InvalidValue(
            f"unknown setting {key!r}; known keys: {', '.join(k for k in SETTINGS if not k.startswith('targets.'))}, "
            "targets.week.METRIC, targets.month.METRIC") from None


def default_of(setting: Setting) -> Any:
    return setting.default() if callable(setting.default) else setting.default


def validate(key: str, text: str) -> str:
    """Check a value given on the command line; return its stored text form."""
    setting = lookup(key)
    text = text.strip()
    if setting.type == "zone":
        from therapy_cli.dates import get_zone

        get_zone(text)
        return text
    if setting.choices and text.lower() not in setting.choices:
        raise InvalidValue(f"{key} must be one of {', '.join(setting.choices)}, not {text!r}")
    if setting.choices:
        return text.lower()
    if setting.type == "text":
        if len(text) > 200:
            raise InvalidValue(f"{key} must be at most 200 characters")
        if any(ord(ch) < 32 for ch in text):  # it is printed on reports and in the terminal
            raise InvalidValue(f"{key} must not contain control characters")
        return text
    number: float
    try:
        number = int(text) if setting.type == "int" else float(text)
    except ValueError:
        from therapy_cli.errors import WrongForm

        kind = "a whole number" if setting.type == "int" else "a number"
        raise WrongForm(f"{key} must be {kind}, not {text!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidValue(f"{key} must be a finite number")
    low, high = setting.minimum, setting.maximum
    if number <= 0 or (low is not None and number < low) or (high is not None and number > high):
        raise InvalidValue(f"{key} must be a positive number up to {_num(high)}, not {text}"
                           if not low else f"{key} must be between {_num(low)} and {_num(high)}, not {text}")
    return str(number)


def typed_value(key: str, stored: str | None) -> Any:
    """The value in force: stored, else the default; in the setting's type."""
    setting = lookup(key)
    if stored is None:
        return default_of(setting)
    if setting.type == "int":
        return int(stored)
    if setting.type == "float":
        return float(stored)
    return stored


def _num(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else str(value)


def list_settings(db, include_unset_targets: bool = False) -> list[dict]:
    stored = {r["key"]: r["value"] for r in db.query("SELECT key, value FROM settings")}
    rows = []
    for key, setting in SETTINGS.items():
        if key.startswith("targets.") and key not in stored and not include_unset_targets:
            continue
        rows.append({
            "key": key,
            "value": typed_value(key, stored.get(key)),
            "default": default_of(setting),
            "is_set": key in stored,
            "type": setting.type,
            "description": setting.description,
        })
    return rows


def get_setting(db, key: str) -> dict:
    setting = lookup(key)
    stored = db.scalar("SELECT value FROM settings WHERE key = ?", (key,))
    return {"key": key, "value": typed_value(key, stored), "default": default_of(setting),
            "is_set": stored is not None, "type": setting.type, "description": setting.description}


def set_setting(db, key: str, value: str) -> dict:
    text = validate(key, value)
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, text))
    db.audit("set", "setting", None, key)
    db.forget_settings()
    return get_setting(db, key)


def unset_setting(db, key: str) -> dict:
    lookup(key)
    if db.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount:  # unsetting nothing changes nothing
        db.audit("unset", "setting", None, key)
    db.forget_settings()
    return get_setting(db, key)


def targets(db, period: str) -> dict[str, float]:
    """The targets set for `week` or `month`: {metric: target}."""
    prefix = f"targets.{period}."
    return {r["key"][len(prefix):]: float(r["value"])
            for r in db.query("SELECT key, value FROM settings WHERE key LIKE ?", (prefix + "%",))}
