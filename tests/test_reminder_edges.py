"""Edges of reminders: a template str.format cannot fill, and invoice_overdue replayed as at --today."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from conftest import TODAY, assert_refused, snapshot

from therapy_cli.errors import InvalidValue
from therapy_cli.practice import client_reminders as cr
from therapy_cli.practice.invoices import overdue
from therapy_cli.storage.db import open_database

TOMORROW = "2026-11-28"          # conftest pins today to Friday 27 November 2026


# -- the reminder template ---------------------------------------------------------------------

@pytest.mark.parametrize("template, match", [
    ("Hi {first_name!z}, see you {date}", "!z"),
    ("Hi {first_name!r}, see you {date}", "!r"),
    ("Hi {first_name!s}", "!s"),
    ("Hi {first_name:%Y}, see you {date}", ":%Y"),
    ("See you on {date:%d}", ":%d"),
    ("See you at {time:>10}", ":>10"),
    ("See you {date:{time}}", "format"),
    ("Hi {first_name!}", "brace"),
    ("Hi {first_name!rr}", "brace"),
    ("Hi {first_name.upper}", "{first_name.upper}"),
    ("Hi {first_name[0]}", "{first_name[0]}"),
    ("Hi {}", "{}"),
    ("Hi {0}", "{0}"),
    ("Hi { first_name }", "{ first_name }"),
    ("Hi first_name}", "brace"),
])
def test_a_template_str_format_cannot_fill_is_refused_when_set(cli, jcli, db_path, template, match):
    assert_refused(cli, db_path, "config", "set", "reminders.template", template, match=match)
    assert jcli("config", "get", "reminders.template")["value"] == cr.DEFAULT_TEMPLATE
    with pytest.raises(InvalidValue, match="reminders.template"):
        cr.check_template(template)


@pytest.mark.parametrize("template", ["Hi {first_name}, see you {date} at {time} ({mode}).\\n{practitioner}",
                                      "{name} {last_name}: {{not a placeholder}} on {date}",
                                      "Hi {first_name:}, {date}"])
def test_plain_placeholders_and_doubled_braces_are_still_accepted(jcli, template):
    assert jcli("config", "set", "reminders.template", template)["value"] == template


def _store(db_path, template):
    """A template written by an older version, before it was checked this strictly."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('reminders.template', ?)", (template,))
    conn.close()


@pytest.mark.parametrize("template", ["Hi {first_name!z}, see you {date}", "Hi {first_name:%Y}",
                                      "On {date:%d}", "Hi {diagnosis}", "Hi {first_name"])
def test_a_stored_bad_template_fails_the_send_cleanly_and_sends_nothing(cli, jcli, db_path, template):
    """Refused before any connection: no SMTP server is needed to see it, and nothing is recorded."""
    for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", "2"), ("smtp.starttls", "false"),
                       ("smtp.from", "jo@example.org")):
        assert cli("config", "set", key, value).exit_code == 0
    alex = jcli("client", "add", "Alex Morgan", "--email", "alex@example.org", "--reminders", "email")["id"]
    jcli("session", "add", str(alex), "--at", f"{TOMORROW} 10:00")
    _store(db_path, template)
    before = snapshot(db_path)
    result = cli("remind", "clients", "--send")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "reminders.template" in lines[0] and "nothing was sent" in lines[0]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert snapshot(db_path) == before
    assert cli("remind", "clients").exit_code == 0           # listing what is due does not need the text
    assert cli("config", "unset", "reminders.template").exit_code == 0


def test_compose_of_a_stored_bad_template_names_the_setting(db):
    db.execute("INSERT INTO settings (key, value) VALUES ('reminders.template', 'Hi {first_name!z}')")
    db.forget_settings()
    reminder = cr.Reminder(1, 1, "alex@example.org", "2026-11-28T10:00:00+00:00", "due", "Alex Morgan",
                           "2026-11-28T10:00:00Z", 50, "in-person")
    with pytest.raises(InvalidValue, match="reminders.template.*config set reminders.template"):
        cr.compose(db, reminder)


def test_a_bad_template_with_a_real_smtp_server_sends_nothing(cli, jcli, db_path):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    import socket

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", port), ("smtp.starttls", "false"),
                           ("smtp.from", "jo@example.org"), ("practitioner.name", "Jo Bloggs")):
            assert cli("config", "set", key, value).exit_code == 0
        alex = jcli("client", "add", "Alex Morgan", "--email", "alex@example.org", "--reminders", "email")["id"]
        jcli("session", "add", str(alex), "--at", f"{TOMORROW} 10:00")
        assert_refused(cli, db_path, "config", "set", "reminders.template", "Hi {first_name!z}, see you {date}",
                       match="!z")
        _store(db_path, "Hi {first_name:%Y}, see you {date}")
        result = cli("remind", "clients", "--send")
        assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "internal" not in result.stderr
        assert inbox.messages == []
        assert cli("config", "set", "reminders.template", "Hi {first_name}, see you {date}").exit_code == 0
        assert cli("remind", "clients", "--send").exit_code == 0
        assert len(inbox.messages) == 1
        assert b"Hi Alex, see you Saturday 28 November 2026" in inbox.messages[0].original_content
    finally:
        controller.stop()


