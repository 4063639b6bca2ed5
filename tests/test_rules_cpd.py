"""CPD rules pinned at their edges (mutation testing of therapy_cli/practice/cpd.py).

Hours from 0.01 (what shows as 0.00 is refused) to 100, kept to four decimals; dates from 1950 to today; a target met exactly;
the rolling five years. Today (conftest) is Friday 2026-11-27.
"""

from datetime import date

import pytest

from therapy_cli.errors import InvalidValue
from therapy_cli.practice import cpd


def test_hours_from_a_hundredth_to_100_and_no_others():
    assert cpd.check_hours("100") == 100
    assert cpd.check_hours("0.01") == 0.01
    assert cpd.check_hours("0.01234") == 0.0123          # what is stored: four decimals
    assert cpd.check_hours("0.0051") == 0.0051           # shown as 0.01
    for wrong in ("100.0001", "0", "0.0049", "0.001", "0.0001", "-1", "nan", "inf"):
        with pytest.raises(InvalidValue, match="out of range"):
            cpd.check_hours(wrong)


def test_the_earliest_date_is_1_january_1950_and_the_latest_today(db):
    assert cpd.add(db, "Old course", 1, date(1950, 1, 1))["on_date"] == "1950-01-01"
    assert cpd.add(db, "Today's reading", 1, db.today)["on_date"] == "2026-11-27"
    with pytest.raises(InvalidValue, match="before 1950"):
        cpd.add(db, "Older course", 1, date(1949, 12, 31))
    with pytest.raises(InvalidValue):
        cpd.add(db, "Tomorrow", 1, date(2026, 11, 28))


def test_the_year_target_is_met_exactly_and_not_a_ten_thousandth_short(db):
    target = cpd.status(db)["target_hours"]
    cpd.add(db, "Most of it", target - 0.0101, date(2026, 3, 1))
    status = cpd.status(db)
    assert status["met"] is False and status["remaining_hours"] == 0.01
    nearly = cpd.add(db, "Nearly the rest", 0.01, date(2026, 3, 2))
    status = cpd.status(db)
    assert status["met"] is False and status["remaining_hours"] == 0.0      # a ten-thousandth short
    cpd.remove(db, nearly["id"])
    cpd.add(db, "The rest", 0.0101, date(2026, 3, 3))                      # exactly the target
    status = cpd.status(db)
    assert status["met"] is True and status["remaining_hours"] == 0


