"""Schema changes: an append-only list of small named migrations.

Each migration runs once, inside the same write transaction that records its
name in `_migrations`. Never edit or reorder a migration that has shipped;
append a new one. A file recording a migration this code does not know was
written by a newer version and is refused.
"""

from __future__ import annotations

import sqlite3

from therapy_cli.errors import DatabaseError

# Triggers that make a table append-only inside the database itself.
_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
"""


# Every append-only table and the triggers that protect it; `db check` verifies each exists.
# Branches adding an append-only table (risk assessments, issued invoices) create its
# triggers with `append_only_sql(table)` in their migration and register it here.
APPEND_ONLY: dict[str, tuple[str, ...]] = {
    "audit": ("audit_no_update", "audit_no_delete", "audit_no_replace"),
    "notes": ("notes_no_update", "notes_no_delete", "notes_no_replace"),
    "risk_assessments": ("risk_assessments_no_update", "risk_assessments_no_delete", "risk_assessments_no_replace"),
    "safety_plans": ("safety_plans_no_update", "safety_plans_no_delete", "safety_plans_no_replace"),
    # a sent reminder goes with its session or an erasure, but is never rewritten
    "client_reminders": ("client_reminders_no_update", "client_reminders_no_replace"),
    # the reasons typed for the audit's rows: kept as the audit is, removed only with their client (erasure)
    "audit_reasons": ("audit_reasons_no_update", "audit_reasons_no_delete", "audit_reasons_no_replace"),
    **{table: (f"{table}_no_update", f"{table}_no_delete", f"{table}_no_replace")
       for table in ("invoices", "invoice_lines", "invoice_voids", "payments")},
}

# `INSERT OR REPLACE` / `REPLACE INTO` deletes the old row without firing DELETE
# triggers (recursive_triggers is off): refuse any insert that names an existing id.
_NO_REPLACE = """
CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
WHEN EXISTS (SELECT 1 FROM {table} WHERE {key} = NEW.{key})
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
"""


def append_only_sql(table: str, key: str = "id") -> str:
    """The triggers that make `table` append-only: no update, no delete, no replace of an existing `key`."""
    return _APPEND_ONLY.format(table=table) + _NO_REPLACE.format(table=table, key=key)


def missing_protections(conn) -> list[str]:
    """The protecting triggers of APPEND_ONLY that the file lacks (tables it does not hold are skipped)."""
    present = {r[0]: r[1] for r in conn.execute("SELECT name, type FROM sqlite_master")}
    return [name for table, names in APPEND_ONLY.items() if present.get(table) == "table"
            for name in names if present.get(name) != "trigger"]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the current transaction.

    `executescript` would commit first, breaking the migration's atomicity.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        if not statement and not line.strip():
            continue
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(conn, 
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,                 -- UTC, ISO 8601
            action TEXT NOT NULL,             -- add, edit, discharge, attend, ...
            record_type TEXT NOT NULL,        -- client, session, note, ...
            record_id INTEGER,
            client_id INTEGER,                -- the client concerned, if any
            summary TEXT NOT NULL DEFAULT ''  -- never note text or client names
        );
        CREATE INDEX audit_client ON audit (client_id);
        CREATE INDEX audit_at ON audit (at);

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT,
            org TEXT,
            email TEXT,
            phone TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE clients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'individual'
                CHECK (kind IN ('individual', 'couple', 'family', 'group')),
            status TEXT NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'active', 'discharged')),
            date_of_birth TEXT,
            email TEXT,
            phone TEXT,
            referred_on TEXT,
            referral_source TEXT,
            referred_by INTEGER REFERENCES contacts (id),
            first_attended_on TEXT,
            discharged_on TEXT,
            discharge_reason TEXT,
            erased_on TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX clients_status ON clients (status);
        CREATE INDEX clients_referred_by ON clients (referred_by);

        -- members of a couple, family or group; NULL joined_on = from the start
        CREATE TABLE memberships (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES clients (id),
            member_id INTEGER NOT NULL REFERENCES clients (id),
            joined_on TEXT,
            left_on TEXT
        );
        CREATE INDEX memberships_unit ON memberships (unit_id);
        CREATE INDEX memberships_member ON memberships (member_id);

        CREATE TABLE referrals_out (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            contact_id INTEGER NOT NULL REFERENCES contacts (id),
            referred_on TEXT NOT NULL,
            reason TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX referrals_out_client ON referrals_out (client_id);

        -- client sessions and training groups (client_id NULL, kind 'training')
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'client' CHECK (kind IN ('client', 'training')),
            client_id INTEGER REFERENCES clients (id),
            starts_at TEXT NOT NULL,          -- ISO 8601 with the offset of the zone it was entered in
            starts_utc TEXT NOT NULL,         -- the same instant in UTC, for ordering and overlap
            ends_utc TEXT NOT NULL,
            local_date TEXT NOT NULL,         -- YYYY-MM-DD in the practice zone: period reports
            duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 600),
            status TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'attended', 'dna', 'cancelled', 'late-cancelled')),
            cancelled_by TEXT CHECK (cancelled_by IN ('client', 'therapist')),
            mode TEXT NOT NULL DEFAULT 'in-person' CHECK (mode IN ('in-person', 'video', 'phone')),
            type TEXT NOT NULL DEFAULT 'treatment' CHECK (type IN ('assessment', 'treatment', 'review')),
            series_id INTEGER,
            title TEXT,                       -- training groups
            audience TEXT,
            participants INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX sessions_client ON sessions (client_id, starts_utc);
        CREATE INDEX sessions_starts ON sessions (starts_utc);
        CREATE INDEX sessions_period ON sessions (local_date, status, kind, duration_min, client_id);

        CREATE TABLE session_absences (
            session_id INTEGER NOT NULL REFERENCES sessions (id),
            client_id INTEGER NOT NULL REFERENCES clients (id),
            PRIMARY KEY (session_id, client_id)
        );

        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions (id),
            text TEXT NOT NULL,
            amends_note_id INTEGER REFERENCES notes (id),
            reason TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX notes_session ON notes (session_id);

        -- every `plan set` adds a version; the current plan is the latest
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            version INTEGER NOT NULL,
            modality TEXT NOT NULL,
            approach TEXT,
            sessions_planned INTEGER,
            review_every_weeks INTEGER,
            problems TEXT NOT NULL DEFAULT '[]',   -- JSON list
            started_on TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (client_id, version)
        );

        CREATE TABLE plan_reviews (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            plan_id INTEGER NOT NULL REFERENCES plans (id),
            reviewed_on TEXT NOT NULL,
            note TEXT,
            next_review_on TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX plan_reviews_client ON plan_reviews (client_id);

        CREATE TABLE goals (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            text TEXT NOT NULL,
            created_on TEXT NOT NULL,
            closed_on TEXT
        );
        CREATE INDEX goals_client ON goals (client_id);

        CREATE TABLE goal_ratings (
            id INTEGER PRIMARY KEY,
            goal_id INTEGER NOT NULL REFERENCES goals (id),
            rated_on TEXT NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
            created_at TEXT NOT NULL
        );
        CREATE INDEX goal_ratings_goal ON goal_ratings (goal_id);

        CREATE TABLE measures (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            instrument TEXT NOT NULL,        -- canonical name: PHQ-9, GAD-7, CORE-10, WSAS, ORS, SRS
            taken_on TEXT NOT NULL,
            score REAL NOT NULL,
            items TEXT,                      -- JSON list as entered, or NULL when a total was entered
            severity TEXT,
            caseness INTEGER,                -- 1/0, NULL where the instrument has no cut-off
            risk INTEGER,                    -- PHQ-9 item 9 (NULL when unknown)
            session_id INTEGER REFERENCES sessions (id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX measures_client ON measures (client_id, instrument, taken_on);
        CREATE INDEX measures_taken ON measures (taken_on);

        CREATE TABLE supervisees (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL
        );

        CREATE TABLE supervision (
            id INTEGER PRIMARY KEY,
            direction TEXT NOT NULL CHECK (direction IN ('received', 'given')),
            on_date TEXT NOT NULL,
            duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 600),
            supervisor TEXT,
            supervisee_id INTEGER REFERENCES supervisees (id),
            group_size INTEGER NOT NULL DEFAULT 1 CHECK (group_size >= 1),
            credited_hours REAL NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX supervision_date ON supervision (on_date, direction);

        CREATE TABLE supervision_cases (
            supervision_id INTEGER NOT NULL REFERENCES supervision (id),
            client_id INTEGER NOT NULL REFERENCES clients (id),
            PRIMARY KEY (supervision_id, client_id)
        );
        CREATE INDEX supervision_cases_client ON supervision_cases (client_id);

        CREATE TABLE cpd (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            hours REAL NOT NULL CHECK (hours > 0 AND hours <= 100),
            on_date TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'other'
                CHECK (kind IN ('reading', 'course', 'conference', 'research', 'other')),
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX cpd_date ON cpd (on_date);
        """
    )
    run_script(conn, _APPEND_ONLY.format(table="audit") + _APPEND_ONLY.format(table="notes"))


