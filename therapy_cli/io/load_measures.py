"""Importing questionnaire scores: the rules of `measure add` (clinical/instruments, clinical/measures) per row."""

from __future__ import annotations

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
        self.sql = ("INSERT INTO measures (id, client_id, instrument, taken_on, score, items, severity, caseness, "
                    "risk, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

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
        r = MeasureRow(*cells)
        m, inst_rules = self.measures, self.instruments
        cid = self.index.find(r.client)
        client = self.index.record(cid)
        m.check_measurable(client)
        inst = inst_rules.get_instrument(self.value("instrument", r.instrument))
        session_id, session_day = self._session(r.session, cid) if r.session.strip() else (None, None)
        if r.taken_on.strip():
            taken = file_date(r.taken_on, self.today, "date", self.order)
        elif session_day:
            taken = file_date(session_day, self.today, "date")
        else:
            raise InvalidValue("the date taken is empty; give it as YYYY-MM-DD")
        m.check_taken_on(taken, self.today, client["died_on"])
        if not (r.items.strip() or r.score.strip()):
            raise InvalidValue("neither items nor a total score is given")
        # both, as `therapy export` writes them: the total must be the items' total
        values, total = m.checked_scores(inst, m.parse_items(r.items.strip("[]")) if r.items.strip() else None,
                                         r.score if r.score.strip() else None)
        columns = m.scored(inst, values, total)
        mid = self.ids.take(r.id)
        self.pending.append((mid, cid, inst.name, taken.isoformat(), columns["score"], columns["items"],
                             columns["severity"], columns["caseness"], columns["risk"], session_id, self.now))
        self.per_client[cid] = self.per_client.get(cid, 0) + 1
        return mid

    def flush(self) -> None:
        if self.pending:
            self.db.executemany(self.sql, self.pending)
            self.pending = []
