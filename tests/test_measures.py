"""Outcome measures: entry and validation, NHS Talking Therapies judgements, risk item, progress, chart."""

import re
import sqlite3
from datetime import date

import pytest

from conftest import assert_refused, snapshot
from wrong_form import refused
from therapy_cli.practice import clients
from therapy_cli.clinical import measures
from therapy_cli.errors import InvalidValue, NotFound
from therapy_cli.clinical.measures import judge

PROGRESS_KEYS = {"first", "last", "change", "reliable_improvement", "reliable_deterioration", "caseness_start",
                 "caseness_end"}


def _client(db, name="Alex Morgan"):
    return clients.add_client(db, name)


def _session(db_path, client_id, day="2026-11-20"):
    conn = sqlite3.connect(db_path)
    with conn:
        cur = conn.execute(
            "INSERT INTO sessions (client_id, starts_at, starts_utc, ends_utc, local_date, duration_min, status, "
            "created_at) VALUES (?, ?, ?, ?, ?, 50, 'attended', '2026-11-20T00:00:00+00:00')",
            (client_id, f"{day}T10:00:00+00:00", f"{day}T10:00:00+00:00", f"{day}T10:50:00+00:00", day))
    conn.close()
    return cur.lastrowid


# -- entering measures ---------------------------------------------------------------

def test_add_with_items_gives_spec_keys_and_scores(jcli):
    jcli("client", "add", "Alex Morgan")
    record = jcli("measure", "add", "alex", "phq9", "--items", "2,2,1,3,1,2,1,0,1", "--on", "2026-11-20")
    for key in ("id", "client_id", "instrument", "taken_on", "score", "severity", "caseness"):
        assert key in record
    assert record["instrument"] == "PHQ-9" and record["score"] == 13
    assert record["severity"] == "moderate" and record["caseness"] is True
    assert record["taken_on"] == "2026-11-20" and record["items"] == [2, 2, 1, 3, 1, 2, 1, 0, 1]
    # semicolons, as a spreadsheet's list separator gives them, were read as one item ("7 items; 1 given")
    typed = jcli("measure", "add", "alex", "gad7", "--items", "1;1;1; 1;1;1;1", "--on", "2026-11-20")
    assert typed["items"] == [1] * 7 and typed["score"] == 7


def test_add_with_total_and_default_date(jcli):
    jcli("client", "add", "Alex Morgan")
    record = jcli("measure", "add", "1", "GAD-7", "--score", "7")
    assert record == {**record, "score": 7, "severity": "mild", "caseness": False, "taken_on": "2026-11-27",
                      "items": None, "risk": None}


def test_the_same_questionnaire_entered_twice_is_refused_unless_completed_twice(jcli, cli, db_path):
    """`measure add` re-run from the shell history recorded the PHQ-9 twice, as notes and risk assessments do not."""
    jcli("client", "add", "Alex Morgan")
    first = jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-20")
    assert_refused(cli, db_path, "measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on",
                   "2026-11-20", match=f"this PHQ-9 of #1 on 2026-11-20 is already recorded, with the same answers "
                                       f"(measure #{first['id']}); if it was completed twice that day with the "
                                       "same answers, give --again")
    jcli("measure", "add", "alex", "GAD-7", "--score", "7", "--on", "2026-11-20")
    assert_refused(cli, db_path, "measure", "add", "alex", "GAD-7", "--score", "7", "--on", "2026-11-20",
                   match="already recorded, with the same total")
    # other answers, another day, or said to be a second completion: recorded
    jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,1", "--on", "2026-11-20")
    jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-21")
    jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-20", "--again")
    assert len(jcli("measure", "list", "alex", "--instrument", "PHQ-9")) == 4