def m006_risk_register(conn: sqlite3.Connection) -> None:
    """Risk assessments (append-only), safety plans (every version kept) and a client's date of death."""
    run_script(conn,
        """
        -- a clinician's risk assessment: dated, never changed or removed (a new one supersedes it)
        CREATE TABLE risk_assessments (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            assessed_on TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('none', 'low', 'moderate', 'high')),
            note TEXT,
            review_in_days INTEGER CHECK (review_in_days > 0),
            review_due TEXT,                  -- assessed_on + review_in_days; NULL when no review is set
            created_at TEXT NOT NULL
        );
        CREATE INDEX risk_assessments_client ON risk_assessments (client_id, assessed_on);

        -- every `risk plan` adds a version; the current safety plan is the latest
        CREATE TABLE safety_plans (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            version INTEGER NOT NULL,
            warning_signs TEXT,
            coping TEXT,
            contacts TEXT,
            crisis TEXT,
            means_safety TEXT,
            set_on TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (client_id, version)
        );

        ALTER TABLE clients ADD COLUMN died_on TEXT;
        """
    )
    # INSERT OR REPLACE deletes the old row without firing delete triggers: refuse a reused id too.
    no_replace = """
    CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
    WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
    """
    for table in ("risk_assessments", "safety_plans"):
        run_script(conn, _APPEND_ONLY.format(table=table) + no_replace.format(table=table))


