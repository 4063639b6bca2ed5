"""`therapy remind`: silent when nothing is due, each kind listed when due, plain under cron."""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import assert_refused
from wrong_form import refused
from test_reports import add_client, add_cpd, add_measure, add_session, add_supervision

BIN = Path(sys.executable).parent


def _note(db, session_id):
    db.insert("notes", {"session_id": session_id, "text": "seen", "created_at": "2026-01-01T00:00:00+00:00"})


def _plan(db, client_id, started_on, every):
    db.insert("plans", {"client_id": client_id, "version": 1, "modality": "cbt", "problems": "[]",
                        "started_on": started_on, "review_every_weeks": every,
                        "created_at": "2026-01-01T00:00:00+00:00"})


def up_to_date(db):
    """A caseload with nothing due on Friday 27 November 2026."""
    ann = add_client(db, "Ann Archer", referred_on="2026-10-01")
    _note(db, add_session(db, ann, "2026-11-20 10:00"))
    add_measure(db, ann, "PHQ-9", 8, "2026-11-20")
    add_session(db, ann, "2026-12-04 10:00", status="scheduled")        # beyond tomorrow
    _plan(db, ann, "2026-11-01", 6)                                     # review due 13 December
    add_client(db, "Wes Waiting", status="waiting", referred_on="2026-11-01")
    add_client(db, "Old Client", status="discharged", referred_on="2019-01-01", discharged_on="2020-01-01",
               dob="1970-01-01")
    add_supervision(db, "2026-11-10", 90)
    add_cpd(db, "2026-06-01", 19)                                       # pace: 20 * 331/365 = 18.1
    return ann


