"""Time the real `therapy` command against its floor, and write docs/performance.md.

    pip install -e .            # once, from the repository root
    python benchmarks/run.py    # builds (or reuses) the service-size caseload, then measures

For each operation: the median of several runs of the real command, the
median of its floor, their ratio, and the target from its issue (7/7 of round
one; 3/10, 6/10, 7/10, 9/10 and 10/10 of round two). Floors:

- start-up: `python -c "import sqlite3"` (the same interpreter), for the
  editable install and for a plain `pip install .`;
- `report week`: the very SQL the command ran (captured with sqlite3's trace
  callback) run by a `python -c` process with sqlite3 on the same file;
- `report outcomes` and `report caseload`: `report week` on the same file;
- `client show`: `therapy remind` on an empty file;
- `note search` for a rare word: `client show` on the same file (with a note
  on every attended session);
- import: a plain `executemany` of the same rows, as stored (read from the
  service file), in one transaction, in a fresh Python process;
- memory: the peak resident set of `report month` (ru_maxrss of the child);
- `remind` on the service file: `therapy remind` on an empty file (<= 1.3x), and its peak memory;
- `invoice create` and `report income`: `client show` of the busiest client;
- `practice report week` over ten files: their `report week` SQL in one Python process.

A command and its floor take turns run by run, so both see the same load.
Exit status 0 when every row meets its target, 1 otherwise (2: could not run).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- benchmark-table:start -->"
END = "<!-- benchmark-table:end -->"

# Runs the therapy CLI in-process with every SQL statement written to a file:
# the floor of a report is exactly what the command asked SQLite to do.
TRACE = r"""
import sys
import therapy_cli.storage.db as d
out = open(sys.argv[1], "w")
original = d.connect
def connect(*args, **kwargs):
    conn = original(*args, **kwargs)
    conn.set_trace_callback(lambda sql: out.write(sql.rstrip().rstrip(";") + ";\n"))
    return conn
d.connect = connect
sys.argv = ["therapy", *sys.argv[2:]]
from therapy_cli.fast import main
try:
    main()
finally:
    out.close()
"""

# The import floor: the same rows, as stored (typed: integers, text, NULLs), read from the service
# file and written by one executemany in one transaction, with the pragmas therapy uses (its
# 64 MiB import page cache included: without it the floor is slower than therapy, and the
# ratio would flatter the import).
FLOOR_IMPORT = r"""
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True)
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("PRAGMA cache_size = -65536")   # the page cache therapy gives itself while importing
cursor = source.execute("SELECT * FROM sessions ORDER BY id")
columns = [c[0] for c in cursor.description]
sql = f"INSERT INTO sessions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
conn.execute("BEGIN IMMEDIATE")
conn.executemany(sql, cursor)
conn.execute("COMMIT")
conn.close()
"""


# The floor of a change of time zone: the same work as `config set timezone` (practice/rezone.py) without
# therapy: every session's start read, its start and day in the new zone worked out (once per distinct
# start), those that differ written by one executemany in one transaction, with the pragmas therapy uses.
FLOOR_REZONE = r"""
import sqlite3, sys
from datetime import datetime
from zoneinfo import ZoneInfo
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("PRAGMA foreign_keys = ON")
tz, there, changed = ZoneInfo(sys.argv[2]), {}, []
conn.execute("BEGIN IMMEDIATE")
for sid, utc, at, local in conn.execute("SELECT id, starts_utc, starts_at, local_date FROM sessions"):
    new = there.get(utc)
    if new is None:
        start = datetime.fromisoformat(utc).astimezone(tz)
        new = there[utc] = (start.replace(microsecond=0).isoformat(), start.date().isoformat())
    if new != (at, local):
        changed.append((*new, sid))
conn.executemany("UPDATE sessions SET starts_at = ?, local_date = ? WHERE id = ?", changed)
conn.execute("COMMIT")
conn.close()
"""


# The floor of a practice roll-up: one Python process running the SQL a single-file `report week`
# ran (captured) against each practitioner's file in turn.
FLOOR_SQL = r"""
import sqlite3, sys
script = open(sys.argv[1]).read()
for path in sys.argv[2:]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(script)
    conn.close()
