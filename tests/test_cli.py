"""The command line as a whole: help everywhere, output discipline, the installed script."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from therapy_cli.docgen import command_tree, help_text


def test_every_command_has_help_with_an_example():
    missing = []
    for path, cmd in command_tree():
        if getattr(cmd, "commands", None):
            assert cmd.help or cmd.short_help, " ".join(path)
            continue
        if "Example:" not in (cmd.help or ""):
            missing.append(" ".join(path))
    assert missing == []


def test_help_runs_for_every_command(cli):
    for path, _ in command_tree():
        result = cli(*path[1:], "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.stdout


def test_usage_errors_exit_2_without_traceback(cli):
    for args in (["client", "add"], ["client", "list", "--status", "gone"], ["nonsense"], ["client", "add", "X", "--bogus"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.stderr


def test_json_goes_to_stdout_alone(cli):
    result = cli("client", "add", "Alex", "--json")
    assert json.loads(result.stdout)["id"] == 1
    assert result.stderr == ""


def test_piped_tables_have_no_colour_or_boxes(cli):
    cli("client", "add", "Alex Morgan")
    out = cli("client", "list").stdout
    assert "\x1b[" not in out and "│" not in out and "┃" not in out
    assert "Alex Morgan" in out


def therapy_command():
    exe = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy")
    return [exe] if exe else [sys.executable, "-m", "therapy_cli"]


def test_installed_command_as_a_subprocess(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "THERAPY_DB": str(tmp_path / "sub" / "caseload.db"),
           "THERAPY_TODAY": "2026-11-27", "HOME": str(tmp_path)}
    run = lambda *a: subprocess.run(therapy_command() + list(a), capture_output=True, text=True, env=env, timeout=60)
    added = run("client", "add", "Alex Morgan", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["status"] == "waiting"
    listed = run("client", "list", "--format", "csv")
    assert listed.stdout.splitlines()[1].startswith("1,Alex Morgan,individual,waiting")
    bad = run("client", "show", "nobody")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ") and bad.stdout == ""
    assert os.stat(tmp_path / "sub" / "caseload.db").st_mode & 0o777 == 0o600
    module = subprocess.run([sys.executable, "-m", "therapy_cli", "--version"], capture_output=True, text=True, env=env)
    assert module.returncode == 0 and module.stdout.startswith("therapy ")


def test_unexpected_errors_show_no_locals_or_data(cli, monkeypatch):
    from therapy_cli.practice import clients

    def boom(*args, **kwargs):
        secret = "Alexandra Canary"  # noqa: F841 - a local that must never be shown
        raise ValueError("Alexandra Canary exploded")

    monkeypatch.setattr(clients, "list_clients", boom)
    from typer.testing import CliRunner

    from therapy_cli.cli import app

    result = CliRunner().invoke(app, ["client", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error (ValueError)")
    assert "Canary" not in result.stderr and "Canary" not in result.stdout


def test_start_up_does_not_import_heavy_modules():
    code = ("import sys; import therapy_cli.cli; "
            "print(','.join(m for m in ('rich', 'sqlite_utils', 'dateutil', 'icalendar', 'pydantic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_an_empty_db_option_is_refused_not_the_default_caseload(cli, tmp_path):
    """`therapy --db "$CASELOAD" ...` with the variable unset read and wrote the personal default file."""
    for args in (["--db", "", "client", "list"], ["--db", " ", "remind"], ["client", "add", "X", "--db", ""],
                 ["--db", "", "db", "path"]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.strip() == "Error: --db is empty; give the caseload file's path (an unset variable in a script?)"


def test_ctrl_d_or_ctrl_c_at_a_question_is_a_no_said_as_every_refusal(jcli, db_path):
    """Ctrl-C or Ctrl-D at 'Remove client #1? [y/N]' printed click's bare 'Aborted!', no Error: line."""
    from conftest import snapshot
    from test_editor import run_on_terminal

    jcli("client", "add", "Zed Young")
    before = snapshot(db_path)
    # Ctrl-D, the end of input, from the terminal itself, once the question is printed (inside the prompt's own
    # guard). Ctrl-C takes the same path (click's Abort), but its signal never reaches a command started by a
    # suite that runs detached (setsid).
    code, text = run_on_terminal(["--db", db_path, "client", "remove", "1"], {}, reply=(b"[y/N]:", b"\x04"))
    assert code == 1, text
    assert text.endswith("\nError: cancelled; nothing was changed\n"), text
    assert "Aborted" not in text and "Traceback" not in text
    assert snapshot(db_path) == before
