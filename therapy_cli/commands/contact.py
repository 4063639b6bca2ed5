"""`therapy contact`: the professional network."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, database, output_format

app = typer.Typer(help="The professional network: referrers and colleagues.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The contact's name.")],
    role: Annotated[Optional[str], typer.Option(help="Role, e.g. GP, psychiatrist, school nurse.")] = None,
    org: Annotated[Optional[str], typer.Option(help="Organisation or practice.")] = None,
    email: Annotated[Optional[str], typer.Option(help="Email address.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Phone number.")] = None,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Add a professional contact.

    Example: therapy contact add 'Dr Priya Shah' --role GP --org 'Hillside Surgery'
    """
    from therapy_cli import render
    from therapy_cli.practice import contacts

    with database(write=True) as db:
        record = contacts.add_contact(db, name, role, org, email, phone)
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Contact #{record['id']}")


@app.command("list")
def list_(fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """List contacts with the referrals in and out through each.

    Example: therapy contact list --csv
    """
    from therapy_cli import render
    from therapy_cli.practice import contacts

    with database() as db:
        rows = contacts.list_contacts(db)
    # an empty CSV still has its header
    render.emit(rows, output_format(fmt, as_json, as_csv), columns=None if rows else [
        "id", "name", "role", "org", "email", "phone", "referrals_in", "referrals_out"])