"""


@dataclass
class Row:
    operation: str
    therapy_ms: float | None
    floor_name: str
    floor_ms: float | None
    target: str
    max_ratio: float | None = None
    max_ms: float | None = None
    unit: str = "ms"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.therapy_ms is None or not self.floor_ms:
            return None
        return self.therapy_ms / self.floor_ms

    @property
    def met_text(self) -> str:
        """`yes`/`**no**`, per criterion when a row has two (a ratio and a limit)."""
        word = lambda ok: "yes" if ok else "**no**"  # noqa: E731
        if self.max_ratio is not None and self.max_ms is not None:
            ratio_ok = self.ratio is not None and self.ratio <= self.max_ratio
            return f"ratio: {word(ratio_ok)}; {self.max_ms:g} {self.unit}: {word(self.therapy_ms <= self.max_ms)}"
        return word(self.met)

    @property
    def met(self) -> bool | None:
        if self.therapy_ms is None:
            return None
        ok = True
        if self.max_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.max_ratio
        if self.max_ms is not None:
            ok = ok and self.therapy_ms <= self.max_ms
        return ok


def timed(cmd: list[str], env: dict, stdin=None) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS in KiB) of one run of `cmd`."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdin=stdin or subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            err = errors.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(cmd[-4:])} exited {proc.returncode}: {err.strip()[:300]}")
    return elapsed, proc.returncode, usage.ru_maxrss


def peak_mib(cmd: list[str], env: dict) -> float:
    """Peak resident memory of one run of `cmd`, in MiB. GNU time measures it from a small parent: a child
    forked from this runner (large, once it has built the data) reports the runner's pages as its own
    peak (ru_maxrss counts them until exec), which once showed 235 MiB for a 30 MiB command."""
    gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    if gnu_time is None:
        return timed(cmd, env)[2] / 1024
    with tempfile.NamedTemporaryFile() as out:
        subprocess.run([gnu_time, "-f", "%M", "-o", out.name, *cmd], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(open(out.name).read().split()[-1]) / 1024


def medians_ms(jobs: list[dict], env: dict, runs: int, warm_up: bool = True) -> list[float]:
    """Median wall time of each job over `runs` rounds, the jobs taking turns within a round.

    Taking turns means a command and its floor see the same machine: on a
    shared machine the load moves, and timing one after the other would put
    the movement into the ratio. One warm-up round (page cache, .pyc files)
    is discarded unless told not to. A job is {"cmd": [...], optional
    "stdin": path, optional "prepare": callable run before each timing}.
    """
    times: list[list[float]] = [[] for _ in jobs]
    for round_ in range(0 if warm_up else 1, runs + 1):
        for job, found in zip(jobs, times):
            if job.get("prepare"):
                job["prepare"]()
            fh = open(job["stdin"], "rb") if job.get("stdin") else None
            try:
                elapsed, _, _ = timed(job["cmd"], env, fh)
            finally:
                if fh:
                    fh.close()
            if round_:
                found.append(elapsed * 1000)
    return [statistics.median(found) for found in times]


def plain_install(work: Path) -> Path:
    """A venv holding therapy as `pip install .` puts it (a built wheel, not an editable finder), its
    dependencies taken from this environment's site-packages through a .pth line: a user's install."""
    venv = work / "plain"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, stdout=subprocess.DEVNULL)
    wheels = work / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", *map(str, wheels.glob("*.whl"))],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.check_output([python, "-c", purelib], text=True).strip()
    deps = subprocess.check_output([sys.executable, "-c", purelib], text=True).strip()
    Path(site, "therapy-deps.pth").write_text(deps + "\n")
    return venv


def capture_sql(db: Path, args: list[str], env: dict, target: Path) -> Path:
    subprocess.run([sys.executable, "-c", TRACE, str(target), "--db", str(db), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return target


def attempt(rows: list[Row], operation: str, floor_name: str, target: str, func, unit: str = "ms",
            **limits) -> None:
    """Measure one row; an operation that cannot run yet is reported as such, not hidden."""
    try:
        therapy_ms, floor_ms, note = func()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        rows.append(Row(operation, None, floor_name, None, target, note=f"could not run: {exc}", unit=unit,
                        **limits))
        print(f"  {operation}: could not run ({exc})", file=sys.stderr)
        return
    row = Row(operation, therapy_ms, floor_name, floor_ms, target, note=note, unit=unit, **limits)
    rows.append(row)
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
    floor_text = f"{floor_ms:.1f}" if floor_ms else "-"
    print(f"  {operation}: {therapy_ms:.1f} {row.unit} vs {floor_text} -> {ratio} "
          f"{'ok' if row.met else 'MISSED'}", file=sys.stderr, flush=True)


def run(size: str, runs: int, import_runs: int, output: Path | None) -> list[Row]:
    data = generate.build(size)
    service, base = data / "service.db", data / "base.db"
    therapy = generate.therapy_command()
    env = generate.command_env()
    work = Path(tempfile.mkdtemp(prefix="therapy-bench-"))
    rows: list[Row] = []
    try:
        empty = work / "empty.db"
        subprocess.run([*therapy, "--db", str(empty), "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        # a reused file from before a new migration: migrate it now, not inside the first timed or traced run
        subprocess.run([*therapy, "--db", str(service), "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        floor_cmd = {"cmd": [sys.executable, "-c", "import sqlite3"]}
        remind_cmd = {"cmd": [*therapy, "--db", str(empty), "remind"]}
        startup: dict = {}

        def startup_times() -> dict:
            if not startup:
                floor, help_ms, remind_ms = medians_ms([floor_cmd, {"cmd": [*therapy, "--help"]}, remind_cmd],
                                                       env, runs)
                startup.update(floor=floor, help=help_ms, remind=remind_ms)
            return startup

        attempt(rows, "`therapy --help` (editable install)", '`python -c "import sqlite3"`', "<= 4x",
                lambda: (startup_times()["help"], startup_times()["floor"], ""), max_ratio=4)
        attempt(rows, "`therapy remind` (empty file, editable install)", '`python -c "import sqlite3"`', "<= 4x",
                lambda: (startup_times()["remind"], startup_times()["floor"], ""), max_ratio=4)

        plain: dict = {}

        def plain_times() -> dict:
            """The same two commands from a non-editable install (`pip install .`) in a venv of its own."""
            if not plain:
                venv = plain_install(work)
                python, script = str(venv / "bin" / "python"), str(venv / "bin" / "therapy")
                floor, help_ms, remind_ms = medians_ms(
                    [{"cmd": [python, "-c", "import sqlite3"]}, {"cmd": [script, "--help"]},
                     {"cmd": [script, "--db", str(empty), "remind"]}], env, runs)
                plain.update(floor=floor, help=help_ms, remind=remind_ms)
            return plain

        attempt(rows, "`therapy --help` (`pip install .`)", '`python -c "import sqlite3"`, same venv', "<= 4x",
                lambda: (plain_times()["help"], plain_times()["floor"], ""), max_ratio=4)
        attempt(rows, "`therapy remind` (empty file, `pip install .`)", '`python -c "import sqlite3"`, same venv',
                "<= 4x", lambda: (plain_times()["remind"], plain_times()["floor"], ""), max_ratio=4)

        def report(period: list[str]):
            def measure():
                sql = capture_sql(service, ["report", *period, "--json"], env, work / "report.sql")
                ms, floor = medians_ms([{"cmd": [*therapy, "--db", str(service), "report", *period, "--json"]},
                                        {"cmd": [sys.executable, "-c", FLOOR_SQL, str(sql), str(service)]}],
                                       env, runs)
                return ms, floor, f"{sum(1 for _ in open(sql))} statements"
            return measure

        attempt(rows, f"`report week` ({size} file)", "the same SQL, run by `python -c` with sqlite3", "<= 1.3x",
                report(["week"]), max_ratio=1.3)

        def against_week(args: list[str]):
            def measure():
                ms, floor = medians_ms([{"cmd": [*therapy, "--db", str(service), *args, "--json"]},
                                        {"cmd": [*therapy, "--db", str(service), "report", "week", "--json"]}],
                                       env, runs)
                return ms, floor, ""
            return measure

        attempt(rows, f"`report outcomes` ({size} file)", "`report week` on the same file", "<= 2x",
                against_week(["report", "outcomes"]), max_ratio=2)
        attempt(rows, f"`report caseload` ({size} file)", "`report week` on the same file", "<= 2x",
                against_week(["report", "caseload"]), max_ratio=2)

        def client_show():
            busiest = sqlite3.connect(service).execute(
                "SELECT client_id FROM sessions WHERE client_id IS NOT NULL GROUP BY client_id "
                "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
            ms, floor = medians_ms([{"cmd": [*therapy, "--db", str(service), "client", "show", str(busiest)]},
                                    remind_cmd], env, runs)
            return ms, floor, f"client #{busiest}, the most sessions"

        attempt(rows, f"`client show` ({size} file)", "`therapy remind` on an empty file", "<= 1.2x",
                client_show, max_ratio=1.2)

        def note_search():
            notes_db = generate.build_notes(size)
            conn = sqlite3.connect(notes_db)
            busiest = conn.execute(
                "SELECT client_id FROM sessions WHERE client_id IS NOT NULL GROUP BY client_id "
                "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
            notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
            conn.close()
            ms, floor = medians_ms([{"cmd": [*therapy, "--db", str(notes_db), "note", "search", generate.RARE_WORD]},
                                    {"cmd": [*therapy, "--db", str(notes_db), "client", "show", str(busiest)]}],
                                   env, runs)
            return ms, floor, f"'{generate.RARE_WORD}' in {generate.RARE_NOTES} of {notes:,} notes"

        attempt(rows, f"`note search` ({size} file, a note on every attended session)",
                "`client show` on the same file", "<= 1.5x", note_search, max_ratio=1.5)

        def import_sessions():
            target = work / "import.db"
            copy = lambda: generate.copy_database(base, target)  # noqa: E731
            ms, floor = medians_ms(
                [{"cmd": [*therapy, "--db", str(target), "import", "sessions", str(data / "sessions.csv"),
                          "--allow-overlap"],
                  "prepare": copy},
                 {"cmd": [sys.executable, "-c", FLOOR_IMPORT, str(target), str(service)], "prepare": copy}],
                env, import_runs, warm_up=False)
            count = generate.SIZES[size]["sessions"]
            return ms, floor, f"{count:,} sessions"

        attempt(rows, f"import of {generate.SIZES[size]['sessions']:,} sessions", "plain `executemany`, one transaction",
                "<= 2x", import_sessions, max_ratio=2)

        def rezone():
            target = work / "rezone.db"
            copy = lambda: generate.copy_database(service, target)  # noqa: E731  (the zone is Europe/London)
            ms, floor = medians_ms(
                [{"cmd": [*therapy, "--db", str(target), "config", "set", "timezone", "Asia/Tokyo"], "prepare": copy},
                 {"cmd": [sys.executable, "-c", FLOOR_REZONE, str(target), "Asia/Tokyo"], "prepare": copy}],
                env, import_runs, warm_up=False)
            return ms, floor, "Europe/London to Asia/Tokyo: every session's day again"

        attempt(rows, f"`config set timezone` ({size} file)", "the same reads and writes, one Python process",
                "<= 1.5x", rezone, max_ratio=1.5)

        def memory():
            peaks = []
            for _ in range(max(1, min(runs, 3))):
                peaks.append(peak_mib([*therapy, "--db", str(service), "report", "month", "--json"], env))
            return statistics.median(peaks), None, "peak RSS, MiB"

        attempt(rows, f"peak memory of `report month` ({size} file)", "-", "<= 100 MiB", memory, unit="MiB",
                max_ms=100)

        practice_size = "small" if size == "service" else size
        practice_sessions = generate.SIZES[practice_size]["sessions"]

        def practice_week():
            files = [str(p) for p in generate.build_practice(practice_size, 10, quiet=True)]
            sql = capture_sql(Path(files[0]), ["report", "week", "--json"], env, work / "week.sql")
            ms, floor = medians_ms([{"cmd": [*therapy, "practice", "report", "week", "--json",
                                             *[arg for f in files for arg in ("--file", f)]]},
                                    {"cmd": [sys.executable, "-c", FLOOR_SQL, str(sql), *files]}], env, runs)
            return ms, floor, f"10 files of {practice_sessions:,} sessions"

        attempt(rows, f"`practice report week` (10 x {practice_sessions:,} sessions)",
                "each file's `report week` SQL, one Python process", "<= 1.5x and <= 1000 ms", practice_week,
                max_ratio=1.5, max_ms=1000)
        def remind_service():
            ms, floor = medians_ms([{"cmd": [*therapy, "--db", str(service), "remind"]}, remind_cmd], env, runs)
            lines = subprocess.run([*therapy, "--db", str(service), "remind"], env=env, check=True,
                                   capture_output=True, text=True).stdout.count("\n")
            return ms, floor, f"{lines:,} lines"

        attempt(rows, f"`therapy remind` ({size} file)", "`therapy remind` on an empty file", "<= 1.3x",
                remind_service, max_ratio=1.3)

        def remind_memory():
            peaks = [peak_mib([*therapy, "--db", str(service), "remind"], env) for _ in range(max(1, min(runs, 3)))]
            return statistics.median(peaks), None, "peak RSS, MiB"

        attempt(rows, f"peak memory of `remind` ({size} file)", "-", "<= 50 MiB", remind_memory, unit="MiB",
                max_ms=50)

        fees: dict = {}

        def fees_file() -> dict:
            """A copy of the service file billing £80 a session: every other client invoiced monthly."""
            if not fees:
                conn = sqlite3.connect(service)
                busiest = conn.execute(
                    "SELECT client_id FROM sessions WHERE client_id IS NOT NULL GROUP BY client_id "
                    "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
                conn.close()
                target = work / "fees.db"
                generate.copy_database(service, target)
                subprocess.run([*therapy, "--db", str(target), "config", "set", "fees.default", "80"], env=env,
                               check=True, stdout=subprocess.DEVNULL)
                invoices, paid = bill_months(target, busiest)
                fees.update(db=target, busiest=busiest, invoices=invoices, paid=paid)
            return fees

        def invoice_create():
            f = fees_file()
            db = str(f["db"])
            create = [*therapy, "--db", db, "invoice", "create", str(f["busiest"]), "--from", "2000-01-01",
                      "--to", generate.TODAY.isoformat()]

            def void_last():  # each timed run bills the same sessions afresh
                conn = sqlite3.connect(f["db"])
                last = conn.execute("SELECT max(i.id) FROM invoices i WHERE i.client_id = ? AND NOT EXISTS "
                                    "(SELECT 1 FROM invoice_voids v WHERE v.invoice_id = i.id)",
                                    (f["busiest"],)).fetchone()[0]
                conn.close()
                if last:
                    subprocess.run([*therapy, "--db", db, "invoice", "void", str(last), "--reason", "benchmark"],
                                   env=env, check=True, stdout=subprocess.DEVNULL)

            ms, floor = medians_ms([{"cmd": create, "prepare": void_last},
                                    {"cmd": [*therapy, "--db", db, "client", "show", str(f["busiest"])]}], env, runs)
            return ms, floor, f"client #{f['busiest']}, every session; {f['invoices']:,} invoices on file"

        attempt(rows, f"`invoice create` ({size} file)", "`client show` of the same client", "<= 1.2x",
                invoice_create, max_ratio=1.2)

        def income_report():
            f = fees_file()
            db = str(f["db"])
            ms, floor = medians_ms([{"cmd": [*therapy, "--db", db, "report", "income", "--tax-year", "2025/26",
                                             "--json"]},
                                    {"cmd": [*therapy, "--db", db, "client", "show", str(f["busiest"])]}], env, runs)
            return ms, floor, f"{f['invoices']:,} invoices, {f['paid']:,} payments"

        attempt(rows, f"`report income` ({size} file)", "`client show` (busiest client)", "<= 1.2x",
                income_report, max_ratio=1.2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = markdown(rows, size, runs, import_runs)
    print(table)
    if output:
        write_doc(output, table)
        print(f"Wrote the table to {output}", file=sys.stderr)
    return rows


def bill_months(db: Path, skip_client: int) -> tuple[int, int]:
    """One invoice per client and month of attended sessions (all but `skip_client`), nine in ten paid."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "WITH cm AS (SELECT client_id, substr(local_date, 1, 7) AS m, count(*) AS n FROM sessions "
        "  WHERE kind = 'client' AND status = 'attended' AND client_id != ? AND local_date < '2026-11-01' "
        "  GROUP BY client_id, m), "
        "numbered AS (SELECT client_id, m, n, CAST(substr(m, 1, 4) AS INTEGER) AS y, "
        "  row_number() OVER (PARTITION BY substr(m, 1, 4) ORDER BY m, client_id) AS seq FROM cm) "
        "INSERT INTO invoices (number, year, seq, client_id, issued_on, due_on, period_start, period_end, currency, "
        "  total_minor, created_at) "
        "SELECT printf('INV-%04d-%04d', y, seq), y, seq, client_id, date(m || '-01', '+1 month'), "
        "  date(m || '-01', '+1 month', '+30 days'), m || '-01', date(m || '-01', '+1 month', '-1 day'), 'GBP', "
        "  n * 8000, '2026-01-01T00:00:00+00:00' FROM numbered", (skip_client,))
    conn.execute(
        "INSERT INTO payments (invoice_id, invoice_issued_on, paid_on, amount_minor, settles, method, created_at) "
        "SELECT id, issued_on, date(issued_on, '+14 days'), total_minor, 1, 'bank transfer', "
        "'2026-01-01T00:00:00+00:00' "
        "FROM invoices WHERE id % 10 != 0 AND date(issued_on, '+14 days') <= ?", (generate.TODAY.isoformat(),))
    conn.execute("COMMIT")
    counts = conn.execute("SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM payments)").fetchone()
    conn.close()
    return counts


