"""Reminders a service can rely on (issue 13): attendance never recorded, notes of recent sessions only,
imported sessions left alone, supervision and CPD only when genuinely at risk, and a month of cron mornings."""

from datetime import date, timedelta

import pytest

from conftest import assert_refused
from test_reports import add_client, add_cpd, add_measure, add_session, add_supervision


def _kinds(items, kind):
    return [i for i in items if i["kind"] == kind]


def _reminders(db, day=None, kinds=None):
    from therapy_cli.reports import reminders

    if day is not None:
        db._today = date.fromisoformat(day)   # the same file, another morning
    return reminders.reminders(db, kinds=kinds)


# -- attendance_missing --------------------------------------------------------

def test_attendance_missing_names_each_past_session_still_scheduled_until_recorded(db, cli, jcli):
    ann = add_client(db, "Ann Archer", referred_on="2026-10-01")
    first = add_session(db, ann, "2026-11-25 10:00", status="scheduled")
    second = add_session(db, ann, "2026-11-26 10:00", status="scheduled")
    add_session(db, ann, "2026-11-27 18:00", status="scheduled")       # later today: a coming session
    db.conn.commit()
    items = jcli("remind", "--kind", "attendance_missing")
    assert [(i["client_id"], i["due"]) for i in items] == [(ann, "2026-11-25"), (ann, "2026-11-26")]
    assert f"session {first} " in items[0]["message"] and "still scheduled" in items[0]["message"]
    assert items[0]["message"].endswith(f"record it (therapy session attend|dna|cancel {first})")  # a client's: DNA too
    assert cli("session", "attend", first).exit_code == 0
    assert cli("session", "dna", second).exit_code == 0
    assert jcli("remind", "--kind", "attendance_missing") == []


def test_attendance_missing_before_the_window_is_one_summary_item(db):
    ann = add_client(db, "Ann Archer", referred_on="2025-01-01")
    for day in range(1, 6):
        add_session(db, ann, f"2026-0{day}-10 10:00", status="scheduled")   # months ago
    recent = add_session(db, ann, "2026-11-20 10:00", status="scheduled")
    items = _reminders(db, kinds=["attendance_missing"])
    assert [(i["client_id"], i["due"]) for i in items] == [(None, "2026-01-10"), (ann, "2026-11-20")]
    assert items[0]["message"].startswith("5 older sessions (2026-01-10 to 2026-05-10) still scheduled")  # the dates held
    assert f"session {recent} " in items[1]["message"]
    # on the window's first day: named, not counted; the summary comes first; one is "session"
    edge = add_session(db, ann, "2026-11-14 10:00", status="scheduled")
    db.execute("UPDATE sessions SET status = 'cancelled' WHERE local_date < '2026-06-01'")
    add_session(db, ann, "2026-06-10 10:00", status="scheduled")
    items = _reminders(db, kinds=["attendance_missing"])
    assert [(i["client_id"], i["due"]) for i in items] == [(None, "2026-06-10"), (ann, "2026-11-14"),
                                                           (ann, "2026-11-20")]
    assert items[0]["message"] == ("1 older session (2026-06-10) still scheduled; 'therapy session list --status "
                                   "scheduled --from 2026-06-10 --to 2026-11-13' lists them")   # to the window's eve
    assert f"session {edge} " in items[1]["message"]


# -- note_missing at scale -------------------------------------------------------

