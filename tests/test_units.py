"""Members of couples, families and groups: one state per person, the same in every view and count."""

from __future__ import annotations

import pytest

from conftest import assert_refused


@pytest.fixture
def group(cli, jcli):
    """A weekly group of three members referred through the group, three sessions attended."""
    assert cli("config", "set", "timezone", "Europe/London").exit_code == 0
    for name in ("Nia Owen", "Raj Patel", "Sue Quinn"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--referred-on", "2026-10-01",
         "--member", "Nia", "--member", "Raj", "--member", "Sue")
    for day in ("2026-10-20", "2026-10-27", "2026-11-03"):
        jcli("session", "add", "Tuesday", "--at", f"{day} 18:00", "--duration", "90")
    return {c["name"]: c["id"] for c in jcli("client", "list")}


def test_a_member_attending_the_group_is_active_through_it(group, jcli):
    nia = jcli("client", "show", "Nia")
    assert (nia["status"], nia["via_unit"]) == ("active", group["Tuesday group"])
    assert nia["sessions"]["attended"] == nia["sessions"]["attended_in_units"] == 3
    assert nia["first_attended_on"] == "2026-10-20"
    unit = jcli("client", "show", "Tuesday")
    assert (unit["status"], unit["via_unit"]) == ("active", None)
    listed = {c["name"]: c for c in jcli("client", "list", "--status", "active")}
    assert set(listed) == {"Nia Owen", "Raj Patel", "Sue Quinn", "Tuesday group"}
    assert jcli("client", "list", "--status", "waiting") == []
    caseload = jcli("report", "caseload")
    assert {r["name"]: r["status"] for r in caseload} == {n: "active" for n in listed}
    assert {r["name"]: r["sessions_attended"] for r in caseload}["Raj Patel"] == 3
    assert jcli("report", "week")["waiting"] == 0


def test_absent_members_are_not_present_and_the_first_session_follows(group, jcli, cli, tmp_path):
    jcli("session", "add", "Tuesday", "--at", "2026-11-10 18:00", "--duration", "90", "--absent", "Sue")
    sue = jcli("client", "show", "Sue")["sessions"]
    nia = jcli("client", "show", "Nia")["sessions"]
    assert (sue["attended"], nia["attended"]) == (3, 4)
    out = tmp_path / "nia.md"
    assert cli("report", "client", "Nia", "--output", out).exit_code == 0
    text = out.read_text()
    assert "| First session | 2026-10-20 |" in text and "none yet" not in text
    assert "4 attended" in text


def test_a_member_attending_the_group_is_not_reminded_as_unseen(group, jcli, cli):
    # 2026-11-03 was the last group session: by 2026-12-10 the group is unseen for five weeks,
    # one item that stands for its members
    items = jcli("--today", "2026-12-10", "remind", "--within", "0")
    unseen = {i["client_id"] for i in items if i["kind"] == "no_recent_session"}
    assert unseen == {group["Tuesday group"]}
    # a member who stopped coming while the group met is named on their own
    jcli("--today", "2026-12-10", "session", "add", "Tuesday", "--at", "2026-12-01 18:00", "--duration", "90",
         "--absent", "Raj")
    items = jcli("--today", "2026-12-10", "remind", "--within", "0")
    assert {i["client_id"] for i in items if i["kind"] == "no_recent_session"} == {group["Raj Patel"]}
    # ...but a member at a group session last week was seen
    jcli("--today", "2026-12-10", "session", "add", "Tuesday", "--at", "2026-12-08 18:00", "--duration", "90")
    items = jcli("--today", "2026-12-10", "remind", "--within", "0")
    assert not [i for i in items if i["kind"] == "no_recent_session"]


def test_group_completers_are_outcomes_and_referrals_started(group, jcli, cli, db_path):
    jcli("client", "discharge", "Tuesday", "--on", "2026-11-20")
    for name in ("Nia", "Raj", "Sue"):
        shown = jcli("client", "show", name)
        assert (shown["status"], shown["via_unit"], shown["discharged_on"]) == (
            "discharged", group["Tuesday group"], "2026-11-20")
    assert_refused(cli, db_path, "client", "reopen", "Nia", match="through #")
    outcomes = jcli("report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30")
    assert outcomes["discharged"] == 4 and outcomes["finished"] == 4
    assert jcli("report", "week", "--week", "2026-W47")["discharges"] == 1   # the group's own discharge
    referrals = jcli("report", "referrals", "--from", "2026-10-01", "--to", "2026-10-31")
    assert referrals["referrals_in"] == 1 and referrals["by_source"][0]["started"] == 1


def test_waiting_counts_agree_and_a_waiting_group_is_not_counted_on_top_of_its_members(jcli):
    for name in ("Ann One", "Bea Two"):
        jcli("client", "add", name, "--referred-on", "2026-11-02")
    jcli("client", "add", "Friday group", "--kind", "group", "--member", "Ann", "--member", "Bea")
    jcli("client", "add", "Cal Three")
    jcli("client", "add", "Dee Four")
    jcli("client", "add", "The Threes", "--kind", "couple", "--member", "Cal", "--member", "Dee",
         "--referred-on", "2026-11-05")
    waiting = {c["name"] for c in jcli("client", "list", "--status", "waiting")}
    assert waiting == {"Ann One", "Bea Two", "The Threes"}
    assert len(waiting) == jcli("report", "week")["waiting"]
    assert {r["name"] for r in jcli("report", "caseload") if r["status"] == "waiting"} == waiting
    cal = jcli("client", "show", "Cal")
    assert (cal["status"], cal["via_unit"]) == ("waiting", jcli("client", "show", "Threes")["id"])


def test_report_client_of_a_couple_includes_members_scores_at_couple_sessions(cli, jcli, tmp_path):
    jcli("client", "add", "Ann Lee")
    jcli("client", "add", "Ben Lee")
    jcli("client", "add", "The Lees", "--kind", "couple", "--member", "Ann", "--member", "Ben")
    first = jcli("session", "add", "Lees", "--at", "2026-10-01 10:00")["id"]
    last = jcli("session", "add", "Lees", "--at", "2026-11-05 10:00")["id"]
    jcli("measure", "add", "Ann", "PHQ-9", "--score", "16", "--session", first, "--on", "2026-10-01")
    jcli("measure", "add", "Ann", "PHQ-9", "--score", "8", "--session", last, "--on", "2026-11-05")
    jcli("measure", "add", "Ben", "PHQ-9", "--score", "12", "--session", last, "--on", "2026-11-05")
    jcli("measure", "add", "Lees", "CORE-10", "--score", "20", "--on", "2026-11-05")
    out = tmp_path / "lees.md"
    assert cli("report", "client", "Lees", "--output", out).exit_code == 0
    text = out.read_text()
    assert "PHQ-9 (Ann Lee)" in text and "PHQ-9 (Ben Lee)" in text
    assert "Ann Lee, PHQ-9: 16 → 8, fell 8 points; a reliable improvement." in text
    assert "Ben Lee, PHQ-9: a single score (12); change needs at least two." in text
    # the couple's own single CORE-10 is not described as a change either
    assert "CORE-10: a single score (20)" in text and "20 → 20" not in text


