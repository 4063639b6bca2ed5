"""A month's billing as a private practitioner does it: past sessions never marked, cash taken at the
session before the invoice is issued, the messages when nothing is chargeable, and a client who leaves
owing money."""

from datetime import date

import pytest

from conftest import assert_refused


def _warnings(result) -> list[str]:
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("Warning: ") for line in lines), result.stderr
    return lines


@pytest.fixture
def dee(cli, jcli):
    """Dee at £70: four weekly October sessions booked on 1 October; only the first marked attended."""
    assert cli("config", "set", "fees.default", "70").exit_code == 0
    jcli("--today", "2026-09-01", "client", "add", "Dee Dunn", "--referred-on", "2026-09-01")
    booked = jcli("--today", "2026-10-01", "session", "schedule", "dee", "--start", "2026-10-05 10:00",
                  "--every", "week", "--count", "4")
    assert [s["status"] for s in booked] == ["scheduled"] * 4
    jcli("--today", "2026-11-01", "session", "attend", "1")
    return [s["id"] for s in booked]


# -- 1. past sessions whose attendance was never recorded ---------------------------------------------

def test_an_invoice_names_the_past_sessions_left_off_it_for_want_of_attendance(cli, jcli, dee):
    result = cli("--today", "2026-11-01", "invoice", "create", "dee", "--month", "2026-10", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["total_minor"] == 7000                     # billed what is recorded, as before
    [warning] = _warnings(result)
    assert ("3 sessions of client #1 from 2026-10-01 to 2026-10-31 have no attendance recorded "
            "(#2 on 2026-10-12, #3 on 2026-10-19, #4 on 2026-10-26); they are not on INV-2026-0001") in warning
    assert "session attend ID" in warning and "session dna ID" in warning and "Dee" not in warning
    # the remedy it names works: mark them, invoice the span again, and the rest goes on a further invoice
    jcli("--today", "2026-11-01", "session", "attend", "2")
    jcli("--today", "2026-11-01", "session", "dna", "3")
    assert cli("--today", "2026-11-01", "session", "cancel", "4").exit_code == 0      # not late: not charged
    again = cli("--today", "2026-11-01", "invoice", "create", "dee", "--month", "2026-10", "--json")
    assert again.exit_code == 0 and again.stderr == ""
    assert [line["session_id"] for line in again.json()["lines"]] == [2, 3]


def test_sessions_still_ahead_in_the_span_are_not_called_unmarked(cli, jcli, dee):
    """Billing the month so far: a session later in it has not happened yet, so nothing is said of it."""
    result = cli("--today", "2026-10-13", "invoice", "create", "dee", "--from", "2026-10-01", "--to",
                 "2026-10-31", "--on", "2026-10-13")
    assert result.exit_code == 0, result.stderr
    [warning] = _warnings(result)
    assert "1 session of client #1" in warning and "has no attendance recorded (#2 on 2026-10-12)" in warning
    assert "#3" not in warning and "it is not on INV-2026-0001" in warning


def test_a_late_cancellation_of_a_session_still_ahead_waits_and_does_not_block_the_month(cli, jcli, db_path, dee):
    """Dee cancels tomorrow's session late: invoicing the month today (no --on) was refused with 'issue date
    ... is before the last session it bills', and --all refused every client's invoice with it."""
    jcli("--today", "2026-10-25", "session", "attend", "2")
    jcli("--today", "2026-10-25", "session", "cancel", "4", "--late")          # the session of 26 October
    result = cli("--today", "2026-10-25", "invoice", "create", "dee", "--from", "2026-10-01", "--to", "2026-10-25")
    assert result.exit_code == 0, result.stderr   # the span before it: as before
    jcli("invoice", "void", "1", "--reason", "one invoice for the month")
    for args in (("dee",), ("--all",)):
        result = cli("--today", "2026-10-25", "invoice", "create", *args, "--month", "2026-10", "--json")
        assert result.exit_code == 0, result.stderr
        issued = result.json() if args == ("dee",) else result.json()[0]
        assert [ln["session_id"] for ln in issued["lines"]] == [1, 2] and issued["issued_on"] == "2026-10-25"
        assert ("1 late cancellation in the span is of a session still ahead (#4 on 2026-10-26), billed once its "
                f"day has come: run invoice create for the span again then; it is not on {issued['number']}"
                in result.stderr)
        jcli("invoice", "void", issued["number"], "--reason", "again")
    # only the one ahead: refused, saying why
    assert_refused(cli, db_path, "--today", "2026-10-25", "invoice", "create", "dee", "--from", "2026-10-20",
                   "--to", "2026-10-31", match="1 late cancellation in the span is of a session still ahead")
    # its day come, it is billed
    later = jcli("--today", "2026-10-26", "invoice", "create", "dee", "--from", "2026-10-20", "--to", "2026-10-31")
    assert [ln["session_id"] for ln in later["lines"]] == [4]


def test_nothing_chargeable_because_nothing_is_marked_says_so(cli, jcli, db_path, dee):
    # only the unmarked ones in the span: the refusal names them, not "no chargeable session"
    result = assert_refused(cli, db_path, "--today", "2026-11-01", "invoice", "create", "dee", "--from",
                            "2026-10-10", "--to", "2026-10-31",
                            match="3 sessions in the span have no attendance recorded (#2 on 2026-10-12, "
                                  "#3 on 2026-10-19, #4 on 2026-10-26)")
    assert "session attend ID" in result.stderr and "no chargeable session" not in result.stderr
    assert_refused(cli, db_path, "--today", "2026-11-01", "invoice", "create", "--all", "--from",
                   "2026-10-10", "--to", "2026-10-31", match="3 sessions of client #1 from 2026-10-10")


def test_invoice_create_all_warns_per_client(cli, jcli, dee):
    jcli("--today", "2026-10-01", "client", "add", "Eve Ash")
    jcli("--today", "2026-10-01", "session", "add", "eve", "--at", "2026-10-06 12:00", "--status", "scheduled")
    jcli("--today", "2026-10-01", "client", "add", "Nia Nhs", "--fee", "0")          # not charged: not named
    jcli("--today", "2026-10-01", "session", "add", "nia", "--at", "2026-10-07 12:00", "--status", "scheduled")
    result = cli("--today", "2026-11-01", "invoice", "create", "--all", "--month", "2026-10", "--json")
    assert result.exit_code == 0, result.stderr
    assert [i["client_id"] for i in result.json()] == [1]
    first, second = _warnings(result)
    assert "3 sessions of client #1" in first and "not on INV-2026-0001" in first
    assert "1 session of client #2 from 2026-10-01 to 2026-10-31 has no attendance recorded (#5 on 2026-10-06)" \
        in second and "nothing was invoiced for them" in second
    assert "client #3" not in result.stderr and "Eve" not in result.stderr


# -- 3. messages that say why nothing is chargeable ---------------------------------------------------

def test_a_default_fee_of_zero_is_named_as_zero(cli, jcli, db_path):
    assert cli("config", "set", "fees.default", "0").exit_code == 0
    jcli("client", "add", "Gus Gray")
    jcli("session", "add", "gus", "--at", "2026-11-05 10:00")
    result = assert_refused(cli, db_path, "invoice", "create", "gus", "--month", "2026-11",
                            match="fees.default is £0.00, so nothing is chargeable")
    assert "no fee is set" not in result.stderr
    assert_refused(cli, db_path, "invoice", "create", "--all", "--month", "2026-11", match="fees.default is £0.00")


@pytest.mark.parametrize("setting, status, what", [("fees.dna", "dna", "2 DNAs in the span are not charged: "
                                                    "fees.dna is none"),
                                                   ("fees.late_cancel", "late", "2 late cancellations by the "
                                                    "client in the span are not charged: fees.late_cancel is none")])
def test_a_policy_of_none_is_named(cli, jcli, db_path, setting, status, what):
    assert cli("config", "set", "fees.default", "50").exit_code == 0
    assert cli("config", "set", setting, "none").exit_code == 0
    jcli("client", "add", "Hal Hope")
    for day in ("05", "12"):
        sid = jcli("session", "add", "hal", "--at", f"2026-11-{day} 10:00", "--status",
                   "dna" if status == "dna" else "scheduled")["id"]
        if status == "late":
            assert cli("session", "cancel", sid, "--late").exit_code == 0
    result = assert_refused(cli, db_path, "invoice", "create", "hal", "--month", "2026-11", match=what)
    assert "no chargeable session" not in result.stderr
    assert f"config set {setting} full|half" in result.stderr


def test_income_from_a_future_day_without_to_names_what_was_typed(cli, db_path):
    result = assert_refused(cli, db_path, "report", "income", "--from", "2027-01-01",
                            match="--from 2027-01-01 is after today (2026-11-27)")
    assert "--to 2026" not in result.stderr
    assert cli("report", "income", "--from", "2027-01-01", "--to", "2027-02-01").exit_code == 0
    assert_refused(cli, db_path, "report", "income", "--from", "2027-01-01", "--to", "2026-12-01",
                   match="--to 2026-12-01 is before --from 2027-01-01")


# -- 2. a payment taken at the session, before the invoice is issued ------------------------------------

@pytest.fixture
def fay(cli, jcli):
    """Fay at £80: sessions on 25 March and 8 April 2027, one invoice for both issued on 30 April."""
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    jcli("--today", "2027-01-01", "client", "add", "Fay Fox", "--referred-on", "2027-01-01")
    jcli("--today", "2027-04-01", "session", "add", "fay", "--at", "2027-03-25 10:00")
    jcli("--today", "2027-04-30", "session", "add", "fay", "--at", "2027-04-08 10:00")
    invoice = jcli("--today", "2027-04-30", "invoice", "create", "fay", "--from", "2027-03-01", "--to", "2027-04-30")
    assert (invoice["issued_on"], invoice["due_on"], invoice["total_minor"]) == ("2027-04-30", "2027-05-30", 16000)
    return invoice


def test_cash_at_the_session_is_received_in_its_own_tax_year(cli, jcli, db_path, fay):
    paid = jcli("--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-03-25", "--method", "cash")
    assert (paid["paid_on"], paid["due_minor"], paid["status"]) == ("2027-03-25", 8000, "part-paid")
    old = jcli("--today", "2027-06-01", "report", "income", "--tax-year", "2026/27")
    new = jcli("--today", "2027-06-01", "report", "income", "--tax-year", "2027/28")
    # cash basis: received on 25 March 2027 (tax year 2026/27), invoiced on 30 April (2027/28)
    assert (old["invoiced_minor"], old["received_minor"], old["outstanding_minor"]) == (0, 8000, 0)
    assert {m["month"]: m["received_minor"] for m in old["by_month"]}["2027-03"] == 8000
    assert (new["invoiced_minor"], new["received_minor"], new["outstanding_minor"]) == (16000, 0, 8000)
    # the 5/6 April boundary: money taken on 5 April is 2026/27's, on 6 April 2027/28's
    jcli("--today", "2027-04-01", "client", "add", "Ian Ives")
    jcli("--today", "2027-04-07", "session", "add", "ian", "--at", "2027-04-05 09:00")
    jcli("--today", "2027-04-07", "session", "add", "ian", "--at", "2027-04-06 09:00")
    jcli("--today", "2027-04-30", "invoice", "create", "ian", "--month", "2027-04")
    jcli("--today", "2027-04-30", "payment", "add", "2", "30", "--on", "2027-04-05")
    jcli("--today", "2027-04-30", "payment", "add", "2", "50", "--on", "2027-04-06")
    old = jcli("--today", "2027-06-01", "report", "income", "--tax-year", "2026/27")
    new = jcli("--today", "2027-06-01", "report", "income", "--tax-year", "2027/28")
    assert old["received_minor"] == 8000 + 3000 and new["received_minor"] == 5000
    assert new["invoiced_minor"] == 16000 + 16000


def test_a_payment_before_the_first_session_billed_or_in_the_future_is_refused(cli, db_path, fay):
    assert_refused(cli, db_path, "--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-03-24",
                   match="payment date 2027-03-24 is before the first session INV-2027-0001 bills (2027-03-25)")
    assert_refused(cli, db_path, "--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-05-01",
                   match="in the future")
    assert cli("--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-03-25").exit_code == 0


def test_aged_debt_and_overdue_count_a_payment_from_before_the_issue(cli, jcli, db, fay):
    from therapy_cli.practice.invoices import overdue

    jcli("--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-03-25", "--method", "cash")
    for day in (date(2027, 5, 31), date(2027, 6, 1)):                # the fast path and the replaying one agree
        assert [(r["number"], r["due_minor"]) for r in overdue(db, day)] == [("INV-2027-0001", 8000)]
        assert overdue(db, day) == overdue(db, day, exact=True)

    def income_at(day):
        report = jcli("--today", "2027-09-01", "report", "income", "--from", "2027-01-01", "--to", day)
        return report["outstanding_minor"], {k: v for k, v in report["aged"].items() if v["invoices"]}

    assert income_at("2027-04-29") == (0, {})                            # not yet issued: owed nothing
    assert income_at("2027-04-30") == (8000, {"0_30": {"invoices": 1, "amount_minor": 8000}})
    assert income_at("2027-07-01") == (8000, {"61_90": {"invoices": 1, "amount_minor": 8000}})
    overdue = jcli("--today", "2027-06-01", "remind", "--kind", "invoice_overdue")
    assert [i["message"] for i in overdue] == ["INV-2027-0001 for #1 F.F.: £80.00 unpaid, due 2027-05-30 "
                                               "(2 days overdue)"]
    assert jcli("--today", "2027-06-01", "invoice", "list")[0]["due_minor"] == 8000
    jcli("--today", "2027-06-10", "payment", "add", "1", "80", "--on", "2027-06-10")   # settles it
    assert income_at("2027-06-09") == (8000, {"31_60": {"invoices": 1, "amount_minor": 8000}})
    assert income_at("2027-06-10") == (0, {})
    # replaying a morning before the settling payment: still overdue then, by £80 (not £160)
    replay = jcli("--today", "2027-06-05", "remind", "--kind", "invoice_overdue")
    assert [i["message"] for i in replay] == ["INV-2027-0001 for #1 F.F.: £80.00 unpaid, due 2027-05-30 "
                                              "(6 days overdue)"]
    assert jcli("--today", "2027-06-11", "remind", "--kind", "invoice_overdue") == []


def test_an_invoice_paid_in_full_at_the_sessions_is_never_owed(cli, jcli, db):
    """Paid in cash at each session, invoiced at the month's end as a receipt: nothing is ever outstanding
    or overdue, on any day; the fast and the replaying paths of overdue agree."""
    from therapy_cli.practice.invoices import overdue

    assert cli("config", "set", "fees.default", "60").exit_code == 0
    jcli("--today", "2026-10-01", "client", "add", "Kit Kay")
    for day in ("05", "12"):
        jcli("--today", "2026-10-20", "session", "add", "kit", "--at", f"2026-10-{day} 10:00")
    jcli("--today", "2026-10-31", "invoice", "create", "kit", "--month", "2026-10")
    jcli("--today", "2026-10-31", "payment", "add", "1", "60", "--on", "2026-10-05", "--method", "cash")
    assert jcli("--today", "2026-10-31", "payment", "add", "1", "60", "--on", "2026-10-12")["status"] == "paid"
    for day in ("2026-10-12", "2026-10-31", "2026-11-15", "2026-12-31"):
        report = jcli("report", "income", "--from", "2026-10-01", "--to", day)
        assert report["outstanding_minor"] == 0 and report["received_minor"] == 12000, day
        assert jcli("--today", day, "remind", "--kind", "invoice_overdue") == []
    for day in (date(2026, 11, 15), date(2026, 12, 31)):
        assert overdue(db, day) == overdue(db, day, exact=True) == []
    assert db.scalar("SELECT count(*) FROM open_invoices") == 0


def test_a_payment_from_before_the_issue_survives_export_and_import(cli, jcli, tmp_path, fay):
    jcli("--today", "2027-04-30", "payment", "add", "1", "80", "--on", "2027-03-25", "--method", "cash")
    export, moved = tmp_path / "export", tmp_path / "moved.db"
    assert cli("--today", "2027-06-01", "export", "all", "--output", export).exit_code == 0
    result = cli("--today", "2027-06-01", "--db", moved, "import", "all", export)
    assert result.exit_code == 0, result.stderr
    for args in (("invoice", "list"), ("invoice", "show", "1"), ("report", "income", "--tax-year", "2026/27"),
                 ("report", "income", "--from", "2027-03-01", "--to", "2027-06-01"),
                 ("remind", "--kind", "invoice_overdue"), ("client", "show", "fay")):
        assert cli("--today", "2027-06-01", "--db", moved, *args, "--json").stdout == \
            cli("--today", "2027-06-01", *args, "--json").stdout, args
    check = cli("--db", moved, "db", "check", "--json")
    assert check.exit_code == 0, check.stdout + check.stderr


# -- 4. leaving owing money; money in client show --------------------------------------------------------

@pytest.fixture
def owing(cli, jcli):
    """Ann at £95: two October invoices, £95 of the first paid; £190 outstanding in all."""
    jcli("client", "add", "Ann Lee", "--fee", "95", "--referred-on", "2026-09-01")
    for day in ("05", "12"):
        jcli("session", "add", "ann", "--at", f"2026-10-{day} 10:00")
    jcli("invoice", "create", "ann", "--from", "2026-10-01", "--to", "2026-10-10", "--on", "2026-10-31")
    jcli("invoice", "create", "ann", "--from", "2026-10-11", "--to", "2026-10-31", "--on", "2026-10-31")
    jcli("session", "add", "ann", "--at", "2026-10-19 10:00")
    jcli("invoice", "create", "ann", "--from", "2026-10-11", "--to", "2026-10-31", "--on", "2026-10-31")
    jcli("payment", "add", "INV-2026-0001", "95")
    jcli("payment", "add", "INV-2026-0002", "50")


def test_discharging_a_client_who_owes_warns_with_the_amount_and_invoices(cli, jcli, owing):
    result = cli("client", "discharge", "ann", "--json")
    assert result.exit_code == 0 and result.json()["status"] == "discharged"
    [warning] = _warnings(result)
    assert warning.startswith("Warning: client #1 still owes £140.00 on invoices INV-2026-0002, INV-2026-0003 "
                              "(therapy invoice list --client 1)")
    assert "Ann" not in warning
    assert "Ann" not in " ".join(row["summary"] or "" for row in jcli("db", "audit"))


def test_discharging_a_client_who_owes_nothing_says_nothing(cli, jcli):
    jcli("client", "add", "Bo Ng", "--fee", "80")
    jcli("session", "add", "bo", "--at", "2026-10-05 10:00")
    jcli("invoice", "create", "bo", "--month", "2026-10")
    jcli("payment", "add", "1", "80")
    assert cli("client", "discharge", "bo").stderr == ""


def test_erasing_a_client_who_owes_warns_and_keeps_the_invoices(cli, jcli, owing):
    jcli("client", "discharge", "ann")
    result = cli("client", "erase", "ann", "--yes", "--force", "--reason", "erasure request")
    assert result.exit_code == 0, result.stderr
    assert "Warning: client #1 still owes £140.00 on invoices INV-2026-0002, INV-2026-0003" in result.stderr
    assert "Ann" not in result.stderr
    assert [i["due_minor"] for i in jcli("invoice", "list", "--client", "1")] == [9500, 4500, 0]


def test_client_show_shows_money_and_what_is_outstanding(cli, jcli, owing):
    shown = jcli("client", "show", "ann")["fees"]
    assert (shown["fee_minor"], shown["invoiced_minor"], shown["outstanding_minor"]) == (9500, 28500, 14000)
    table = cli("client", "show", "ann").stdout
    assert "£95.00" in table and "£285.00" in table and "£140.00" in table
    assert "minor" not in table and "9500" not in table
    csv_text = cli("client", "show", "ann", "--csv").stdout.splitlines()
    # CSV as the invoices' CSV: plain numbers under plain names, the currency in its own column (38000 beside a
    # £ habit read as £38,000)
    assert csv_text[0].endswith("fees.currency,fees.invoices,fees.invoiced,fees.outstanding")
    assert csv_text[1].endswith("GBP,3,285.00,140.00")
    assert cli("client", "add", "Di Dee", "--fee", "80.50", "--csv").stdout.splitlines()[1].endswith("80.50,")
    added = cli("client", "add", "Cy Cole", "--fee", "80.50").stdout
    assert "£80.50" in added and "8050" not in added
    assert jcli("client", "edit", "cy", "--fee", "81")["fee_minor"] == 8100


def test_sessions_billed_again_after_a_void_at_a_changed_fee_are_named(cli, jcli):
    """A fee rise from November, then October's invoice voided and issued again: October's sessions were
    charged at the new fee without a word."""
    jcli("--today", "2026-09-01", "client", "add", "Priya Shah", "--referred-on", "2026-09-01", "--fee", "80")
    for day in ("2026-10-12", "2026-10-19"):
        jcli("--today", "2026-11-02", "session", "add", "priya", "--at", f"{day} 10:00")
    jcli("--today", "2026-11-02", "invoice", "create", "priya", "--month", "2026-10")
    jcli("client", "edit", "priya", "--fee", "85")
    jcli("invoice", "void", "1", "--reason", "payment on the wrong invoice")
    result = cli("invoice", "create", "priya", "--month", "2026-10", "--json")
    assert result.exit_code == 0 and result.json()["total_minor"] == 17000
    assert _warnings(result) == [
        "Warning: sessions #1, #2 were charged at a fee of £80.00 on INV-2026-0001 (void) and are charged at "
        "£85.00 now, the fee today; if the earlier fee was the one agreed for them, void this invoice, set the fee "
        "back for the reissue (therapy client edit 1 --fee AMOUNT, or config set fees.default AMOUNT), invoice the "
        "span again, then set today's fee again"]
    # the remedy it names: at the agreed fee, the reissue says nothing
    jcli("invoice", "void", "2", "--reason", "October was agreed at £80")
    jcli("client", "edit", "priya", "--fee", "80")
    back = cli("invoice", "create", "priya", "--month", "2026-10", "--json")
    assert back.exit_code == 0 and back.json()["total_minor"] == 16000 and back.stderr == ""


def test_dnas_and_late_cancellations_billed_again_under_a_changed_policy_are_named(cli, jcli):
    """fees.dna half -> full and fees.late_cancel full -> none from November, then October's invoice voided
    and issued again: the DNA was charged double and the late cancellation left off without a word."""
    assert cli("config", "set", "fees.default", "80").exit_code == 0
    assert cli("config", "set", "fees.dna", "half").exit_code == 0
    jcli("--today", "2026-09-01", "client", "add", "Priya Shah", "--referred-on", "2026-09-01")
    jcli("--today", "2026-11-02", "session", "add", "priya", "--at", "2026-10-12 10:00")
    jcli("--today", "2026-11-02", "session", "add", "priya", "--at", "2026-10-19 10:00", "--status", "dna")
    jcli("--today", "2026-11-02", "session", "add", "priya", "--at", "2026-10-26 10:00", "--status", "late-cancelled")
    assert jcli("--today", "2026-11-02", "invoice", "create", "priya", "--month", "2026-10")["total_minor"] == 20000
    assert cli("config", "set", "fees.dna", "full").exit_code == 0
    assert cli("config", "set", "fees.late_cancel", "none").exit_code == 0
    jcli("invoice", "void", "1", "--reason", "wrong address")
    result = cli("invoice", "create", "priya", "--month", "2026-10", "--json")
    assert result.exit_code == 0 and result.json()["total_minor"] == 16000
    assert _warnings(result) == [
        "Warning: session #2 (DNA) was charged half (£40.00) on INV-2026-0001 (void) and is charged in full "
        "(£80.00) now: fees.dna is full today; if the earlier charge was the one agreed, void this invoice, set it "
        "back for the reissue (therapy config set fees.dna half), invoice the span again, then set fees.dna again",
        "Warning: session #3 (late cancellation) was charged in full (£80.00) on INV-2026-0001 (void) and is not "
        "charged now, so not on this invoice: fees.late_cancel is none today; if the earlier charge was the one "
        "agreed, void this invoice, set it back for the reissue (therapy config set fees.late_cancel full), "
        "invoice the span again, then set fees.late_cancel again"]
    # the remedy it names: under the policy first billed, the reissue says nothing
    jcli("invoice", "void", "2", "--reason", "October was agreed under the old policy")
    assert cli("config", "set", "fees.dna", "half").exit_code == 0
    assert cli("config", "set", "fees.late_cancel", "full").exit_code == 0
    back = cli("invoice", "create", "priya", "--month", "2026-10", "--json")
    assert back.exit_code == 0 and back.json()["total_minor"] == 20000 and back.stderr == ""
    # a DNA corrected to attended since is billed as what happened, not named
    jcli("invoice", "void", "3", "--reason", "x")
    jcli("session", "attend", "2")
    again = cli("invoice", "create", "priya", "--month", "2026-10", "--json")
    assert again.exit_code == 0 and again.json()["total_minor"] == 24000 and again.stderr == ""