def test_note_missing_covers_recent_sessions_and_summarises_older_ones(db, cli, jcli):
    ann = add_client(db, "Ann Archer", referred_on="2025-01-01")
    recent = add_session(db, ann, "2026-11-20 10:00")              # within 14 days
    edge = add_session(db, ann, "2026-11-14 10:00")                # the 14th day back, today counted
    old = [add_session(db, ann, f"2026-10-{d:02d} 10:00") for d in (1, 8, 15)]
    db.insert("notes", {"session_id": old[1], "text": "seen", "created_at": "2026-01-01T00:00:00+00:00"})
    db.conn.commit()
    items = jcli("remind", "--kind", "note_missing")
    assert [(i["client_id"], i["due"]) for i in items] == [(None, "2026-10-01"), (ann, "2026-11-14"),
                                                           (ann, "2026-11-20")]
    assert items[0]["message"].startswith("2 older attended sessions (2026-10-01 to 2026-10-15) with no note")
    assert f"session {edge} " in items[1]["message"] and f"session {recent} " in items[2]["message"]
    # The summary's own hint lists exactly those it counted.
    listed = jcli("session", "list", "--no-note", "--to", "2026-11-13")
    assert [s["id"] for s in listed] == [old[0], old[2]]
    assert [s["id"] for s in jcli("session", "list", "--no-note")] == [old[0], old[2], edge, recent]
    # One older session is "session".
    db.insert("notes", {"session_id": old[0], "text": "seen", "created_at": "2026-01-01T00:00:00+00:00"})
    db.conn.commit()
    assert jcli("remind", "--kind", "note_missing")[0]["message"] == (
        "1 older attended session (2026-10-15) with no note; 'therapy session list --no-note --to 2026-11-13' "
        "lists them")
    # A wider window names them one by one.
    assert cli("config", "set", "remind.note_missing_days", "60").exit_code == 0
    items = jcli("remind", "--kind", "note_missing")
    assert [i["client_id"] for i in items] == [ann] * 3


def test_imported_sessions_are_not_asked_for_notes(tmp_path, cli, jcli):
    assert cli("client", "add", "Ann Archer").exit_code == 0
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("client,starts_at,status\nAnn Archer,2026-11-20 10:00,attended\n"
                        "Ann Archer,2026-06-01 10:00,attended\n")
    assert cli("import", "sessions", sessions).exit_code == 0
    assert cli("session", "add", "ann", "--at", "2026-11-25 10:00").exit_code == 0   # entered here: needs a note
    items = jcli("remind", "--kind", "note_missing")
    assert [i["due"] for i in items] == ["2026-11-25"]
    assert [s["starts_at"][:10] for s in jcli("session", "list", "--no-note")] == ["2026-11-25"]


def test_no_note_takes_no_other_status(cli, db_path):
    cli("client", "add", "Ann Archer")
    assert_refused(cli, db_path, "session", "list", "--no-note", "--status", "dna", match="--no-note")


# -- supervision_due and booked supervision --------------------------------------

def _practice(db):
    """An active client, so the practice-level rules apply."""
    ann = add_client(db, "Ann Archer", referred_on="2026-01-01")
    db.insert("notes", {"session_id": add_session(db, ann, "2026-11-02 10:00"), "text": "seen",
                        "created_at": "2026-01-01T00:00:00+00:00"})
    add_cpd(db, "2026-06-01", 19)
    return ann


def test_supervision_due_only_in_the_months_last_ten_days_and_booked_time_counts(db, cli, jcli):
    _practice(db)
    add_supervision(db, "2026-11-05", 60)                            # 1 of 1.5 hours
    assert _reminders(db, "2026-11-20", ["supervision_due"]) == []   # 10 days left: not yet at risk
    items = _reminders(db, "2026-11-21", ["supervision_due"])
    assert [(i["client_id"], i["due"]) for i in items] == [(None, "2026-11-30")]
    assert "1.00 hours received and 0.00 booked" in items[0]["message"]
    db.conn.commit()
    booked = jcli("--today", "2026-11-21", "supervise", "book", "--on", "2026-11-28", "--duration", "30")
    assert (booked["direction"], booked["on_date"], booked["credited_hours"]) == ("booked", "2026-11-28", 0.5)
    assert jcli("--today", "2026-11-21", "remind", "--kind", "supervision_due") == []
    status = jcli("--today", "2026-11-21", "supervise", "status")
    assert (status["month"]["received_hours"], status["month"]["booked_hours"]) == (1.0, 0.5)
    assert [r["direction"] for r in jcli("supervise", "list")] == ["received", "booked"]
    # The day passes without it being logged: short again. Logged: received, not counted twice.
    assert len(jcli("--today", "2026-11-29", "remind", "--kind", "supervision_due")) == 1
    assert cli("--today", "2026-11-28", "supervise", "log", "--on", "2026-11-28", "--duration", "30").exit_code == 0
    assert jcli("--today", "2026-11-29", "remind", "--kind", "supervision_due") == []
    assert jcli("--today", "2026-11-28", "supervise", "status")["month"]["booked_hours"] == 0


