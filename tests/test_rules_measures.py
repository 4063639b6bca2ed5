"""Outcome-measure rules pinned at their edges (mutation testing of therapy_cli/clinical/measures.py).

Today (conftest) is Friday 2026-11-27.
"""

from datetime import date, timedelta

import pytest

from conftest import assert_refused
from therapy_cli.clinical import measures
from therapy_cli.errors import InvalidValue
from therapy_cli.practice import clients
from test_measures import _session  # the raw-SQL attended session the measure tests use


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


# -- linking a questionnaire to a couple's or group's session --------------------------------------

def test_a_group_session_counts_from_the_day_a_member_joins_to_the_day_they_leave(db, db_path):
    member = clients.add_client(db, "Gail Member")
    group = clients.add_client(db, "Tuesday Group", "group")
    clients.join(db, "Tuesday Group", "Gail", date(2026, 11, 10))
    clients.leave(db, "Tuesday Group", "Gail", date(2026, 11, 17))
    for day in ("2026-11-10", "2026-11-17"):
        session = _session(db_path, group["id"], day)
        assert measures.add_measure(db, member, "phq9", score="5", session_id=session)["taken_on"] == day
    for day in ("2026-11-09", "2026-11-18"):
        session = _session(db_path, group["id"], day)
        with pytest.raises(InvalidValue, match="is not a session of client"):
            measures.add_measure(db, member, "phq9", score="5", session_id=session)


# -- the risk flag --------------------------------------------------------------------------------

PHQ9_ITEM9 = "0,0,0,0,0,0,0,0,{}"
CORE10_ITEM6 = "1,1,1,1,1,{},1,1,1,1"


def test_one_clients_flag_is_not_anothers(db):
    flagged = clients.add_client(db, "Flag Raised")
    other = clients.add_client(db, "Flag Clear")
    measures.add_measure(db, flagged, "phq9", items=PHQ9_ITEM9.format(2), on=date(2026, 11, 1))
    assert measures.risk_flag(db, flagged["id"])["score"] == 2
    assert measures.risk_flag(db, other["id"]) is None
    measures.add_measure(db, other, "phq9", items=PHQ9_ITEM9.format(0), on=date(2026, 11, 2))
    assert measures.risk_flag(db, other["id"]) is None


def test_a_later_phq9_at_zero_does_not_clear_a_core10_flag(db):
    client = clients.add_client(db, "Two Questionnaires")
    measures.add_measure(db, client, "core10", items=CORE10_ITEM6.format(3), on=date(2026, 11, 1))
    measures.add_measure(db, client, "phq9", items=PHQ9_ITEM9.format(0), on=date(2026, 11, 5))
    measures.add_measure(db, client, "phq9", score="20", on=date(2026, 11, 6))   # a total only: no risk item
    flag = measures.risk_flag(db, client["id"])
    assert (flag["instrument"], flag["item"], flag["score"], flag["taken_on"]) == ("CORE-10", 6, 3, "2026-11-01")


def test_a_replayed_day_shows_the_scores_and_flag_taken_by_then(db):
    """`--today` on an earlier day (db._today): a measure taken that day counts, one taken the day after
    does not, for the latest scores and the risk flag alike."""
    client = clients.add_client(db, "Replayed Day")
    measures.add_measure(db, client, "phq9", items="2,2,2,2,2,2,2,2,2", on=date(2026, 11, 10))
    measures.add_measure(db, client, "phq9", items=PHQ9_ITEM9.format(0), on=date(2026, 11, 20))
    seen = {}
    for day in (date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 19), date(2026, 11, 20)):
        db._today = day
        latest = measures.latest_scores(db, client["id"]).get("PHQ-9")
        flag = measures.risk_flag(db, client["id"])
        judged = measures.progress(db, client["id"])["instruments"].get("PHQ-9")
        seen[day.day] = (latest and (latest["score"], latest["taken_on"]), flag and flag["taken_on"],
                         judged and (judged["first"], judged["last"]))
    assert seen == {9: (None, None, None), 10: ((18, "2026-11-10"), "2026-11-10", (18, 18)),
                    19: ((18, "2026-11-10"), "2026-11-10", (18, 18)), 20: ((0, "2026-11-20"), None, (18, 0))}


# -- the order of instruments and the change ------------------------------------------------------

def test_instruments_are_listed_in_the_table_order_whatever_was_taken_first(db):
    client = clients.add_client(db, "Order Client")
    measures.add_measure(db, client, "gad7", score="10", on=date(2026, 11, 1))
    measures.add_measure(db, client, "phq9", score="12", on=date(2026, 11, 2))
    assert list(measures.series(db, client["id"])) == ["PHQ-9", "GAD-7"]
    assert list(measures.progress(db, client["id"])["instruments"]) == ["PHQ-9", "GAD-7"]


