"""Fees, invoices and payments: money in pence, the policy, immutable invoices, income by UK tax year."""

import os
import sqlite3
from datetime import date, timedelta

import pytest

from conftest import assert_refused, snapshot
from wrong_form import refused
from therapy_cli.errors import InvalidValue
from therapy_cli.practice.fees import charge_for, half, money, parse_money
from therapy_cli.reports.income import parse_tax_year, tax_year_of


def _client(cli, name="Priya Shah", *extra):
    result = cli("client", "add", name, *extra, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


def _session(cli, client, at, *extra):
    result = cli("session", "add", client, "--at", at, *extra, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()["id"]


@pytest.fixture
def october(cli):
    """Priya at £80: three attended sessions, a DNA, a late cancellation by her and one by the therapist."""
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    pid = _client(cli)
    ids = {"attended": [_session(cli, pid, f"2026-10-{d:02d} 10:00") for d in (5, 12, 26)],
           "dna": _session(cli, pid, "2026-10-19 10:00", "--status", "dna")}
    late = _session(cli, pid, "2026-10-29 10:00", "--status", "scheduled")
    assert cli("session", "cancel", late, "--late").exit_code == 0
    ours = _session(cli, pid, "2026-10-30 10:00", "--status", "scheduled")
    assert cli("session", "cancel", ours, "--late", "--by", "therapist").exit_code == 0
    ids.update(late=late, therapist_late=ours, client=pid)
    return ids


# -- money -------------------------------------------------------------------

@pytest.mark.parametrize("text, minor", [("80", 8000), ("80.50", 8050), ("80.5", 8050), ("£80", 8000),
                                         (" £ 80.05 ", 8005), ("GBP 80", 8000), ("1,200", 120000), ("0", 0)])
def test_amount_forms_accepted(text, minor):
    assert parse_money(text) == minor


@pytest.mark.parametrize("text", ["80.505", "-5", "abc", "", "80.", ".5", "1e3", "80,5.0.0", "£-5", "nan"])
def test_amount_forms_refused(text):
    with pytest.raises(InvalidValue):
        parse_money(text)


def test_money_is_shown_with_the_currency():
    assert money(8005) == "£80.05"
    assert money(123456789, "EUR") == "€1,234,567.89"
    assert money(50, "CHF") == "0.50 CHF"


def test_policy_arithmetic_full_half_none():
    assert half(8000) == 4000 and half(8005) == 4003 and half(1) == 1  # halves of a penny round up
    assert charge_for("attended", 8000, "none", "none") == ("full", 8000)
    assert charge_for("dna", 8005, "half", "full") == ("half", 4003)
    assert charge_for("dna", 8000, "none", "full") is None
    assert charge_for("late-cancelled", 8000, "full", "half") == ("half", 4000)
    assert charge_for("late-cancelled", 8000, "full", "none") is None
    assert charge_for("cancelled", 8000, "full", "full") is None
    assert charge_for("attended", 0, "full", "full") is None


# -- invoice create ----------------------------------------------------------

def test_month_invoice_follows_the_policy(cli, jcli, october):
    inv = jcli("invoice", "create", "priya", "--month", "2026-10")
    assert inv["number"] == "INV-2026-0001" and inv["currency"] == "GBP"
    by_session = {ln["session_id"]: ln for ln in inv["lines"]}
    assert set(by_session) == {*october["attended"], october["dna"], october["late"]}  # not the therapist's
    assert by_session[october["dna"]]["amount_minor"] == 8000
    assert inv["total_minor"] == 5 * 8000 and inv["due_minor"] == 40000 and inv["status"] == "unpaid"
    assert inv["issued_on"] == "2026-11-27" and inv["due_on"] == "2026-12-27"
    assert [ln["session_date"] for ln in inv["lines"]] == sorted(ln["session_date"] for ln in inv["lines"])


def test_half_and_none_policies(cli, jcli, october):
    cli("config", "set", "fees.dna", "half")
    cli("config", "set", "fees.late_cancel", "none")
    cli("client", "edit", "priya", "--fee", "80.05")
    inv = jcli("invoice", "create", "priya", "--from", "2026-10-01", "--to", "2026-10-31")
    amounts = {ln["session_id"]: (ln["charge"], ln["amount_minor"]) for ln in inv["lines"]}
    assert amounts[october["dna"]] == ("half", 4003)
    assert october["late"] not in amounts
    assert inv["total_minor"] == 3 * 8005 + 4003


def test_nothing_chargeable_is_refused_and_writes_nothing(cli, db_path, october):
    assert_refused(cli, db_path, "invoice", "create", "priya", "--month", "2026-09", match="nothing to invoice")
    assert cli("invoice", "create", "priya", "--month", "2026-10").exit_code == 0
    assert_refused(cli, db_path, "invoice", "create", "priya", "--month", "2026-10", match="already on a live")
    cli("client", "edit", "priya", "--fee", "0")                           # 0 = not charged
    cli("session", "add", "priya", "--at", "2026-11-02 10:00")
    assert_refused(cli, db_path, "invoice", "create", "priya", "--month", "2026-11", match="own fee is 0, not charged")
    refused(cli, db_path, "invoice", "create", "priya", match="say which sessions")
    refused(cli, db_path, "invoice", "create", "priya", "--month", "2026-10", "--from", "2026-10-01",
            "--to", "2026-10-31", match="not both")
    refused(cli, db_path, "report", "income", "--tax-year", "2026/27", "--from", "2026-10-01", match="not both")
    refused(cli, db_path, "report", "income", "--to", "2026-10-31", match="needs --from")


def test_without_any_fee_nothing_is_charged(cli, db_path):
    _client(cli, "Nia Nhs")
    cli("session", "add", "nia", "--at", "2026-10-05 10:00")
    assert_refused(cli, db_path, "invoice", "create", "nia", "--month", "2026-10", match="no fee")


def test_a_couple_is_invoiced_as_the_unit(cli, jcli):
    a, b = _client(cli, "Ann Lee", "--fee", "70"), _client(cli, "Ben Lee")
    couple = jcli("client", "add", "Lee couple", "--kind", "couple", "--member", a, "--member", b, "--fee", "110")
    _session(cli, couple["id"], "2026-10-07 18:00")
    inv = jcli("invoice", "create", couple["id"], "--month", "2026-10")
    assert inv["client_id"] == couple["id"] and inv["total_minor"] == 11000
    assert cli("invoice", "create", a, "--month", "2026-10").exit_code == 1   # Ann had no session of her own


def test_invoicing_a_member_seen_only_with_the_unit_says_the_unit_is_invoiced(cli, jcli, db_path):
    """Ben came only to the couple's sessions, already invoiced to the couple: the refusal said his sessions
    were 'already on a live invoice', as if something had been billed twice."""
    a, b = _client(cli, "Ann Lee", "--fee", "70"), _client(cli, "Ben Lee")
    couple = jcli("client", "add", "Lee couple", "--kind", "couple", "--member", a, "--member", b, "--fee", "110")
    _session(cli, couple["id"], "2026-10-07 18:00")
    assert_refused(cli, db_path, "invoice", "create", b, "--month", "2026-10",
                   match=f"client #{b} has no sessions of their own in the span; their sessions with "
                         f"#{couple['id']} are invoiced to the couple, family or group (therapy invoice create "
                         f"{couple['id']} --from 2026-10-01 --to 2026-10-31)")
    # a unit that is not charged is not offered instead: its fee is what would charge those sessions (Cal's own
    # fee does not reach them; it said 'no chargeable session ... not already on a live invoice' once he had one)
    c = _client(cli, "Cal Ng")
    group = jcli("client", "add", "Tuesday group", "--kind", "group", "--member", c, "--member", a)
    _session(cli, group["id"], "2026-10-08 18:00")
    for fee in ([], ["--fee", "40"]):
        if fee:
            cli("client", "edit", c, *fee)
        assert_refused(cli, db_path, "invoice", "create", c, "--month", "2026-10",
                       match=f"client #{c} has no sessions of their own in the span; their sessions with "
                             f"#{group['id']} belong to the couple, family or group, which is not charged "
                             f"(client edit {group['id']} --fee AMOUNT to charge them)")
    # and a client with no session at all in the span is told so
    assert_refused(cli, db_path, "invoice", "create", c, "--month", "2026-09",
                   match=f"client #{c} has no sessions in the span")


# -- numbers, voids, immutability --------------------------------------------

def test_numbers_are_sequential_and_never_reused_after_a_void(cli, jcli, october):
    first = jcli("invoice", "create", "priya", "--from", "2026-10-01", "--to", "2026-10-15")
    second = jcli("invoice", "create", "priya", "--from", "2026-10-16", "--to", "2026-10-31")
    voided = jcli("invoice", "void", second["number"], "--reason", "wrong dates")
    assert voided["status"] == "void" and voided["due_minor"] == 0
    third = jcli("invoice", "create", "priya", "--from", "2026-10-16", "--to", "2026-10-31")  # sessions freed
    assert [first["number"], second["number"], third["number"]] == [
        "INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    assert {ln["session_id"] for ln in third["lines"]} == {ln["session_id"] for ln in second["lines"]}
    assert cli("invoice", "void", second["id"], "--reason", "again").exit_code == 1
    cli("--today", "2027-01-04", "session", "add", "priya", "--at", "2026-12-01 10:00")
    new_year = jcli("--today", "2027-01-04", "invoice", "create", "priya", "--month", "2026-12")
    assert new_year["number"] == "INV-2027-0001"
    listed = jcli("invoice", "list")
    assert [r["number"] for r in listed][:2] == ["INV-2027-0001", "INV-2026-0003"]
    assert {r["status"] for r in listed} == {"unpaid", "void"}


def test_issued_invoices_cannot_change_by_raw_sql(cli, db_path, october):
    cli("invoice", "create", "priya", "--month", "2026-10")
    assert cli("payment", "add", "1", "10").exit_code == 0
    cli("invoice", "void", "1", "--reason", "test")
    conn = sqlite3.connect(db_path)
    statements = [
        "UPDATE invoices SET total_minor = 1",
        "DELETE FROM invoices",
        "UPDATE invoice_lines SET amount_minor = 1",
        "DELETE FROM invoice_lines",
        "DELETE FROM invoice_voids",
        "UPDATE invoice_voids SET reason = 'x'",
        "INSERT OR REPLACE INTO invoices SELECT * FROM invoices WHERE id = 1",
        "REPLACE INTO invoice_lines SELECT * FROM invoice_lines LIMIT 1",
        "INSERT OR REPLACE INTO invoice_voids SELECT * FROM invoice_voids",
        "UPDATE payments SET amount_minor = 1",
        "DELETE FROM payments",
    ]
    before = snapshot(db_path)
    for sql in statements:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
    conn.close()
    assert snapshot(db_path) == before


def test_a_session_is_on_one_live_invoice_at_most_in_the_database_itself(cli, db_path, october):
    cli("invoice", "create", "priya", "--month", "2026-10")
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="live invoice"):
        conn.execute("INSERT INTO invoice_lines (invoice_id, session_id, session_date, status, charge, fee_minor, "
                      "amount_minor) VALUES (1, ?, '2026-10-05', 'attended', 'full', 8000, 8000)",
                      (october["attended"][0],))
    conn.close()


# -- payments ----------------------------------------------------------------

def test_payments_and_over_payment_refused(cli, jcli, db_path, october):
    inv = jcli("invoice", "create", "priya", "--month", "2026-10")
    assert inv["total_minor"] == 40000
    paid = jcli("payment", "add", inv["number"], "£150.50", "--on", "2026-11-27", "--method", "card")
    assert paid["amount_minor"] == 15050 and paid["status"] == "part-paid" and paid["due_minor"] == 24950
    assert_refused(cli, db_path, "payment", "add", "1", "249.51", match="over-payment")
    assert_refused(cli, db_path, "payment", "add", "1", "0", match="more than 0")
    assert_refused(cli, db_path, "payment", "add", "1", "10", "--on", "2026-11-28", match="future")
    assert_refused(cli, db_path, "payment", "add", "INV-2026-0099", "10", match="no invoice")
    assert jcli("payment", "add", "1", "249.50")["status"] == "paid"
    assert jcli("invoice", "list", "--unpaid") == []
    assert_refused(cli, db_path, "payment", "add", "1", "0.01", match="INV-2026-0001 is paid in full (£400.00); nothing more is due")
    shown = jcli("invoice", "show", "1")
    assert shown["paid_minor"] == 40000 and [p["method"] for p in shown["payments"]] == ["card", None]


def test_the_same_payment_entered_twice_is_refused_unless_it_came_twice(cli, jcli, db_path, october):
    """A part payment run again from the shell history was recorded twice, and a payment is never removed."""
    inv = jcli("invoice", "create", "priya", "--month", "2026-10", "--on", "2026-11-02")
    first = jcli("payment", "add", inv["number"], "50", "--on", "2026-11-20", "--method", "card")
    assert_refused(cli, db_path, "payment", "add", inv["number"], "£50", "--on", "2026-11-20",
                   match=f"£50.00 on 2026-11-20 is already recorded against {inv['number']} (payment #{first['id']})")
    # another day, another amount, another invoice: other payments; a second one that day, when it came
    assert jcli("payment", "add", inv["number"], "50", "--on", "2026-11-21")["due_minor"] == 30000
    assert jcli("payment", "add", inv["number"], "50.01", "--on", "2026-11-20")["due_minor"] == 24999
    assert jcli("payment", "add", inv["number"], "50", "--on", "2026-11-20", "--allow-duplicate")["due_minor"] == 19999
    _client(cli, "Sam Other")
    _session(cli, "sam", "2026-10-06 10:00")
    other = jcli("invoice", "create", "sam", "--month", "2026-10", "--on", "2026-11-02")
    assert jcli("payment", "add", other["number"], "50", "--on", "2026-11-20")["due_minor"] == 3000
    assert len(jcli("invoice", "show", inv["number"])["payments"]) == 4


@pytest.mark.parametrize("amount", ["80.505", "-5", "abc"])
def test_wrong_form_amounts_exit_2_and_write_nothing(cli, db_path, october, amount):
    cli("invoice", "create", "priya", "--month", "2026-10")
    assert_refused(cli, db_path, "payment", "add", "1", amount, code=2)
    assert_refused(cli, db_path, "payment", "add", "1", "--", amount, code=2)
    assert_refused(cli, db_path, "client", "edit", "priya", "--fee", amount, code=2)
    assert_refused(cli, db_path, "client", "add", "New Person", "--fee", amount, code=2)


def test_payment_against_a_void_invoice_is_refused(cli, db_path, october):
    cli("invoice", "create", "priya", "--month", "2026-10")
    cli("invoice", "void", "1", "--reason", "wrong fee")
    assert_refused(cli, db_path, "payment", "add", "1", "10", match="void")


def test_an_invoice_is_not_void_before_its_issue_or_a_payment_on_it(cli, jcli, db_path, october):
    """A void is dated the day it is made, and remind replays count it from then: one made with --today
    before the issue (or before a payment recorded on it) was taken, saying the invoice was void while it
    was still owed, or was being paid."""
    jcli("invoice", "create", "priya", "--month", "2026-10", "--on", "2026-11-02")
    assert_refused(cli, db_path, "--today", "2026-11-01", "invoice", "void", "1", "--reason", "x",
                   match="INV-2026-0001 was issued on 2026-11-02; it cannot be void on 2026-11-01")
    jcli("payment", "add", "1", "50", "--on", "2026-11-20")
    assert_refused(cli, db_path, "--today", "2026-11-10", "invoice", "void", "1", "--reason", "x",
                   match="INV-2026-0001 was paid on 2026-11-20; it cannot be void on 2026-11-10")
    assert jcli("--today", "2026-11-20", "invoice", "void", "1", "--reason", "wrong fee")["voided_on"] == "2026-11-20"


def test_voiding_a_part_paid_invoice_says_the_payment_must_be_recorded_again(cli, jcli, october):
    """fees.md: payments on a void invoice count nowhere; voiding one left £50 received out of income unsaid."""
    jcli("invoice", "create", "priya", "--month", "2026-10")
    jcli("payment", "add", "INV-2026-0001", "50")
    result = cli("invoice", "void", "INV-2026-0001", "--reason", "wrong fee")
    assert result.exit_code == 0
    assert "Warning: £50.00 was paid on INV-2026-0001 and now counts nowhere" in result.stderr
    assert "payment add NEW-NUMBER" in result.stderr
    # an unpaid one voids without a word
    jcli("invoice", "create", "priya", "--month", "2026-10")
    assert cli("invoice", "void", "INV-2026-0002", "--reason", "again").stderr == ""


# -- client fee and payer ------------------------------------------------------

def test_client_fee_and_payer(cli, jcli):
    record = jcli("client", "add", "Sam Cole", "--fee", "£95", "--payer", "Bupa")
    assert record["fee_minor"] == 9500 and record["payer"] == "Bupa"
    assert jcli("client", "edit", "sam", "--payer", "")["payer"] is None
    shown = jcli("client", "show", "sam")
    assert shown["fees"]["fee_minor"] == 9500 and shown["fees"]["own_fee"] is True
    jcli("client", "edit", "sam", "--payer", "AXA Health", "--phone", "07700 900123")
    _session(cli, "sam", "2026-11-02 10:00")
    inv = jcli("invoice", "create", "sam", "--month", "2026-11")
    assert inv["payer"] == "AXA Health" and inv["client_name"] == "Sam Cole"
    exported = jcli("client", "export", "sam")["invoices"]
    assert [i["number"] for i in exported] == [inv["number"]] and exported[0]["lines"]


def test_subject_access_export_holds_the_fee_and_payer_before_any_invoice(jcli):
    """The payer (an employer's EAP, an insurer) and an agreed fee are held about the client, but
    `client export` left them out until an invoice happened to carry the payer."""
    jcli("client", "add", "Sam Cole", "--fee", "£95", "--payer", "Acme EAP")
    fees = jcli("client", "export", "sam")["client"]["fees"]
    assert fees["fee_minor"] == 9500 and fees["own_fee"] is True and fees["payer"] == "Acme EAP"
    jcli("client", "add", "Nia Nhs")
    assert "fees" not in jcli("client", "export", "nia")["client"]


def test_a_clients_own_fee_can_be_taken_away_and_the_default_applies_again(cli, jcli, db_path):
    """Once --fee was set there was no way back to fees.default: '' and 'default' were both refused, so a
    raised default never reached a client who once had a reduced fee."""
    cli("config", "set", "fees.default", "80")
    jcli("client", "add", "Amy Ash", "--fee", "60")
    jcli("client", "add", "Bo Birch", "--fee", "0")                 # a low-cost place: not charged
    _session(cli, "amy", "2026-10-05 10:00")
    _session(cli, "bo", "2026-10-06 10:00")
    cli("config", "set", "fees.default", "90")
    assert jcli("client", "edit", "amy", "--fee", "")["fee_minor"] is None
    assert "fees" not in jcli("client", "show", "amy")      # no fee, payer or invoice of their own yet
    assert jcli("invoice", "create", "amy", "--month", "2026-10")["total_minor"] == 9000
    assert_refused(cli, db_path, "invoice", "create", "bo", "--month", "2026-10",
                   match="the client's own fee is 0, not charged (client edit --fee AMOUNT, or --fee '' for")


def test_practitioners_without_fees_see_no_change(cli, jcli):
    _client(cli, "Nia Nhs")
    _session(cli, "nia", "2026-10-05 10:00")
    assert "fees" not in jcli("client", "show", "nia")
    assert "invoices" not in jcli("client", "export", "nia")
    assert not [i for i in jcli("--today", "2027-06-01", "remind") if i["kind"] == "invoice_overdue"]
    assert jcli("invoice", "list") == []


# -- the printable invoice -------------------------------------------------------

@pytest.mark.parametrize("name", ["inv.html", "inv.md"])
def test_invoice_document_is_private_and_self_contained(cli, jcli, tmp_path, october, name):
    for key, value in [("practitioner.name", "Dr Jo Bloggs"), ("practitioner.address", "1 High St; Leeds LS1 1AA"),
                       ("practitioner.registration", "BACP 012345"), ("practitioner.bank", "Sort 00-00-00 Acc 1234")]:
        cli("config", "set", key, value)
    assert cli("client", "edit", "priya", "--address", "7 Park Row; Bradford BD1 2AB").exit_code == 0
    jcli("invoice", "create", "priya", "--month", "2026-10")
    cli("payment", "add", "1", "100")
    out = tmp_path / name
    result = jcli("invoice", "show", "INV-2026-0001", "--output", out)
    assert result["path"] == str(out)
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = out.read_text()
    for expected in ("INV-2026-0001", "Priya Shah", "7 Park Row", "Bradford BD1 2AB", "Dr Jo Bloggs",
                     "Leeds LS1 1AA", "BACP 012345",
                     "Sort 00-00-00", "£400.00", "£100.00", "£300.00", "2026-10-05"):
        assert expected in text, expected
    assert "http" not in text.replace('lang="en-GB"', "")
    assert cli("invoice", "show", "1", "--output", tmp_path / "inv.pdf").exit_code == 1


@pytest.mark.parametrize("name", ["inv.html", "inv.md"])
def test_raw_html_in_names_is_text_on_the_invoice_in_either_form(cli, jcli, tmp_path, name):
    """The HTML invoice escaped `Eve <b>Bold</b>`; the Markdown one passed it through, for a viewer to render."""
    cli("config", "set", "fees.default", "80")
    cli("config", "set", "practitioner.address", "12 Mill <Lane>; York")
    jcli("client", "add", "Eve <b>Bold</b> & Co", "--payer", "Acme & <EAP>")
    _session(cli, "eve", "2026-10-05 10:00")
    jcli("invoice", "create", "eve", "--month", "2026-10")
    out = tmp_path / name
    jcli("invoice", "show", "1", "--output", out)
    text = out.read_text()
    assert "<b>" not in text and "<EAP>" not in text and "<Lane>" not in text
    assert "&lt;b&gt;Bold" in text or "&lt;b>Bold" in text


def test_invoice_lists_and_reports_do_not_carry_the_name(cli, jcli, october):
    jcli("invoice", "create", "priya", "--month", "2026-10")
    assert "Priya" not in cli("invoice", "list", "--json").stdout
    assert "Priya" not in cli("report", "income", "--json").stdout
    assert "Priya" not in cli("--today", "2027-02-01", "remind", "--json").stdout


# -- overdue and income --------------------------------------------------------------

def test_remind_invoice_overdue(cli, jcli, october):
    jcli("invoice", "create", "priya", "--month", "2026-10")
    assert not [i for i in jcli("--today", "2026-12-27", "remind") if i["kind"] == "invoice_overdue"]
    items = [i for i in jcli("--today", "2026-12-28", "remind", "--kind", "invoice_overdue")]
    assert items == [{"kind": "invoice_overdue", "client_id": october["client"], "due": "2026-12-27",
                      "message": "INV-2026-0001 for #1 P.S.: £400.00 unpaid, due 2026-12-27 (1 day overdue)"}]
    jcli("--today", "2026-12-28", "payment", "add", "1", "400")
    assert jcli("--today", "2026-12-28", "remind", "--kind", "invoice_overdue") == []


def test_tax_years_run_6_april_to_5_april():
    assert tax_year_of(date(2027, 4, 5)) == (date(2026, 4, 6), date(2027, 4, 5))
    assert tax_year_of(date(2027, 4, 6)) == (date(2027, 4, 6), date(2028, 4, 5))
    assert parse_tax_year("2026/27", date(2020, 1, 1)) == (date(2026, 4, 6), date(2027, 4, 5))
    assert parse_tax_year("1999/00", date(2020, 1, 1)) == (date(1999, 4, 6), date(2000, 4, 5))
    assert parse_tax_year("last", date(2026, 11, 27)) == (date(2025, 4, 6), date(2026, 4, 5))
    for bad in ("2026/28", "2026-27", "2026", "26/27"):
        with pytest.raises(InvalidValue):
            parse_tax_year(bad, date(2026, 11, 27))


def test_income_tax_year_boundaries(cli, jcli):
    cli("config", "set", "fees.default", "60")
    _client(cli)
    for day in ("2027-03-30", "2027-03-31"):
        assert cli("--today", "2027-04-05", "session", "add", "priya", "--at", f"{day} 10:00").exit_code == 0
    a = jcli("--today", "2027-04-05", "invoice", "create", "priya", "--from", "2027-03-30", "--to", "2027-03-30")
    b = jcli("--today", "2027-04-06", "invoice", "create", "priya", "--from", "2027-03-31", "--to", "2027-03-31")
    jcli("--today", "2027-04-05", "payment", "add", a["id"], "20")
    jcli("--today", "2027-04-06", "payment", "add", a["id"], "40")
    jcli("--today", "2027-04-06", "payment", "add", b["id"], "60")
    old = jcli("--today", "2027-06-01", "report", "income", "--tax-year", "2026/27")
    new = jcli("--today", "2027-06-01", "report", "income")          # default: the tax year holding today
    assert old["period"] == {"start": "2026-04-06", "end": "2027-04-05"} and old["currency"] == "GBP"
    assert (old["invoiced_minor"], old["received_minor"], old["outstanding_minor"]) == (6000, 2000, 4000)
    assert new["period"] == {"start": "2027-04-06", "end": "2028-04-05"}
    assert (new["invoiced_minor"], new["received_minor"], new["outstanding_minor"]) == (6000, 10000, 0)
    assert [m["month"] for m in old["by_month"]][0] == "2026-04" and len(old["by_month"]) == 13
    assert {m["month"]: m["received_minor"] for m in new["by_month"]}["2027-04"] == 10000
    csv_text = cli("--today", "2027-06-01", "report", "income", "--tax-year", "2026/27", "--csv").stdout
    assert csv_text.splitlines()[0] == "month,invoices,invoiced,received,currency"
    assert csv_text.splitlines()[-1] == "total,1,60.00,20.00,GBP"


def test_aged_debt_buckets(cli, jcli):
    cli("config", "set", "fees.default", "10")
    _client(cli)
    # issued 0, 30, 31, 60, 61, 90, 91 days before 2026-11-27
    ages = [91, 90, 61, 60, 31, 30, 0]
    for n, age in enumerate(ages):
        day = date(2026, 11, 27) - timedelta(days=age)
        _session(cli, "priya", f"{day.isoformat()} 0{n}:00", "--status", "attended")
        jcli("--today", day.isoformat(), "invoice", "create", "priya", "--from", day.isoformat(),
             "--to", day.isoformat())
    jcli("payment", "add", "INV-2026-0001", "4")     # the 91-day one, part-paid: £6 still due
    aged = jcli("report", "income", "--from", "2026-01-01", "--to", "2026-11-27")["aged"]
    assert aged == {"0_30": {"invoices": 2, "amount_minor": 2000}, "31_60": {"invoices": 2, "amount_minor": 2000},
                    "61_90": {"invoices": 2, "amount_minor": 2000}, "over_90": {"invoices": 1, "amount_minor": 600}}
    jcli("payment", "add", "INV-2026-0002", "10")   # 90 days: settled
    jcli("invoice", "void", "INV-2026-0003", "--reason", "test")   # 61 days, unpaid: owed nothing now
    jcli("payment", "add", "INV-2026-0004", "2.50")  # 60 days, part-paid ...
    jcli("invoice", "void", "INV-2026-0004", "--reason", "test")   # ... then void
    report = jcli("report", "income", "--from", "2026-01-01", "--to", "2026-11-27")
    assert report["aged"] == {"0_30": {"invoices": 2, "amount_minor": 2000},
                              "31_60": {"invoices": 1, "amount_minor": 1000},
                              "61_90": {"invoices": 0, "amount_minor": 0},
                              "over_90": {"invoices": 1, "amount_minor": 600}}
    assert report["outstanding_minor"] == 3600
    assert report["invoiced_minor"] == 5 * 1000 and report["received_minor"] == 400 + 1000
    # as at 28 October: today's payments had not come, the voids count already, the newest was not issued
    earlier = jcli("report", "income", "--from", "2026-01-01", "--to", "2026-10-28")
    assert earlier["as_at"] == "2026-10-28"
    assert earlier["aged"] == {"0_30": {"invoices": 2, "amount_minor": 2000},
                               "31_60": {"invoices": 1, "amount_minor": 1000},
                               "61_90": {"invoices": 1, "amount_minor": 1000},
                               "over_90": {"invoices": 0, "amount_minor": 0}}


def test_fee_settings_are_validated(cli, jcli, db_path):
    for key, value, code in [("fees.currency", "gb", 2), ("fees.currency", "£££", 2), ("fees.dna", "some", 2),
                             ("fees.late_cancel", "double", 2), ("fees.terms_days", "0", 1)]:
        assert_refused(cli, db_path, "config", "set", key, value, code=code)   # wrong form 2, out of range 1
    for value in ("80.505", "abc"):     # an amount that cannot be read: a usage error, as --fee (docs/fees.md)
        assert_refused(cli, db_path, "config", "set", "fees.default", value, code=2)
    assert_refused(cli, db_path, "client", "add", "X", "--payer", "Bupa\x1b[2J", match="control characters")
    assert jcli("config", "set", "fees.default", "£80.5")["value"] == "80.50"
    assert jcli("config", "set", "fees.currency", "eur")["value"] == "EUR"
    assert jcli("config", "set", "fees.dna", "HALF")["value"] == "half"


def test_bill_every_client_for_a_month_at_once(cli, jcli, db_path, october):
    _client(cli, "Nia Nhs", "--fee", "0")                     # not charged
    _session(cli, "nia", "2026-10-06 11:00")
    _client(cli, "Sam Cole", "--fee", "95", "--payer", "AXA")
    _session(cli, "sam", "2026-10-07 11:00")
    made = jcli("invoice", "create", "--all", "--month", "2026-10")
    assert [(i["number"], i["client_id"], i["total_minor"]) for i in made] == [
        ("INV-2026-0001", october["client"], 40000), ("INV-2026-0002", 3, 9500)]
    assert_refused(cli, db_path, "invoice", "create", "--all", "--month", "2026-10", match="nothing to invoice")
    refused(cli, db_path, "invoice", "create", "sam", "--all", "--month", "2026-10", match="name one CLIENT")
    refused(cli, db_path, "invoice", "create", "--month", "2026-10", match="name one CLIENT")
    table = cli("invoice", "create", "--all", "--month", "2026-09")
    assert table.exit_code == 1


def test_a_malformed_tax_year_is_a_usage_error(cli, db_path):
    from conftest import assert_refused

    result = assert_refused(cli, db_path, "report", "income", "--tax-year", "2026-27", code=2)
    assert "--tax-year" in result.stderr and "YYYY/YY" in result.stderr


def test_client_address_is_kept_shown_and_cleared(cli, jcli):
    added = jcli("client", "add", "Ada Lane", "--address", "3 Mill Lane; York YO1 7AA")
    assert added["address"] == "3 Mill Lane; York YO1 7AA"
    assert jcli("client", "edit", "ada", "--address", "")["address"] is None
    assert cli("client", "edit", "ada", "--address", "bad\x1b[2Jaddress").exit_code == 1


# -- edges pinned for mutation testing (docs/testing.md) -------------------------------------

def test_money_signs_zero_and_the_largest_amount():
    from therapy_cli.practice.fees import decimal_text

    assert (money(0), money(-1), money(-150)) == ("£0.00", "-£0.01", "-£1.50")
    assert (decimal_text(0), decimal_text(-1), decimal_text(2150)) == ("0.00", "-0.01", "21.50")
    assert parse_money("1000000") == 100_000_000            # £1,000,000: the largest amount taken
    for text in ("1000000.01", "1000001"):
        with pytest.raises(InvalidValue):
            parse_money(text)


def test_a_fee_of_a_penny_is_charged_and_none_is_not():
    assert charge_for("attended", 1, "full", "full") == ("full", 1)
    assert charge_for("attended", 0, "full", "full") is None


def test_a_payer_is_at_most_200_characters(cli, jcli, db_path):
    assert jcli("client", "add", "Pat Payer", "--payer", "P" * 200)["payer"] == "P" * 200
    assert_refused(cli, db_path, "client", "edit", "pat", "--payer", "P" * 201)


def test_client_show_counts_the_clients_own_live_invoices_only(cli, jcli, october):
    other = _client(cli, "Omar Other")
    _session(cli, other, "2026-10-06 10:00")
    jcli("invoice", "create", "priya", "--month", "2026-10")
    jcli("invoice", "create", "omar", "--month", "2026-10")
    fees = jcli("client", "show", "priya")["fees"]
    assert (fees["invoices"], fees["fee_minor"]) == (1, 8000)
    jcli("client", "add", "Una Unpriced", "--payer", "Acme EAP")   # a payer, no fee of her own
    assert cli("config", "set", "fees.default", "0").exit_code == 0
    assert jcli("client", "show", "una")["fees"]["fee_minor"] == 0


def test_income_months_kept_by_the_triggers_equal_the_rows(db):
    """report income reads whole months from income_months (m013) and sums the months a span cuts through
    from the rows: the figures are those of the rows for any span, and an older file gets the same sums."""
    import random

    from therapy_cli.reports.income import income
    from therapy_cli.storage.migrations import m013_income_months

    client = db.insert("clients", {"name": "Priya Shah", "kind": "individual", "status": "active",
                                   "created_at": "2025-01-01T00:00:00+00:00"})
    rnd = random.Random(13)
    invoices = []
    for n in range(1, 121):
        issued = date(2025, 1, 1) + timedelta(days=rnd.randrange(700))
        total = rnd.randrange(1, 20000)
        invoices.append((db.insert("invoices", {
            "number": f"INV-{issued.year}-{n:04d}", "year": issued.year, "seq": n, "client_id": client,
            "issued_on": issued.isoformat(), "due_on": (issued + timedelta(days=30)).isoformat(),
            "period_start": issued.isoformat(), "period_end": issued.isoformat(), "currency": "GBP",
            "total_minor": total, "created_at": "2025-01-01T00:00:00+00:00"}), issued, total))
    payments = []
    for invoice_id, issued, total in invoices[::2]:
        paid = issued + timedelta(days=rnd.randrange(90))
        amount = rnd.randrange(1, total + 1)
        db.insert("payments", {"invoice_id": invoice_id, "invoice_issued_on": issued.isoformat(),
                               "paid_on": paid.isoformat(), "amount_minor": amount, "settles": int(amount == total),
                               "created_at": "2025-01-01T00:00:00+00:00"})
        payments.append((paid, amount))

    def by_rows(first: date, last: date) -> tuple[int, int, int]:
        issued = [total for _, day, total in invoices if first <= day <= last]
        return len(issued), sum(issued), sum(amount for day, amount in payments if first <= day <= last)

    spans = [(date(2025, 4, 6), date(2026, 4, 5)), (date(2025, 1, 1), date(2026, 12, 31)),
             (date(2025, 3, 15), date(2025, 3, 20)), (date(2025, 2, 1), date(2025, 2, 28)),
             (date(2026, 1, 31), date(2026, 3, 1)), (date(2024, 11, 1), date(2025, 1, 31))]
    spans += [tuple(sorted(date(2025, 1, 1) + timedelta(days=rnd.randrange(760)) for _ in range(2)))
              for _ in range(20)]
    reports = []
    for first, last in spans:
        report = income(db, first, last)
        assert (sum(m["invoices"] for m in report["by_month"]), report["invoiced_minor"],
                report["received_minor"]) == by_rows(first, last), (first, last)
        for month in report["by_month"]:
            lo = max(first, date.fromisoformat(month["month"] + "-01"))
            hi = min(last, (date.fromisoformat(month["month"] + "-01") + timedelta(days=32)).replace(day=1)
                     - timedelta(days=1))
            assert (month["invoices"], month["invoiced_minor"], month["received_minor"]) == by_rows(lo, hi)
        reports.append(report)
    # a file from before m013: the migration sums what is there, and the report is unchanged
    db.conn.execute("DROP TRIGGER invoices_month")
    db.conn.execute("DROP TRIGGER payments_month")
    db.conn.execute("DROP TABLE income_months")
    m013_income_months(db.conn)
    assert [income(db, first, last) for first, last in spans] == reports


def test_a_correction_to_an_invoiced_session_says_the_invoice_no_longer_fits(cli, jcli):
    """Attendance corrected, or a session moved, after it was invoiced: the invoice stays as issued, and
    the practitioner is told which invoice to void. Nothing is said while the line still fits."""
    jcli("config", "set", "fees.dna", "half")
    jcli("client", "add", "Jo Smith", "--fee", "80")
    jcli("session", "add", "Jo", "--at", "2026-11-24 10:00")
    jcli("session", "add", "Jo", "--at", "2026-11-17 10:00", "--status", "dna")
    jcli("session", "add", "Jo", "--at", "2026-11-10 10:00", "--status", "late-cancelled")
    number = jcli("invoice", "create", "Jo", "--month", "2026-11")["number"]

    corrected = cli("session", "cancel", "1", "--reason", "client rang in time", "--yes")
    assert corrected.exit_code == 0
    assert (f"session #1 is on invoice {number} as attended on 2026-11-24 (£80.00); it is now cancelled on "
            "2026-11-24") in corrected.stderr and f"therapy invoice void {number}" in corrected.stderr
    back = cli("session", "attend", "1")                        # back as invoiced: nothing to say
    assert back.exit_code == 0 and "invoice" not in back.stderr
    moved = cli("session", "move", "2", "--to", "2026-11-26 08:00")
    assert "as dna on 2026-11-17 (£40.00); it is now dna on 2026-11-26" in moved.stderr
    by_you = cli("session", "cancel", "3", "--late", "--by", "therapist")
    assert "it is now late-cancelled by you on 2026-11-10" in by_you.stderr
    assert jcli("invoice", "show", number)["total_minor"] == 20000        # issued, unchanged

    # once void, the sessions are billed as they now are, and nothing is said any more
    jcli("invoice", "void", number, "--reason", "attendance corrected")
    again = jcli("invoice", "create", "Jo", "--month", "2026-11")
    assert [(line["session_id"], line["amount_minor"]) for line in again["lines"]] == [(1, 8000), (2, 4000)]
    assert "invoice" not in cli("session", "move", "3", "--to", "2026-11-11 10:00").stderr


def test_the_currency_cannot_change_under_invoices_on_record(cli, jcli, db_path, october):
    """Changing fees.currency relabelled every invoice: 80.00 GBP was reported as 80.00 USD."""
    from conftest import assert_refused

    assert jcli("config", "set", "fees.currency", "EUR")["value"] == "EUR"   # nothing invoiced yet: free to choose
    assert jcli("config", "set", "fees.currency", "GBP")["value"] == "GBP"
    jcli("invoice", "create", "Priya", "--month", "2026-10")
    for args in (["config", "set", "fees.currency", "USD"], ["config", "set", "fees.currency", "eur"]):
        assert_refused(cli, db_path, *args, match="fees.currency stays GBP: invoices on record are in GBP")
    assert jcli("config", "set", "fees.currency", "gbp")["value"] == "GBP"   # the same currency is no change
    assert jcli("report", "income", "--tax-year", "2026/27")["currency"] == "GBP"
    # a file invoiced in euros cannot be unset back to the default pounds either
    other = db_path.parent / "euro.db"
    assert cli("--db", other, "config", "set", "fees.currency", "EUR").exit_code == 0
    assert cli("--db", other, "config", "set", "fees.default", "70").exit_code == 0
    assert cli("--db", other, "client", "add", "Ana Ruiz").exit_code == 0
    assert cli("--db", other, "session", "add", "ana", "--at", "2026-10-05 10:00").exit_code == 0
    assert cli("--db", other, "invoice", "create", "ana", "--month", "2026-10").exit_code == 0
    result = cli("--db", other, "config", "unset", "fees.currency")
    assert result.exit_code == 1 and "fees.currency stays EUR: invoices on record are in EUR" in result.stderr


def test_an_invoice_is_not_issued_before_the_sessions_it_bills(cli, jcli, db_path, october):
    """--on 2016-10-30 for October 2026 numbered it INV-2016-0001, overdue for ten years, and invoices never
    change: refused before a number is taken."""
    from conftest import assert_refused

    for on in ("2016-10-30", "2026-10-25"):          # a slip of the year; days before the last session billed
        result = assert_refused(cli, db_path, "invoice", "create", "priya", "--month", "2026-10", "--on", on)
        assert f"issue date {on} is before the last session it bills (2026-10-29, client #1)" in result.stderr
    # --all: the client whose session it is, to invoice them apart or the others on a later day
    result = assert_refused(cli, db_path, "invoice", "create", "--all", "--month", "2026-10", "--on", "2016-10-30")
    assert "before the last session it bills (2026-10-29, client #1)" in result.stderr
    made = jcli("invoice", "create", "priya", "--month", "2026-10", "--on", "2026-10-29")   # the same day is fine
    assert made["number"] == "INV-2026-0001" and made["issued_on"] == "2026-10-29"
