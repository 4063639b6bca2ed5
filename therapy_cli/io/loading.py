"""What every table's import shares: dates and numbers in a file, client lookup, ids, and the base loader.

A loader (`TableImport`) names its fields through a small dataclass, `Row`;
the reader hands it each row's cells in that order, and `row()` checks them by
the rules the interactive commands use (the same functions: validation.py,
vocab.py, practice/sessions.py, clinical/instruments.py) before queuing the insert.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
import unicodedata
from datetime import date

from therapy_cli.dates import DATE_ORDERS, full_year
from therapy_cli.errors import InvalidValue
from therapy_cli.storage.db import Database, utc_now


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def name_key(name: str) -> str:
    """A name as matched: composed Unicode (a file may hold NFD), spacing and case aside."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


_FILE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLASHED_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
# A date column a spreadsheet or database wrote as a datetime at midnight: `1985-06-03 00:00:00`.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(:00(\.0+)?)?$")


@dataclass
class ImportOptions:
    """How to read another system's file: --map, --value, --dates, --status-default, --allow-overlap."""

    mapping: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: str | None = None
    status_default: str | None = None
    allow_overlap: bool = False


def slashed_date(text: str, order: str | None, what: str) -> date | None:
    """`23/10/2026` read in `order` (dmy or mdy); None when `text` has no slashes (or dots)."""
    match = _SLASHED_DATE.match(text)
    if match is None:
        return None
    if order not in DATE_ORDERS:
        raise InvalidValue(f"{what} {text!r} is not YYYY-MM-DD (with slashes, day/month and month/day "
                           "cannot be told apart); give --dates dmy or --dates mdy (or set date.order), "
                           "or format the column as yyyy-mm-dd before saving")
    first, second, year = (int(g) for g in match.groups())
    day, month = (first, second) if order == "dmy" else (second, first)
    year = full_year(year)
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(f"{what} {text!r} is not a date read as {order}") from None


def file_date(text: str, today: date, what: str, order: str | None = None) -> date:
    """A date in a file: YYYY-MM-DD, or day/month/year in the `order` given. The command line's `today` or
    `monday` would mean the day the file happens to be imported, so words are refused."""
    from therapy_cli.dates import parse_date

    value = text.strip()
    midnight = _MIDNIGHT.match(value)
    if midnight:
        value = midnight.group(1)
    if not _FILE_DATE.match(value):
        slashed = slashed_date(value, order, what)
        if slashed is not None:
            return slashed
        raise InvalidValue(f"{what} {text!r} is not a date; use YYYY-MM-DD")
    return parse_date(value, today, what)


def _has_setting(key: str) -> bool:
    from therapy_cli.settings import SETTINGS

    return key in SETTINGS


def integer(value: str, what: str, low: int | None = None, high: int | None = None) -> int:
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise InvalidValue(f"{what} {value!r} is not a whole number") from None
        if not as_float.is_integer():
            raise InvalidValue(f"{what} {value!r} is not a whole number")
        number = int(as_float)
    if low is not None and number < low or high is not None and number > high:
        raise InvalidValue(f"{what} {number} is outside {low}-{high}" if high is not None
                           else f"{what} must be at least {low}")
    return number


class ClientIndex:
    """Clients by id and by exact (case-insensitive) name, for rows that refer to one."""

    def __init__(self, db: Database):
        self.by_id: dict[int, tuple[str, str | None, str]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.died: dict[int, str] = {}
        self.referred: dict[int, str] = {}
        self.born: dict[int, str] = {}
        for cid, name, kind, erased, status, died, referred, born in db.execute(
                "SELECT id, name, kind, erased_on, status, died_on, referred_on, date_of_birth FROM clients"):
            self.add(cid, name, kind, erased, status)
            if died:
                self.died[cid] = died
            if referred:
                self.referred[cid] = referred
            if born:
                self.born[cid] = born

    def add(self, cid: int, name: str, kind: str, erased: str | None = None, status: str = "waiting") -> None:
        self.by_id[cid] = (kind, erased, status)
        self.by_name.setdefault(name_key(name), []).append(cid)

    def find(self, text: str, what: str = "client") -> int:
        value = text.strip()
        if not value:
            raise InvalidValue(f"{what} is empty; give the client's id or exact name")
        if value.isdigit():
            cid = int(value)
            if cid not in self.by_id:
                raise InvalidValue(f"no client with id {cid}")
        else:
            ids = self.by_name.get(name_key(value), [])
            if not ids:
                raise InvalidValue(f"no client named {value!r} (imports match the exact name, or the id)")
            if len(ids) > 1:
                raise InvalidValue(f"{len(ids)} clients are named {value!r} "
                                   f"(#{', #'.join(map(str, ids[:5]))}); use the id")
            cid = ids[0]
        return cid

    def record(self, cid: int) -> dict:
        """What the domain's checks read of a client: id, kind, erased_on, status, died_on, referred_on,
        date_of_birth."""
        kind, erased, status = self.by_id[cid]
        return {"id": cid, "kind": kind, "erased_on": erased, "status": status, "died_on": self.died.get(cid),
                "referred_on": self.referred.get(cid), "date_of_birth": self.born.get(cid)}


class IdCounter:
    """Ids for new rows: taken from the file's `id` column when given, else the next free one.

    Never an id the table once gave and no longer holds (a session removed, a client's records erased):
    the next free one starts above the table's AUTOINCREMENT counter (m014) as well as its rows, and a
    given id at or below that counter must be one the file does not hold and never held."""

    def __init__(self, db: Database, table: str):
        self.table = table
        # every migrated file has sqlite_sequence (m014 made the tables AUTOINCREMENT)
        self.issued = db.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)) or 0
        self.next = max(db.scalar(f"SELECT max(id) FROM {table}") or 0, self.issued) + 1
        self.existing_max = self.next - 1
        self.db = db
        self.used: set[int] = set()
        # the ids given to rows with no id, as runs [first, last] in increasing order (a given id may not reuse one)
        self.auto: list[list[int]] = []

    def _given(self, value: int) -> int:
        if self.auto and self.auto[-1][1] == value - 1:
            self.auto[-1][1] = value
        else:
            self.auto.append([value, value])
        return value

    def _given_before(self, value: int) -> bool:
        from bisect import bisect_right

        at = bisect_right(self.auto, [value, 2**63]) - 1
        return at >= 0 and self.auto[at][0] <= value <= self.auto[at][1]

    def take(self, text: str) -> int:
        if not text:
            if not self.used:
                self.next += 1
                return self._given(self.next - 1)
        if not text.strip():
            while self.next in self.used:
                self.next += 1
            value = self.next
            self.next += 1
            return self._given(value)
        value = integer(text, "id", 1, 2**62)
        if value in self.used or (value <= self.existing_max and self.db.scalar(
                f"SELECT 1 FROM {self.table} WHERE id = ?", (value,))):
            raise InvalidValue(f"id {value} is already used")
        if value < self.next and self._given_before(value):
            raise InvalidValue(f"id {value} is already used, given to an earlier row of the file that has no id; "
                               "give every row its id, or none")
        if value <= self.issued:
            raise InvalidValue(f"id {value} was given to a record this file no longer holds (removed or erased); "
                               "ids are never used twice: leave the id column empty for a new one")
        self.used.add(value)
        if value >= self.next:
            self.next = value + 1
        return value