def all_due(db):
    """One or more items of every kind."""
    ann = add_client(db, "Ann Archer", referred_on="2026-09-01")
    ben = add_client(db, "Ben Baker", referred_on="2026-09-01")
    cat = add_client(db, "Cat Cole", status="waiting", referred_on="2026-09-01")
    dan = add_client(db, "Dan Dunn", referred_on="2026-06-01")
    eve = add_client(db, "Eve Ellis", status="discharged", referred_on="1999-01-01", discharged_on="2000-01-01",
                     dob="1970-05-05")
    _note(db, add_session(db, ann, "2026-11-13 10:00"))
    add_measure(db, ann, "PHQ-9", 12, "2026-11-13")
    missing = add_session(db, ann, "2026-11-20 10:00")                  # no note, no measure
    add_session(db, ann, "2026-11-28 10:00", status="scheduled")        # tomorrow
    _plan(db, ann, "2026-10-01", 4)                                     # review due 29 October
    _note(db, add_session(db, ben, "2026-11-18 11:00"))
    add_measure(db, ben, "PHQ-9", 9, "2026-11-18", risk=1)             # item 9 = 1, never assessed
    add_session(db, ben, "2026-11-25 11:00", status="dna")
    _note(db, add_session(db, dan, "2026-10-01 12:00"))
    add_measure(db, dan, "GAD-7", 5, "2026-10-01")
    db.insert("risk_assessments", {"client_id": dan, "assessed_on": "2026-10-01", "level": "low",
                                   "review_in_days": 28, "review_due": "2026-10-29",
                                   "created_at": "2026-10-01T00:00:00+00:00"})
    add_session(db, None, "2026-11-27 16:00", 120, status="scheduled", kind="training", title="Attachment")
    invoice = db.insert("invoices", {"number": "INV-2026-0001", "year": 2026, "seq": 1, "client_id": ben,
                                     "issued_on": "2026-10-01", "due_on": "2026-10-31", "period_start": "2026-09-01",
                                     "period_end": "2026-09-30", "currency": "GBP", "total_minor": 8000,
                                     "created_at": "2026-10-01T00:00:00+00:00"})
    db.insert("payments", {"invoice_id": invoice, "invoice_issued_on": "2026-10-01", "paid_on": "2026-10-10",
                           "amount_minor": 3000, "created_at": "2026-10-10T00:00:00+00:00"})
    unmarked = add_session(db, dan, "2026-11-26 12:00", status="scheduled")   # yesterday, never recorded
    return {"ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve, "missing": missing, "unmarked": unmarked}


def test_empty_caseload_is_silent(cli):
    result = cli("remind")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert cli("remind", "--json").json() == []
    result = cli("remind", "--csv")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_up_to_date_caseload_is_silent(db, cli):
    from therapy_cli.reports import reminders

    up_to_date(db)
    assert reminders.reminders(db) == []
    db.conn.commit()
    result = cli("remind")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_every_kind_listed_when_due(db):
    from therapy_cli.reports import reminders

    ids = all_due(db)
    items = reminders.reminders(db, everything=True)      # older items one by one, as --all lists them
    assert {i["kind"] for i in items} == set(reminders.KINDS)
    by_kind = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
        assert set(item) == {"kind", "client_id", "due", "message"}
    assert [(i["client_id"], i["due"]) for i in by_kind["session"]] == [(None, "2026-11-27"),
                                                                        (ids["ann"], "2026-11-28")]
    assert [i["client_id"] for i in by_kind["note_missing"]] == [ids["ann"]]
    assert f"session {ids['missing']}" in by_kind["note_missing"][0]["message"]
    assert [(i["client_id"], i["due"]) for i in by_kind["dna_follow_up"]] == [(ids["ben"], "2026-11-25")]
    assert [(i["client_id"], i["due"]) for i in by_kind["invoice_overdue"]] == [(ids["ben"], "2026-10-31")]
    assert "£50.00 unpaid" in by_kind["invoice_overdue"][0]["message"]
    assert [(i["client_id"], i["due"]) for i in by_kind["review_due"]] == [(ids["ann"], "2026-10-29")]
    assert [i["client_id"] for i in by_kind["measure_due"]] == [ids["ann"]]
    assert [(i["client_id"], i["due"]) for i in by_kind["supervision_due"]] == [(None, "2026-11-30")]
    assert [i["client_id"] for i in by_kind["cpd_behind"]] == [None]
    assert [(i["client_id"], i["due"]) for i in by_kind["waiting_long"]] == [(ids["cat"], "2026-10-13")]
    assert [(i["client_id"], i["due"]) for i in by_kind["no_recent_session"]] == [(ids["dan"], "2026-10-29")]
    assert [i["client_id"] for i in by_kind["retention_due"]] == [ids["eve"]]
    assert [(i["client_id"], i["due"]) for i in by_kind["risk_flag"]] == [(ids["ben"], "2026-11-18")]
    assert [(i["client_id"], i["due"]) for i in by_kind["risk_review_due"]] == [(ids["dan"], "2026-10-29")]
    assert [(i["client_id"], i["due"]) for i in by_kind["attendance_missing"]] == [(ids["dan"], "2026-11-26")]
    assert f"session {ids['unmarked']}" in by_kind["attendance_missing"][0]["message"]
    # Names are initials unless asked for.
    text = " ".join(i["message"] for i in items)
    assert "Ann Archer" not in text and f"#{ids['ann']} A.A." in text
    named = reminders.reminders(db, names=True, kinds=["waiting_long"], everything=True)
    assert "Cat Cole" in named[0]["message"]


def test_waiting_long_without_a_referral_date_says_so(db):
    from therapy_cli.reports import reminders

    add_client(db, "Nora Nodate", status="waiting")                    # record made 2026-01-01
    add_client(db, "Rita Referred", status="waiting", referred_on="2026-09-01")
    messages = [i["message"] for i in reminders.reminders(db, kinds=["waiting_long"], everything=True)]
    assert messages[0].endswith("has waited 47 weeks since the record was made on 2026-01-01 (no referral date)")
    assert messages[1].endswith("has waited 12 weeks since referral on 2026-09-01")


def test_waiting_long_without_a_referral_date_counts_from_the_local_day_the_record_was_made(db):
    """A record made at 00:30 on 16 October in London is 23:30 on the 15th in UTC: it was said to have waited
    6 weeks on 27 November (42 days: not over 6 weeks) 'since the record was made on 2026-10-15'."""
    from therapy_cli.reports import reminders

    early = add_client(db, "Otto Owl", status="waiting")
    db.execute("UPDATE clients SET created_at = '2026-10-15T23:30:00+00:00' WHERE id = ?", (early,))
    assert reminders.reminders(db, kinds=["waiting_long"], everything=True) == []
    db._today = date(2026, 11, 28)      # the next morning: 43 days
    [item] = reminders.reminders(db, kinds=["waiting_long"], everything=True)
    assert item["due"] == "2026-11-27"
    assert item["message"].endswith("6 weeks since the record was made on 2026-10-16 (no referral date)")


def test_within_widens_the_session_window(db):
    from therapy_cli.reports import reminders

    ann = add_client(db, "Ann")
    add_session(db, ann, "2026-11-26 10:00", status="scheduled")     # yesterday: not a coming session
    add_session(db, ann, "2026-11-29 23:30", status="scheduled")     # Sunday, the third day ahead
    kinds = ["session"]
    assert reminders.reminders(db, 1, kinds=kinds) == []
    assert [i["due"] for i in reminders.reminders(db, 2, kinds=kinds)] == ["2026-11-29"]
    assert "23:30" in reminders.reminders(db, 2, kinds=kinds)[0]["message"]


def test_measures_every_n_sessions(db):
    from therapy_cli.reports import reminders

    ann = add_client(db, "Ann")
    add_measure(db, ann, "PHQ-9", 12, "2026-11-06")
    for day in ("2026-11-06", "2026-11-13", "2026-11-20"):
        _note(db, add_session(db, ann, f"{day} 10:00"))
    assert [i["client_id"] for i in reminders.reminders(db, kinds=["measure_due"])] == [ann]
    db.execute("INSERT INTO settings (key, value) VALUES ('measures.every', '3')")
    db.forget_settings()
    assert reminders.reminders(db, kinds=["measure_due"]) == []


def test_a_questionnaire_filled_in_the_day_before_counts_for_its_session(cli, jcli):
    """A PHQ-9 completed the evening before and linked to the session (measure add --session ID --on
    yesterday, as docs/measures.md allows) still left 'no outcome measure in the last attended session'."""
    jcli("client", "add", "Alex Morgan", "--referred-on", "2026-11-01")
    session = str(jcli("session", "add", "Alex", "--at", "2026-11-20 10:00")["id"])
    jcli("session", "note", session, "Seen.")
    jcli("measure", "add", "Alex", "phq9", "--score", "12", "--session", session, "--on", "2026-11-19")
    assert [i for i in jcli("remind", "--kind", "measure_due") if i["kind"] == "measure_due"] == []
    jcli("session", "add", "Alex", "--at", "2026-11-26 10:00")           # the next session: due again
    assert [i["due"] for i in jcli("remind", "--kind", "measure_due")] == ["2026-11-26"]


def test_practice_items_need_an_active_client(db):
    from therapy_cli.reports import reminders

    add_client(db, "Wes", status="waiting", referred_on="2026-11-20")
    assert reminders.reminders(db) == []


def test_cli_json_and_text(db, cli, jcli):
    all_due(db)
    db.conn.commit()
    items = jcli("remind")
    assert len(items) >= 10
    result = cli("remind")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(items)
    assert lines[0].startswith("2026-11-27  session")


def test_bad_within_refused(cli, db_path):
    refused(cli, db_path, "remind", "--within", "soon", match="not a span")
    assert_refused(cli, db_path, "remind", "--kind", "coffee", match="--kind", code=2)   # a choice: usage


@pytest.mark.skipif(not (BIN / "therapy").exists(), reason="the therapy script is not installed")
def test_cron_like_run_has_no_colour(db, db_path, tmp_path):
    """`env -i` with only PATH and THERAPY_DB, as cron runs it: plain text, or nothing at all."""
    env_bin = shutil.which("env")
    base = [env_bin, "-i", f"PATH={BIN}:/usr/bin:/bin", f"THERAPY_DB={db_path}"]
    db.conn.commit()
    quiet = subprocess.run(base + ["therapy", "--today", "2026-11-27", "remind"], capture_output=True, text=True)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    all_due(db)
    db.conn.commit()
    run = subprocess.run(base + ["therapy", "--today", "2026-11-27", "remind"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == ""
    assert "\x1b" not in run.stdout and "no_recent_session" in run.stdout
    assert all(line[:10].count("-") == 2 for line in run.stdout.splitlines())


def _crontab_block():
    text = (Path(__file__).resolve().parent.parent / "docs" / "cron.md").read_text()
    start = text.index("```crontab\n") + len("```crontab\n")
    return text[start:text.index("\n```", start)]


@pytest.mark.skipif(not (BIN / "therapy").exists(), reason="the therapy script is not installed")
def test_cron_doc_lines_run_as_documented(tmp_path, cli):
    """Every line of the crontab in docs/cron.md, run as cron runs it (env -i, no terminal)."""
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "therapy").symlink_to(BIN / "therapy")
    (home / "therapy").mkdir()
    variables, jobs = {}, []
    for line in _crontab_block().replace("/home/jo", str(home)).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and name.isidentifier() and " " not in name:
            variables[name] = value
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, line
        jobs.append(fields[5])
    assert set(variables) >= {"MAILTO", "PATH", "THERAPY_DB"} and len(jobs) == 2
    remind_job, week_job = jobs
    env = {k: v for k, v in variables.items() if k != "MAILTO"}
    env["THERAPY_TODAY"] = "2026-11-27"        # the morning being tested

    def run(command):
        return subprocess.run(["env", "-i", *[f"{k}={v}" for k, v in env.items()], "/bin/sh", "-c", command],
                              capture_output=True, text=True)

    # An empty caseload: no output at all, so no mail.
    quiet = run(remind_job)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    # The demo practice: a plain-text mail.
    os.remove(variables["THERAPY_DB"])
    assert cli("demo", "--db", variables["THERAPY_DB"], "--json").exit_code == 0
    mail = run(remind_job)
    assert mail.returncode == 0 and mail.stderr == "" and "\x1b" not in mail.stdout
    assert "session" in mail.stdout and "note_missing" in mail.stdout
    # The weekly summary: silent, header once, 0600; run twice (a cron retry), the week is written once.
    for _ in range(2):
        weekly = run(week_job)
        assert (weekly.returncode, weekly.stdout, weekly.stderr) == (0, "", "")
    csv_path = Path(week_job.split("--append ")[1].strip())
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 2 and lines[0].startswith("period_start,period_end,period,sessions_attended")
    assert lines[1].startswith("2026-11-16,2026-11-22,2026-W47,")
    assert oct(os.stat(csv_path).st_mode & 0o777) == "0o600"
