"""Reminder rules on long-standing targets, pinned at their edges (mutation testing of reports/reminders.py).

Supervision is due until the month's credited hours reach the requirement; CPD is not behind at the target's
share of the days gone, today included. Each test holds under SPEC's later refinements too (supervision due
only in a month's last 10 days, CPD behind only by more than a month's share). Today (conftest) is Friday
2026-11-27.
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
    assert item["due"] == "2026-11-30" and item["client_id"] is None
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


def test_coming_sessions_say_today_tomorrow_or_the_day(cli, jcli):
    cli("client", "add", "Soon Client")
    for when in ("2026-11-27 15:00", "2026-11-28 09:00", "2026-11-29 11:00", "2026-12-01 11:00"):
        assert cli("session", "add", "Soon", "--at", when, "--status", "scheduled").exit_code == 0
    items = jcli("remind", "--kind", "session", "--within", "3d")
    assert [(i["due"], i["message"].split(" session with")[0]) for i in items] == [
        ("2026-11-27", "today 15:00"), ("2026-11-28", "tomorrow 09:00"), ("2026-11-29", "Sun 29 Nov 11:00")]