def m009_client_reminders(conn: sqlite3.Connection) -> None:
    """Clients' consent to appointment reminders by email, and the reminders sent.

    A sent reminder is never rewritten (triggers); it goes only with its session
    (cascade) or when the client's records are erased.
    """
    run_script(conn, """
        ALTER TABLE clients ADD COLUMN reminders TEXT NOT NULL DEFAULT 'none'
            CHECK (reminders IN ('email', 'none'));
        ALTER TABLE clients ADD COLUMN reminders_consent_on TEXT;  -- the day consent was given; NULL without

        CREATE TABLE client_reminders (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            client_id INTEGER NOT NULL REFERENCES clients (id),
            starts_utc TEXT NOT NULL,         -- the session's start when reminded: a moved session is reminded again
            to_address TEXT NOT NULL,
            sent_at TEXT NOT NULL             -- UTC, ISO 8601
        );
        CREATE UNIQUE INDEX client_reminders_once ON client_reminders (session_id, client_id, starts_utc);
        CREATE INDEX client_reminders_client ON client_reminders (client_id);
        CREATE TRIGGER client_reminders_no_update BEFORE UPDATE ON client_reminders
        BEGIN SELECT RAISE(ABORT, 'client_reminders are never rewritten'); END;
        CREATE TRIGGER client_reminders_no_replace BEFORE INSERT ON client_reminders
        WHEN EXISTS (SELECT 1 FROM client_reminders WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'client_reminders are never rewritten'); END;
        """)



