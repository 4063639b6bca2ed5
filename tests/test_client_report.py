"""`report client`: Markdown and self-contained HTML documents with the measures and a chart."""

import os
import stat
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from conftest import assert_refused, snapshot
from test_reports import add_session


@pytest.fixture
def treated(db):
    """A discharged client: referral by a GP, 8 sessions, PHQ-9 16 → 6, GAD-7 12 → 5, a plan and a goal."""
    from therapy_cli.practice import clients
    from therapy_cli.clinical import measures
    from therapy_cli.clinical import plans

    gp = db.insert("contacts", {"name": "Dr Patel", "role": "GP", "org": "High St Surgery",
                                "created_at": "2026-01-01T00:00:00+00:00"})
    cid = clients.add_client(db, "Alex Morgan", referred_on=date(2026, 8, 1), referral_source="GP",
                             referred_by=str(gp))["id"]
    plans.set_plan(db, cid, "cbt", sessions=8, review_every=6, problems=["low mood"], on=date(2026, 8, 20))
    goal = plans.add_goal(db, cid, "Back to work", on=date(2026, 8, 20))["id"]
    for week, (phq, gad) in enumerate([(16, 12), (13, 10), (11, 8), (9, 7), (8, 6), (7, 6), (6, 5), (6, 5)]):
        day = date(2026, 8, 20 + 0).toordinal() + 7 * week
        when = date.fromordinal(day)
        add_session(db, cid, f"{when.isoformat()} 10:00")
        measures.add_measure(db, cid, "PHQ-9", score=phq, on=when)
        measures.add_measure(db, cid, "GAD-7", score=gad, on=when)
    plans.rate_goal(db, cid, goal, 2, on=date(2026, 8, 20))
    plans.rate_goal(db, cid, goal, 8, on=date(2026, 10, 8))
    db.execute("UPDATE clients SET status = 'discharged', discharged_on = '2026-10-15', "
               "discharge_reason = 'planned ending' WHERE id = ?", (cid,))
    db.conn.commit()
    return cid


