"""Appointment reminders to clients by email, against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_refused, snapshot

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

TOMORROW = "2026-11-28"          # conftest pins today to Friday 27 November 2026


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The server's handler: keeps every message; refuses recipients whose address holds 'bounce'."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.logins = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.logins.append(getattr(session.auth_data, "login", None))
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [m["To"] for m in self.messages]


@pytest.fixture
def smtp(cli):
    """Start a real SMTP server on 127.0.0.1 and point the caseload's settings at it."""
    started = []

    def start(handler=Inbox, **server_kwargs):
        inbox = handler()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **server_kwargs)
        controller.start()
        started.append(controller)
        for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", port), ("smtp.starttls", "false"),
                           ("smtp.from", "jo@example.org"), ("practitioner.name", "Jo Bloggs")):
            assert cli("config", "set", key, value).exit_code == 0
        inbox.port = port
        return inbox

    yield start
    for controller in started:
        controller.stop()


def consenting(jcli, name="Alex Morgan", address="alex@example.org"):
    return jcli("client", "add", name, "--email", address, "--reminders", "email")["id"]


def book(jcli, client, at=f"{TOMORROW} 10:00", **options):
    args = ["session", "add", str(client), "--at", at]
    for key, value in options.items():
        args += [f"--{key}", value]
    return jcli(*args)["id"]