def test_booking_in_the_past_is_refused_and_a_booking_can_be_cancelled(cli, jcli, db_path):
    assert_refused(cli, db_path, "supervise", "book", "--on", "2026-11-01", "--duration", "60", match="past")
    booking = jcli("supervise", "book", "--on", "2026-11-30", "--duration", "90")
    assert jcli("supervise", "status")["month"]["booked_hours"] == 1.5
    # the same booking again (shell history): refused, not counted twice; another supervisor is another booking
    again = assert_refused(cli, db_path, "supervise", "book", "--on", "2026-11-30", "--duration", "90",
                           match=f"already booked for 2026-11-30 (booking #{booking['id']})")
    assert f"'supervise remove {booking['id']} --booked'" in again.stderr
    assert jcli("supervise", "status")["month"]["booked_hours"] == 1.5
    other = jcli("supervise", "book", "--on", "2026-11-30", "--duration", "90", "--supervisor", "Dr Lee")
    assert_refused(cli, db_path, "supervise", "book", "--on", "2026-11-30", "--duration", "90",
                   "--supervisor", "dr lee", match="already booked")
    assert cli("supervise", "remove", other["id"], "--booked", "--yes").exit_code == 0
    assert_refused(cli, db_path, "supervise", "remove", "99", "--booked", "--yes", match="no booked supervision")
    assert cli("supervise", "remove", booking["id"], "--booked", "--yes").exit_code == 0
    assert jcli("supervise", "status")["month"]["booked_hours"] == 0
    assert jcli("supervise", "list") == []



def test_supervision_due_says_what_is_still_to_go_after_what_is_booked(db, jcli):
    _practice(db)
    add_supervision(db, "2026-11-05", 30)                            # 0.5 received
    db.conn.commit()
    jcli("--today", "2026-11-25", "supervise", "book", "--on", "2026-11-28", "--duration", "30")   # 0.5 booked
    items = _reminders(db, "2026-11-25", ["supervision_due"])
    assert "0.50 hours received and 0.50 booked of 1.5 required (0.50 to go by 2026-11-30" in items[0]["message"]

# -- cpd_behind and cpd.count_supervision --------------------------------------

def test_cpd_behind_only_when_more_than_a_months_share_behind(db):
    _practice(db)
    db.execute("DELETE FROM cpd")
    assert _reminders(db, "2026-01-02", ["cpd_behind"]) == []        # 0 hours on 2 January: not behind
    assert _reminders(db, "2026-01-30", ["cpd_behind"]) == []        # 1.64 due: within a month's share (1.67)
    items = _reminders(db, "2026-01-31", ["cpd_behind"])
    assert [i["client_id"] for i in items] == [None] and "0.00 hours logged, 1.70 expected" in items[0]["message"]
    add_cpd(db, "2026-01-20", 0.1)
    assert _reminders(db, "2026-01-31", ["cpd_behind"]) == []
    # exactly a month's share behind is not more than it: 4380 hours a year is 12 a day and 365 a month, so on
    # 27 November (day 331) the pace is 3972 and 3607 logged is exactly 365 behind
    db.execute("DELETE FROM cpd")
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('cpd.hours_per_year', '4380')")
    db.forget_settings()
    for _ in range(36):
        add_cpd(db, "2026-03-01", 100)
    add_cpd(db, "2026-03-02", 7)
    assert _reminders(db, "2026-11-27", ["cpd_behind"]) == []
    db.execute("UPDATE cpd SET hours = 6.9999 WHERE on_date = '2026-03-02'")
    assert "3606.9999" not in _reminders(db, "2026-11-27", ["cpd_behind"])[0]["message"]   # shown to 2 places


def test_count_supervision_adds_supervision_received_to_cpd(db, cli, jcli):
    _practice(db)
    add_supervision(db, "2026-03-10", 90)
    add_supervision(db, "2026-03-11", 60, direction="given")         # given is not CPD
    db.conn.commit()
    assert jcli("cpd", "status")["hours"] == 19
    assert jcli("report", "month", "--month", "2026-03")["cpd_hours"] == 0
    assert cli("config", "set", "cpd.count_supervision", "yes").exit_code == 0
    assert jcli("config", "get", "cpd.count_supervision")["value"] is True
    status = jcli("cpd", "status")
    assert status["hours"] == 20.5 and status["met"] is True and status["by_kind"]["supervision"] == 1.5
    assert jcli("report", "month", "--month", "2026-03")["cpd_hours"] == 1.5
    assert cli("config", "set", "cpd.count_supervision", "maybe").exit_code == 2   # not true/false: usage


