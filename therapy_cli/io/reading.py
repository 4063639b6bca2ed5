"""Reading an import file: CSV or JSON lines, with line numbers, into cells in the order a table asks for.

CSV as a spreadsheet saves it (UTF-8 with or without a BOM, CRLF, headers in
any case and spacing, commas, semicolons or tabs) or one JSON object per line;
`-` reads standard input (CSV or JSON lines, told apart by the first
character). A row that cannot be read comes back as a `Unreadable` with its
reason, never as a row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator

from therapy_cli.errors import InvalidValue, TherapyError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
STDIN = "-"


@dataclass(frozen=True)
class Unreadable:
    """A line of the file that is not a row: why, and whether it looks like a JSON array."""

    reason: str
    array: bool = False


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
        key = normalise_header(target)
        if key in mapping:
            raise InvalidValue(f"--map {key}=... is given twice; give each field once")
        mapping[key] = normalise_header(source)
    return mapping


NOT_UTF8 = "is not UTF-8 text; in the spreadsheet use Save As → 'CSV UTF-8'"


def _unguard(cell: str) -> str:
    """Undo the `'` that CSV for spreadsheets puts before a cell beginning = + - @ tab or CR (render.py)."""
    from therapy_cli.render import FORMULA_START

    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def _valid_text(obj) -> bool:
    """Every string in a parsed JSON object can be stored as UTF-8 (no lone surrogate)."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _open_text(path: Path):
    if str(path) == STDIN:
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:   # already text (an embedding program's stdin)
            return sys.stdin
        return io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    if not path.exists():
        raise InvalidValue(f"no file {path}")
    if path.is_dir():
        raise InvalidValue(f"{path} is a directory; give a .csv or .jsonl file")
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
        if not fh.seekable():
            # a pipe (`/dev/stdin`, `<(...)`): read once, then parse from memory
            with fh:
                return io.StringIO(fh.read(), newline="")
        fh.read(65536)
        fh.seek(0)
    except UnicodeDecodeError:
        raise InvalidValue(f"{path} {NOT_UTF8}") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror}") from None
    return fh


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


class Source:
    """A file of rows: the header (normalised) and an iterator of (line number, cells)."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = _open_text(path)
        self.chars_read = 0
        try:
            first = self.fh.readline()
        except UnicodeDecodeError:
            raise InvalidValue(f"{self.name} {NOT_UTF8}") from None
        self._lines = chain([first], self.fh)
        self.jsonl = (first.lstrip().startswith(("{", "[")) if self.stdin
                      else path.suffix.lower() in JSONL_SUFFIXES)
        self.header: list[str] = []
        self._first_json: tuple[int, dict] | None = None
        self._bad_json: list[tuple[int, dict]] = []   # unreadable lines before the first object
        if self.jsonl:
            self._json_rows = self._iter_json()
            first = next(self._json_rows, None)
            while first is not None and isinstance(first[1], Unreadable):
                if first[1].array:
                    raise InvalidValue(f"{self.name} holds a JSON array; give one JSON object per line (JSON lines)")
                self._bad_json.append(first)
                first = next(self._json_rows, None)
            if first is not None:
                self._first_json = first
                self.header = list(first[1])
            elif self._bad_json:
                line, bad = self._bad_json[0]
                raise InvalidValue(f"line {line} of {self.name} {bad.reason}; one JSON object per line is expected")
        else:
            # strict: a file ending inside a quoted field is an error, not one cell holding every line after it
            self._reader = csv.reader(self._counted(), delimiter=_delimiter(first), strict=True)
            try:
                raw = next(self._reader, None)
            except csv.Error as exc:
                raise InvalidValue(f"line 1 of {self.name}: {exc}") from None
            except UnicodeDecodeError:
                raise InvalidValue(f"{self.name} {NOT_UTF8}") from None
            self.header = [normalise_header(h) for h in raw or []]
            while self.header and not self.header[-1]:
                self.header.pop()   # spreadsheets add empty trailing columns
        if not self.header:
            raise InvalidValue(f"{self.name} is empty; a header row naming the columns is expected")
        dupes = sorted({h for h in self.header if h and self.header.count(h) > 1})
        if dupes:
            raise InvalidValue(f"{self.name}: column {dupes[0]!r} appears twice in the header")

    @property
    def stdin(self) -> bool:
        return str(self.path) == STDIN

    @property
    def name(self) -> str:
        return "standard input" if self.stdin else str(self.path)

    def size(self) -> int:
        """The file's size in characters, for progress (1 for standard input: no progress)."""
        return 1 if self.stdin else max(self.path.stat().st_size, 1)

    def _counted(self) -> Iterator[str]:
        try:
            for line in self._lines:
                self.chars_read += len(line)
                yield line
        except UnicodeDecodeError:
            raise InvalidValue(f"{self.name} {NOT_UTF8}") from None

    def _iter_json(self) -> Iterator[tuple[int, dict | Unreadable]]:
        for number, line in enumerate(self._counted(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                yield number, Unreadable("is not valid JSON", array=line.strip() == "[")
                continue
            if not isinstance(obj, dict):
                yield number, Unreadable("is not a JSON object", array=isinstance(obj, list))
                continue
            if ("\\ud" in line or "\\uD" in line) and not _valid_text(obj):
                yield number, Unreadable("holds a lone surrogate (a \\uD800–\\uDFFF escape alone), "
                                         "which is not valid text")
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
                if "unexpected end of data" in str(exc):
                    yield last_line + 1, ('opens a quoted field (") that is never closed: every line after it '
                                          "was read into that one cell; close the quote")
                    return
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
            rows = chain([first], rows)
        if self._bad_json:
            bad, self._bad_json = self._bad_json, []
            for line, unreadable in bad:
                yield line, unreadable.reason
        known = {tuple(self.header): columns}
        for line, obj in rows:
            if isinstance(obj, Unreadable):
                yield line, obj.reason
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
        if self.stdin and self.fh is not sys.stdin:
            self.fh.detach()   # leave standard input itself open
        elif not self.stdin:
            self.fh.close()


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):   # items [1, 2, 0] or members [1, "Sam, Morgan"]: both read ';' between values
        return ";".join(_json_cell(v) for v in value)
    return str(value)
