"""Fees at the edges: decimal commas and currency marks in amounts, income over long spans and backdated
payments, and money in CSV as plain numbers."""

import csv
import io
import random
from datetime import date, timedelta

import pytest

from conftest import assert_refused, snapshot
from therapy_cli.errors import InvalidValue, WrongForm
from therapy_cli.practice.fees import check_currency, parse_money


def _billed(cli, jcli, fee="80", issued="2026-11-02"):
    """Ann at `fee`, one attended session in October, invoiced on `issued`: invoice 1."""
    assert cli("config", "set", "fees.default", fee).exit_code == 0
    jcli("client", "add", "Ann Lee")
    jcli("session", "add", "ann", "--at", "2026-10-05 10:00")
    return jcli("invoice", "create", "ann", "--month", "2026-10", "--on", issued)


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# -- amounts: a comma separates thousands only -----------------------------------------------------

@pytest.mark.parametrize("text, minor", [("1,200", 120000), ("12,345.50", 1234550), ("1,200.5", 120050),
                                         ("999,999.99", 99999999), ("80 GBP", 8000), ("gbp80", 8000)])
def test_thousands_in_groups_of_three_are_read(text, minor):
    assert parse_money(text) == minor


@pytest.mark.parametrize("text, example", [("80,50", "80.50"), ("8,0", "8.00"), (",80", "0.80"),
                                           ("1,2,0,0", "80.50"), ("0,500", "80.50"), ("12,34.50", "80.50"),
                                           ("1,2000", "80.50"), ("1,200,", "80.50")])
def test_a_decimal_comma_is_refused_with_a_hint(text, example):
    with pytest.raises(WrongForm) as refused:
        parse_money(text)
    assert "decimal point" in str(refused.value) and example in str(refused.value)


@pytest.mark.parametrize("text", ["٨٠", "８０", "8٠.50", "80.٥"])
def test_digits_other_than_ascii_are_refused(text):
    with pytest.raises(WrongForm):
        parse_money(text)


def test_only_the_currency_in_force_may_be_named():
    assert parse_money("£80", "x", "GBP") == parse_money("GBP 80", "x", "GBP") == 8000
    assert parse_money("€80", "x", "EUR") == parse_money("80 eur", "x", "EUR") == 8000
    assert parse_money("CHF 80", "x", "CHF") == parse_money("80 CHF", "x", "CHF") == 8000
    for text, currency in [("€80", "GBP"), ("EUR 80", "GBP"), ("80 USD", "GBP"), ("$80", "GBP"), ("£80", "EUR"),
                           ("£80", "CHF"), ("¥80", "GBP")]:
        with pytest.raises(WrongForm, match=currency):
            parse_money(text, "x", currency)
    assert parse_money("€80", "x", None) == 8000        # the form alone, before the currency is known


def test_too_much_is_out_of_range_not_of_the_wrong_form():
    for text in ("1000000.01", "10,000,000", "9" * 40, "1" * 5000):
        with pytest.raises(InvalidValue) as refused:
            parse_money(text)
        assert not isinstance(refused.value, WrongForm) and len(str(refused.value)) < 200


@pytest.mark.parametrize("amount", ["80,50", "8,0", ",80", "1,2,0,0", "٨٠", "€80"])
def test_client_fee_of_the_wrong_form_exits_2_and_writes_nothing(cli, jcli, db_path, amount):
    jcli("client", "add", "Ann Lee", "--fee", "80")
    assert_refused(cli, db_path, "client", "edit", "ann", "--fee", amount, code=2)
    assert_refused(cli, db_path, "client", "add", "Bo Ng", "--fee", amount, code=2)
    assert jcli("client", "show", "ann")["fees"]["fee_minor"] == 8000


@pytest.mark.parametrize("amount", ["80,50", "8,0", ",80", "1,2,0,0", "abc", "80.505", "٨٠", "€80"])
def test_config_fee_default_of_the_wrong_form_exits_2_like_client_fee(cli, db_path, amount):
    result = assert_refused(cli, db_path, "config", "set", "fees.default", amount, code=2)
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_config_fee_default_takes_thousands_and_the_currency_in_force(cli, jcli, db_path):
    assert jcli("config", "set", "fees.default", "1,200.50")["value"] == "1200.50"
    jcli("config", "set", "fees.currency", "EUR")
    assert jcli("config", "set", "fees.default", "€80")["value"] == "80.00"
    assert_refused(cli, db_path, "config", "set", "fees.default", "£80", code=2)
    assert_refused(cli, db_path, "client", "add", "Bo Ng", "--fee", "£80", code=2)
    assert jcli("client", "add", "Bo Ng", "--fee", "EUR 95")["fee_minor"] == 9500