def test_a_total_entered_beside_the_same_questionnaires_items_is_refused_as_import_refuses_it(jcli, cli, db_path,
                                                                                                 tmp_path):
    """The PHQ-9 entered with its items, then its total typed from the paper the same day: `measure add` took the
    second (the questionnaire counted twice) where `import measures` refused the same row."""
    jcli("client", "add", "Alex Morgan")
    first = jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-20")
    assert_refused(cli, db_path, "measure", "add", "alex", "phq9", "--score", "8", "--on", "2026-11-20",
                   match=f"already recorded, with the same total (measure #{first['id']})")
    total = jcli("measure", "add", "alex", "gad7", "--score", "9", "--on", "2026-11-20")
    assert_refused(cli, db_path, "measure", "add", "alex", "gad7", "--items", "1,1,1,1,1,2,2", "--on", "2026-11-20",
                   match=f"already recorded, with the same total (measure #{total['id']})")
    rows = tmp_path / "m.csv"
    rows.write_text("client,instrument,taken_on,score\nAlex Morgan,PHQ-9,2026-11-20,8\n")
    assert_refused(cli, db_path, "import", "measures", str(rows), match="already has PHQ-9")
    # a second completion that day is still recorded when said to be one
    jcli("measure", "add", "alex", "phq9", "--score", "8", "--on", "2026-11-20", "--again")
    assert len(jcli("measure", "list", "alex", "--instrument", "PHQ-9")) == 2


def test_core10_reverse_scored_when_stored(db):
    client = _client(db)
    record = measures.add_measure(db, client, "core10", items=[2, 4, 4, 2, 2, 2, 2, 2, 2, 2])
    assert record["score"] == 16 and record["severity"] == "moderate" and record["caseness"] is True
    assert record["items"] == [2, 4, 4, 2, 2, 2, 2, 2, 2, 2]  # as ticked; the total is reversed


def test_ors_caseness_is_below_the_cutoff(db):
    client = _client(db)
    assert measures.add_measure(db, client, "ORS", score="24.9")["caseness"] is True
    assert measures.add_measure(db, client, "ors", items="7.5, 6, 6, 6")["score"] == 25.5
    assert measures.add_measure(db, client, "SRS", score="38")["caseness"] is None


@pytest.mark.parametrize("args,match", [
    (["phq9", "--items", "1,1,1,1,1,1,1,1"], "9 items; 8 given"),
    (["phq9", "--items", "1,1,1,1,1,1,1,1,1,1"], "9 items; 10 given"),
    (["phq9", "--items", "1,1,1,4,1,1,1,1,1"], "item 4 is 4"),
    (["gad7", "--items", "1,1,one,1,1,1,1"], "not a number"),
    (["core10", "--items", "0,0,0,0,0,0,0,0,0,5"], "items are 0–4"),
    (["wsas", "--items", "9,0,0,0,0"], "items are 0–8"),
    (["phq9", "--score", "28"], "totals are 0–27"),
    (["phq9", "--score", "12.5"], "whole number"),
    (["gad7", "--score", "x"], "not a number"),
    (["phq9"], "either --items"),
    (["phq9", "--items", "1,1,1,1,1,1,1,1,1", "--score", "9"], "either --items"),
    (["bdi", "--score", "9"], "unknown instrument"),
    (["phq9", "--score", "9", "--on", "2026-12-01"], "future"),
    (["phq9", "--score", "9", "--on", "2026-02-30"], "does not exist"),
    (["phq9", "--score", "9", "--on", "0001-01-01"], "before 1950"),
    (["phq9", "--score", "9", "--session", "99"], "no session with id 99"),
    (["phq9", "--items", ""], "empty"),
])
def test_bad_input_refused_with_nothing_written(cli, db_path, jcli, args, match):
    jcli("client", "add", "Alex Morgan")
    refused(cli, db_path, "measure", "add", "alex", *args, match=match)


