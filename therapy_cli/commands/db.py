"""`therapy db`: the caseload file itself."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import (
    in_range, STATE, CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format, parse_date_option,
)

app = typer.Typer(help="The database file: path, init, check, backup, restore, audit.", no_args_is_help=True)
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]


@app.command("path")
def path(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Print the database path in use (--db, then THERAPY_DB, then the user data dir).

    Example: therapy db path
    """
    from therapy_cli import render
    from therapy_cli.storage.db import resolve_path

    # the table view is the bare path, so `$(therapy db path)` works in scripts
    render.emit({"path": str(resolve_path(STATE.db))}, output_format(fmt, as_json, as_csv),
                table=lambda info: print(info["path"]))


@app.command("init")
def init(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Create the database (mode 0600) and bring its schema up to date.

    Example: therapy --db ~/caseload.db db init
    """
    from therapy_cli import render

    with database() as db:
        applied = [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY rowid")]
        info = {"path": str(db.path), "migrations": applied}
    render.emit(info, output_format(fmt, as_json, as_csv))


@app.command("check")
def check(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Run SQLite's integrity and foreign-key checks; exit 1 on any finding. Also lists the copies
    db restore kept beside the file (restore_copies), which are not findings.

    Example: therapy db check && echo ok
    """
    from therapy_cli import render
    from therapy_cli.storage import maintenance
    from therapy_cli.storage.db import connect, resolve_path
    from therapy_cli.errors import CheckFailed

    path = resolve_path(STATE.db)
    conn = connect(path, create=False)
    try:
        result = maintenance.check(conn)
    finally:
        conn.close()
    result.update(missing_triggers=[], scrub_pending=False)
    if result["ok"]:
        result.update(maintenance.protections_and_scrub(path, STATE.today))
        result["ok"] = not result["missing_triggers"] and not result["scrub_pending"]
    # not a fault, a reminder: each holds the records as they were, erased ones included
    result["restore_copies"] = [kept.name for kept in maintenance.kept_copies(path)]
    render.emit(result, output_format(fmt, as_json, as_csv))
    if result["missing_triggers"]:
        raise CheckFailed(f"the append-only trigger(s) {', '.join(result['missing_triggers'])} are missing: "
                          "notes or the audit could be rewritten; restore a backup or recreate them")
    if result["scrub_pending"]:
        raise CheckFailed("an erasure's scrub is still pending: another program is reading the file; "
                          "close it and run `therapy db check` again")
    if maintenance.damage(result):
        raise CheckFailed(f"{path} failed its integrity check ({maintenance.damage(result)}): the file is damaged; "
                          "restore your latest backup with `therapy db restore BACKUP` (it keeps this file beside it)")
    if not result["ok"]:
        raise CheckFailed("the database failed its check: "
                          f"{len(result['foreign_key_problems'])} foreign-key problem(s), "
                          f"integrity: {'; '.join(result['integrity'][:3])}")


@app.command("backup")
def backup(dest: Annotated[str, typer.Argument(metavar="DEST", help="Backup file (or a directory).")],
           yes: YesOpt = False,
           fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Copy the database consistently while it may be in use; the copy is 0600 and verified.

    Replacing an existing file asks first (--yes for scripts and cron).

    Example: therapy db backup ~/backups/caseload-$(date +%F).db
    """
    from therapy_cli import render
    from therapy_cli.storage import maintenance

    # a mistyped --db or THERAPY_DB is no caseload to back up: an empty new file's copy would be reported ok
    with database(create=False) as db:
        from therapy_cli.storage.files import check_target

        target = check_target(maintenance.backup_target(db, dest))
        if target.exists():
            confirm(f"Replace the existing file {target} with a new backup?", yes)
        result = maintenance.backup(db, dest)
    render.emit(result, output_format(fmt, as_json, as_csv))


@app.command("restore")
def restore(src: Annotated[str, typer.Argument(metavar="SRC", help="A backup made by `therapy db backup`.")],
            yes: YesOpt = False,
            fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Replace the database with a backup, after checking the backup is intact.

    The file replaced is kept beside it, as NAME-before-restore-YYYYMMDD-HHMMSS.db (0600): restoring the
    wrong backup is undone by restoring that file. Delete it once you are sure.

    Example: therapy db restore ~/backups/caseload-2026-11-20.db --yes
    """
    from pathlib import Path

    from therapy_cli import render

    from therapy_cli.storage import maintenance
    from therapy_cli.storage.db import resolve_path

    source = Path(src).expanduser()
    maintenance.verify_caseload(source)
    target = _real(resolve_path(STATE.db))
    confirm(f"Replace {target} with {source} (keeping the file there now beside it)?" if target.is_file()
            else f"Restore {source} to {target}?", yes)
    result = maintenance.restore(source, target)
    render.emit(result, output_format(fmt, as_json, as_csv))
    if result["erasures_undone"]:
        undone = result["erasures_undone"]
        ids = ", ".join(f"#{i}" for i in undone)
        render.warn(f"this backup predates the erasure of client{'s' if len(undone) > 1 else ''} {ids}: "
                    f"{'their' if len(undone) > 1 else 'the'} records are back in full; erase again with "
                    "therapy client erase ID (see docs/privacy.md)")


@app.command("audit")
def audit(
    client: Annotated[Optional[str], typer.Option(metavar="CLIENT", help="Only changes to this client's records.")] = None,
    since: Annotated[Optional[str], typer.Option(metavar="DATE", help="Only changes from this date (UTC).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the last N changes (1 or more).")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Every change recorded: when (UTC), action, record, id.

    Example: therapy db audit --client morgan --since 2026-11-01
    """
    from therapy_cli import render
    from therapy_cli.practice import clients
    from therapy_cli.storage import maintenance

    with database() as db:
        client_id = clients.find_client(db, client)["id"] if client else None
        rows = maintenance.audit_rows(db, client_id, parse_date_option(since, "--since"), in_range(limit, "--limit", 1))
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=maintenance.AUDIT_COLUMNS)


@app.command("retention")
def retention(
    all_: Annotated[bool, typer.Option("--all", help="Every discharged client with its retention date.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """List discharged clients whose records are past retention (setting retention.years, default 20).

    Children are kept at least until their 25th birthday (26th if 17 at discharge).
    Erase one with `therapy client erase CLIENT --yes`.

    Example: therapy db retention --json
    """
    from therapy_cli import render
    from therapy_cli.practice import retention as rules

    with database() as db:
        rows = rules.retention_list(db, include_all=all_)
    render.emit(rows, output_format(fmt, as_json, as_csv),
                columns=["client_id", "name", "kind", "discharged_on", "date_of_birth", "retain_until", "rule"])


def _real(path):
    """The caseload file itself when its path is a symbolic link (a synced folder, an encrypted volume): a
    restored or converted copy replaces the file the link points to, never the link, which would leave the
    caseload in two diverging files (the real one, say, still in plain text after `db encrypt`)."""
    import os
    from pathlib import Path

    return Path(os.path.realpath(path))


def _convert(encrypt: bool, yes: bool, fmt, as_json: bool, as_csv: bool) -> None:
    from therapy_cli import render
    from therapy_cli.storage import crypto
    from therapy_cli.storage.db import resolve_path

    path = _real(resolve_path(STATE.db))
    crypto._dbapi()  # a clear error before asking anything when SQLCipher is missing
    confirm(f"{'Encrypt' if encrypt else 'Decrypt'} {path} (a checked copy replaces it)?", yes)
    result = crypto.convert(path, encrypt=encrypt)
    render.emit(result, output_format(fmt, as_json, as_csv))


@app.command("encrypt")
def encrypt(yes: YesOpt = False,
            fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Encrypt the database with SQLCipher (pip install 'therapy-cli[encryption]').

    The key comes from THERAPY_KEY_COMMAND (a command that prints it, such as a
    password manager) or, on a terminal, a prompt; never from the command line.
    A checked, encrypted copy replaces the file. Close other therapy commands
    (and pause cron) first. Backups made afterwards are encrypted with the same key.

    Example: THERAPY_KEY_COMMAND='pass show therapy' therapy db encrypt --yes
    """
    _convert(True, yes, fmt, as_json, as_csv)


@app.command("decrypt")
def decrypt(yes: YesOpt = False,
            fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Turn an encrypted database back into a plain SQLite file (a checked copy replaces it).

    Example: THERAPY_KEY_COMMAND='pass show therapy' therapy db decrypt --yes
    """
    _convert(False, yes, fmt, as_json, as_csv)
