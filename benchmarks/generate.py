"""A seeded, service-size caseload, built through the import path.

    python benchmarks/generate.py                  # 20,000 clients, 1,000,000 sessions, 200,000 measures
    python benchmarks/generate.py --size tiny      # a few hundred rows, for the smoke test
    python benchmarks/generate.py --notes          # also notes.db: a note on every attended session

Writes clients.csv, sessions.csv and measures.csv (what another practice
system's export might look like), then builds two caseload files with the
real `therapy import` command:

    base.db      the clients alone (the starting point of the import benchmark)
    service.db   clients, sessions and measures (the file the reports are timed on)

Everything lands in benchmarks/data/<size>/ (gitignored) together with a
manifest; a second run with the same size, seed and generator version reuses
it instead of rebuilding (pass --force to rebuild).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("THERAPY_BENCH_DATA") or HERE / "data")   # the variable moves it (tests)
VERSION = 6          # bump when the generated data changes shape
SEED = 2026
TODAY = date(2026, 11, 27)  # a Friday; THERAPY_TODAY for every command run on these files
ZONE = "Europe/London"

SIZES = {
    "service": {"clients": 20_000, "sessions": 1_000_000, "measures": 200_000},
    "small": {"clients": 2_000, "sessions": 100_000, "measures": 20_000},
    "tiny": {"clients": 200, "sessions": 5_000, "measures": 1_000},
}

FIRST = ("Alex Sam Jo Chris Pat Robin Morgan Jamie Charlie Taylor Jordan Casey Riley Avery Quinn Rowan Sasha "
         "Kim Lee Ash Ellis Frankie Harper Hayden Jesse Kai Logan Max Nico Parker Reese Sky Toby Remy Ari "
         "Noor Priya Amir Fatima Chen Mei Olu Ade Kofi Zara Ines Luca Marta Piotr Anya Sean Aoife Rhys Cerys "
         "Owen Isla Finn Mabel Ruth Dev").split()
LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Robinson Thompson White "
        "Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott Cooper Morris "
        "Ward Moore King Watson Baker Harrison Morgan Young Allen Mitchell Khan Ali Begum Hussain Nowak Kowalski "
        "Murphy Kelly Evans Roberts Price Bennett Shaw Lloyd Ahmed Okafor Mensah Silva Costa Rossi").split()
SOURCES = ("GP", "self", "NHS Talking Therapies", "employer", "school", "A&E", "social services")


def therapy_command() -> list[str]:
    """The installed `therapy` next to this Python, else `python -m therapy_cli`."""
    script = Path(sys.executable).with_name("therapy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "therapy_cli"]


def command_env() -> dict:
    env = dict(os.environ)
    env.update({"THERAPY_TODAY": TODAY.isoformat(), "TZ": ZONE, "NO_COLOR": "1"})
    env.pop("THERAPY_DB", None)
    # measured as users run it: with bytecode caching (PYTHONDONTWRITEBYTECODE recompiles every module
    # on every run and doubles start-up)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _spread(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that add up to exactly `total`."""
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    rest = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: weights[i] * scale - counts[i], reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    return counts