def sent_rows(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT session_id, client_id, to_address FROM client_reminders ORDER BY id").fetchall()
    finally:
        conn.close()


# -- consent and addresses -----------------------------------------------------------------------

def test_consent_is_recorded_with_its_date_and_defaults_to_none(jcli, cli):
    record = jcli("client", "add", "Alex Morgan", "--email", "alex@example.org")
    assert (record["reminders"], record["reminders_consent_on"]) == ("none", None)
    record = jcli("--today", "2026-11-20", "client", "edit", "alex", "--reminders", "email")
    assert (record["reminders"], record["reminders_consent_on"]) == ("email", "2026-11-20")
    record = jcli("client", "edit", "alex", "--phone", "0123")     # other edits keep the consent and its date
    assert (record["reminders"], record["reminders_consent_on"]) == ("email", "2026-11-20")
    record = jcli("client", "edit", "alex", "--reminders", "none")
    assert (record["reminders"], record["reminders_consent_on"]) == ("none", None)
    audit = jcli("db", "audit", "--client", "alex")
    assert sum("reminders" in row["summary"] for row in audit) == 2
    added = jcli("client", "add", "Sam Lee", "--email", "sam@example.org", "--reminders", "email")
    assert (added["reminders"], added["reminders_consent_on"]) == ("email", "2026-11-27")


def test_consent_is_not_recorded_after_a_death(cli, jcli, db_path):
    """`client edit --reminders email` on a client who died was recorded, dated weeks after the death."""
    jcli("client", "add", "Alex Morgan", "--email", "alex@example.org")
    jcli("client", "edit", "alex", "--died-on", "2026-11-10")
    assert_refused(cli, db_path, "client", "edit", "alex", "--reminders", "email", match="died on 2026-11-10")
    jcli("client", "add", "Sam Lee", "--email", "sam@example.org")
    assert_refused(cli, db_path, "client", "edit", "sam", "--died-on", "2026-11-12", "--reminders", "email",
                   match="died on 2026-11-12")
    # consent given in life stays on the record, and can still be withdrawn
    jcli("client", "add", "Kim Park", "--email", "kim@example.org", "--reminders", "email")
    jcli("client", "edit", "kim", "--died-on", "2026-11-20")
    assert jcli("client", "edit", "kim", "--reminders", "none")["reminders"] == "none"


def test_consent_needs_an_address_and_a_person(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    assert_refused(cli, db_path, "client", "edit", "alex", "--reminders", "email", match="email address")
    assert_refused(cli, db_path, "client", "add", "Sam Lee", "--reminders", "email", match="email address")
    jcli("client", "edit", "alex", "--email", "alex@example.org", "--reminders", "email")
    assert_refused(cli, db_path, "client", "edit", "alex", "--email", "", match="--reminders none")
    assert_refused(cli, db_path, "client", "add", "Morgans", "--kind", "couple", "--member", "alex",
                   "--email", "us@example.org", "--reminders", "email", match="members")
    # without --email the kind still comes first: asked for an address, then refused with it, was a loop
    jcli("client", "add", "Pat Lee")
    for args in (["client", "add", "Lee couple", "--kind", "couple", "--member", "alex", "--member", "pat",
                  "--reminders", "email"],
                 ["client", "add", "Lees", "--kind", "family", "--member", "pat", "--reminders", "email"]):
        assert_refused(cli, db_path, *args, match="reminders go to its members")
    couple = jcli("client", "add", "Lee couple", "--kind", "couple", "--member", "alex", "--member", "pat")
    assert_refused(cli, db_path, "client", "edit", str(couple["id"]), "--reminders", "email",
                   match="a couple's reminders go to its members")
    assert_refused(cli, db_path, "client", "edit", "alex", "--reminders", "sms", code=2)


@pytest.mark.parametrize("address", ["alex@", "@example.org", "alex@example", "alex example@x.org",
                                     "Alex <alex@example.org>", "alex@example.org,sam@example.org",
                                     "alex..m@example.org", "alex@-example.org", "alex@@example.org",
                                     "alex@example.org\r\nBcc: eve@example.org"])
def test_invalid_addresses_are_refused_at_add_and_edit(cli, jcli, db_path, address):
    assert_refused(cli, db_path, "client", "add", "Sam Lee", "--email", address)
    jcli("client", "add", "Alex Morgan", "--email", "alex@example.org")
    assert_refused(cli, db_path, "client", "edit", "alex", "--email", address)


# -- settings ------------------------------------------------------------------------------------

def test_smtp_and_template_settings_are_checked(cli, jcli, db_path):
    assert jcli("config", "get", "smtp.port")["value"] == 587
    assert jcli("config", "get", "smtp.starttls")["value"] is True
    assert jcli("config", "get", "reminders.client_hours")["value"] == 48
    assert cli("config", "set", "smtp.starttls", "no").exit_code == 0
    assert cli("config", "get", "smtp.starttls").stdout == "false\n"
    assert_refused(cli, db_path, "config", "set", "smtp.starttls", "maybe", match="true or false", code=2)
    assert_refused(cli, db_path, "config", "set", "smtp.port", "70000")
    assert_refused(cli, db_path, "config", "set", "smtp.from", "jo at example", match="not an email")
    assert_refused(cli, db_path, "config", "set", "smtp.host", "smtp.example.org:587", match="smtp.port")
    assert_refused(cli, db_path, "config", "set", "reminders.template", "Hi {first_name}, your {diagnosis}",
                   match="{diagnosis}")
    assert_refused(cli, db_path, "config", "set", "reminders.template", "Hi {first_name", match="brace")
    assert_refused(cli, db_path, "config", "set", "smtp.password", "secret", match="unknown setting")
    template = "Hi {first_name},\\nsee you {date} at {time} ({mode}).\\n{practitioner}"
    assert jcli("config", "set", "reminders.template", template)["value"] == template


# -- what is due -----------------------------------------------------------------------------------

def test_due_lists_consenting_clients_scheduled_in_the_window(cli, jcli):
    alex = consenting(jcli)
    sam = jcli("client", "add", "Sam Lee", "--email", "sam@example.org")["id"]     # no consent
    kim = consenting(jcli, "Kim Park", "kim@example.org")
    due = book(jcli, alex)
    book(jcli, sam, f"{TOMORROW} 11:00")
    cancelled = book(jcli, kim, f"{TOMORROW} 12:00")
    jcli("session", "cancel", str(cancelled), "--by", "client")
    book(jcli, kim, "2026-11-29 09:00")            # beyond 48 hours from the start of today
    items = jcli("remind", "clients")
    assert items == [{"session_id": due, "client_id": alex, "to": "alex@example.org",
                      "starts_at": "2026-11-28T10:00:00+00:00", "status": "due"}]
    table = cli("remind", "clients")
    assert table.exit_code == 0 and "#1 A.M." in table.stdout and "alex@" not in table.stdout
    csv = cli("remind", "clients", "--csv").stdout.splitlines()
    assert csv[0] == "session_id,client_id,to,starts_at,status" and len(csv) == 2
    assert jcli("config", "set", "reminders.client_hours", "72")["value"] == 72
    assert len(jcli("remind", "clients")) == 2


def test_the_window_is_hours_on_the_practice_clock_across_the_autumn_clock_change(jcli):
    """With reminders.client_hours 24, each morning's window ran 24 hours by the stopwatch: on the 25-hour
    Sunday of the clock change, Saturday's window ended an hour before Sunday's run began, and a session in
    that hour was never reminded (here, runs replayed at midnight: 23:30 on Sunday 25 October)."""
    jcli("config", "set", "timezone", "Europe/London")
    jcli("config", "set", "reminders.client_hours", "24")
    alex = consenting(jcli)
    late = book(jcli, alex, "2026-10-25 23:30", status="scheduled")   # booked then, not yet marked
    monday = book(jcli, alex, "2026-10-26 00:30", status="scheduled")
    assert jcli("--today", "2026-10-24", "remind", "clients") == []
    assert [item["session_id"] for item in jcli("--today", "2026-10-25", "remind", "clients")] == [late]
    assert [item["session_id"] for item in jcli("--today", "2026-10-26", "remind", "clients")] == [monday]


def test_nothing_due_is_silent(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    result = cli("remind", "clients")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    result = cli("remind", "clients", "--send")           # no mail server set: nothing to send, no error
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    for form in ("--csv", "--send --csv"):                # not even a header line for cron to mail
        result = cli("remind", "clients", *form.split())
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), form
    assert jcli("remind", "clients") == []


def test_a_unit_reminds_each_consenting_member_of_the_day_once_per_address(jcli, cli):
    ann = consenting(jcli, "Ann Lee", "lees@example.org")
    ben = consenting(jcli, "Ben Lee", "lees@example.org")         # a shared address: one message
    cat = consenting(jcli, "Cat Lee", "cat@example.org")
    dan = consenting(jcli, "Dan Lee", "dan@example.org")
    eve = jcli("client", "add", "Eve Lee", "--email", "eve@example.org")["id"]   # no consent
    family = jcli("client", "add", "Lee family", "--kind", "family", *sum(
        (["--member", str(c)] for c in (ann, ben, cat, dan, eve)), []))["id"]
    jcli("client", "leave", "Lee family", str(cat), "--on", "2026-11-20")
    session = book(jcli, family)
    items = jcli("remind", "clients")
    assert [(i["session_id"], i["client_id"], i["to"]) for i in items] == [
        (session, ann, "lees@example.org"), (session, dan, "dan@example.org")]


# -- sending -------------------------------------------------------------------------------------

def test_sent_once_with_the_time_in_the_practice_zone_and_no_clinical_words(cli, jcli, smtp, db_path):
    inbox = smtp()
    alex = consenting(jcli)
    session = book(jcli, alex, mode="video", type="assessment")
    jcli("session", "note", str(book(jcli, alex, "2026-11-20 10:00")), "low mood, PHQ-9 severe")
    result = cli("remind", "clients", "--send", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json() == [{"session_id": session, "client_id": alex, "to": "alex@example.org",
                              "starts_at": "2026-11-28T10:00:00+00:00", "status": "sent"}]
    assert inbox.to() == ["alex@example.org"]
    msg = inbox.messages[0]
    assert msg["From"] == "Jo Bloggs <jo@example.org>"
    assert msg["Subject"] == "Appointment reminder: Saturday 28 November 2026 at 10:00"
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Alex," in body and "Saturday 28 November 2026 at 10:00 (by video)" in body and "Jo Bloggs" in body
    everything = msg.as_string().lower()
    for word in ("morgan", "assessment", "phq", "mood", "therapy", "treatment", "note"):
        assert word not in everything, word
    [ics] = [part for part in msg.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert "DTSTART;TZID=Europe/London:20261128T100000" in calendar
    assert "SUMMARY:Appointment with Jo Bloggs" in calendar and calendar.count("BEGIN:VEVENT") == 1
    assert sent_rows(db_path) == [(session, alex, "alex@example.org")]
    # never twice: the next run has nothing to send and says nothing
    again = cli("remind", "clients", "--send")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    assert len(inbox.messages) == 1 and jcli("remind", "clients") == []
    audit = jcli("db", "audit", "--client", str(alex))
    assert any(row["action"] == "remind" and "alex@" not in row["summary"] for row in audit)
    export = jcli("client", "export", str(alex))               # a subject access request shows them
    assert [(r["session_id"], r["to_address"]) for r in export["reminders_sent"]] == [(session, "alex@example.org")]


def test_time_follows_the_timezone_setting(cli, jcli, smtp):
    inbox = smtp()
    jcli("config", "set", "timezone", "America/New_York")
    alex = consenting(jcli)
    book(jcli, alex, f"{TOMORROW} 09:30")
    assert cli("remind", "clients", "--send").exit_code == 0
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert "at 09:30" in body


def test_template_and_surname_only_when_asked(cli, jcli, smtp):
    inbox = smtp()
    jcli("config", "set", "reminders.template", "Hello {first_name} {last_name}: {date}, {time}, {mode}.")
    book(jcli, consenting(jcli))
    assert cli("remind", "clients", "--send").exit_code == 0
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert body.startswith("Hello Alex Morgan: Saturday 28 November 2026, 10:00, in person.")
    assert body.rstrip().endswith("Jo Bloggs")          # signed with the practitioner's name


def test_consent_respected_and_cancelled_sessions_not_reminded(cli, jcli, smtp, db_path):
    inbox = smtp()
    alex = consenting(jcli)
    sam = jcli("client", "add", "Sam Lee", "--email", "sam@example.org")["id"]
    first = book(jcli, alex)
    book(jcli, sam, f"{TOMORROW} 11:00")
    jcli("session", "cancel", str(first), "--by", "client")
    result = cli("remind", "clients", "--send")
    assert (result.exit_code, result.stdout) == (0, "")
    jcli("client", "edit", "sam", "--reminders", "email")
    later = book(jcli, alex, f"{TOMORROW} 15:00")
    jcli("client", "edit", "alex", "--reminders", "none")        # consent withdrawn before the run
    assert cli("remind", "clients", "--send").exit_code == 0
    assert inbox.to() == ["sam@example.org"]
    assert [row[1] for row in sent_rows(db_path)] == [sam] and later


def test_a_moved_session_is_reminded_at_its_new_time(cli, jcli, smtp, db_path):
    inbox = smtp()
    alex = consenting(jcli)
    session = book(jcli, alex)
    assert cli("remind", "clients", "--send").exit_code == 0
    jcli("session", "move", str(session), "--to", f"{TOMORROW} 16:00")
    items = jcli("remind", "clients")
    assert [(i["session_id"], i["starts_at"]) for i in items] == [(session, "2026-11-28T16:00:00+00:00")]
    assert cli("remind", "clients", "--send").exit_code == 0
    assert len(inbox.messages) == 2
    assert "at 16:00" in inbox.messages[1].get_body(("plain",)).get_content()
    [ics] = [p for p in inbox.messages[1].iter_attachments()]
    calendar = ics.get_content() if isinstance(ics.get_content(), str) else ics.get_content().decode()
    assert "SEQUENCE:1" in calendar and "T160000" in calendar
    assert cli("remind", "clients", "--send").stdout == "" and len(inbox.messages) == 2
    assert len(sent_rows(db_path)) == 2


def test_a_session_moved_back_is_reminded_at_the_time_it_went_back_to(cli, jcli, smtp, db_path):
    """10:00, reminded; moved to 11:00, reminded; moved back to 10:00: the client's last mail said 11:00, and
    no reminder was due because one had once been sent for 10:00."""
    inbox = smtp()
    alex = consenting(jcli)
    session = book(jcli, alex)
    for at in ("11:00", "10:00"):
        assert cli("remind", "clients", "--send").exit_code == 0
        jcli("session", "move", str(session), "--to", f"{TOMORROW} {at}")
    assert [i["starts_at"] for i in jcli("remind", "clients")] == ["2026-11-28T10:00:00+00:00"]
    assert cli("remind", "clients", "--send").exit_code == 0
    bodies = [m.get_body(("plain",)).get_content() for m in inbox.messages]
    assert ["at 10:00" in b for b in bodies] == [True, False, True] and "at 11:00" in bodies[1]
    assert jcli("remind", "clients") == [] and cli("remind", "clients", "--send").stdout == ""
    assert len(inbox.messages) == 3 and len(sent_rows(db_path)) == 3


def test_members_of_a_discharged_couple_or_group_are_not_reminded(cli, jcli):
    gil, hal = consenting(jcli, "Gil Ash", "gil@example.org"), consenting(jcli, "Hal Birch", "hal@example.org")
    jcli("client", "add", "Group A", "--kind", "group", "--member", "gil", "--member", "hal")
    book(jcli, 3, at=f"{TOMORROW} 18:00")
    assert [i["client_id"] for i in jcli("remind", "clients")] == [gil, hal]
    jcli("client", "discharge", "Group A")
    assert jcli("remind", "clients") == []


def test_server_down_exits_1_and_records_nothing(cli, jcli, db_path):
    consenting(jcli)
    book(jcli, 1)
    for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", free_port()), ("smtp.starttls", "false"),
                       ("smtp.from", "jo@example.org")):
        cli("config", "set", key, value)
    before = snapshot(db_path)
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot use the mail server 127.0.0.1:")
    assert "nothing was sent" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(db_path) == before and sent_rows(db_path) == []
    assert len(jcli("remind", "clients")) == 1               # still due for the next run


def test_no_mail_server_set_is_one_error_line(cli, jcli, db_path):
    book(jcli, consenting(jcli))
    assert_refused(cli, db_path, "remind", "clients", "--send", match="smtp.host")


def test_a_partial_failure_keeps_what_was_sent_and_names_the_failed(cli, jcli, smtp, db_path):
    inbox = smtp()
    alex = consenting(jcli)
    sam = consenting(jcli, "Sam Lee", "bounce@example.org")
    kim = consenting(jcli, "Kim Park", "kim@example.org")
    book(jcli, alex)
    failing = book(jcli, sam, f"{TOMORROW} 11:00")
    book(jcli, kim, f"{TOMORROW} 12:00")
    result = cli("remind", "clients", "--send", "--json")
    assert result.exit_code == 1
    assert [(i["client_id"], i["status"]) for i in result.json()] == [(alex, "sent"), (sam, "failed"),
                                                                       (kim, "sent")]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: 1 reminder(s) not sent")
    assert f"session {failing} to client #{sam}" in lines[0]
    assert inbox.to() == ["alex@example.org", "kim@example.org"]
    assert [row[1] for row in sent_rows(db_path)] == [alex, kim]
    assert [i["client_id"] for i in jcli("remind", "clients")] == [sam]
    jcli("client", "edit", "sam", "--email", "sam@example.org")
    assert cli("remind", "clients", "--send", "--quiet").stdout == ""
    assert inbox.to()[-1] == "sam@example.org" and len(sent_rows(db_path)) == 3


def _authenticator(expected):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == expected
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return check


def test_authentication_with_the_password_command(cli, jcli, smtp, db_path, monkeypatch):
    # AUTH offered without TLS on loopback only (STARTTLS is tested below)
    inbox = smtp(authenticator=_authenticator((b"jo", b"s3cret pass")), auth_require_tls=False)
    jcli("config", "set", "smtp.user", "jo")
    book(jcli, consenting(jcli))
    monkeypatch.delenv("THERAPY_SMTP_PASSWORD_COMMAND", raising=False)
    assert_refused(cli, db_path, "remind", "clients", "--send", match="THERAPY_SMTP_PASSWORD_COMMAND")
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "echo wrong")
    result = assert_refused(cli, db_path, "remind", "clients", "--send", match="refused the login")
    assert "wrong" not in result.stderr
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "exit 3")
    assert_refused(cli, db_path, "remind", "clients", "--send", match="failed (exit 3)")
    assert inbox.messages == [] and sent_rows(db_path) == []
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "printf '%s\\n' 's3cret pass'")
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 0, result.stderr
    assert inbox.to() == ["alex@example.org"] and len(sent_rows(db_path)) == 1
    assert inbox.logins == [b"jo"]
    assert "s3cret" not in result.stdout + result.stderr
    assert "s3cret" not in str(snapshot(db_path))


