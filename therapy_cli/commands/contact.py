"""`therapy contact`: the professional network."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from therapy_cli.commands._common import CsvOpt, Format, FormatOpt, JsonOpt, confirm, database, output_format

app = typer.Typer(help="The professional network: referrers and colleagues.", no_args_is_help=True)

ContactArg = Annotated[str, typer.Argument(metavar="CONTACT", help="Contact id or a unique part of the name.")]
DuplicateOpt = Annotated[bool, typer.Option(
    "--allow-duplicate", help="Keep a second contact of a name already held (a different person).")]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The contact's name.")],
    role: Annotated[Optional[str], typer.Option(help="Role, e.g. GP, psychiatrist, school nurse.")] = None,
    org: Annotated[Optional[str], typer.Option(help="Organisation or practice.")] = None,
    email: Annotated[Optional[str], typer.Option(help="Email address.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Phone number.")] = None,
    allow_duplicate: DuplicateOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Add a professional contact; a name already held is refused unless --allow-duplicate.

    Example: therapy contact add 'Dr Priya Shah' --role GP --org 'Hillside Surgery'
    """
    from therapy_cli import render
    from therapy_cli.practice import contacts

    with database(write=True) as db:
        record = contacts.add_contact(db, name, role, org, email, phone, allow_duplicate)
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


@app.command("edit")
def edit(
    contact: ContactArg,
    name: Annotated[Optional[str], typer.Option(help="New name.")] = None,
    role: Annotated[Optional[str], typer.Option(help="Role ('' clears it).")] = None,
    org: Annotated[Optional[str], typer.Option(help="Organisation ('' clears it).")] = None,
    email: Annotated[Optional[str], typer.Option(help="Email address ('' clears it).")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Phone number ('' clears it).")] = None,
    allow_duplicate: DuplicateOpt = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Change a contact's details (only the options given).

    Example: therapy contact edit 1 --phone '020 7946 0000'
    """
    from therapy_cli import render
    from therapy_cli.practice import contacts

    with database(write=True) as db:
        record = contacts.edit_contact(db, contacts.find_contact(db, contact), allow_duplicate, name=name,
                                       role=role, org=org, email=email, phone=phone)
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Contact #{record['id']}")


@app.command("remove")
def remove(
    contact: ContactArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
    fmt: FormatOpt = Format.table, as_json: JsonOpt = False, as_csv: CsvOpt = False,
) -> None:
    """Remove a contact added in error (refused while a client or referral names it).

    Example: therapy contact add 'Dr Nobody' --allow-duplicate && therapy contact remove 'Dr Nobody' --yes
    """
    from therapy_cli import render
    from therapy_cli.practice import contacts

    with database(write=True) as db:
        found = contacts.find_contact(db, contact)
        record = contacts.remove_contact(db, found)  # refused before asking while the record names it
        confirm(f"Remove contact #{found['id']} {found['name']}?", yes)  # declined: the transaction rolls back
    render.emit(record, output_format(fmt, as_json, as_csv), title=f"Contact #{record['id']} removed")