def write_csvs(out: Path, clients: int, sessions: int, measures: int, seed: int = SEED) -> dict:
    """The three CSV files; returns counts for the manifest."""
    rng = random.Random(seed)
    start_of_data = TODAY - timedelta(days=5 * 365)
    horizon = TODAY + timedelta(weeks=8)         # scheduled sessions reach at most 8 weeks ahead
    # 2% are still waiting (referred in the last four months, no session yet)
    waiting = [rng.random() < 0.02 for _ in range(clients)]
    lengths = _spread(sessions, [0 if w else rng.randint(10, 90) for w in waiting])
    individuals: list[int] = []
    referred_on: dict[int, date] = {}
    past_attended: list[list[str]] = []
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "clients.csv", "w", newline="") as cf, open(out / "sessions.csv", "w", newline="") as sf:
        cw = csv.writer(cf, lineterminator="\n")
        sw = csv.writer(sf, lineterminator="\n")
        cw.writerow(["id", "name", "kind", "status", "date_of_birth", "referred_on", "referral_source",
                     "discharged_on", "members"])
        sw.writerow(["client", "starts_at", "duration_min", "status", "mode", "type"])
        for cid in range(1, clients + 1):
            n = lengths[cid - 1]
            if not n:
                referred = TODAY - timedelta(days=rng.randint(0, 120))
                dob = (date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))).isoformat()
                cw.writerow([cid, f"{rng.choice(FIRST)} {rng.choice(LAST)}", "individual", "waiting", dob,
                             referred.isoformat(), rng.choice(SOURCES), "", ""])
                individuals.append(cid)
                referred_on[cid] = referred
                past_attended.append([])
                continue
            roll = rng.random()
            kind = "individual"
            members = ""
            if roll > 0.94 and len(individuals) >= 6:
                kind = "couple" if roll < 0.97 else "family" if roll < 0.99 else "group"
                size = 2 if kind == "couple" else rng.randint(3, 4) if kind == "family" else rng.randint(5, 8)
            span = timedelta(weeks=n - 1)
            latest_first = horizon - span
            first = latest_first if latest_first <= start_of_data else \
                start_of_data + timedelta(days=rng.randint(0, (latest_first - start_of_data).days))
            first -= timedelta(days=first.weekday() - rng.randint(0, 4)) if first.weekday() > 4 else timedelta(0)
            if kind != "individual":
                # members belong from the start, so each was referred by the unit's first meeting (import
                # refuses a member counted at a meeting before their referral, as `session add` does)
                eligible = [m for m in individuals if referred_on[m] <= first]
                if len(eligible) >= size:
                    members = ";".join(str(m) for m in rng.sample(eligible, size))
                else:
                    kind = "individual"
            duration = {"individual": 50, "couple": 60, "family": 60, "group": 90}[kind]
            hour = rng.randint(8, 19)
            referred = first - timedelta(days=rng.randint(7, 70))
            attended_days: list[str] = []
            last_day = first
            for k in range(n):
                day = first + timedelta(weeks=k)
                last_day = day
                if day < TODAY:
                    r = rng.random()
                    status = ("attended" if r < 0.85 else "dna" if r < 0.92 else "cancelled" if r < 0.97
                              else "late-cancelled")
                    if status == "attended":
                        attended_days.append(day.isoformat())
                else:
                    status = "scheduled"
                kind_of = "assessment" if k == 0 else "review" if k % 12 == 11 else "treatment"
                m = rng.random()
                mode = "in-person" if m < 0.7 else "video" if m < 0.95 else "phone"
                sw.writerow([cid, f"{day.isoformat()} {hour:02d}:00", duration, status, mode, kind_of])
            discharged = ""
            status = "waiting"
            if last_day < TODAY - timedelta(weeks=4):
                status = "discharged"
                discharged = min(last_day + timedelta(days=7), TODAY).isoformat()
            dob = "" if kind != "individual" else (
                date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))).isoformat()
            name = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" if kind == "individual"
                    else f"{rng.choice(LAST)} {kind} {cid}")
            cw.writerow([cid, name, kind, status, dob, referred.isoformat(), rng.choice(SOURCES), discharged,
                         members])
            if kind == "individual":
                individuals.append(cid)
                referred_on[cid] = referred
            past_attended.append(attended_days)
    per_client = _spread(measures, [len(days) or 0.0 for days in past_attended])
    with open(out / "measures.csv", "w", newline="") as mf:
        mw = csv.writer(mf, lineterminator="\n")
        mw.writerow(["client", "instrument", "taken_on", "items"])
        for cid, (days, count) in enumerate(zip(past_attended, per_client), start=1):
            if not count:
                continue
            severity = rng.uniform(0.8, 2.6)          # where this client starts, item-mean
            for j in range(count):
                day = days[min(len(days) - 1, j * len(days) // count)]
                level = max(0.0, severity * (1 - 0.6 * j / max(count - 1, 1)))
                instrument, n_items = (("PHQ-9", 9), ("GAD-7", 7))[j % 2]
                items = [min(3, max(0, round(rng.gauss(level, 0.7)))) for _ in range(n_items)]
                mw.writerow([cid, instrument, day, ",".join(map(str, items))])
    return {"clients": clients, "sessions": sessions, "measures": measures}


def run_therapy(db: Path, *args: str) -> float:
    """Run the real command; return its wall time in seconds. Any failure stops the build."""
    started = time.perf_counter()
    result = subprocess.run([*therapy_command(), "--db", str(db), *args], env=command_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"therapy {' '.join(args)} failed:\n{result.stderr.strip()}")
    return elapsed


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (WAL files included)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


def build(size: str = "service", seed: int = SEED, force: bool = False, quiet: bool = False) -> Path:
    """Generate (or reuse) the data for `size`; return its directory."""
    counts = SIZES[size]
    out = DATA / size
    manifest_path = out / "manifest.json"
    wanted = {"version": VERSION, "seed": seed, "today": TODAY.isoformat(), **counts}
    if not force and manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError:
            manifest = {}
        if {k: manifest.get(k) for k in wanted} == wanted and (out / "service.db").exists():
            if not quiet:
                print(f"Reusing {out} (built {manifest.get('built_at')}; --force rebuilds)", file=sys.stderr)
            return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    say(f"Generating {counts['clients']:,} clients, {counts['sessions']:,} sessions, "
        f"{counts['measures']:,} measures in {out} ...")
    started = time.perf_counter()
    write_csvs(out, seed=seed, **counts)
    say(f"  CSV files written in {time.perf_counter() - started:.1f} s")
    base, service = out / "base.db", out / "service.db"
    run_therapy(base, "config", "set", "timezone", ZONE)
    took = {"clients": run_therapy(base, "import", "clients", str(out / "clients.csv"))}
    say(f"  therapy import clients: {took['clients']:.1f} s")
    copy_database(base, service)
    for table in ("sessions", "measures"):
        # the service file holds several practitioners' diaries: their sessions overlap
        extra = ["--allow-overlap"] if table == "sessions" else []
        took[table] = run_therapy(service, "import", table, str(out / f"{table}.csv"), *extra)
        say(f"  therapy import {table}: {took[table]:.1f} s")
    conn = sqlite3.connect(service)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    manifest = {**wanted, "built_at": datetime.now().isoformat(timespec="seconds"),
                "import_seconds": {k: round(v, 2) for k, v in took.items()}}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return out


def build_practice(size: str = "small", count: int = 10, quiet: bool = False) -> list[Path]:
    """`count` practitioners' files for `practice report` (issue 9/10: 10 files of 100,000 sessions at
    `small`): copies of the `size` build, each named by its own `practitioner.name`. The roll-up's cost does not
    depend on the files differing, so copying (seconds) stands in for generating ten (minutes)."""
    source = build(size, quiet=quiet) / "service.db"
    out = DATA / f"practice-{size}"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        target = out / f"practitioner-{number:02d}.db"
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            copy_database(source, target)
            conn = sqlite3.connect(target)
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('practitioner.name', ?)",
                         (f"Practitioner {number}",))
            conn.commit()
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        # a reused copy from before a new migration: `practice report` reads files read-only and so never
        # migrates them (it refuses an older schema); bring each up to date as its practitioner would
        run_therapy(target, "db", "init")
        paths.append(target)
    return paths
# Notes for the search benchmark: everyday clinical words, and one rare word in a handful of notes.
NOTE_WORDS = (
    "mood low sleep poor improved anxiety panic worry rumination avoidance exposure hierarchy homework diary "
    "thought record behavioural activation values goals relapse prevention formulation trigger safety plan "
    "reviewed agreed explored discussed noticed reported described practised breathing grounding mindfulness "
    "partner mother father sister brother work stress manager colleague school friends family conflict "
    "grief loss anger shame guilt self-criticism compassion boundaries assertiveness routine exercise walking "
    "appetite energy motivation concentration medication GP referral risk assessed no current intent plan "
    "protective factors session ending next week continue the with and of to about her his their client "
    "therapist reflected validated challenged summarised weekend holiday evening morning night early late"
).split()
RARE_WORD = "lighthouse"
RARE_NOTES = 20
NOTES_VERSION = 1


def build_notes(size: str = "service", seed: int = SEED, force: bool = False, quiet: bool = False) -> Path:
    """The service file with a note on every attended session (notes.db beside it); return its path.

    The notes go in with plain SQL, so the search index is built by the same
    triggers that keep it in step when `therapy session note` writes one.
    """
    out = build(size, seed, force, quiet)
    target = out / "notes.db"
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if target.exists() and manifest.get("notes_version") == NOTES_VERSION and not force:
        return target
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    started = time.perf_counter()
    copy_database(out / "service.db", target)
    rng = random.Random(seed + 1)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA cache_size = -65536")
        sessions = conn.execute("SELECT id, starts_utc FROM sessions WHERE status = 'attended' ORDER BY id").fetchall()
        rare = set(rng.sample(range(len(sessions)), min(RARE_NOTES, len(sessions))))

        def notes():
            for i, (sid, starts_utc) in enumerate(sessions):
                words = rng.choices(NOTE_WORDS, k=rng.randint(25, 45))
                if i in rare:
                    words[rng.randrange(len(words))] = RARE_WORD
                yield sid, " ".join(words).capitalize() + ".", starts_utc

        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO notes (session_id, text, created_at) VALUES (?, ?, ?)", notes())
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    manifest.update(notes_version=NOTES_VERSION, notes=len(sessions), rare_word=RARE_WORD,
                    rare_notes=len(rare), notes_seconds=round(time.perf_counter() - started, 2))
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    say(f"  {len(sessions):,} notes written and indexed in {manifest['notes_seconds']:.1f} s")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="service")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="rebuild even when a matching build exists")
    parser.add_argument("--practice", type=int, metavar="N", default=0,
                        help="also make N practitioners' files (copies of the build) for `practice report`")
    parser.add_argument("--notes", action="store_true",
                        help="also write notes.db: a note on every attended session (the search benchmark)")
    args = parser.parse_args(argv)
    print(build_notes(args.size, args.seed, args.force) if args.notes else build(args.size, args.seed, args.force))
    for path in build_practice(args.size, args.practice) if args.practice else []:
        print(path)


if __name__ == "__main__":
    main()