def test_a_password_outside_ascii_is_said_plainly_not_as_bad_input(cli, jcli, smtp, db_path, monkeypatch):
    # smtplib encodes a login as ASCII: a UK password with £ failed as "a value given is not valid UTF-8 text"
    inbox = smtp(authenticator=_authenticator((b"jo", "p\u00a3ss".encode())), auth_require_tls=False)
    jcli("config", "set", "smtp.user", "jo")
    book(jcli, consenting(jcli))
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "printf '%s\\n' 'p\u00a3ss'")
    result = assert_refused(cli, db_path, "remind", "clients", "--send", match="outside ASCII")
    assert "p\u00a3ss" not in result.stderr and "nothing was sent" in result.stderr
    assert inbox.messages == [] and sent_rows(db_path) == []


def test_a_password_command_printing_more_lines_is_refused_before_any_login(cli, jcli, smtp, db_path, monkeypatch):
    # `pass show ENTRY` prints the entry's login:/url: lines after the password; all of it went as the password
    inbox = smtp(authenticator=_authenticator((b"jo", b"s3cret")), auth_require_tls=False)
    jcli("config", "set", "smtp.user", "jo")
    book(jcli, consenting(jcli))
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "printf 's3cret\\nlogin: jo\\nurl: mail.example.org\\n'")
    result = assert_refused(cli, db_path, "remind", "clients", "--send", match="more than one line")
    assert "s3cret" not in result.stderr
    assert inbox.messages == [] and inbox.logins == [] and sent_rows(db_path) == []
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "printf 's3cret\\nlogin: jo\\n' | head -n 1")
    assert cli("remind", "clients", "--send").exit_code == 0
    assert inbox.to() == ["alex@example.org"]


