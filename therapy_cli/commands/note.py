"""`therapy note`: find notes again by what they say."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, output_format
from therapy_cli.commands.daily import note_search_command   # typer-free: the fast path runs it too

app = typer.Typer(help="Notes: search what your notes say (write them with `therapy session note`).",
                  no_args_is_help=True)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help=(
        "Words to find (all of them); \"a phrase\", OR, NOT, prefix* and NEAR(a b) as in SQLite FTS5."))],
    client: Annotated[Optional[str], typer.Option("--client", metavar="CLIENT", help=(
        "Only the sessions this client was at: their own, and their couple's, family's or group's."))] = None,
    from_: Annotated[Optional[str], typer.Option("--from", metavar="DATE",
                                                 help="Sessions from this date (inclusive).")] = None,
    to: Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Sessions to this date (inclusive).")] = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help=(
        "Show at most N notes (1 or more); a warning on stderr says when more match."))] = 50,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Search the current text of notes, best match first, with the matching words marked **like this**.

    An amended note is found by its amended text only. Words match whole
    (case and accents ignored); end a word with * to match its beginning.

    Example: therapy note search sleep
    Example: therapy note search 'mother OR father' --client morgan --from 2026-01-01 --json
    """
    note_search_command(query, client, from_, to, limit, output_format(fmt, as_json, as_csv))