def m008_notes_search(conn: sqlite3.Connection) -> None:
    """Full-text search over the current text of notes (FTS5), kept in step by triggers.

    One row per note (rowid = the original note's id) holding its current text: an
    amendment replaces the text of the note it amends; deleting a note (erasure)
    removes its row. The index keeps its own copy of the text so that `snippet()`
    shows the current wording, not the first draft.
    """
    run_script(conn, """
        CREATE VIRTUAL TABLE notes_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');

        CREATE TRIGGER notes_fts_add AFTER INSERT ON notes WHEN NEW.amends_note_id IS NULL
        BEGIN INSERT INTO notes_fts (rowid, text) VALUES (NEW.id, NEW.text); END;

        CREATE TRIGGER notes_fts_amend AFTER INSERT ON notes WHEN NEW.amends_note_id IS NOT NULL
        BEGIN UPDATE notes_fts SET text = NEW.text WHERE rowid = NEW.amends_note_id; END;

        CREATE TRIGGER notes_fts_forget AFTER DELETE ON notes WHEN OLD.amends_note_id IS NULL
        BEGIN DELETE FROM notes_fts WHERE rowid = OLD.id; END;

        -- the notes already written: each note's latest version, in one pass
        INSERT INTO notes_fts (rowid, text)
        SELECT coalesce(amends_note_id, id), text FROM notes
        WHERE id IN (SELECT max(id) FROM notes GROUP BY coalesce(amends_note_id, id));
        """)



def m003_no_replace(conn: sqlite3.Connection) -> None:
    """Close REPLACE on the append-only tables; remember an erasure whose scrub could not finish."""
    run_script(conn, _NO_REPLACE.format(table="audit", key="id") + _NO_REPLACE.format(table="notes", key="id"))
    run_script(conn, """
        -- an erased client whose text may still be in the file or its WAL (a reader held it)
        CREATE TABLE _scrub_pending (
            id INTEGER PRIMARY KEY,
            client_id INTEGER,
            erased_at TEXT NOT NULL
        );
        """)



def m004_service_reminders(conn: sqlite3.Connection) -> None:
    """Reminders that stay bounded on a service-size file; booked and group supervision.

    `imported`: sessions brought in from another system (no notes are asked of them).
    The indexes keep `remind` to the few rows it reports: past sessions still
    `scheduled` and attended sessions of this practice (notes due), partial; each
    client's latest session of a status, covering (no table row is read for it). `supervision_given_to` names every supervisee of a meeting
    given (one row of `supervision`, its time counted once); `supervision_booked` holds
    supervision booked ahead, which counts towards the month until its day has passed.
    """
    run_script(conn, """
        ALTER TABLE sessions ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX sessions_scheduled ON sessions (local_date) WHERE status = 'scheduled';
        CREATE INDEX sessions_unnoted ON sessions (local_date)
            WHERE status = 'attended' AND kind = 'client' AND imported = 0;
        CREATE INDEX sessions_client_status ON sessions (client_id, status, starts_utc, local_date);
        CREATE INDEX clients_discharged ON clients (discharged_on);

        CREATE TABLE supervision_given_to (
            supervision_id INTEGER NOT NULL REFERENCES supervision (id),
            supervisee_id INTEGER NOT NULL REFERENCES supervisees (id),
            PRIMARY KEY (supervision_id, supervisee_id)
        );
        CREATE INDEX supervision_given_to_supervisee ON supervision_given_to (supervisee_id);
        INSERT INTO supervision_given_to (supervision_id, supervisee_id)
            SELECT id, supervisee_id FROM supervision WHERE direction = 'given' AND supervisee_id IS NOT NULL;

        CREATE TABLE supervision_booked (
            id INTEGER PRIMARY KEY,
            on_date TEXT NOT NULL,
            duration_min INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 600),
            supervisor TEXT,
            group_size INTEGER NOT NULL DEFAULT 1 CHECK (group_size >= 1),
            credited_hours REAL NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX supervision_booked_date ON supervision_booked (on_date);
        """)




