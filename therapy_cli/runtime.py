"""What a run shares, without click or Typer: the global options' state, the open database, today.

The commands (through `commands._common`) and the fast path of the daily commands (`fast.py`) both
use this module, so that `therapy remind` and `therapy report week` behave the same whichever parsed
their arguments.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date
from collections.abc import Iterator


class State:
    """The root options of this run (a plain class: `dataclasses` imports `inspect`, ~5 ms of start-up)."""

    def __init__(self, db: str | None = None, today: date | None = None, date_order: str | None = None):
        self.db = db
        self.today = today
        self.date_order = date_order   # the setting date.order, read once a slashed date needs it


STATE = State()


def begin(db: str | None, no_pager: bool) -> None:
    """What the root options set before any command runs (`--today` is parsed by the caller)."""
    os.umask(0o077)
    if db is not None and not db.strip():
        from therapy_cli.errors import WrongForm

        # `--db "$CASELOAD"` with the variable unset would otherwise read and write the default caseload
        raise WrongForm("--db is empty; give the caseload file's path (an unset variable in a script?)")
    from therapy_cli import dates, render

    render.use_pager = not no_pager
    STATE.db = db
    STATE.today = None
    STATE.date_order = None
    dates.order_source = date_order


@contextmanager
def database(write: bool = False, create: bool = True) -> Iterator["Database"]:  # noqa: F821
    """The caseload for this command, as one transaction (write: BEGIN IMMEDIATE); with create=False, a file
    that is not there is an error (`no database at PATH`), not a new empty caseload."""
    from therapy_cli.storage.db import open_database, resolve_path

    path = resolve_path(STATE.db)
    new = not os.path.lexists(path)
    db = open_database(path, today=STATE.today, create=create)
    if new:
        _say_created(path)
    try:
        with db.transaction(write=write):
            yield db
        if write:
            from therapy_cli.storage import scrub
            from therapy_cli.storage.files import sweep_stale

            # what a killed command left beside the caseload (a note's draft, a copy) goes with the next write
            sweep_stale(db.path.parent)
            # an erasure whose scrub a reader held up is finished by the next write
            db.scrub_pending = not scrub.finish_pending(db, wait=scrub.NEXT_WRITE_WAIT_SECONDS)
    finally:
        db.close()


def _say_created(path) -> None:
    """A file made by this command (SPEC: created on first use): said at a terminal, where a mistyped --db or
    THERAPY_DB would otherwise answer "Nothing to show" as if the caseload were empty. Scripts and cron, with
    no terminal on stderr, are told nothing (a first `remind` stays silent)."""
    import sys

    if sys.stderr.isatty():
        from therapy_cli import render

        render.message(f"Created a new, empty caseload: {path} (no file was there; if yours is elsewhere, "
                       "give it with --db or THERAPY_DB: therapy db path shows which file is used)")


def date_order() -> str | None:
    """The setting date.order (dmy, mdy or None), read from the caseload the first time it is needed."""
    if STATE.date_order is None:
        from therapy_cli.storage.db import open_database, resolve_path

        path = resolve_path(STATE.db)
        if not os.path.lexists(path):
            # no caseload there, so no setting: reading one must not create it (`practice report` reads
            # other files; a refused `db check --today 27/11` would leave a new empty file behind)
            STATE.date_order = ""
            return None
        db = open_database(path, today=STATE.today)
        try:
            STATE.date_order = db.setting("date.order") or ""
        finally:
            db.close()
    return STATE.date_order or None


def today() -> date:
    return STATE.today or date.today()


def parse_date_option(text: str | None, what: str):
    """A DATE option (YYYY-MM-DD, today, tomorrow, yesterday, weekday), None when not given."""
    if text is None:
        return None
    from therapy_cli.dates import parse_date

    return parse_date(text, today(), what)
