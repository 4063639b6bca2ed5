"""Treatment plans: versions kept, goals rated 0–10, reviews and when the next is due."""

from datetime import date

import pytest

from conftest import assert_refused
from therapy_cli.practice import clients
from therapy_cli.clinical import plans
from therapy_cli.errors import Conflict, InvalidValue, NotFound


def _client(db, name="Alex Morgan"):
    return clients.add_client(db, name)


def test_set_plan_prints_the_record(jcli):
    jcli("client", "add", "Alex Morgan")
    plan = jcli("plan", "set", "alex", "--modality", "cbt", "--approach", "Clark & Wells", "--sessions", "12",
                "--review-every", "6", "--problem", "low mood", "--problem", "worry", "--on", "2026-10-01")
    assert plan["id"] == 1 and plan["version"] == 1 and plan["modality"] == "cbt"
    assert plan["problems"] == ["low mood", "worry"] and plan["sessions_planned"] == 12
    assert plan["started_on"] == "2026-10-01" and plan["review_due"] == "2026-11-12"


def test_changing_the_plan_keeps_the_previous_version(jcli, cli):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--sessions", "12", "--problem", "low mood",
         "--on", "2026-09-01")
    plan = jcli("plan", "set", "alex", "--modality", "integrative", "--sessions", "20")
    assert plan["version"] == 2 and plan["modality"] == "integrative"
    assert plan["problems"] == ["low mood"]  # carried over
    shown = jcli("plan", "show", "alex", "--history")
    assert [(v["version"], v["modality"], v["sessions_planned"]) for v in shown["history"]] == [
        (1, "cbt", 12), (2, "integrative", 20)]
    assert "history" not in jcli("plan", "show", "alex")
    audit = jcli("db", "audit", "--client", "alex")
    assert sum(1 for a in audit if a["record_type"] == "plan") == 2


