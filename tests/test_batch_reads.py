"""The caseload's batched reads (one statement per few hundred clients) against the one-client reads they
replaced, for every client of the demo practice, measures with ties on a day included."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from therapy_cli.clinical import measures, plans, risk
from therapy_cli.storage.db import open_database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("batch") / "demo.db"
    done = subprocess.run([sys.executable, "-m", "therapy_cli", "demo", "--db", str(path), "--yes"],
                          capture_output=True, text=True, env={"THERAPY_TODAY": "2026-11-27", "TZ": "Europe/London",
                                                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    database = open_database(path, today=date(2026, 11, 27))
    # two measures of one instrument on the same day: the later entry (higher id) is the latest
    first = database.scalar("SELECT min(id) FROM clients WHERE kind = 'individual'")
    for score, items in ((20, [3, 3, 3, 2, 2, 2, 2, 2, 1]), (7, [1, 1, 1, 1, 1, 1, 1, 0, 0])):
        database.execute("INSERT INTO measures (client_id, instrument, taken_on, score, items, severity, caseness, "
                         "risk, created_at) VALUES (?, 'PHQ-9', '2026-11-26', ?, ?, 'x', 1, ?, '2026-11-26')",
                         (first, score, json.dumps(items), items[8]))
    # risk assessments: two on one day (the later entry is current) for one client, one for another
    second = database.scalar("SELECT min(id) FROM clients WHERE kind = 'individual' AND id > ?", (first,))
    risk.assess(database, first, "high", on=date(2026, 11, 20), review_in=14)
    risk.assess(database, first, "low", on=date(2026, 11, 20))
    risk.assess(database, second, "moderate", on=date(2026, 10, 1))
    yield database
    database.close()


def _old_latest_scores(db, client_id):
    latest = {}
    for row in measures.list_measures(db, client_id):
        latest[row["instrument"]] = {"score": row["score"], "severity": row["severity"],
                                     "caseness": row["caseness"], "taken_on": row["taken_on"]}
    return latest


def _old_risk_flag(db, client_id):
    flags = []
    for name in measures.RISK_INSTRUMENTS:
        row = db.one("SELECT id, instrument, taken_on, risk FROM measures WHERE client_id = ? AND instrument = ? "
                     "AND risk IS NOT NULL ORDER BY taken_on DESC, id DESC LIMIT 1", (client_id, name))
        if row is not None and row["risk"]:
            flags.append(row)
    return measures.risk_item_flag(max(flags, key=lambda r: (r["taken_on"], r["id"]))) if flags else None


def test_batched_reads_equal_the_one_client_reads(demo):
    ids = [r["id"] for r in demo.query("SELECT id FROM clients ORDER BY id")] + [999999]
    scores, flags = measures.latest_scores_of(demo, ids), measures.risk_flags_of(demo, ids)
    levels, dues, modalities = risk.current_levels_of(demo, ids), plans.review_dues_of(demo, ids), \
        plans.modalities_of(demo, ids)
    with_scores = with_flags = with_levels = with_dues = 0
    for client_id in ids:
        assert scores[client_id] == _old_latest_scores(demo, client_id), client_id
        assert list(scores[client_id]) == list(_old_latest_scores(demo, client_id))   # order first taken
        assert flags[client_id] == _old_risk_flag(demo, client_id), client_id
        now = risk.current(demo, client_id)
        assert levels[client_id] == (now["level"] if now else None)
        assert dues.get(client_id) == plans.review_due(demo, client_id)
        assert modalities.get(client_id) == demo.scalar(
            "SELECT modality FROM plans WHERE client_id = ? ORDER BY version DESC LIMIT 1", (client_id,))
        with_scores += bool(scores[client_id])
        with_flags += flags[client_id] is not None
        with_levels += levels[client_id] is not None
        with_dues += dues.get(client_id) is not None
    assert min(with_scores, with_flags, with_levels, with_dues) >= 1   # the demo exercises each read


def test_the_same_day_tie_takes_the_later_entry(demo):
    first = demo.scalar("SELECT min(id) FROM clients WHERE kind = 'individual'")
    assert measures.latest_scores(demo, first)["PHQ-9"]["score"] == 7
    assert risk.current_level(demo, first) == "low"
    assert measures.risk_flag(demo, first) is None   # the later entry's item 9 is 0: the flag is down