def m007_fees_and_invoices(conn: sqlite3.Connection) -> None:
    run_script(conn,
        """
        ALTER TABLE clients ADD COLUMN fee_minor INTEGER CHECK (fee_minor >= 0);  -- NULL = fees.default
        ALTER TABLE clients ADD COLUMN payer TEXT;       -- insurer, EAP or employer invoiced instead

        CREATE TABLE invoices (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,     -- INV-YYYY-NNNN, never reused
            year INTEGER NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            client_id INTEGER NOT NULL REFERENCES clients (id),
            payer TEXT,
            issued_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            currency TEXT NOT NULL,
            total_minor INTEGER NOT NULL CHECK (total_minor > 0),
            created_at TEXT NOT NULL,
            UNIQUE (year, seq)
        );
        CREATE INDEX invoices_client ON invoices (client_id, issued_on);
        CREATE INDEX invoices_issued ON invoices (issued_on, total_minor);

        -- no foreign key to sessions: an invoice is a financial record kept after a client's erasure
        CREATE TABLE invoice_lines (
            id INTEGER PRIMARY KEY,
            invoice_id INTEGER NOT NULL REFERENCES invoices (id),
            session_id INTEGER NOT NULL,
            session_date TEXT NOT NULL,
            status TEXT NOT NULL,            -- attended, dna, late-cancelled
            charge TEXT NOT NULL CHECK (charge IN ('full', 'half')),
            fee_minor INTEGER NOT NULL CHECK (fee_minor > 0),
            amount_minor INTEGER NOT NULL CHECK (amount_minor > 0)
        );
        CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id);
        CREATE INDEX invoice_lines_session ON invoice_lines (session_id, invoice_id);

        CREATE TABLE invoice_voids (
            id INTEGER PRIMARY KEY,
            invoice_id INTEGER NOT NULL UNIQUE REFERENCES invoices (id),
            voided_on TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        -- invoice_issued_on and settles copy facts that never change (an invoice is immutable), so
        -- income and aged debt are sums over covering indexes, not a lookup per invoice
        CREATE TABLE payments (
            id INTEGER PRIMARY KEY,
            invoice_id INTEGER NOT NULL REFERENCES invoices (id),
            invoice_issued_on TEXT NOT NULL,
            paid_on TEXT NOT NULL,
            amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
            settles INTEGER NOT NULL DEFAULT 0 CHECK (settles IN (0, 1)),  -- 1: this payment cleared the invoice
            method TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX payments_invoice ON payments (invoice_id, amount_minor);
        CREATE INDEX payments_paid ON payments (paid_on, amount_minor);

        -- derived, not a record: live invoices not yet settled, kept by the triggers below, so that
        -- aged debt reads the few open invoices instead of every invoice ever issued
        CREATE TABLE open_invoices (
            invoice_id INTEGER PRIMARY KEY REFERENCES invoices (id),
            issued_on TEXT NOT NULL,
            total_minor INTEGER NOT NULL
        );
        CREATE INDEX open_invoices_issued ON open_invoices (issued_on, total_minor);
        CREATE INDEX payments_settling ON payments (paid_on) WHERE settles = 1;
        CREATE INDEX payments_partial ON payments (paid_on, invoice_issued_on, amount_minor, invoice_id)
            WHERE settles = 0;
        CREATE TRIGGER invoices_open AFTER INSERT ON invoices
        BEGIN INSERT INTO open_invoices (invoice_id, issued_on, total_minor)
              VALUES (NEW.id, NEW.issued_on, NEW.total_minor); END;
        CREATE TRIGGER payments_settle AFTER INSERT ON payments WHEN NEW.settles = 1
        BEGIN DELETE FROM open_invoices WHERE invoice_id = NEW.invoice_id; END;
        CREATE TRIGGER invoice_voids_close AFTER INSERT ON invoice_voids
        BEGIN DELETE FROM open_invoices WHERE invoice_id = NEW.invoice_id; END;

        -- a session is on one live (not voided) invoice at most
        CREATE TRIGGER invoice_lines_one_live BEFORE INSERT ON invoice_lines
        WHEN EXISTS (SELECT 1 FROM invoice_lines l WHERE l.session_id = NEW.session_id
                     AND NOT EXISTS (SELECT 1 FROM invoice_voids v WHERE v.invoice_id = l.invoice_id))
        BEGIN SELECT RAISE(ABORT, 'session is already on a live invoice'); END;
        """
    )
    # An issued invoice, its lines, its void and a payment are facts, as notes are: never edited or deleted.
    for table in ("invoices", "invoice_lines", "invoice_voids", "payments"):
        run_script(conn, append_only_sql(table))


def m010_client_address(conn: sqlite3.Connection) -> None:
    """A client's postal address: printed on their invoices (`client add|edit --address`)."""
    run_script(conn, "ALTER TABLE clients ADD COLUMN address TEXT;")


def m011_presence_index(conn: sqlite3.Connection) -> None:
    """Each client's sessions by status, with their kind and type in the index too.

    A person's sessions (their own and their units', practice/state.py) are counted by status, kind and
    type for every case of a report: with both in the index, no session row is read (outcomes on a
    service's file: 0.7 s became 0.25 s). It replaces m004's index of the same name, one column pair
    longer, so the file does not grow by a second index.
    """
    run_script(conn, """
        DROP INDEX IF EXISTS sessions_client_status;
        CREATE INDEX sessions_client_status ON sessions (client_id, status, starts_utc, local_date, kind, type,
                                                         starts_at);
        """)


