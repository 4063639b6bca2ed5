"""Settings kept inside the database: one table of keys, types, defaults and descriptions.

`config list` and docs/settings.md are both generated from `SETTINGS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from therapy_cli.errors import InvalidValue, WrongForm

# The metrics the period reports compute; targets may be set for these alone.
METRICS = (
    "sessions_attended", "sessions_dna", "sessions_cancelled", "sessions_late_cancelled",
    "clients_seen", "cases_seen", "clinical_hours", "new_referrals", "discharges",
    "supervision_hours", "cpd_hours", "training_hours",
    "sessions_cancelled_by_client", "sessions_cancelled_by_therapist", "supervision_given_hours",
    "training_participants", "dna_rate",
)
TARGET_PERIODS = ("week", "month", "quarter")
# `targets.week.dna_rate.max 0.1`: met when the actual is at most the target (plain keys: at least).
TARGET_DIRECTIONS = ("min", "max")


class Setting:
    """One setting: its key, type ("int", "float", "zone", "text", "bool", "template" (text with line
    breaks), "money", "choice", "currency"), default (a value, or a function giving it), description, the
    range of a number, a further check of the cleaned text (raises InvalidValue), and for a "text" or
    "choice" setting the values it is limited to. (A plain class, not a dataclass: `dataclasses` imports
    `inspect`, ~5 ms of every command's start-up.)"""

    __slots__ = ("key", "type", "default", "description", "minimum", "maximum", "check", "choices")

    def __init__(self, key: str, type: str, default: object, description: str, minimum: float | None = None,
                 maximum: float | None = None, check: Callable[[str], object] | None = None,
                 choices: tuple[str, ...] = ()):
        self.key, self.type, self.default, self.description = key, type, default, description
        self.minimum, self.maximum, self.check, self.choices = minimum, maximum, check, choices

    def __repr__(self) -> str:
        return f"Setting({self.key!r}, {self.type!r})"


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
    Setting("smtp.host", "text", "", "Mail server for reminders to clients (e.g. smtp.example.org)",
            check=lambda v: _check_host(v)),
    Setting("smtp.port", "int", 587, "Mail server port: 587 with STARTTLS; 465 is implicit TLS", 1, 65535),
    Setting("smtp.user", "text", "", "Mail server login name; the password comes only from the command in "
                                     "THERAPY_SMTP_PASSWORD_COMMAND"),
    Setting("smtp.starttls", "bool", True, "Encrypt the connection with STARTTLS (ignored on port 465, "
                                           "which is TLS from the start)"),
    Setting("smtp.from", "text", "", "The sender address of reminders (default: smtp.user when it is an "
                                     "address)", check=lambda v: _check_email(v)),
    Setting("reminders.client_hours", "int", 48,
            "Clients are reminded of sessions starting within this many hours", 1, 336),
    Setting("reminders.template", "template", lambda: _client_reminders().DEFAULT_TEMPLATE,
            "Text of a reminder to a client: placeholders {first_name}, {date}, {time}, {mode}, "
            "{practitioner} (also {last_name}, {name}); no clinical content",
            check=lambda v: _client_reminders().check_template(v)),
    Setting("retention.years", "int", 20,
            "Years after discharge that records are kept (NHS Records Management Code: 20 "
            "for mental-health records; children until at least their 25th/26th birthday)", 1, 200),
    Setting("retention.after_death_years", "int", 10,
            "Years after a client's death that records are kept, when that comes before the rule above "
            "(NHS Records Management Code of Practice 2021: 10 for mental-health records)", 1, 200),
    Setting("notes.template", "text", "none",
            "Template the editor opens a new note with: soap, dap, birp or none",
            choices=("soap", "dap", "birp", "none")),
    Setting("remind.note_missing_days", "int", 14,
            "remind names what fell due in the last N days (notes missing, unmarked sessions and every kind "
            "that stands until acted on); older ones are one summary line per kind (remind --all lists them)",
            1, 3660),
    Setting("cpd.count_supervision", "bool", False,
            "Count supervision received as CPD hours (UKCP does) in cpd status, reports and remind"),
    Setting("fees.currency", "currency", "GBP", "Currency of fees, invoices and payments (ISO 4217 code)"),
    Setting("fees.default", "money", None, "Fee per session, e.g. 80 or 80.50 (unset: nothing is charged)"),
    Setting("fees.dna", "choice", "full", "What a missed session (DNA) is charged: full, half or none",
            choices=("full", "half", "none")),
    Setting("fees.late_cancel", "choice", "full", "What a late cancellation by the client is charged: "
            "full, half or none", choices=("full", "half", "none")),
    Setting("fees.terms_days", "int", 30, "Days after issue that an invoice is due", 1, 365),
    Setting("practitioner.address", "text", "", "Your postal address, printed on invoices (use ; between lines)"),
    Setting("practitioner.registration", "text", "",
            "Your professional registration, printed on invoices (e.g. BACP 012345)"),
    Setting("practitioner.bank", "text", "", "Bank details for payment, printed on invoices"),
]}

