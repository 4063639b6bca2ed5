"""Correcting attendance and removing bookings made in error: said, audited, nothing clinical lost."""

from __future__ import annotations

import pytest

from conftest import assert_refused


@pytest.fixture
def seen(cli, jcli):
    """Alex, with one attended session carrying a note and a PHQ-9."""
    assert cli("config", "set", "timezone", "Europe/London").exit_code == 0
    jcli("client", "add", "Alex Morgan")
    sid = jcli("session", "add", "Alex", "--at", "2026-11-20 10:00", "--note", "Talked about work.")["id"]
    jcli("measure", "add", "Alex", "PHQ-9", "--score", "12", "--session", sid, "--on", "2026-11-20")
    return str(sid)


@pytest.mark.parametrize("command", [["dna"], ["cancel"], ["cancel", "--late"], ["unattend"]])
def test_changing_an_attended_session_needs_a_reason_and_confirmation(seen, cli, db_path, command):
    assert_refused(cli, db_path, "session", *command, seen, match="--reason")
    assert_refused(cli, db_path, "session", *command, seen, "--reason", "wrong session", match="--yes")
    assert_refused(cli, db_path, "session", *command, seen, "--reason", "   ", "--yes", match="--reason")


def test_a_correction_keeps_notes_and_measures_and_says_so(seen, cli, jcli):
    result = cli("session", "cancel", seen, "--reason", "entered on the wrong day", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    record = result.json()
    assert record["status"] == "cancelled" and record["kept"] == {"notes": 1, "measures": 1}
    assert "keeps its 1 note and 1 measure" in result.stderr
    shown = jcli("session", "show", seen)
    assert shown["notes_count"] == 1
    assert len(jcli("measure", "list", "Alex")) == 1
    audit = [r for r in jcli("db", "audit") if r["record_type"] == "session" and r["action"] == "correct"]
    assert len(audit) == 1 and "entered on the wrong day" in audit[0]["summary"]
    assert jcli("client", "show", "Alex")["status"] == "waiting"
    assert jcli("report", "week")["sessions"]["attended"] == 0


def test_unattend_puts_it_back_to_scheduled(seen, jcli):
    record = jcli("session", "unattend", seen, "--reason", "not yet held", "--yes")
    assert record["status"] == "scheduled"


def test_a_scheduled_session_changes_without_ceremony(seen, jcli):
    later = str(jcli("session", "add", "Alex", "--at", "2026-11-26 10:00", "--status", "scheduled")["id"])
    assert jcli("session", "dna", later)["status"] == "dna"


def test_remove_a_booking_made_in_error(seen, cli, jcli, db_path):
    wrong = str(jcli("session", "add", "Alex", "--at", "2026-12-03 10:00")["id"])
    assert_refused(cli, db_path, "session", "remove", wrong, "--reason", "booked in error", match="--yes")
    assert_refused(cli, db_path, "session", "remove", wrong, "--yes", match="--reason")
    removed = jcli("session", "remove", wrong, "--reason", "booked in error", "--yes")
    assert removed["id"] == int(wrong) and removed["removed"] is True
    assert [s["id"] for s in jcli("session", "list", "--client", "Alex", "--from", "2026-11-01")] == [int(seen)]
    audit = [r for r in jcli("db", "audit") if r["action"] == "remove"]
    assert audit and audit[0]["record_id"] == int(wrong) and "booked in error" in audit[0]["summary"]
    assert_refused(cli, db_path, "session", "remove", wrong, "--reason", "again", "--yes", match="no session")


def test_remove_refuses_anything_clinical(seen, cli, jcli, db_path):
    assert_refused(cli, db_path, "session", "remove", seen, "--reason", "x", "--yes", match="attended")
    jcli("session", "dna", seen, "--reason", "wrong", "--yes")
    assert_refused(cli, db_path, "session", "remove", seen, "--reason", "x", "--yes", match="note")


def test_a_cancelled_training_group_booked_in_error_is_removed_at_once(cli, jcli, db_path):
    """Its cancellation counts in no report (a training group counts its attended hours and participants), yet
    remove said it was 'recorded as cancelled, which the reports count' and sent the practitioner round by
    unattend first."""
    group = jcli("session", "training", "Talk", "--at", "2026-11-30 12:00", "--duration", "60", "--audience", "GPs",
                 "--participants", "12")["id"]
    jcli("session", "cancel", str(group), "--by", "therapist")
    before = jcli("report", "week", "--week", "2026-W49")
    removed = jcli("session", "remove", str(group), "--reason", "booked in error", "--yes")
    assert removed["removed"] is True and jcli("report", "week", "--week", "2026-W49") == before
    # a client session's cancellation counts, and is still put back to scheduled first
    jcli("client", "add", "Alex Morgan")
    booked = jcli("session", "add", "alex", "--at", "2026-11-26 10:00", "--status", "scheduled")["id"]
    jcli("session", "cancel", str(booked), "--by", "client")
    assert_refused(cli, db_path, "session", "remove", str(booked), "--reason", "x", "--yes",
                   match="which the reports count")


def test_questionnaires_taken_at_a_session_move_with_it(cli, jcli, db_path):
    """A session moved to the right day left its PHQ-9 on the old one: the measure's date and its session's
    disagreed, and outcomes read the score on a day nobody met."""
    from conftest import assert_refused

    jcli("client", "add", "Alex Morgan")
    sid = jcli("session", "add", "alex", "--at", "2026-11-20 10:00")["id"]
    taken = jcli("measure", "add", "alex", "phq9", "--score", "9", "--session", str(sid))["id"]
    other = jcli("measure", "add", "alex", "gad7", "--score", "6", "--on", "2026-11-20")["id"]   # not at it
    jcli("session", "move", str(sid), "--to", "2026-11-19 10:00")
    dates = {m["id"]: m["taken_on"] for m in jcli("measure", "list", "alex")}
    assert dates == {taken: "2026-11-19", other: "2026-11-20"}
    audit = [a["summary"] for a in jcli("db", "audit", "--client", "1") if a["record_type"] == "measure"]
    assert f"taken on 2026-11-20 -> 2026-11-19 with session #{sid}" in audit
    # a booking with a questionnaire at it is not moved into the future, where no score can be dated
    # (a questionnaire links only to an attended session: this one's attendance was then taken back)
    booked = jcli("session", "add", "alex", "--at", "2026-11-25 10:00")["id"]
    jcli("measure", "add", "alex", "gad7", "--score", "4", "--session", str(booked))
    jcli("session", "unattend", str(booked), "--reason", "marked in error", "--yes")
    result = assert_refused(cli, db_path, "session", "move", str(booked), "--to", "2026-12-02 10:00")
    assert "has 1 questionnaire(s) taken at it on 2026-11-25; it cannot move after today" in result.stderr


def test_a_questionnaire_does_not_move_with_its_session_past_its_clients_death(cli, jcli, db_path):
    """Moving the couple's session moved Ann's PHQ-9 with it to a day after her recorded death, which
    `measure add` refuses: her record held a questionnaire completed after she died."""
    from conftest import assert_refused

    for name in ("Ann Lee", "Bob Lee"):
        jcli("client", "add", name)
    jcli("client", "add", "The Lees", "--kind", "couple", "--member", "Ann", "--member", "Bob")
    sid = str(jcli("session", "add", "Lees", "--at", "2026-08-10 10:00")["id"])
    taken = jcli("measure", "add", "Ann", "phq9", "--score", "15", "--session", sid)["id"]
    jcli("client", "edit", "Ann", "--died-on", "2026-08-20")
    # her membership still open, the move is refused as counting her after her death; ended, for the measure
    assert_refused(cli, db_path, "session", "move", sid, "--to", "2026-08-25 10:00", match="member #1 of #3 died")
    jcli("client", "leave", "Lees", "Ann", "--on", "2026-08-20")
    assert_refused(cli, db_path, "session", "move", sid, "--to", "2026-08-25 10:00",
                   match=f"measure #{taken} (#1's, taken at session #{sid}) would move with it: date 2026-08-25 is "
                         "after the client's death (2026-08-20)")
    jcli("session", "move", sid, "--to", "2026-08-12 10:00")
    assert jcli("measure", "list", "Ann")[0]["taken_on"] == "2026-08-12"


def test_a_questionnaire_linked_but_dated_another_day_is_named_when_a_move_leaves_it_far_away(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    sid = jcli("session", "add", "alex", "--at", "2026-11-20 10:00")["id"]
    before = jcli("measure", "add", "alex", "core10", "--score", "14", "--session", str(sid),
                  "--on", "2026-11-18")["id"]   # filled in two days before
    moved = cli("session", "move", str(sid), "--to", "2026-11-05 10:00")
    assert moved.exit_code == 0
    assert (f"Warning: measure #{before} (CORE-10 of 2026-11-18) is linked to session #{sid}, now 13 days from it; "
            f"if it was completed for this session, its date is wrong ('therapy measure remove {before}' and add it "
            f"again with --session {sid})") in moved.stderr.splitlines()
    assert {m["id"]: m["taken_on"] for m in jcli("measure", "list", "alex")} == {before: "2026-11-18"}
    # a move that keeps it within a week says nothing of it
    assert "measure #" not in cli("session", "move", str(sid), "--to", "2026-11-12 10:00").stderr


def test_a_sessions_length_type_or_mode_is_corrected_and_audited(seen, cli, jcli, db_path):
    """80 minutes recorded as the default 50, with a note already on it: no command could put it right, and a
    session with a note cannot be removed."""
    assert jcli("report", "week", "--week", "2026-W47")["clinical_hours"] == 0.83
    later = jcli("session", "add", "Alex", "--at", "2026-11-20 11:00")["id"]
    assert_refused(cli, db_path, "session", "edit", seen, "--duration", "80", match=f"overlaps session #{later}")
    jcli("session", "move", str(later), "--to", "2026-11-20 11:30")
    fixed = jcli("session", "edit", seen, "--duration", "80", "--type", "assessment", "--mode", "video")
    assert (fixed["duration_min"], fixed["type"], fixed["mode"]) == (80, "assessment", "video")
    assert fixed["ends_at"] == "2026-11-20T11:20:00+00:00" and fixed["starts_at"] == "2026-11-20T10:00:00+00:00"
    assert (fixed["status"], fixed["notes_count"]) == ("attended", 1)
    assert jcli("report", "week", "--week", "2026-W47")["clinical_hours"] == 2.17     # 80 + 50 minutes
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "edit" and a["record_type"] == "session"]
    assert audit == ["corrected: duration 50 -> 80; mode in-person -> video; type treatment -> assessment"]
    assert_refused(cli, db_path, "session", "edit", seen, "--duration", "80", match="already has duration 80")
    assert_refused(cli, db_path, "session", "edit", seen, match="say what to correct")
    assert_refused(cli, db_path, "session", "edit", seen, "--duration", "4", match="5 to 600")
    training = jcli("session", "training", "Grounding skills", "--at", "2026-11-25 14:00", "--duration", "120",
                    "--audience", "nurses", "--participants", "8")["id"]
    assert_refused(cli, db_path, "session", "edit", str(training), "--type", "review", match="no session type")
    assert jcli("session", "edit", str(training), "--duration", "90")["duration_min"] == 90


def test_a_training_groups_title_audience_and_participants_are_corrected_and_audited(cli, jcli, db_path):
    """--participants 140 typed for 14 could not be put right: the session edit took only length, type, mode."""
    sid = jcli("session", "training", "Working with trauma", "--at", "2026-11-12 07:00", "--duration", "90",
               "--audience", "GP trainees", "--participants", "140")["id"]
    fixed = jcli("session", "edit", str(sid), "--participants", "14", "--audience", "practice nurses")
    assert (fixed["participants"], fixed["audience"], fixed["title"]) == (14, "practice nurses", "Working with trauma")
    assert jcli("report", "month", "--month", "2026-11")["training_participants"] == 14
    audit = [a["summary"] for a in jcli("db", "audit") if a["action"] == "edit"]
    assert audit == ["corrected: audience GP trainees -> practice nurses; participants 140 -> 14"]
    assert_refused(cli, db_path, "session", "edit", str(sid), "--participants", "0", match="--participants must be")
    assert_refused(cli, db_path, "session", "edit", str(sid), "--title", "Working with trauma",
                   match="nothing to correct")
    jcli("client", "add", "Alex Morgan")
    own = jcli("session", "add", "alex", "--at", "2026-11-20 10:00")["id"]
    assert_refused(cli, db_path, "session", "edit", str(own), "--participants", "3",
                   match="is a client session; --participants is a training group's")


def test_a_correction_does_not_put_a_client_twice_at_one_time(cli, jcli, db_path):
    """`session add --allow-overlap` refuses a second session of the client at the same start (it would count
    twice), but `session move --allow-overlap` onto it, or `session attend --allow-overlap` of a cancelled
    session rebooked at its time, made two attended sessions of one client at one time: counted twice."""
    jcli("client", "add", "Alex Morgan")
    moved = str(jcli("session", "add", "Alex", "--at", "2026-11-05 10:00")["id"])
    kept = jcli("session", "add", "Alex", "--at", "2026-11-19 10:00")["id"]
    assert_refused(cli, db_path, "session", "move", moved, "--to", "2026-11-19 10:00", "--allow-overlap",
                   match=f"already has session #{kept} at 2026-11-19 10:00 (attended); session #{moved} moved")
    cancelled = str(jcli("session", "add", "Alex", "--at", "2026-11-12 10:00", "--status", "cancelled")["id"])
    jcli("session", "add", "Alex", "--at", "2026-11-12 10:00")           # rebooked at the same time
    for command in ("attend", "unattend"):
        assert_refused(cli, db_path, "session", command, cancelled, "--allow-overlap",
                       match="would count them twice at one time")
    assert jcli("report", "month")["sessions"]["attended"] == 3
    # another time of the same day is still the practitioner's call
    assert jcli("session", "move", moved, "--to", "2026-11-19 10:30", "--allow-overlap")["status"] == "attended"
