"""`therapy config`: settings kept inside the database."""

from __future__ import annotations

from typing import Annotated

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format

app = typer.Typer(help="Settings, kept inside the database (one file to back up).", no_args_is_help=True)
KeyArg = Annotated[str, typer.Argument(metavar="KEY", help="A setting, e.g. timezone or targets.week.clients_seen.")]


@app.command("list")
def list_(
    all_targets: Annotated[bool, typer.Option("--all", help="Include every target key, set or not.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List settings with their values, defaults and meaning.

    Example: therapy config list --all
    """
    from therapy_cli import render, settings

    with database() as db:
        rows = settings.list_settings(db, all_targets)
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=["key", "value", "default", "is_set", "description"])


@app.command("get")
def get(key: KeyArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Show one setting's value in force.

    Example: therapy config get session.duration
    """
    from therapy_cli import render, settings

    with database() as db:
        row = settings.get_setting(db, key)
    fmt_name = output_format(fmt, as_json, as_csv)
    if fmt_name == "table":
        value = row["value"]
        print("" if value is None else str(value).lower() if isinstance(value, bool) else value)
    else:
        render.emit(row, fmt_name)


@app.command("set")
def set_(key: KeyArg, value: Annotated[str, typer.Argument(metavar="VALUE")],
         fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Set a setting (validated by type and range).

    Example: therapy config set timezone Europe/London
    Example: therapy config set targets.week.clients_seen 20
    """
    from therapy_cli import render, settings

    warnings: list[str] = []
    with database(write=True) as db:
        row = settings.set_setting(db, key, value, warnings)
    render.emit(row, output_format(fmt, as_json, as_csv))
    _say_rezoned(row)
    for line in warnings:
        render.warn(line)


def _say_rezoned(row: dict) -> None:
    """After a change of time zone: what became of the sessions held (practice/rezone.py)."""
    if row.get("sessions"):
        from therapy_cli import render

        n, moved = row["sessions"], row["sessions_on_another_day"]
        held = f"{n} sessions keep their" if n > 1 else "1 session keeps its"
        render.message(f"{held} moment in time and {'are' if n > 1 else 'is'} shown in {row['value']} now, not "
                       f"{row['previous_zone']}; {moved} of {n} {'is' if moved == 1 else 'are'} on another day "
                       "there, and counted on that day. A time typed meaning the new zone is put right with "
                       "therapy session move ID --to 'YYYY-MM-DD HH:MM'")


@app.command("unset")
def unset(key: KeyArg, fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Remove a setting, so its default applies again.

    Example: therapy config unset targets.week.clients_seen
    """
    from therapy_cli import render, settings

    with database(write=True) as db:
        row = settings.unset_setting(db, key)
    render.emit(row, output_format(fmt, as_json, as_csv))
    _say_rezoned(row)