def test_the_change_is_whole_for_whole_scores_and_in_tenths_for_ors(db):
    client = clients.add_client(db, "Change Client")
    measures.add_measure(db, client, "phq9", score="15", on=date(2026, 11, 1))
    measures.add_measure(db, client, "phq9", score="9", on=date(2026, 11, 2))
    measures.add_measure(db, client, "ors", score="19.5", on=date(2026, 11, 1))
    measures.add_measure(db, client, "ors", score="25", on=date(2026, 11, 2))
    result = measures.progress(db, client["id"])["instruments"]
    assert result["PHQ-9"]["change"] == -6 and isinstance(result["PHQ-9"]["change"], int)
    assert result["ORS"]["change"] == 5.5 and result["ORS"]["reliable_improvement"] is True


# -- a finished course: two attended treatment sessions -------------------------------------------

def _session_of(cli, name, day, *args):
    assert cli("session", "add", name, "--at", f"{day} 10:00", "--allow-overlap", *args).exit_code == 0


def test_a_finished_course_is_two_attended_treatment_sessions(cli, jcli):
    jcli("client", "add", "Course Client")
    _session_of(cli, "Course", "2026-10-01", "--type", "treatment")
    _session_of(cli, "Course", "2026-10-08", "--type", "treatment", "--status", "dna")
    _session_of(cli, "Course", "2026-10-09", "--type", "assessment")
    jcli("measure", "add", "Course", "phq9", "--score", "16", "--on", "2026-10-01")
    jcli("measure", "add", "Course", "phq9", "--score", "4", "--on", "2026-10-15")
    assert jcli("measure", "progress", "Course")["finished_course"] is False
    text = cli("measure", "progress", "Course").stdout
    assert ("so far: below caseness now and reliably improved, not yet a finished course "
            "(recovery is judged after 2 or more attended treatment sessions).") in text
    _session_of(cli, "Course", "2026-10-15", "--type", "treatment")
    assert jcli("measure", "progress", "Course")["finished_course"] is True
    assert "Overall (NHS Talking Therapies): reliably recovered." in cli("measure", "progress", "Course").stdout


def test_treatment_sessions_up_to_a_date_include_that_date(cli, jcli, db):
    client = jcli("client", "add", "Until Client")
    for day in ("2026-10-01", "2026-10-08"):
        _session_of(cli, "Until", day, "--type", "treatment")
    assert measures.treatment_sessions(db, client["id"], "2026-10-08") == 2
    assert measures.treatment_sessions(db, client["id"], "2026-10-07") == 1
    assert measures.treatment_sessions(db, client["id"]) == 2


# -- progress in words ----------------------------------------------------------------------------

def _words(db, name, pairs, finished=True):
    client = clients.add_client(db, name)
    for instrument, first, last in pairs:
        measures.add_measure(db, client, instrument, score=str(first), on=date(2026, 10, 1))
        measures.add_measure(db, client, instrument, score=str(last), on=date(2026, 11, 1))
    result = measures.progress(db, client["id"])
    result["finished_course"] = finished
    return measures.progress_in_words(result)


@pytest.mark.parametrize("instrument, first, last, line", [
    ("phq9", 15, 15, "PHQ-9: 15 → 15, unchanged; at caseness at the start, at caseness at the end."),
    ("phq9", 15, 14, "PHQ-9: 15 → 14, fell 1 point (better); not a reliable change (needs 6); "
                     "at caseness at the start, at caseness at the end."),
    ("phq9", 10, 11, "PHQ-9: 10 → 11, rose 1 point (worse); not a reliable change (needs 6); "
                     "at caseness at the start, at caseness at the end."),
    ("phq9", 7, 9, "PHQ-9: 7 → 9, rose 2 points (worse); not a reliable change (needs 6); "
                   "not at caseness at the start, not at caseness at the end."),
    ("ors", 30, 29.5, "ORS: 30 → 29.5, fell 0.5 points (worse); not a reliable change (needs 5); "
                      "not at caseness at the start, not at caseness at the end."),
    ("ors", 20, 20.5, "ORS: 20 → 20.5, rose 0.5 points (better); not a reliable change (needs 5); "
                      "at caseness at the start, at caseness at the end."),
    ("ors", 20.1, 25.1, "ORS: 20.1 → 25.1, rose 5 points (better); a reliable improvement; "
                        "at caseness at the start, not at caseness at the end."),
    ("wsas", 20, 10, "WSAS: 20 → 10, fell 10 points (better)."),
])
def test_each_change_in_words(db, instrument, first, last, line):
    assert _words(db, f"Words {instrument} {first} {last}", [(instrument, first, last)])[0] == line


@pytest.mark.parametrize("pairs, overall", [
    ([("phq9", 16, 4)], "Overall (NHS Talking Therapies): reliably recovered."),
    ([("phq9", 20, 12)], "Overall (NHS Talking Therapies): reliably improved."),
    ([("phq9", 12, 9)], "Overall (NHS Talking Therapies): recovered (but not reliably improved)."),
    ([("phq9", 12, 18)], "Overall (NHS Talking Therapies): reliably deteriorated."),
    ([("phq9", 12, 12)], "Overall (NHS Talking Therapies): no reliable change, not recovered."),
])
def test_the_overall_verdict_in_words(db, pairs, overall):
    assert _words(db, f"Overall {pairs}", pairs)[-1] == overall