def m012_remind_indexes(conn: sqlite3.Connection) -> None:
    """Indexes for `remind` and `report income` on a service's file.

    Two small partial ones: each client's questionnaire measures with a risk item above 0 (risk_flag: one
    seek a client, not every measure they took), and the clients whose death is recorded (retention_due: a
    handful of rows, not every discharged client). Two of m007's payment indexes one column longer, so the
    aged debt at a past date (invoices settled after it, and what had been paid on them by then) is read
    from the indexes alone, never from the payment rows.
    """
    run_script(conn, """
        CREATE INDEX measures_risk ON measures (client_id, taken_on, id) WHERE risk > 0;
        CREATE INDEX clients_died ON clients (died_on) WHERE died_on IS NOT NULL;
        DROP INDEX payments_settling;
        CREATE INDEX payments_settling ON payments (paid_on, invoice_issued_on, invoice_id, settles)
            WHERE settles = 1;
        DROP INDEX payments_invoice;
        CREATE INDEX payments_invoice ON payments (invoice_id, paid_on, amount_minor);
        """)


def m013_income_months(conn: sqlite3.Connection) -> None:
    """Each calendar month's invoices issued and payments received, summed as they are written.

    Derived, not a record (as open_invoices): invoices and payments are append-only, so a sum kept by
    their insert triggers is always the sum of their rows. `report income` reads a whole month from it
    instead of summing a month of index entries; the months a span cuts through are still summed from
    the rows, and voids are still taken off from their own table.
    """
    run_script(conn, """
        CREATE TABLE income_months (
            month TEXT PRIMARY KEY,              -- YYYY-MM
            invoices INTEGER NOT NULL DEFAULT 0,
            invoiced_minor INTEGER NOT NULL DEFAULT 0,
            received_minor INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO income_months (month, invoices, invoiced_minor, received_minor)
            SELECT month, sum(invoices), sum(invoiced), sum(received) FROM (
                SELECT substr(issued_on, 1, 7) AS month, count(*) AS invoices, sum(total_minor) AS invoiced,
                       0 AS received FROM invoices GROUP BY 1
                UNION ALL
                SELECT substr(paid_on, 1, 7), 0, 0, sum(amount_minor) FROM payments GROUP BY 1)
            GROUP BY month;
        CREATE TRIGGER invoices_month AFTER INSERT ON invoices
        BEGIN INSERT INTO income_months (month, invoices, invoiced_minor)
              VALUES (substr(NEW.issued_on, 1, 7), 1, NEW.total_minor)
              ON CONFLICT (month) DO UPDATE SET invoices = invoices + 1,
                                                invoiced_minor = invoiced_minor + excluded.invoiced_minor; END;
        CREATE TRIGGER payments_month AFTER INSERT ON payments
        BEGIN INSERT INTO income_months (month, received_minor) VALUES (substr(NEW.paid_on, 1, 7), NEW.amount_minor)
              ON CONFLICT (month) DO UPDATE SET received_minor = received_minor + excluded.received_minor; END;
        """)


# Tables whose rows can be deleted (a session booked in error, a measure or contact removed, an erasure) and
# whose ids the practitioner, the audit log or an invoice line refers to, with the audit's name for a row.
NEVER_REUSED = {
    "sessions": "session", "measures": "measure", "notes": "note", "contacts": "contact", "cpd": "cpd",
    "supervision": "supervision", "supervision_booked": "supervision_booked", "goals": "goal",
    "goal_ratings": "goal_rating", "plans": "plan", "plan_reviews": "plan_review",
    "risk_assessments": "risk_assessment", "safety_plans": "safety_plan", "referrals_out": "referral",
}