# -- every kind bounded the same way -------------------------------------------------

def test_older_items_of_each_kind_come_as_one_summary_and_all_lists_them(db, cli, jcli):
    """A backlog kind names what fell due in the last remind.note_missing_days days (today counted) one by
    one, after one summary of the older ones; a single older one stays itself; --all lists every item."""
    ids = __import__("test_remind").all_due(db)
    # a second of each older item for three kinds: a second long wait, a second client unseen, a second
    # overdue invoice
    eli = add_client(db, "Eli Early", status="waiting", referred_on="2026-08-20")
    fay = add_client(db, "Fay Faded", referred_on="2026-06-01")
    seen = add_session(db, fay, "2026-09-20 12:00")
    db.insert("notes", {"session_id": seen, "text": "seen", "created_at": "2026-09-20T13:00:00+00:00"})
    invoice = db.insert("invoices", {"number": "INV-2026-0002", "year": 2026, "seq": 2, "client_id": fay,
                                     "issued_on": "2026-09-20", "due_on": "2026-10-20", "period_start": "2026-09-01",
                                     "period_end": "2026-09-30", "currency": "GBP", "total_minor": 8000,
                                     "created_at": "2026-10-01T00:00:00+00:00"})
    db.conn.commit()
    everything = jcli("remind", "--all")
    items = jcli("remind")
    by_kind = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)

    def listed(kind):
        return [i for i in everything if i["kind"] == kind]

    # due in the window, or a single older one: as --all lists them
    for kind in ("dna_follow_up", "measure_due", "risk_flag", "session", "note_missing", "attendance_missing",
                 "review_due", "retention_due", "risk_review_due"):
        assert by_kind[kind] == listed(kind), kind
    assert [(i["client_id"], i["due"]) for i in by_kind["review_due"]] == [(ids["ann"], "2026-10-29")]
    # two or more due before it (the window's first day is 2026-11-14): one summary item, client_id null
    assert [(i["client_id"], i["due"], i["message"]) for k in ("waiting_long", "no_recent_session",
                                                              "invoice_overdue") for i in by_kind[k]] == [
        (None, "2026-10-01", "2 clients waiting over 6 weeks (due 2026-10-01 to 2026-10-13); "
                             "'therapy remind --kind waiting_long --all' lists them"),
        (None, "2026-10-18", "2 active clients not seen for 4 weeks (due 2026-10-18 to 2026-10-29); "
                             "'therapy remind --kind no_recent_session --all' lists them"),
        (None, "2026-10-20", "2 invoices unpaid past their terms (due 2026-10-20 to 2026-10-31); "
                             "'therapy remind --kind invoice_overdue --all' lists them"),
    ]
    assert len(everything) == len(items) + 3
    # the summary's own hint lists exactly what it counted
    assert [i["client_id"] for i in jcli("remind", "--kind", "waiting_long", "--all")] == [eli, ids["cat"]]
    assert [i["client_id"] for i in jcli("remind", "--kind", "invoice_overdue", "--all")] == [fay, ids["ben"]]
    # the text form says the same; --all is accepted after the other options
    text = cli("remind", "--kind", "no_recent_session").stdout
    assert text == ("2026-10-18  no_recent_session  2 active clients not seen for 4 weeks (due 2026-10-18 to "
                    "2026-10-29); 'therapy remind --kind no_recent_session --all' lists them\n")
    assert "has not been seen since" in cli("remind", "--kind", "no_recent_session", "--all").stdout
    assert invoice


