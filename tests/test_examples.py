"""Every `Example:` line in every command's help runs successfully against the demo file (SPEC v2)."""

from __future__ import annotations

import shlex
import shutil

import pytest
import typer
from typer.testing import CliRunner

from conftest import TODAY
from therapy_cli.cli import app


def _examples() -> list[tuple[str, str]]:
    """(command path, example line) for every command in the tree, in help order."""
    found = []

    def walk(command, path: str) -> None:
        for line in (command.help or "").splitlines():
            line = line.strip()
            if line.startswith("Example: therapy "):
                found.append((path, line[len("Example: "):]))
        if hasattr(command, "list_commands"):
            for name in command.list_commands(None):
                walk(command.get_command(None, name), f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo caseload, built once for the module."""
    path = tmp_path_factory.mktemp("examples") / "demo.db"
    result = CliRunner().invoke(app, ["--today", TODAY, "demo", "--db", str(path)])
    assert result.exit_code == 0, result.stderr
    return path


def test_every_command_has_examples_to_run():
    assert len(EXAMPLES) > 60
    assert {"session list", "contact remove", "session remove", "report week"} <= {p for p, _ in EXAMPLES}


def _argv(part: str, db: str, tmp) -> list[str] | None:
    """The arguments of one `therapy ...` command of an example, the shell's part done here."""
    words = shlex.split(part.replace("$(date +%F)", TODAY), comments=True)
    if not words or words[0] != "therapy":
        return None                                     # `&& echo ok`: the shell's business
    words = words[1:]
    if ">" in words:                                    # `> file.csv`: a redirection, not an argument
        words = words[:words.index(">")]
    for i, word in enumerate(words):
        if word.startswith("/tmp/"):
            words[i] = str(tmp / word[len("/tmp/"):])   # never write outside the test's own folder
        elif word.startswith("~/"):
            words[i] = str(tmp / "home" / word[2:])
    if "--db" not in words:
        words = ["--db", db] + words
    return words


# What the import examples read, in the shapes their --map options describe.
FILES = {
    "clients.csv": "Client Name,DOB\nJo Example,1990-04-02\n",
    # client 23 of the demo was referred on 2026-11-25: a session after it (none may come before a referral)
    "sessions.csv": "Client ID,Appointment,status\n23,2026-11-26 07:00,attended\n",
    "scores.jsonl": '{"client": "23", "instrument": "PHQ-9", "score": 12, "date": "2026-11-26"}\n',
    "appointments.csv": "Client ID,Date,Time,Status\n23,26/11/2026,07:00,Seen\n",
}


def _prepare(tmp, db) -> None:
    (tmp / "home" / "backups").mkdir(parents=True)
    (tmp / "home" / "therapy").mkdir()
    shutil.copy(db, tmp / "home" / "backups" / "caseload-2026-11-20.db")
    for name, text in FILES.items():
        (tmp / name).write_text(text)
    # practitioners' files for `practice report` (copies of the demo)
    (tmp / "home" / "service" / "caseloads").mkdir(parents=True)
    for name in ("ann.db", "ben.db"):
        shutil.copy(db, tmp / "home" / "service" / "caseloads" / name)
    for name in ("alex.db", "sam.db"):
        shutil.copy(db, tmp / name)


@pytest.mark.parametrize("path, example", EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_example_runs(path, example, demo_file, tmp_path, monkeypatch):
    db = tmp_path / "caseload.db"
    shutil.copy(demo_file, db)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THERAPY_DB", str(db))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _prepare(tmp_path, db)
    runner = CliRunner()
    for part in example.split(" && "):
        if "|" in part:
            part = part.split("|")[0].strip()     # what is piped on is the shell's business
        argv = _argv(part, str(db), tmp_path)
        if argv is None:
            continue
        result = runner.invoke(app, argv, input="")
        assert result.exit_code == 0, (part, result.stdout[-500:], result.stderr[-1000:], result.exception)