def test_report_client_of_a_couple_says_a_members_change_of_one_point_in_the_singular(cli, jcli, tmp_path):
    """'Ben Lee, PHQ-9: 12 → 11, fell 1 points.' in a report meant for the referrer."""
    for name in ("Ann Lee", "Ben Lee"):
        jcli("client", "add", name)
    jcli("client", "add", "The Lees", "--kind", "couple", "--member", "Ann", "--member", "Ben")
    first = jcli("session", "add", "Lees", "--at", "2026-10-01 10:00")["id"]
    last = jcli("session", "add", "Lees", "--at", "2026-11-05 10:00")["id"]
    jcli("measure", "add", "Ben", "PHQ-9", "--score", "12", "--session", first)
    jcli("measure", "add", "Ben", "PHQ-9", "--score", "11", "--session", last)
    jcli("measure", "add", "Ann", "ORS", "--score", "20.3", "--session", first)
    jcli("measure", "add", "Ann", "ORS", "--score", "25.1", "--session", last)
    out = tmp_path / "lees.md"
    assert cli("report", "client", "Lees", "--output", out).exit_code == 0
    text = out.read_text()
    assert "Ben Lee, PHQ-9: 12 → 11, fell 1 point." in text
    assert "Ann Lee, ORS: 20.3 → 25.1, rose 4.8 points." in text


def test_an_erased_stub_is_not_a_discharge(jcli, cli, db_path):
    jcli("client", "add", "Eli Gone", "--referred-on", "2026-01-05")
    jcli("session", "add", "Eli", "--at", "2026-01-10 10:00")
    jcli("session", "add", "Eli", "--at", "2026-01-17 10:00")
    jcli("client", "discharge", "Eli", "--on", "2026-11-24")
    assert jcli("report", "week")["discharges"] == 1
    assert jcli("report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30")["discharged"] == 1
    assert cli("client", "erase", "Eli", "--force", "--reason", "asked to be forgotten", "--yes").exit_code == 0
    assert jcli("report", "week")["discharges"] == 0
    assert jcli("report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30")["discharged"] == 0


def test_a_member_is_not_discharged_before_the_last_group_session_they_were_at(group, cli, jcli, db_path):
    assert_refused(cli, db_path, "client", "discharge", "Nia", "--on", "2026-10-30", match="last attended")
    record = jcli("client", "discharge", "Nia", "--on", "2026-11-03")
    assert (record["status"], record["via_unit"]) == ("discharged", None)


def test_measures_are_asked_of_a_members_own_therapy_as_at_the_day(group, jcli):
    """measure_due goes by the state as at the day (issue 3/10): a member in therapy only through the group
    is not asked (the questionnaires follow a person's own therapy); one who also has sessions of their own
    is asked after those; and a morning replayed before a discharge still asks."""
    def due(today):
        return {i["client_id"]: i["due"] for i in jcli("--today", today, "remind", "--kind", "measure_due", "--all")}

    assert due("2026-11-04") == {}
    raj = group["Raj Patel"]
    jcli("--today", "2026-11-06", "session", "add", "Raj", "--at", "2026-11-05 10:00")
    assert due("2026-11-06") == {raj: "2026-11-05"}
    jcli("--today", "2026-11-07", "measure", "add", "Raj", "PHQ-9", "--score", "7", "--on", "2026-11-07")
    assert due("2026-11-08") == {}
    assert due("2026-11-06") == {raj: "2026-11-05"}          # the measure of the 7th was not taken yet
    jcli("--today", "2026-11-20", "client", "discharge", "Raj", "--on", "2026-11-20")
    assert raj not in due("2026-11-21")
    assert due("2026-11-06") == {raj: "2026-11-05"}          # as at the 6th, still in therapy


def test_a_member_cannot_rejoin_over_their_own_earlier_membership(jcli, cli, db_path):
    """Two memberships of one person in one unit that overlap would count its sessions twice."""
    from conftest import assert_refused

    jcli("client", "add", "Ann A")
    jcli("client", "add", "Bob B")
    jcli("client", "add", "Grp", "--kind", "group", "--member", "Ann", "--member", "Bob", "--referred-on", "2026-09-01")
    jcli("session", "add", "Grp", "--at", "2026-11-03 10:00")
    jcli("client", "leave", "Grp", "Ann", "--on", "2026-11-05")
    for day in ("2026-11-01", "2026-11-05"):
        assert_refused(cli, db_path, "client", "join", "Grp", "Ann", "--on", day, match="until 2026-11-05")
    jcli("client", "join", "Grp", "Ann", "--on", "2026-11-06")
    assert jcli("client", "show", "Ann")["sessions"]["attended"] == 1


def test_a_couple_never_has_three_members_on_any_day(jcli, cli, db_path):
    from conftest import assert_refused

    for name in ("Ann A", "Bob B", "Cy C"):
        jcli("client", "add", name)
    jcli("client", "add", "Cpl", "--kind", "couple", "--member", "Ann")
    jcli("client", "join", "Cpl", "Bob", "--on", "2026-11-10")
    # only Ann on 1 November, but Cy would make three from the 10th
    assert_refused(cli, db_path, "client", "join", "Cpl", "Cy", "--on", "2026-11-01", match="two members on 2026-11-10")
    jcli("client", "leave", "Cpl", "Bob", "--on", "2026-11-20")
    assert_refused(cli, db_path, "client", "join", "Cpl", "Cy", "--on", "2026-11-20", match="two members on 2026-11-20")
    jcli("client", "join", "Cpl", "Cy", "--on", "2026-11-21")


def test_a_back_dated_leaving_cannot_empty_an_attended_session(jcli, cli, db_path):
    """Ann was the only one there on 10 November (Bob absent): she cannot have left on the 5th."""
    from conftest import assert_refused

    jcli("client", "add", "Ann A")
    jcli("client", "add", "Bob B")
    jcli("client", "add", "AB", "--kind", "couple", "--member", "Ann", "--member", "Bob", "--referred-on", "2026-09-01")
    jcli("session", "add", "AB", "--at", "2026-11-10 10:00", "--absent", "Bob")
    assert_refused(cli, db_path, "client", "leave", "AB", "Ann", "--on", "2026-11-05",
                   match="session #1 on 2026-11-10 attended with no member present")
    jcli("client", "leave", "AB", "Ann", "--on", "2026-11-10")      # the day of the session: she was there
    assert jcli("report", "week", "--week", "2026-W46")["clients_seen"] == 1


