"""Outcome-measure rules pinned at their edges (mutation testing of therapy_cli/clinical/measures.py).

Today (conftest) is Friday 2026-11-27.
"""

from datetime import date, timedelta

import pytest

from therapy_cli.clinical import measures
from therapy_cli.errors import InvalidValue
from therapy_cli.practice import clients


def test_the_earliest_date_taken_is_1_january_1950(db):
    client = clients.add_client(db, "Early Date")
    assert measures.add_measure(db, client, "phq9", score="5", on=date(1950, 1, 1))["taken_on"] == "1950-01-01"
    with pytest.raises(InvalidValue, match="before 1950"):
        measures.add_measure(db, client, "phq9", score="5", on=date(1949, 12, 31))


def test_today_is_taken_and_tomorrow_is_not(db):
    client = clients.add_client(db, "Today Date")
    assert measures.add_measure(db, client, "phq9", score="5", on=db.today)["taken_on"] == "2026-11-27"
    with pytest.raises(InvalidValue, match="in the future"):
        measures.add_measure(db, client, "phq9", score="5", on=db.today + timedelta(days=1))


def _chart_scores(cli, jcli, count):
    jcli("client", "add", f"Chart {count}")
    for n in range(count):
        jcli("measure", "add", f"chart {count}", "phq9", "--score", n, "--on", (date(2026, 1, 1) + timedelta(days=n)).isoformat())
    out = cli("measure", "chart", f"chart {count}", "phq9").stdout
    return next(line for line in out.splitlines() if line.startswith("scores: "))


def test_a_chart_lists_twelve_scores_in_full_and_elides_the_middle_of_thirteen(cli, jcli):
    assert _chart_scores(cli, jcli, 12) == "scores: " + ", ".join(str(n) for n in range(12))
    # piped output is plain: the elision is '...'; the first three and the last eight are kept
    assert _chart_scores(cli, jcli, 13) == "scores: 0, 1, 2, ..., " + ", ".join(str(n) for n in range(5, 13))