def test_markdown_report(treated, cli, tmp_path):
    out = tmp_path / "alex.md"
    result = cli("report", "client", "Alex", "--output", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert text.startswith("# End-of-therapy report: Alex Morgan")
    assert "2026-08-01, GP (Dr Patel, GP, High St Surgery)" in text
    assert "| 2026-08-20 | PHQ-9 | 16 | moderately severe |" in text
    assert "| 2026-10-08 | GAD-7 | 5 | mild |" in text
    assert "```\nPHQ-9 (lower is better)" in text and "caseness threshold" in text    # the text chart
    assert "8 attended" in text and "Back to work: 2/10 (2026-08-20) → 8/10 (2026-10-08)" in text
    assert "reliably recovered" in text                       # PHQ-9 fell 10, both below caseness at the end
    assert "Cognitive behavioural therapy" in text


def test_html_report_is_self_contained_with_an_svg_chart(treated, cli, tmp_path, jcli):
    out = tmp_path / "alex.html"
    record = jcli("report", "client", str(treated), "--output", out)
    assert record["format"] == "html" and record["measures"] == 16 and record["ended"] is True
    text = out.read_text()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")   # nothing fetched
    svg = text[text.index("<svg"):text.index("</svg>") + 6]
    tree = ET.fromstring(svg)
    polylines = tree.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(polylines) == 2                                # PHQ-9 and GAD-7
    assert len(polylines[0].get("points").split()) == 8
    assert "<td>2026-08-20</td><td>PHQ-9</td><td>16</td>" in text
    assert "@media print" in text and "reliably recovered" in text


def test_end_of_therapy_change_counts_scores_up_to_the_discharge(treated, db, cli, jcli, tmp_path):
    """A follow-up score after the discharge is listed, not judged: the report agrees with `report outcomes`."""
    from therapy_cli.clinical import measures

    measures.add_measure(db, treated, "PHQ-9", score=22, on=date(2026, 11, 20))
    db.conn.commit()
    out = tmp_path / "alex.md"
    assert cli("report", "client", "Alex", "--output", out).exit_code == 0
    text = out.read_text()
    assert "| 2026-11-20 | PHQ-9 | 22 | severe |" in text                      # still listed
    assert "PHQ-9: 16 → 6" in text and "reliably recovered" in text
    assert "1 score taken after therapy ended on 2026-10-15 is listed above but not counted" in text
    outcomes = jcli("report", "outcomes", "--from", "2026-10-01", "--to", "2026-10-31")
    assert outcomes["recovered"] == 1 and outcomes["reliable_recovery"] == 1
    # and `measure progress` judges the course the same way: it said 'reliably improved' (16 -> 22 counted)
    progress = jcli("measure", "progress", "Alex")
    assert progress["instruments"]["PHQ-9"]["last"] == 6 and progress["reliable_recovery"] is True
    table = cli("measure", "progress", "Alex").stdout
    assert "PHQ-9: 16 → 6" in table and "reliably recovered" in table
    assert "1 score taken after therapy ended on 2026-10-15 is not counted in the change (measure list shows it)." \
        in table


def test_a_groups_report_says_who_joined_and_left(db, cli, tmp_path):
    from therapy_cli.practice import clients

    a = clients.add_client(db, "Ann Ash")["id"]
    b = clients.add_client(db, "Bea Birch")["id"]
    c = clients.add_client(db, "Cy Cole")["id"]
    group = clients.add_client(db, "Monday group", "group", [str(a), str(b)])["id"]
    clients.leave(db, str(group), str(b), on=date(2026, 10, 1))
    clients.join(db, str(group), str(c), on=date(2026, 10, 8))
    db.conn.commit()
    out = tmp_path / "group.md"
    assert cli("report", "client", "Monday group", "--output", out).exit_code == 0
    assert "| Members | Ann Ash, Bea Birch (left 2026-10-01), Cy Cole (joined 2026-10-08) |" in out.read_text()
    # replayed before either change, the report knows neither: Cy had not joined, Bea had not left
    out = tmp_path / "group-sep.md"
    assert cli("--today", "2026-09-30", "report", "client", "Monday group", "--output", out).exit_code == 0
    assert "| Members | Ann Ash, Bea Birch |" in out.read_text()


def test_progress_report_without_measures(db, cli, tmp_path):
    from therapy_cli.practice import clients

    cid = clients.add_client(db, "Sam Lee", referred_on=date(2026, 11, 1))["id"]
    add_session(db, cid, "2026-11-10 10:00")
    db.conn.commit()
    out = tmp_path / "sam.md"
    assert cli("report", "client", "Sam", "--output", out).exit_code == 0
    text = out.read_text()
    assert text.startswith("# Progress report: Sam Lee") and "No questionnaires were recorded." in text


def test_writing_is_audited_and_replacing_needs_yes(treated, cli, db_path, tmp_path):
    out = tmp_path / "alex.md"
    assert cli("report", "client", "Alex", "--output", out).exit_code == 0
    rows = [r for r in snapshot(db_path)["audit"] if r[2] == "report"]
    assert len(rows) == 1 and "Alex" not in rows[0][6]
    out.write_text("kept")
    result = assert_refused(cli, db_path, "report", "client", "Alex", "--output", out, match="--yes")
    assert out.read_text() == "kept" and result.stdout == ""
    assert cli("report", "client", "Alex", "--output", out, "--yes").exit_code == 0
    assert out.read_text().startswith("# End-of-therapy report")


def test_bad_output_refused(treated, cli, db_path, tmp_path):
    assert_refused(cli, db_path, "report", "client", "Alex", "--output", tmp_path / "alex.pdf", match=".md")
    assert_refused(cli, db_path, "report", "client", "Alex", "--output", tmp_path / "nodir" / "a.md",
                   match="does not exist")
    assert_refused(cli, db_path, "report", "client", "Nobody", "--output", tmp_path / "x.md", match="no client")
    assert not (tmp_path / "x.md").exists()


def test_an_erased_client_has_no_report(treated, cli, db_path, tmp_path):
    """After `client erase`, `report client` wrote an 'End-of-therapy report' saying 0 sessions attended and
    no questionnaires recorded: untrue of the therapy, and ready to send."""
    assert cli("client", "erase", "Alex", "--force", "--reason", "court order", "--yes").exit_code == 0
    assert_refused(cli, db_path, "report", "client", str(treated), "--output", tmp_path / "x.md",
                   match=f"client #{treated} was erased on")
    assert_refused(cli, db_path, "report", "client", str(treated), match="nothing to report")
    assert not (tmp_path / "x.md").exists()


def test_markdown_reads_the_same_in_a_pager_as_rendered(cli, jcli, tmp_path):
    """`Clark &amp; Wells` in the Markdown report, paged with less as the docs suggest; `&copy;` typed in a
    note of the referral source must not become a symbol once rendered."""
    jcli("client", "add", "Alex Morgan", "--referral-source", "Dr A & B Partners &copy; 2026")
    jcli("plan", "set", "alex", "--modality", "cbt", "--approach", "Clark & Wells", "--on", "2026-10-01")
    out = tmp_path / "alex.md"
    assert cli("report", "client", "alex", "--output", out).exit_code == 0
    text = out.read_text()
    assert "Clark & Wells" in text and "&amp; Wells" not in text
    assert "Dr A & B Partners &amp;copy; 2026" in text


def test_a_members_name_in_the_measures_table_is_text(cli, jcli, tmp_path):
    """A couple's report named each member beside their score raw in the Markdown table: a `<b>` typed in a
    name was rendered as a tag and a `|` split the row into an extra column."""
    jcli("client", "add", "Ann <b>Lee</b> | x")
    jcli("client", "add", "Bob Lee")
    jcli("client", "add", "Lee couple", "--kind", "couple", "--member", "1", "--member", "2")
    jcli("session", "add", "3", "--at", "2026-09-03 10:00")
    jcli("measure", "add", "1", "PHQ-9", "--score", "12", "--session", "1")
    out = tmp_path / "couple.md"
    assert cli("report", "client", "3", "--output", out).exit_code == 0
    text = out.read_text()
    assert "| 2026-09-03 | PHQ-9 (Ann &lt;b>Lee&lt;/b> / x) | 12 | moderate |" in text
    assert "<b>" not in text