def test_a_group_member_who_left_is_in_the_outcomes_of_the_month_they_left(jcli):
    """Months add up: Bob's therapy through the group ended when he left (8 October), Amy's at its discharge."""
    jcli("client", "add", "Bob B", "--referred-on", "2026-09-01")
    jcli("client", "add", "Amy A", "--referred-on", "2026-09-01")
    jcli("client", "add", "Grp", "--kind", "group", "--member", "Bob B", "--member", "Amy A")
    jcli("session", "add", "Grp", "--at", "2026-10-01 18:00")
    jcli("session", "add", "Grp", "--at", "2026-10-08 18:00")
    jcli("client", "leave", "Grp", "Bob B", "--on", "2026-10-08")
    jcli("session", "add", "Grp", "--at", "2026-10-15 18:00")
    jcli("client", "discharge", "Grp", "--on", "2026-11-02")
    counts = [jcli("report", "outcomes", "--from", start, "--to", end)["discharged"]
              for start, end in (("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-27"), ("2026-10-01", "2026-11-27"))]
    assert counts == [1, 2, 3]


def test_a_members_course_counts_the_couples_sessions_they_were_at_as_outcomes_does(jcli, cli, tmp_path):
    """measure progress and report client said 'not yet a finished course' of a couple's member seen three
    times, while report outcomes counted the same person finished and recovered."""
    jcli("client", "add", "Ian Ash", "--referred-on", "2026-09-01")
    jcli("client", "add", "Jo Ash")
    jcli("client", "add", "The Ashes", "--kind", "couple", "--member", "Ian", "--member", "Jo")
    ids = [jcli("session", "add", "Ashes", "--at", f"2026-10-{d} 10:00")["id"] for d in ("01", "08")]
    jcli("measure", "add", "Ian", "phq9", "--score", "16", "--session", str(ids[0]))
    jcli("measure", "add", "Ian", "phq9", "--score", "4", "--session", str(ids[1]))
    jcli("measure", "add", "Jo", "phq9", "--score", "14", "--session", str(ids[0]))
    jcli("measure", "add", "Jo", "phq9", "--score", "5", "--on", "2026-10-08")
    jcli("session", "attend", str(ids[1]), "--absent", "Jo")            # Jo missed the second: one session
    ian, jo = jcli("measure", "progress", "Ian"), jcli("measure", "progress", "Jo")
    assert ian["finished_course"] is True and ian["reliable_recovery"] is True
    assert jo["finished_course"] is False
    jcli("client", "discharge", "Ashes", "--on", "2026-10-08")
    outcomes = jcli("report", "outcomes", "--from", "2026-10-01", "--to", "2026-10-31")
    # the couple as a case, and Ian (as measure progress says); not Jo, seen once
    assert outcomes["finished"] == 2 and outcomes["recovered"] == 1
    out = tmp_path / "ian.md"
    assert cli("report", "client", "Ian", "--output", out).exit_code == 0
    assert "not yet a finished course" not in out.read_text() and "reliably recovered" in out.read_text()


def test_leaving_clears_absences_recorded_after_the_leaving_day(jcli):
    """A member recorded absent on 2 Feb who in fact left on 30 Jan stayed 'absent' from a session of a group
    they no longer belonged to."""
    for name in ("Ann Lee", "Ben Lee", "Cat Lee"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cat")
    first = jcli("session", "add", "Tuesday", "--at", "2026-01-27 18:00")["id"]
    later = jcli("session", "add", "Tuesday", "--at", "2026-02-03 18:00", "--absent", "Cat")["id"]
    jcli("session", "attend", str(first), "--absent", "Cat")
    jcli("client", "leave", "Tuesday", "Cat", "--on", "2026-01-30", "--yes")
    shown = {s: jcli("session", "show", str(s)) for s in (first, later)}
    assert shown[first]["absent"] == [3]                         # before leaving: still absent then
    assert shown[later]["absent"] == []
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "leave"]
    assert audit == ["member #3 left on 2026-01-30; 1 absence(s) after it cleared"]


def _typo_group(jcli) -> tuple[int, int]:
    """Ann, Ben and Cat in a group from the start; three sessions in October, Ann absent from the second."""
    for name in ("Ann Able", "Ben Baker", "Cat Cole"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cat", "--referred-on", "2026-09-15")
    ids = [jcli("session", "add", "Tuesday", "--at", f"{day} 18:00", *extra)["id"]
           for day, extra in (("2026-10-06", ()), ("2026-10-13", ("--absent", "Ann")), ("2026-10-20", ()))]
    return ids[1], jcli("client", "show", "Ann")["id"]


def test_a_mistyped_leaving_day_is_not_taken_silently_and_can_be_corrected(jcli, cli, db_path):
    """'client leave tuesday ann --on 2026-10-01' (for 11-01) cleared her absence from 13 Oct and dropped her
    from October's figures with no warning, and nothing could put the day right."""
    absent_from, ann = _typo_group(jcli)
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Ann", "--on", "2026-10-01",
                   match="recorded absent from session #2, which falls after the leaving day")
    jcli("client", "leave", "Tuesday", "Ann", "--on", "2026-11-01")
    assert jcli("client", "show", "Ann")["sessions"]["attended"] == 2
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Ann", "--on", "2026-11-08",
                   match="left on 2026-11-01; if that day was wrong: therapy client leave 4 1 --on DATE --correct")
    # the wrong day, then put right: the absence cleared with the typo is gone, as the question said
    jcli("client", "leave", "Tuesday", "Ann", "--on", "2026-10-01", "--correct", "--yes")
    assert jcli("client", "show", "Ann")["sessions"]["attended"] == 0
    assert jcli("session", "show", str(absent_from))["absent"] == []
    jcli("client", "leave", "Tuesday", "Ann", "--on", "2026-11-01", "--correct")
    assert jcli("client", "show", "Ann")["sessions"]["attended"] == 3
    assert jcli("report", "month", "--month", "2026-10")["clients_seen"] == 3
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Ann", "--on", "2026-11-01", "--correct",
                   match="already left #4 on 2026-11-01; nothing to correct")
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Ben", "--on", "2026-11-01", "--correct",
                   match="#2 has not left #4; nothing to correct")
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "leave"]
    assert audit == ["member #1 left on 2026-11-01",
                     "member #1's leaving day corrected from 2026-11-01 to 2026-10-01; 1 absence(s) after it cleared",
                     "member #1's leaving day corrected from 2026-10-01 to 2026-11-01"]
    assert ann == 1


