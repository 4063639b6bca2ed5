"""Importing questionnaire scores: the rules of `measure add` (clinical/instruments, clinical/measures) per row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from therapy_cli.errors import InvalidValue
from therapy_cli.io.loading import ClientIndex, IdCounter, TableImport, file_date, integer
from therapy_cli.storage.db import Database


@dataclass(slots=True)
class MeasureRow:
    id: str
    client: str
    instrument: str
    taken_on: str
    items: str
    score: str
    session: str


class MeasuresImport(TableImport):
    table = "measures"
    noun = "measure"
    Row = MeasureRow
    required = ("client", "instrument")
    word_fields = ("instrument",)   # the fields read through --value FIELD 'FROM'=TO
    aliases = {"client_id": "client", "client_name": "client", "name": "client", "measure": "instrument",
               "questionnaire": "instrument", "date": "taken_on", "on": "taken_on", "taken": "taken_on",
               "completed_on": "taken_on", "total": "score", "session_id": "session", "answers": "items"}

    def __init__(self, db: Database, options=None):
        super().__init__(db, options)
        from therapy_cli.clinical import instruments
        from therapy_cli.clinical import measures

        self.instruments = instruments
        self.measures = measures
        self.ids = IdCounter(db, "measures")
        self.index = ClientIndex(db)
        self.sessions: dict[int, tuple[int | None, str] | None] = {}
        # A second import of the same file is refused, as for clients and sessions: a questionnaire the client
        # already has (same instrument, day and total, and the same answers where both have them). Clients
        # with no measures before the import are not looked up, which keeps a first import fast.
        self.had_measures = {r[0] for r in db.execute("SELECT DISTINCT client_id FROM measures")}
        self.in_file: dict[tuple, list[tuple[str | None, int]]] = {}   # (client, instrument, day, total): [(items, line)]
        # the answers one column each (resolve_columns), by their number: JSON lines may each have their own keys,
        # so a row's answers are the cells after the fields, however many its own keys gave
        self.item_columns: dict[int, list[str]] = {}
        self.sql = ("INSERT INTO measures (id, client_id, instrument, taken_on, score, items, severity, caseness, "
                    "risk, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

    # one answer a column, as a spreadsheet keeps them: q1, Q_2, item 3, Question 4, PHQ9 Q5, gad7_item_6
    ITEM_COLUMN = re.compile(r"^(?:[a-z0-9_]*_)?(?:q|item|question)_?(\d{1,2})$")

    def resolve_columns(self, header: list[str], mapping: dict[str, str]) -> tuple[list[str], list[str]]:
        """As every import, and where the answers are not in one `items` column but one column each (Q1..Q9),
        those columns after the fields, in item order: the risk item among them is never dropped unseen."""
        columns, ignored = super().resolve_columns(header, mapping)
        item_columns: list[str] = []
        if not columns[self.fields.index("items")]:
            numbered = {}
            for name in header:
                match = self.ITEM_COLUMN.match(name or "")
                if match and name not in columns:
                    numbered.setdefault(int(match[1]), name)
            if numbered:
                if sorted(numbered) != list(range(1, len(numbered) + 1)):
                    raise InvalidValue(f"the answer columns ({', '.join(numbered[n] for n in sorted(numbered))}) "
                                       "are not numbered 1, 2, 3 ... without a gap; rename them, or put the answers "
                                       "in one 'items' column")
                item_columns = [numbered[n] for n in sorted(numbered)]
                self.item_columns.setdefault(len(item_columns), item_columns)
                ignored = [h for h in ignored if h not in item_columns]
        return columns + item_columns, ignored

    def _items_from_columns(self, cells: list[str]) -> str:
        """The answers of one row's item columns, as an `items` cell: the leading ones filled (a GAD-7 row of
        a file whose columns run to Q10 leaves the last three empty), none missing between."""
        answers = [c.strip() for c in cells]
        while answers and not answers[-1]:
            answers.pop()
        if "" in answers:
            raise InvalidValue(f"answer {self.item_columns[len(cells)][answers.index('')]} is empty but a later one "
                               "is given")
        return ",".join(answers)

    def _session(self, text: str, cid: int) -> tuple[int, str]:
        """The session id and its date; as `measure add --session`: the client's (or a unit's the client
        belonged to that day), one that took place, with the client there."""
        sid = integer(text, "session", 1)
        known = self.sessions.get(sid, 0)
        if known == 0:
            row = self.db.execute("SELECT client_id, local_date FROM sessions WHERE id = ?", (sid,)).fetchone()
            known = self.sessions[sid] = tuple(row) if row else None
        if known is None:
            raise InvalidValue(f"no session with id {sid}")
        if known[0] != cid:
            self.measures.check_session(self.db, cid, sid)
        self.measures.check_present(self.db, cid, sid)
        return sid, known[1]

    def row(self, cells: list[str]) -> int:
        width = len(self.fields)
        r = MeasureRow(*cells[:width])
        if len(cells) > width:
            r.items = self._items_from_columns(cells[width:])
        m, inst_rules = self.measures, self.instruments
        cid = self.index.find(r.client)
        client = self.index.record(cid)
        m.check_measurable(client)
        inst = inst_rules.get_instrument(self.value("instrument", r.instrument))
        session_id, session_day = self._session(r.session, cid) if r.session.strip() else (None, None)
        if r.taken_on.strip():
            taken = file_date(r.taken_on, self.today, "date", self.order)
            if session_id is not None:
                m.check_taken_at(session_id, session_day, taken)
        elif session_day:
            taken = file_date(session_day, self.today, "date")
        else:
            raise InvalidValue("the date taken is empty; give it as YYYY-MM-DD")
        m.check_taken_on(taken, self.today, client["died_on"], client["date_of_birth"])
        if not (r.items.strip() or r.score.strip()):
            raise InvalidValue("neither items nor a total score is given")
        # both, as `therapy export` writes them: the total must be the items' total
        values, total = m.checked_scores(inst, m.parse_items(r.items.strip("[]")) if r.items.strip() else None,
                                         r.score if r.score.strip() else None)
        columns = m.scored(inst, values, total)
        twin = (cid, inst.name, taken.isoformat(), columns["score"])
        self._check_twin(twin, columns["items"])
        mid = self.ids.take(r.id)
        self.in_file.setdefault(twin, []).append((columns["items"], self.line))
        self.pending.append((mid, cid, inst.name, taken.isoformat(), columns["score"], columns["items"],
                             columns["severity"], columns["caseness"], columns["risk"], session_id, self.now))
        self.per_client[cid] = self.per_client.get(cid, 0) + 1
        return mid

    def _check_twin(self, key: tuple, items: str | None) -> None:
        cid, instrument, day, score = key
        for other, line in self.in_file.get(key, []):
            if other is None or items is None or other == items:
                raise InvalidValue(f"the same {instrument} of client #{cid} on {day} (total {score}) is already "
                                   f"in the file, on line {line} (a row repeated?)")
        if cid in self.had_measures:
            twin = self.db.execute(
                "SELECT id FROM measures WHERE client_id = ? AND instrument = ? AND taken_on = ? AND score = ? "
                "AND (items IS NULL OR ? IS NULL OR items = ?) LIMIT 1", (*key, items, items)).fetchone()
            if twin:
                raise InvalidValue(f"client #{cid} already has {instrument} #{twin[0]} taken on {day} with a total "
                                   f"of {score} (imported already?)")

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
