"""Risk-register rules pinned at their edges (mutation testing of therapy_cli/clinical/risk.py).

Reviews 1 to 366 days ahead; nothing dated after a death; the questionnaire flag and the register as of a
given day (`--today`), the day itself included; a review due on the horizon is due. Today (conftest) is
Friday 2026-11-27.
"""

from datetime import date

import pytest

from conftest import assert_refused
from therapy_cli.clinical import measures, risk
from therapy_cli.errors import InvalidValue
from therapy_cli.practice import clients

PHQ9_ITEM9_AT_2 = "0,0,0,0,0,0,0,0,2"


def test_a_review_from_1_to_366_days_ahead(db):
    client = clients.add_client(db, "Review Client")
    assert risk.assess(db, client, "low", review_in=1)["review_due"] == "2026-11-28"
    assert risk.assess(db, client, "low", review_in=366)["review_due"] == "2027-11-28"
    for wrong in (0, 367):
        with pytest.raises(InvalidValue, match="--review-in must be 1–366 days"):
            risk.assess(db, client, "low", review_in=wrong)


def test_an_assessment_on_the_day_of_death_is_kept_and_the_day_after_is_not(jcli, cli, db):
    jcli("client", "add", "Late Client")
    jcli("client", "edit", "Late", "--died-on", "2026-11-20")
    client = clients.find_client(db, "Late")
    assert risk.assess(db, client, "high", on=date(2026, 11, 20))["assessed_on"] == "2026-11-20"
    with pytest.raises(InvalidValue, match="after the client's death"):
        risk.assess(db, client, "high", on=date(2026, 11, 21))


def test_a_date_of_death_before_a_held_assessment_plan_or_referral_is_refused(cli, jcli, db_path):
    """`risk assess`, `risk plan`, `client refer` and the plan commands refuse a date after a death, but a death
    recorded later, before such a record already held (a year or month typed wrong), was kept: the client left
    the register with a safety plan dated after their death."""
    jcli("client", "add", "Dated Wrong", "--referred-on", "2026-10-01")
    jcli("contact", "add", "Dr Rao", "--role", "gp")
    jcli("risk", "assess", "1", "--level", "moderate", "--on", "2026-11-20")
    assert_refused(cli, db_path, "client", "edit", "1", "--died-on", "2026-11-10",
                   match="date of death 2026-11-10 is before the client's risk assessment of 2026-11-20 (#1)")
    jcli("risk", "plan", "1", "--crisis", "999", "--on", "2026-11-22")
    assert_refused(cli, db_path, "client", "edit", "1", "--died-on", "2026-11-21",
                   match="date of death 2026-11-21 is before the client's safety plan of 2026-11-22 (#1)")
    # the latest record after the day is named
    for args, day, record in ((("client", "refer", "1", "--to", "Rao", "--on", "2026-11-23"), "2026-11-22",
                               "referral out of 2026-11-23"),
                              (("plan", "set", "1", "--modality", "cbt", "--on", "2026-11-24"), "2026-11-22",
                               "treatment plan of 2026-11-24"),
                              (("plan", "goal", "add", "1", "Sleep", "--on", "2026-11-25"), "2026-11-24",
                               "goal of 2026-11-25")):
        jcli(*args)
        assert_refused(cli, db_path, "client", "edit", "1", "--died-on", day,
                       match=f"date of death {day} is before the client's {record} (#1)")
    assert jcli("client", "edit", "1", "--died-on", "2026-11-25")["died_on"] == "2026-11-25"


def test_an_assessment_or_safety_plan_before_the_date_of_birth_is_refused(cli, jcli, db_path):
    """A year typed wrong (1989 for 2026): `measure add` refuses a questionnaire before the birth, but an
    assessment or safety plan dated then was kept, as history behind the current one."""
    jcli("client", "add", "Born Late", "--dob", "1990-05-05")
    assert_refused(cli, db_path, "risk", "assess", "1", "--level", "high", "--on", "1989-11-27",
                   match="assessment date 1989-11-27 is before the client's date of birth (1990-05-05)")
    assert_refused(cli, db_path, "risk", "plan", "1", "--crisis", "999", "--on", "1989-11-27",
                   match="safety plan date 1989-11-27 is before the client's date of birth (1990-05-05)")
    assert jcli("risk", "assess", "1", "--level", "low", "--on", "1990-05-05")["assessed_on"] == "1990-05-05"
    # nor is a date of birth moved after one (as after a questionnaire)
    assert_refused(cli, db_path, "client", "edit", "1", "--dob", "1990-05-06",
                   match="date of birth 1990-05-06 is after the client's risk assessment of 1990-05-05 (#1)")


