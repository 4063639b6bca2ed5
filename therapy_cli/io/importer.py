"""Bulk import from other practice systems: clients, sessions and measures.

Reads CSV (as a spreadsheet saves it: UTF-8 with or without a BOM, CRLF,
headers in any case and spacing, commas, semicolons or tabs) or JSON lines,
checks every row by the rules the interactive commands use, and writes the
good rows in one transaction through `executemany` in batches: no per-row
commits, no sqlite-utils on the hot path. A file with any bad row writes
nothing unless `skip_invalid` is set. The rules per table are in the
`*Import` classes below; docs/import.md describes them for the practitioner.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator

from therapy_cli.storage.db import Database, utc_now
from therapy_cli.errors import InvalidValue, TherapyError

TABLES = ("clients", "sessions", "measures")
BATCH = 5000
IMPORT_CACHE_KIB = 65536
MAX_KEPT_ERRORS = 1000
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class InvalidRows(TherapyError):
    """Some rows are invalid and nothing was written; `errors` lists (line, reason)."""

    def __init__(self, errors: list[tuple[int, str]], total: int, valid: int):
        self.errors = errors
        self.total = total
        self.valid = valid
        if total == 1:
            line, reason = errors[0]
            text = f"line {line}: {reason}; nothing was imported (fix the row, or use --skip-invalid)"
        else:
            text = (f"{total} invalid rows ({_lines(errors, total)}); nothing was imported "
                    + (f"(fix them, or use --skip-invalid to import the {plural(valid, 'valid row')})" if valid
                       else "(no row is valid)"))
        super().__init__(text)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _lines(errors: list[tuple[int, str]], total: int, shown: int = 10) -> str:
    listed = ", ".join(str(line) for line, _ in errors[:shown])
    more = f" and {total - shown} more" if total > shown else ""
    return f"line{'s' if total > 1 else ''} {listed}{more}"


@dataclass
class ImportResult:
    table: str
    file: str
    rows: int = 0                 # data rows read (blank rows not counted)
    imported: int = 0
    skipped: list = field(default_factory=list)   # (line, reason), at most MAX_KEPT_ERRORS kept
    skipped_count: int = 0
    dry_run: bool = False
    first_id: int | None = None
    last_id: int | None = None
    ignored_columns: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "table": self.table, "file": self.file, "rows": self.rows, "imported": self.imported,
            "skipped": self.skipped_count,
            "skipped_rows": [{"line": line, "error": reason} for line, reason in self.skipped],
            "dry_run": self.dry_run, "first_id": self.first_id, "last_id": self.last_id,
            "ignored_columns": self.ignored_columns,
        }


# -- reading -------------------------------------------------------------------

def normalise_header(name: str) -> str:
    """`Date of Birth ` → `date_of_birth`: header case, spacing and punctuation do not matter."""
    text = (name or "").replace("\ufeff", "").strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`--map target=source` options → {target: normalised source header}."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InvalidValue(f"--map {pair!r} is not TARGET=SOURCE, e.g. --map name='Client Name'")
        mapping[normalise_header(target)] = normalise_header(source)
    return mapping


def _open_text(path: Path):
    if not path.exists():
        raise InvalidValue(f"no file {path}")
    if path.is_dir():
        raise InvalidValue(f"{path} is a directory; give a .csv or .jsonl file")
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
        if not fh.seekable():
            # a pipe (`/dev/stdin`, `<(...)`): read once, then sniff and parse from memory
            import io

            with fh:
                return io.StringIO(fh.read(), newline="")
        fh.read(65536)
        fh.seek(0)
    except UnicodeDecodeError:
        raise InvalidValue(f"{path} is not UTF-8 text; in the spreadsheet use Save As → 'CSV UTF-8'") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror}") from None
    return fh


def _unguard(cell: str) -> str:
    """Undo the `'` that `export` (CSV for spreadsheets) puts before a cell beginning = + - @ tab or CR."""
    from therapy_cli.render import FORMULA_START

    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def _valid_text(obj) -> bool:
    """Every string in a parsed JSON object can be stored as UTF-8 (no lone surrogate)."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class Source:
    """A file of rows: the header (normalised) and an iterator of (line number, cells)."""

    def __init__(self, path: Path):
        self.path = path
        self.jsonl = path.suffix.lower() in JSONL_SUFFIXES
        self.fh = _open_text(path)
        self.chars_read = 0
        self.header: list[str] = []
        self._first_json: tuple[int, dict] | None = None
        self._bad_json: list[tuple[int, dict]] = []   # unreadable lines before the first object
        if self.jsonl:
            self._json_rows = self._iter_json()
            first = next(self._json_rows, None)
            while first is not None and "\0error" in first[1]:
                if first[1].get("\0array"):
                    raise InvalidValue(f"{path} holds a JSON array; give one JSON object per line (JSON lines)")
                self._bad_json.append(first)
                first = next(self._json_rows, None)
            if first is not None:
                self._first_json = first
                self.header = list(first[1])
            elif self._bad_json:
                line, reason = self._bad_json[0][0], self._bad_json[0][1]["\0error"]
                raise InvalidValue(f"line {line} of {path} {reason}; one JSON object per line is expected")
        else:
            self._reader = csv.reader(self._counted(), delimiter=self._sniff())
            try:
                raw = next(self._reader, None)
            except csv.Error as exc:
                raise InvalidValue(f"line 1 of {path}: {exc}") from None
            except UnicodeDecodeError:
                raise InvalidValue(f"{path} is not UTF-8 text; in the spreadsheet use Save As → 'CSV UTF-8'") from None
            self.header = [normalise_header(h) for h in raw or []]
            while self.header and not self.header[-1]:
                self.header.pop()   # spreadsheets add empty trailing columns
        if not self.header:
            raise InvalidValue(f"{path} is empty; a header row naming the columns is expected")
        dupes = sorted({h for h in self.header if h and self.header.count(h) > 1})
        if dupes:
            raise InvalidValue(f"{path}: column {dupes[0]!r} appears twice in the header")

    def _sniff(self) -> str:
        first = self.fh.readline()
        self.fh.seek(0)
        return _delimiter(first)

    def _counted(self) -> Iterator[str]:
        for line in self.fh:
            self.chars_read += len(line)
            yield line

    def _iter_json(self) -> Iterator[tuple[int, dict]]:
        for number, line in enumerate(self._counted(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                yield number, {"\0error": "is not valid JSON", "\0array": line.strip() == "["}
                continue
            if not isinstance(obj, dict):
                yield number, {"\0error": "is not a JSON object", "\0array": isinstance(obj, list)}
                continue
            if ("\\ud" in line or "\\uD" in line) and not _valid_text(obj):
                yield number, {"\0error": "holds a lone surrogate (a \\uD800–\\uDFFF escape alone), "
                                          "which is not valid text", "\0array": False}
                continue
            yield number, {normalise_header(k): _json_cell(v) for k, v in obj.items()}

    def rows(self, columns: list[str], resolve: Callable[[list[str]], list[str]] | None = None
             ) -> Iterator[tuple[int, list | str]]:
        """(line, cells in `columns` order), or (line, reason) for a row that cannot be read.

        Rows where every cell is empty (spreadsheets leave them at the end) are skipped.
        JSON objects may each name their keys differently: `resolve(keys)` maps them.
        """
        if self.jsonl:
            yield from self._json_cells(columns, resolve)
            return
        width = len(self.header)
        # Missing fields read the empty cell appended at position `width`.
        pick = itemgetter(*[self.header.index(c) if c in self.header else width for c in columns])
        reader = self._reader
        last_line = reader.line_num
        while True:
            try:
                raw = next(reader, None)
            except csv.Error as exc:
                yield reader.line_num, f"cannot be read as CSV ({exc})"
                last_line = reader.line_num
                continue
            if raw is None:
                return
            line = last_line + 1
            last_line = reader.line_num
            if len(raw) != width:
                if not any(raw):
                    continue
                if len(raw) > width:
                    if any(c.strip() for c in raw[width:]):
                        yield line, f"has {len(raw)} fields but the header names {width}"
                        continue
                    del raw[width:]
                else:
                    raw.extend([""] * (width - len(raw)))
            elif not any(raw):
                continue
            raw.append("")
            if "\0'" in "\0".join(raw):
                raw = [_unguard(c) for c in raw]
            yield line, pick(raw)

    def _json_cells(self, columns: list[str], resolve) -> Iterator[tuple[int, list | str]]:
        rows = self._json_rows
        if self._first_json is not None:
            first, self._first_json = self._first_json, None
            rows = _chain(first, rows)
        if self._bad_json:
            bad, self._bad_json = self._bad_json, []
            for line, obj in bad:
                yield line, obj["\0error"]
        known = {tuple(self.header): columns}
        for line, obj in rows:
            if "\0error" in obj:
                yield line, obj["\0error"]
                continue
            if not any(v for v in obj.values()):
                continue
            keys = tuple(obj)
            cols = known.get(keys)
            if cols is None:
                try:
                    cols = resolve(list(keys)) if resolve else columns
                except TherapyError as exc:
                    yield line, str(exc)
                    continue
                if len(known) < 1000:
                    known[keys] = cols
            yield line, [obj.get(c, "") for c in cols]

    def close(self) -> None:
        self.fh.close()


def _chain(first, rest):
    yield first
    yield from rest


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(_json_cell(v) for v in value)
    return str(value)


# -- shared value checks -----------------------------------------------------------

def _choice(value: str, choices: dict[str, str], what: str, allowed: tuple) -> str:
    key = value.strip().lower()
    if key in choices:
        return choices[key]
    raise InvalidValue(f"{what} {value!r} is not one of {', '.join(allowed)}")


_FILE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLASHED_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


def file_date(text: str, today: date, what: str) -> date:
    """A date in a file: YYYY-MM-DD only. The command line's `today` or `monday` would mean the day the
    file happens to be imported, and 03/04/2026 is the 3rd of April or the 4th of March: both are refused."""
    from therapy_cli.dates import parse_date

    value = text.strip()
    if not _FILE_DATE.match(value):
        if _SLASHED_DATE.match(value):
            raise InvalidValue(f"{what} {text!r} is not YYYY-MM-DD (with slashes, day/month and month/day "
                               "cannot be told apart); in the spreadsheet, format the column as yyyy-mm-dd "
                               "before saving")
        raise InvalidValue(f"{what} {text!r} is not a date; use YYYY-MM-DD")
    return parse_date(value, today, what)


def _integer(value: str, what: str, low: int | None = None, high: int | None = None) -> int:
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
        for cid, name, kind, erased, status in db.execute("SELECT id, name, kind, erased_on, status FROM clients"):
            self.add(cid, name, kind, erased, status)

    def add(self, cid: int, name: str, kind: str, erased: str | None = None, status: str = "waiting") -> None:
        self.by_id[cid] = (kind, erased, status)
        self.by_name.setdefault(name.lower(), []).append(cid)

    def find(self, text: str, what: str = "client") -> int:
        value = text.strip()
        if not value:
            raise InvalidValue(f"{what} is empty; give the client's id or exact name")
        if value.isdigit():
            cid = int(value)
            if cid not in self.by_id:
                raise InvalidValue(f"no client with id {cid}")
        else:
            ids = self.by_name.get(" ".join(value.split()).lower(), [])
            if not ids:
                raise InvalidValue(f"no client named {value!r} (imports match the exact name, or the id)")
            if len(ids) > 1:
                raise InvalidValue(f"{len(ids)} clients are named {value!r} "
                                   f"(#{', #'.join(map(str, ids[:5]))}); use the id")
            cid = ids[0]
        if self.by_id[cid][1]:
            raise InvalidValue(f"client #{cid} was erased")
        return cid


class IdCounter:
    """Ids for new rows: taken from the file's `id` column when given, else the next free one."""

    def __init__(self, db: Database, table: str):
        self.table = table
        self.next = (db.scalar(f"SELECT max(id) FROM {table}") or 0) + 1
        self.existing_max = self.next - 1
        self.db = db
        self.used: set[int] = set()

    def take(self, text: str) -> int:
        if not text:
            if not self.used:
                self.next += 1
                return self.next - 1
        if not text.strip():
            while self.next in self.used:
                self.next += 1
            value = self.next
            self.next += 1
            return value
        value = _integer(text, "id", 1, 2**62)
        if value in self.used or (value <= self.existing_max and self.db.scalar(
                f"SELECT 1 FROM {self.table} WHERE id = ?", (value,))):
            raise InvalidValue(f"id {value} is already used")
        self.used.add(value)
        if value >= self.next:
            self.next = value + 1
        return value


# -- the tables ----------------------------------------------------------------------

class TableImport:
    """How one table is read: its fields, their header aliases, the row check and the insert."""

    table = ""
    noun = ""
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    aliases: dict[str, str] = {}

    def __init__(self, db: Database):
        self.db = db
        self.today = db.today
        self.now = utc_now()
        self.pending: list[tuple] = []
        self.per_client: dict[int, int] = {}

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
        missing = self.check_missing(missing, header)
        if missing:
            raise InvalidValue(f"the file has no {missing[0]!r} column (columns: {', '.join(h for h in header if h)}); "
                               f"name it in the header or use --map {missing[0]}=COLUMN")
        return columns, ignored

    def check_missing(self, missing: list[str], header: list[str]) -> list[str]:
        return missing

    def row(self, cells: list[str]) -> None:   # pragma: no cover - abstract
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


CLIENT_KINDS = {"individual": "individual", "couple": "couple", "family": "family", "group": "group"}
CLIENT_STATUSES = {"waiting": "waiting", "active": "active", "discharged": "discharged",
                   "open": "active", "closed": "discharged"}


class ClientsImport(TableImport):
    table = "clients"
    noun = "client"
    fields = ("id", "name", "kind", "status", "date_of_birth", "email", "phone", "referred_on",
              "referral_source", "first_attended_on", "discharged_on", "discharge_reason", "members")
    required = ("name",)
    aliases = {"client": "name", "client_name": "name", "full_name": "name", "dob": "date_of_birth",
               "birth_date": "date_of_birth", "born": "date_of_birth", "type": "kind",
               "referral_date": "referred_on", "date_referred": "referred_on", "referred": "referred_on",
               "source": "referral_source", "referral": "referral_source", "discharge_date": "discharged_on",
               "discharged": "discharged_on", "mobile": "phone", "telephone": "phone", "email_address": "email",
               "client_id": "id"}

    def __init__(self, db: Database):
        super().__init__(db)
        from therapy_cli.practice import clients

        self.clients = clients
        self.ids = IdCounter(db, "clients")
        self.index = ClientIndex(db)
        self.members: list[tuple] = []
        # Same name, date of birth and referral date: the same person, most likely imported twice.
        self.seen = {(name.lower(), dob, referred): cid for cid, name, dob, referred in db.execute(
            "SELECT id, name, date_of_birth, referred_on FROM clients")}
        self.sql = ("INSERT INTO clients (id, name, kind, status, date_of_birth, email, phone, referred_on, "
                    "referral_source, first_attended_on, discharged_on, discharge_reason, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def _day(self, text: str, what: str, future_ok: bool = False) -> str | None:
        if not text.strip():
            return None
        day = file_date(text, self.today, what)
        if not future_ok:
            self.clients.check_not_future(day, self.today, what)
        return day.isoformat()

    def row(self, cells: list[str]) -> int:
        (id_, name, kind, status, dob, email, phone, referred_on, source, first, discharged_on,
         reason, members) = cells
        c = self.clients
        name = c.clean_name(name)
        kind = _choice(kind, CLIENT_KINDS, "kind", tuple(CLIENT_KINDS)) if kind.strip() else "individual"
        discharged = self._day(discharged_on, "discharge date")
        if status.strip():
            status = _choice(status, CLIENT_STATUSES, "status", c.STATUSES)
        else:
            status = "discharged" if discharged else "waiting"
        if dob.strip():
            birth = file_date(dob, self.today, "date of birth")
            c.check_birth(birth, self.today)
            dob = birth.isoformat()
        else:
            dob = None
        referred = self._day(referred_on, "referral date")
        first = self._day(first, "first attended date")
        if discharged and status != "discharged":
            raise InvalidValue(f"discharge date given but status is {status}")
        if discharged and referred and discharged < referred:
            raise InvalidValue(f"discharge date {discharged} is before the referral ({referred})")
        twin = self.seen.get((name.lower(), dob, referred))
        if twin is not None:
            raise InvalidValue(f"client #{twin} has the same name, date of birth and referral date "
                               "(imported already?)")
        member_ids = self._members(members, kind)
        record = (name, kind, status, dob, c.clean_email(email or None), c.clean_phone(phone or None), referred,
                  c.clean_text(source or None, "referral source", 200), first, discharged,
                  c.clean_text(reason or None, "discharge reason", 500), self.now)
        cid = self.ids.take(id_)
        self.pending.append((cid, *record))
        self.members.extend((cid, m) for m in member_ids)
        self.index.add(cid, name, kind, None, status)
        self.seen[(name.lower(), dob, referred)] = cid
        self.per_client[cid] = 1
        return cid

    def _members(self, text: str, kind: str) -> list[int]:
        names = [p for p in re.split(r"[;|]", text) if p.strip()]
        if not names:
            return []
        if kind == "individual":
            raise InvalidValue("an individual client has no members; set kind to couple, family or group")
        ids = []
        for part in names:
            mid = self.index.find(part, "member")
            if self.index.by_id[mid][0] != "individual":
                raise InvalidValue(f"member #{mid} is a {self.index.by_id[mid][0]}; members must be individual clients")
            if mid in ids:
                raise InvalidValue(f"member #{mid} is named twice")
            ids.append(mid)
        if kind == "couple" and len(ids) > 2:
            raise InvalidValue("a couple has at most two members")
        return ids

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
        if self.members:
            self.db.executemany("INSERT INTO memberships (unit_id, member_id) VALUES (?, ?)", self.members)
            self.members = []

    def finish(self, imported: int) -> None:
        self.db.executemany(
            "INSERT INTO audit (at, action, record_type, record_id, client_id, summary) "
            "VALUES (?, 'import', 'client', ?, ?, 'client imported from a file')",
            ((self.now, cid, cid) for cid in self.per_client))
        self.db.audit("import", "client", None, f"{plural(imported, 'client row')} imported from a file")


SESSION_STATUSES = {"scheduled": "scheduled", "booked": "scheduled", "attended": "attended", "dna": "dna",
                    "did not attend": "dna", "did_not_attend": "dna", "cancelled": "cancelled",
                    "canceled": "cancelled", "late-cancelled": "late-cancelled",
                    "late_cancelled": "late-cancelled", "late cancelled": "late-cancelled",
                    "late-canceled": "late-cancelled"}
SESSION_MODES = {"in-person": "in-person", "in person": "in-person", "in_person": "in-person",
                 "face to face": "in-person", "video": "video", "online": "video", "phone": "phone",
                 "telephone": "phone"}
SESSION_TYPES = {"assessment": "assessment", "treatment": "treatment", "review": "review"}
CANCELLED_BY = {"client": "client", "therapist": "therapist"}
SESSION_KINDS = {"client": "client", "training": "training"}
MAX_PARTICIPANTS = 10_000  # as sessions.py
PAST_ONLY = ("attended", "dna")  # as sessions.py: these only from the day itself on


_OFFSET = re.compile(r"\d(Z|[+-]\d\d:?\d\d)$")


class SessionsImport(TableImport):
    table = "sessions"
    noun = "session"
    fields = ("id", "client", "starts_at", "date", "time", "duration_min", "status", "mode", "type",
              "cancelled_by", "note", "kind", "title", "audience", "participants")
    required = ("starts_at",)
    aliases = {"client_id": "client", "client_name": "client", "name": "client", "at": "starts_at",
               "start": "starts_at", "starts": "starts_at", "datetime": "starts_at", "date_time": "starts_at",
               "start_time": "starts_at", "appointment": "starts_at", "session_date": "date",
               "duration": "duration_min", "length": "duration_min", "minutes": "duration_min",
               "duration_minutes": "duration_min", "length_min": "duration_min", "outcome": "status",
               "attendance": "status", "session_type": "type", "notes": "note", "delivery": "mode"}

    def __init__(self, db: Database):
        super().__init__(db)
        self.tz = db.tz
        self.default_duration = int(db.setting("session.duration"))
        self.max_participants = MAX_PARTICIPANTS
        self.durations = {str(n): n for n in range(5, 601)}
        self.ids = IdCounter(db, "sessions")
        self.index = ClientIndex(db)
        self.times: dict[tuple[str, int], tuple[str, str, str, str]] = {}
        # Clients with sessions already: only their rows are looked up for a second import of the same file.
        self.had_sessions = {r[0] for r in db.execute(
            "SELECT DISTINCT client_id FROM sessions WHERE client_id IS NOT NULL")}
        self.notes: list[tuple] = []
        self.first_attended: dict[int, str] = {}
        self.today_iso = self.today.isoformat()
        self.sql = ("INSERT INTO sessions (id, kind, client_id, starts_at, starts_utc, ends_utc, local_date, "
                    "duration_min, status, cancelled_by, mode, type, title, audience, participants, created_at, "
                    "imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")

    def check_missing(self, missing: list[str], header: list[str]) -> list[str]:
        if missing == ["starts_at"] and "date" in header and "time" in header:
            return []   # separate Date and Time columns
        return missing

    def resolve_columns(self, header, mapping):
        columns, ignored = super().resolve_columns(header, mapping)
        if not columns[self.fields.index("starts_at")] and not columns[self.fields.index("date")]:
            raise InvalidValue("the file has no 'starts_at' column; name it in the header or use --map starts_at=COLUMN")
        return columns, ignored

    def _when(self, text: str, minutes: int) -> tuple[str, str, str, str]:
        """(starts_at, starts_utc, ends_utc, local_date), cached: a caseload repeats its hours."""
        key = (text, minutes)
        hit = self.times.get(key)
        if hit is None:
            from therapy_cli.dates import iso, parse_datetime

            if _OFFSET.search(text.strip()):
                # A machine export (`therapy export` too): an exact instant, shown in the practice zone.
                try:
                    start = datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(self.tz)
                except ValueError:
                    raise InvalidValue(f"start {text!r} is not a date and time; use YYYY-MM-DD HH:MM") from None
            else:
                file_date(re.split(r"[T ]", text.strip(), maxsplit=1)[0], self.today, "start")
                start = parse_datetime(text, self.tz, self.today, "start")
            utc = start.astimezone(timezone.utc).replace(microsecond=0)
            hit = (iso(start), utc.isoformat(), (utc + timedelta(minutes=minutes)).isoformat(),
                   start.date().isoformat())
            if len(self.times) < 200_000:
                self.times[key] = hit
        return hit

    def row(self, cells: list[str]) -> int:
        (id_, client, starts_at, day, clock, duration, status, mode, type_, cancelled_by, note, kind,
         title, audience, participants) = cells
        kind = _choice(kind, SESSION_KINDS, "kind", tuple(SESSION_KINDS)) if kind.strip() else "client"
        if not starts_at.strip():
            if not day.strip() or not clock.strip():
                raise InvalidValue("start is empty; give the date and time as YYYY-MM-DD HH:MM")
            starts_at = f"{day.strip()} {clock.strip()}"
        minutes = self.durations.get(duration) or (
            _integer(duration, "duration", 5, 600) if duration.strip() else self.default_duration)
        starts, starts_utc, ends_utc, local_date = self._when(starts_at, minutes)
        if status:
            status = SESSION_STATUSES.get(status) or SESSION_STATUSES.get(status.strip().lower()) or _choice(
                status, {}, "status", ("scheduled", "attended", "dna", "cancelled", "late-cancelled"))
        else:
            status = "attended" if local_date < self.today_iso else "scheduled"
        if status in PAST_ONLY and local_date > self.today_iso:
            raise InvalidValue(f"a session on {local_date} cannot be {status} yet (today is {self.today_iso})")
        mode = (SESSION_MODES.get(mode) or _choice(mode, SESSION_MODES, "mode", ("in-person", "video", "phone"))
                if mode.strip() else "in-person")
        type_ = (SESSION_TYPES.get(type_) or _choice(type_, SESSION_TYPES, "type", tuple(SESSION_TYPES))
                 if type_.strip() else "treatment")
        by = None
        if cancelled_by.strip():
            by = _choice(cancelled_by, CANCELLED_BY, "cancelled by", tuple(CANCELLED_BY))
            if status not in ("cancelled", "late-cancelled"):
                raise InvalidValue(f"cancelled_by is given but the status is {status}")
        if status in ("cancelled", "late-cancelled") and by is None:
            by = "therapist" if kind == "training" else "client"   # as `session add` does
        if kind == "training":
            if client.strip():
                raise InvalidValue("a training group has no client; leave the client empty")
            if status == "dna":
                raise InvalidValue("a training group cannot be a DNA; use cancelled")
            from therapy_cli.validation import clean_name, clean_text

            title = clean_name(title, "title")
            audience = clean_text(audience or None, "audience", 200)
            if not audience:
                raise InvalidValue("a training group needs an audience (who it was for)")
            count = _integer(participants, "participants", 1, self.max_participants)
            cid = None
        else:
            cid = self.index.find(client)
            if cid in self.had_sessions:
                twin = self.db.execute("SELECT id FROM sessions WHERE client_id = ? AND starts_utc = ? LIMIT 1",
                                       (cid, starts_utc)).fetchone()
                if twin:
                    raise InvalidValue(f"client #{cid} already has session #{twin[0]} at {starts} (imported already?)")
            if status == "scheduled" and self.index.by_id[cid][2] == "discharged":
                raise InvalidValue(f"client #{cid} is discharged; a scheduled session needs the client reopened")
            title = audience = count = None
        note_text = note.strip()
        if len(note_text) > 20_000:
            raise InvalidValue("note must be at most 20000 characters")
        sid = self.ids.take(id_)
        self.pending.append((sid, kind, cid, starts, starts_utc, ends_utc, local_date, minutes, status, by,
                             mode, type_, title, audience, count, self.now))
        if note_text:
            self.notes.append((sid, note_text, self.now))
        if cid is not None:
            self.per_client[cid] = self.per_client.get(cid, 0) + 1
            if status == "attended":
                first = self.first_attended.get(cid)
                if first is None or local_date < first:
                    self.first_attended[cid] = local_date
        return sid

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
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


class MeasuresImport(TableImport):
    table = "measures"
    noun = "measure"
    fields = ("id", "client", "instrument", "taken_on", "items", "score", "session")
    required = ("client", "instrument")
    aliases = {"client_id": "client", "client_name": "client", "name": "client", "measure": "instrument",
               "questionnaire": "instrument", "date": "taken_on", "on": "taken_on", "taken": "taken_on",
               "completed_on": "taken_on", "total": "score", "session_id": "session", "answers": "items"}

    def __init__(self, db: Database):
        super().__init__(db)
        from therapy_cli.clinical import instruments
        from therapy_cli.clinical import measures

        self.instruments = instruments
        self.measures = measures
        self.ids = IdCounter(db, "measures")
        self.index = ClientIndex(db)
        self.sessions: dict[int, tuple[int | None, str] | None] = {}
        self.sql = ("INSERT INTO measures (id, client_id, instrument, taken_on, score, items, severity, caseness, "
                    "risk, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def _session(self, text: str, cid: int) -> tuple[int, str]:
        """The session id and its date; it must be the client's, or a unit's the client belonged to."""
        sid = _integer(text, "session", 1)
        known = self.sessions.get(sid, 0)
        if known == 0:
            row = self.db.execute("SELECT client_id, local_date FROM sessions WHERE id = ?", (sid,)).fetchone()
            known = self.sessions[sid] = tuple(row) if row else None
        if known is None:
            raise InvalidValue(f"no session with id {sid}")
        if known[0] != cid:
            self.measures.check_session(self.db, cid, sid)
        return sid, known[1]

    def row(self, cells: list[str]) -> int:
        id_, client, instrument, taken_on, items, score, session = cells
        cid = self.index.find(client)
        inst = self.instruments.get_instrument(instrument)
        session_id, session_day = self._session(session, cid) if session.strip() else (None, None)
        if taken_on.strip():
            taken = file_date(taken_on, self.today, "date").isoformat()
        elif session_day:
            taken = session_day
        else:
            raise InvalidValue("the date taken is empty; give it as YYYY-MM-DD")
        if taken > self.today.isoformat():
            raise InvalidValue(f"date {taken} is in the future (today is {self.today.isoformat()})")
        if items.strip():
            values = self.instruments.check_items(inst, self.measures.parse_items(items.strip("[]")))
            total = self.instruments.score_items(inst, values)
            # Both, as `therapy export` writes them: the total must be the items' total.
            if score.strip() and self.instruments.check_total(inst, score) != total:
                raise InvalidValue(f"the total score {score.strip()} is not the items' total ({total:g}); "
                                   "give the items, or the total alone")
        elif score.strip():
            values = None
            total = self.instruments.check_total(inst, score)
        else:
            raise InvalidValue("neither items nor a total score is given")
        risk = self.instruments.risk_score(inst, values)
        caseness = self.instruments.is_caseness(inst, total)
        mid = self.ids.take(id_)
        self.pending.append((mid, cid, inst.name, taken, total, json.dumps(values) if values is not None else None,
                             self.instruments.severity(inst, total), None if caseness is None else int(caseness),
                             risk, session_id, self.now))
        self.per_client[cid] = self.per_client.get(cid, 0) + 1
        return mid

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []


IMPORTS: dict[str, type[TableImport]] = {"clients": ClientsImport, "sessions": SessionsImport,
                                          "measures": MeasuresImport}


# -- the one entry point ---------------------------------------------------------------

def import_file(db: Database, table: str, path: str | Path, mapping: dict[str, str] | None = None,
                skip_invalid: bool = False, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Check every row of `path` and insert the valid ones into `table` (inside the caller's transaction).

    Any invalid row without `skip_invalid` raises InvalidRows (the caller's
    transaction rolls back). `dry_run` checks and inserts inside a savepoint
    that is rolled back, so the database's own constraints are exercised too.
    `progress(chars_read, file_chars)` is called every few thousand rows.
    """
    if table not in IMPORTS:
        raise InvalidValue(f"cannot import {table!r}; choose one of {', '.join(TABLES)}")
    path = Path(path).expanduser()
    source = Source(path)
    try:
        importer = IMPORTS[table](db)
        columns, ignored = importer.resolve_columns(source.header, mapping or {})
        result = ImportResult(table=table, file=str(path), dry_run=dry_run, ignored_columns=ignored)
        size = max(path.stat().st_size, 1)
        errors: list[tuple[int, str]] = []
        error_count = 0
        valid = 0
        first_id = last_id = None
        # A bigger page cache while the indexes of a large table grow in random order
        # (starts_utc, local_date): 2 MB by default, 64 MB here, given back afterwards.
        cache = db.scalar("PRAGMA cache_size")
        db.execute(f"PRAGMA cache_size = {min(int(cache), -IMPORT_CACHE_KIB) if cache < 0 else -IMPORT_CACHE_KIB}")
        db.execute("SAVEPOINT import_file")
        try:
            check = importer.row
            for line, cells in source.rows(columns, lambda keys: importer.resolve_columns(keys, mapping or {})[0]):
                result.rows += 1
                if isinstance(cells, str):
                    reason = cells
                else:
                    try:
                        new_id = check(cells)
                    except TherapyError as exc:
                        reason = str(exc)
                    else:
                        valid += 1
                        if first_id is None:
                            first_id = new_id
                        last_id = new_id
                        if len(importer.pending) >= BATCH:
                            if error_count and not skip_invalid:
                                importer.pending.clear()   # it will all be rolled back: stop writing
                            else:
                                _flush(importer, line)
                        if progress and result.rows % BATCH == 0:
                            progress(source.chars_read, size)
                        continue
                error_count += 1
                if len(errors) < MAX_KEPT_ERRORS:
                    errors.append((line, reason))
            if error_count and not skip_invalid:
                raise InvalidRows(errors, error_count, valid)
            _flush(importer, None)
            importer.finish(valid)
            if progress:
                progress(size, size)
        except BaseException:
            db.execute("ROLLBACK TO import_file")
            db.execute("RELEASE import_file")
            raise
        if dry_run:
            db.execute("ROLLBACK TO import_file")
        db.execute("RELEASE import_file")
        db.execute(f"PRAGMA cache_size = {int(cache)}")
    finally:
        source.close()
    result.imported = valid
    result.skipped = errors
    result.skipped_count = error_count
    result.first_id, result.last_id = first_id, last_id
    return result


def _flush(importer: TableImport, line: int | None) -> None:
    import sqlite3

    try:
        importer.flush()
    except sqlite3.IntegrityError as exc:
        where = f"before line {line}" if line else "at the end of the file"
        raise InvalidValue(f"the database refused a row {where}: {exc}") from None