def test_a_new_version_keeps_the_modality_unless_given_and_a_first_plan_needs_one(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    result = assert_refused(cli, db_path, "plan", "set", "alex", "--sessions", "12", code=2)
    assert "Missing option '--modality': client #1 has no plan yet" in result.stderr
    jcli("plan", "set", "alex", "--modality", "psychodynamic", "--sessions", "12", "--on", "2026-09-01")
    plan = jcli("plan", "set", "alex", "--sessions", "16")          # only the number of sessions changes
    assert (plan["version"], plan["modality"], plan["sessions_planned"]) == (2, "psychodynamic", 16)


def test_an_identical_plan_adds_no_version(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "cbt")
    result = cli("plan", "set", "alex", "--modality", "cbt", "--json")
    assert result.exit_code == 0 and result.json()["version"] == 1 and "unchanged" in result.stderr


def test_empty_values_clear_on_a_revision(db):
    client = _client(db)
    plans.set_plan(db, client, "cbt", approach="CFT", problems=["worry"], on=date(2026, 10, 1))
    plan = plans.set_plan(db, client, "cbt", approach="", problems=[""])
    assert plan["version"] == 2 and plan["approach"] is None and plan["problems"] == []


@pytest.mark.parametrize("args,code,match", [
    (["--modality", "gestalt"], 2, None),
    (["--modality", "cbt", "--sessions", "0"], 1, "--sessions"),
    (["--modality", "cbt", "--review-every", "0"], 1, "--review-every"),
    (["--modality", "cbt", "--review-every", "500"], 1, "--review-every"),
    (["--modality", "cbt", "--on", "2026-12-25"], 1, "future"),
    (["--modality", "cbt", "--on", "0001-01-01"], 1, "before 1950"),
    (["--modality", "cbt", "--problem", "x" * 501], 1, "at most 500"),
])
def test_bad_plans_refused(cli, db_path, jcli, args, code, match):
    jcli("client", "add", "Alex Morgan")
    assert_refused(cli, db_path, "plan", "set", "alex", *args, code=code, match=match)


def test_modality_is_case_insensitive_on_the_command_line(jcli):
    jcli("client", "add", "Alex Morgan")
    assert jcli("plan", "set", "alex", "--modality", "CBT")["modality"] == "cbt"
    assert jcli("plan", "set", "alex", "--modality", "Systemic")["modality"] == "systemic"


def test_all_spec_modalities_accepted(db):
    client = _client(db)
    for modality in ("cbt", "psychodynamic", "psychoanalytic", "humanistic", "integrative", "systemic", "hypno",
                     "constructivist", "other"):
        assert plans.set_plan(db, client, modality)["modality"] == modality


def test_review_due_from_start_then_from_last_review(db):
    client = _client(db)
    assert plans.review_due(db, client["id"]) is None
    plans.set_plan(db, client, "cbt", review_every=4, on=date(2026, 10, 1))
    assert plans.review_due(db, client["id"]) == date(2026, 10, 29)
    plans.set_plan(db, client, "cbt", review_every=6, on=date(2026, 10, 8))  # a revision keeps the clock
    assert plans.review_due(db, client["id"]) == date(2026, 11, 12)
    review = plans.review_plan(db, client, "on track", on=date(2026, 11, 10))
    assert review["next_review_on"] == "2026-12-22" and review["plan_version"] == 2
    assert plans.review_due(db, client["id"]) == date(2026, 12, 22)


def test_no_review_interval_no_due_date(db):
    client = _client(db)
    plans.set_plan(db, client, "psychodynamic")
    assert plans.review_due(db, client["id"]) is None
    assert plans.review_plan(db, client)["next_review_on"] is None


def test_plan_review_cli_uses_today(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    assert_refused(cli, db_path, "plan", "review", "alex", match="no treatment plan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--review-every", "6", "--on", "2026-10-01")
    review = jcli("plan", "review", "alex", "--note", "goals still fit")
    assert review["reviewed_on"] == "2026-11-27" and review["next_review_on"] == "2027-01-08"
    shown = jcli("plan", "show", "alex")
    assert shown["review_due"] == "2027-01-08" and shown["reviews"][0]["note"] == "goals still fit"
    audit = [a for a in jcli("db", "audit", "--client", "alex") if a["record_type"] == "plan_review"]
    assert audit and all("goals still fit" not in str(a) for a in audit)


def test_goals_add_rate_close(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan")
    assert_refused(cli, db_path, "plan", "goal", "add", "alex", "Back to work", match="no treatment plan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-10-01")
    goal = jcli("plan", "goal", "add", "alex", "Back to work", "--on", "2026-10-01")
    assert goal["status"] == "open" and goal["latest_score"] is None
    jcli("plan", "goal", "rate", "alex", goal["id"], "3", "--on", "2026-10-08")
    goal = jcli("plan", "goal", "rate", "alex", goal["id"], "7")
    assert goal["latest_score"] == 7 and goal["first_score"] == 3 and goal["latest_rated_on"] == "2026-11-27"
    # the command run again from the history is not a second rating
    assert_refused(cli, db_path, "plan", "goal", "rate", "alex", goal["id"], "7",
                   match=f"goal #{goal['id']} is already rated 7 on 2026-11-27")
    for bad, match, code in [("11", "0–10", 1), ("six", "not a number", 2), ("2.5", "whole number", 1),
                             ("+2", "has a sign: rate where the goal stands now, 0–10, not the change", 1)]:
        assert_refused(cli, db_path, "plan", "goal", "rate", "alex", goal["id"], bad, match=match, code=code)
    assert_refused(cli, db_path, "plan", "goal", "rate", "alex", goal["id"], "--", "-1", match="0–10")
    assert_refused(cli, db_path, "plan", "goal", "rate", "alex", goal["id"], "5", "--on", "2026-09-01",
                   match="before the goal")
    closed = jcli("plan", "goal", "close", "alex", goal["id"])
    assert closed["status"] == "closed" and closed["closed_on"] == "2026-11-27"
    assert_refused(cli, db_path, "plan", "goal", "close", "alex", goal["id"], match="already closed")
    assert_refused(cli, db_path, "plan", "goal", "rate", "alex", goal["id"], "5", match="closed")


def test_a_goal_belongs_to_its_client(db):
    alex = _client(db)
    sam = _client(db, "Sam Morgan")
    plans.set_plan(db, alex, "cbt")
    plans.set_plan(db, sam, "cbt")
    goal = plans.add_goal(db, alex, "Sleep through")
    with pytest.raises(NotFound, match=f"client #{sam['id']} has no goal #{goal['id']}"):
        plans.rate_goal(db, sam, goal["id"], 5)
    with pytest.raises(InvalidValue, match="empty"):
        plans.add_goal(db, alex, "   ")
    plans.close_goal(db, alex, goal["id"])
    with pytest.raises(Conflict):
        plans.close_goal(db, alex, goal["id"])


def test_client_show_has_plan_goals_and_review_due(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "systemic", "--review-every", "8", "--on", "2026-10-01")
    goal = jcli("plan", "goal", "add", "alex", "Fewer arguments")
    jcli("plan", "goal", "rate", "alex", goal["id"], "4")
    shown = jcli("client", "show", "alex")
    assert shown["plan"]["modality"] == "systemic" and shown["review_due"] == "2026-11-26"
    assert shown["plan"]["goals"][0]["latest_score"] == 4


def test_client_show_without_a_plan(jcli):
    jcli("client", "add", "Alex Morgan")
    shown = jcli("client", "show", "alex")
    assert shown["plan"] is None and shown["review_due"] is None and shown["latest_scores"] == {}


def test_plans_in_client_export(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--problem", "panic", "--on", "2026-10-01")
    jcli("plan", "set", "alex", "--modality", "cbt", "--sessions", "8")
    goal = jcli("plan", "goal", "add", "alex", "Take the bus")
    jcli("plan", "goal", "rate", "alex", goal["id"], "2")
    jcli("plan", "review", "alex")
    export = cli("client", "export", "alex").json()
    assert [p["version"] for p in export["plans"]] == [1, 2] and export["plans"][0]["problems"] == ["panic"]
    assert export["goals"][0]["text"] == "Take the bus" and export["goal_ratings"][0]["score"] == 2
    assert len(export["plan_reviews"]) == 1


def test_plan_show_table_is_readable(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--review-every", "6")
    jcli("plan", "goal", "add", "alex", "Back to work")
    out = cli("plan", "show", "alex", "--history").stdout
    assert "modality" in out and "Goals" in out and "Back to work" in out and "Versions" in out


def test_goal_score_non_ascii_digits_refused(db):
    client = _client(db)
    plans.set_plan(db, client, "cbt")
    goal = plans.add_goal(db, client, "Sleep through")
    for bad in ("²", "٣", "1e1"):
        with pytest.raises(InvalidValue, match="whole number"):
            plans.rate_goal(db, client, goal["id"], bad)


def test_a_goal_cannot_be_dated_before_the_plan_started(jcli, cli, db_path):
    from conftest import assert_refused

    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "Alex", "--modality", "cbt", "--on", "2026-10-05")
    assert_refused(cli, db_path, "plan", "goal", "add", "Alex", "Back to work", "--on", "2026-10-04",
                   match="before the plan started (2026-10-05)")
    assert jcli("plan", "goal", "add", "Alex", "Back to work", "--on", "2026-10-05")["created_on"] == "2026-10-05"


def test_a_goal_is_not_closed_before_its_latest_rating(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-10-01")
    goal = jcli("plan", "goal", "add", "alex", "Speak up in meetings", "--on", "2026-10-01")["id"]
    jcli("plan", "goal", "rate", "alex", str(goal), "7", "--on", "2026-11-14")
    result = assert_refused(cli, db_path, "plan", "goal", "close", "alex", str(goal), "--on", "2026-11-01")
    assert "closing date 2026-11-01 is before the goal's latest rating (2026-11-14)" in result.stderr
    assert jcli("plan", "goal", "close", "alex", str(goal), "--on", "2026-11-14")["status"] == "closed"


def test_nothing_of_the_plan_is_dated_after_a_death(cli, jcli, db_path):
    jcli("client", "add", "Nia Ode")
    jcli("session", "add", "nia", "--at", "2026-10-06 10:00")
    jcli("plan", "set", "nia", "--modality", "cbt", "--review-every", "4", "--on", "2026-10-06")
    goal = jcli("plan", "goal", "add", "nia", "Sleep better", "--on", "2026-10-06")["id"]
    jcli("client", "edit", "nia", "--died-on", "2026-11-01")
    for args, what in [(["plan", "goal", "rate", "nia", str(goal), "6"], "rating date"),
                       (["plan", "review", "nia", "--note", "went well"], "review date"),
                       (["plan", "set", "nia", "--modality", "cbt", "--sessions", "12"], "plan date"),
                       (["plan", "goal", "add", "nia", "Another"], "goal date")]:
        result = assert_refused(cli, db_path, *args)
        assert f"{what} 2026-11-27 is after the client's death (2026-11-01)" in result.stderr
    # dated before it, the record can still be completed; a goal can be closed afterwards
    jcli("plan", "goal", "rate", "nia", str(goal), "5", "--on", "2026-10-20")
    assert jcli("plan", "goal", "close", "nia", str(goal))["status"] == "closed"


def test_a_date_of_death_is_not_recorded_before_the_plans_work_or_a_referral_out(cli, jcli, db_path):
    # `plan ...` and `client refer` refuse a date after a death: one already held dates the death too
    jcli("contact", "add", "Dr Priya Shah", "--role", "GP")
    jcli("client", "add", "Nia Ode", "--referred-on", "2026-09-01")
    jcli("session", "add", "nia", "--at", "2026-09-16 10:00")
    jcli("plan", "set", "nia", "--modality", "cbt", "--review-every", "6", "--on", "2026-09-16")
    goal = jcli("plan", "goal", "add", "nia", "Sleep better", "--on", "2026-09-16")["id"]
    jcli("plan", "goal", "rate", "nia", str(goal), "5", "--on", "2026-10-20")
    assert_refused(cli, db_path, "client", "edit", "nia", "--died-on", "2026-10-01",
                   match="date of death 2026-10-01 is before the client's goal rating of 2026-10-20")
    jcli("plan", "review", "nia", "--on", "2026-11-02")
    assert_refused(cli, db_path, "client", "edit", "nia", "--died-on", "2026-10-25",
                   match="before the client's plan review of 2026-11-02")
    jcli("client", "refer", "nia", "--to", "shah", "--on", "2026-11-10")
    assert_refused(cli, db_path, "client", "edit", "nia", "--died-on", "2026-11-05",
                   match="before the client's referral out of 2026-11-10")
    assert jcli("client", "edit", "nia", "--died-on", "2026-11-10")["died_on"] == "2026-11-10"


def test_a_plan_is_not_dated_before_the_clients_birth(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan", "--dob", "2000-01-01", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "plan", "set", "alex", "--modality", "cbt", "--on", "1990-01-01",
                   match="plan date 1990-01-01 is before the client's date of birth (2000-01-01)")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-09-10")
    # nor is the date of birth moved after the plan (a year typed wrong on one of them)
    assert_refused(cli, db_path, "client", "edit", "alex", "--dob", "2026-09-20",
                   match="date of birth 2026-09-20 is after the client's treatment plan of 2026-09-10")


def test_a_plan_is_not_dated_before_the_referral(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "plan", "set", "alex", "--modality", "cbt", "--on", "2025-09-10",
                   match="plan date 2025-09-10 is before the client's referral (2026-09-01)")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-09-10")
    assert_refused(cli, db_path, "client", "edit", "alex", "--referred-on", "2026-09-20",
                   match="referral date 2026-09-20 is after the client's treatment plan of 2026-09-10")
    assert jcli("client", "edit", "alex", "--referred-on", "2026-09-10")["referred_on"] == "2026-09-10"


def test_a_backdated_version_does_not_start_before_the_review_of_the_one_it_replaces(cli, jcli, db_path):
    jcli("client", "add", "Ivy Jones", "--referred-on", "2026-09-01")
    jcli("plan", "set", "ivy", "--modality", "cbt", "--sessions", "12", "--review-every", "4", "--on", "2026-10-01")
    jcli("plan", "review", "ivy", "--note", "v1 reviewed", "--on", "2026-11-10")
    result = assert_refused(cli, db_path, "plan", "set", "ivy", "--modality", "cbt", "--sessions", "20",
                            "--on", "2026-11-01")
    assert "plan date 2026-11-01 is before the review of version 1 on 2026-11-10" in result.stderr
    assert jcli("plan", "set", "ivy", "--modality", "cbt", "--sessions", "20", "--on", "2026-11-10")["version"] == 2


def test_a_review_before_a_revision_names_the_version_it_would_precede(cli, jcli, db_path):
    jcli("client", "add", "Ivy Jones")
    jcli("plan", "set", "ivy", "--modality", "cbt", "--on", "2026-10-01")
    jcli("plan", "set", "ivy", "--modality", "systemic", "--on", "2026-11-01")
    result = assert_refused(cli, db_path, "plan", "review", "ivy", "--on", "2026-10-15")
    assert "review date 2026-10-15 is before version 2 of the plan started (2026-11-01)" in result.stderr


def test_the_same_goal_or_review_entered_twice_is_refused(cli, jcli, db_path):
    """The command run again from the shell history: two open goals of one wording were rated apart, and the
    review list held the same review twice."""
    jcli("client", "add", "Kim Lee", "--referred-on", "2026-10-01")
    jcli("plan", "set", "kim", "--modality", "cbt", "--review-every", "6", "--on", "2026-10-05")
    goal = jcli("plan", "goal", "add", "kim", "Sleep through most nights")
    assert_refused(cli, db_path, "plan", "goal", "add", "kim", "sleep through most NIGHTS",
                   match=f"goal #{goal['id']} 'Sleep through most nights' is already open")
    jcli("plan", "goal", "add", "kim", "Sleep through every night")          # other words: another goal
    jcli("plan", "goal", "close", "kim", str(goal["id"]))
    assert jcli("plan", "goal", "add", "kim", "Sleep through most nights")["id"] != goal["id"]   # set again
    review = jcli("plan", "review", "kim", "--on", "2026-11-20", "--note", "Goals reviewed")
    assert_refused(cli, db_path, "plan", "review", "kim", "--on", "2026-11-20", "--note", "Goals reviewed",
                   match=f"already recorded (review #{review['id']})")
    jcli("plan", "review", "kim", "--on", "2026-11-20", "--note", "Second look with the couple")
    jcli("plan", "review", "kim", "--on", "2026-11-21", "--note", "Goals reviewed")
    jcli("client", "add", "Sam Lee", "--referred-on", "2026-10-01")
    jcli("plan", "set", "sam", "--modality", "cbt", "--on", "2026-10-05")
    jcli("plan", "review", "sam", "--on", "2026-11-20", "--note", "Goals reviewed")   # another client
    assert len(jcli("plan", "show", "kim")["reviews"]) == 3


def test_a_rating_or_a_closing_recorded_in_error_is_taken_back_and_audited(cli, jcli, db_path):
    """`plan goal rate alex 2 3` meant goal 3, score 2: the wrong rating became goal 2's first score in the
    end-of-therapy report, and nothing could take it (or a goal closed by the wrong id) back."""
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-01")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-10-05")
    for text in ("Walk daily", "Sleep by 11", "Call a friend"):
        jcli("plan", "goal", "add", "alex", text, "--on", "2026-10-05")
    jcli("plan", "goal", "rate", "alex", "2", "4", "--on", "2026-11-01")
    jcli("plan", "goal", "rate", "alex", "2", "3")                                   # meant: goal 3, score 2
    asked = assert_refused(cli, db_path, "plan", "goal", "unrate", "alex", "2",
                           match="Take back goal #2's rating of 3/10 on 2026-11-27 ('Sleep by 11')?")
    assert "--yes" in asked.stderr
    taken = cli("plan", "goal", "unrate", "alex", "2", "--yes", "--json")
    assert taken.exit_code == 0 and taken.stderr == "Took back goal #2's rating of 3/10 on 2026-11-27\n"
    assert [(r["rated_on"], r["score"]) for r in taken.json()["ratings"]] == [("2026-11-01", 4)]  # the earlier stays
    jcli("plan", "goal", "rate", "alex", "3", "2")
    assert [(g["id"], g["latest_score"]) for g in jcli("plan", "show", "alex")["goals"]] == [(1, None), (2, 4), (3, 2)]
    assert_refused(cli, db_path, "plan", "goal", "unrate", "alex", "1", "--yes", match="no rating to take back")
    assert_refused(cli, db_path, "plan", "goal", "unrate", "alex", "9", "--yes", match="has no goal #9")
    # a goal closed by the wrong id is reopened, and can be rated again
    jcli("plan", "goal", "close", "alex", "1")
    assert jcli("plan", "goal", "reopen", "alex", "1")["status"] == "open"
    assert jcli("plan", "goal", "rate", "alex", "1", "5")["latest_score"] == 5
    assert_refused(cli, db_path, "plan", "goal", "reopen", "alex", "1", match="is open")
    audit = [a["summary"] for a in jcli("db", "audit", "--client", "alex") if a["record_type"] in ("goal",
                                                                                                  "goal_rating")]
    assert "goal #2 rating of 2026-11-27 taken back (recorded in error)" in audit
    assert "goal #1 closing of 2026-11-27 taken back" in audit


def test_a_goal_is_not_reopened_over_one_of_its_wording_set_and_closed_since(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-09-16")
    jcli("plan", "goal", "add", "alex", "Sleep", "--on", "2026-09-16")
    jcli("plan", "goal", "close", "alex", "1", "--on", "2026-10-01")
    jcli("plan", "goal", "add", "alex", "sleep", "--on", "2026-10-05")
    jcli("plan", "goal", "close", "alex", "2", "--on", "2026-10-20")
    # reopened, goal 1 would be open from 2026-09-16 on, beside goal 2 in October
    assert_refused(cli, db_path, "plan", "goal", "reopen", "alex", "1",
                   match="goal #2 of the same wording was open since (closed on 2026-10-20)")
    assert jcli("plan", "goal", "reopen", "alex", "2")["status"] == "open"   # the latest of its wording


def test_a_goal_dated_back_is_refused_while_one_of_its_wording_was_open_that_day(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-10-01")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-10-05")
    jcli("plan", "goal", "add", "alex", "Speak up in meetings", "--on", "2026-10-05")
    jcli("plan", "goal", "close", "alex", "1", "--on", "2026-11-03")
    assert_refused(cli, db_path, "plan", "goal", "add", "alex", "Speak up in meetings", "--on", "2026-10-10",
                   match="goal #1 'Speak up in meetings' was open on 2026-10-10 (closed on 2026-11-03)")
    # from the day it was closed, the wording can be set again
    assert jcli("plan", "goal", "add", "alex", "Speak up in meetings", "--on", "2026-11-03")["id"] == 2


def test_the_plan_of_an_erased_client_is_not_offered_to_be_set_again(jcli, cli, db_path):
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-09-01")
    jcli("plan", "set", "alex", "--modality", "cbt", "--on", "2026-09-10")
    jcli("plan", "goal", "add", "alex", "Sleep better", "--on", "2026-09-10")
    jcli("plan", "goal", "rate", "alex", "1", "4", "--on", "2026-09-10")
    jcli("client", "discharge", "alex", "--on", "2026-09-20")
    assert cli("client", "erase", "1", "--yes", "--force", "--reason", "erasure request").exit_code == 0
    result = assert_refused(cli, db_path, "plan", "show", "1", match="client #1 was erased on 2026-11-27")
    assert "plan set" not in result.stderr
    # nor asked for a modality, as though a first plan could be set (exit 2): the erasure is the refusal
    assert_refused(cli, db_path, "plan", "set", "1", "--sessions", "12",
                   match="client #1 was erased on 2026-11-27; its plan cannot be changed")
    for args in (["goal", "unrate", "1", "1", "--yes"], ["goal", "rate", "1", "1", "5"], ["goal", "close", "1", "1"]):
        assert_refused(cli, db_path, "plan", *args, match="client #1 has been erased")
