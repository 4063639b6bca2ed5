"""The professional network: referrers, colleagues, services."""

from __future__ import annotations

from therapy_cli.errors import Conflict, InvalidValue
from therapy_cli.practice.lookup import match_one, same_name

from therapy_cli.validation import check_not_number, clean_email, clean_name, clean_phone, clean_text
from therapy_cli.storage.db import Database, utc_now

CONTACT_COLUMNS = ["id", "name", "role", "org", "email", "phone"]


def find_contact(db: Database, text: str) -> dict:
    return match_one(db, "contacts", text, "contact")


def _check_unique(db: Database, name: str, allow_duplicate: bool, exclude_id: int | None = None) -> None:
    """Two contacts of one name make `--referred-by NAME` impossible to satisfy: refused unless asked for."""
    if allow_duplicate:
        return
    for row in same_name(db, "contacts", name):
        if row["id"] != exclude_id:
            raise Conflict(f"contact #{row['id']} {row['name']} ({_what(row)}) already has this name; "
                           "edit that one, or add --allow-duplicate for a different person of the same name")


def _what(row: dict) -> str:
    return ", ".join(x for x in (row.get("role"), row.get("org")) if x) or "no role recorded"


def add_contact(db: Database, name: str, role: str | None = None, org: str | None = None,
                email: str | None = None, phone: str | None = None, allow_duplicate: bool = False) -> dict:
    name = check_not_number(clean_name(name), "contact", f"NHS {name.strip()}")
    _check_unique(db, name, allow_duplicate)
    contact_id = db.insert("contacts", {
        "name": name, "role": clean_text(role, "role", 200), "org": clean_text(org, "org", 200),
        "email": clean_email(email), "phone": clean_phone(phone), "created_at": utc_now()})
    db.audit("add", "contact", contact_id, "contact added")
    return contact_record(db, contact_id)


def contact_record(db: Database, contact_id: int) -> dict:
    row = db.get("contacts", contact_id, "contact")
    return {k: row[k] for k in CONTACT_COLUMNS}


def list_contacts(db: Database) -> list[dict]:
    return db.query(
        "SELECT c.id, c.name, c.role, c.org, c.email, c.phone, "
        "(SELECT count(*) FROM clients WHERE referred_by = c.id) AS referrals_in, "
        "(SELECT count(*) FROM referrals_out WHERE contact_id = c.id) AS referrals_out "
        "FROM contacts c ORDER BY c.name COLLATE NOCASE, c.id")


def edit_contact(db: Database, contact: dict, allow_duplicate: bool = False, **changes) -> dict:
    """Change the fields given (None = leave alone; '' clears role, org, email or phone)."""
    values: dict = {}
    if changes.get("name") is not None:
        values["name"] = check_not_number(clean_name(changes["name"]), "contact", f"NHS {changes['name'].strip()}")
        _check_unique(db, values["name"], allow_duplicate, exclude_id=contact["id"])
    cleaners = {"role": lambda v: clean_text(v, "role", 200), "org": lambda v: clean_text(v, "org", 200),
                "email": clean_email, "phone": clean_phone}
    for key, clean in cleaners.items():
        if changes.get(key) is not None:
            values[key] = clean(changes[key]) if changes[key].strip() else None
    if not values:
        raise InvalidValue("nothing to change; give at least one option (see --help)")
    db.update("contacts", contact["id"], values)
    db.audit("edit", "contact", contact["id"], "changed " + ", ".join(sorted(values)))
    return contact_record(db, contact["id"])


def remove_contact(db: Database, contact: dict) -> dict:
    """Delete a contact no client or referral names (a referrer stays part of the record)."""
    cid = contact["id"]
    clients = db.scalar("SELECT count(*) FROM clients WHERE referred_by = ?", (cid,))
    referrals = db.scalar("SELECT count(*) FROM referrals_out WHERE contact_id = ?", (cid,))
    if clients or referrals:
        raise Conflict(f"contact #{cid} is named by {clients} client referral(s) in and {referrals} referral(s) "
                       "out; it stays while the record names it (edit it instead)")
    record = contact_record(db, cid)
    db.execute("DELETE FROM contacts WHERE id = ?", (cid,))
    db.audit("remove", "contact", cid, "contact removed")
    return {**record, "removed": True}