def test_no_questionnaire_after_a_recorded_death(db):
    """As `risk assess` refuses: the day of death is the last day a questionnaire can carry."""
    client = clients.add_client(db, "Late Client")
    clients.edit_client(db, client, died_on=date(2026, 11, 10))
    assert measures.add_measure(db, client, "phq9", score="5", on=date(2026, 11, 10))["taken_on"] == "2026-11-10"
    with pytest.raises(InvalidValue, match=r"after the client's death \(2026-11-10\)"):
        measures.add_measure(db, client, "phq9", score="5", on=date(2026, 11, 11))


def test_a_total_given_beside_its_items_must_be_theirs():
    """As `therapy export` writes both (import measures, import all): the items decide, and a total that is
    not theirs is refused rather than stored beside them."""
    from therapy_cli.clinical.instruments import get_instrument

    phq9 = get_instrument("phq9")
    items = [1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert measures.checked_scores(phq9, items, "8") == (items, 8)
    assert measures.checked_scores(phq9, items, None) == (items, 8)
    assert measures.checked_scores(phq9, None, "8") == (None, 8)
    with pytest.raises(InvalidValue, match=r"the total score 9 is not the items' total \(8\)"):
        measures.checked_scores(phq9, items, "9")


def test_a_replayed_day_shows_no_later_questionnaire_risk_assessment_or_safety_plan(cli, jcli, db_path):
    """Replaying 5 November, `risk show` listed the 'high' assessment and the safety plan of the 15th, and
    `measure list` the PHQ-9 of the 15th, while `client show` and `measure progress` did not."""
    early, later = ("--today", "2026-11-01"), ("--today", "2026-11-15")
    jcli("client", "add", "Ann Asof", *early)
    jcli("risk", "assess", "ann", "--level", "low", *early)
    jcli("risk", "plan", "ann", "--crisis", "111", *early)
    jcli("measure", "add", "ann", "phq9", "--score", "12", *early)
    jcli("risk", "assess", "ann", "--level", "high", *later)
    jcli("risk", "plan", "ann", "--crisis", "999", "--means-safety", "meds locked", *later)
    jcli("measure", "add", "ann", "phq9", "--score", "20", *later)
    then = ("--today", "2026-11-05")
    shown = jcli("risk", "show", "ann", *then)
    assert shown["level"] == "low" and [a["level"] for a in shown["assessments"]] == ["low"]
    assert shown["safety_plan"]["crisis"] == "111" and shown["safety_plan_versions"] == 1
    assert [m["score"] for m in jcli("measure", "list", "ann", *then)] == [12]
    assert [p["score"] for p in jcli("measure", "chart", "ann", *then)["series"]["PHQ-9"]["points"]] == [12]
    now = jcli("risk", "show", "ann")
    assert [a["level"] for a in now["assessments"]] == ["low", "high"] and now["safety_plan_versions"] == 2
    assert [m["score"] for m in jcli("measure", "list", "ann")] == [12, 20]


def test_a_session_still_scheduled_today_asks_to_be_recorded_and_tomorrows_has_not_taken_place(cli, jcli, db_path):
    """Today's session may have happened and not been marked yet; tomorrow's cannot have happened."""
    jcli("client", "add", "Sam Edge", "--referred-on", "2026-09-01")
    today = jcli("session", "add", "sam", "--at", "2026-11-27 09:00", "--status", "scheduled")["id"]
    tomorrow = jcli("session", "add", "sam", "--at", "2026-11-28 09:00")["id"]
    assert_refused(cli, db_path, "measure", "add", "sam", "phq9", "--score", "9", "--session", str(today),
                   match=f"still scheduled; record it first (therapy session attend {today})")
    assert_refused(cli, db_path, "measure", "add", "sam", "phq9", "--score", "9", "--session", str(tomorrow),
                   "--on", "2026-11-27", match="still scheduled, not taken place yet")


@pytest.mark.parametrize(("days", "linked"), [(-8, False), (-7, True), (7, True), (8, False)])
def test_a_questionnaire_is_linked_to_a_session_up_to_seven_days_either_side(cli, jcli, db_path, days, linked):
    jcli("client", "add", "Pat Span", "--referred-on", "2026-09-01")
    session = jcli("session", "add", "pat", "--at", "2026-11-10 10:00")["id"]
    on = (date(2026, 11, 10) + timedelta(days=days)).isoformat()
    args = ("measure", "add", "pat", "gad7", "--score", "9", "--session", str(session), "--on", on)
    if linked:
        assert jcli(*args)["session_id"] == session
    else:
        assert_refused(cli, db_path, *args, match="is more than 7 days from session")