def test_a_referral_out_or_plan_before_the_date_of_birth_is_refused(cli, jcli, db_path):
    """A year typed wrong (1989 for 2026): `risk assess` and `measure add` refused a date before the birth, but
    `client refer` and `plan set` kept it; and a date of birth moved after one is refused as after an
    assessment."""
    jcli("client", "add", "Born Late", "--dob", "1990-05-05")
    jcli("contact", "add", "Dr Rao", "--role", "gp")
    assert_refused(cli, db_path, "client", "refer", "1", "--to", "Rao", "--on", "1989-11-27",
                   match="referral date 1989-11-27 is before the date of birth (1990-05-05); check the year")
    assert_refused(cli, db_path, "plan", "set", "1", "--modality", "cbt", "--on", "1989-11-27",
                   match="plan date 1989-11-27 is before the client's date of birth (1990-05-05)")
    jcli("client", "refer", "1", "--to", "Rao", "--on", "1990-06-01")
    jcli("plan", "set", "1", "--modality", "cbt", "--on", "1990-05-20")
    assert_refused(cli, db_path, "client", "edit", "1", "--dob", "1990-06-15",
                   match="date of birth 1990-06-15 is after the client's treatment plan of 1990-05-20 (#1)")
    assert jcli("client", "edit", "1", "--dob", "1990-05-20")["date_of_birth"] == "1990-05-20"


def test_notes_and_plan_parts_up_to_5000_characters(db):
    client = clients.add_client(db, "Long Note")
    assert len(risk.assess(db, client, "low", note="n" * 5000)["note"]) == 5000
    with pytest.raises(InvalidValue):
        risk.assess(db, client, "low", note="n" * 5001)
    plan, added = risk.set_safety_plan(db, client, crisis="c" * 5000)
    assert added and len(plan["crisis"]) == 5000
    with pytest.raises(InvalidValue):
        risk.set_safety_plan(db, client, crisis="c" * 5001)


def test_an_unknown_plan_part_is_named_first_in_order(db):
    client = clients.add_client(db, "Plan Parts")
    with pytest.raises(InvalidValue, match="unknown safety plan part 'alpha'"):
        risk.set_safety_plan(db, client, beta="x", alpha="y")


def test_the_first_plan_is_set_and_later_ones_are_revisions_in_the_audit(jcli):
    jcli("client", "add", "Audit Plan")
    jcli("risk", "plan", "Audit", "--crisis", "999")
    jcli("risk", "plan", "Audit", "--coping", "walk")
    jcli("risk", "plan", "Audit", "--contacts", "sister")
    actions = [r["action"] for r in jcli("db", "audit", "--client", "Audit") if r["record_type"] == "safety_plan"]
    assert actions == ["set", "revise", "revise"]