def test_session_must_be_the_clients_or_a_unit_they_belong_to(db, db_path):
    alex = _client(db)
    sam = _client(db, "Sam Morgan")
    couple = clients.add_client(db, "The Morgans", "couple", ["Alex", "Sam"])
    own = _session(db_path, alex["id"])
    theirs = _session(db_path, sam["id"])
    joint = _session(db_path, couple["id"])
    assert measures.add_measure(db, alex, "phq9", score=5, session_id=own)["session_id"] == own
    assert measures.add_measure(db, alex, "phq9", score=5, session_id=joint)["taken_on"] == "2026-11-20"
    with pytest.raises(InvalidValue, match=f"session #{theirs} is not a session of client #{alex['id']}"):
        measures.add_measure(db, alex, "phq9", score=5, session_id=theirs)
    with pytest.raises(NotFound):
        measures.add_measure(db, alex, "phq9", score=5, session_id=999)


def test_every_measure_is_audited_without_scores_or_names(db):
    client = _client(db)
    record = measures.add_measure(db, client, "phq9", score=14)
    row = db.one("SELECT * FROM audit WHERE record_type = 'measure'")
    assert row["record_id"] == record["id"] and row["client_id"] == client["id"] and row["action"] == "add"
    assert "Alex" not in row["summary"] and "14" not in row["summary"]


# -- the NHS Talking Therapies judgements -------------------------------------------

def test_recovered_and_reliably_recovered():
    verdict = judge((15, 6), (12, 5))
    assert verdict["at_caseness_start"] and verdict["recovered"]
    assert verdict["reliable_improvement"] and verdict["reliable_recovery"]
    assert not verdict["reliable_deterioration"]


def test_improved_but_still_at_caseness():
    verdict = judge((22, 14), (10, 9))
    assert verdict["reliable_improvement"] is True
    assert verdict["recovered"] is False and verdict["reliable_recovery"] is False


def test_a_five_point_phq9_fall_is_not_reliable():
    verdict = judge((14, 9), (7, 7))
    assert verdict["recovered"] is True  # below both cut-offs at the end
    assert verdict["reliable_improvement"] is False and verdict["reliable_recovery"] is False
    assert judge((14, 8), (7, 7))["reliable_recovery"] is True  # six points is


def test_reliable_fall_on_one_and_reliable_rise_on_the_other_is_neither():
    verdict = judge((18, 10), (5, 9))
    assert verdict["reliable_improvement"] is False and verdict["reliable_deterioration"] is False
    assert verdict["recovered"] is False  # GAD-7 9 is at caseness at the end


def test_reliable_deterioration():
    verdict = judge((8, 14), (6, 6))
    assert verdict["reliable_deterioration"] is True and verdict["reliable_improvement"] is False
    assert judge((8, 14), (12, 7))["reliable_deterioration"] is False  # a reliable GAD-7 fall


def test_not_at_caseness_at_the_start_cannot_recover():
    verdict = judge((8, 1), (6, 0))
    assert verdict["at_caseness_start"] is False and verdict["recovered"] is False
    assert verdict["reliable_improvement"] is True and verdict["reliable_recovery"] is False


def test_a_measure_with_one_score_counts_as_unchanged(db):
    client = _client(db)
    measures.add_measure(db, client, "phq9", score=12, on=date(2026, 10, 1))
    measures.add_measure(db, client, "gad7", score=10, on=date(2026, 10, 1))
    measures.add_measure(db, client, "gad7", score=4, on=date(2026, 11, 1))
    result = measures.progress(db, client["id"])
    assert result["instruments"]["PHQ-9"]["change"] == 0
    assert result["instruments"]["PHQ-9"]["caseness_end"] is True
    assert result["recovered"] is False and result["reliable_improvement"] is True


def test_no_measures_judges_nothing():
    assert judge(None, None) == {"at_caseness_start": False, "at_caseness_end": False, "recovered": False,
                                 "reliable_improvement": False, "reliable_recovery": False,
                                 "reliable_deterioration": False}


