"""`report outcomes` and `report referrals` on worked cases."""

from datetime import date

from test_reports import add_client, add_measure, add_session


def _plan(db, client_id, modality):
    db.insert("plans", {"client_id": client_id, "version": 1, "modality": modality, "problems": "[]",
                        "started_on": "2026-01-01", "created_at": "2026-01-01T00:00:00+00:00"})


def _weekly(db, client_id, first_day, count, type_="treatment"):
    day = date.fromisoformat(first_day)
    for week in range(count):
        add_session(db, client_id, f"{date.fromordinal(day.toordinal() + 7 * week).isoformat()} 10:00",
                    type_=type_)


def build_cases(db):
    # A: recovered. Referred 5 Jan, assessed 2 Feb (28 days), 8 treatment sessions.
    a = add_client(db, "Case A", status="discharged", referred_on="2026-01-05", discharged_on="2026-04-30",
                   referral_source="GP")
    _plan(db, a, "cbt")
    add_session(db, a, "2026-02-02 09:00", type_="assessment")
    add_session(db, a, "2026-02-04 09:00", status="dna")
    _weekly(db, a, "2026-02-09", 8)
    add_measure(db, a, "PHQ-9", 16, "2026-02-02")
    add_measure(db, a, "PHQ-9", 11, "2026-03-02")
    add_measure(db, a, "PHQ-9", 6, "2026-03-30")
    add_measure(db, a, "GAD-7", 12, "2026-02-02")
    add_measure(db, a, "GAD-7", 5, "2026-03-30")
    # B: at caseness, not recovered. Wait 84 days. A score after discharge does not count.
    b = add_client(db, "Case B", status="discharged", referred_on="2026-01-05", discharged_on="2026-09-01",
                   referral_source="GP")
    _plan(db, b, "psychodynamic")
    _weekly(db, b, "2026-03-30", 6)
    add_measure(db, b, "PHQ-9", 18, "2026-03-30")
    add_measure(db, b, "PHQ-9", 14, "2026-05-04")
    add_measure(db, b, "GAD-7", 10, "2026-03-30")
    add_measure(db, b, "GAD-7", 9, "2026-05-04")
    add_measure(db, b, "PHQ-9", 4, "2026-10-01")
    # C: below caseness at the start. Wait 190 days (over 18 weeks).
    c = add_client(db, "Case C", status="discharged", referred_on="2026-02-01", discharged_on="2026-10-15",
                   referral_source="self")
    _plan(db, c, "cbt")
    _weekly(db, c, "2026-08-10", 5)
    add_measure(db, c, "PHQ-9", 7, "2026-08-10")
    add_measure(db, c, "PHQ-9", 3, "2026-09-07")
    add_measure(db, c, "GAD-7", 5, "2026-08-10")
    add_measure(db, c, "GAD-7", 2, "2026-09-07")
    # D: one session only: not finished, counted nowhere but `discharged`.
    d = add_client(db, "Case D", status="discharged", referred_on="2026-03-01", discharged_on="2026-03-31",
                   referral_source="self")
    _plan(db, d, "cbt")
    add_session(db, d, "2026-03-10 10:00")
    add_session(db, d, "2026-03-17 10:00", status="dna")
    add_measure(db, d, "PHQ-9", 20, "2026-03-10")
    # E: reliable deterioration, below caseness at the start. Wait 19 days.
    e = add_client(db, "Case E", status="discharged", referred_on="2026-04-01", discharged_on="2026-07-01",
                   referral_source="GP")
    _plan(db, e, "cbt")
    _weekly(db, e, "2026-04-20", 4)
    add_measure(db, e, "PHQ-9", 9, "2026-04-20")
    add_measure(db, e, "PHQ-9", 16, "2026-05-11")
    add_measure(db, e, "GAD-7", 6, "2026-04-20")
    add_measure(db, e, "GAD-7", 11, "2026-05-11")
    # F: discharged before the period.
    f = add_client(db, "Case F", status="discharged", referred_on="2025-06-01", discharged_on="2025-11-15")
    _weekly(db, f, "2025-07-01", 4)
    add_measure(db, f, "PHQ-9", 20, "2025-07-01")
    add_measure(db, f, "PHQ-9", 2, "2025-07-22")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_outcomes_on_worked_cases(db):
    from therapy_cli.reports import service as reports

    build_cases(db)
    report = reports.outcomes_report(db, date(2026, 1, 1), date(2026, 11, 27))
    expected = {
        "discharged": 5,            # A-E
        "finished": 4,              # A, B, C, E (D had one session)
        "at_caseness": 2,           # A, B
        "recovered": 1,             # A
        "reliable_improvement": 1,  # A (PHQ-9 fell 10)
        "reliable_recovery": 1,     # A
        "reliable_deterioration": 1,  # E (PHQ-9 +7, GAD-7 +5)
        "recovery_rate": 0.5,       # 1 of the 2 at caseness
        "reliable_improvement_rate": 0.25,   # 1 of 4 finished
        "reliable_recovery_rate": 0.5,       # 1 of 2 at caseness
        "reliable_deterioration_rate": 0.25,
        "waits_known": 4,
        # to the first attended treatment session (A's assessment at 28 days does not stop the clock)
        "median_wait_days": 59.5,   # waits 19, 35, 84, 190
        "within_6_weeks_rate": 0.5,   # A (35), E (19)
        "within_18_weeks_rate": 0.75,  # and B (84); not C (190)
        "median_wait_to_assessment_days": 56,  # to first contact: 19, 28, 84, 190
    }
    assert {k: report[k] for k in expected} == expected
    assert type(report["median_wait_to_assessment_days"]) is int   # a whole median is 56, not 56.0
    assert reports.median([1, 2]) == 1.5 and reports.median([3, 1, 2]) == 2
    assert report["standards"]["within_6_weeks_rate"] == {"standard": 0.75, "met": False}
    assert report["standards"]["within_18_weeks_rate"] == {"standard": 0.95, "met": False}
    assert report["standards"]["recovery_rate"] == {"standard": 0.5, "met": True}
    cbt = report["by_modality"]["cbt"]
    assert (cbt["discharged"], cbt["finished"], cbt["at_caseness"], cbt["recovered"]) == (4, 3, 1, 1)
    assert cbt["recovery_rate"] == 1.0 and cbt["within_6_weeks_rate"] == 0.6667
    dyn = report["by_modality"]["psychodynamic"]
    assert (dyn["finished"], dyn["recovery_rate"], dyn["within_18_weeks_rate"]) == (1, 0.0, 1.0)


