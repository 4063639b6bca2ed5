"""Reminder rules on long-standing targets, pinned at their edges (mutation testing of reports/reminders.py).

Supervision is due until the month's credited hours reach the requirement; CPD is not behind at the target's
share of the days gone, today included. Each test holds under SPEC's later refinements too (supervision due
only in a month's last 10 days, CPD behind only by more than a month's share). Today (conftest) is Friday
2026-11-27.
"""

import re
from datetime import date

import pytest

from test_remind import _note, _plan  # the remind tests' own row helpers


def _figure(message: str, pattern: str) -> float:
    """A number in a reminder's words (shown to 1 or 2 places: either will do)."""
    found = re.search(pattern, message)
    assert found, message
    return float(found.group(1))


def _active_client(cli):
    cli("client", "add", "Active Client")
    assert cli("session", "add", "Active", "--at", "2025-12-01 10:00").exit_code == 0   # active all 2026


def _kinds(cli, kind, *before):
    result = cli(*before, "remind", "--kind", kind, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_supervision_is_due_a_minute_short_and_not_when_met_exactly(cli, jcli):
    _active_client(cli)
    cli("config", "set", "supervision.hours_per_month", "1.5")
    jcli("supervise", "log", "--on", "2026-11-03", "--duration", "89")
    (item,) = _kinds(cli, "supervision_due")
    assert item["due"] == "2026-11-30" and item["client_id"] is None
    assert _figure(item["message"], r"\(([0-9.]+) to go by") == pytest.approx(1 / 60, abs=0.006)
    jcli("supervise", "log", "--on", "2026-11-04", "--duration", "5", "--group-size", "5")   # 1/60 h
    assert _kinds(cli, "supervision_due") == []


def test_supervision_is_not_due_without_an_active_client(cli):
    cli("client", "add", "Waiting Client")
    assert _kinds(cli, "supervision_due") == []


def test_cpd_is_not_behind_exactly_at_the_pace_and_is_behind_with_nothing_logged(cli, jcli):
    # on 1 January, a target of 365 hours a year is 1 hour due by the end of today; on 31 December, all of it
    # (SPEC's later rule, "behind by more than a month's share", keeps both answers)
    _active_client(cli)
    cli("config", "set", "cpd.hours_per_year", "365")
    jcli("cpd", "add", "Last year's", "--hours", "50", "--on", "2025-12-31")
    jcli("cpd", "add", "An hour", "--hours", "1", "--on", "2026-01-01")
    assert _kinds(cli, "cpd_behind", "--today", "2026-01-01") == []
    (item,) = _kinds(cli, "cpd_behind", "--today", "2026-12-31")
    assert item["client_id"] is None and item["due"] == "2026-12-31"


def test_the_pace_is_the_targets_share_of_the_days_gone_today_included(cli, jcli):
    # 1 July 2026 is day 182 of 365: with 365 hours a year, 182 are due; nothing logged is behind either way
    _active_client(cli)
    cli("config", "set", "cpd.hours_per_year", "365")
    (item,) = _kinds(cli, "cpd_behind", "--today", "2026-07-01")
    assert _figure(item["message"], r"([0-9.]+) expected by now") == pytest.approx(182, abs=0.01)


def test_coming_sessions_say_today_tomorrow_or_the_day(cli, jcli):
    cli("client", "add", "Soon Client")
    for when in ("2026-11-27 15:00", "2026-11-28 09:00", "2026-11-29 11:00", "2026-12-01 11:00"):
        assert cli("session", "add", "Soon", "--at", when, "--status", "scheduled").exit_code == 0
    items = jcli("remind", "--kind", "session", "--within", "3d")
    assert [(i["due"], i["message"].split(" session with")[0]) for i in items] == [
        ("2026-11-27", "today 15:00"), ("2026-11-28", "tomorrow 09:00"), ("2026-11-29", "Sun 29 Nov 11:00")]


# -- client reminders on the domain: notes, DNAs, plan reviews, measures ---------------------------

def _due(db, kind, within=1):
    from therapy_cli.reports import reminders

    return [(i["client_id"], i["due"]) for i in reminders.reminders(db, within, kinds=[kind], everything=True)]


def test_a_session_attended_today_without_a_note_needs_one(db):
    from test_reports import add_client, add_session

    ann = add_client(db, "Ann Today")
    add_session(db, ann, "2026-11-27 09:00")
    _note(db, add_session(db, ann, "2026-11-26 09:00"))
    assert _due(db, "note_missing") == [(ann, "2026-11-27")]


def test_a_dna_needs_following_up_until_something_is_booked_after_it(db):
    from test_reports import add_client, add_session

    ann = add_client(db, "Ann Missed")                  # missed today, nothing since: listed
    add_session(db, ann, "2026-11-20 09:00", status="dna")
    add_session(db, ann, "2026-11-27 09:00", status="dna")
    ben = add_client(db, "Ben Rebooked")                # missed, then came: not listed
    add_session(db, ben, "2026-11-20 09:00", status="dna")
    add_session(db, ben, "2026-11-25 09:00")
    dee = add_client(db, "Dee Discharged", status="discharged", referred_on="2026-01-01", discharged_on="2026-11-26")
    add_session(db, dee, "2026-11-25 09:00", status="dna")
    eve = add_client(db, "Eve Attending")
    add_session(db, eve, "2026-11-26 09:00")
    add_session(db, ben, "2026-11-10 09:00", status="dna")
    fay = add_client(db, "Fay Earlier")                 # her own latest DNA counts, not anyone's
    add_session(db, fay, "2026-11-23 09:00", status="dna")
    assert _due(db, "dna_follow_up") == [(fay, "2026-11-23"), (ann, "2026-11-27")]


def test_a_plan_review_due_today_is_due_and_one_on_the_horizon_is_listed(db):
    from test_reports import add_client

    ann = add_client(db, "Ann Review")
    _plan(db, ann, "2026-10-30", 4)                     # due 2026-11-27, today
    ben = add_client(db, "Ben Review")
    _plan(db, ben, "2026-11-01", 4)                     # due 2026-11-29
    wes = add_client(db, "Wes Waiting", status="waiting", referred_on="2026-10-01")
    _plan(db, wes, "2026-10-01", 4)                     # overdue, but not in therapy
    from therapy_cli.reports import reminders

    items = reminders.reminders(db, 2, kinds=["review_due"])
    assert [(i["client_id"], i["due"]) for i in items] == [(ann, "2026-11-27"), (ben, "2026-11-29")]
    assert items[0]["message"].endswith(" due 2026-11-27") and "overdue" not in items[0]["message"]
    assert _due(db, "review_due", 1) == [(ann, "2026-11-27")]


def test_a_measure_is_due_after_an_attended_session_without_one(db):
    from test_reports import add_client, add_measure, add_session

    ann = add_client(db, "Ann Never Measured")          # seen today, never measured: due
    add_session(db, ann, "2026-11-27 09:00")
    ben = add_client(db, "Ben Measured")                # measured at his last session: not due
    add_session(db, ben, "2026-11-20 09:00")
    add_measure(db, ben, "PHQ-9", 8, "2026-11-20")
    cat = add_client(db, "Cat Tomorrow")                # only attended after today: nothing to measure yet
    add_session(db, cat, "2026-11-28 09:00")
    wes = add_client(db, "Wes Waiting", status="waiting")  # booked, not yet seen: nothing to measure
    add_session(db, wes, "2026-11-30 09:00", status="scheduled")
    pair = add_client(db, "The Pair", kind="couple")
    add_session(db, pair, "2026-11-20 09:00")
    dan = add_client(db, "Dan Seen Again Today")        # measured last time, seen again today without one
    add_session(db, dan, "2026-11-20 10:00")
    add_measure(db, dan, "PHQ-9", 8, "2026-11-20")
    add_session(db, dan, "2026-11-27 10:00")
    eli = add_client(db, "Eli One Session")             # measured before his only session
    add_measure(db, eli, "PHQ-9", 8, "2026-11-21")
    add_session(db, eli, "2026-11-24 10:00")
    fay = add_client(db, "Fay Measured Today")          # seen and measured today: not due
    add_session(db, fay, "2026-11-27 11:00")
    add_measure(db, fay, "GAD-7", 6, "2026-11-27")
    from therapy_cli.reports import reminders

    items = reminders.reminders(db, kinds=["measure_due"])
    assert [(i["client_id"], i["due"]) for i in items] == [(ann, "2026-11-27"), (dan, "2026-11-27"),
                                                           (eli, "2026-11-24")]
    assert "in the last attended session (last: never)" in items[0]["message"]
    db.execute("INSERT INTO settings (key, value) VALUES ('measures.every', '2')")
    db.forget_settings()
    items = reminders.reminders(db, kinds=["measure_due"])
    assert [i["client_id"] for i in items] == [ann, eli]      # fewer than 2 sessions: since the first
    assert "in the last 2 attended sessions" in items[0]["message"]


def test_supervision_given_does_not_count_as_received(db):
    from test_reports import add_client, add_session, add_supervision

    add_session(db, add_client(db, "Ann Active"), "2026-11-20 09:00")
    add_supervision(db, "2026-11-10", 600, direction="given")
    assert _due(db, "supervision_due") == [(None, "2026-11-30")]


def test_waiting_long_runs_until_an_attended_treatment_session(db):
    from test_reports import add_client, add_session

    ann = add_client(db, "Ann Assessed", referred_on="2026-10-01")     # assessed only: still waiting
    add_session(db, ann, "2026-10-20 09:00", type_="assessment")
    ben = add_client(db, "Ben Missed", referred_on="2026-10-01")       # missed his first treatment
    add_session(db, ben, "2026-11-02 09:00", status="dna")
    cal = add_client(db, "Cal Treated", referred_on="2026-10-01")      # treated: no longer waiting
    add_session(db, cal, "2026-11-03 09:00")
    assert [cid for cid, _ in _due(db, "waiting_long")] == [ann, ben]


def test_no_recent_session_counts_today_and_only_active_clients(db):
    from test_reports import add_client, add_session
    from therapy_cli.reports import reminders

    ann = add_client(db, "Ann Seen Today")
    add_session(db, ann, "2026-10-16 09:00")
    add_session(db, ann, "2026-11-27 09:00")
    ben = add_client(db, "Ben Six Weeks")
    add_session(db, ben, "2026-10-16 09:00")                           # 42 days ago
    wes = add_client(db, "Wes Waiting", status="waiting")
    add_session(db, wes, "2026-12-01 09:00", status="scheduled")      # booked, never seen: waiting
    items = reminders.reminders(db, 1, kinds=["no_recent_session"], everything=True)
    assert [(i["client_id"], i["due"]) for i in items] == [(ben, "2026-11-13")]
    assert items[0]["message"].endswith("has not been seen since 2026-10-16 (6 weeks)")


def test_a_risk_review_due_today_is_due_and_one_beyond_the_window_is_not(db):
    from test_reports import add_client
    from therapy_cli.clinical import risk
    from therapy_cli.reports import reminders

    ann = add_client(db, "Ann Risk")
    risk.assess(db, ann, "low", review_in=3, on=date(2026, 11, 24))   # due today
    ben = add_client(db, "Ben Risk")
    risk.assess(db, ben, "low", review_in=2)                           # due 2026-11-29
    items = reminders.reminders(db, 1, kinds=["risk_review_due"])
    assert [(i["client_id"], i["due"]) for i in items] == [(ann, "2026-11-27")]
    assert items[0]["message"].endswith(" due 2026-11-27") and "overdue" not in items[0]["message"]
    assert _due(db, "risk_review_due", 2) == [(ann, "2026-11-27"), (ben, "2026-11-29")]


def test_with_measures_every_2_a_measure_is_due_when_none_since_the_second_last_session(cli):
    """measures.every N: due when no measure was taken since the Nth-last attended session (today's included)."""
    assert cli("config", "set", "measures.every", "2").exit_code == 0
    for name, hour, days, measured in (("Pia Due", 10, ("2026-11-06", "2026-11-13", "2026-11-27"), "2026-11-11"),
                                       ("Quin Fine", 12, ("2026-11-06", "2026-11-13", "2026-11-20"), "2026-11-17")):
        cli("client", "add", name)
        for day in days:
            assert cli("session", "add", name, "--at", f"{day} {hour}:00", "--status", "attended").exit_code == 0
        assert cli("measure", "add", name, "phq9", "--score", "5", "--on", measured).exit_code == 0
    due = _kinds(cli, "measure_due")
    assert [item["message"].split(" in ")[0] for item in due] == ["no outcome measure for #1 P.D."]


def test_a_days_count_reads_as_english():
    from therapy_cli.reports.reminders import _days

    assert [_days(n) for n in (0, 1, 2, 13)] == ["0 days", "1 day", "2 days", "13 days"]