def m014_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Ids are never given twice: the tables of NEVER_REUSED become AUTOINCREMENT.

    SQLite gives a new row the largest id + 1, so removing the newest session handed its id to the next
    one: the audit log then told two sessions' stories under one id, and an invoice line of the removed
    session named the new one. Each table is rebuilt (SQLite cannot add AUTOINCREMENT in place): the same
    columns, rows, indexes and triggers, its counter starting above every id the table or the audit log
    (or, for sessions, an invoice line or a sent reminder) has ever named. Runs with foreign keys off
    (`FOREIGN_KEYS_OFF`): dropping the old table must not cascade to the rows that refer to it; `migrate`
    checks every foreign key before committing.
    """
    for table, record_type in NEVER_REUSED.items():
        _autoincrement(conn, table, record_type)


def _autoincrement(conn: sqlite3.Connection, table: str, record_type: str) -> None:
    """Rebuild `table` as AUTOINCREMENT (m014, m018): its rows, indexes and triggers kept, its counter above
    every id it or the audit log has named."""
    import re

    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if sql is None or "AUTOINCREMENT" in sql[0].upper():
        return
    create, count = re.subn(r"\bid INTEGER PRIMARY KEY\b", "id INTEGER PRIMARY KEY AUTOINCREMENT", sql[0], count=1)
    create, named = re.subn(rf'^CREATE TABLE (?:"{table}"|{table}\b)', f"CREATE TABLE {table}_rebuilt", create,
                            count=1)
    if not (count and named):
        raise sqlite3.DatabaseError(f"cannot rebuild {table}: unexpected definition")
    attached = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY rowid", (table,))]
    columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
    conn.execute(create)
    conn.execute(f"INSERT INTO {table}_rebuilt ({columns}) SELECT {columns} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    for statement in attached:
        conn.execute(statement)
    named_elsewhere = ["SELECT max(record_id) FROM audit WHERE record_type = ?"]
    if table == "sessions":
        named_elsewhere += ["SELECT max(session_id) FROM invoice_lines", "SELECT max(session_id) FROM client_reminders"]
    if table == "clients":
        named_elsewhere += ["SELECT max(client_id) FROM audit"]
    highest = max([conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0] +
                  [conn.execute(q, (record_type,) if "?" in q else ()).fetchone()[0] or 0
                   for q in named_elsewhere])
    # copying the rows started the counter (the rename carried it over); it may need to go higher
    if not conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (highest, table)).rowcount:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))


m014_ids_never_reused.FOREIGN_KEYS_OFF = True


def m015_memberships_left(conn: sqlite3.Connection) -> None:
    """The memberships that ended, by the day they ended: `remind`'s retention_due finds the members whose
    therapy ended with their leaving a group long enough ago from a few index entries, not every membership."""
    run_script(conn, "CREATE INDEX memberships_left ON memberships (left_on) WHERE left_on IS NOT NULL;")


def m016_reminded_at_the_latest_time(conn: sqlite3.Connection) -> None:
    """A session moved and moved back is reminded again at the time it went back to: what counts is the
    latest reminder per session and person, so one start time may be reminded twice (once per change of it).
    The unique index that forbade that becomes a trigger refusing a reminder for the start the latest one
    already gave: still never twice in a row, in the file itself."""
    run_script(conn, """
        DROP INDEX IF EXISTS client_reminders_once;
        CREATE INDEX client_reminders_latest ON client_reminders (session_id, client_id, id);
        CREATE TRIGGER client_reminders_once BEFORE INSERT ON client_reminders
        WHEN (SELECT r.starts_utc FROM client_reminders r WHERE r.session_id = NEW.session_id
              AND r.client_id = NEW.client_id ORDER BY r.id DESC LIMIT 1) = NEW.starts_utc
        BEGIN SELECT RAISE(ABORT, 'this session was last reminded at this start'); END;
    """)


def m017_audit_reasons(conn: sqlite3.Connection) -> None:
    """The reason typed for a correction or a removal (`--reason`) is the practitioner's free text, and may name
    the client or say why ('in hospital after an overdose'): it is kept beside its audit row, with the client's
    id, so that erasing the client removes it, while the append-only audit keeps only `{reason}` in its place."""
    run_script(conn, """
        CREATE TABLE audit_reasons (
            audit_id INTEGER PRIMARY KEY REFERENCES audit (id),
            client_id INTEGER REFERENCES clients (id),
            text TEXT NOT NULL
        );
        CREATE INDEX audit_reasons_client ON audit_reasons (client_id);
    """)


def m018_client_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Client ids are never given twice either, now that a client added in error can be removed (`client
    remove`): the clients table becomes AUTOINCREMENT as m014 made the others, its counter above every client
    id the audit log names."""
    _autoincrement(conn, "clients", "client")