def test_a_password_never_crosses_the_network_in_clear(cli, jcli, db_path):
    book(jcli, consenting(jcli))
    for key, value in (("smtp.host", "mail.example.org"), ("smtp.starttls", "false"), ("smtp.user", "jo"),
                       ("smtp.from", "jo@example.org")):
        cli("config", "set", key, value)
    assert_refused(cli, db_path, "remind", "clients", "--send", match="unencrypted")


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (openssl), and the server's TLS context."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def test_starttls_by_default_with_a_verified_certificate(cli, jcli, smtp, db_path, certificate, monkeypatch):
    cert, context = certificate
    inbox = smtp(tls_context=context, require_starttls=True,
                 authenticator=_authenticator((b"jo", b"pw")), auth_required=True)
    cli("config", "unset", "smtp.starttls")                      # the default: STARTTLS
    jcli("config", "set", "smtp.user", "jo")
    monkeypatch.setenv("THERAPY_SMTP_PASSWORD_COMMAND", "echo pw")
    book(jcli, consenting(jcli))
    # an untrusted certificate: refused, nothing sent or recorded
    result = assert_refused(cli, db_path, "remind", "clients", "--send", match="secure connection")
    assert inbox.messages == []
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 0, result.stderr
    assert inbox.to() == ["alex@example.org"] and len(sent_rows(db_path)) == 1
    assert inbox.logins == [b"jo"]


