"""Finding a record by id or by a fragment of its name."""

from __future__ import annotations

from therapy_cli.errors import Ambiguous, InvalidValue, NotFound
from therapy_cli.storage.db import Database
from therapy_cli.validation import ID_LABEL


# a name pasted from a letter or typed on a phone's keyboard: O’Brien, O'Brien and OBrien are one name, and
# Smith–Jones is Smith-Jones
_MARKS = str.maketrans({"'": None, "\u2019": None, "\u2018": None, "\u02bc": None, "\u2032": None, "`": None,
                        "\u00b4": None, "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                        "\u2014": "-", "\u2212": "-"})


def _fold(text: str | None) -> str | None:
    """Case, accents, apostrophes and the typographic forms of a hyphen aside, as note search reads words:
    `zoe` finds Zoë, `elodie` Élodie, `obrien` and `o'brien` O’Brien."""
    import unicodedata

    if not text:
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold().translate(_MARKS))
                   if not unicodedata.combining(ch))


fold = _fold   # for other modules' checks of a record typed twice, read as names are found


def with_fold(db: Database) -> Database:
    """`db` with SQL `therapy_fold(text)`: `_fold` in a statement (SQLite's lower() and NOCASE fold A-Z only,
    so 'Dr Ölsen' and 'dr ölsen' would be two supervisors)."""
    db.conn.create_function("therapy_fold", 1, _fold, deterministic=True)
    return db


def _labels_agree(name: str, label: str) -> bool:
    """`A.M.` (the initials remind prints) or the whole name, as the record has it."""
    from therapy_cli.practice.clients import initials

    def bare(text: str) -> str:
        return _fold(text).replace(".", "").replace(" ", "")

    return bare(label) in (bare(name), bare(initials(name)))


def match_one(db: Database, table: str, text: str, what: str) -> dict:
    """A record by id or by a case-insensitive fragment of its name matching exactly one."""
    value = " ".join((text or "").split())   # names are kept with single spaces (clean_name): 'Ian  Morgan' too
    if not value:
        raise InvalidValue(f"a {what} id or name is required")
    labelled = ID_LABEL.match(value)   # `#3`, or `#3 A.M.` / `#3 Alex Morgan` copied from remind or a warning
    if labelled:
        value = labelled[1]
    if value.isascii() and value.isdigit():
        row = db.one(f"SELECT * FROM {table} WHERE id = ?", (int(value),))
        if row is None:
            named = db.one(f"SELECT id FROM {table} WHERE name = ? ORDER BY id LIMIT 1", (value,))
            # a record kept before names that are numbers were refused (check_not_number): a number is an id
            raise NotFound(f"no {what} with id {value}" + (f"; {what} #{named['id']} is named {value!r}: use its id"
                                                           if named else ""))
        if labelled and labelled[2] and not _labels_agree(row["name"], labelled[2]):
            raise NotFound(f"{what} #{value} is not {labelled[2].strip()!r}; use the id alone or the name")
        return row
    rows = fragment_matches(db, table, value)
    if len(rows) > 1:
        exact = [r for r in rows if _fold(r["name"]) == _fold(value)]
        if len(exact) == 1:
            return exact[0]
        listed = "; ".join(tell_apart(db, table, rows[:10]))
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        raise Ambiguous(f"{value!r} matches {len(rows)} {what}s: {listed}{more}; use the id or more of the name")
    if not rows:
        raise NotFound(f"no {what} matches {value!r}; use the id or part of the name")
    return rows[0]


def fragment_matches(db: Database, table: str, text: str) -> list[dict]:
    """Every record whose name holds `text`, by id: case, accents and apostrophes aside (`_fold`)."""
    # SQLite's lower() folds ASCII only: 'élodie' would miss 'Élodie'; fold in Python (case and accents)
    return with_fold(db).query(f"SELECT * FROM {table} WHERE instr(therapy_fold(name), ?) > 0 ORDER BY id",
                    (_fold(" ".join(text.split())),))


def tell_apart(db: Database, table: str, rows: list[dict], label=None, year_only: bool = False) -> list[str]:
    """`#2 Dana Hill (born 1980-02-01, active)`, `#3 Dr Helen Okafor (GP, Hillside Surgery)`.

    `label` names a client another way (supervision: `#2 D.H.`); `year_only` shows only the year of birth.
    """
    if table == "contacts":
        return [f"#{r['id']} {r['name']} ({', '.join(x for x in (r['role'], r['org']) if x) or 'no role recorded'})"
                for r in rows]
    if table != "clients":
        return [f"#{r['id']} {r['name']}" for r in rows]
    from therapy_cli.practice.state import states

    now = states(db, ids=[r["id"] for r in rows])
    out = []
    for r in rows:
        status = (now.get(r["id"]) or {}).get("status") or r["status"]
        dob = r["date_of_birth"][:4] if year_only and r["date_of_birth"] else r["date_of_birth"]
        born = f"born {dob}" if dob else (
            r["kind"] if r["kind"] != "individual" else "no date of birth")
        out.append(f"{label(r) if label else '#' + str(r['id']) + ' ' + r['name']} ({born}, {status})")
    return out


def same_name(db: Database, table: str, name: str) -> list[dict]:
    """Records whose whole name is `name`, ignoring case (Unicode-aware)."""
    return with_fold(db).query(f"SELECT * FROM {table} WHERE therapy_fold(name) = ? ORDER BY id",
                               (_fold(name.strip()),))
