"""Dates as practitioners type them: slashed dates by setting, week and month spans, exit 2 for wrong forms."""

from __future__ import annotations

from conftest import assert_refused
from wrong_form import refused


def test_slashed_dates_follow_the_setting(jcli, cli, db_path):
    result = refused(cli, db_path, "client", "add", "Alex", "--referred-on", "23/10/2026", match="date.order")
    assert "config set date.order" in result.stderr
    assert_refused(cli, db_path, "config", "set", "date.order", "ymd", match="dmy, mdy", code=2)
    assert jcli("config", "set", "date.order", "DMY")["value"] == "dmy"
    assert jcli("client", "add", "Alex", "--referred-on", "23/10/2026")["referred_on"] == "2026-10-23"
    assert jcli("client", "edit", "Alex", "--referred-on", "1/11")["referred_on"] == "2026-11-01"  # this year
    refused(cli, db_path, "client", "edit", "Alex", "--referred-on", "10/23/2026", match="does not exist")
    jcli("config", "set", "date.order", "mdy")
    assert jcli("client", "edit", "Alex", "--referred-on", "10/23/2026")["referred_on"] == "2026-10-23"
    assert jcli("session", "add", "Alex", "--at", "11/20/2026 10:00")["local_date"] == "2026-11-20"
    assert jcli("client", "edit", "Alex", "--referred-on", "2026-10-01")["referred_on"] == "2026-10-01"  # ISO always
    jcli("config", "unset", "date.order")
    refused(cli, db_path, "client", "edit", "Alex", "--referred-on", "10/23/2026", match="date.order")


def test_session_list_week_and_month(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    for day in ("2026-11-16", "2026-11-24", "2026-11-26", "2026-12-01", "2026-12-08"):
        jcli("session", "add", "Alex", "--at", f"{day} 10:00")
    days = lambda *args: [s["local_date"] for s in jcli("session", "list", *args)]  # noqa: E731
    assert days("--week", "this") == ["2026-11-24", "2026-11-26"]        # today is Friday 2026-11-27
    assert days("--week", "last") == ["2026-11-16"]
    assert days("--week", "next") == ["2026-12-01"]
    assert days("--week", "2026-W50") == ["2026-12-08"]
    assert days("--month", "this") == ["2026-11-16", "2026-11-24", "2026-11-26"]
    assert days("--month", "next") == ["2026-12-01", "2026-12-08"]
    assert days() == ["2026-12-01", "2026-12-08"]                         # from today on
    assert days("--client", "Alex") == ["2026-11-16", "2026-11-24", "2026-11-26", "2026-12-01", "2026-12-08"]
    refused(cli, db_path, "session", "list", "--week", "soon", match="ISO week")
    refused(cli, db_path, "session", "list", "--month", "2026-13", match="not a month")
    assert_refused(cli, db_path, "session", "list", "--week", "this", "--from", "2026-11-01", code=2)


def test_report_quarter_takes_this_last_and_next_as_week_and_month_do(jcli):
    """`--quarter next` was refused where `--week next` and `--month next` were taken."""
    span = lambda value: jcli("report", "quarter", "--quarter", value)["period"]  # noqa: E731
    assert (span("this")["start"], span("this")["end"]) == ("2026-10-01", "2026-12-31")
    assert (span("last")["start"], span("last")["end"]) == ("2026-07-01", "2026-09-30")
    assert (span("next")["start"], span("next")["end"]) == ("2027-01-01", "2027-03-31")   # over the year's end


def test_wrong_form_dates_exit_2_everywhere(cli, db_path):
    for args in (["client", "add", "X", "--dob", "1990-02-30"], ["report", "period", "--from", "soon", "--to", "today"],
                 ["cpd", "add", "T", "--hours", "1", "--on", "2026-1-5"], ["remind", "--within", "a week"],
                 ["supervise", "log", "--on", "yesterday-ish", "--duration", "60"]):
        result = assert_refused(cli, db_path, *args, code=2)
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_a_weekday_for_a_date_that_cannot_be_ahead_says_which_date_was_meant(cli, jcli, db_path):
    """`supervise log --on friday` on a Friday is next Friday, refused as the future: the error gives the date."""
    jcli("client", "add", "Alex Morgan")
    for args, hint in [(["supervise", "log", "--on", "friday", "--duration", "60"], "most recent Friday is 2026-11-27"),
                       (["cpd", "add", "Reading", "--hours", "1", "--on", "monday"], "most recent Monday is 2026-11-23"),
                       (["measure", "add", "alex", "phq9", "--score", "3", "--on", "tuesday"],
                        "most recent Tuesday is 2026-11-24")]:
        result = assert_refused(cli, db_path, *args, match="if that was a weekday name (the next such day)")
        assert hint in result.stderr, result.stderr
    # a date further ahead is not a weekday's doing: no hint; nor is a date typed out, however near
    for typed in ("2026-12-25", "2026-11-28", "tomorrow"):
        result = assert_refused(cli, db_path, "cpd", "add", "Reading", "--hours", "1", "--on", typed,
                                match="is in the future (today is 2026-11-27)")
        assert "weekday" not in result.stderr, typed
