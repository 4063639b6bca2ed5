"""The fast path (therapy_cli/fast.py) against click: the same command line, run both ways in fresh
processes, prints the same, exits the same and writes the same files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from therapy_cli import fast

FAST = [sys.executable, "-m", "therapy_cli"]                                    # the console script's main
CLICK = [sys.executable, "-c", "from therapy_cli.cli import main; main()"]     # click parses everything
ENV = {**os.environ, "NO_COLOR": "1", "THERAPY_TODAY": "2026-11-27", "TZ": "Europe/London", "COLUMNS": "100"}
ENV.pop("THERAPY_DB", None)


def _run(how: list[str], args: list, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*how, *map(str, args)], capture_output=True, text=True, env=env or ENV, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A demo caseload, an empty one, and a folder holding both (a practice of two)."""
    folder = tmp_path_factory.mktemp("fast")
    demo = folder / "practice" / "demo.db"
    demo.parent.mkdir()
    built = _run(FAST, ["demo", "--db", demo, "--yes"])
    assert built.returncode == 0, built.stderr
    empty = folder / "practice" / "empty.db"
    assert _run(FAST, ["--db", empty, "db", "init"]).returncode == 0
    (folder / "notes.txt").write_text("not a caseload\n")
    return {"demo": demo, "empty": empty, "dir": demo.parent, "text": folder / "notes.txt", "tmp": folder}


def _cases(f: dict) -> list[list]:
    demo, empty = f["demo"], f["empty"]
    return [
        ["--help"], ["-h"],
        ["--db", demo, "remind"], ["--db", demo, "remind", "--json"], ["--today", "2026-12-02", "--db", demo, "remind"], ["--db", demo, "remind", "--csv"],
        ["--db", demo, "remind", "--within", "7d", "--names"], ["--db", demo, "remind", "--all", "--json"],
        ["--db", demo, "remind", "--kind", "invoice_overdue", "--all"],
        ["--db", demo, "remind", "--kind", "session", "--kind", "review_due", "-f", "json"],
        ["--db", demo, "remind", "--format=csv", "--kind=dna_follow_up"],
        ["remind", "--db", demo, "--today", "2026-11-02", "--json"],       # root options after the command
        ["--db", empty, "remind"], ["--db", empty, "remind", "--json"],
        ["--db", demo, "remind", "--kind", "nonsense"], ["--db", demo, "remind", "--within", "soon"],
        ["--db", demo, "--today", "31/02/2026", "remind"], ["--db", f["text"], "remind"],
        ["--db", demo, "report", "week"], ["--db", demo, "report", "week", "--week", "last", "--csv"],
        ["--db", demo, "report", "week", "--week", "2026-W47", "--json"],
        ["--db", demo, "report", "week", "--csv", "--no-header"],
        ["--db", demo, "report", "week", "--csv", "--raw", "--bom"],
        ["--no-pager", "--db", demo, "report", "month", "--month", "2026-10"],
        ["--db", demo, "report", "quarter", "--quarter", "last", "--json"],
        ["--db", demo, "report", "month", "--month", "13"], ["--db", demo, "report", "week", "--week", "bad"],
        ["--db", empty, "report", "week", "--json"],
        ["practice", "report", "week", "--file", demo, "--file", empty, "--json"],
        ["practice", "report", "week", "--dir", f["dir"], "--csv"],
        ["practice", "report", "month", "--dir", f["dir"], "--month", "last"],
        ["practice", "report", "outcomes", "--dir", f["dir"], "--from", "2026-01-01", "--json"],
        ["practice", "report", "outcomes", "--file", demo, "--to", "2026-01-01", "--from", "2026-06-01"],
        ["practice", "report", "week"], ["practice", "report", "week", "--file", f["tmp"] / "missing.db"],
        ["practice", "report", "week", "--file", f["text"]],
        ["--db", demo, "report", "outcomes"], ["--db", demo, "report", "outcomes", "--from", "2026-01-01", "--csv"],
        ["--db", demo, "report", "outcomes", "--from", "2026-06-01", "--to", "2026-01-01"],
        ["--db", demo, "report", "caseload", "--json"], ["--db", demo, "report", "caseload"],
        ["--db", demo, "report", "caseload", "--csv", "--no-header"],
        ["--db", demo, "report", "income"], ["--db", demo, "report", "income", "--tax-year", "2025/26", "--json"],
        ["--db", demo, "report", "income", "--tax-year", "2025-26"],
        ["--db", demo, "report", "income", "--to", "2026-06-01"],
        ["--db", demo, "client", "show", "1"], ["--db", demo, "client", "show", "--json", "mensah"],
        ["--db", demo, "client", "show", "nobody"], ["--db", demo, "client", "show", "a"],
        ["--db", demo, "client", "show", "999999999999999999999999"],
        ["--db", demo, "note", "search", "sleep"], ["--db", demo, "note", "search", "sleep", "--limit", "2", "--csv"],
        ["--db", demo, "note", "search", "sleep OR mood", "--client", "1", "--from", "2026-01-01", "--json"],
        ["--db", demo, "note", "search", "sleep AND"], ["--db", demo, "note", "search", "zzzz"],
        ["--db", demo, "note", "search", "sleep", "--limit", "0"],           # out of range: exit 1 both ways
        ["--db", demo, "invoice", "create", "1"], ["--db", demo, "invoice", "create", "--all", "1", "--month", "last"],
        ["--db", demo, "invoice", "create", "1", "--month", "last", "--from", "2026-01-01"],
        ["--db", demo, "invoice", "create", "--month", "last"],
    ]


