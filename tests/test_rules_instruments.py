"""The questionnaires' published item formats and risk items, pinned at their edges.

Mutation testing (tests/mutate.py) found these unpinned: an item range or count one off, the risk item
moved to its neighbour, a total at the top of the range refused. Each test names the published value
it holds the table to (docs/measures.md has the references) and checks one step either side.
"""

import pytest

from therapy_cli.clinical.instruments import check_items, check_total, get_instrument, risk_score, severity
from therapy_cli.errors import InvalidValue

# (instrument, item count, lowest item, highest item, highest total) as published
PUBLISHED = [
    ("PHQ-9", 9, 0, 3, 27), ("GAD-7", 7, 0, 3, 21), ("CORE-10", 10, 0, 4, 40), ("WSAS", 5, 0, 8, 40),
    ("ORS", 4, 0, 10, 40), ("SRS", 4, 0, 10, 40),
]


@pytest.mark.parametrize("name, count, low, high, _top", PUBLISHED)
def test_items_are_taken_at_both_ends_of_the_published_range_and_not_beyond(name, count, low, high, _top):
    inst = get_instrument(name)
    assert check_items(inst, [low] * count) == [low] * count
    assert check_items(inst, [high] * count) == [high] * count
    for wrong in (low - 1, high + 1):
        with pytest.raises(InvalidValue, match="items are"):
            check_items(inst, [wrong] + [low] * (count - 1))


@pytest.mark.parametrize("name, count, low, _high, _top", PUBLISHED)
def test_the_published_number_of_items_and_no_other(name, count, low, _high, _top):
    inst = get_instrument(name)
    for wrong in (count - 1, count + 1):
        with pytest.raises(InvalidValue, match=f"has {count} items; {wrong} given"):
            check_items(inst, [low] * wrong)


@pytest.mark.parametrize("name, _count, _low, _high, top", PUBLISHED)
def test_a_total_at_the_top_of_the_range_is_taken_and_one_above_is_not(name, _count, _low, _high, top):
    inst = get_instrument(name)
    assert check_total(inst, str(top)) == top
    assert check_total(inst, "0") == 0
    for wrong in (str(top + 1), "-1"):
        with pytest.raises(InvalidValue, match="out of range"):
            check_total(inst, wrong)


@pytest.mark.parametrize("name", ["ORS", "SRS"])
def test_ors_and_srs_are_read_to_the_millimetre_not_finer(name):
    inst = get_instrument(name)
    assert check_items(inst, ["8.9", "10", "0", "0.1"]) == [8.9, 10, 0, 0.1]
    with pytest.raises(InvalidValue, match="more than 1 decimal place"):
        check_items(inst, ["8.95", "10", "0", "0"])


@pytest.mark.parametrize("name, total", [("PHQ-9", 28), ("PHQ-9", -1), ("GAD-7", 22), ("SRS", 40.1)])
def test_a_total_outside_the_range_has_no_band(name, total):
    assert severity(get_instrument(name), total) is None


def test_no_score_has_no_band():
    assert severity(get_instrument("PHQ-9"), None) is None


def test_the_risk_item_is_phq9_item_9_and_core10_item_6():
    phq9 = get_instrument("PHQ-9")
    assert risk_score(phq9, [0, 0, 0, 0, 0, 0, 0, 1, 2]) == 2      # item 9, not item 8
    assert risk_score(phq9, [0, 0, 0, 0, 0, 0, 0, 3, 0]) == 0
    core10 = get_instrument("CORE-10")
    assert risk_score(core10, [0, 0, 0, 0, 1, 3, 2, 0, 0, 0]) == 3  # item 6, not item 5 or 7
    assert risk_score(core10, [4, 4, 4, 4, 4, 0, 4, 4, 4, 4]) == 0


def test_no_risk_item_or_no_items_means_no_risk_score():
    assert risk_score(get_instrument("GAD-7"), [3, 3, 3, 3, 3, 3, 3]) is None
    assert risk_score(get_instrument("PHQ-9"), None) is None


def test_the_srs_chart_draws_the_36_alliance_line(cli, jcli):
    jcli("client", "add", "Sam Rating")
    jcli("measure", "add", "sam", "srs", "--score", "35.9", "--on", "2026-11-01")
    assert jcli("measure", "chart", "sam")["series"]["SRS"]["concern_below"] == 36
    out = cli("measure", "chart", "sam", "srs").stdout
    assert "36: a total below it calls for a conversation about the alliance" in out