# -- invoice_overdue as at --today ---------------------------------------------------------------

def _invoiced_november(cli, jcli) -> dict[str, int]:
    """Five clients at £80, one attended session each in October, invoiced 2026-11-02 (due 2026-12-02)."""
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    ids = {}
    for n, name in enumerate(("Priya Shah", "Omar Khan", "Lena Berg", "Tom Reed", "Ada Lowe")):
        client = jcli("client", "add", name)["id"]
        jcli("session", "add", str(client), "--at", f"2026-10-{5 + n:02d} 10:00")
        invoice = jcli("--today", "2026-11-02", "invoice", "create", str(client), "--month", "2026-10")
        assert invoice["due_on"] == "2026-12-02"
        ids[name.split()[0].lower()] = invoice["id"]
    return ids


def _overdue(jcli, day):
    """That morning's invoice_overdue messages by invoice number (--all: none folded into a summary)."""
    items = jcli("--today", day, "remind", "--kind", "invoice_overdue", "--all")
    return {i["message"].split()[0]: i["message"] for i in items}


def test_overdue_replayed_as_at_a_past_day_ignores_later_payments_and_voids(cli, jcli, db_path):
    ids = _invoiced_november(cli, jcli)
    jcli("--today", "2026-11-20", "invoice", "void", str(ids["ada"]), "--reason", "wrong client")
    jcli("--today", "2026-12-04", "payment", "add", str(ids["tom"]), "30")           # before the day: counts
    morning = _overdue(jcli, "2026-12-05")
    assert len(morning) == 4 and not any("INV-2026-0005" in m for m in morning.values())
    assert "£50.00 unpaid" in morning["INV-2026-0004"]

    jcli("--today", "2026-12-20", "payment", "add", str(ids["priya"]), "80")         # paid in full later
    jcli("--today", "2026-12-20", "payment", "add", str(ids["omar"]), "30")          # part-paid later
    jcli("--today", "2026-12-20", "invoice", "void", str(ids["lena"]), "--reason", "written off")
    assert _overdue(jcli, "2026-12-05") == morning                                   # the same morning again
    assert "£80.00 unpaid, due 2026-12-02 (3 days overdue)" in morning["INV-2026-0001"]
    assert "£80.00 unpaid" in morning["INV-2026-0002"]

    now = _overdue(jcli, "2026-12-20")
    assert sorted(now) == ["INV-2026-0002", "INV-2026-0004"]
    assert "£50.00 unpaid" in now["INV-2026-0002"] and "£50.00 unpaid" in now["INV-2026-0004"]
    assert _overdue(jcli, "2026-12-02") == {}                                        # due that day: not yet
    assert _overdue(jcli, "2026-11-01") == {}                                        # before any was issued


def test_a_backdated_payment_that_settled_counts_only_from_its_date(cli, jcli):
    ids = _invoiced_november(cli, jcli)
    jcli("--today", "2026-12-20", "payment", "add", str(ids["priya"]), "50")         # received 20 December
    jcli("--today", "2026-12-20", "payment", "add", str(ids["priya"]), "30", "--on", "2026-12-03")  # settles
    assert "£50.00 unpaid" in _overdue(jcli, "2026-12-05")["INV-2026-0001"]
    assert "INV-2026-0001" not in _overdue(jcli, "2026-12-20")


def test_invoices_issued_after_the_day_are_not_overdue_on_it(cli, jcli):
    cli("config", "set", "fees.terms_days", "1")
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    client = jcli("client", "add", "Priya Shah")["id"]
    jcli("session", "add", str(client), "--at", "2026-10-05 10:00")
    jcli("--today", "2026-11-20", "invoice", "create", str(client), "--month", "2026-10")
    assert _overdue(jcli, "2026-11-10") == {}
    assert list(_overdue(jcli, "2026-11-22")) == ["INV-2026-0001"]


def test_the_fast_and_exact_paths_agree(cli, jcli, db_path):
    ids = _invoiced_november(cli, jcli)
    jcli("--today", "2026-11-20", "invoice", "void", str(ids["ada"]), "--reason", "wrong client")
    jcli("--today", "2026-12-04", "payment", "add", str(ids["tom"]), "30")
    jcli("--today", "2026-12-20", "payment", "add", str(ids["priya"]), "80")
    jcli("--today", "2026-12-20", "payment", "add", str(ids["omar"]), "30")
    database = open_database(db_path, today=date.fromisoformat(TODAY))
    try:
        for day in ("2026-12-20", "2026-12-21", "2027-03-01"):       # nothing paid or voided after: fast path
            on = date.fromisoformat(day)
            assert overdue(database, on) == overdue(database, on, exact=True)
            assert len(overdue(database, on)) == 3
        past = overdue(database, date(2026, 12, 5))                  # replayed: exact path
        assert [(r["number"], r["due_minor"]) for r in past] == [
            ("INV-2026-0001", 8000), ("INV-2026-0002", 8000), ("INV-2026-0003", 8000), ("INV-2026-0004", 5000)]
    finally:
        database.close()
