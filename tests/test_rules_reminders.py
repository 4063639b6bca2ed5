"""Reminder rules on long-standing targets, pinned at their edges (mutation testing of reports/reminders.py).

Supervision is due until the month's credited hours reach the requirement; CPD is behind while the year's
hours are below the target's share of the days gone, today included. Today (conftest) is Friday 2026-11-27.
"""


def _active_client(cli):
    cli("client", "add", "Active Client")
    assert cli("session", "add", "Active", "--at", "2026-11-02 10:00").exit_code == 0


def _kinds(cli, kind, *before):
    result = cli(*before, "remind", "--kind", kind, "--json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_supervision_is_due_a_minute_short_and_not_when_met_exactly(cli, jcli):
    _active_client(cli)
    cli("config", "set", "supervision.hours_per_month", "1.5")
    jcli("supervise", "log", "--on", "2026-11-03", "--duration", "89")
    (item,) = _kinds(cli, "supervision_due")
    assert item["due"] == "2026-11-30" and "1.48333 of 1.5 hours received (0.0166667 to go" in item["message"]
    jcli("supervise", "log", "--on", "2026-11-04", "--duration", "5", "--group-size", "5")   # 1/60 h
    assert _kinds(cli, "supervision_due") == []


def test_supervision_is_not_due_without_an_active_client(cli):
    cli("client", "add", "Waiting Client")
    assert _kinds(cli, "supervision_due") == []


def test_cpd_is_behind_below_the_pace_and_not_at_it(cli, jcli):
    # on 1 January, a target of 365 hours a year is 1 hour due by the end of today
    _active_client(cli)
    cli("config", "set", "cpd.hours_per_year", "365")
    jcli("cpd", "add", "Last year's", "--hours", "50", "--on", "2025-12-31")
    jcli("cpd", "add", "Most of an hour", "--hours", "0.9999", "--on", "2026-01-01")
    (item,) = _kinds(cli, "cpd_behind", "--today", "2026-01-01")
    assert item["due"] == "2026-01-01" and "0.9999 hours logged, 1.0 expected by now" in item["message"]
    jcli("cpd", "add", "The rest", "--hours", "0.0001", "--on", "2026-01-01")
    assert _kinds(cli, "cpd_behind", "--today", "2026-01-01") == []
    # on 31 December the whole target is due
    (item,) = _kinds(cli, "cpd_behind", "--today", "2026-12-31")
    assert "1 hours logged, 365.0 expected by now" in item["message"]