def test_a_mistyped_joining_day_can_be_corrected_with_the_same_checks(jcli, cli, db_path):
    absent_from, _ = _typo_group(jcli)
    jcli("client", "add", "Dan Dale")
    jcli("client", "join", "Tuesday", "Dan", "--on", "2026-12-14")         # meant 2026-10-14
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Dan", "--on", "2026-10-14",
                   match="already belongs to #4 (since 2026-12-14); if that day was wrong: therapy client join "
                         "4 5 --on DATE --correct")
    jcli("client", "join", "Tuesday", "Dan", "--on", "2026-10-14", "--correct")
    assert jcli("client", "show", "Dan")["sessions"]["attended"] == 1     # the 20 October session
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Dan", "--on", "2026-10-01",
                   match="leaving date 2026-10-01 is before joining (2026-10-14)")
    # Ann's joining day moved past her absence: asked, and refused without a terminal
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Ann", "--on", "2026-10-14", "--correct",
                   match="recorded absent from session #2, which falls before the joining day")
    jcli("client", "join", "Tuesday", "Ann", "--on", "2026-10-14", "--correct", "--yes")
    assert jcli("session", "show", str(absent_from))["absent"] == []
    assert jcli("client", "show", "Ann")["sessions"]["attended"] == 1
    jcli("client", "add", "Eve Ezra")
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Eve", "--on", "2026-10-14", "--correct",
                   match="has never been a member of #4; join without --correct")


def test_a_corrected_membership_keeps_a_couple_to_two_and_a_session_attended_by_someone(jcli, cli, db_path):
    for name in ("Xan Ray", "Yul Bee", "Zed Cox"):
        jcli("client", "add", name)
    jcli("client", "add", "Ray couple", "--kind", "couple", "--member", "Xan", "--member", "Yul")
    jcli("client", "leave", "Ray couple", "Yul", "--on", "2026-10-31")
    jcli("client", "join", "Ray couple", "Zed", "--on", "2026-11-01")
    assert_refused(cli, db_path, "client", "leave", "Ray couple", "Yul", "--on", "2026-11-05", "--correct",
                   match="couple #4 already has two members on")
    jcli("session", "add", "Ray couple", "--at", "2026-11-03 10:00", "--absent", "Xan")   # Zed came
    assert_refused(cli, db_path, "client", "join", "Ray couple", "Zed", "--on", "2026-11-04", "--correct",
                   match="joining on 2026-11-04 would leave session #1 on 2026-11-03 attended with no member present")


def test_a_subject_access_export_holds_only_the_group_sessions_the_person_was_at(jcli, cli):
    """Liam's export held the note of a session before he joined ('Gina disclosed abuse'): sent to him, it
    would hand him another client's disclosure."""
    jcli("client", "add", "Gina Early")
    jcli("client", "add", "Liam Late")
    jcli("config", "set", "fees.default", "40")
    jcli("client", "add", "Tue group", "--kind", "group", "--member", "Gina", "--referred-on", "2026-01-01")
    before = jcli("session", "add", "Tue", "--at", "2026-01-06 10:00", "--note", "Gina disclosed abuse")["id"]
    jcli("client", "join", "Tue", "Liam", "--on", "2026-01-10")
    both = jcli("session", "add", "Tue", "--at", "2026-01-13 10:00", "--note", "both present")["id"]
    missed = jcli("session", "add", "Tue", "--at", "2026-01-14 10:00", "--absent", "Liam",
                  "--note", "Gina spoke of her sister")["id"]
    jcli("client", "leave", "Tue", "Gina", "--on", "2026-01-15")
    after = jcli("session", "add", "Tue", "--at", "2026-01-20 10:00", "--note", "Liam talked about his debts")["id"]
    jcli("invoice", "create", "Tue", "--from", "2026-01-01", "--to", "2026-01-12", "--on", "2026-01-12")
    liam, gina = jcli("client", "export", "Liam"), jcli("client", "export", "Gina")
    assert [s["id"] for s in liam["sessions"]] == [both, after]
    assert [n["text"] for n in liam["notes"]] == ["both present", "Liam talked about his debts"]
    assert [(a["session_id"], a["client_id"]) for a in liam["absences"]] == [(missed, 2)]   # his own absence
    assert "invoices" not in liam                      # the group's invoice bills only the session before him
    assert [s["id"] for s in gina["sessions"]] == [before, both, missed]
    assert "Liam talked about his debts" not in str(gina) and [i["number"] for i in gina["invoices"]] == [
        "INV-2026-0001"]
    group = jcli("client", "export", "Tue")            # the unit's own record holds all its sessions
    assert [s["id"] for s in group["sessions"]] == [before, both, missed, after]


def test_an_attended_unit_session_is_not_moved_to_a_day_only_its_absent_members_belonged(jcli, cli, db_path):
    """Yul came on 6 November (Xan absent); moved to 3 November, before Yul joined, it was an attended couple
    session with nobody there, which `session add` and `session attend` refuse."""
    jcli("client", "add", "Xan Ray")
    jcli("client", "add", "Yul Bee")
    jcli("client", "add", "Ray-Bee couple", "--kind", "couple", "--member", "Xan")
    jcli("client", "join", "Ray-Bee", "Yul", "--on", "2026-11-05")
    session = jcli("session", "add", "Ray-Bee", "--at", "2026-11-06 10:00", "--absent", "Xan")["id"]
    assert_refused(cli, db_path, "session", "move", str(session), "--to", "2026-11-03 10:00",
                   match="its only members are those recorded absent (#1)")
    assert jcli("session", "move", str(session), "--to", "2026-11-07 10:00")["local_date"] == "2026-11-07"


def test_an_attended_sessions_absences_can_be_corrected_to_nobody(jcli, cli, db_path):
    """'In fact everyone came': --absent named someone, and no command could take the list back to empty."""
    for name in ("Ann Able", "Ben Baker", "Cat Cole"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cat")
    session = str(jcli("session", "add", "Tuesday", "--at", "2026-11-03 18:00", "--absent", "Ben")["id"])
    assert jcli("client", "show", "Ben")["sessions"]["attended"] == 0
    assert jcli("session", "attend", session, "--absent", "")["absent"] == []
    assert jcli("client", "show", "Ben")["sessions"]["attended"] == 1
    assert_refused(cli, db_path, "session", "attend", session, "--absent", "", match="already attended")
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "attend"]
    assert audit[-1] == "who was absent corrected: 1 -> 0 member(s)"