def test_outcomes_nobody_discharged_rates_are_null(db):
    from therapy_cli.reports import service as reports

    build_cases(db)
    report = reports.outcomes_report(db, date(2026, 11, 1), date(2026, 11, 27))
    assert report["discharged"] == 0 and report["finished"] == 0
    assert report["recovery_rate"] is None and report["within_6_weeks_rate"] is None
    assert report["standards"]["recovery_rate"]["met"] is False
    assert report["by_modality"] == {}


def test_outcomes_cli(jcli, cli, db_path):
    from therapy_cli.storage.db import open_database

    database = open_database(db_path, today=date(2026, 11, 27))
    build_cases(database)
    database.close()
    report = jcli("report", "outcomes", "--from", "2026-01-01", "--to", "2026-12-31")
    for key in ("finished", "at_caseness", "recovered", "recovery_rate", "reliable_improvement_rate",
                "reliable_recovery_rate", "reliable_deterioration_rate", "within_6_weeks_rate",
                "within_18_weeks_rate"):
        assert key in report
    assert report["recovery_rate"] == 0.5
    # Default: the twelve months up to today (28 Nov 2025 – 27 Nov 2026) excludes F.
    assert jcli("report", "outcomes")["discharged"] == 5
    table = cli("report", "outcomes", "--from", "2026-01-01")
    assert table.exit_code == 0 and "recovery rate" in table.stdout and "50%" in table.stdout
    rows = cli("report", "outcomes", "--from", "2026-01-01", "--csv").stdout.strip().splitlines()
    assert rows[0].startswith("modality,") and len(rows) == 1 + 1 + 2   # header, all, cbt, psychodynamic


def test_referrals_by_source_and_contact(db, jcli, db_path):
    from therapy_cli.reports import service as reports

    gp = db.insert("contacts", {"name": "Dr Patel", "role": "GP", "org": "High St Surgery",
                                "created_at": "2026-01-01T00:00:00+00:00"})
    psych = db.insert("contacts", {"name": "Dr Jones", "role": "psychiatrist",
                                   "created_at": "2026-01-01T00:00:00+00:00"})
    a = add_client(db, "A", referred_on="2026-03-01", referral_source="GP", referred_by=gp)
    b = add_client(db, "B", referred_on="2026-03-10", referral_source="GP", referred_by=gp)
    add_client(db, "C", status="waiting", referred_on="2026-04-01", referral_source="GP", referred_by=gp)
    d = add_client(db, "D", referred_on="2026-05-01", referral_source="self")
    add_client(db, "E", status="waiting", referred_on="2026-05-02")
    add_client(db, "Old", referred_on="2025-01-01", referral_source="GP", referred_by=gp)
    add_session(db, a, "2026-03-15 10:00")        # 14 days
    add_session(db, a, "2026-03-22 10:00")
    add_session(db, b, "2026-04-19 10:00")        # 40 days
    add_session(db, d, "2026-05-08 10:00", status="dna")
    add_session(db, d, "2026-05-11 10:00")        # 10 days
    db.insert("referrals_out", {"client_id": a, "contact_id": psych, "referred_on": "2026-06-01",
                                "created_at": "2026-01-01T00:00:00+00:00"})
    report = reports.referrals_report(db, date(2026, 1, 1), date(2026, 11, 27))
    assert report["referrals_in"] == 5
    assert report["by_source"] == [
        {"source": "GP", "referrals": 3, "started": 2, "median_wait_days": 27,
         "median_wait_to_assessment_days": 27},
        {"source": "self", "referrals": 1, "started": 1, "median_wait_days": 10,
         "median_wait_to_assessment_days": 10},
        {"source": "unknown", "referrals": 1, "started": 0, "median_wait_days": None,
         "median_wait_to_assessment_days": None},
    ]
    assert report["by_contact"] == [{"contact_id": gp, "name": "Dr Patel", "role": "GP",
                                     "org": "High St Surgery", "referrals": 3, "started": 2,
                                     "median_wait_days": 27, "median_wait_to_assessment_days": 27}]
    assert report["referrals_out"] == [{"contact_id": psych, "name": "Dr Jones", "role": "psychiatrist",
                                        "org": None, "referrals": 1}]
    db.conn.commit()
    assert jcli("report", "referrals", "--from", "2026-01-01")["by_source"][0]["source"] == "GP"


