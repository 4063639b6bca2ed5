"""Importing clients: the rules of `client add` (validation.py, vocab.py) for every row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from therapy_cli.errors import InvalidValue
from therapy_cli.io.loading import ClientIndex, IdCounter, TableImport, file_date, name_key, plural
from therapy_cli.storage.db import Database
from therapy_cli.vocab import CLIENT_KIND_WORDS, CLIENT_KINDS, CLIENT_STATUS_WORDS, CLIENT_STATUSES, choose


@dataclass(slots=True)
class ClientRow:
    id: str
    name: str
    kind: str
    status: str
    date_of_birth: str
    email: str
    phone: str
    referred_on: str
    referral_source: str
    first_attended_on: str
    discharged_on: str
    discharge_reason: str
    members: str
    first_name: str
    last_name: str
    erased_on: str


class ClientsImport(TableImport):
    table = "clients"
    noun = "client"
    Row = ClientRow
    required = ("name",)
    word_fields = ("kind", "status")   # the fields read through --value FIELD 'FROM'=TO
    aliases = {"client": "name", "client_name": "name", "full_name": "name", "dob": "date_of_birth",
               "birth_date": "date_of_birth", "born": "date_of_birth", "type": "kind",
               "referral_date": "referred_on", "date_referred": "referred_on", "referred": "referred_on",
               "source": "referral_source", "referral": "referral_source", "discharge_date": "discharged_on",
               "discharged": "discharged_on", "mobile": "phone", "telephone": "phone", "email_address": "email",
               "client_id": "id", "first": "first_name", "given_name": "first_name", "forename": "first_name",
               "last": "last_name", "surname": "last_name", "family_name": "last_name",
               "mobile_phone": "phone", "phone_number": "phone", "patient_first_name": "first_name",
               "patient_last_name": "last_name", "date_of_birth_dob": "date_of_birth"}

    def __init__(self, db: Database, options=None):
        super().__init__(db, options)
        from therapy_cli.practice import clients

        self.clients = clients
        self.ids = IdCounter(db, "clients")
        self.index = ClientIndex(db)
        self.members: list[tuple] = []
        # Same name, date of birth and referral date: the same person, most likely imported twice
        # (`seen`: the clients held, by id; `lines`: this file's rows, by line, their ids never written).
        self.seen = {(name_key(name), dob, referred): cid for cid, name, dob, referred in db.execute(
            "SELECT id, name, date_of_birth, referred_on FROM clients")}
        self.lines: dict[tuple, int] = {}
        self.sql = ("INSERT INTO clients (id, name, kind, status, date_of_birth, email, phone, referred_on, "
                    "referral_source, first_attended_on, discharged_on, discharge_reason, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    def check_missing(self, missing: list[str], present: set[str]) -> list[str]:
        return [] if missing == ["name"] and {"first_name", "last_name"} <= present else missing

    def _day(self, text: str, what: str, future_ok: bool = False) -> str | None:
        if not text.strip():
            return None
        day = file_date(text, self.today, what, self.order)
        if not future_ok:
            self.clients.check_not_future(day, self.today, what)
        return day.isoformat()

    def row(self, cells: list[str]) -> int:
        r = ClientRow(*cells)
        c = self.clients
        if r.erased_on.strip():
            raise InvalidValue(f"the row is the stub of a client erased on {r.erased_on.strip()}, not a client; "
                               "`therapy import all DIR` restores an export with its stubs as stubs")
        name = r.name if r.name.strip() else f"{r.first_name.strip()} {r.last_name.strip()}"
        name = c.check_not_number(c.clean_name(name), "client", f"Group {name.strip()}")   # as client add
        kind = self.value("kind", r.kind)
        kind = choose(kind, CLIENT_KINDS, "kind", CLIENT_KIND_WORDS) if kind.strip() else "individual"
        discharged = self._day(r.discharged_on, "discharge date")
        status = self.value("status", r.status)
        if status.strip():
            status = choose(status, CLIENT_STATUSES, "status", CLIENT_STATUS_WORDS)
        else:
            status = "discharged" if discharged else "waiting"
        dob = r.date_of_birth
        if dob.strip():
            birth = file_date(dob, self.today, "date of birth", self.order)
            c.check_birth(birth, self.today)
            dob = birth.isoformat()
        else:
            dob = None
        referred = self._day(r.referred_on, "referral date")
        first = self._day(r.first_attended_on, "first attended date")
        if discharged and status != "discharged":
            raise InvalidValue(f"discharge date given but status is {status}")
        c.check_referral_after_birth(referred, dob)
        if discharged and referred and discharged < referred:
            raise InvalidValue(f"discharge date {discharged} is before the referral ({referred})")
        # as `client edit --referred-on` and `session add` refuse it: a wait from referral that runs backwards
        # (a negative wait in report referrals' median)
        if first and referred and first < referred:
            raise InvalidValue(f"first attended date {first} is before the referral ({referred}); "
                               "the referral comes first")
        key = (name_key(name), dob, referred)
        earlier = self.lines.get(key)
        if earlier is not None:   # its id was never written: name the line
            raise InvalidValue(f"the same name, date of birth and referral date as line {earlier} "
                               "(a row repeated?)")
        twin = self.seen.get(key)
        if twin is not None:
            raise InvalidValue(f"client #{twin} has the same name, date of birth and referral date "
                               "(imported already?)")
        member_ids = self._members(r.members, kind)
        record = (name, kind, status, dob, c.clean_email(r.email or None), c.clean_phone(r.phone or None),
                  referred, c.clean_text(r.referral_source or None, "referral source", 200), first, discharged,
                  c.clean_text(r.discharge_reason or None, "discharge reason", 500), self.now)
        cid = self.ids.take(r.id)
        self.pending.append((cid, *record))
        self.members.extend((cid, m) for m in member_ids)
        self.index.add(cid, name, kind, None, status)
        self.lines[key] = self.line
        self.per_client[cid] = 1
        return cid

    def _members(self, text: str, kind: str) -> list[int]:
        names = [p for p in re.split(r"[;|]", text) if p.strip()]
        self.clients.check_unit_members(kind, [], named=len(names))
        ids = [self.index.find(part, "member") for part in names]
        self.clients.check_unit_members(kind, [self.index.record(mid) for mid in ids])
        return ids

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
        if self.members:
            self.db.executemany("INSERT INTO memberships (unit_id, member_id) VALUES (?, ?)", self.members)
            self.members = []

    def finish(self, imported: int) -> None:
        self.db.executemany(
            "INSERT INTO audit (at, action, record_type, record_id, client_id, summary) "
            "VALUES (?, 'import', 'client', ?, ?, 'client imported from a file')",
            ((self.now, cid, cid) for cid in self.per_client))
        self.db.audit("import", "client", None, f"{plural(imported, 'client row')} imported from a file")
