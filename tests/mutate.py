"""Mutation testing of the rule modules: does each rule's own test file notice when the rule changes?

    python tests/mutate.py --all            # every rule module against its test files (slow: minutes each)
    python tests/mutate.py therapy_cli/clinical/instruments.py        # one module, its tests from RULES
    python tests/mutate.py therapy_cli/practice/cpd.py --line 130     # only the mutants on one line
    python tests/mutate.py --all --list | --verbose                   # list the mutants | show equivalents

One mutation at a time, anywhere in the module — module-level tables included (mutmut 3 skips
those, and the questionnaires are tables): comparison flips (`<` ↔ `<=`, `>` ↔ `>=`, `==` ↔ `!=`),
numeric constants ±1, `and` ↔ `or`, a dropped `not`, `+` ↔ `-`, `*` ↔ `/`, and the same inside SQL
strings (`<=` ↔ `<`, `>=` ↔ `>`, `AND` ↔ `OR`). Docstrings and non-SQL strings are not mutated. Each
mutant is written over the module in a copy of the checkout and its test files run (`pytest -x -q`) in a
child forked from this process; the working tree is never touched. A mutant is killed when the tests
fail (or time out). Survivors are listed with their line, to be pinned by a test or judged equivalent
(same behaviour, e.g. a bound that can never be reached) in EQUIVALENT, with the reason; the score is
killed / (mutants - equivalent), and the exit status is 1 below 90%.

Not run by CI (minutes per module on two cores): docs/testing.md records the latest scores.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The rule modules and the test files that pin them.
RULES = {  # the focused rules files first: with -x, a killed mutant stops at the first failure
    "therapy_cli/clinical/instruments.py": ["tests/test_rules_instruments.py", "tests/test_instruments.py"],
    "therapy_cli/clinical/measures.py": ["tests/test_rules_measures.py", "tests/test_measures.py",
                                         "tests/test_instruments.py", "tests/test_batch_reads.py"],
    "therapy_cli/reports/service.py": ["tests/test_rules_service.py", "tests/test_boundaries.py",
                                       "tests/test_reports.py", "tests/test_outcomes.py",
                                       "tests/test_service_reports.py"],
    "therapy_cli/reports/reminders.py": ["tests/test_rules_reminders.py", "tests/test_boundaries.py",
                                         "tests/test_remind.py", "tests/test_service_reminders.py"],
    "therapy_cli/practice/supervision.py": ["tests/test_rules_supervision.py", "tests/test_boundaries.py",
                                            "tests/test_supervision.py"],
    "therapy_cli/practice/cpd.py": ["tests/test_rules_cpd.py", "tests/test_boundaries.py", "tests/test_cpd.py"],
    "therapy_cli/clinical/risk.py": ["tests/test_rules_risk.py", "tests/test_risk.py", "tests/test_batch_reads.py"],
    "therapy_cli/practice/fees.py": ["tests/test_fees.py", "tests/test_fees_edges.py"],
}

# Mutants judged equivalent (no input can tell them from the original), with the reason. Keyed by the
# module, the stripped source line and the mutation, so an edit elsewhere in the file does not unpin
# them; they are not run, and the score is killed / (mutants - equivalent). docs/testing.md lists them.
# A fourth element, the column, picks one of two identical mutations on the same line.
_CANDIDATES = ("the query only gathers candidates: each one's current level and open flag are worked out "
               "again in Python, and a client with neither is dropped, so widening the candidates changes nothing")
_GUARD = ("a shortcut only: any whole part of 8 or more digits is more than the largest amount, which the next check "
          "refuses with the same message, so where the shortcut starts changes nothing but speed")
EQUIVALENT: dict[str, list[tuple]] = {
    "therapy_cli/clinical/instruments.py": [
        ("return inst.item_max + inst.item_min - value", "Add -> Sub",
         "every instrument's items start at 0, so max + min and max - min are the same"),
        ("change = round(last - first, 6)", "6 -> 5",
         "scores are whole numbers or tenths: rounding their difference to 5 or 7 places gives the same"),
        ("change = round(last - first, 6)", "6 -> 7",
         "scores are whole numbers or tenths: rounding their difference to 5 or 7 places gives the same"),
    ],
    "therapy_cli/clinical/measures.py": [
        ("value = round(float(value), 1)", "1 -> 2",
         "stored scores are whole or in tenths already: rounding them to 2 places changes nothing"),
        ("change = round(last - first, 1)", "1 -> 2",
         "scores are whole or in tenths, so their difference rounded to 1 or 2 places is the same"),
        ("return dict(sorted(out.items(), key=lambda kv: NAMES.index(kv[0]) if kv[0] in NAMES else 99))",
         "99 -> 100", "every stored instrument is one of NAMES (entry and import both go through get_instrument)"),
        ("return dict(sorted(out.items(), key=lambda kv: NAMES.index(kv[0]) if kv[0] in NAMES else 99))",
         "99 -> 98", "every stored instrument is one of NAMES (entry and import both go through get_instrument)"),
        ("better = (change > 0) == inst.higher_is_better", "Gt -> GtE",
         "this branch runs only when change != 0, where > 0 and >= 0 agree"),
        ("moved = f\"{'fell' if change < 0 else 'rose'} {abs(change):g} point{'' if abs(change) == 1 else 's'} "
         "({'better' if better else 'worse'})\"", "Lt -> LtE",
         "this branch runs only when change != 0, where < 0 and <= 0 agree"),
        ("def chart_text(data: dict, width: int = 60, unicode: bool = True, who: str | None = None) -> str:",
         "60 -> 59", "the default width is never used: the one caller, `measure chart`, always passes --width"),
        ("def chart_text(data: dict, width: int = 60, unicode: bool = True, who: str | None = None) -> str:",
         "60 -> 61", "the default width is never used: the one caller, `measure chart`, always passes --width"),
    ],
    "therapy_cli/clinical/risk.py": [
        ('items.sort(key=lambda i: (-RANK.get(i["level"] or "none", 0), i["flag"] is None,', "0 -> 1",
         "the default is never used: `level or \"none\"` is always a key of RANK"),
        ('items.sort(key=lambda i: (-RANK.get(i["level"] or "none", 0), i["flag"] is None,', "0 -> -1",
         "the default is never used: `level or \"none\"` is always a key of RANK"),
        ('"JOIN client_state cs ON cs.id = c.id WHERE " + _current_clients(db.today) + " "', "SQL '>' -> '>=' in 'AND m.risk > 0)) ORDER'",
         "register(): " + _CANDIDATES),
        ('"JOIN client_state cs ON cs.id = c.id WHERE " + _current_clients(db.today) + " "',
         "SQL 'AND' -> 'OR' in '= c.id AND a.assessed_on <='",
         "register(): " + _CANDIDATES),
        ('"JOIN client_state cs ON cs.id = c.id WHERE " + _current_clients(db.today) + " "',
         "SQL 'AND' -> 'OR' in '= c.id AND m.risk >'",
         "register(): " + _CANDIDATES),
    ],
    "therapy_cli/practice/fees.py": [
        ('if len(whole) > 9:  # far past the bound; also keeps int() away from a thousand-digit string', "Gt -> GtE",
         _GUARD),
        ('if len(whole) > 9:  # far past the bound; also keeps int() away from a thousand-digit string', "9 -> 10",
         _GUARD),
        ('if len(whole) > 9:  # far past the bound; also keeps int() away from a thousand-digit string', "9 -> 8",
         _GUARD),
        ('if value[:1] and unicodedata.category(value[0]) == "Sc":   # a currency sign: £ € $ ¥ ...', "1 -> 2",
         "only the emptiness of the slice is tested: the first two characters are empty exactly when the first is"),
    ],
    "therapy_cli/practice/supervision.py": [
        ("return _records(db, [row])[0]", "0 -> -1", "a list of one record: its first is its last"),
        ("return date(index // 12, index % 12 + 1, 1)", "1 -> 2",
         "the day only names the month: month_row() takes the month containing it (month_of)", 45),
        ('"met": received + EPSILON >= required,', "GtE -> Gt",
         "with the 1e-9 allowance added, >= and > differ only when received is exactly 1e-9 short of the "
         "requirement, which no sum of minutes credited can be"),
        ("def months(db: Database, count: int = 12) -> list[dict]:", "12 -> 11",
         "the default is never used: status() always passes its count"),
        ("def months(db: Database, count: int = 12) -> list[dict]:", "12 -> 13",
         "the default is never used: status() always passes its count"),
        ("def status(db: Database, count: int = 12) -> dict:", "12 -> 11",
         "the default is never used: the one caller, `supervise status`, always passes --months (12 there)"),
        ("def status(db: Database, count: int = 12) -> dict:", "12 -> 13",
         "the default is never used: the one caller, `supervise status`, always passes --months (12 there)"),
    ],
    "therapy_cli/reports/service.py": [
        ("\"WITH \" + _PAIRS + \"SELECT d.id, count(*) FROM d JOIN sessions s ON s.client_id = d.id \"",
         "SQL '>=' -> '>' in 'AND s.starts_utc >= d.until WHERE'",
         "starts_utc is a timestamp and d.until a bare date: they are never equal, so >= and > select the same"),
        ("row[\"treatment_sessions\"], row[\"first_seen\"], row[\"first_treatment\"] = attended.get(row[\"id\"], (0, None, None))",
         "0 -> -1", "a case never seen counts -1, 0 or 1 treatment sessions: all short of the 2 that finish a course, "
         "and the count is not shown"),
        ("row[\"treatment_sessions\"], row[\"first_seen\"], row[\"first_treatment\"] = attended.get(row[\"id\"], (0, None, None))",
         "0 -> 1", "a case never seen counts -1, 0 or 1 treatment sessions: all short of the 2 that finish a course, "
         "and the count is not shown"),
    ],
    "therapy_cli/reports/reminders.py": [
        ("f\"WITH {c.state_ctes()} SELECT c.id, c.name, ({nth}), {f'({nth} OFFSET :back)' if every > 1 else 'NULL'}, \"",
         "Gt -> GtE", "with measures.every 1 the OFFSET 0 subquery reads the same last attended session as the "
         "one before it, which the NULL branch uses"),
        ("f\"WITH {c.state_ctes()} SELECT c.id, c.name, ({nth}), {f'({nth} OFFSET :back)' if every > 1 else 'NULL'}, \"",
         "1 -> 0", "with measures.every 1 the OFFSET 0 subquery reads the same last attended session as the "
         "one before it, which the NULL branch uses"),
        ("if received + booked + 1e-9 >= required:", "GtE -> Gt",
         "with the 1e-9 allowance added, >= and > differ only when received plus booked is exactly 1e-9 short, "
         "which no sum of credited minutes can be"),
        ("if hours + target / 12 + 1e-9 >= pace:", "GtE -> Gt",
         "with the 1e-9 allowance added, >= and > differ only when the hours are exactly 1e-9 short of the "
         "pace, which four-decimal hours against the pace cannot be"),
        ("def reminders(db: Database, within: int = 1, names: bool = False, kinds: list[str] | None = None,",
         "1 -> 2", "the product never uses the default: `remind` always passes --within"),
        ('ids = [r[0] for r in c.db.execute(f"WITH {c.state_ctes()} SELECT DISTINCT p.client_id FROM plans p "',
         "0 -> -1", "the rows have one column: r[0] and r[-1] are the same value"),
    ],
    "therapy_cli/practice/cpd.py": [
        ("return hours + EPSILON >= target", "GtE -> Gt",
         "with the 1e-9 allowance added, >= and > differ only when the hours are exactly 1e-9 short of the "
         "target, which sums of four-decimal hours against a target cannot be"),
    ],
}

_COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq}
_BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_SQL_SWAPS = [(r"(?<=\s)<=(?=\s)", "<"), (r"(?<=\s)>=(?=\s)", ">"), (r"(?<=\s)<(?=\s)", "<="),
              (r"(?<=\s)>(?=\s)", ">="), (r"\bAND\b", "OR")]
_SQL_WORDS = re.compile(r"\b(SELECT|WHERE|FROM|UPDATE|INSERT)\b")


@dataclass
class Mutant:
    line: int
    col: int
    description: str
    source: str


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _segment_replace(source: str, node: ast.AST, text: str) -> str:
    lines = source.splitlines(keepends=True)
    start = sum(len(line) for line in lines[:node.lineno - 1]) + _byte_col(lines[node.lineno - 1], node.col_offset)
    end = sum(len(line) for line in lines[:node.end_lineno - 1]) + _byte_col(lines[node.end_lineno - 1],
                                                                              node.end_col_offset)
    return source[:start] + text + source[end:]


def _byte_col(line: str, col: int) -> int:
    """ast offsets are UTF-8 byte offsets; the source is text."""
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _context(sql: str, match: re.Match) -> str:
    """The words around a mutated SQL operator, to tell apart several in one string."""
    before = " ".join(sql[:match.start()].split()[-2:])
    after = " ".join(sql[match.end():].split()[:2])
    return f"{before} {match.group(0)} {after}"


def mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skip = _docstring_nodes(tree)
    found: list[Mutant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                swap = _COMPARE_SWAP.get(type(op))
                if swap:
                    new = ast.Compare(left=node.left, ops=list(node.ops), comparators=node.comparators)
                    new.ops[index] = swap()
                    found.append(Mutant(node.lineno, node.col_offset, f"{type(op).__name__} -> {swap.__name__}",
                                        _segment_replace(source, node, ast.unparse(new))))
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            new = ast.BoolOp(op=other, values=node.values)
            found.append(Mutant(node.lineno, node.col_offset, f"{type(node.op).__name__} -> {type(other).__name__}",
                                _segment_replace(source, node, f"({ast.unparse(new)})")))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append(Mutant(node.lineno, node.col_offset, "drop not",
                                _segment_replace(source, node, f"({ast.unparse(node.operand)})")))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                continue  # string concatenation or formatting, not arithmetic
            swap = _BINOP_SWAP[type(node.op)]
            new = ast.BinOp(left=node.left, op=swap(), right=node.right)
            found.append(Mutant(node.lineno, node.col_offset, f"{type(node.op).__name__} -> {swap.__name__}",
                                _segment_replace(source, node, f"({ast.unparse(new)})")))
        elif isinstance(node, ast.Constant) and id(node) not in skip:
            value = node.value
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (int, float)):
                for delta in (1, -1):
                    found.append(Mutant(node.lineno, node.col_offset, f"{value!r} -> {value + delta!r}",
                                        _segment_replace(source, node, repr(value + delta))))
            elif isinstance(value, str) and _SQL_WORDS.search(value):
                for pattern, replacement in _SQL_SWAPS:
                    for match in re.finditer(pattern, value):
                        text = value[:match.start()] + replacement + value[match.end():]
                        found.append(Mutant(node.lineno, node.col_offset,
                                            f"SQL {match.group(0)!r} -> {replacement!r} in {_context(value, match)!r}",
                                            _segment_replace(source, node, repr(text))))
    found.sort(key=lambda m: (m.line, m.col, m.description))
    unique, seen = [], set()
    for mutant in found:
        if mutant.source != source and mutant.source not in seen:
            try:
                compile(mutant.source, "<mutant>", "exec")
            except SyntaxError:
                continue
            seen.add(mutant.source)
            unique.append(mutant)
    return unique


def run_tests(work: Path, tests: list[str], timeout: float) -> bool:
    """True when the tests pass (the mutant survived). They run in `work`, a copy of the checkout whose
    package comes first on the path, so the working tree itself is never touched.

    Each run is a forked child of this process, which has already imported pytest, typer, rich and
    hypothesis (never therapy_cli): the child imports the package afresh from `work`, mutant included,
    without paying the interpreter and third-party start-up again."""
    pid = os.fork()
    if pid == 0:  # the child: run pytest, exit with its status, never return
        code = 3
        try:
            os.chdir(work)
            sys.path.insert(0, str(work))
            sys.dont_write_bytecode = True  # the mutated module never gets a .pyc (see _copy_checkout)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            signal.alarm(max(1, int(timeout)))  # a mutant that loops forever is killed
            import pytest

            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests]))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _copy_checkout() -> Path:
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="therapy-mutate-"))
    for name in ("therapy_cli", "tests", "benchmarks", "docs"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, work / name)
    # Compile the copy once, so each run compiles only the mutated module (whose .pyc is removed:
    # a mutant of the same size written in the same second could otherwise reuse a stale one).
    import compileall

    compileall.compile_dir(work / "therapy_cli", quiet=1)
    return work


def _drop_bytecode(work: Path, module: str) -> None:
    path = work / module
    for pyc in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        pyc.unlink()


def _preload() -> None:
    """Import the heavy third-party modules once, in the parent, for every forked run to share."""
    import importlib

    for name in ("pytest", "typer", "typer.testing", "click", "rich", "rich.console", "rich.table",
                 "hypothesis"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    assert not any(m == "therapy_cli" or m.startswith("therapy_cli.") for m in sys.modules), \
        "the parent must not import the package under test"


def _equivalent(module: str, source_lines: list[str], mutant: Mutant) -> str | None:
    """The recorded reason when this mutant was judged equivalent, else None."""
    text = source_lines[mutant.line - 1].strip()
    for line, description, reason, *col in EQUIVALENT.get(module, ()):
        if line == text and description == mutant.description and (not col or col[0] == mutant.col):
            return reason
    return None


def mutate_module(module: str, tests: list[str], limit: int | None = None, timeout: float = 300,
                  lines_only: set[int] | None = None) -> dict:
    import shutil

    original = (ROOT / module).read_text()
    lines = original.splitlines()
    tests = [t for t in tests if (ROOT / t).exists()]
    result = {"module": module, "mutants": 0, "killed": 0, "equivalent": [], "survivors": []}
    if not tests:
        return {**result, "note": "no test files"}
    _preload()
    work = _copy_checkout()
    try:
        started = time.monotonic()
        if not run_tests(work, tests, timeout):
            return {**result, "note": "tests fail unmutated"}
        baseline = time.monotonic() - started
        # The canary: a module that cannot be imported must fail the tests, or the copy is not what runs.
        (work / module).write_text("raise ImportError('mutation canary')\n" + original)
        _drop_bytecode(work, module)
        if run_tests(work, tests, timeout):
            return {**result, "note": "the tests pass without the module: they do not exercise this copy"}
        every = mutants(original)
        for entry in EQUIVALENT.get(module, ()):  # a stale entry (the line changed) must not pass unnoticed
            if not any(_equivalent(module, lines, m) == entry[2] and lines[m.line - 1].strip() == entry[0]
                       and m.description == entry[1] for m in every):
                print(f"warning: no mutant matches the equivalent {entry[:2]!r} any more", file=sys.stderr)
        found = [m for m in every if not lines_only or m.line in lines_only]
        found = found[:limit] if limit else found
        killed = 0
        for number, mutant in enumerate(found, 1):
            reason = _equivalent(module, lines, mutant)
            if reason:
                result["equivalent"].append(f"{module}:{mutant.line}: {mutant.description} ({reason})")
            else:
                (work / module).write_text(mutant.source)
                _drop_bytecode(work, module)
                if run_tests(work, tests, max(timeout, baseline * 5)):
                    result["survivors"].append(f"{module}:{mutant.line}: {mutant.description}")
                    print(f"\r  survived: {result['survivors'][-1]}", file=sys.stderr, flush=True)
                else:
                    killed += 1
            print(f"\r{module}: {number}/{len(found)} mutants, {killed} killed, "
                  f"{len(result['equivalent'])} equivalent", end="", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(file=sys.stderr)
    return {**result, "mutants": len(found), "killed": killed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help="a module path, e.g. therapy_cli/clinical/instruments.py")
    parser.add_argument("tests", nargs="*", help="its test files (default: from the table in this script)")
    parser.add_argument("--all", action="store_true", help="every rule module in the table")
    parser.add_argument("--limit", type=int, help="at most N mutants per module (a quick look)")
    parser.add_argument("--list", action="store_true", help="list the mutants without running anything")
    parser.add_argument("--line", type=int, action="append",
                        help="only the mutants on this line (repeatable): re-check survivors after adding a test")
    parser.add_argument("--verbose", action="store_true", help="also list the mutants judged equivalent, and why")
    args = parser.parse_args(argv)
    if args.all:
        jobs = list(RULES.items())
    elif args.module:
        jobs = [(args.module, args.tests or RULES.get(args.module, []))]
    else:
        parser.error("name a module, or --all")
    if args.list:
        for module, _ in jobs:
            if not (ROOT / module).exists():
                continue
            for mutant in mutants((ROOT / module).read_text()):
                print(f"{module}:{mutant.line}: {mutant.description}")
        return 0
    worst = 1.0
    for module, tests in jobs:
        if not (ROOT / module).exists():
            continue
        result = mutate_module(module, tests, args.limit, lines_only=set(args.line or ()))
        judged = result["mutants"] - len(result["equivalent"])
        score = result["killed"] / judged if judged else 0.0
        worst = min(worst, score)
        print(f"{module}: {result['mutants']} mutants, {result['killed']} killed, "
              f"{len(result['equivalent'])} judged equivalent, score {result['killed']}/{judged} "
              f"({100 * score:.1f}%)" + (f" - {result['note']}" if result.get("note") else ""), flush=True)
        for line in result["survivors"]:
            print(f"  survived: {line}")
        if args.verbose:
            for line in result["equivalent"]:
                print(f"  equivalent: {line}")
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