def test_progress_json_is_exactly_spec(jcli):
    jcli("client", "add", "Alex Morgan")
    for day, phq, gad in [("2026-09-01", 18, 13), ("2026-10-01", 13, 10), ("2026-11-01", 7, 6)]:
        jcli("measure", "add", "alex", "phq9", "--score", phq, "--on", day)
        jcli("measure", "add", "alex", "gad7", "--score", gad, "--on", day)
    jcli("measure", "add", "alex", "core10", "--score", 20, "--on", "2026-09-01")
    result = jcli("measure", "progress", "alex")
    assert set(result) == {"client_id", "instruments", "recovered", "reliable_improvement",
                           "reliable_recovery", "reliable_deterioration", "finished_course"}
    assert list(result["instruments"]) == ["PHQ-9", "GAD-7", "CORE-10"]
    for row in result["instruments"].values():
        assert set(row) == PROGRESS_KEYS
    assert result["instruments"]["PHQ-9"] == {
        "first": 18, "last": 7, "change": -11, "reliable_improvement": True, "reliable_deterioration": False,
        "caseness_start": True, "caseness_end": False}
    assert result["instruments"]["CORE-10"]["change"] == 0
    assert result["recovered"] and result["reliable_recovery"]


def test_first_and_last_follow_the_date_taken_not_the_order_entered(db):
    client = _client(db)
    measures.add_measure(db, client, "phq9", score=6, on=date(2026, 11, 1))
    measures.add_measure(db, client, "phq9", score=16, on=date(2026, 9, 1))  # entered late
    row = measures.progress(db, client["id"])["instruments"]["PHQ-9"]
    assert (row["first"], row["last"], row["reliable_improvement"]) == (16, 6, True)