def test_an_attended_session_corrected_and_marked_attended_again_keeps_who_was_absent(jcli, cli, db_path):
    """'session dna 4 --reason ...' then 'session attend 4' (the DNA was meant for another session): the absence
    recorded at the session was deleted for good, and the absent member counted as seen."""
    for name in ("Ann Able", "Ben Baker", "Cat Cole"):
        jcli("client", "add", name)
    jcli("client", "add", "Tuesday group", "--kind", "group", "--member", "Ann", "--member", "Ben",
         "--member", "Cat")
    session = str(jcli("session", "add", "Tuesday", "--at", "2026-11-03 18:00", "--absent", "Ben")["id"])
    ben = jcli("client", "show", "Ben")["id"]
    for correct in (("dna",), ("cancel", "--by", "therapist"), ("unattend",)):
        shown = jcli("session", *correct, session, "--reason", "meant session 6", "--yes")
        assert shown["absent"] == []                                  # nobody came, or not yet recorded
        if correct[0] == "dna":                                       # Ben missed a DNA like everyone
            assert jcli("client", "show", "Ben")["sessions"]["dna"] == 1
        assert jcli("session", "attend", session)["absent"] == [ben]
        assert jcli("session", "show", session)["absent"] == [ben]
        assert jcli("client", "show", "Ben")["sessions"]["attended"] == 0
        assert jcli("report", "month", "--month", "2026-11")["clients_seen"] == 2
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "attend"]
    assert audit[-1] == "scheduled -> attended; 1 member(s) absent"
    # --absent given with it still says who was absent this time
    jcli("session", "dna", session, "--reason", "meant session 6", "--yes")
    assert jcli("session", "attend", session, "--absent", "")["absent"] == []
    assert jcli("report", "month", "--month", "2026-11")["clients_seen"] == 3


def test_a_member_with_a_questionnaire_at_a_session_is_not_recorded_absent_from_it(jcli, cli, db_path):
    """Ben's PHQ-9 was recorded at the couple's session, then 'session attend --absent Ben' was taken: his score
    sat on a session he missed, which `measure add --session` refuses."""
    for name in ("Ann Able", "Ben Baker"):
        jcli("client", "add", name)
    jcli("client", "add", "AB couple", "--kind", "couple", "--member", "Ann", "--member", "Ben")
    session = str(jcli("session", "add", "AB couple", "--at", "2026-11-03 10:00")["id"])
    measure = jcli("measure", "add", "Ben", "phq9", "--score", "12", "--session", session)["id"]
    assert_refused(cli, db_path, "session", "attend", session, "--absent", "Ben",
                   match=f"has PHQ-9 #{measure} recorded at session #{session}, so was there")
    assert jcli("session", "attend", session, "--absent", "Ann")["absent"] == [jcli("client", "show", "Ann")["id"]]


def test_a_member_referred_in_their_own_right_waits_until_they_come_to_the_couple(jcli, cli):
    jcli("client", "add", "Sam Reed", "--referred-on", "2026-11-02")
    jcli("client", "add", "Alex Reed")
    jcli("client", "add", "Reeds", "--kind", "couple", "--referred-on", "2026-11-02",
         "--member", "Sam", "--member", "Alex")
    jcli("session", "add", "Reeds", "--at", "2026-11-10 10:00", "--absent", "Sam")
    sam = jcli("client", "show", "Sam")
    assert (sam["status"], sam["via_unit"]) == ("waiting", None)
    alex = jcli("client", "show", "Alex")
    assert (alex["status"], alex["via_unit"]) == ("active", jcli("client", "show", "Reeds")["id"])
    assert jcli("report", "week", "--week", "2026-W46")["waiting"] == 1
    assert {c["name"] for c in jcli("client", "list", "--status", "waiting")} == {"Sam Reed"}
    jcli("session", "add", "Reeds", "--at", "2026-11-17 10:00")
    sam = jcli("client", "show", "Sam")
    assert (sam["status"], sam["via_unit"], sam["first_attended_on"]) == (
        "active", jcli("client", "show", "Reeds")["id"], "2026-11-17")
    assert jcli("report", "week", "--week", "2026-W47")["waiting"] == 0


def test_a_joining_or_leaving_day_in_the_past_says_whose_attendance_it_rewrites(group, jcli, cli, db_path):
    """Today is 2026-11-27; the group met on 20 Oct, 27 Oct and 3 Nov."""
    gid, nia = group["Tuesday group"], group["Nia Owen"]
    jcli("client", "add", "Pat Poe", "--referred-on", "2026-10-25")
    # a join before the referral would count a wait backwards: refused, as a session of their own before it is
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Pat Poe", "--on", "2026-10-01",
                   match="joining date 2026-10-01 is before #5's referral (2026-10-25)")
    joined = cli("client", "join", "Tuesday", "Pat Poe", "--on", "2026-10-25")
    assert joined.exit_code == 0
    assert joined.stderr == (f"Warning: #5 is now counted at 2 attended sessions of #{gid} (2026-10-27, 2026-11-03); "
                             f"if that is wrong, give the day they really joined: therapy client join {gid} 5 --on DATE "
                             "--correct\n")
    assert jcli("client", "show", "Pat Poe")["sessions"]["attended"] == 2
    # a leaving day typed a month early: the sessions they no longer count at are named
    left = cli("client", "leave", "Tuesday", "Nia", "--on", "2026-10-21")
    assert f"Warning: #{nia} is no longer counted at 2 attended sessions of #{gid} (2026-10-27, 2026-11-03)" in left.stderr
    fixed = cli("client", "leave", "Tuesday", "Nia", "--on", "2026-11-21", "--correct")
    assert f"#{nia} is now counted at 2 attended sessions" in fixed.stderr
    assert jcli("client", "show", "Nia")["sessions"]["attended"] == 3
    # joining or leaving today, with nothing held to rewrite, says nothing
    jcli("client", "add", "Zoe Ray")
    assert cli("client", "join", "Tuesday", "Zoe").stderr == ""
    assert cli("client", "leave", "Tuesday", "Zoe").stderr == ""


def test_a_group_session_moved_across_a_joining_or_leaving_day_says_who_it_now_counts(group, jcli, cli):
    gid, nia = group["Tuesday group"], group["Nia Owen"]
    jcli("client", "leave", "Tuesday", "Nia", "--on", "2026-10-31")
    moved = cli("session", "move", "3", "--to", "2026-10-30 18:00")         # the 3 Nov meeting, back to before she left
    assert moved.exit_code == 0
    assert moved.stderr == (f"Warning: moving session #3 to 2026-10-30 counts #{nia} at it (the members of #{gid} "
                            "that day); if someone now counted was not there, record them absent: therapy session "
                            "attend 3 --absent CLIENT\n")
    back = cli("session", "move", "3", "--to", "2026-11-03 18:00")
    assert f"no longer counts #{nia} at it" in back.stderr and "--correct" in back.stderr
    assert cli("session", "move", "2", "--to", "2026-10-28 18:00").stderr == ""   # the same members either day


