"""Clinical safety: waits to first treatment, the CORE-10 risk item, no "recovered" before a finished course,
the date of death and retention after it."""

from datetime import date

import pytest

from conftest import assert_refused
from test_reports import add_client, add_session


# -- the CORE-10 risk item ---------------------------------------------------------

def test_core10_item_6_above_zero_raises_the_risk_flag(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    # item 6 ("I made plans to end my life") = 3; items 2 and 3 reverse-scored
    result = cli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,3,2,2,2,2", "--on", "2026-11-20",
                 "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["risk"] == 3
    assert "CORE-10 item 6 (I made plans to end my life) scored 3" in result.stderr
    assert "Alex" not in result.stderr
    flag = jcli("client", "show", "alex")["risk"]
    assert (flag["instrument"], flag["item"], flag["score"], flag["taken_on"]) == ("CORE-10", 6, 3, "2026-11-20")
    # a later CORE-10 with item 6 at 0 clears the questionnaire flag shown on the record
    quiet = cli("measure", "add", "alex", "core10", "--items", "2,2,2,2,2,0,2,2,2,2", "--on", "2026-11-27")
    assert quiet.exit_code == 0 and "item 6" not in quiet.stderr
    assert jcli("client", "show", "alex")["risk"] is None


def test_core10_item_6_at_zero_and_a_total_raise_nothing(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    assert jcli("measure", "add", "alex", "core10", "--items", "3,1,1,3,3,0,3,3,3,3")["risk"] == 0
    assert jcli("measure", "add", "alex", "core10", "--score", "30")["risk"] is None
    assert jcli("client", "show", "alex")["risk"] is None
    assert jcli("measure", "add", "alex", "gad7", "--items", "3,3,3,3,3,3,3")["risk"] is None


def test_the_risk_item_is_data_in_the_instrument_table():
    from therapy_cli.clinical.instruments import get_instrument

    assert get_instrument("PHQ-9").risk_item == 9 and get_instrument("CORE-10").risk_item == 6
    assert get_instrument("GAD-7").risk_item is None


# -- no "recovered" before a finished course ---------------------------------------

def _one_session_recovery(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-11-02 10:00", "--type", "assessment")
    jcli("session", "add", "alex", "--at", "2026-11-09 10:00")
    jcli("measure", "add", "alex", "phq9", "--score", 18, "--on", "2026-11-02")
    jcli("measure", "add", "alex", "phq9", "--score", 5, "--on", "2026-11-09")


def test_one_treatment_session_is_not_yet_a_recovery(cli, jcli):
    _one_session_recovery(jcli)
    progress = jcli("measure", "progress", "alex")
    assert progress["finished_course"] is False
    assert progress["reliable_recovery"] is True          # the rule's arithmetic, for scripts
    out = cli("measure", "progress", "alex").stdout
    assert "recovered" not in out
    assert "so far: below caseness now and reliably improved, not yet a finished course" in out
    # a second treatment session finishes the course: now the words may say it
    jcli("session", "add", "alex", "--at", "2026-11-16 10:00")
    assert jcli("measure", "progress", "alex")["finished_course"] is True
    assert "Overall (NHS Talking Therapies): reliably recovered." in cli("measure", "progress", "alex").stdout


def test_client_report_does_not_call_one_session_a_recovery(cli, jcli, tmp_path):
    _one_session_recovery(jcli)
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    text = out.read_text()
    assert "not yet a finished course" in text and "recovered" not in text