def test_progress_table_says_it_in_words(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    for day in ("2026-10-01", "2026-10-08"):  # a finished course: recovery may be named
        jcli("session", "add", "alex", "--at", f"{day} 10:00")
    jcli("measure", "add", "alex", "phq9", "--score", 14, "--on", "2026-10-01")
    jcli("measure", "add", "alex", "phq9", "--score", 9, "--on", "2026-11-01")
    out = cli("measure", "progress", "alex").stdout
    assert "not a reliable change (needs 6)" in out
    assert "recovered (but not reliably improved)" in out



def test_progress_words_for_opposite_reliable_changes(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    for day, phq, gad in [("2026-10-01", 9, 7), ("2026-11-01", 16, 3)]:  # PHQ-9 up 7, GAD-7 down 4
        jcli("measure", "add", "alex", "phq9", "--score", phq, "--on", day)
        jcli("measure", "add", "alex", "gad7", "--score", gad, "--on", day)
    out = cli("measure", "progress", "alex").stdout
    assert "not at caseness at the start, at caseness at the end" in out and "at at" not in out
    assert "reliable changes in opposite directions, so neither reliably improved nor deteriorated" in out
    assert "no reliable change" not in out


# -- PHQ-9 item 9 ----------------------------------------------------------------

def test_item_9_flagged_until_a_later_phq9_has_it_at_zero(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    result = cli("measure", "add", "alex", "phq9", "--items", "2,2,1,3,1,2,1,0,2", "--on", "2026-10-01", "--json")
    assert result.exit_code == 0
    assert "item 9" in result.stderr and "#1 A.M." in result.stderr and "Alex" not in result.stderr
    assert result.json()["risk"] == 2
    flag = jcli("client", "show", "alex")["risk"]
    assert flag["score"] == 2 and flag["taken_on"] == "2026-10-01"
    jcli("measure", "add", "alex", "phq9", "--score", "5", "--on", "2026-10-15")  # a total says nothing of item 9
    assert jcli("client", "show", "alex")["risk"]["taken_on"] == "2026-10-01"
    quiet = cli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,0", "--on", "2026-11-01")
    assert quiet.exit_code == 0 and "item 9" not in quiet.stderr
    assert jcli("client", "show", "alex")["risk"] is None


def test_an_older_phq9_entered_late_does_not_clear_the_flag(db):
    client = _client(db)
    measures.add_measure(db, client, "phq9", items=[1] * 9, on=date(2026, 11, 1))
    measures.add_measure(db, client, "phq9", items=[0] * 9, on=date(2026, 10, 1))
    assert measures.risk_flag(db, client["id"])["taken_on"] == "2026-11-01"


def test_client_show_has_latest_scores(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("measure", "add", "alex", "phq9", "--score", 16, "--on", "2026-10-01")
    jcli("measure", "add", "alex", "phq9", "--score", 11, "--on", "2026-11-01")
    shown = jcli("client", "show", "alex")
    assert shown["latest_scores"]["PHQ-9"] == {"score": 11, "severity": "moderate", "caseness": True,
                                               "taken_on": "2026-11-01"}


# -- list, chart, export -------------------------------------------------------------

def test_list_in_date_order_and_filtered(jcli, cli):
    jcli("client", "add", "Alex Morgan")
    jcli("measure", "add", "alex", "gad7", "--score", 9, "--on", "2026-11-01")
    jcli("measure", "add", "alex", "phq9", "--score", 12, "--on", "2026-10-01")
    rows = jcli("measure", "list", "alex")
    assert [r["instrument"] for r in rows] == ["PHQ-9", "GAD-7"]
    assert [r["score"] for r in jcli("measure", "list", "alex", "--instrument", "GAD7")] == [9]
    csv = cli("measure", "list", "alex", "--csv").stdout.splitlines()
    assert csv[0].startswith("id,taken_on,instrument,score") and len(csv) == 3


def test_chart_piped_is_plain_text_with_the_cutoff(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    for day, score in [("2026-09-01", 20), ("2026-10-01", 12), ("2026-11-01", 5)]:
        jcli("measure", "add", "alex", "phq9", "--score", score, "--on", day)
    out = cli("measure", "chart", "alex", "phq9").stdout
    assert "\x1b[" not in out
    assert "caseness cut-off 10" in out and "2026-09-01" in out and "2026-11-01" in out
    lines = out.splitlines()
    cut = next(line for line in lines if re.match(r"\s*10 \+", line))
    assert cut.count("-") > 20  # the cut-off drawn across
    top = next(i for i, line in enumerate(lines) if re.match(r"\s*27 \+", line))
    bottom = next(i for i, line in enumerate(lines) if re.match(r"\s*0 \+", line))
    points = [(i, line.index("o")) for i, line in enumerate(lines[top:bottom + 1], start=top) if "o" in line]
    assert len(points) == 3
    assert [p[0] for p in sorted(points, key=lambda p: p[1])] == sorted(p[0] for p in points)  # falling line


def test_chart_json_gives_the_series(jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("measure", "add", "alex", "ors", "--score", "19.5", "--on", "2026-10-01")
    data = jcli("measure", "chart", "alex")
    assert data["series"]["ORS"]["points"] == [{"taken_on": "2026-10-01", "score": 19.5}]
    assert data["series"]["ORS"]["cutoff"] == 25 and data["series"]["ORS"]["caseness_below"] is True


def test_chart_of_nothing_says_so(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    result = cli("measure", "chart", "alex")
    assert result.exit_code == 0 and result.stdout == "" and "No measures" in result.stderr
    assert not result.stderr.strip().endswith("..")
    assert "No WSAS scores recorded" in cli("measure", "chart", "alex", "wsas").stderr


def test_measures_appear_in_client_export(cli, jcli):
    jcli("client", "add", "Alex Morgan")
    jcli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,1")
    export = cli("client", "export", "alex").json()
    assert export["measures"][0]["instrument"] == "PHQ-9" and export["measures"][0]["items"] == [1] * 9
    assert any(a["record_type"] == "measure" for a in export["audit"])


def test_instruments_listed_as_data(jcli):
    rows = jcli("measure", "instruments")
    core = next(r for r in rows if r["name"] == "CORE-10")
    assert core["reversed_items"] == [2, 3] and core["caseness_cutoff"] == 11 and core["reliable_change"] == 6


def test_refused_command_leaves_file_unchanged_even_after_partial_work(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    before = snapshot(db_path)
    assert cli("measure", "add", "alex", "phq9", "--items", "1,1,1,1,1,1,1,1,9").exit_code == 1
    assert snapshot(db_path) == before


@pytest.mark.parametrize("score,above", [(9, False), (10, True), (11, True), (8, False)])
def test_chart_draws_each_score_on_its_side_of_the_cutoff(score, above):
    from therapy_cli.reports.charts import line_chart

    lines = line_chart([(date(2026, 10, 1), score)], 0, 27, cutoff=10, unicode=False).splitlines()
    cut = next(i for i, line in enumerate(lines) if line.lstrip().startswith("10 +"))
    point = next(i for i, line in enumerate(lines) if "o" in line)
    assert (point < cut) is above and point != cut


def test_nothing_added_for_an_erased_client(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE clients SET erased_on = '2026-11-01' WHERE id = 1")
    conn.close()
    assert_refused(cli, db_path, "measure", "add", "1", "phq9", "--score", "5", match="erased")
    assert_refused(cli, db_path, "plan", "set", "1", "--modality", "cbt", match="erased")


def test_judgements_are_consistent_for_any_scores():
    from hypothesis import given, strategies as st

    phq = st.none() | st.tuples(st.integers(0, 27), st.integers(0, 27))
    gad = st.none() | st.tuples(st.integers(0, 21), st.integers(0, 21))

    @given(phq, gad)
    def check(p, g):
        verdict = judge(p, g)
        assert not (verdict["reliable_improvement"] and verdict["reliable_deterioration"])
        assert verdict["reliable_recovery"] == (verdict["recovered"] and verdict["reliable_improvement"])
        assert not verdict["recovered"] or verdict["at_caseness_start"]
        unchanged = judge(p and (p[0], p[0]), g and (g[0], g[0]))  # one score each: nothing reliable
        assert not unchanged["reliable_improvement"] and not unchanged["reliable_deterioration"]
        assert not unchanged["recovered"]

    check()


def test_a_measure_cannot_be_linked_to_a_session_that_did_not_take_place(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "alex", "--member", "sam")
    dna = jcli("session", "add", "alex", "--at", "2026-11-10 10:00", "--status", "dna")["id"]
    cancelled = jcli("session", "add", "alex", "--at", "2026-11-11 10:00", "--status", "late-cancelled")["id"]
    joint = jcli("session", "add", "The Morgans", "--at", "2026-11-12 10:00", "--absent", "sam")["id"]
    assert_refused(cli, db_path, "measure", "add", "alex", "phq9", "--score", "12", "--session", str(dna),
                   match="was a DNA")
    assert_refused(cli, db_path, "measure", "add", "alex", "phq9", "--score", "12", "--session", str(cancelled),
                   match="was late-cancelled")
    assert_refused(cli, db_path, "measure", "add", "sam", "phq9", "--score", "12", "--session", str(joint),
                   match="absent")
    assert jcli("measure", "add", "alex", "phq9", "--score", "12", "--session", str(joint))["session_id"] == joint


def test_a_measure_is_not_linked_to_a_session_still_to_come_or_dated_weeks_from_it(cli, jcli, db_path, tmp_path):
    """A PHQ-9 recorded at next week's session (later a DNA), and a GAD-7 dated 19 November 'taken at' a
    session of 1 October, were both accepted, by `measure add` and by the importer."""
    jcli("client", "add", "Kim Test", "--referred-on", "2026-09-01")
    october = jcli("session", "add", "kim", "--at", "2026-10-01 10:00")["id"]
    unrecorded = jcli("session", "add", "kim", "--at", "2026-11-18 10:00", "--status", "scheduled")["id"]
    coming = jcli("session", "add", "kim", "--at", "2026-12-04 10:00")["id"]
    assert_refused(cli, db_path, "measure", "add", "kim", "phq9", "--score", "14", "--session", str(coming),
                   "--on", "2026-11-27", match=f"session #{coming} on 2026-12-04 is still scheduled, not taken place")
    assert_refused(cli, db_path, "measure", "add", "kim", "phq9", "--score", "14", "--session", str(unrecorded),
                   match=f"still scheduled; record it first (therapy session attend {unrecorded})")
    assert_refused(cli, db_path, "measure", "add", "kim", "gad7", "--score", "9", "--session", str(october),
                   "--on", "2026-11-19", match="more than 7 days from session")
    rows = tmp_path / "m.csv"
    for session, day, words in ((coming, "2026-11-27", "still scheduled"), (october, "2026-11-19", "more than 7")):
        rows.write_text(f"client,instrument,taken_on,score,session\nKim Test,gad7,{day},9,{session}\n")
        refused = assert_refused(cli, db_path, "import", "measures", str(rows))
        assert words in refused.stderr
    # filled in the day before the session it was for: linked
    assert jcli("measure", "add", "kim", "gad7", "--score", "9", "--session", str(october),
                "--on", "2026-09-30")["taken_on"] == "2026-09-30"


def test_a_measure_entered_in_error_can_be_removed_and_the_removal_is_audited(cli, jcli, db_path):
    jcli("client", "add", "Alex Morgan")
    jcli("measure", "add", "alex", "phq9", "--score", "16", "--on", "2026-10-01")
    typo = jcli("measure", "add", "alex", "phq9", "--score", "27", "--on", "2026-11-01")["id"]  # meant 7
    assert jcli("measure", "progress", "alex")["reliable_deterioration"] is True
    # no terminal, no --yes: refused, the question naming whose score it is (a mistyped id is seen)
    assert_refused(cli, db_path, "measure", "remove", str(typo),
                   match=f"Delete measure #{typo} (PHQ-9 of #1 A.M. on 2026-11-01, score 27)? (no terminal")
    assert_refused(cli, db_path, "measure", "remove", "99", "--yes", match="no measure with id 99")
    removed = cli("measure", "remove", str(typo), "--yes", "--json")
    assert removed.exit_code == 0 and removed.json()["score"] == 27
    assert removed.stderr == f"Removed measure #{typo} (PHQ-9 of #1 A.M. on 2026-11-01, score 27)\n"
    assert [m["score"] for m in jcli("measure", "list", "alex")] == [16]
    audit = jcli("db", "audit", "--client", "alex")
    assert any(a["action"] == "remove" and a["record_type"] == "measure" and a["record_id"] == typo for a in audit)


def test_session_last_links_the_latest_attended_session_by_today(cli, jcli, db_path):
    """The help's example named session 161, which is Ian Morgan's attended session only on a demo built on
    some days: `--session last` needs no id looked up."""
    jcli("client", "add", "Alex Morgan")
    jcli("client", "add", "Sam Morgan")
    jcli("client", "add", "The Morgans", "--kind", "couple", "--member", "alex", "--member", "sam")
    own = jcli("session", "add", "alex", "--at", "2026-11-10 10:00")["id"]
    joint = jcli("session", "add", "The Morgans", "--at", "2026-11-17 10:00", "--absent", "sam")["id"]
    jcli("session", "add", "alex", "--at", "2026-11-24 10:00", "--status", "dna")
    jcli("session", "add", "alex", "--at", "2026-12-01 10:00")                       # booked, to come
    assert jcli("measure", "add", "alex", "phq9", "--score", "9", "--session", "last")["session_id"] == joint
    assert jcli("measure", "add", "alex", "gad7", "--score", "6", "--session", "LAST",
                "--today", "2026-11-12")["session_id"] == own
    assert_refused(cli, db_path, "measure", "add", "sam", "phq9", "--score", "9", "--session", "last",
                   match="client #2 has no attended session by 2026-11-27")    # absent from the couple's
    assert_refused(cli, db_path, "measure", "add", "alex", "phq9", "--score", "9", "--session", "lsat", code=2)


def test_a_date_of_birth_is_not_moved_after_a_questionnaire_already_taken(cli, jcli, db_path):
    """`measure add` refuses a score dated before the birth, but `client edit --dob` with a year typed wrong
    (2026 for 1996) left the client's questionnaires dated before they were born, without a word."""
    jcli("client", "add", "Kim Reed", "--referred-on", "2026-09-01")
    measure = jcli("measure", "add", "kim", "phq9", "--score", "12", "--on", "2026-09-10")["id"]
    assert_refused(cli, db_path, "client", "edit", "kim", "--dob", "2026-09-11",
                   match=f"date of birth 2026-09-11 is after the client's PHQ-9 of 2026-09-10 (measure #{measure})")
    assert jcli("client", "edit", "kim", "--dob", "1996-09-11")["date_of_birth"] == "1996-09-11"


def test_a_date_of_death_is_not_recorded_before_a_questionnaire_already_taken(cli, jcli, db_path):
    """`measure add` refuses a score dated after a recorded death, but `client edit --died-on` before a
    questionnaire already held was taken, leaving a PHQ-9 completed after the client died."""
    jcli("client", "add", "Kim Reed", "--referred-on", "2026-09-01")
    measure = jcli("measure", "add", "kim", "gad7", "--score", "9", "--on", "2026-10-05")["id"]
    assert_refused(cli, db_path, "client", "edit", "kim", "--died-on", "2026-09-30",
                   match=f"date of death 2026-09-30 is before the client's GAD-7 of 2026-10-05 (measure #{measure})")
    assert jcli("client", "edit", "kim", "--died-on", "2026-10-05")["died_on"] == "2026-10-05"


def test_a_score_dated_before_birth_is_refused_and_a_new_first_score_before_referral_is_named(cli, jcli, db_path,
                                                                                                 tmp_path):
    jcli("client", "add", "Kim Reed", "--dob", "1997-03-01", "--referred-on", "2026-09-01")
    assert_refused(cli, db_path, "measure", "add", "kim", "phq9", "--score", "12", "--on", "1990-01-01",
                   match="date 1990-01-01 is before the client's date of birth (1997-03-01)")
    rows = tmp_path / "m.csv"
    rows.write_text("client,instrument,taken_on,score\nKim Reed,PHQ-9,1996-01-01,12\n")
    assert_refused(cli, db_path, "import", "measures", str(rows), match="before the client's date of birth")
    # a screening at referral, the first of its kind: nothing to say
    assert cli("measure", "add", "kim", "gad7", "--score", "9", "--on", "2026-08-20").stderr == ""
    jcli("measure", "add", "kim", "phq9", "--score", "17", "--on", "2026-09-10")
    typo = cli("measure", "add", "kim", "phq9", "--score", "7", "--on", "2016-05-11")     # 2016 for 2026
    assert typo.exit_code == 0
    assert typo.stderr == ("Warning: this PHQ-9 of 2016-05-11, before the referral on 2026-09-01, is now #1 K.R.'s "
                           "first: progress and recovery start from it; if the date is wrong, 'therapy measure "
                           "remove 3' and add it again\n")
    # before the referral but not the first: the start is unchanged, nothing said
    assert cli("measure", "add", "kim", "phq9", "--score", "9", "--on", "2026-08-25").stderr == ""


def test_a_date_of_birth_is_not_moved_after_a_session_already_attended(cli, jcli, db_path):
    """A client added with no referral date had nothing to catch a year typed wrong: `client edit --dob
    2026-11-25` was accepted for someone seen on 2026-11-20, attended before they were born."""
    jcli("client", "add", "Kim Reed")
    jcli("session", "add", "kim", "--at", "2026-11-20 10:00")
    assert_refused(cli, db_path, "client", "edit", "kim", "--dob", "2026-11-25",
                   match="date of birth 2026-11-25 is after the client's first attended session (2026-11-20)")
    assert jcli("client", "edit", "kim", "--dob", "1996-11-25")["date_of_birth"] == "1996-11-25"