def test_every_plain_form_takes_the_fast_path(files):
    """So the comparison below compares two parsers, not click with itself."""
    for args in _cases(files):
        assert fast.plan([str(a) for a in args]) is not None, args


def test_the_fast_path_prints_and_exits_as_click_does(files):
    for args in _cases(files):
        quick, slow = _run(FAST, args), _run(CLICK, args)
        assert (quick.returncode, quick.stdout, quick.stderr) == (slow.returncode, slow.stdout, slow.stderr), args
        assert "internal error" not in quick.stderr and "Traceback" not in quick.stderr, (args, quick.stderr)
        assert quick.returncode == 0 or quick.stderr.count("\n") <= 4, args   # an error is told, not dumped
    # the cases include successes with output, errors of the command and errors click reports
    outcomes = {(_run(FAST, a).returncode) for a in _cases(files)[2:6]}
    assert outcomes == {0}


def test_a_cron_append_writes_the_same_file_both_ways(files):
    for how, name in ((FAST, "fast.csv"), (CLICK, "click.csv")):
        target = files["tmp"] / name
        for week in ("2026-W46", "2026-W47", "2026-W46"):   # a retried week replaces its row
            result = _run(how, ["--db", files["demo"], "report", "week", "--week", week, "--append", target])
            assert result.returncode == 0 and result.stdout == "", result.stderr
    fast_text = (files["tmp"] / "fast.csv").read_text()
    assert fast_text == (files["tmp"] / "click.csv").read_text()
    assert len(fast_text.splitlines()) == 3 and oct((files["tmp"] / "fast.csv").stat().st_mode & 0o777) == "0o600"


def test_everything_else_goes_to_click(files):
    demo = str(files["demo"])
    for args in ([], ["--version"], ["client", "list"], ["remind", "clients"], ["report", "referrals"],
                 ["report", "week", "--json", "--csv"], ["report", "week", "--format", "xml"],
                 ["report", "week", "--week"], ["report", "week", "--week", "-1"], ["report", "week", "--help"],
                 ["report", "week", "-h"], ["report", "week", "-fjson"], ["report", "week", "--", "x"],
                 ["report", "week", "extra"], ["remind", "--unknown"], ["--db", demo, "--help"],
                 ["--db"], ["remind", "--names=yes"], ["practice", "report", "week", "--file"],
                 ["client", "show"], ["client", "show", "1", "2"], ["client", "show", "-1"], ["client", "show", ""],
                 ["note", "search", "x", "--limit", "many"],
                 ["note", "search", "x", "--limit", "-3"], ["invoice", "create", "a", "b"],
                 ["note", "search", "--client", "1"], ["invoice", "create", "-", "--month", "last"]):
        assert fast.plan(args) is None, args
    # and click says what is wrong, as before
    result = _run(FAST, ["--db", demo, "report", "week", "--json", "--csv"])
    assert result.returncode == 2 and "cannot be used together" in result.stderr
    result = _run(FAST, ["--db", demo, "report", "week", "--format", "xml"])
    assert result.returncode == 2 and "'xml' is not one of" in result.stderr


