"""The only place that knows how output looks: tables, JSON, CSV, messages.

Rich is imported only when a table is drawn on a terminal; JSON, CSV and
piped tables never load it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from typing import Any, Callable, Iterable

FORMATS = ("table", "json", "csv")


def fancy() -> bool:
    """Colour and box drawing only on a terminal, and never under NO_COLOR."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, no_color="NO_COLOR" in os.environ, highlight=False,
                   soft_wrap=False)


def message(text: str) -> None:
    """A message for the person (stderr), never mixed with data."""
    print(text, file=sys.stderr)


def warn(text: str) -> None:
    print(f"Warning: {text}", file=sys.stderr)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


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


def cell(value: Any) -> str:
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
    return str(value)


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
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


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

        table = Table(title=title, show_lines=False)
        for label in labels:
            table.add_column(label, overflow="fold")
        for row in cells:
            table.add_row(*row)
        console().print(table)
        return
    if title:
        print(title)
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

        table = Table(title=title, show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for field, value in rows:
            table.add_row(field, value)
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


def emit(data: Any, fmt: str, *, columns: list[str] | None = None, title: str | None = None,
         headers: dict[str, str] | None = None, table: Callable[[Any], None] | None = None,
         csv_rows: Callable[[Any], Iterable[dict]] | None = None) -> None:
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
    if table is not None:
        table(data)
    elif isinstance(data, list):
        if not data:
            message("Nothing to show.")
            return
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
