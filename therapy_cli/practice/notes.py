"""Notes as practitioners write them: structured templates, and full-text search of what they say now.

The search index (`notes_fts`, SQLite FTS5, created by migration m008) holds one
row per note with its current text; triggers keep it in step as notes are added,
amended and erased. Plain `sqlite3` on the search path: see docs/design.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from therapy_cli import dates
from therapy_cli.errors import InvalidValue
from therapy_cli.storage.db import Database, id_chunks

# The structures practitioners write notes in; the editor opens prefilled with one.
TEMPLATES: dict[str, str] = {
    "none": "",
    "soap": "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n",
    "dap": "Data:\n\nAssessment:\n\nPlan:\n",
    "birp": "Behaviour:\n\nIntervention:\n\nResponse:\n\nPlan:\n",
}
TEMPLATE_NAMES = tuple(TEMPLATES)

# How a match is marked in a snippet, and how many tokens a snippet shows.
MARK_START, MARK_END, ELLIPSIS, SNIPPET_TOKENS = "**", "**", "…", 16
MAX_QUERY = 500


def template_text(db: Database, name: str | None = None) -> str:
    """The template named (default: the `notes.template` setting) as the editor's starting text."""
    name = name or db.setting("notes.template") or "none"
    if name not in TEMPLATES:
        raise InvalidValue(f"unknown note template {name!r}; choose one of {', '.join(TEMPLATE_NAMES)}")
    return TEMPLATES[name]


def starting_text(db: Database, session_id: int, amend: int | None = None, reason: str | None = None,
                  template: str | None = None) -> str:
    """What the editor opens with: the note's current text to amend it, else the template.

    Checks everything `add_note` would refuse before the practitioner writes a word.
    """
    from therapy_cli.practice.sessions import check_amendment, current_note_text, get_session

    get_session(db, session_id)
    original_id, _ = check_amendment(db, session_id, amend, reason)
    if original_id is None:
        return template_text(db, template)
    if template is not None:
        raise InvalidValue("--template is for a new note; an amendment opens with the note's current text")
    return current_note_text(db, original_id) + "\n"


class Found(NamedTuple):
    """The notes shown, best match first, and how many match in all (more than shown when `limit` cut them)."""

    notes: list[dict]
    total: int
    sessionless: list[int]   # notes matched whose session row is missing (a damaged file): left out


def search(db: Database, query: str, client=None, start: date | None = None, end: date | None = None,
           limit: int = 50) -> Found:
    """Notes whose current text matches an FTS5 query, best match (bm25) first, at most `limit` of them."""
    query = (query or "").strip()
    if not query:
        raise InvalidValue("the search query must not be empty")
    if len(query) > MAX_QUERY:
        raise InvalidValue(f"the search query must be at most {MAX_QUERY} characters")
    if limit < 1:
        raise InvalidValue(f"--limit must be at least 1, not {limit}")
    dates.check_span(start, end)
    where, params = ["notes_fts MATCH ?"], [_quote_plain_words(query)]
    if client is not None:
        from therapy_cli.practice.sessions import _client
        from therapy_cli.practice.state import presence_of

        # their own sessions and their couples', families' and groups' on days they belonged and came
        person = int(_client(db, client)["id"])
        where.append(f"s.id IN (SELECT session_id FROM {presence_of(str(person))})")
    if start is not None:
        where.append("s.starts_utc >= ?")
        params.append(dates.local_day_bounds_utc(start, start, db.tz)[0])
    if end is not None:
        where.append("s.starts_utc < ?")
        params.append(dates.local_day_bounds_utc(end, end, db.tz)[1])
    # Rank first, on the index alone where no filter needs the sessions; then snippets and
    # sessions for the few notes shown (snippet() in the ranking query would run for every match).
    source = "notes_fts f" if len(where) == 1 else \
        "notes_fts f JOIN notes n ON n.id = f.rowid JOIN sessions s ON s.id = n.session_id"
    source += f" WHERE {' AND '.join(where)}"
    ids = [r[0] for r in _fts(db, query, f"SELECT f.rowid FROM {source} ORDER BY f.rank, f.rowid LIMIT ?",
                              [*params, limit])]
    # only a full page can have been cut short: then count the rest (no ranking, no snippets)
    total = len(ids) if len(ids) < limit else _fts(db, query, f"SELECT count(*) FROM {source}", params)[0][0]
    snippets: dict[int, str] = {}
    found: dict[int, dict] = {}
    for chunk, marks in id_chunks(ids):
        snippets.update(_fts(db, query, f"SELECT rowid, snippet(notes_fts, 0, ?, ?, ?, {SNIPPET_TOKENS}) "
                                        f"FROM notes_fts WHERE notes_fts MATCH ? AND rowid IN ({marks})",
                             [MARK_START, MARK_END, ELLIPSIS, params[0], *chunk]))
        found.update((r["id"], r) for r in db.query(
            "SELECT n.id, n.session_id, s.client_id, s.starts_utc FROM notes n "
            f"JOIN sessions s ON s.id = n.session_id WHERE n.id IN ({marks})", chunk))
    # a note whose session row is gone (written outside therapy; `db check` names it) has no day to show
    sessionless = [i for i in ids if i not in found]
    tz = db.tz
    return Found([{"session_id": found[i]["session_id"], "client_id": found[i]["client_id"], "note_id": i,
                   "starts_at": dates.iso(datetime.fromisoformat(found[i]["starts_utc"]).astimezone(tz)),
                   "snippet": " ".join(snippets[i].split())} for i in ids if i in found],
                 total - len(sessionless), sessionless)