def test_the_window_has_the_same_edge_for_every_kind(db, cli, jcli):
    """Due on the window's first day: named; the day before: counted. Several older ones: one line."""
    from therapy_cli.reports import reminders

    waiting = [add_client(db, f"Wait {n}", status="waiting", referred_on=day)
               for n, day in enumerate(("2026-08-01", "2026-09-01", "2026-10-02", "2026-10-03"))]
    items = _reminders(db, kinds=["waiting_long"])
    # 2026-10-03 + 42 days = 2026-11-14, the window's first day; 2026-10-02 falls due the day before
    assert [(i["client_id"], i["due"]) for i in items] == [(None, "2026-09-12"), (waiting[3], "2026-11-14")]
    assert items[0]["message"] == ("3 clients waiting over 6 weeks (due 2026-09-12 to 2026-11-13); "
                                   "'therapy remind --kind waiting_long --all' lists them")
    assert [i["client_id"] for i in reminders.reminders(db, kinds=["waiting_long"], everything=True)] == waiting
    # several falling due the same day: that one day
    db.conn.execute("UPDATE clients SET referred_on = '2026-09-01' WHERE id IN (?, ?)", (waiting[0], waiting[2]))
    assert _reminders(db, kinds=["waiting_long"])[0]["message"].startswith(
        "3 clients waiting over 6 weeks (due 2026-10-13);")
    db.conn.execute("UPDATE clients SET referred_on = '2026-08-01' WHERE id = ?", (waiting[0],))
    db.conn.execute("UPDATE clients SET referred_on = '2026-10-02' WHERE id = ?", (waiting[2],))
    # the window follows remind.note_missing_days, as note_missing's does
    db.conn.commit()
    assert cli("config", "set", "remind.note_missing_days", "60").exit_code == 0     # from 2026-09-29
    # one older item left (due 2026-09-12): itself, not a summary
    assert [i["client_id"] for i in jcli("remind", "--kind", "waiting_long")] == waiting
    assert cli("config", "set", "remind.note_missing_days", "30").exit_code == 0     # from 2026-10-29
    assert [i["client_id"] for i in jcli("remind", "--kind", "waiting_long")] == [None, waiting[2], waiting[3]]


# -- bounded in SQL --------------------------------------------------------------

def test_every_rule_reads_through_an_index_not_a_whole_table(db):
    """The query plans of remind's statements search indexes; none scans a table (sessions has a million
    rows in a service file), the handful of settings aside."""
    from therapy_cli.reports import reminders

    all_kinds = __import__("test_remind").all_due(db)
    add_session(db, all_kinds["ann"], "2026-01-20 10:00")          # an older session with no note
    statements = []
    db.conn.set_trace_callback(statements.append)
    items = reminders.reminders(db)
    db.conn.set_trace_callback(None)
    assert {i["kind"] for i in items} == set(reminders.KINDS)       # every rule ran and found something
    scans = []
    for sql in dict.fromkeys(s for s in statements if s.lstrip().upper().startswith("SELECT")):
        for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql):
            # settings is a handful of rows; open_invoices (alias o) holds only unpaid invoices (triggers keep
            # it so); a `LIMIT 1` probe reads one row
            if row[3].startswith("SCAN") and row[3] not in ("SCAN settings", "SCAN o") \
                    and not sql.rstrip().endswith("LIMIT 1"):
                scans.append((row[3], " ".join(sql.split())[:100]))
    assert scans == [], scans


def _vm_steps(db) -> int:
    """SQLite virtual-machine steps (in thousands) that one run of every reminder rule takes."""
    from therapy_cli.reports import reminders

    steps = [0]

    def count():
        steps[0] += 1
        return 0

    db.conn.set_progress_handler(count, 1000)
    try:
        reminders.reminders(db)
    finally:
        db.conn.set_progress_handler(None, 0)
    return steps[0]


def test_remind_work_does_not_grow_with_the_history_a_file_holds(db):
    """Years of imported history (here 20,000 sessions of 200 past clients) leave remind's work as it was:
    every rule reads through an index to the few rows it reports."""
    __import__("test_remind").all_due(db)
    before = _vm_steps(db)
    rows = []
    for n in range(200):
        cid = add_client(db, f"Past Client {n}", status="discharged", referred_on="2019-01-01",
                         discharged_on="2023-06-01")
        for week in range(100):
            day = date(2021, 1, 4) + timedelta(days=7 * week)
            status = ("attended", "attended", "attended", "dna", "cancelled")[week % 5]
            rows.append((cid, f"{day}T10:00:00+00:00", f"{day}T10:00:00+00:00", f"{day}T10:50:00+00:00",
                         day.isoformat(), status))
    db.conn.executemany(
        "INSERT INTO sessions (client_id, starts_at, starts_utc, ends_utc, local_date, duration_min, status, "
        "imported, created_at) VALUES (?, ?, ?, ?, ?, 50, ?, 1, '2026-01-01T00:00:00+00:00')", rows)
    # as `import sessions` and `session attend` keep it: each client's first attended day
    db.conn.execute("UPDATE clients SET first_attended_on = '2021-01-04' WHERE name LIKE 'Past Client %'")
    after = _vm_steps(db)
    assert after <= before + 20, (before, after)


