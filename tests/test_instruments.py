"""The questionnaires as published: every band boundary, caseness, reverse scoring, validation."""

import pytest
from hypothesis import given, strategies as st

from therapy_cli.errors import InvalidValue
from therapy_cli.clinical.instruments import (
    INSTRUMENTS, check_total, get_instrument, is_caseness, reliable_direction, reverse, score_items, severity,
)

# (instrument, total, band) at both edges of every band
BANDS = [
    ("PHQ-9", 0, "minimal"), ("PHQ-9", 4, "minimal"), ("PHQ-9", 5, "mild"), ("PHQ-9", 9, "mild"),
    ("PHQ-9", 10, "moderate"), ("PHQ-9", 14, "moderate"), ("PHQ-9", 15, "moderately severe"),
    ("PHQ-9", 19, "moderately severe"), ("PHQ-9", 20, "severe"), ("PHQ-9", 27, "severe"),
    ("GAD-7", 0, "minimal"), ("GAD-7", 4, "minimal"), ("GAD-7", 5, "mild"), ("GAD-7", 9, "mild"),
    ("GAD-7", 10, "moderate"), ("GAD-7", 14, "moderate"), ("GAD-7", 15, "severe"), ("GAD-7", 21, "severe"),
    ("CORE-10", 0, "healthy"), ("CORE-10", 10, "healthy"), ("CORE-10", 11, "mild"), ("CORE-10", 14, "mild"),
    ("CORE-10", 15, "moderate"), ("CORE-10", 19, "moderate"), ("CORE-10", 20, "moderate-to-severe"),
    ("CORE-10", 24, "moderate-to-severe"), ("CORE-10", 25, "severe"), ("CORE-10", 40, "severe"),
    ("WSAS", 0, "subclinical"), ("WSAS", 9, "subclinical"), ("WSAS", 10, "significant impairment"),
    ("WSAS", 20, "significant impairment"), ("WSAS", 21, "moderately severe or worse"),
    ("WSAS", 40, "moderately severe or worse"),
    ("ORS", 0, "clinical range"), ("ORS", 24.9, "clinical range"), ("ORS", 25, "non-clinical range"),
    ("ORS", 40, "non-clinical range"),
    ("SRS", 0, "alliance concern"), ("SRS", 35.9, "alliance concern"), ("SRS", 36, "good alliance"),
    ("SRS", 40, "good alliance"),
]


@pytest.mark.parametrize("name,total,band", BANDS)
def test_every_band_boundary(name, total, band):
    assert severity(get_instrument(name), total) == band


# (instrument, total, caseness)
CASENESS = [
    ("PHQ-9", 9, False), ("PHQ-9", 10, True), ("GAD-7", 7, False), ("GAD-7", 8, True),
    ("CORE-10", 10, False), ("CORE-10", 11, True), ("ORS", 25, False), ("ORS", 24.9, True), ("ORS", 0, True),
    ("WSAS", 30, None), ("SRS", 10, None),
]


@pytest.mark.parametrize("name,total,expected", CASENESS)
def test_caseness_cutoffs(name, total, expected):
    assert is_caseness(get_instrument(name), total) is expected


@pytest.mark.parametrize("name,first,last,expected", [
    ("PHQ-9", 16, 10, "improved"), ("PHQ-9", 16, 11, "unchanged"), ("PHQ-9", 10, 16, "deteriorated"),
    ("GAD-7", 12, 8, "improved"), ("GAD-7", 12, 9, "unchanged"), ("GAD-7", 8, 12, "deteriorated"),
    ("CORE-10", 20, 14, "improved"), ("CORE-10", 20, 15, "unchanged"),
    ("ORS", 18, 23, "improved"), ("ORS", 18, 22.9, "unchanged"), ("ORS", 30, 25, "deteriorated"),
    ("WSAS", 30, 5, None), ("SRS", 20, 40, None),
])
def test_reliable_change_thresholds(name, first, last, expected):
    assert reliable_direction(get_instrument(name), first, last) == expected


def test_ors_reliable_change_of_exactly_five_tenths_is_reliable():
    ors = get_instrument("ORS")  # 8.2 - 3.2 is 4.999999999999999 in floating point
    for tenths in range(0, 351):
        first = tenths / 10
        assert reliable_direction(ors, first, round(first + 5, 1)) == "improved"
        assert reliable_direction(ors, round(first + 5, 1), first) == "deteriorated"


