"""A booking over a year ahead (2062 typed for 2026) is made, with a warning naming the command that undoes it."""

from __future__ import annotations

from conftest import assert_refused


def test_bookings_over_a_year_ahead_are_warned_of(jcli, cli):
    jcli("client", "add", "Ann Lee")          # today is 2026-11-27
    added = cli("session", "add", "Ann", "--at", "2062-11-30 10:00")
    assert added.exit_code == 0
    assert added.stderr == ("Warning: a session on 2062-11-30 is 36 years ahead (today is 2026-11-27); if the year "
                            "is mistyped: therapy session move 1 --to 'YYYY-MM-DD HH:MM'\n")
    moved = cli("session", "move", "1", "--to", "2026-11-30 10:00")
    assert moved.exit_code == 0 and moved.stderr == ""
    assert "is over a year ahead" in cli("session", "move", "1", "--to", "2028-01-05 10:00").stderr
    series = cli("session", "schedule", "Ann", "--start", "2062-12-01 10:00", "--every", "week", "--count", "2")
    assert "a series starting 2062-12-01 is 36 years ahead" in series.stderr
    assert "therapy session remove 2 --series --reason 'booked in error' --yes, and book it again" in series.stderr
    # the remedy named removes the whole series, which counts nowhere
    assert cli("session", "remove", "2", "--series", "--reason", "booked in error", "--yes").exit_code == 0
    assert jcli("session", "list", "--from", "2062-01-01", "--to", "2063-01-01") == []
    # a --count of 500 typed for 50: the start is near, the end nine years on
    long = cli("session", "schedule", "Ann", "--start", "2026-12-07 10:00", "--every", "week", "--count", "500",
               "--json")
    first = long.json()[0]["id"]
    assert long.stderr == (f"Warning: the series of 500 meetings runs to 2036-06-30, 9 years ahead (today is "
                           f"2026-11-27); if --count was mistyped, remove the meetings from the first you did not "
                           f"mean (#{first + 51} is the first over a year ahead): therapy session remove ID --series "
                           "--reason 'booked in error' --yes\n")
    assert len(cli("session", "remove", str(first + 50), "--series", "--reason", "count typo", "--yes",
                   "--json").json()) == 450
    kept = [s["id"] for s in jcli("session", "list", "--from", "2026-12-07", "--to", "2040-01-01")
            if s["series_id"] == first]
    assert kept == list(range(first, first + 50))
    booked = cli("supervise", "book", "--on", "9999-01-01", "--duration", "60")
    assert "supervision booked for 9999-01-01 is 7972 years ahead" in booked.stderr
    assert "therapy supervise remove 1 --booked --yes" in booked.stderr
    # a year ahead or less (a yearly review, the next course) says nothing
    for args in (["session", "add", "Ann", "--at", "2027-11-27 10:00"],
                 ["session", "schedule", "Ann", "--start", "2027-06-01 09:00", "--every", "week", "--count", "60"],
                 ["supervise", "book", "--on", "2027-11-27", "--duration", "60"]):
        done = cli(*args)
        assert done.exit_code == 0 and done.stderr == "", (args, done.stderr)


def test_a_span_to_the_last_day_of_the_calendar_lists_everything_from_its_start(jcli, cli):
    """`--to 9999-12-31` ("from then on") met the generic "a number or date given is out of range"."""
    jcli("client", "add", "Ann Lee")
    jcli("session", "add", "Ann", "--at", "2026-11-20 10:00", "--note", "slept better")
    jcli("session", "add", "Ann", "--at", "2026-12-01 10:00")
    listed = jcli("session", "list", "--from", "2026-11-01", "--to", "9999-12-31")
    assert [s["id"] for s in listed] == [1, 2]
    assert [s["id"] for s in jcli("session", "list", "--from", "0001-01-01", "--to", "2026-11-30")] == [1]
    assert [n["session_id"] for n in jcli("note", "search", "slept", "--to", "9999-12-31")] == [1]
    jcli("config", "set", "fees.default", "80")
    assert jcli("invoice", "create", "Ann", "--from", "2026-01-01", "--to", "9999-12-31")["total_minor"] == 8000


def test_a_series_near_the_end_of_the_calendar_is_refused_or_booked_never_an_internal_error(jcli, cli, db_path):
    """A start within 50 years of 9999 made the series' horizon year 10049: `internal error (ValueError)`."""
    jcli("client", "add", "Ann Lee")
    result = assert_refused(cli, db_path, "session", "schedule", "Ann", "--start", "9999-11-01 10:00",
                            "--every", "week", "--count", "10", code=1)
    assert result.stderr == ("Error: the rule gives only 9 meetings before the calendar ends (9999-12-31), "
                             "not 10\n")
    booked = cli("session", "schedule", "Ann", "--start", "9999-12-01 10:00", "--every", "week",
                 "--until", "9999-12-31", "--json")
    assert booked.exit_code == 0, booked.stderr
    assert [s["starts_at"][:10] for s in booked.json()] == ["9999-12-01", "9999-12-08", "9999-12-15",
                                                          "9999-12-22", "9999-12-29"]


def test_a_training_group_over_a_year_ahead_is_warned_of_as_a_session_is(cli):
    """`session training` with 2062 typed for 2026 said nothing (no reminder mentions it until then), while
    `session add` and `session move` of the same group warned."""
    made = cli("session", "training", "Working with trauma", "--at", "2062-11-24 09:00", "--duration", "90",
               "--audience", "GPs", "--participants", "12")
    assert made.exit_code == 0
    assert made.stderr == ("Warning: a training group on 2062-11-24 is 35 years ahead (today is 2026-11-27); if the "
                           "year is mistyped: therapy session move 1 --to 'YYYY-MM-DD HH:MM'\n")
    near = cli("session", "training", "Sleep", "--at", "2027-11-24 09:00", "--duration", "90",
               "--audience", "GPs", "--participants", "12")
    assert near.exit_code == 0 and near.stderr == ""