class TableImport:
    """How one table is read: its fields, their header aliases, the row check and the insert."""

    table = ""
    noun = ""
    Row: type = object   # a dataclass of str fields: the table's fields, in order
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    aliases: dict[str, str] = {}
    word_fields: tuple[str, ...] = ()   # the fields `value()` reads through --value

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if dataclasses.is_dataclass(cls.Row):
            cls.fields = tuple(f.name for f in dataclasses.fields(cls.Row))

    def __init__(self, db: Database, options: ImportOptions | None = None):
        self.db = db
        self.options = options or ImportOptions()
        self.order = self.options.date_order
        if self.order is None and _has_setting("date.order"):   # the setting of issue 1/10, where present
            self.order = db.setting("date.order")
        self.today = db.today
        self.now = utc_now()
        self.pending: list[tuple] = []
        self.per_client: dict[int, int] = {}
        self.line = 0   # the file line of the row being checked (set by import_file), to name an earlier row

    def resolve_columns(self, header: list[str], mapping: dict[str, str]) -> tuple[list[str], list[str]]:
        """Field → header column, through --map, then the field's own name, then an alias."""
        for target, source in mapping.items():
            if target not in self.fields:
                raise InvalidValue(f"--map {target}=...: {self.table} import has no field {target!r}; "
                                   f"fields: {', '.join(self.fields)}")
            if source not in header:
                raise InvalidValue(f"--map {target}={source}: the file has no column {source!r}; "
                                   f"columns: {', '.join(h for h in header if h)}")
        columns = []
        for name in self.fields:
            if name in mapping:
                columns.append(mapping[name])
            elif name in header:
                columns.append(name)
            else:
                alias = next((h for h in header if self.aliases.get(h) == name and h not in mapping.values()), None)
                columns.append(alias or "")
        used = set(columns)
        ignored = [h for h in header if h and h not in used]
        missing = [f for f, c in zip(self.fields, columns) if f in self.required and not c]
        present = {f for f, c in zip(self.fields, columns) if c}
        missing = self.check_missing(missing, present)
        if missing:
            raise InvalidValue(f"the file has no {missing[0]!r} column (columns: {', '.join(h for h in header if h)}); "
                               f"name it in the header or use --map {missing[0]}=COLUMN")
        return columns, ignored

    def check_missing(self, missing: list[str], present: set[str]) -> list[str]:
        """The required fields still missing, given the fields the file has (`present`)."""
        return missing

    def value(self, name: str, text: str) -> str:
        """A cell through the --value FIELD 'FROM'=TO mapping, when one is given for the field."""
        mapped = self.options.values.get(name)
        if mapped and text:
            return mapped.get(" ".join(text.split()).casefold(), text)
        return text

    def row(self, cells: list[str]) -> int:   # pragma: no cover - abstract
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError

    def finish(self, imported: int) -> None:
        """After the last row: derived state and the audit rows (one per client concerned, one per file)."""
        self.db.executemany(
            "INSERT INTO audit (at, action, record_type, record_id, client_id, summary) VALUES (?, 'import', ?, NULL, ?, ?)",
            ((self.now, self.noun, cid, f"{n} {self.noun}{'s' if n != 1 else ''} imported")
             for cid, n in self.per_client.items()))
        self.db.audit("import", self.noun, None, f"{plural(imported, self.noun + ' row')} imported from a file")