for _period in TARGET_PERIODS:
    for _metric in METRICS:
        _key = f"targets.{_period}.{_metric}"
        _most = 1 if _metric.endswith("rate") else 1e9   # a rate is a fraction: 0.1 is 10%, and 1.5 never happens
        SETTINGS[_key] = Setting(_key, "float", None, f"Target per {_period}: {_metric.replace('_', ' ')}",
                                 None, _most)
        SETTINGS[f"{_key}.max"] = Setting(f"{_key}.max", "float", None,
                                          f"Most per {_period}: {_metric.replace('_', ' ')}", None, _most)


def _client_reminders():
    from therapy_cli.practice import client_reminders

    return client_reminders


def _check_email(value: str) -> None:
    from therapy_cli.validation import clean_email

    if value:
        clean_email(value)


def _check_host(value: str) -> None:
    if value and (any(ch in value for ch in " /@:") and not value.startswith("[")):
        raise InvalidValue(f"smtp.host {value!r} is not a host name; give e.g. smtp.example.org "
                           "(the port is smtp.port)")


BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False,
              "0": False}


def lookup(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        if key.startswith("targets."):
            raise InvalidValue(
                f"unknown setting {key!r}; targets are targets.PERIOD.METRIC (at least) or "
                f"targets.PERIOD.METRIC.max (at most), PERIOD one of {', '.join(TARGET_PERIODS)}, "
                f"METRIC one of {', '.join(METRICS)}") from None
        raise InvalidValue(
            f"unknown setting {key!r}; known keys: {', '.join(k for k in SETTINGS if not k.startswith('targets.'))}, "
            "targets.week.METRIC, targets.month.METRIC, targets.quarter.METRIC (.max: at most)") from None


def default_of(setting: Setting) -> object:
    return setting.default() if callable(setting.default) else setting.default


def validate(key: str, text: str, currency: str | None = None) -> str:
    """Check a value given on the command line; return its stored text form.

    `currency` (the fees.currency in force): the only currency symbol or code a money setting may carry;
    None lets any through."""
    setting = lookup(key)
    text = text.strip()
    if setting.check is not None and setting.type in ("text", "template"):
        _check_text(key, text, 2000 if setting.type == "template" else 200, setting.type == "template")
        setting.check(text)
        return text
    if setting.type == "zone":
        from zoneinfo import available_timezones

        from therapy_cli.dates import get_zone

        get_zone(text)
        # zoneinfo opens any file under the zone folder: `localtime` (whatever the machine is set to, moving
        # every session's day when that changes), `right/...` (leap-second files it reads an hour out),
        # `posixrules`; a setting takes the IANA names alone
        if text not in available_timezones() or text in ("localtime", "Factory"):
            raise InvalidValue(f"unknown time zone {text!r}; use an IANA name such as Europe/London")
        return text
    if setting.choices and setting.type != "choice":
        if text.lower() not in setting.choices:
            raise WrongForm(f"{key} must be one of {', '.join(setting.choices)}, not {text!r}")
        return text.lower()
    if setting.type in ("text", "template"):
        _check_text(key, text, 2000 if setting.type == "template" else 200, setting.type == "template")
        return text
    if setting.type == "bool":
        word = text.lower()
        if word not in BOOL_WORDS:
            raise WrongForm(f"{key} must be true or false (yes/no, on/off, 1/0), not {text!r}")
        return "true" if BOOL_WORDS[word] else "false"
    if setting.type in ("money", "choice", "currency"):
        return _validate_fee_value(setting, text, currency)
    number: float
    try:
        number = int(text) if setting.type == "int" else float(text)
    except ValueError:
        kind = "a whole number" if setting.type == "int" else "a number"
        raise WrongForm(f"{key} must be {kind}, not {text!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidValue(f"{key} must be a finite number")
    low, high = setting.minimum, setting.maximum
    at_most = key.endswith(".max")  # an at-most target of 0 (no DNAs at all) is a real target
    if (number < 0 or (number == 0 and not at_most) or (low is not None and number < low)
            or (high is not None and number > high)):
        raise InvalidValue(f"{key} must be {'0 or more' if at_most else 'a positive number'} up to {_num(high)}, "
                           f"not {text}" if not low else
                           f"{key} must be between {_num(low)} and {_num(high)}, not {text}")
    return str(number)


def _check_text(key: str, text: str, limit: int, lines: bool) -> None:
    if len(text) > limit:
        raise InvalidValue(f"{key} must be at most {limit} characters")
    from therapy_cli.validation import check_characters

    # it is printed on reports and in the terminal; a template may hold line breaks
    check_characters(text, key, "\n\t" if lines else "")


def typed_value(key: str, stored: str | None) -> object:
    """The value in force: stored, else the default; in the setting's type."""
    setting = lookup(key)
    if stored is None:
        return default_of(setting)
    if setting.type == "int":
        return int(stored)
    if setting.type == "float":
        return float(stored)
    if setting.type == "bool":
        return stored == "true"
    return stored


def _validate_fee_value(setting: Setting, text: str, currency: str | None = None) -> str:
    if setting.type == "money":
        from therapy_cli.practice.fees import decimal_text, parse_money

        # a wrong form (80,50; abc) is WrongForm, exit 2, as for `--fee`; more than the largest amount, exit 1
        return decimal_text(parse_money(text, setting.key, currency))
    if setting.type == "currency":
        from therapy_cli.practice.fees import check_currency

        return check_currency(text, setting.key)
    if text.lower() not in setting.choices:
        raise WrongForm(f"{setting.key} must be one of {', '.join(setting.choices)}, not {text!r}")
    return text.lower()


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


def _check_currency_change(db, key: str, new: str) -> None:
    """Invoices keep the currency they were issued in, and income adds amounts of one currency: once any is on
    record, fees.currency cannot move away from it (80.00 GBP would be reported as 80.00 JPY)."""
    if key != "fees.currency":
        return
    held = db.scalar("SELECT currency FROM invoices WHERE currency != ? LIMIT 1", (new,))
    if held:
        from therapy_cli.errors import Conflict

        raise Conflict(f"fees.currency stays {held}: invoices on record are in {held}, and fees, invoices and "
                       f"report income count in one currency; {new} would relabel them (start a new file "
                       "for work paid in another currency)")


def set_setting(db, key: str, value: str, warnings: list[str] | None = None) -> dict:
    """Store a setting (validated); `warnings` receives what the value looks like it got wrong."""
    text = validate(key, value, db.setting("fees.currency") if lookup(key).type == "money" else None)
    _check_currency_change(db, key, text)
    zone = db.setting("timezone") if key == "timezone" else None
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, text))
    db.audit("set", "setting", None, key)
    db.forget_settings()
    if warnings is not None:
        warnings += _doubts(db, key)
    return _rezoned(db, zone, get_setting(db, key))