def test_erasing_a_client_removes_their_reminders(cli, jcli, smtp, db_path):
    smtp()
    alex = consenting(jcli)
    session = book(jcli, alex)
    assert cli("remind", "clients", "--send").exit_code == 0
    jcli("session", "cancel", str(session), "--by", "client")
    jcli("client", "discharge", "alex")
    assert cli("client", "erase", "alex", "--yes", "--force", "--reason", "request").exit_code == 0
    assert sent_rows(db_path) == []
    assert cli("db", "check").exit_code == 0


def test_sent_reminders_are_never_rewritten(db):
    db.insert("clients", {"name": "A B", "kind": "individual", "status": "active", "created_at": "x"})
    db.insert("sessions", {"client_id": 1, "starts_at": "2026-11-28T10:00:00+00:00",
                           "starts_utc": "2026-11-28T10:00:00+00:00", "ends_utc": "2026-11-28T10:50:00+00:00",
                           "local_date": "2026-11-28", "duration_min": 50, "created_at": "x"})
    db.insert("client_reminders", {"session_id": 1, "client_id": 1, "starts_utc": "2026-11-28T10:00:00+00:00",
                                   "to_address": "a@example.org", "sent_at": "x"})
    for sql in ("UPDATE client_reminders SET to_address = 'b@example.org'",
                "REPLACE INTO client_reminders (id, session_id, client_id, starts_utc, to_address, sent_at) "
                "VALUES (1, 1, 1, 'y', 'b@example.org', 'x')"):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(sql)
    def remind(start: str) -> None:
        db.insert("client_reminders", {"session_id": 1, "client_id": 1, "to_address": "a@example.org",
                                       "starts_utc": start, "sent_at": "y"})

    with pytest.raises(sqlite3.IntegrityError):      # never twice in a row for one session, person and start
        remind("2026-11-28T10:00:00+00:00")
    remind("2026-11-28T11:00:00+00:00")              # moved: reminded at 11:00
    remind("2026-11-28T10:00:00+00:00")              # moved back: at 10:00 again
    with pytest.raises(sqlite3.IntegrityError):
        remind("2026-11-28T10:00:00+00:00")