def test_the_five_year_target_is_met_exactly(db):
    five = cpd.status(db)["five_year_target_hours"]
    for n in range(int(five // 100)):
        cpd.add(db, f"Block {n}", 100, date(2022 + n, 6, 1))
    cpd.add(db, "The last of it", five - 100 * int(five // 100) - 0.0101, date(2026, 6, 2))
    nearly = cpd.add(db, "Nearly the rest", 0.01, date(2026, 6, 3))
    assert cpd.status(db)["five_year_met"] is False                         # a ten-thousandth short
    cpd.remove(db, nearly["id"])
    cpd.add(db, "The rest", 0.0101, date(2026, 6, 4))                      # exactly the target
    assert cpd.status(db)["five_year_met"] is True


@pytest.mark.parametrize("today, start", [
    (date(2026, 11, 27), date(2021, 11, 28)), (date(2028, 2, 29), date(2023, 3, 1)),
    (date(2024, 3, 1), date(2019, 3, 2)), (date(2026, 12, 31), date(2022, 1, 1)),
])
def test_the_rolling_five_years_start_the_day_after_today_five_years_back(today, start):
    assert cpd.five_year_start(today) == start


def test_status_shows_the_last_five_calendar_years(db):
    assert [y["year"] for y in cpd.years(db)] == [2022, 2023, 2024, 2025, 2026]
    assert [y["year"] for y in cpd.years(db, 1)] == [2026]
    cpd.add(db, "New Year's Day", 3, date(2022, 1, 1))
    cpd.add(db, "New Year's Eve", 4, date(2022, 12, 31))
    assert cpd.years(db)[0]["hours"] == 7


def test_notes_up_to_4000_characters(db):
    assert len(cpd.add(db, "Long note", 1, date(2026, 3, 1), note="n" * 4000)["note"]) == 4000
    with pytest.raises(InvalidValue):
        cpd.add(db, "Longer note", 1, date(2026, 3, 1), note="n" * 4001)


def test_hours_by_kind_start_at_zero_and_are_rounded_as_shown(db):
    cpd.add(db, "A paragraph", 0.1234, date(2026, 3, 1), "reading")
    cpd.add(db, "A line", 0.0103, date(2026, 3, 2), "reading")
    by_kind = cpd.status(db)["by_kind"]
    assert by_kind.pop("reading") == 0.13
    assert by_kind == {"course": 0, "conference": 0, "research": 0, "other": 0}


def test_remaining_hours_are_never_below_zero_and_rounded_as_shown(cli, jcli):
    jcli("cpd", "add", "A lot", "--hours", "30", "--on", "2026-03-01")
    assert jcli("cpd", "status")["remaining_hours"] == 0
    assert cli("config", "set", "cpd.hours_per_year", "30.12345").exit_code == 0
    assert jcli("cpd", "status")["remaining_hours"] == 0.12


def test_each_past_year_is_judged_against_the_yearly_target(db):
    cpd.add(db, "A full year", 20, date(2025, 6, 1))
    assert [(y["year"], y["target_hours"], y["met"], y["complete"]) for y in cpd.years(db, 2)] == [
        (2025, 20, True, True), (2026, 20, False, False)]


def test_adding_and_removing_are_audited_against_the_record(db):
    record = cpd.add(db, "Audited", 2, date(2026, 3, 1))
    cpd.remove(db, record["id"])
    rows = db.query("SELECT action, record_id, summary FROM audit WHERE record_type = 'cpd' ORDER BY id")
    assert [(r["action"], r["record_id"]) for r in rows] == [("add", record["id"]), ("remove", record["id"])]
    assert rows[0]["summary"] == "CPD on 2026-03-01: 2 h, other" and rows[1]["summary"] == "CPD on 2026-03-01 removed"


def test_every_view_of_the_hours_shows_them_to_two_places(db):
    """SPEC: shown values round alike everywhere, hours to 2 places (1.2345 is 1.23, not 1.2 or 1.235)."""
    cpd.add(db, "An odd length", 1.2345, date(2026, 3, 1), "course")
    status = cpd.status(db)
    assert (status["hours"], status["five_year_hours"], status["by_kind"]["course"]) == (1.23, 1.23, 1.23)
    assert status["years"][-1]["hours"] == 1.23
    assert cpd.cpd_hours(db, date(2026, 1, 1), date(2026, 12, 31)) == 1.23
    assert status["remaining_hours"] == round(status["target_hours"] - 1.2345, 2)


def test_a_title_logged_twice_on_one_day_is_refused_unless_allowed(cli, jcli, db_path):
    """Retyped to correct the hours, a course counted 6 + 7 hours; the first is named so it can be removed."""
    from conftest import assert_refused

    first = jcli("cpd", "add", "Trauma course", "--hours", "6", "--on", "2026-11-20", "--kind", "course")
    again = assert_refused(cli, db_path, "cpd", "add", "trauma COURSE", "--hours", "7", "--on", "2026-11-20",
                           match=f"'Trauma course' on 2026-11-20 is already recorded (CPD #{first['id']}, 6 h)")
    assert f"'cpd remove {first['id']}'" in again.stderr
    jcli("cpd", "add", "Trauma course", "--hours", "6", "--on", "2026-11-21", "--kind", "course")   # day two
    jcli("cpd", "add", "Trauma course (reading)", "--hours", "1", "--on", "2026-11-20")
    jcli("cpd", "add", "Trauma course", "--hours", "2", "--on", "2026-11-20", "--allow-duplicate")
    assert jcli("cpd", "status")["by_kind"]["course"] == 12 and len(jcli("cpd", "list")) == 4
    # accents aside too: 'émotion day' retyped with its capital (SQLite's NOCASE folds A-Z only) counted twice
    emotion = jcli("cpd", "add", "émotion day", "--hours", "6", "--on", "2026-11-19")
    for retyped in ("Émotion day", "Emotion Day"):
        assert_refused(cli, db_path, "cpd", "add", retyped, "--hours", "6", "--on", "2026-11-19",
                       match=f"'émotion day' on 2026-11-19 is already recorded (CPD #{emotion['id']}, 6 h)")