def _doubts(db, key: str) -> list[str]:
    """What a value just set looks like it got wrong: a least above the most for the same figure (no period can
    meet both), or a monthly supervision requirement that reads as minutes."""
    out = []
    if re.fullmatch(r"targets\.[a-z]+\.dna_rate", key):
        # a plain target is a least: a week with no DNAs would miss it (allowed: a service may want one)
        out.append(f"{key} is met when the DNA rate is at least {_num(db.setting(key))}, so a week with no DNAs "
                   f"misses it; for a most: config unset {key}, then config set {key}.max {_num(db.setting(key))}")
    if key.startswith("targets."):
        base = key.removesuffix(".max")
        least, most = db.setting(base), db.setting(base + ".max")
        if least is not None and most is not None and least > most:
            out.append(f"{base} ({_num(least)}) is above {base}.max ({_num(most)}): no period can meet both; "
                       f"correct one (config set KEY VALUE, or config unset KEY)")
    if key == "supervision.hours_per_month" and db.setting(key) > 24:
        out.append(f"{_num(db.setting(key))} hours of supervision a month is a lot; if you meant minutes, that is "
                   f"{_num(round(db.setting(key) / 60, 2))}: config set {key} {_num(round(db.setting(key) / 60, 2))}")
    return out


def unset_setting(db, key: str) -> dict:
    _check_currency_change(db, key, lookup(key).default)
    zone = db.setting("timezone") if key == "timezone" else None
    if db.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount:  # unsetting nothing changes nothing
        db.audit("unset", "setting", None, key)
    db.forget_settings()
    return _rezoned(db, zone, get_setting(db, key))


def _rezoned(db, old_zone: str | None, row: dict) -> dict:
    """After `timezone` changed from `old_zone`: every session's day in the new zone (practice/rezone.py),
    and `row["sessions_rezoned"]` saying how many sessions fall on another day there."""
    if old_zone is None or old_zone == db.setting("timezone"):
        return row
    from therapy_cli.practice.rezone import rezone_sessions

    moved = rezone_sessions(db, old_zone, db.setting("timezone"))
    return {**row, "sessions": moved["sessions"], "sessions_on_another_day": moved["days_changed"],
            "previous_zone": old_zone}


def targets(db, period: str) -> dict[str, float]:
    """The targets set for `week`, `month` or `quarter`: {metric: target}, `metric.max` for the at-most ones."""
    prefix = f"targets.{period}."
    return {r["key"][len(prefix):]: float(r["value"])
            for r in db.query("SELECT key, value FROM settings WHERE key LIKE ?", (prefix + "%",))}
