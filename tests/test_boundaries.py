"""Boundaries a clinician relies on, pinned one by one (mutation testing found each unpinned).

Each test sits exactly on a rule's edge and one step either side of it, so that turning `>=` into `>`,
a constant into its neighbour, or `-` into `+` fails a test. Today (conftest) is Friday 2026-11-27.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

TODAY = date(2026, 11, 27)


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


# -- outcomes: who finished, and which scores count ---------------------------------------------

def _discharged_client(cli, name: str, treatment_sessions: int, scores: tuple[int, int], last_on_discharge=True):
    cli("client", "add", name, "--referred-on", day(-120))
    for week in range(treatment_sessions):
        assert cli("session", "add", name, "--at", f"{day(-100 + 7 * week)} 10:00", "--type", "treatment",
                   "--allow-overlap").exit_code == 0
    discharge = day(-100 + 7 * treatment_sessions)
    cli("measure", "add", name, "phq9", "--score", str(scores[0]), "--on", day(-100))
    cli("measure", "add", name, "phq9", "--score", str(scores[1]),
        "--on", discharge if last_on_discharge else day(-100 + 7 * treatment_sessions + 1))
    assert cli("client", "discharge", name, "--on", discharge).exit_code == 0, name


def test_finished_means_two_or_more_attended_treatment_sessions(cli, jcli):
    _discharged_client(cli, "One Session", 1, (18, 5))
    _discharged_client(cli, "Two Sessions", 2, (18, 5))
    report = jcli("report", "outcomes", "--from", day(-200), "--to", day(0))
    assert report["discharged"] == 2
    assert report["finished"] == 1              # exactly two counts; one does not
    assert report["recovered"] == 1 and report["at_caseness"] == 1


def test_a_score_taken_on_the_discharge_day_counts_and_a_later_one_does_not(cli, jcli):
    _discharged_client(cli, "On The Day", 3, (18, 5), last_on_discharge=True)
    report = jcli("report", "outcomes", "--from", day(-200), "--to", day(0))
    assert report["recovered"] == 1 and report["reliable_recovery_rate"] == 1.0
    _discharged_client(cli, "Day After", 3, (18, 5), last_on_discharge=False)
    report = jcli("report", "outcomes", "--from", day(-200), "--to", day(0))
    assert report["finished"] == 2 and report["recovered"] == 1   # the score after discharge is not the last


# -- an empty period ------------------------------------------------------------------------------

def test_an_empty_week_reports_zeros_not_rates_of_one(cli, jcli):
    cli("config", "set", "targets.week.sessions_attended", "1")
    report = jcli("report", "week", "--week", "2026-W40")
    assert report["sessions"] == {**{k: 0 for k in report["sessions"]}}
    assert report["dna_rate"] == 0 and report["clinical_hours"] == 0 and report["clients_seen"] == 0
    assert report["cases_seen"] == 0 and report["supervision_hours"] == 0 and report["cpd_hours"] == 0
    assert [(t["name"], t["actual"], t["met"]) for t in report["targets"]] == [("sessions_attended", 0, False)]


def test_dna_rate_is_dna_over_attended_plus_dna(cli, jcli):
    cli("client", "add", "Rate Client")
    for offset, status in ((-6, "attended"), (-5, "attended"), (-4, "attended"), (-3, "dna")):
        cli("session", "add", "Rate", "--at", f"{day(offset)} 09:00", "--status", status)
    cli("session", "add", "Rate", "--at", f"{day(-2)} 09:00", "--status", "cancelled")
    report = jcli("report", "period", "--from", day(-6), "--to", day(0))
    assert report["dna_rate"] == 0.25 and report["sessions"]["cancelled"] == 1


# -- questionnaires entered item by item ----------------------------------------------------------

@pytest.mark.parametrize("items, total", [("0,0,0,0,0,0,0", 0), ("3,3,3,3,3,3,3", 21), ("0,1,2,3,0,1,2", 9)])
def test_gad7_items_at_both_ends_of_their_range(cli, jcli, items, total):
    cli("client", "add", "Gad Client")
    record = jcli("measure", "add", "Gad", "gad7", "--items", items)
    assert record["score"] == total
    assert record["caseness"] is (total >= 8)


@pytest.mark.parametrize("items", ["4,0,0,0,0,0,0", "-1,0,0,0,0,0,0", "0,0,0,0,0,0", "0,0,0,0,0,0,0,0"])
def test_gad7_items_out_of_range_or_count_are_refused(cli, items):
    cli("client", "add", "Gad Client")
    result = cli("measure", "add", "Gad", "gad7", "--items", items)
    assert result.exit_code in (1, 2) and result.stderr.startswith("Error")


@pytest.mark.parametrize("items, total, band", [
    ("9,9,9,9", 36, "good alliance"), ("9,9,9,8.9", 35.9, "alliance concern"),
    ("10,10,10,10", 40, "good alliance"), ("0,0,0,0", 0, "alliance concern")])
def test_srs_entered_item_by_item_and_the_36_concern_line(cli, jcli, items, total, band):
    cli("client", "add", "Srs Client")
    record = jcli("measure", "add", "Srs", "srs", "--items", items)
    assert record["score"] == pytest.approx(total)
    assert record["severity"] == band


def test_srs_items_beyond_ten_are_refused(cli):
    cli("client", "add", "Srs Client")
    assert cli("measure", "add", "Srs", "srs", "--items", "10.1,9,9,9").exit_code in (1, 2)


# -- change in words -----------------------------------------------------------------------------

def test_a_phq9_fall_is_better_and_a_rise_is_worse(cli):
    cli("client", "add", "Words Client")
    cli("measure", "add", "Words", "phq9", "--score", "15", "--on", day(-30))
    cli("measure", "add", "Words", "phq9", "--score", "9", "--on", day(-1))
    text = cli("measure", "progress", "Words").stdout
    assert "fell 6 points (better)" in text and "(worse)" not in text
    cli("client", "add", "Rise Client")
    cli("measure", "add", "Rise", "phq9", "--score", "9", "--on", day(-30))
    cli("measure", "add", "Rise", "phq9", "--score", "10", "--on", day(-1))
    text = cli("measure", "progress", "Rise").stdout
    assert "rose 1 point (worse)" in text and "not a reliable change (needs 6)" in text


# -- supervision and CPD arithmetic -----------------------------------------------------------------

def test_supervision_remaining_hours_is_required_minus_received(cli, jcli):
    cli("supervise", "log", "--on", day(-2), "--duration", "30")
    month = jcli("supervise", "status")["month"]
    assert month["required_hours"] == 1.5 and month["received_hours"] == 0.5
    assert month["remaining_hours"] == 1.0 and month["met"] is False
    cli("supervise", "log", "--on", day(-1), "--duration", "60")
    month = jcli("supervise", "status")["month"]
    assert month["remaining_hours"] == 0 and month["met"] is True


def test_cpd_pace_is_the_target_share_of_the_days_gone_today_included(cli, jcli):
    status = jcli("cpd", "status")
    elapsed = (TODAY - date(2026, 1, 1)).days + 1          # 331 of 365
    assert status["pace_hours"] == round(20 * elapsed / 365, 2)
    assert status["remaining_hours"] == 20 and status["met"] is False
    cli("cpd", "add", "Reading", "--hours", "20", "--on", day(-1))
    status = jcli("cpd", "status")
    assert status["met"] is True and status["remaining_hours"] == 0 and status["on_pace"] is True


# -- reminder boundaries -------------------------------------------------------------------------

def _kinds(jcli, *args):
    return [(item["kind"], item["client_id"]) for item in jcli("remind", "--within", "0d", *args)]


def test_waiting_long_starts_after_six_weeks(cli, jcli):
    cli("client", "add", "Forty Two", "--referred-on", day(-42))
    cli("client", "add", "Forty Three", "--referred-on", day(-43))
    waiting = [cid for kind, cid in _kinds(jcli, "--kind", "waiting_long")]
    assert waiting == [2]


def test_no_recent_session_starts_after_four_weeks(cli, jcli):
    cli("client", "add", "Seen Twenty Eight")
    cli("client", "add", "Seen Twenty Nine")
    cli("session", "add", "Twenty Eight", "--at", f"{day(-28)} 10:00")
    cli("session", "add", "Twenty Nine", "--at", f"{day(-29)} 11:00")
    quiet = [cid for kind, cid in _kinds(jcli, "--kind", "no_recent_session")]
    assert quiet == [2]