def test_the_table_never_rounds_a_rate_onto_its_standard(jcli, cli, db_path):
    """38 of 51 treated within 6 weeks is 74.5%: the table said 75% beside 'standard 75%'."""
    from therapy_cli.storage.db import open_database

    database = open_database(db_path, today=date(2026, 11, 27))
    for i in range(51):
        cid = add_client(database, f"Client {i}", referred_on="2026-01-01")
        first = "2026-02-01" if i < 38 else "2026-03-01"      # 31 days: within 6 weeks; 59: not
        add_session(database, cid, f"{first} 10:00")
        add_session(database, cid, "2026-03-10 10:00")
        database.execute("UPDATE clients SET status = 'discharged', discharged_on = '2026-03-10' WHERE id = ?",
                         (cid,))
    database.conn.commit()
    database.close()
    report = jcli("report", "outcomes", "--from", "2026-01-01", "--to", "2026-12-31")
    assert report["within_6_weeks_rate"] == 0.7451 and report["standards"]["within_6_weeks_rate"]["met"] is False
    table = cli("report", "outcomes", "--from", "2026-01-01", "--to", "2026-12-31").stdout
    line = next(row for row in table.splitlines() if "within 6 weeks (standard 75%)" in row)
    assert "74.5% (not met)" in line
    assert "100% (met)" in next(row for row in table.splitlines() if "within 18 weeks" in row)


def test_a_standard_is_judged_on_the_exact_rate_not_the_rounded_one(cli, jcli, tmp_path):
    """968 of 1019 treated within 18 weeks is 0.94995: shown 0.95, and said 'met' against 95%."""
    clients = ["id,name,referred_on,discharged_on,status"]
    sessions = ["client,starts_at,status,type"]
    for i in range(1, 1020):
        clients.append(f"{i},Client {i:04d},2026-01-05,2026-06-30,discharged")
        days = ("2026-02-01", "2026-02-08") if i <= 968 else ("2026-05-20", "2026-05-27")
        sessions += [f"{i},{day} 10:00,attended,treatment" for day in days]
    (tmp_path / "c.csv").write_text("\n".join(clients) + "\n")
    (tmp_path / "s.csv").write_text("\n".join(sessions) + "\n")
    assert cli("import", "clients", tmp_path / "c.csv").exit_code == 0
    assert cli("import", "sessions", tmp_path / "s.csv", "--allow-overlap").exit_code == 0
    report = jcli("report", "outcomes", "--from", "2026-06-30", "--to", "2026-06-30")
    assert report["within_18_weeks_rate"] == 0.95 and report["waits_known"] == 1019
    assert report["standards"]["within_18_weeks_rate"] == {"standard": 0.95, "met": False}


def test_a_from_after_today_without_to_is_said_as_such(cli, db_path):
    from conftest import assert_refused

    for report in ("outcomes", "referrals"):
        result = assert_refused(cli, db_path, "report", report, "--from", "2026-12-05")
        assert "--from 2026-12-05 is after today (2026-11-27); give a --from up to today, or --to as well" in \
            result.stderr


def test_a_referral_source_typed_in_another_case_is_one_source(jcli):
    """`GP`, `gp ` and `Gp` were three rows of one referrer in the networking report."""
    for name, source in (("Al One", "GP"), ("Al Two", "gp "), ("Al Three", "Gp"), ("Al Four", "GP")):
        jcli("client", "add", name, "--referred-on", "2026-11-01", "--referral-source", source)
    report = jcli("report", "referrals", "--from", "2026-11-01")
    assert [(g["source"], g["referrals"]) for g in report["by_source"]] == [("GP", 4)]
    assert report["referrals_in"] == 4
