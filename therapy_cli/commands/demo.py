"""`therapy demo`: a realistic sample caseload in its own file, then the week's report."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, STATE, confirm, output_format, today


def demo_path(explicit: str | None):
    """--db of `demo`, else the global --db, else demo.db next to the default caseload (never THERAPY_DB)."""
    from pathlib import Path

    from therapy_cli.storage.db import default_path

    chosen = explicit or STATE.db
    return Path(chosen).expanduser() if chosen else default_path().with_name("demo.db")


def demo(
    db: Annotated[Optional[str], typer.Option("--db", metavar="PATH",
                                              help="Where to build it (default: demo.db in the user data dir, "
                                                   "never your caseload).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and --today give the same caseload.")] = 7,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace an existing file that is not a demo.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Build a sample practice in its own file, then show this week's report from it.

    About 40 client records: individuals, two couples, a family and a therapy group; a year of sessions,
    measures, plans, supervision, CPD and training groups.

    An earlier demo file at the same place is rebuilt; any other existing file is replaced only after
    confirmation (--yes).

    Example: therapy demo
    Example: therapy demo --db /tmp/practice.db && therapy --db /tmp/practice.db report caseload
    """
    import os

    from therapy_cli import demo as demo_data, render

    from therapy_cli.reports import service as reports
    from therapy_cli.commands.daily import period_csv_row, show_period
    from therapy_cli.dates import week_of
    from therapy_cli.storage.db import open_database

    from therapy_cli.storage.files import check_target, remove, temp_path

    path = check_target(demo_path(db))
    if path.exists():
        _check_replaceable(path, yes, confirm)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = temp_path(path)
    try:
        database = open_database(tmp, today=STATE.today or today())
        try:
            with database.transaction(write=True):
                counts = demo_data.build(database, seed)
            database.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            database.close()
        from therapy_cli.storage import guard
        from therapy_cli.storage.db import BUSY_TIMEOUT_MS

        held = guard.exclusive(path, BUSY_TIMEOUT_MS / 1000)  # no command has the old file open meanwhile
        try:
            for suffix in ("-wal", "-shm"):
                stale = path.with_name(path.name + suffix)
                if stale.exists():
                    stale.unlink()
            os.replace(tmp, path)
        finally:
            guard.release(held)
    except BaseException:
        remove(tmp, with_journals=True)
        raise
    for suffix in ("-wal", "-shm"):
        stale = tmp.with_name(tmp.name + suffix)
        if stale.exists():
            stale.unlink()
    from therapy_cli.storage.files import shown

    render.message(f"Demo caseload written to {shown(path)}: {counts['clients']} clients, {counts['sessions']} sessions, "
                   f"{counts['measures']} measures.")
    import shlex

    # quoted as a shell needs it: macOS puts the user data dir in "Application Support"
    pasted = shlex.quote(shown(path))
    render.message(f"Explore it with: therapy --db {pasted} report caseload   (or: export THERAPY_DB={pasted})")
    database = open_database(path, today=STATE.today or today())
    try:
        with database.transaction():
            start, end = week_of(database.today)
            report = reports.week_report(database, start, end)
    finally:
        database.close()
    render.emit(report, output_format(fmt, as_json, as_csv), table=show_period,
                csv_rows=lambda r: [period_csv_row(r)])


def _check_replaceable(path, yes: bool, ask) -> None:
    """An earlier demo is rebuilt freely; anything else needs confirmation."""
    import sqlite3

    from therapy_cli.errors import Refused

    if path.is_dir():
        raise Refused(f"{path} is a directory; give a file name for the demo")
    is_demo = False
    try:
        from therapy_cli.storage.db import readonly_uri

        conn = sqlite3.connect(readonly_uri(path), uri=True)
        try:
            is_demo = conn.execute("SELECT 1 FROM audit WHERE action = 'demo' AND record_type = 'caseload' "
                                   "LIMIT 1").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        is_demo = False
    if not is_demo:
        ask(f"{path} exists and is not a demo caseload; replace it with the demo?", yes)
