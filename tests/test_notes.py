"""Notes found again: `note search` over the current text (FTS5), templates, and erasure of the index."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import assert_refused
from therapy_cli.practice.notes import TEMPLATES


@pytest.fixture
def caseload(jcli):
    """Two clients, four sessions, notes written to be told apart by the search."""
    alex = jcli("client", "add", "Alex Morgan")["id"]
    sam = jcli("client", "add", "Sam Okafor")["id"]
    ids = {}
    for key, client, at, note in [
        ("a1", alex, "2026-10-05 10:00", "Talked about her mother at length. Mother mother mother; sleep poor."),
        ("a2", alex, "2026-11-02 10:00", "Work stress; the mother came up once near the end of the hour, "
                                         "alongside many other topics we covered in detail today."),
        ("s1", sam, "2026-10-20 15:00", "Panic on the train; breathing practice. Mentioned his mother."),
        ("s2", sam, "2026-11-10 15:00", "Lighthouse dream; café visit went well."),
    ]:
        sid = jcli("session", "add", str(client), "--at", at)["id"]
        ids[key] = (sid, jcli("session", "note", str(sid), note)["id"])
    return {"alex": alex, "sam": sam, **ids}


def test_best_match_first_with_the_keys_the_spec_names(jcli, caseload):
    found = jcli("note", "search", "mother")
    assert [f["note_id"] for f in found][0] == caseload["a1"][1]  # four mentions in a short note
    assert {f["note_id"] for f in found} == {caseload["a1"][1], caseload["a2"][1], caseload["s1"][1]}
    assert found[-1]["note_id"] == caseload["a2"][1]               # one mention in a long note
    first = found[0]
    assert list(first) == ["session_id", "client_id", "note_id", "starts_at", "snippet"]
    assert first["session_id"] == caseload["a1"][0] and first["client_id"] == caseload["alex"]
    assert first["starts_at"] == "2026-10-05T10:00:00+01:00"
    assert "**mother**" in first["snippet"]


def test_filters_by_client_and_dates(jcli, caseload):
    assert [f["note_id"] for f in jcli("note", "search", "mother", "--client", "okafor")] == [caseload["s1"][1]]
    found = jcli("note", "search", "mother", "--from", "2026-10-06", "--to", "2026-11-02")
    assert {f["note_id"] for f in found} == {caseload["a2"][1], caseload["s1"][1]}
    assert jcli("note", "search", "mother", "--client", "alex", "--from", "2026-11-03") == []
    assert [f["note_id"] for f in jcli("note", "search", "mother", "--limit", "1")] == [caseload["a1"][1]]


def test_a_search_cut_by_its_limit_says_so_on_stderr(cli, caseload):
    """Three notes mention mother: --limit 2 shows two, as asked, and says a third exists."""
    warning = "Warning: 2 of 3 notes shown; --limit 3 shows them all\n"
    for fmt in ("--json", "--csv", "--format=table"):
        result = cli("note", "search", "mother", "--limit", "2", fmt)
        assert result.exit_code == 0 and result.stderr == warning, (fmt, result.stderr)
    shown = cli("note", "search", "mother", "--limit", "2", "--json").json()
    assert len(shown) == 2 and shown == cli("note", "search", "mother", "--json").json()[:2]
    # a full page that holds every match, a shorter one, or a filter that leaves fewer: no warning
    assert cli("note", "search", "mother", "--limit", "3", "--json").stderr == ""
    assert cli("note", "search", "mother", "--json").stderr == ""
    assert cli("note", "search", "mother", "--client", "okafor", "--limit", "1", "--json").stderr == ""
    assert cli("note", "search", "mother", "--client", "alex", "--limit", "1", "--json").stderr \
        == "Warning: 1 of 2 notes shown; --limit 2 shows them all\n"


def test_a_members_search_finds_their_couples_notes_on_days_they_belonged_and_came(jcli):
    """`--client` is everything the person was at: as `client export` (practice/state.py `presence_of`)."""
    for name in ("Ann Ames", "Bob Bell", "Cy Cole"):
        jcli("client", "add", name)
    jcli("client", "add", "Ames-Bell couple", "--kind", "couple", "--member", "Ann", "--member", "Bob",
         "--referred-on", "2026-09-01")
    notes = {}
    for key, client, at, extra in [("both", "couple", "2026-11-03 10:00", ()),
                                   ("bob_absent", "couple", "2026-11-10 10:00", ("--absent", "Bob")),
                                   ("after_bob", "couple", "2026-11-17 10:00", ()),
                                   ("ann_alone", "Ann", "2026-11-20 10:00", ())]:
        if key == "after_bob":
            jcli("client", "leave", "couple", "Bob", "--on", "2026-11-12")
            jcli("client", "join", "couple", "Cy", "--on", "2026-11-13")
        sid = jcli("session", "add", client, "--at", at, *extra)["id"]
        notes[key] = jcli("session", "note", str(sid), f"A quarrel ({key}).")["id"]

    def found(who):
        return {f["note_id"] for f in jcli("note", "search", "quarrel", "--client", who)}

    assert found("Ann") == set(notes.values())
    assert found("Bob") == {notes["both"]}
    assert found("Cy") == {notes["after_bob"]}
    assert found("couple") == {notes["both"], notes["bob_absent"], notes["after_bob"]}
    for who in ("Ann", "Bob", "Cy", "couple"):
        assert found(who) == {n["id"] for n in jcli("client", "export", who)["notes"]}, who


def test_query_syntax_phrases_prefixes_and_accents(jcli, caseload):
    assert [f["note_id"] for f in jcli("note", "search", '"breathing practice"')] == [caseload["s1"][1]]
    assert [f["note_id"] for f in jcli("note", "search", "lightho*")] == [caseload["s2"][1]]
    assert [f["note_id"] for f in jcli("note", "search", "cafe")] == [caseload["s2"][1]]
    assert [f["note_id"] for f in jcli("note", "search", "MOTHER NOT sleep", "--client", "alex")] \
        == [caseload["a2"][1]]
    # words FTS5 would read as syntax are searched for as written
    assert [f["note_id"] for f in jcli("note", "search", "work-stress")] == [caseload["a2"][1]]
    assert [f["note_id"] for f in jcli("note", "search", "train; his")] == [caseload["s1"][1]]


def test_a_word_led_by_a_minus_is_refused_with_the_not_to_write_instead(cli, jcli, db_path, caseload):
    """`-week` was quoted as the phrase "week": the search found the notes it meant to leave out."""
    sid = caseload["s2"][0]
    harm = jcli("session", "note", str(sid), "Spoke of self-harm last week; no current intent.")["id"]
    calm = jcli("session", "note", str(sid), "Spoke of the garden; calm.")["id"]
    refused = assert_refused(cli, db_path, "note", "search", "spoke -week")
    assert refused.stderr == "Error: '-week' would search for the word, not leave it out: write 'spoke NOT week'\n"
    assert "write 'spoke NOT week NOT garden'" in cli("note", "search", "spoke -week --garden").stderr
    assert [f["note_id"] for f in jcli("note", "search", "spoke NOT week")] == [calm]
    # a hyphen inside a word, and a lone - between words, are searched as before
    assert [f["note_id"] for f in jcli("note", "search", "self-harm")] == [harm]
    assert [f["note_id"] for f in jcli("note", "search", "spoke - week")] == [harm]


def test_times_and_ratios_are_words_and_the_column_filter_still_works(jcli, caseload):
    sid = caseload["s2"][0]
    note = jcli("session", "note", str(sid), "Rang at 10:30 to move the session; a 3:1 split agreed.")["id"]
    assert [f["note_id"] for f in jcli("note", "search", "10:30")] == [note]        # was "no such column: 10"
    assert [f["note_id"] for f in jcli("note", "search", "3:1 split")] == [note]
    assert jcli("note", "search", "11:30") == []
    assert len(jcli("note", "search", "text:mother")) == 3                         # FTS5's column filter
    assert [f["note_id"] for f in jcli("note", "search", "^lighthouse")] == [caseload["s2"][1]]
    assert [f["note_id"] for f in jcli("note", "search", "dream^")] == [caseload["s2"][1]]  # a stray ^ is a word's


def test_near_with_a_distance_as_fts5_writes_it(jcli, caseload):
    """`NEAR(panic bus, 5)` quoted `bus,` as a phrase and read the distance as a word: it found nothing."""
    sid = caseload["s2"][0]
    note = jcli("session", "note", str(sid), "Panic on the crowded bus; self-harm urges passed.")["id"]
    for query in ("NEAR(panic bus, 5)", "NEAR(panic bus , 5)", "NEAR(panic bus,5)", "NEAR(panic self-harm, 6)",
                  "NEAR(panic crowded bus, 5)"):
        assert [f["note_id"] for f in jcli("note", "search", query)] == [note], query
    assert jcli("note", "search", "NEAR(panic self-harm, 2)") == []    # the distance counts
    assert [f["note_id"] for f in jcli("note", "search", "bus, panic")] == [note]   # a comma elsewhere is text


def test_a_lower_case_operator_that_finds_nothing_says_to_write_it_in_capitals(jcli, cli, caseload):
    sid = caseload["s2"][0]
    jcli("session", "note", str(sid), "Panic on the bus; anxious about work.")
    missed = cli("note", "search", "panic or work", "--json")
    assert missed.exit_code == 0 and missed.json() == []
    assert missed.stderr == ("Warning: 'or' was searched for as a word; to mean it, write it in capitals: "
                             "therapy note search 'panic OR work'\n")
    assert len(jcli("note", "search", "panic OR work")) >= 1
    # a search that finds notes, or has no such word between others, says nothing
    assert cli("note", "search", "panic work", "--json").stderr == ""
    assert cli("note", "search", "or", "--json").stderr == ""
    # the command given can be pasted into a shell, and an `or` inside a phrase is a word of the phrase
    assert cli("note", "search", "don't or work", "--json").stderr.endswith(
        "therapy note search 'don'\"'\"'t OR work'\n")
    assert cli("note", "search", '"panic or work"', "--json").stderr == ""


def test_an_amendment_replaces_the_searchable_text(jcli, caseload):
    sid, nid = caseload["s2"]
    amendment = jcli("session", "note", str(sid), "Sailing dream; the visit went well.",
                     "--amend", str(nid), "--reason", "misheard")
    assert jcli("note", "search", "lighthouse") == []
    found = jcli("note", "search", "sailing")
    # found under the note it amends, with the amended wording in the snippet
    assert [(f["note_id"], f["session_id"]) for f in found] == [(nid, sid)]
    assert "**Sailing**" in found[0]["snippet"]
    # amending the amendment keeps one row per note
    jcli("session", "note", str(sid), "Harbour dream.", "--amend", str(amendment["id"]), "--reason", "again")
    assert jcli("note", "search", "sailing") == []
    assert [f["note_id"] for f in jcli("note", "search", "harbour")] == [nid]


def test_a_table_and_csv_too(cli, caseload):
    result = cli("note", "search", "panic")
    assert result.exit_code == 0 and "**Panic**" in result.stdout and f"#{caseload['s1'][0]}" in result.stdout
    result = cli("note", "search", "panic", "--csv")
    assert result.stdout.splitlines()[0] == "session_id,client_id,note_id,starts_at,snippet"
    result = cli("note", "search", "nothing like this")
    assert result.exit_code == 0 and result.stdout.strip() == ""


def test_a_note_whose_session_row_is_gone_is_left_out_with_a_warning(cli, jcli, db_path, caseload):
    """A file edited outside therapy (foreign keys off) can hold a note of no session: `db check` names it,
    and the search lists the others rather than fail with an internal error."""
    sid, nid = caseload["s1"]
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
    conn.commit()
    conn.close()
    result = cli("note", "search", "mother", "--json")
    assert result.exit_code == 0
    assert {f["note_id"] for f in result.json()} == {caseload["a1"][1], caseload["a2"][1]}
    assert result.stderr == f"Warning: left out note(s) #{nid}, whose session is missing; run `therapy db check`\n"
    assert cli("db", "check", "--json").json()["foreign_key_problems"] == [
        {"table": "notes", "rowid": nid, "parent": "sessions"}]


@pytest.mark.parametrize("query", ['"unterminated', "mother AND", "text:10:30", "(", "NEAR(", "OR mother",
                                   "NEAR(mother sleep, five)"])
def test_query_syntax_errors_are_one_error_line(cli, db_path, caseload, query):
    assert_refused(cli, db_path, "note", "search", query, match="cannot search for")


def test_bad_filters_are_refused(cli, db_path, caseload):
    assert_refused(cli, db_path, "note", "search", "mother", "--client", "nobody", match="no client")
    assert_refused(cli, db_path, "note", "search", "mother", "--from", "2026-11-02", "--to", "2026-10-01")
    assert_refused(cli, db_path, "note", "search", "   ", match="must not be empty")


def _index_bytes(db_path) -> bytes:
    """Every byte the search index holds: its virtual table and each shadow table."""
    conn = sqlite3.connect(db_path)
    try:
        data = b""
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name LIKE 'notes_fts%'")]
        assert {"notes_fts", "notes_fts_data", "notes_fts_content"} <= set(names)
        for name in names:
            for row in conn.execute(f"SELECT * FROM {name}"):
                for value in row:
                    data += value if isinstance(value, bytes) else str(value).encode()
        return data
    finally:
        conn.close()


def test_erasing_a_client_removes_their_words_from_the_index(cli, jcli, db_path):
    gone = jcli("client", "add", "Zebulon Canarywood")["id"]
    kept = jcli("client", "add", "Kept Client")["id"]
    sid = jcli("session", "add", str(gone), "--at", "2026-11-02 10:00", "--note", "quokkacanary first words")["id"]
    note = jcli("session", "note", str(sid), "zanzibarcanary second note")["id"]
    jcli("session", "note", str(sid), "marzipancanary amended", "--amend", str(note), "--reason", "typo")
    jcli("session", "add", str(kept), "--at", "2026-11-03 10:00", "--note", "keepsake words")
    for word in ("quokkacanary", "marzipancanary"):
        assert word.encode() in _index_bytes(db_path)
    jcli("client", "discharge", str(gone), "--on", "2026-11-20")
    jcli("client", "erase", str(gone), "--yes", "--force", "--reason", "erasure request")
    index = _index_bytes(db_path)
    for word in ("quokkacanary", "zanzibarcanary", "marzipancanary"):
        assert jcli("note", "search", word) == []
        assert word.encode() not in index, word
        # a prefix of the word (FTS5 stores terms prefix-compressed) is gone too
        assert word[:6].encode() not in index, word
    assert b"keepsake" in index
    assert [f["client_id"] for f in jcli("note", "search", "keepsake")] == [kept]


def test_the_index_is_built_for_notes_written_before_it_existed(jcli, db_path, caseload):
    """A file from before m008: the migration indexes each note's current text."""
    sid, nid = caseload["s2"]
    jcli("session", "note", str(sid), "Sailing dream.", "--amend", str(nid), "--reason", "misheard")
    conn = sqlite3.connect(db_path)
    conn.executescript("DROP TABLE notes_fts; DROP TRIGGER notes_fts_add; DROP TRIGGER notes_fts_amend; "
                       "DROP TRIGGER notes_fts_forget; DELETE FROM _migrations WHERE name = 'm008_notes_search';")
    conn.close()
    assert [f["note_id"] for f in jcli("note", "search", "sailing")] == [nid]
    assert jcli("note", "search", "lighthouse") == []
    assert len(jcli("note", "search", "mother")) == 3