def test_too_large_a_fee_is_out_of_range_exit_1(cli, jcli, db_path):
    jcli("client", "add", "Ann Lee")
    assert_refused(cli, db_path, "client", "edit", "ann", "--fee", "10,000,000", match="more than")
    assert_refused(cli, db_path, "config", "set", "fees.default", "1000001", match="more than")


def test_payment_amount_in_the_invoice_currency_only(cli, jcli, db_path):
    jcli("config", "set", "fees.currency", "EUR")
    _billed(cli, jcli)
    assert_refused(cli, db_path, "payment", "add", "1", "£20", code=2)
    assert_refused(cli, db_path, "payment", "add", "1", "20,50", code=2)
    assert jcli("payment", "add", "1", "€20")["amount_minor"] == 2000
    assert jcli("payment", "add", "1", "EUR 10")["due_minor"] == 5000


# -- report income over long spans and at the calendar's ends -----------------------------------------

def test_a_long_span_covers_every_month(cli, jcli):
    _billed(cli, jcli)
    report = jcli("report", "income", "--from", "1920-01-01", "--to", "2026-12-31")
    assert len(report["by_month"]) == (2026 - 1920 + 1) * 12
    assert report["by_month"][0]["month"] == "1920-01" and report["by_month"][-1]["month"] == "2026-12"
    assert report["invoiced_minor"] == 8000 and report["outstanding_minor"] == 8000


