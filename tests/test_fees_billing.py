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