def test_a_name_held_is_described_by_the_state_every_view_shows(group, cli, db_path):
    """Nia is active through the group, though her own record says waiting: the duplicate check says active."""
    assert_refused(cli, db_path, "client", "add", "Nia Owen",
                   match=f"client #{group['Nia Owen']} Nia Owen (no date of birth, active) is already recorded")
    assert_refused(cli, db_path, "client", "edit", "Raj", "--name", "nia owen",
                   match=f"client #{group['Nia Owen']} Nia Owen (no date of birth, active) is already recorded")


def test_a_membership_recorded_in_error_can_be_taken_back(group, jcli, cli, db_path):
    """The wrong Ben joined the group: ending his membership the same day left him seen and then discharged,
    counted in the outcomes of a group he never came to. `client join --undo` deletes it."""
    gid = group["Tuesday group"]
    jcli("client", "add", "Ben Walsh", "--referred-on", "2026-10-01")
    jcli("client", "add", "Ben Wild", "--referred-on", "2026-10-01")
    ben = jcli("client", "show", "Ben Walsh")["id"]
    jcli("client", "join", "Tuesday", "Ben Walsh", "--on", "2026-10-25")       # meant Ben Wild
    later = jcli("session", "add", "Tuesday", "--at", "2026-11-10 18:00", "--duration", "90",
                 "--absent", "Ben Walsh")["id"]
    assert jcli("client", "show", "Ben Walsh")["sessions"]["attended"] == 2
    # his absence from 10 Nov goes with the membership: asked first, as leave asks
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Ben Walsh", "--undo",
                   match=f"recorded absent from session #{later} during that membership; clear that record?")
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Ben Walsh", "--undo", "--on", "2026-10-25", code=2)
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Ben Wild", "--undo",
                   match=f"#{ben + 1} has never been a member of #{gid}; nothing to undo")
    undone = cli("client", "join", "Tuesday", "Ben Walsh", "--undo", "--yes", "--json")
    assert undone.exit_code == 0, undone.stderr
    assert f"Warning: #{ben} is no longer counted at 2 attended sessions of #{gid} (2026-10-27, 2026-11-03)" \
        in undone.stderr
    assert f"join them again from the day they really joined: therapy client join {gid} {ben} --on DATE" \
        in undone.stderr
    shown = jcli("client", "show", "Ben Walsh")
    assert (shown["status"], shown["via_unit"], shown["sessions"]["attended"]) == ("waiting", None, 0)
    assert [m["name"] for m in jcli("client", "show", "Tuesday")["members"]] == ["Nia Owen", "Raj Patel", "Sue Quinn"]
    assert jcli("session", "show", str(later))["absent"] == []
    row = {r["name"]: r for r in jcli("report", "caseload")}["Ben Walsh"]
    assert (row["status"], row["sessions_attended"]) == ("waiting", 0)
    assert "Ben Walsh" in {c["name"] for c in jcli("client", "list", "--status", "waiting")}
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "join"]
    assert audit[-1] == (f"member #{ben}'s membership (2026-10-25 to now) removed as recorded in error; "
                         "1 absence(s) within it cleared")
    # a member named at `client add` can be taken back too, unless they were the only one at a session
    nia, raj, sue = group["Nia Owen"], group["Raj Patel"], group["Sue Quinn"]
    only_nia = jcli("session", "add", "Tuesday", "--at", "2026-11-17 18:00", "--absent", "Raj", "--absent", "Sue")
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Nia", "--undo", "--yes",
                   match=f"would leave session #{only_nia['id']} on 2026-11-17 attended with no member present")
    assert cli("client", "join", "Tuesday", "Sue", "--undo", "--yes").exit_code == 0
    assert [m["id"] for m in jcli("client", "show", "Tuesday")["members"]] == [nia, raj]
    # and a member can now be removed as added in error, the refusal naming the way
    jcli("client", "join", "Tuesday", "Ben Wild")
    assert_refused(cli, db_path, "client", "remove", "Ben Wild", "--yes",
                   match=f"take it back first (therapy client join {gid} {ben + 1} --undo)")
    jcli("client", "join", "Tuesday", "Ben Wild", "--undo")
    assert jcli("client", "remove", "Ben Wild", "--yes")["removed"] is True


def test_an_empty_session_list_of_a_member_points_to_the_unit(group, cli):
    listed = cli("session", "list", "--client", "Nia")
    assert listed.exit_code == 0 and "Nothing to show." in listed.stdout + listed.stderr
    assert (f"Sessions through a couple, family or group are listed under it: #{group['Tuesday group']} Tuesday "
            f"group (therapy session list --client {group['Tuesday group']}).") in listed.stderr
    # scripts are told nothing beyond the empty list
    assert cli("session", "list", "--client", "Nia", "--json").stderr == ""


def test_a_member_treated_in_a_group_is_not_reminded_as_waiting_for_treatment(jcli):
    """Dan, referred on 1 September, came to two group treatment sessions in October, then to an assessment of his
    own: remind said he had waited for treatment since September, 'seen on 2026-10-14 but no treatment session
    yet', while report referrals and report client counted the group as his first treatment."""
    jcli("client", "add", "Dan Eve", "--referred-on", "2026-09-01")
    jcli("client", "add", "Amy Ash")
    jcli("client", "add", "Grp", "--kind", "group", "--member", "Amy Ash")
    jcli("client", "join", "grp", "dan", "--on", "2026-10-01")
    first = jcli("session", "add", "grp", "--at", "2026-10-06 18:00", "--duration", "90")["id"]
    second = jcli("session", "add", "grp", "--at", "2026-10-13 18:00", "--duration", "90")["id"]
    jcli("session", "add", "dan", "--at", "2026-10-14 10:00", "--type", "assessment")
    assert jcli("--today", "2026-12-30", "remind", "--kind", "waiting_long") == []
    # absent from both, he has had no treatment: still waiting for it
    for session in (first, second):
        jcli("session", "attend", str(session), "--absent", "Dan")
    items = jcli("--today", "2026-12-30", "remind", "--kind", "waiting_long")
    assert [i["message"].split(" weeks")[0] for i in items] == ["#1 D.E. has waited for treatment 17"]


def test_a_member_referred_alone_and_seen_only_at_the_groups_assessment_waits_for_treatment(jcli):
    """Kim, referred on 1 August, came to the group's assessment meeting and was absent from every treatment
    meeting after it: seen through the group, she was never named by remind waiting_long, though with an
    assessment of her own instead she was, and report referrals counts her as not yet treated."""
    jcli("client", "add", "Kim Lee", "--referred-on", "2026-08-01")
    jcli("client", "add", "Lou Park")
    jcli("client", "add", "Grp", "--kind", "group", "--referred-on", "2026-08-01", "--member", "Kim",
         "--member", "Lou")
    jcli("session", "add", "grp", "--at", "2026-09-01 18:00", "--type", "assessment")
    for day in ("2026-10-06", "2026-10-13"):
        jcli("session", "add", "grp", "--at", f"{day} 18:00", "--absent", "Kim")
    items = jcli("remind", "--kind", "waiting_long")
    assert [(i["client_id"], i["message"]) for i in items] == [
        (1, "#1 K.L. has waited for treatment 16 weeks since referral on 2026-08-01; seen on 2026-09-01 but no "
            "treatment session yet")]
    # Lou, with no referral of her own, waits as the group does: the group stands for her
    assert {i["client_id"] for i in jcli("--today", "2026-09-20", "remind", "--kind", "waiting_long")} == {1, 3}