def test_a_long_span_with_a_void_invoice(cli, jcli):
    _billed(cli, jcli)
    jcli("invoice", "void", "1", "--reason", "wrong fee")
    again = jcli("invoice", "create", "ann", "--month", "2026-10")
    jcli("payment", "add", again["id"], "30")
    result = cli("report", "income", "--from", "1920-01-01", "--to", "2026-12-31", "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert (report["invoiced_minor"], report["received_minor"], report["outstanding_minor"]) == (8000, 3000, 5000)
    assert {m["month"]: m["invoices"] for m in report["by_month"]}["2026-11"] == 1


@pytest.mark.parametrize("span", [("0001-01-01", "0001-05-31"), ("9999-12-01", "9999-12-31"),
                                  ("0001-01-01", "9999-12-31")])
def test_spans_at_the_ends_of_the_calendar(cli, span):
    result = cli("report", "income", "--from", span[0], "--to", span[1], "--csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "total,0,0.00,0.00,GBP"


@pytest.mark.parametrize("year", ["9999/00", "0000/01"])
def test_a_tax_year_outside_the_calendar_is_a_clean_usage_error(cli, db_path, year):
    result = assert_refused(cli, db_path, "report", "income", "--tax-year", year, code=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --tax-year") and "internal error" not in lines[0]


def test_the_last_tax_years_of_the_calendar(cli, jcli):
    assert jcli("report", "income", "--tax-year", "9998/99")["period"] == {"start": "9998-04-06",
                                                                            "end": "9999-04-05"}
    assert jcli("report", "income", "--tax-year", "0001/02")["label"] == "tax year 0001/02"


# -- outstanding and aged debt: payments by the date they were made, not the order entered -----------

def test_a_backdated_settling_payment_leaves_the_later_one_outstanding(cli, jcli):
    _billed(cli, jcli)
    jcli("--today", "2026-12-21", "payment", "add", "1", "30", "--on", "2026-12-20")
    jcli("--today", "2026-12-21", "payment", "add", "1", "50", "--on", "2026-12-05")   # settles it, dated earlier

    def at(day):
        report = jcli("--today", "2026-12-21", "report", "income", "--from", "2026-11-01", "--to", day)
        return report["outstanding_minor"], report["aged"]

    assert at("2026-12-10") == (3000, {"0_30": {"invoices": 0, "amount_minor": 0},
                                       "31_60": {"invoices": 1, "amount_minor": 3000},
                                       "61_90": {"invoices": 0, "amount_minor": 0},
                                       "over_90": {"invoices": 0, "amount_minor": 0}})
    assert at("2026-12-04")[0] == 8000 and at("2026-12-19")[0] == 3000 and at("2026-12-20")[0] == 0


@pytest.mark.parametrize("early", [0, 20])
def test_outstanding_is_the_total_less_payments_dated_by_then_in_any_entry_order(db, early):
    """For random invoices and payments entered in a random order (dates not in entry order), some voided:
    outstanding and aged equal a brute-force sum over every live invoice issued by as_at. `early`: payments
    may be dated up to that many days before the issue (cash taken at a session the invoice bills later)."""
    from therapy_cli.reports.income import AGE_BUCKETS, income

    client = db.insert("clients", {"name": "Priya Shah", "kind": "individual", "status": "active",
                                   "created_at": "2025-01-01T00:00:00+00:00"})
    rnd = random.Random(2026)
    invoices = {}
    for n in range(1, 61):
        issued = date(2026, 1, 1) + timedelta(days=rnd.randrange(300))
        total = rnd.randrange(100, 20000)
        invoice_id = db.insert("invoices", {
            "number": f"INV-2026-{n:04d}", "year": 2026, "seq": n, "client_id": client,
            "issued_on": issued.isoformat(), "due_on": (issued + timedelta(days=30)).isoformat(),
            "period_start": issued.isoformat(), "period_end": issued.isoformat(), "currency": "GBP",
            "total_minor": total, "created_at": "2026-01-01T00:00:00+00:00"})
        invoices[invoice_id] = {"issued": issued, "total": total, "payments": [], "void": False}
    # payments as add_payment writes them: `settles` on the one that clears the invoice in entry order,
    # however its date compares with the others'
    planned = []
    for invoice_id, inv in invoices.items():
        left, parts = inv["total"], rnd.choice([1, 2, 3, 3])
        for part in range(parts):
            if left <= 0 or rnd.random() < 0.15:
                break
            amount = left if part == parts - 1 else rnd.randrange(1, left + 1)
            left -= amount
            planned.append((invoice_id, amount))
    rnd.shuffle(planned)
    today = date(2026, 11, 27)
    for invoice_id, amount in planned:
        inv = invoices[invoice_id]
        paid_before = sum(a for _, a in inv["payments"])
        day = inv["issued"] + timedelta(days=rnd.randrange(-early, (today - inv["issued"]).days + 1))
        db.insert("payments", {"invoice_id": invoice_id, "invoice_issued_on": inv["issued"].isoformat(),
                               "paid_on": day.isoformat(), "amount_minor": amount,
                               "settles": int(paid_before + amount == inv["total"]),
                               "created_at": "2026-01-01T00:00:00+00:00"})
        inv["payments"].append((day, amount))
    for invoice_id in rnd.sample(sorted(invoices), 8):
        db.insert("invoice_voids", {"invoice_id": invoice_id, "voided_on": today.isoformat(), "reason": "test",
                                    "created_at": "2026-01-01T00:00:00+00:00"})
        invoices[invoice_id]["void"] = True
    assert any(p["settles"] == 1 and p["paid_on"] < q["paid_on"] for p in db.query("SELECT * FROM payments")
               for q in db.query("SELECT * FROM payments WHERE invoice_id = ?", (p["invoice_id"],)))
    assert not early or db.scalar("SELECT count(*) FROM payments WHERE paid_on < invoice_issued_on") > 5

    def expected(as_at: date) -> dict:
        aged = {name: {"invoices": 0, "amount_minor": 0} for name, _, _ in AGE_BUCKETS}
        for inv in invoices.values():
            unpaid = inv["total"] - sum(a for day, a in inv["payments"] if day <= as_at)
            if inv["void"] or inv["issued"] > as_at or unpaid <= 0:
                continue
            age = (as_at - inv["issued"]).days
            name = next(n for n, low, high in AGE_BUCKETS if low <= age and (high is None or age <= high))
            aged[name]["invoices"] += 1
            aged[name]["amount_minor"] += unpaid
        return aged

    days = [date(2026, 1, 1) + timedelta(days=rnd.randrange(331)) for _ in range(40)] + [today]
    for as_at in days:
        report = income(db, date(2025, 4, 6), as_at)
        assert report["aged"] == expected(as_at), as_at
        assert report["outstanding_minor"] == sum(b["amount_minor"] for b in expected(as_at).values())


# -- CSV: money as plain numbers, flags as yes/no; JSON unchanged -----------------------------------

def test_invoice_list_csv_has_plain_numbers_and_yes_no(cli, jcli):
    _billed(cli, jcli)
    jcli("payment", "add", "1", "30")
    text = cli("invoice", "list", "--csv").stdout
    assert "£" not in text and "False" not in text and "True" not in text
    rows = _csv(text)
    assert list(rows[0]) == ["id", "number", "client_id", "payer", "issued_on", "due_on", "total", "paid", "due",
                             "currency", "status", "overdue"]
    assert (rows[0]["total"], rows[0]["paid"], rows[0]["due"], rows[0]["currency"], rows[0]["overdue"]) == \
        ("80.00", "30.00", "50.00", "GBP", "no")
    overdue = _csv(cli("--today", "2027-01-15", "invoice", "list", "--csv").stdout)
    assert overdue[0]["overdue"] == "yes"
    listed = jcli("invoice", "list")[0]                          # JSON: minor units, as before
    assert (listed["total_minor"], listed["paid_minor"], listed["due_minor"], listed["overdue"]) == \
        (8000, 3000, 5000, False) and "total" not in listed


def test_invoice_show_and_create_csv_have_plain_numbers(cli, jcli):
    assert cli("config", "set", "fees.default", "1200.5").exit_code == 0
    jcli("client", "add", "Ann Lee")
    jcli("session", "add", "ann", "--at", "2026-10-05 10:00")
    created = cli("invoice", "create", "ann", "--month", "2026-10", "--csv").stdout
    shown = cli("invoice", "show", "1", "--csv").stdout
    for text in (created, shown):
        assert "£" not in text
        assert _csv(text) == [{"date": "2026-10-05", "session": "1", "description": "Session", "amount": "1200.50",
                               "currency": "GBP"}]
    assert jcli("invoice", "show", "1")["lines"][0]["amount_minor"] == 120050
    table = cli("invoice", "show", "1").stdout
    assert "£1,200.50" in table                                   # tables keep the symbol


def test_invoice_create_all_csv_has_plain_numbers(cli, jcli):
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    for name, hour in (("Ann Lee", 10), ("Bo Ng", 12)):
        jcli("client", "add", name)
        jcli("session", "add", name.split()[0], "--at", f"2026-10-05 {hour}:00")
    rows = _csv(cli("invoice", "create", "--all", "--month", "2026-10", "--csv").stdout)
    assert [(r["total"], r["currency"]) for r in rows] == [("80.00", "GBP"), ("80.00", "GBP")]


def test_payment_add_csv_has_plain_numbers(cli, jcli):
    _billed(cli, jcli)
    rows = _csv(cli("payment", "add", "1", "20", "--csv").stdout)
    assert (rows[0]["amount"], rows[0]["due"], rows[0]["currency"]) == ("20.00", "60.00", "GBP")
    assert "£" not in "".join(rows[0].values())
    record = jcli("payment", "add", "1", "20", "--on", "2026-11-26")  # JSON as before
    assert (record["amount_minor"], record["due_minor"], record["amount"]) == (2000, 4000, "£20.00")
    assert "£20.00" in cli("payment", "add", "1", "20", "--on", "2026-11-25").stdout   # a table keeps the symbol


def test_csv_writes_booleans_as_yes_no():
    from therapy_cli.render import csv_cell

    assert (csv_cell(True), csv_cell(False), csv_cell(0), csv_cell(1)) == ("yes", "no", 0, 1)


def test_a_refused_payment_changes_nothing(cli, jcli, db_path):
    _billed(cli, jcli)
    before = snapshot(db_path)
    assert cli("payment", "add", "1", "€20").exit_code == 2
    assert snapshot(db_path) == before


def test_a_long_amount_is_shown_cut_at_forty_characters_and_the_hint_keeps_two_places(cli):
    """What an error shows of what was typed: up to 40 characters as typed, a longer one cut with '...'; a
    decimal comma's hint writes the pence with two digits (80,5 → 80.50)."""
    forty = "8" * 38 + ",5"
    result = cli("client", "add", "Ann", "--fee", forty)
    assert result.exit_code == 2 and repr(forty) in result.stderr
    longer = "8" * 39 + ",5"
    result = cli("client", "add", "Ann", "--fee", longer)
    assert result.exit_code == 2 and repr(longer[:40] + "...") in result.stderr
    result = cli("client", "add", "Ann", "--fee", "80,5")
    assert result.exit_code == 2 and result.stderr.strip().endswith("e.g. 80.50")


@pytest.mark.parametrize(("code", "why"), [
    ("JPY", "JPY has no minor unit"), ("isk", "ISK has no minor unit"),
    ("KWD", "KWD has 3 decimal places"), ("tnd", "TND has 3 decimal places"),
    ("CLF", "CLF has 4 decimal places"), ("UYW", "UYW has 4 decimal places")])
def test_a_currency_not_kept_in_hundredths_is_refused_saying_its_minor_unit(code, why):
    with pytest.raises(InvalidValue, match=f"cannot be {code.upper()}: amounts are kept in hundredths and {why}$"):
        check_currency(code)


def test_a_currency_kept_in_hundredths_is_taken_upper_cased_and_a_made_up_one_is_a_wrong_form():
    assert [check_currency(c) for c in ("gbp", "EUR", "Usd", "CHF")] == ["GBP", "EUR", "USD", "CHF"]
    with pytest.raises(WrongForm, match="must be an ISO 4217 currency code such as GBP, EUR or USD, not 'XYZ'"):
        check_currency("XYZ")


def _three_unbilled(jcli):
    jcli("config", "set", "fees.default", "60")
    jcli("client", "add", "Ian Morgan", "--referred-on", "2026-10-01")
    for day in ("2026-11-12", "2026-11-19", "2026-11-26"):
        jcli("session", "add", "ian", "--at", f"{day} 18:00")


def test_discharge_and_erasure_name_the_sessions_never_invoiced(cli, jcli, db_path):
    """£180 of attended sessions went with an erasure unseen: an erased client cannot be invoiced."""
    _three_unbilled(jcli)
    gone = cli("client", "discharge", "ian", "--on", "2026-11-26")
    assert gone.exit_code == 0
    assert gone.stderr == ("Warning: 3 chargeable sessions of client #1 (£180.00) are not invoiced (therapy invoice "
                           "create 1 --from 2026-11-12 --to 2026-11-26)\n")
    asked = assert_refused(cli, db_path, "client", "erase", "ian", "--force", "--reason", "request")
    assert "(3 chargeable sessions of client #1 (£180.00) are not invoiced" in asked.stderr
    assert "an erased client cannot be invoiced) This cannot be undone" in asked.stderr
    erased = cli("client", "erase", "ian", "--yes", "--force", "--reason", "request")
    assert erased.exit_code == 0
    assert ("Warning: 3 chargeable sessions of client #1 (£180.00) are not invoiced and can no longer be: the client "
            "is erased") in erased.stderr.splitlines()


def test_an_erased_clients_invoice_is_not_voided_and_its_payment_stays_income(cli, jcli, db_path):
    _three_unbilled(jcli)
    jcli("invoice", "create", "ian", "--month", "2026-11")
    jcli("payment", "add", "INV-2026-0001", "120", "--on", "2026-11-27", "--method", "  card  ")
    assert jcli("invoice", "show", "INV-2026-0001")["payments"][0]["method"] == "card"
    jcli("client", "discharge", "ian", "--on", "2026-11-26")
    jcli("client", "erase", "ian", "--yes", "--force", "--reason", "request")
    assert_refused(cli, db_path, "invoice", "void", "INV-2026-0001", "--reason", "wrong fee",
                   match="whose records were erased: no invoice can replace it")
    assert jcli("report", "income", "--tax-year", "2026/27")["received_minor"] == 12000


def test_payment_add_shows_the_method_as_kept(jcli):
    _three_unbilled(jcli)
    jcli("invoice", "create", "ian", "--month", "2026-11")
    assert jcli("payment", "add", "INV-2026-0001", "60", "--method", "  card  ")["method"] == "card"


def test_a_fee_changed_with_sessions_unbilled_says_what_an_invoice_would_now_charge(cli, jcli):
    """A rise typed before last month's invoice billed those sessions at the new fee without a word."""
    _three_unbilled(jcli)                               # £60 each from fees.default
    risen = cli("client", "edit", "ian", "--fee", "70")
    assert risen.exit_code == 0
    assert ("Warning: 3 past chargeable sessions of client #1 (£180.00 at the fee agreed then) are not invoiced yet "
            "and would be billed at the new fee (£70.00): fees are not kept by date; to bill them at the fee agreed "
            "then, set it back, invoice them (therapy invoice create 1 --from 2026-11-12 --to 2026-11-26), then "
            "set the new fee") in risen.stderr.splitlines()
    assert cli("client", "edit", "ian", "--fee", "70").stderr == ""           # unchanged: nothing to say
    free = cli("client", "edit", "ian", "--fee", "0").stderr
    assert "(£210.00 at the fee agreed then) are not invoiced yet and can no longer be while the client is not " \
           "charged" in free
    charged = cli("client", "edit", "ian", "--fee", "").stderr               # back to fees.default
    assert "client #1 was not charged until now: 3 past chargeable sessions can now be invoiced at £60.00" in charged
    jcli("invoice", "create", "ian", "--month", "2026-11")
    assert cli("client", "edit", "ian", "--fee", "90").stderr == ""          # all billed: nothing left to reprice
