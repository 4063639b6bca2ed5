"""The README's walk-through works as written, command by command."""

import shlex
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough_commands():
    text = README.read_text()
    block = text.split("## A week with `therapy`", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        for part in line.split(" ; "):
            words = shlex.split(part, comments=True)
            if words and words[0] == "therapy":
                commands.append(words[1:])
    return commands


def test_readme_walkthrough_runs(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    commands = walkthrough_commands()
    assert len(commands) > 20
    for args in commands:
        args = [str(tmp_path / a[2:]) if a.startswith("~/") else a for a in args]
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
    assert (tmp_path / "alex.html").exists() and (tmp_path / "therapy.ics").exists()
