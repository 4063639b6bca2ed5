"""The only place that knows how output looks: tables, JSON, CSV, messages.

Rich is imported only when a table is drawn on a terminal; JSON, CSV and
piped tables never load it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from collections.abc import Callable, Iterable

FORMATS = ("table", "json", "csv")

# Long tables on a terminal go through a pager (`PAGER`, default `less -FRX`); `--no-pager` turns it off.
use_pager = True
DEFAULT_PAGER = "less -FRX"
_paging: dict | None = None     # while a table is collected for the pager: how the terminal looked


def fancy() -> bool:
    """Colour and box drawing only on a terminal, and never under NO_COLOR."""
    if _paging is not None:
        return _paging["fancy"]
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def console(stderr: bool = False):
    from rich.console import Console

    if _paging is not None and not stderr:
        return Console(file=sys.stdout, force_terminal=_paging["fancy"], width=_paging["width"],
                       no_color="NO_COLOR" in os.environ, highlight=False, soft_wrap=False)
    return Console(stderr=stderr, no_color="NO_COLOR" in os.environ, highlight=False,
                   soft_wrap=False)


@contextmanager
def paged():
    """Collect what a table view prints; on a terminal, show it through the pager when it is taller than the
    screen. Never when stdout is not a terminal (piped, redirected), with `--no-pager`, or with PAGER=''."""
    global _paging
    pager = os.environ.get("PAGER", DEFAULT_PAGER)
    if not use_pager or _paging is not None or not sys.stdout.isatty() or not pager.strip() \
            or os.environ.get("TERM") == "dumb":
        yield
        return
    import io
    import shutil

    size = shutil.get_terminal_size()
    real = sys.stdout
    buffer = io.StringIO()
    _paging = {"fancy": fancy(), "width": size.columns}
    sys.stdout = buffer
    try:
        yield
    finally:
        sys.stdout = real
        _paging = None
    text = buffer.getvalue()
    if text.count("\n") < size.lines - 1 or not _run_pager(pager, text):
        real.write(text)
        real.flush()


def _run_pager(pager: str, text: str) -> bool:
    """Show `text` through the pager; False when the pager cannot be started (then it is printed)."""
    import shlex
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        subprocess.run(shlex.split(pager), input=text, text=True, env=env, check=False)
    except (OSError, ValueError):
        return False
    return True


def message(text: str) -> None:
    """A message for the person (stderr), never mixed with data; control characters shown escaped."""
    print(_visible(text), file=sys.stderr)


def warn(text: str) -> None:
    print(f"Warning: {_visible(text)}", file=sys.stderr)


def to_json(data: object) -> str:
    """`json.dumps(data, indent=2, ensure_ascii=False, default=str)`, character for character.

    The standard library indents in pure Python, a generator per level; this writes the same text by plain
    recursion with the C string encoder, a third faster on a caseload of 1,400 clients. tests/test_render.py
    holds it to json.dumps over random documents.
    """
    parts: list[str] = []
    _json_value(data, "\n", parts.append)
    return "".join(parts)


_INFINITY = float("inf")


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _json_key(key: object) -> str:
    """A dict key as json.dumps takes it: str, or a bool, None, int or float written as JSON."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _json_float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _json_value(value: object, newline: str, out: Callable[[str], object]) -> None:
    # the order of json's own checks: a bool is an int, so True and False come first
    if isinstance(value, str):
        out(json.encoder.encode_basestring(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out(_json_float(value))
    elif isinstance(value, (list, tuple, dict)):
        if not value:
            out("{}" if isinstance(value, dict) else "[]")
            return
        inner = newline + "  "
        is_dict = isinstance(value, dict)
        out("{" if is_dict else "[")
        separator = inner
        for item in (value.items() if is_dict else value):
            if is_dict:
                key, item = item
                out(separator + json.encoder.encode_basestring(_json_key(key)) + ": ")
            else:
                out(separator)
            _json_value(item, inner, out)
            separator = "," + inner
        out(newline + ("}" if is_dict else "]"))
    else:
        _json_value(str(value), newline, out)   # default=str


def flatten(record: dict, prefix: str = "") -> dict:
    """Nested dicts become dotted keys; lists of scalars are joined with '; '."""
    flat: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                flat[name] = "; ".join("" if v is None else str(v) for v in value)
            else:
                flat[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            flat[name] = value
    return flat


def _visible(text: str) -> str:
    """Control characters (but line breaks and tabs) and lone surrogates shown escaped: a file name or a
    legacy value never redraws the terminal."""
    if text.isprintable():
        return text
    return "".join(ascii(ch)[1:-1] if (ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F
                   or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


class Markup(str):
    """A table cell already written in Rich markup, its own text escaped (note search's bold matches). Every
    other value is drawn as the text it is: a note's `[/]` or `:smile:` is not Rich's to interpret."""


def _drawn(value: str | None):
    """A cell or title as Rich draws it: plain text, unless it is `Markup` (never emoji codes either way)."""
    from rich.text import Text

    if value is None:
        return None
    return Text.from_markup(value, emoji=False) if isinstance(value, Markup) else Text(value)


def cell(value: object) -> str:
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return _visible(str(value))


class CsvStyle:
    """How CSV is written for this command: `--raw` (no neutralising) and `--bom` (set by the CLI)."""

    raw = False
    bom = False


CSV = CsvStyle()
# A spreadsheet runs a cell beginning with these as a formula (OWASP "CSV injection").
# A leading ' is guarded too (doubled), so that every import can take exactly one ' off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading `'`; numbers (also as text) stay."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_cell(value: object, raw: bool | None = None) -> object:
    """A value as written to CSV: None is empty; a boolean yes or no, as in a table; text neutralised unless raw."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if (CSV.raw if raw is None else raw) else spreadsheet_safe(value)


def write_csv(rows: list[dict], columns: list[str] | None = None, out=None) -> None:
    out = out or sys.stdout
    flat = [flatten(r) for r in rows]
    if columns is None:
        columns = []
        for row in flat:
            for key in row:
                if key not in columns:
                    columns.append(key)
    if not columns:
        return  # nothing to show and no known columns: no output rather than a blank line
    if CSV.bom and out is sys.stdout:
        out.write("\ufeff")
    import csv

    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: csv_cell(row.get(k)) for k in columns})


def write_table(rows: list[dict], columns: list[str] | None = None, title: str | None = None,
                headers: dict[str, str] | None = None) -> None:
    """A table: Rich on a terminal, plain aligned text elsewhere."""
    headers = headers or {}
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    labels = [headers.get(c, c.replace("_", " ")) for c in columns]
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    if fancy():
        from rich.table import Table

        table = Table(title=_drawn(title), show_lines=False)
        for label in labels:
            table.add_column(_drawn(label), overflow="fold")
        for row in cells:
            table.add_row(*map(_drawn, row))
        console().print(table)
        return
    if title:
        print(title)
    # one line per row, for grep and awk: a line break in a value is shown as `\n`, as `config set` takes it
    # (`cell` has already shown a carriage return as `\r`)
    cells = [[value.replace("\n", "\\n") for value in row] for row in cells]
    widths = [max([len(label)] + [len(row[i]) for row in cells]) for i, label in enumerate(labels)]
    print("  ".join(label.ljust(w) for label, w in zip(labels, widths)).rstrip())
    for row in cells:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths)).rstrip())


def _record_lines(record: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Field/value pairs for reading: nested records flattened, lists of records one per line."""
    rows: list[tuple[str, str]] = []
    for key, value in record.items():
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, dict):
            rows += _record_lines(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows.append((name, "\n".join(_one_line(v) for v in value)))
        else:
            rows.append((name, cell(value)))
    return rows


def _one_line(item: dict) -> str:
    """`{"id": 1, "name": "Alex", "left_on": None}` → `#1 Alex`; other keys as `key value`."""
    parts = []
    if "id" in item and "name" in item:
        parts.append(f"#{item['id']} {item['name']}")
    parts += [f"{k.replace('_', ' ')} {cell(v)}" for k, v in item.items()
              if v not in (None, "", []) and not ("name" in item and k in ("id", "name"))]
    return ", ".join(parts)


def write_record(record: dict, title: str | None = None) -> None:
    """One record as field / value lines."""
    rows = _record_lines(record)
    if fancy():
        from rich.table import Table

        table = Table(title=_drawn(title), show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for field, value in rows:
            table.add_row(_drawn(field), _drawn(value))
        console().print(table)
        return
    if title:
        print(title)
    width = max((len(field) for field, _ in rows), default=0)
    for field, value in rows:
        lines = value.split("\n") or [""]
        print(f"{field.ljust(width)}  {lines[0]}".rstrip())
        for more in lines[1:]:
            print(f"{'':{width}}  {more}".rstrip())


def emit(data: object, fmt: str, *, columns: list[str] | None = None, title: str | None = None,
         headers: dict[str, str] | None = None, table: Callable[[object], None] | None = None,
         csv_rows: Callable[[object], Iterable[dict]] | None = None) -> None:
    """Show data as a table (default), JSON or CSV: the one output path.

    `table` replaces the default table view (for charts and composite views);
    `csv_rows` turns a composite record into rows for CSV.
    """
    if fmt == "json":
        sys.stdout.write(to_json(data) + "\n")
        return
    if fmt == "csv":
        rows = list(csv_rows(data)) if csv_rows else (data if isinstance(data, list) else [data])
        write_csv(rows, columns if isinstance(data, list) or csv_rows else None)
        return
    if isinstance(data, list) and not data and table is None:
        message("Nothing to show.")
        return
    with paged():
        if table is not None:
            table(data)
        elif isinstance(data, list):
            write_table(data, columns, title, headers)
        else:
            write_record(data, title)


def progress_bar(description: str, total: float):
    """A Rich progress bar on stderr while it is a terminal; nothing at all on a pipe.

    Returns a context manager yielding `update(done)`.
    """
    from contextlib import contextmanager

    @contextmanager
    def bar():
        if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
            yield lambda done: None
            return
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                      TimeRemainingColumn(), console=console(stderr=True), transient=True) as progress:
            task = progress.add_task(description, total=total)
            yield lambda done: progress.update(task, completed=done)

    return bar()