def test_notes_template_setting(cli, jcli, db_path):
    assert jcli("config", "get", "notes.template")["value"] == "none"
    assert jcli("config", "set", "notes.template", "soap")["value"] == "soap"
    assert_refused(cli, db_path, "config", "set", "notes.template", "narrative", match="one of soap, dap, birp",
                   code=2)
    assert set(TEMPLATES) == {"soap", "dap", "birp", "none"}
    # the three places that name the templates agree
    from therapy_cli.commands.session import Template
    from therapy_cli.settings import SETTINGS

    assert set(SETTINGS["notes.template"].choices) == {t.value for t in Template} == set(TEMPLATES)
    assert TEMPLATES["dap"].splitlines()[0] == "Data:"


def test_search_works_on_an_encrypted_file(monkeypatch, cli, jcli, db_path):
    pytest.importorskip("sqlcipher3")
    from therapy_cli.storage import crypto

    cid = jcli("client", "add", "Quillon Canarybright")["id"]
    jcli("session", "add", str(cid), "--at", "2026-11-02 10:00", "--note", "Spoke of the lighthouse keeper")
    monkeypatch.setenv("THERAPY_KEY_COMMAND", "printf '%s\\n' 'a long enough key'")
    crypto._KEYS.clear()
    try:
        assert cli("db", "encrypt", "--yes").exit_code == 0
        crypto._KEYS.clear()
        sid = jcli("session", "add", str(cid), "--at", "2026-11-09 10:00", "--note", "lighthouse again")["id"]
        crypto._KEYS.clear()
        found = jcli("note", "search", "lighthouse")
        assert len(found) == 2 and sid in {f["session_id"] for f in found}
        crypto._KEYS.clear()
        result = cli("note", "search", '"unterminated')
        assert result.exit_code == 1 and result.stderr.startswith("Error: cannot search for")
    finally:
        crypto._KEYS.clear()