def test_joining_a_discharged_person_or_a_discharged_unit_is_said(jcli, cli):
    """Joined to a group after their own discharge, Dan attended its sessions and stayed 'discharged' (off the
    caseload and reminders) without a word; the same for a member joining a group discharged earlier."""
    jcli("client", "add", "Dan Eve", "--referred-on", "2026-09-01")
    jcli("session", "add", "Dan", "--at", "2026-09-10 10:00")
    jcli("client", "discharge", "Dan", "--on", "2026-10-01", "--reason", "planned ending")
    jcli("client", "add", "Amy Ash")
    jcli("client", "add", "Grp", "--kind", "group", "--member", "Amy")
    joined = cli("client", "join", "Grp", "Dan", "--on", "2026-11-01")
    assert joined.exit_code == 0
    assert joined.stderr.splitlines() == [
        "Warning: #1 was discharged on 2026-10-01 and stays discharged as a member of #3: off the caseload and "
        "reminders, whatever sessions of it they attend; if they are starting therapy again: therapy client "
        "reopen 1"]
    added = cli("client", "add", "Pair", "--kind", "couple", "--member", "Amy", "--member", "Dan")
    assert added.exit_code == 0 and "#1 was discharged on 2026-10-01" in added.stderr
    jcli("session", "add", "Grp", "--at", "2026-11-03 18:00")
    assert jcli("client", "show", "Dan")["status"] == "discharged"   # a warning, as the docs say, not a change
    jcli("client", "reopen", "Dan")
    assert jcli("client", "show", "Dan")["status"] == "active"
    # a unit discharged: its new member hears of it too
    jcli("client", "discharge", "Grp", "--on", "2026-11-20", "--reason", "group ended")
    jcli("client", "add", "Cat Cole")
    joined = cli("client", "join", "Grp", "Cat", "--on", "2026-11-25")
    assert joined.exit_code == 0
    assert joined.stderr.splitlines() == [
        "Warning: #3 was discharged on 2026-11-20: it takes no bookings and carries no one into therapy; if it is "
        "meeting again: therapy client reopen 3"]
    assert cli("client", "join", "Grp", "Amy", "--on", "2026-11-01", "--correct").stderr == ""


def test_no_member_is_counted_at_a_meeting_before_their_own_referral(cli, jcli, db_path):
    """A member referred after the family's first meetings, named at `client add --member` (belonging from the
    start), was counted at them: report referrals gave a wait of -45 days. Each route is refused now."""
    jcli("client", "add", "Gus Hall", "--referred-on", "2026-11-15")
    jcli("client", "add", "Hal Ives", "--referred-on", "2026-09-01")
    jcli("client", "add", "Fam", "--kind", "family", "--member", "1", "--member", "2", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "session", "add", "fam", "--at", "2026-10-01 10:00",
                   match="member #1 of #3 was referred on 2026-11-15, after the session on 2026-10-01")
    later = jcli("session", "add", "fam", "--at", "2026-11-16 10:00")["id"]
    assert_refused(cli, db_path, "session", "move", str(later), "--to", "2026-11-10 10:00",
                   match="member #1 of #3 was referred on 2026-11-15, after the session on 2026-11-10")
    # the fix the error names: the day Gus joined
    jcli("client", "join", "fam", "gus", "--on", "2026-11-15", "--correct")
    jcli("session", "add", "fam", "--at", "2026-10-01 10:00")
    # a referral moved after a meeting the member was at through the unit: refused as for their own sessions
    assert_refused(cli, db_path, "client", "edit", "ives", "--referred-on", "2026-10-05",
                   match="referral date 2026-10-05 is after the first attended session (2026-10-01)")
    waits = jcli("report", "referrals", "--from", "2026-09-01", "--to", "2026-11-30")["by_source"]
    # Hal 30 days, the family 30, Gus 1 (referred 11-15, at the meeting of 11-16): none negative
    assert [(w["started"], w["median_wait_days"]) for w in waits] == [(3, 30)]


def test_discharging_a_member_of_a_group_that_goes_on_says_so(cli, jcli):
    jcli("client", "add", "Amy Ash", "--referred-on", "2026-09-01")
    jcli("client", "add", "Eve Fox", "--referred-on", "2026-09-01")
    jcli("client", "add", "Grp", "--kind", "group", "--member", "amy", "--member", "eve", "--referred-on", "2026-09-01")
    jcli("session", "add", "eve", "--at", "2026-10-01 10:00")
    jcli("session", "add", "grp", "--at", "2026-10-02 18:00")
    gone = cli("client", "discharge", "eve", "--on", "2026-10-20")
    assert gone.exit_code == 0
    assert ("Warning: #2 is still a member of #3 (group), which goes on: discharged in their own right, they are off "
            "the caseload whatever sessions of it they come to; if they left it, record the day (therapy client "
            "leave 3 2 --on DATE)") in gone.stderr.splitlines()
    # one who left the group on the day of the discharge: nothing to say
    jcli("client", "leave", "grp", "amy", "--on", "2026-11-01")
    assert "still a member" not in cli("client", "discharge", "amy", "--on", "2026-11-01").stderr


def test_a_member_who_died_is_not_counted_at_the_groups_later_sessions(group, jcli, cli, db_path):
    """Sue died on 2026-11-05; the group went on meeting. An attended meeting after that day counted her as seen
    (clients_seen 3), and a death dated before a group meeting she came to was accepted."""
    unit, sue = str(group["Tuesday group"]), str(group["Sue Quinn"])
    assert_refused(cli, db_path, "client", "edit", "Sue", "--died-on", "2026-11-02",
                   match="date of death 2026-11-02 is before the last attended session (2026-11-03)")
    jcli("client", "edit", "Sue", "--died-on", "2026-11-05")
    booked = str(jcli("session", "add", "Tuesday", "--at", "2026-11-17 18:00", "--status", "scheduled")["id"])
    said = f"member #{sue} of #{unit} died on 2026-11-05"
    assert_refused(cli, db_path, "session", "add", "Tuesday", "--at", "2026-11-10 18:00", match=said)
    assert_refused(cli, db_path, "session", "attend", booked, match=said)
    assert_refused(cli, db_path, "session", "move", "3", "--to", "2026-11-10 18:00", match=said)
    jcli("client", "leave", "Tuesday", "Sue", "--on", "2026-11-05")
    assert jcli("session", "attend", booked)["absent"] == []
    assert jcli("report", "week", "--week", "2026-W47")["clients_seen"] == 2
    assert jcli("client", "show", "Sue")["sessions"]["attended"] == 3