def test_a_server_without_starttls_is_refused_by_default(cli, jcli, smtp, db_path):
    inbox = smtp()
    cli("config", "unset", "smtp.starttls")
    book(jcli, consenting(jcli))
    assert_refused(cli, db_path, "remind", "clients", "--send", match="does not offer STARTTLS")
    assert inbox.messages == []


def _client_crontab_block() -> str:
    text = (Path(__file__).resolve().parent.parent / "docs" / "cron.md").read_text()
    start = text.index("```crontab\n", text.index("## Reminding clients")) + len("```crontab\n")
    return text[start:text.index("\n```", start)]


BIN = Path(shutil.which("therapy", path=os.path.dirname(os.sys.executable)) or "/nonexistent").parent


@pytest.mark.skipif(not (BIN / "therapy").exists(), reason="the therapy script is not installed")
def test_cron_line_for_clients_runs_as_documented(tmp_path, cli, jcli, smtp, monkeypatch):
    """docs/cron.md's client-reminder crontab, run as cron runs it: sends once, then says nothing."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "therapy").symlink_to(BIN / "therapy")
    variables, jobs = {}, []
    for line in _client_crontab_block().replace("/home/jo", str(home)).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            variables[name] = value
            continue
        jobs.append(line.split(None, 5)[5])
    assert len(jobs) == 1 and "THERAPY_SMTP_PASSWORD_COMMAND" in variables
    password_file = home / ".config" / "therapy" / "smtp-password"
    password_file.parent.mkdir(parents=True)
    password_file.write_text("pw\n")
    monkeypatch.setenv("THERAPY_DB", variables["THERAPY_DB"])
    Path(variables["THERAPY_DB"]).parent.mkdir(parents=True)
    inbox = smtp(authenticator=_authenticator((b"jo", b"pw")), auth_require_tls=False)
    jcli("config", "set", "smtp.user", "jo")
    book(jcli, consenting(jcli))
    env = {k: v for k, v in variables.items() if k != "MAILTO"}
    env["THERAPY_TODAY"] = "2026-11-27"

    def run():
        return subprocess.run(["env", "-i", *[f"{k}={v}" for k, v in env.items()], "/bin/sh", "-c", jobs[0]],
                              capture_output=True, text=True, timeout=120)

    for _ in range(2):           # the second morning run finds nothing to send: no output, no mail
        done = run()
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert inbox.to() == ["alex@example.org"] and inbox.logins == [b"jo"]


def test_an_address_held_from_before_the_stricter_check_is_never_mailed(cli, jcli, smtp, db_path):
    inbox = smtp()
    alex = consenting(jcli)
    kim = consenting(jcli, "Kim Park", "kim@example.org")
    book(jcli, alex)
    book(jcli, kim, f"{TOMORROW} 11:00")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE clients SET email = 'alex@example.org\nBcc: eve@example.org' WHERE id = ?", (alex,))
    conn.commit()
    conn.close()
    assert [i["status"] for i in jcli("remind", "clients")] == ["invalid_address", "due"]
    result = cli("remind", "clients", "--send", "--quiet")
    assert result.exit_code == 1 and "client #1 (the address on file is not a valid" in result.stderr
    assert inbox.to() == ["kim@example.org"] and [r[1] for r in sent_rows(db_path)] == [kim]
    assert all("eve@" not in ",".join(e.rcpt_tos) for e in inbox.envelopes)


def test_a_shared_address_is_mailed_once_across_runs(cli, jcli, smtp, db_path):
    inbox = smtp()
    ann = consenting(jcli, "Ann Lee", "lees@example.org")
    ben = consenting(jcli, "Ben Lee", "LEES@example.org")
    couple = jcli("client", "add", "The Lees", "--kind", "couple", "--member", str(ann), "--member", str(ben))["id"]
    book(jcli, couple)
    assert cli("remind", "clients", "--send").exit_code == 0
    assert cli("remind", "clients", "--send").stdout == ""
    assert jcli("remind", "clients") == [] and inbox.to() == ["lees@example.org"]
    assert "Dear Ann," in inbox.messages[0].get_body(("plain",)).get_content()


def test_implicit_tls_on_the_tls_port(cli, jcli, smtp, db_path, certificate, monkeypatch):
    """Port 465 speaks TLS from the first byte: a real TLS server, on a free port standing in for 465."""
    from therapy_cli.io import mail

    cert, context = certificate
    inbox = smtp(ssl_context=context)
    monkeypatch.setattr(mail, "IMPLICIT_TLS_PORT", inbox.port)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    cli("config", "unset", "smtp.starttls")          # STARTTLS is not tried inside TLS
    book(jcli, consenting(jcli))
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 0, result.stderr
    assert inbox.to() == ["alex@example.org"] and len(sent_rows(db_path)) == 1


def test_a_relay_on_an_ipv6_address_is_reached(cli, jcli, db_path):
    """`smtp.host [::1]` was accepted (a bare ::1 is refused, its ':' read as a port) but never connected:
    the brackets went to the resolver, 'Name or service not known', every morning."""
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
            port = sock.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback here")
    inbox = Inbox()
    controller = Controller(inbox, hostname="::1", port=port)
    controller.start()
    try:
        for key, value in (("smtp.host", "[::1]"), ("smtp.port", port), ("smtp.starttls", "false"),
                           ("smtp.from", "jo@example.org")):
            assert cli("config", "set", key, value).exit_code == 0
        book(jcli, consenting(jcli))
        result = cli("remind", "clients", "--send")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    assert inbox.to() == ["alex@example.org"] and len(sent_rows(db_path)) == 1


def test_a_reminder_sent_meanwhile_by_another_run_is_not_sent_again(jcli, smtp, db_path):
    """Two cron runs at once: each reminder is checked inside its own write transaction before sending."""
    from therapy_cli.io import mail
    from therapy_cli.practice import client_reminders as cr
    from therapy_cli.storage.db import open_database

    inbox = smtp()
    book(jcli, consenting(jcli))
    db = open_database(db_path, today=date(2026, 11, 27))
    try:
        with db.transaction():
            [reminder] = cr.due(db)
            config = mail.smtp_config(db)
            pending = [(reminder, mail.reminder_message(db, reminder, config))]
        with db.transaction(write=True):          # the other run got there first
            cr.record_sent(db, cr.due(db)[0])
        with mail.Mailer(config) as mailer:
            assert mail.send_reminders(lambda: db.transaction(write=True), mailer, pending) == []
    finally:
        db.close()
    assert inbox.messages == [] and len(sent_rows(db_path)) == 1


class HangsUp(Inbox):
    """A server that drops the connection at the DATA of a message to an address holding 'drop' (a content
    filter, a rate limit), and answers 421 (closing) to one holding 'busy'."""

    async def handle_DATA(self, server, session, envelope):
        if any("drop" in a for a in envelope.rcpt_tos):
            server.transport.close()
            return "250 never seen"
        if any("busy" in a for a in envelope.rcpt_tos):
            return "421 4.3.2 service closing"
        return await super().handle_DATA(server, session, envelope)


def test_a_connection_lost_on_one_reminder_is_made_again_for_the_next(cli, jcli, smtp, db_path):
    """One message that made the server hang up failed every reminder after it, on every run."""
    inbox = smtp(handler=HangsUp)
    for hour, address in ((9, "ok1"), (10, "drop1"), (11, "ok2"), (12, "busy1"), (13, "ok3")):
        book(jcli, consenting(jcli, f"Client {address}", f"{address}@example.org"), at=f"{TOMORROW} {hour}:00")
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 1
    assert inbox.to() == ["ok1@example.org", "ok2@example.org", "ok3@example.org"]
    assert len(sent_rows(db_path)) == 3
    assert result.stderr.splitlines()[-1].startswith("Error: 2 reminder(s) not sent, kept for the next run")


class BusyAtRcpt(Inbox):
    """A rate limit said at RCPT: 421 (closing) to an address holding 'busy'."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "busy" in address:
            return "421 4.7.0 try again later, closing connection"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_421_at_the_recipient_fails_that_reminder_alone(cli, jcli, smtp, db_path):
    """smtplib hangs up on a 421 at RCPT: the reminder after it failed too ('connection lost'), as if the server
    had refused its address, and was put off to the next morning."""
    inbox = smtp(handler=BusyAtRcpt)
    for hour, address in ((9, "ok1"), (10, "busy1"), (11, "ok2"), (12, "ok3")):
        book(jcli, consenting(jcli, f"Client {address}", f"{address}@example.org"), at=f"{TOMORROW} {hour}:00")
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 1
    assert inbox.to() == ["ok1@example.org", "ok2@example.org", "ok3@example.org"]
    assert len(sent_rows(db_path)) == 3
    assert result.stderr.splitlines()[-1].startswith("Error: 1 reminder(s) not sent, kept for the next run")
    assert "(the server answered 421)" in result.stderr


