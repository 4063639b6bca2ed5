"""The professional network: referrers, colleagues, services."""

from __future__ import annotations

from therapy_cli.practice.lookup import match_one

from therapy_cli.validation import clean_email, clean_name, clean_phone, clean_text
from therapy_cli.storage.db import Database, utc_now

CONTACT_COLUMNS = ["id", "name", "role", "org", "email", "phone"]


def find_contact(db: Database, text: str) -> dict:
    return match_one(db, "contacts", text, "contact")


def add_contact(db: Database, name: str, role: str | None = None, org: str | None = None,
                email: str | None = None, phone: str | None = None) -> dict:
    contact_id = db.insert("contacts", {
        "name": clean_name(name), "role": clean_text(role, "role", 200), "org": clean_text(org, "org", 200),
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
