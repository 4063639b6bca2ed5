"""SPEC v2: a value of the wrong form (a date that cannot be read or does not exist, a week, a month,
a span) is a usage error, exit 2, for options and arguments alike, with one `Error:` line naming it."""

from conftest import assert_refused

WRONG_FORM = ("does not exist", "not a date", "not a date and time", "ISO week", "not a month", "not a span",
              "date.order", "not a time", "not a number", "not a valid rrule", "not week, fortnight, month",
              "unknown instrument", "a whole number, 1 to 520", "clocks change", "FREQ must be", "needs an end",
              "not both", "needs --from", "say which sessions", "name one CLIENT", "give no TEXT")


def refused(cli, db_path, *args, match=None):
    """assert_refused with the exit code SPEC gives: 2 for a wrong-form value, else 1; the message checked."""
    if match not in WRONG_FORM:
        return assert_refused(cli, db_path, *args, match=match)
    result = assert_refused(cli, db_path, *args, code=2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and match.lower() in lines[0].lower(), result.stderr
    return result