def markdown(rows: list[Row], size: str, runs: int, import_runs: int) -> str:
    counts = generate.SIZES[size]
    lines = [
        f"Measured {datetime.now().strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"`{size}` file: {counts['clients']:,} clients, {counts['sessions']:,} sessions, "
        f"{counts['measures']:,} measures; medians of {runs} runs after a warm-up run "
        f"({import_runs} run{'s' if import_runs != 1 else ''}, no warm-up, for the import).",
        "",
        "| operation | therapy | floor | floor median | ratio | target | met |",
        "| --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        if row.therapy_ms is None:
            lines.append(f"| {row.operation} | - | {row.floor_name} | - | - | {row.target} | "
                         f"not measured: {row.note} |")
            continue
        floor = f"{row.floor_ms:.1f} ms" if row.floor_ms else "-"
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        value = f"{row.therapy_ms:.1f} {row.unit}" if row.unit != "ms" or row.therapy_ms < 10_000 \
            else f"{row.therapy_ms / 1000:.2f} s"
        if row.floor_ms and row.floor_ms >= 10_000:
            floor = f"{row.floor_ms / 1000:.2f} s"
        lines.append(f"| {row.operation} | {value} | {row.floor_name} | {floor} | {ratio} | {row.target} | "
                     f"{row.met_text} |")
    return "\n".join(lines) + "\n"


def write_doc(path: Path, table: str) -> None:
    """Replace the table between the markers (the rest of the page is prose kept by hand)."""
    text = path.read_text() if path.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n## Latest measurements\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time therapy against its floors (issue 7/7 targets).")
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="service")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per operation (default 7)")
    parser.add_argument("--import-runs", type=int, default=3, help="timed runs of each import (default 3)")
    parser.add_argument("--output", type=Path, default=DOC, help="markdown file to update (default docs/performance.md)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    try:
        rows = run(args.size, max(1, args.runs), max(1, args.import_runs), None if args.no_write else args.output)
    except subprocess.CalledProcessError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0 if all(row.met for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