@pytest.mark.parametrize("text", ["PHQ-9", "phq9", "Phq-9", "PHQ9", "phq 9"])
def test_names_are_case_insensitive_hyphen_optional(text):
    assert get_instrument(text).name == "PHQ-9"
    assert get_instrument("core10").name == "CORE-10"


def test_unknown_instrument_lists_the_known_ones():
    with pytest.raises(InvalidValue, match="PHQ-9, GAD-7, CORE-10, WSAS, ORS, SRS"):
        get_instrument("BDI-II")


def test_core10_items_2_and_3_are_reverse_scored():
    core = get_instrument("CORE-10")
    assert core.reversed_items == (2, 3)
    # items 2 and 3 ticked 4 ("most or all of the time" able to cope) score 0
    assert score_items(core, [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]) == 0
    assert score_items(core, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == 8
    assert score_items(core, [4, 0, 0, 4, 4, 4, 4, 4, 4, 4]) == 40
    assert score_items(core, [1, 3, 1, 2, 2, 2, 2, 2, 2, 2]) == 1 + 1 + 3 + 2 * 7


def test_items_validated_for_count_range_and_form():
    phq = get_instrument("PHQ-9")
    with pytest.raises(InvalidValue, match="9 items; 8 given"):
        score_items(phq, [1] * 8)
    with pytest.raises(InvalidValue, match="9 items; 10 given"):
        score_items(phq, [1] * 10)
    with pytest.raises(InvalidValue, match="item 4 is 4; items are 0–3"):
        score_items(phq, [1, 1, 1, 4, 1, 1, 1, 1, 1])
    with pytest.raises(InvalidValue, match="item 1 is -1"):
        score_items(phq, [-1] + [1] * 8)
    with pytest.raises(InvalidValue, match="'x' is not a number"):
        score_items(phq, ["1", "x"] + ["1"] * 7)
    with pytest.raises(InvalidValue, match="whole number"):
        score_items(phq, ["1.5"] + ["1"] * 8)
    assert score_items(phq, ["1.0"] + ["1"] * 8) == 9


def test_ors_takes_marks_to_the_millimetre():
    ors = get_instrument("ORS")
    assert score_items(ors, ["6.3", "6.2", "6.2", "6.2"]) == 24.9
    assert is_caseness(ors, score_items(ors, ["6.3", "6.2", "6.2", "6.2"])) is True
    with pytest.raises(InvalidValue, match="decimal"):
        score_items(ors, ["6.25", "6", "6", "6"])
    with pytest.raises(InvalidValue, match="items are 0–10"):
        score_items(ors, ["10.1", "6", "6", "6"])


def test_totals_validated_against_the_range():
    assert check_total(get_instrument("GAD-7"), "21") == 21
    with pytest.raises(InvalidValue, match="totals are 0–21"):
        check_total(get_instrument("GAD-7"), "22")
    with pytest.raises(InvalidValue, match="not a number"):
        check_total(get_instrument("GAD-7"), "ten")
    with pytest.raises(InvalidValue, match="totals are 0–40"):
        check_total(get_instrument("CORE-10"), "-1")


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=lambda i: i.name)
def test_bands_cover_the_whole_range_in_order(inst):
    assert inst.bands[0][0] == inst.total_min and inst.bands[-1][1] == inst.total_max
    for (_, high, _), (low, _, _) in zip(inst.bands, inst.bands[1:]):
        assert low > high and round(low - high, 1) <= 1


def _valid_items(inst):
    if inst.decimals:
        value = st.integers(inst.item_min * 10, inst.item_max * 10).map(lambda n: f"{n / 10:g}")
    else:
        value = st.integers(inst.item_min, inst.item_max)
    return st.lists(value, min_size=inst.item_count, max_size=inst.item_count)


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=lambda i: i.name)
def test_valid_items_always_score_inside_the_total_range(inst):
    @given(_valid_items(inst))
    def check(items):
        total = score_items(inst, items)
        assert inst.total_min <= total <= inst.total_max
        assert severity(inst, total) is not None

    check()


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=lambda i: i.name)
def test_reversing_twice_is_identity(inst):
    @given(st.integers(inst.item_min, inst.item_max))
    def check(value):
        assert reverse(inst, reverse(inst, value)) == value
        assert inst.item_min <= reverse(inst, value) <= inst.item_max

    check()


@pytest.mark.parametrize("bad", ["²", "٣", "1e1", "0x1", "", " "])
def test_only_ascii_numbers_are_scores(bad):
    with pytest.raises(InvalidValue, match="not a number"):
        check_total(get_instrument("PHQ-9"), bad)