def _flag_day(cli, day):
    result = cli("--today", day, "risk", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return [(i["level"], i["flag"] and i["flag"]["taken_on"]) for i in result.json()]


def test_the_flag_as_of_a_day_counts_that_days_questionnaire_and_assessment(jcli, cli):
    jcli("client", "add", "Flag Day")
    jcli("measure", "add", "Flag", "phq9", "--items", PHQ9_ITEM9_AT_2, "--on", "2026-11-10")
    jcli("risk", "assess", "Flag", "--level", "moderate", "--on", "2026-11-20")
    assert _flag_day(cli, "2026-11-09") == []                         # the questionnaire is not yet taken
    assert _flag_day(cli, "2026-11-10") == [(None, "2026-11-10")]     # taken today: flagged today
    assert _flag_day(cli, "2026-11-19") == [(None, "2026-11-10")]     # the later assessment does not count yet
    assert _flag_day(cli, "2026-11-20") == [("moderate", None)]       # assessed today: answered today


def test_a_client_assessed_today_is_on_the_register_today(jcli):
    jcli("client", "add", "Today Assessed")
    jcli("risk", "assess", "Today", "--level", "high")
    assert [(i["level"], i["assessed_on"]) for i in jcli("risk", "list")] == [("high", "2026-11-27")]


def test_a_discharged_clients_flag_is_not_open(jcli, db):
    jcli("client", "add", "Still Here", "--referred-on", "2026-10-01")
    jcli("client", "add", "Gone Away", "--referred-on", "2026-10-01")
    for name in ("Still", "Gone"):
        jcli("measure", "add", name, "phq9", "--items", PHQ9_ITEM9_AT_2, "--on", "2026-11-10")
    jcli("client", "discharge", "Gone", "--on", "2026-11-20")
    still = clients.find_client(db, "Still")
    assert [f["client_id"] for f in risk.open_flags(db)] == [still["id"]]
    assert [i["client_id"] for i in jcli("remind", "--kind", "risk_flag", "--all")] == [still["id"]]


def test_a_review_due_on_the_horizon_is_due(db):
    client = clients.add_client(db, "Horizon Client")
    risk.assess(db, client, "low", review_in=3)                       # due 2026-11-30
    assert [a["review_due"] for a in risk.reviews_due(db, date(2026, 11, 30))] == ["2026-11-30"]
    assert risk.reviews_due(db, date(2026, 11, 29)) == []


def test_each_clients_assessments_and_plans_are_their_own_up_to_a_replayed_day_itself(jcli):
    """Two clients assessed and planned on the same days: each one's history is theirs alone, and a replay
    of the day of a later assessment or plan version includes it."""
    for name in ("Ann One", "Bob Two"):
        jcli("client", "add", name, "--today", "2026-11-01")
        jcli("risk", "assess", name, "--level", "low", "--today", "2026-11-01")
        jcli("risk", "plan", name, "--crisis", f"{name} 111", "--today", "2026-11-01")
    jcli("risk", "assess", "Bob Two", "--level", "high", "--today", "2026-11-10")
    jcli("risk", "plan", "Bob Two", "--crisis", "Bob Two 999", "--today", "2026-11-10")
    ann = jcli("risk", "show", "Ann One")
    assert [a["level"] for a in ann["assessments"]] == ["low"]
    assert ann["safety_plan"]["crisis"] == "Ann One 111" and ann["safety_plan_versions"] == 1
    on_the_day = jcli("risk", "show", "Bob Two", "--today", "2026-11-10")
    assert [a["level"] for a in on_the_day["assessments"]] == ["low", "high"]
    assert on_the_day["safety_plan"]["crisis"] == "Bob Two 999" and on_the_day["safety_plan_versions"] == 2
    day_before = jcli("risk", "show", "Bob Two", "--today", "2026-11-09")
    assert [a["level"] for a in day_before["assessments"]] == ["low"] and day_before["safety_plan_versions"] == 1


def test_the_same_assessment_entered_twice_is_refused_and_any_difference_is_another(cli, jcli, db_path):
    """Assessments are never changed or removed: a repeat from the shell history would stay for good."""
    from conftest import assert_refused

    for name in ("Ann Same", "Bob Same"):
        jcli("client", "add", name, "--referred-on", "2026-10-01")
    first = jcli("risk", "assess", "ann", "--level", "moderate", "--review-in", "14", "--note", "passive thoughts",
                 "--on", "2026-11-20")
    assert_refused(cli, db_path, "risk", "assess", "ann", "--level", "moderate", "--review-in", "14", "--note",
                   "passive thoughts", "--on", "2026-11-20", match=f"already recorded (assessment #{first['id']})")
    base = {"--level": "moderate", "--review-in": "14", "--note": "passive thoughts", "--on": "2026-11-20"}
    for option, other in (("--level", "high"), ("--review-in", "7"), ("--note", "plan disclosed"),
                          ("--on", "2026-11-21")):
        args = [part for key, value in {**base, option: other}.items() for part in (key, value)]
        jcli("risk", "assess", "ann", *args)
    jcli("risk", "assess", "bob", *[part for item in base.items() for part in item])   # another client
    jcli("risk", "assess", "ann", "--level", "low", "--on", "2026-11-22")                 # no note, no review
    assert_refused(cli, db_path, "risk", "assess", "ann", "--level", "low", "--on", "2026-11-22",
                   match="already recorded")
    assert len(jcli("risk", "show", "ann")["assessments"]) == 6