def test_a_person_who_has_died_joins_a_unit_only_up_to_their_death(cli, jcli, db_path):
    """Recorded as a member late, Dee was counted at the group's meetings after her death."""
    for name in ("Ann Lee", "Bob Ray", "Dee Fox"):
        jcli("client", "add", name)
    jcli("client", "add", "Tue group", "--kind", "group", "--member", "Ann", "--member", "Bob")
    for day in ("2026-10-06", "2026-11-20"):
        jcli("session", "add", "Tue", "--at", f"{day} 18:00")
    jcli("client", "edit", "Dee", "--died-on", "2026-11-01")
    assert_refused(cli, db_path, "client", "join", "Tue", "Dee", "--on", "2026-11-05",
                   match="joining date 2026-11-05 is after #3's death (2026-11-01)")
    joined = cli("client", "join", "Tue", "Dee", "--on", "2026-10-01")
    assert joined.exit_code == 0
    assert "Warning: #3 died on 2026-11-01: their membership of #4 runs from 2026-10-01 to that day" in joined.stderr
    dee = [m for m in jcli("client", "show", "Tue")["members"] if m["id"] == 3]
    assert dee == [{"id": 3, "name": "Dee Fox", "joined_on": "2026-10-01", "left_on": "2026-11-01"}]
    assert jcli("client", "show", "Dee")["sessions"]["attended_in_units"] == 1      # 6 October, not 20 November
    assert jcli("report", "week", "--week", "2026-W47")["clients_seen"] == 2         # Ann and Bob on 20 November


def test_a_leaving_day_corrected_past_a_death_is_refused(group, jcli, cli, db_path):
    """Sue left on the day she died; a --correct that moved her leaving day later counted her as seen at a
    group meeting a week after her death (clients_seen, her sessions), with only a warning."""
    jcli("client", "edit", "Sue", "--died-on", "2026-11-05")
    jcli("client", "leave", "Tuesday", "Sue", "--on", "2026-11-05")
    jcli("session", "add", "Tuesday", "--at", "2026-11-10 18:00", "--duration", "90")
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Sue", "--on", "2026-11-20", "--correct",
                   match="would count #3 at session #4 on 2026-11-10, after their death (2026-11-05)")
    assert jcli("client", "show", "Sue")["sessions"]["attended"] == 3
    assert jcli("report", "week", "--week", "2026-W46")["clients_seen"] == 2


def test_reopening_a_member_who_left_a_group_that_goes_on_names_join(group, jcli, cli, db_path):
    """Raj left the group, which went on meeting: `client reopen Raj` said to reopen the group, and
    `client reopen` of the group (still active) was refused in turn; rejoining it is the way back."""
    unit, raj = group["Tuesday group"], group["Raj Patel"]
    jcli("client", "leave", "Tuesday", "Raj", "--on", "2026-11-04")
    assert_refused(cli, db_path, "client", "reopen", "Raj",
                   match=f"left #{unit} on 2026-11-04; if they are rejoining it: therapy client join {unit} {raj} "
                         "--on DATE")
    # the group discharged: reopening it is still the way back for its members
    jcli("client", "discharge", "Tuesday", "--on", "2026-11-05")
    assert_refused(cli, db_path, "client", "reopen", "Nia", match=f"finished through #{unit}; reopen that unit")


def test_a_member_with_a_questionnaire_at_a_meeting_still_belongs_that_day(group, jcli, cli, db_path):
    """Nia completed a PHQ-9 at the 3 November meeting; a leaving day typed as 28 October was accepted, and the
    group's report went on listing her PHQ-9 from a meeting she no longer belonged to (recording her absent from
    it is refused for the same reason). So was taking her membership back."""
    taken = jcli("measure", "add", "Nia", "phq9", "--session", "3", "--items", "1,1,1,1,1,1,1,1,0")["id"]
    said = f"would leave #{group['Nia Owen']}'s PHQ-9 #{taken} on session #3 on 2026-11-03"
    assert_refused(cli, db_path, "client", "leave", "Tuesday", "Nia", "--on", "2026-10-28", match=said)
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Nia", "--undo", "--yes", match=said)
    assert_refused(cli, db_path, "client", "join", "Tuesday", "Nia", "--on", "2026-11-04", "--correct", match=said)
    jcli("client", "leave", "Tuesday", "Nia", "--on", "2026-11-03")


def test_a_meeting_with_a_members_questionnaire_does_not_move_past_their_leaving_day(group, jcli, cli, db_path):
    """Nia left on 28 October with her PHQ-9 taken at the 27 October meeting; moving that meeting to 30 October
    only warned that she was no longer counted at it, and the group's report listed her PHQ-9 from it."""
    taken = jcli("measure", "add", "Nia", "phq9", "--session", "2", "--items", "1,1,1,1,1,1,1,1,0")["id"]
    jcli("client", "leave", "Tuesday", "Nia", "--on", "2026-10-28")
    assert_refused(cli, db_path, "session", "move", "2", "--to", "2026-10-30 18:00",
                   match=f"#{group['Nia Owen']} has PHQ-9 #{taken} recorded at session #2, so was there, but is not "
                         f"a member of #{group['Tuesday group']} on 2026-10-30")
    assert jcli("session", "move", "2", "--to", "2026-10-28 18:00")["starts_at"].startswith("2026-10-28")


def test_a_meeting_held_before_anyone_joined_does_not_refuse_a_later_joining(cli, jcli, db_path):
    """The group's first meeting was entered before its members: joining Jo from the next week was refused as
    leaving that meeting 'with no member present (the others were recorded absent)', though joining changed
    nothing at it and no one was recorded absent; only joining her from that first day was accepted."""
    jcli("client", "add", "Jo Bloggs")
    jcli("client", "add", "Grp", "--kind", "group")
    jcli("session", "add", "grp", "--at", "2026-10-06 18:00")
    jcli("session", "add", "grp", "--at", "2026-10-13 18:00")
    joined = cli("client", "join", "grp", "jo", "--on", "2026-10-13")
    assert joined.exit_code == 0, joined.stderr
    assert jcli("client", "show", "jo")["sessions"]["attended_in_units"] == 1
    # a change that does take the last one present from a meeting is still refused
    assert_refused(cli, db_path, "client", "join", "grp", "jo", "--undo", "--yes",
                   match="would leave session #2 on 2026-10-13 attended with no member present")
