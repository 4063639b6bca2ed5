"""NHS Talking Therapies outcome rules pinned at their edges (mutation testing of therapy_cli/reports/service.py).

The waiting-time standards count a wait of exactly 6 weeks (42 days) or 18 weeks (126 days) as within
them; a treatment session on the discharge day counts towards a finished course. Today (conftest) is
Friday 2026-11-27.
"""

from datetime import date, timedelta

TODAY = date(2026, 11, 27)


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _finished_case(cli, name, referred, wait, scores=(16, 4)):
    """Referred on `referred` (an offset from today), first treatment `wait` days later, a second a week
    on, PHQ-9 first and last, discharged a week after that."""
    assert cli("client", "add", name, "--referred-on", day(referred)).exit_code == 0
    first = referred + wait
    for offset in (first, first + 7):
        assert cli("session", "add", name, "--at", f"{day(offset)} 10:00", "--type", "treatment",
                   "--allow-overlap").exit_code == 0
    cli("measure", "add", name, "phq9", "--score", str(scores[0]), "--on", day(first))
    cli("measure", "add", name, "phq9", "--score", str(scores[1]), "--on", day(first + 7))
    assert cli("client", "discharge", name, "--on", day(first + 14)).exit_code == 0


def test_a_wait_of_exactly_6_or_18_weeks_is_within_the_standard(cli, jcli):
    for name, wait in (("Wait Fortytwo", 42), ("Wait Fortythree", 43), ("Wait Onetwentysix", 126),
                       ("Wait Onetwentyseven", 127)):
        _finished_case(cli, name, -200, wait)
    report = jcli("report", "outcomes", "--from", day(-200), "--to", day(0))
    assert report["finished"] == 4 and report["waits_known"] == 4
    assert report["within_6_weeks_rate"] == 0.25       # 42 only
    assert report["within_18_weeks_rate"] == 0.75      # 42, 43 and 126; not 127


def test_a_treatment_session_on_the_discharge_day_finishes_the_course(cli, jcli):
    cli("client", "add", "Last Day", "--referred-on", day(-60))
    for offset in (-40, -30):
        assert cli("session", "add", "Last Day", "--at", f"{day(offset)} 10:00", "--type", "treatment").exit_code == 0
    cli("measure", "add", "Last Day", "phq9", "--score", "16", "--on", day(-40))
    cli("measure", "add", "Last Day", "phq9", "--score", "4", "--on", day(-30))
    assert cli("client", "discharge", "Last Day", "--on", day(-30)).exit_code == 0
    report = jcli("report", "outcomes", "--from", day(-60), "--to", day(0))
    assert report["discharged"] == 1 and report["finished"] == 1 and report["recovered"] == 1


def test_hours_in_a_period_report_are_rounded_to_two_places(cli, jcli):
    cli("client", "add", "Fifty Minutes")
    assert cli("session", "add", "Fifty", "--at", f"{day(-3)} 10:00", "--duration", "50").exit_code == 0
    jcli("supervise", "log", "--on", day(-3), "--duration", "50")
    jcli("cpd", "add", "Reading", "--hours", "1.234", "--on", day(-3))
    report = jcli("report", "period", "--from", day(-6), "--to", day(0))
    assert report["clinical_hours"] == 0.83 and report["supervision_hours"] == 0.83 and report["cpd_hours"] == 1.23


def test_one_attended_and_one_dna_is_a_dna_rate_of_a_half(cli, jcli):
    cli("client", "add", "Half Rate")
    cli("session", "add", "Half", "--at", f"{day(-3)} 10:00", "--status", "attended")
    cli("session", "add", "Half", "--at", f"{day(-2)} 10:00", "--status", "dna")
    assert jcli("report", "period", "--from", day(-6), "--to", day(0))["dna_rate"] == 0.5


def test_a_wait_needs_both_a_referral_date_and_a_first_treatment(cli, jcli):
    cli("client", "add", "No Referral Date")                     # no --referred-on: the wait is unknown
    for offset in (-40, -33):
        cli("session", "add", "No Referral", "--at", f"{day(offset)} 10:00", "--type", "treatment")
    cli("client", "discharge", "No Referral", "--on", day(-30))
    cli("client", "add", "Never Treated", "--referred-on", day(-90))   # referred, discharged before treatment
    cli("session", "add", "Never Treated", "--at", f"{day(-60)} 10:00", "--type", "assessment")
    cli("client", "discharge", "Never Treated", "--on", day(-30))
    report = jcli("report", "outcomes", "--from", day(-60), "--to", day(0))
    assert report["discharged"] == 2 and report["finished"] == 1 and report["waits_known"] == 0
    assert report["within_6_weeks_rate"] is None


def test_a_members_own_assessment_and_group_treatment_make_one_case(cli, jcli):
    """Outcomes read a person's own sessions and their group's together: the wait to first contact runs to
    their own assessment, the wait to treatment to the first group session, and the group's treatment
    sessions finish the course."""
    assert cli("client", "add", "Mo Member", "--referred-on", day(-100)).exit_code == 0
    assert cli("session", "add", "Mo Member", "--at", f"{day(-90)} 10:00", "--type", "assessment",
               "--status", "attended").exit_code == 0
    assert cli("client", "add", "Thursday group", "--kind", "group", "--member", "Mo Member").exit_code == 0
    for offset in (-70, -63):
        assert cli("session", "add", "Thursday", "--at", f"{day(offset)} 18:00", "--type", "treatment",
                   "--status", "attended").exit_code == 0
    assert cli("client", "discharge", "Mo Member", "--on", day(-10)).exit_code == 0
    report = jcli("report", "outcomes", "--from", day(-30), "--to", day(0))
    assert report["discharged"] == 1 and report["finished"] == 1
    assert report["median_wait_days"] == 30 and report["median_wait_to_assessment_days"] == 10