def test_a_narrow_terminal_gets_click_help(files):
    narrow = {**ENV, "COLUMNS": "60"}
    quick, slow = _run(FAST, ["--help"], narrow), _run(CLICK, ["--help"], narrow)
    assert quick.stdout == slow.stdout and max(map(len, quick.stdout.splitlines())) <= 60


def test_the_fast_path_imports_neither_click_nor_typer(files):
    code = ("import sys; sys.argv = ['therapy', *sys.argv[1:]]\n"
            "from therapy_cli.fast import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click', 'rich'}),"
            " file=sys.stderr)")
    for args in (["--help"], ["--db", files["demo"], "remind", "--json"],
                 ["--db", files["demo"], "report", "week", "--csv"],
                 ["practice", "report", "week", "--dir", files["dir"], "--json"]):
        result = _run([sys.executable, "-c", code], args)
        assert "LOADED []" in result.stderr, (args, result.stderr)
        assert result.stdout
    result = _run([sys.executable, "-c", code], ["--db", files["demo"], "client", "list", "--json"])
    assert "'typer'" in result.stderr   # the rest of the tree is click's


def test_remind_json_is_the_same_data(files):
    quick = json.loads(_run(FAST, ["--db", files["demo"], "remind", "--json", "--within", "14d"]).stdout)
    assert quick and {"kind", "client_id", "due", "message"} <= set(quick[0])


def test_a_database_copy_is_untouched_by_reports(files):
    copy = files["tmp"] / "copy.db"
    shutil.copy(files["demo"], copy)
    before = copy.read_bytes()
    assert _run(FAST, ["--db", copy, "report", "week", "--json"]).returncode == 0
    assert copy.read_bytes() == before


def test_the_fast_path_knows_every_option_of_its_commands():
    """A new option on a daily command must be read by the fast path too (or that command line would take a
    default the user did not ask for): the option names, and which repeat and which are flags, match click's."""
    from therapy_cli.cli import lazy_root
    from typer import _click as click
    from typer.core import TyperOption as Option

    root = lazy_root()
    for path, spec in fast.SPECS.items():
        command, ctx = root, click.Context(root, info_name="therapy")
        for name in path:
            command = command.get_command(ctx, name)
            ctx = click.Context(command, info_name=name, parent=ctx)
        declared = {"values": set(), "lists": set(), "flags": set()}
        arguments = [param for param in command.params if not isinstance(param, Option)]
        assert [a.name for a in arguments] == list(spec.args), path
        assert sum(a.required for a in arguments) == spec.required, path
        for param in command.params:   # text and flags pass as they are; a number is checked as click does
            kind = getattr(param.type, "name", "")
            if param.name == "fmt":
                assert kind == "choice", path
            elif param.name in spec.ints:
                assert kind == "int", (path, kind)   # its range is the command's to check (exit 1)
            else:
                assert kind in ("str", "boolean"), (path, param.name, kind)
        for param in command.params:
            if not isinstance(param, Option) or param.name == "help":
                continue
            kind = "flags" if param.is_flag else "lists" if param.multiple else "values"
            declared[kind].update(param.opts + param.secondary_opts)
        assert declared == {"values": set(spec.values), "lists": set(spec.lists), "flags": set(spec.flags)}, path


def test_invoice_create_writes_the_same_invoices_both_ways(files):
    import sqlite3

    written = []
    for how, name in ((FAST, "fast-invoices.db"), (CLICK, "click-invoices.db")):
        copy = files["tmp"] / name
        shutil.copy(files["demo"], copy)
        first = _run(how, ["--db", copy, "invoice", "create", "--all", "--month", "last"])
        again = _run(how, ["--db", copy, "invoice", "create", "--all", "--month", "last", "--json"])
        one = _run(how, ["--db", copy, "invoice", "create", "3", "--from", "2026-01-01", "--to", "2026-11-27"])
        conn = sqlite3.connect(copy)
        rows = conn.execute("SELECT number, client_id, issued_on, total_minor FROM invoices ORDER BY id").fetchall()
        conn.close()
        written.append(([(r.returncode, r.stdout, r.stderr) for r in (first, again, one)], rows))
    assert written[0] == written[1]
    (first, again, _), rows = written[0]
    assert first[0] == 0 and "INV-2026-" in first[1] and len(rows) > 3
    assert again[0] == 1 and again[2].startswith("Error:")   # nothing left to bill: exit 1, nothing written