def test_remind_options_typed_before_clients_are_refused_not_dropped(cli, db_path):
    """`remind --json clients` printed the table: a script parsing it broke without a word."""
    for args, named in ((["--json"], "--json"), (["--kind", "bogus"], "--kind"), (["--within", "9d", "--all"],
                                                                                    "--within, --all")):
        result = assert_refused(cli, db_path, "remind", *args, "clients", code=2)
        assert result.stderr.splitlines()[-1] == (
            f"Error: {named} before 'clients' is an option of `therapy remind` itself, not of `remind clients`: "
            "put the options of `remind clients` after it (therapy remind clients -h lists them)")
    assert cli("remind", "clients", "--json").stdout.strip() == "[]"


def test_a_couples_calendar_sequence_never_depends_on_the_range_exported(cli, jcli, smtp):
    """A reminder to a member is audited under the member's id: counted only when that member had a session of
    their own in the range, so a moved couple's session could keep (or lose) its SEQUENCE."""
    smtp()
    dana = consenting(jcli, "Dana Hughes", "dana@example.org")
    jcli("client", "add", "Eli Hughes")
    couple = jcli("client", "add", "Hughes couple", "--kind", "couple", "--member", "dana", "--member", "eli")["id"]
    session = book(jcli, couple, at=f"{TOMORROW} 16:00")
    book(jcli, dana, at="2026-11-30 10:00")
    assert cli("remind", "clients", "--send").exit_code == 0

    def sequence(start, end):
        text = cli("session", "export", "--ics", "-", "--from", start, "--to", end).stdout
        block = next(b for b in text.split("BEGIN:VEVENT")[1:] if f"UID:session-{session}-" in b)
        return int(re.search(r"SEQUENCE:(\d+)", block)[1])

    wide, narrow = sequence(TOMORROW, "2026-11-30"), sequence(TOMORROW, TOMORROW)
    assert wide == narrow
    jcli("session", "move", str(session), "--to", f"{TOMORROW} 17:00")
    assert sequence(TOMORROW, TOMORROW) > narrow


def test_send_from_a_caseload_that_is_not_there_is_refused_and_makes_no_file(cli, tmp_path):
    """A mistyped THERAPY_DB in the cron line made an empty caseload and sent nothing, silently, every morning."""
    missing = tmp_path / "typo.db"
    result = cli("--db", missing, "remind", "clients", "--send", "--quiet")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: no caseload at {missing}: nothing can be sent from a new, empty one (give yours "
                             "with --db or THERAPY_DB; therapy db path shows which file is used)\n")
    assert not missing.exists()