def _fts(db: Database, query: str, sql: str, params: list) -> list[tuple]:
    """Run a MATCH query; a query FTS5 cannot parse is the practitioner's to fix, not an internal error."""
    try:
        return db.execute(sql, params).fetchall()
    except Exception as exc:  # sqlite3 or sqlcipher3
        if not any(sign in str(exc) for sign in _QUERY_ERRORS):
            raise
        raise InvalidValue(f"cannot search for {query!r}: {exc}; put words in double quotes to search "
                           "for them as written") from None


# What SQLite says about a MATCH expression it cannot parse.
_QUERY_ERRORS = ("fts5", "no such column", "unterminated", "unknown special query", "syntax error",
                 "expected integer")   # NEAR(a b, five): the distance must be a number


def _bareword(word: str) -> bool:
    """A word FTS5 reads as itself: letters, digits, _ and any non-ASCII character, maybe a final *."""
    stem = word[:-1] if word.endswith("*") else word
    return bool(stem) and all(ch.isalnum() or ch == "_" or ord(ch) >= 0x80 for ch in stem)


def _means_syntax(word: str) -> bool:
    """A word holding FTS5 syntax meant as such: quotes, parentheses, `^` starting a word, and `:` after
    the one column's name (`text:mother`). A time (`10:30`) or a ratio (`3:1`) is a word, not a column."""
    if '"' in word or "(" in word or ")" in word:
        return True
    if "^" in word.lstrip("^"):
        return False
    if ":" in word:
        return word.split(":", 1)[0].lstrip("-{").strip("}") == "text"
    return "^" in word


def _quote_plain_words(query: str) -> str:
    """Quote words FTS5 would misread as syntax (`self-harm`, `mother's`, `10:30`) as phrases; keep real
    syntax. A word led by `-` (`-week`) is refused: as a phrase it would find the word it means to leave out."""
    words, near = [], False
    for word in query.split():
        near = near or word.startswith("NEAR(")
        # `NEAR(a b, 5)`: in a NEAR group a comma ends the phrases before the distance; it is syntax, not text
        comma = "," if near and word.endswith(",") and not _means_syntax(word) else ""
        if comma:
            word = word[:-1]
        if not word or word in ("AND", "OR", "NOT") or _bareword(word) or _means_syntax(word):
            words.append(word + comma)
        elif _excluding(word):
            raise InvalidValue(_write_not(query))
        else:
            words.append(f'"{word}"{comma}')
        near = near and ")" not in word
    return " ".join(words)


def _excluding(word: str) -> bool:
    """`-week`: a word meant to be left out, as search engines read it (a lone `-` or `--` is punctuation)."""
    return word.startswith("-") and any(ch.isalnum() for ch in word)


def _write_not(query: str) -> str:
    """The refusal of `-word`, with the query to write instead: the words to find, then `NOT word` for each."""
    import shlex

    words = query.split()
    left_out = [w for w in words if _excluding(w) and not _means_syntax(w)]
    kept = [w for w in words if w not in left_out]
    instead = " ".join([*(kept or ["WORDS"]), *(f"NOT {w.lstrip('-')}" for w in left_out)])
    return f"{left_out[0]!r} would search for the word, not leave it out: write {shlex.quote(instead)}"


def purge_index(db: Database) -> None:
    """Merge the search index into one segment so deleted notes' words leave it.

    FTS5 records a deletion as a tombstone beside the old entry until segments are
    merged; erasure must not leave a client's words behind in the index.
    """
    db.execute("INSERT INTO notes_fts (notes_fts) VALUES ('optimize')")