# -- a month of cron mornings -----------------------------------------------------

def test_a_month_of_cron_mornings(cli):
    """November 2026, `therapy remind` every morning; the practitioner acts on each mail that day.
    Quiet mornings send nothing; each reminder comes once, on the day it is due."""
    def run(day, *args):
        result = cli("--today", day, *args)
        assert result.exit_code == 0, (day, args, result.stderr)
        return result

    def new_session(day, at):
        return run(day, "session", "add", "ann", "--at", at, "--json").json()["id"]

    run("2026-10-27", "client", "add", "Ann Archer", "--referred-on", "2026-10-01")
    first = new_session("2026-10-27", "2026-10-26 10:00")            # yesterday's: attended
    run("2026-10-27", "session", "note", first, "Assessment.")
    run("2026-10-27", "measure", "add", "ann", "PHQ-9", "--score", "12")
    run("2026-10-27", "cpd", "add", "Reading", "--hours", "18", "--on", "2026-06-01")
    booked = {d: new_session("2026-10-27", f"2026-11-{d:02d} 10:00") for d in (2, 9, 16)}

    def attend(day, session_id, note=True):
        run(day, "session", "attend", session_id)
        if note:
            run(day, "session", "note", session_id, "Seen.")
        run(day, "measure", "add", "ann", "PHQ-9", "--score", "9")

    actions = {
        "2026-11-03": lambda d: attend(d, booked[2]),                  # forgot on the day: reminded
        "2026-11-05": lambda d: run(d, "supervise", "log", "--on", d, "--duration", "60"),
        "2026-11-09": lambda d: attend(d, booked[9], note=False),      # note forgotten: reminded
        "2026-11-10": lambda d: run(d, "session", "note", booked[9], "Seen."),
        "2026-11-16": lambda d: run(d, "session", "dna", booked[16]),
        "2026-11-17": lambda d: booked.update({24: new_session(d, "2026-11-24 10:00")}),
        "2026-11-21": lambda d: run(d, "supervise", "book", "--on", "2026-11-27", "--duration", "30"),
        "2026-11-24": lambda d: attend(d, booked[24]),
        "2026-11-27": lambda d: run(d, "supervise", "log", "--on", d, "--duration", "30"),
    }
    seen: dict[tuple, list[str]] = {}
    quiet = []
    day = date(2026, 11, 1)
    while day <= date(2026, 11, 30):
        today = day.isoformat()
        mail = run(today, "remind")
        if mail.stdout == "" and mail.stderr == "":
            quiet.append(day.day)
        for item in run(today, "remind", "--json").json():
            seen.setdefault((item["kind"], item["due"], item["message"]), []).append(today)
        if today in actions:
            actions[today](today)
        day += timedelta(days=1)

    assert all(len(days) == 1 for days in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}
    got = sorted((days[0], kind, due) for (kind, due, _), days in seen.items())
    assert got == [
        ("2026-11-01", "session", "2026-11-02"),            # tomorrow
        ("2026-11-02", "session", "2026-11-02"),            # today
        ("2026-11-03", "attendance_missing", "2026-11-02"),
        ("2026-11-08", "session", "2026-11-09"),
        ("2026-11-09", "session", "2026-11-09"),
        ("2026-11-10", "note_missing", "2026-11-09"),
        ("2026-11-15", "session", "2026-11-16"),
        ("2026-11-16", "session", "2026-11-16"),
        ("2026-11-17", "dna_follow_up", "2026-11-16"),
        ("2026-11-21", "supervision_due", "2026-11-30"),    # the month's last 10 days, 1 of 1.5 hours
        ("2026-11-23", "session", "2026-11-24"),
        ("2026-11-24", "session", "2026-11-24"),
    ]
    busy = {int(d[-2:]) for d, _, _ in got}
    assert quiet == [d for d in range(1, 31) if d not in busy]