m018_client_ids_never_reused.FOREIGN_KEYS_OFF = True


def m019_supervisee_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Supervisee ids are never given twice, now that one is removed with its only meeting or merged into
    another (`supervise remove`, `supervise rename`): the table becomes AUTOINCREMENT as m014 and m018 made the
    others, its counter above every supervisee id the audit log names."""
    _autoincrement(conn, "supervisees", "supervisee")


m019_supervisee_ids_never_reused.FOREIGN_KEYS_OFF = True


def m020_audit_reasons_append_only(conn: sqlite3.Connection) -> None:
    """The reasons typed for corrections and removals are part of the audit log: append-only as it is (an
    UPDATE put 'TAMPERED' in one, a DELETE made it read '(reason erased)', and `db check` said ok). Erasing
    the client, or removing a client added in error, lifts the delete trigger for that transaction only."""
    run_script(conn, append_only_sql("audit_reasons", key="audit_id"))


MIGRATIONS = [m001_initial, m003_no_replace, m004_service_reminders, m006_risk_register, m007_fees_and_invoices,
              m008_notes_search, m009_client_reminders, m010_client_address, m011_presence_index,
              m012_remind_indexes, m013_income_months, m014_ids_never_reused,
              m015_memberships_left, m016_reminded_at_the_latest_time, m017_audit_reasons,
              m018_client_ids_never_reused, m019_supervisee_ids_never_reused, m020_audit_reasons_append_only]


def migrate(db) -> list[str]:
    """Apply pending migrations in one write transaction; return their names."""
    conn = db.conn
    known = [m.__name__ for m in MIGRATIONS]
    applied = _applied(conn, db.path)
    if applied is not None:
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise DatabaseError(
                f"{db.path} was written by a newer version of therapy (schema {unknown[-1]}); "
                "upgrade therapy to use it")
        if len(applied) == len(known):
            return []
    from therapy_cli.storage.db import use_wal

    use_wal(conn, db.path)  # before the first write, so even the schema goes through the WAL
    # A migration that rebuilds a table runs with foreign keys off (the pragma is ignored inside a
    # transaction, so it is set before): dropping the old table must not cascade. Every key is checked
    # before the commit instead.
    rebuilds = any(getattr(m, "FOREIGN_KEYS_OFF", False) and m.__name__ not in (applied or []) for m in MIGRATIONS)
    if rebuilds:
        conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        broken = set(conn.execute("PRAGMA foreign_key_check").fetchall()) if rebuilds else set()
        applied = _applied(conn, db.path) or []
        if applied is None or not _has_table(conn, "_migrations"):
            conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = []
        for migration in MIGRATIONS:
            if migration.__name__ in applied:
                continue
            migration(conn)
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))",
                         (migration.__name__,))
            done.append(migration.__name__)
        if rebuilds and set(conn.execute("PRAGMA foreign_key_check").fetchall()) - broken:
            raise sqlite3.IntegrityError("a foreign key would be broken")   # none the file did not have
        conn.commit()
    except sqlite3.Error as exc:
        conn.rollback()
        raise DatabaseError(f"cannot prepare {db.path}: {exc}") from None
    except BaseException:
        conn.rollback()
        raise
    finally:
        if rebuilds:
            conn.execute("PRAGMA foreign_keys = ON")
            # a RENAME opened this connection's temporary schema, after which `PRAGMA temp_store` (remind) may
            # not change inside a transaction; changing it here, outside one, closes that schema again
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA temp_store = DEFAULT")
    return done


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _applied(conn: sqlite3.Connection, path) -> list[str] | None:
    """Names already applied; None for a blank file. A foreign SQLite file is refused."""
    try:
        # One statement, one snapshot: another process may be creating the schema
        # right now, and two separate reads could straddle its commit.
        has_migrations, others = conn.execute(
            "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_migrations'), "
            "(SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')").fetchone()
        if has_migrations:
            return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a usable caseload database ({exc})") from None
    if others:
        raise DatabaseError(f"{path} is a SQLite database but not a therapy caseload")
    return None