def test_a_questionnaire_taken_only_on_the_discharge_day_counts(cli, jcli):
    cli("client", "add", "Late Measure", "--referred-on", day(-60))
    for offset in (-40, -33):
        assert cli("session", "add", "Late Measure", "--at", f"{day(offset)} 10:00", "--type", "treatment",
                   "--status", "attended").exit_code == 0
    assert cli("measure", "add", "Late Measure", "phq9", "--score", "15", "--on", day(-30)).exit_code == 0
    assert cli("client", "discharge", "Late Measure", "--on", day(-30)).exit_code == 0
    report = jcli("report", "outcomes", "--from", day(-60), "--to", day(0))
    assert report["finished"] == 1 and report["at_caseness"] == 1


# -- the caseload --------------------------------------------------------------------------------

def test_the_caseload_adds_a_members_group_sessions_to_their_own(cli, jcli):
    """Attendance is every session the person was at: their own and their group's, the last of either."""
    for name in ("Gil Member", "Hal Member"):
        assert cli("client", "add", name, "--referred-on", day(-60)).exit_code == 0
    assert cli("client", "add", "Wednesday group", "--kind", "group", "--member", "Gil", "--member",
               "Hal").exit_code == 0
    for name, offset, status in (("Gil", -30, "attended"), ("Hal", -2, "attended"), ("Hal", -3, "dna"),
                                 ("Wednesday", -20, "attended"), ("Wednesday", -13, "attended")):
        assert cli("session", "add", name, "--at", f"{day(offset)} 10:00", "--status", status).exit_code == 0
    rows = {r["name"]: r for r in jcli("report", "caseload")}
    gil, hal = rows["Gil Member"], rows["Hal Member"]
    assert (gil["sessions_attended"], gil["sessions_dna"], hal["sessions_attended"], hal["sessions_dna"]) == (3, 0, 3, 1)
    assert gil["last_session"].startswith(day(-13)) and hal["last_session"].startswith(day(-2))


def test_the_caseload_counts_each_clients_own_sessions_and_the_next_from_today(cli, jcli):
    cli("client", "add", "Amy Active", "--referred-on", day(-60))
    cli("client", "add", "Bob Busy", "--referred-on", day(-60))
    for name, offset, status in (("Amy", -20, "attended"), ("Amy", -13, "attended"), ("Amy", -6, "dna"),
                                 ("Bob", -19, "attended"), ("Bob", -12, "attended"), ("Bob", -5, "attended"),
                                 ("Bob", -4, "dna"), ("Bob", -3, "dna")):
        assert cli("session", "add", name, "--at", f"{day(offset)} 10:00", "--status", status).exit_code == 0
    for name, when in (("Amy", f"{day(0)} 16:00"), ("Amy", f"{day(3)} 09:00"), ("Bob", f"{day(1)} 09:00")):
        assert cli("session", "add", name, "--at", when, "--status", "scheduled").exit_code == 0
    rows = {r["name"]: r for r in jcli("report", "caseload")}
    amy, bob = rows["Amy Active"], rows["Bob Busy"]
    assert (amy["sessions_attended"], amy["sessions_dna"], bob["sessions_attended"], bob["sessions_dna"]) == (2, 1, 3, 2)
    assert amy["last_session"].startswith(day(-13)) and bob["last_session"].startswith(day(-5))
    assert amy["next_session"].startswith(f"{day(0)}T16:00") and bob["next_session"].startswith(day(1))
    assert amy["waiting_days"] is None and amy["status"] == "active"
    # seen earlier today: today's is the last session, counted with the rest
    assert cli("session", "add", "Bob", "--at", f"{day(0)} 08:00", "--status", "attended").exit_code == 0
    bob = {r["name"]: r for r in jcli("report", "caseload")}["Bob Busy"]
    assert bob["last_session"].startswith(f"{day(0)}T08:00") and bob["sessions_attended"] == 4


def test_the_caseload_lists_waiting_clients_with_their_wait_and_not_discharged_ones(cli, jcli):
    cli("client", "add", "Wendy Waiting", "--referred-on", day(-10))
    cli("client", "add", "Walt Undated")
    cli("client", "add", "Dora Done", "--referred-on", day(-90))
    cli("session", "add", "Dora", "--at", f"{day(-60)} 10:00", "--status", "attended")
    assert cli("client", "discharge", "Dora", "--on", day(-30)).exit_code == 0
    rows = {r["name"]: r for r in jcli("report", "caseload")}
    assert set(rows) == {"Wendy Waiting", "Walt Undated"}
    assert rows["Wendy Waiting"]["waiting_days"] == 10 and rows["Walt Undated"]["waiting_days"] is None
    wendy = rows["Wendy Waiting"]
    assert (wendy["sessions_attended"], wendy["sessions_dna"], wendy["last_session"]) == (0, 0, None)


def test_a_members_attendance_through_their_couple_alone(jcli):
    """A member with no session of their own: the caseload counts the couple's attended sessions and DNAs as
    theirs, each once, in its own column."""
    jcli("client", "add", "Pat Partner")
    jcli("client", "add", "Quinn Partner")
    jcli("client", "add", "The Couple", "--kind", "couple", "--member", "Pat", "--member", "Quinn")
    for day, status in (("2026-11-02", "attended"), ("2026-11-09", "attended"), ("2026-11-16", "dna")):
        jcli("session", "add", "The Couple", "--at", f"{day} 09:00", "--status", status)
    rows = {r["name"]: r for r in jcli("report", "caseload")}
    assert (rows["Pat Partner"]["sessions_attended"], rows["Pat Partner"]["sessions_dna"]) == (2, 1)
    assert rows["Pat Partner"]["via_unit"] == 3