def test_on_a_terminal_matches_are_bold_and_the_notes_own_brackets_stay_text(monkeypatch):
    from therapy_cli import render
    from therapy_cli.commands.daily import _on_terminal

    snippet = "Client said [bold] things about her **mother** and **mother**'s house"
    assert _on_terminal(snippet) == snippet  # not a terminal: as in JSON
    monkeypatch.setattr(render, "fancy", lambda: True)
    from rich.text import Text

    shown = Text.from_markup(_on_terminal(snippet))
    assert shown.plain == "Client said [bold] things about her mother and mother's house"
    assert [shown.plain[span.start:span.end] for span in shown.spans] == ["mother", "mother"]


def test_a_note_typed_before_its_session_id_is_not_repeated_in_the_error(cli, jcli, db_path):
    """`session note 'Client disclosed ...' 3`: the usage error quoted the whole note onto the terminal."""
    jcli("client", "add", "Alex Morgan")
    jcli("session", "add", "alex", "--at", "2026-11-20 10:00")
    text = "Client disclosed something private today"
    result = assert_refused(cli, db_path, "session", "note", text, "1", code=2)
    assert text not in result.stderr and "private" not in result.stderr
    assert result.stderr.splitlines()[-1] == ("Error: Invalid value for 'ID': text of 40 characters is not an id "
                                              "(a whole number); the id comes first")
    # a short word is shown as typed, and an id still reads as one
    assert "'abc' is not an id" in assert_refused(cli, db_path, "session", "show", "abc", code=2).stderr
    assert jcli("session", "show", " 1 ")["id"] == 1
