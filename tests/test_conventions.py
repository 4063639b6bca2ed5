"""Conventions users expect of a command-line tool: completion, a pager, a licence, honest metadata."""

from __future__ import annotations

import ast
import os
import pty
import select
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def therapy() -> list[str]:
    script = Path(sys.executable).with_name("therapy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "therapy_cli"]


def in_terminal(args: list[str], env: dict, rows: int = 24, cols: int = 100, timeout: float = 60) -> tuple[int, str]:
    """Run the console script with a real pseudo-terminal as its stdin, stdout and stderr."""
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal's size, then the command
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execve(args[0], args, env)
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    env = {**os.environ, "THERAPY_TODAY": "2026-11-27", "TZ": "Europe/London"}
    subprocess.run([*therapy(), "demo", "--db", str(path)], env=env, check=True, capture_output=True)
    return path


def _env(tmp_path, demo_file, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PAGER")}
    env.update({"THERAPY_DB": str(demo_file), "THERAPY_TODAY": "2026-11-27", "TZ": "Europe/London",
                "TERM": "xterm", "HOME": str(tmp_path)})
    env.update(extra)
    return env


# -- the pager -------------------------------------------------------------------------

def test_a_long_table_on_a_terminal_goes_through_the_pager(tmp_path, demo_file):
    if len(therapy()) != 1:
        pytest.skip("needs the installed console script")
    paged = tmp_path / "paged.txt"
    env = _env(tmp_path, demo_file, PAGER=f"sh -c 'cat > {paged}'")
    code, screen = in_terminal([*therapy(), "session", "list", "--from", "2026-01-01", "--to", "2026-11-27"], env)
    assert code == 0, screen
    text = paged.read_text()
    assert text.count("\n") > 100            # the whole table went to the pager ...
    assert "attended" in text
    assert text.count("\n") > screen.count("\n") + 50    # ... not to the screen


def test_no_pager_option_and_short_output_and_pipes_are_never_paged(tmp_path, demo_file):
    if len(therapy()) != 1:
        pytest.skip("needs the installed console script")
    paged = tmp_path / "paged.txt"
    env = _env(tmp_path, demo_file, PAGER=f"sh -c 'cat > {paged}'")
    code, screen = in_terminal([*therapy(), "--no-pager", "session", "list", "--from", "2026-01-01",
                                "--to", "2026-11-27"], env)
    assert code == 0 and not paged.exists()
    assert screen.count("\n") > 100                      # printed straight to the terminal
    code, screen = in_terminal([*therapy(), "cpd", "status"], env)
    assert code == 0 and not paged.exists()              # fits on the screen
    piped = subprocess.run([*therapy(), "session", "list", "--from", "2026-01-01", "--to", "2026-11-27"],
                           env=env, capture_output=True, text=True)
    assert piped.returncode == 0 and not paged.exists()
    assert piped.stdout.count("\n") > 100
    code, screen = in_terminal([*therapy(), "session", "list", "--from", "2026-01-01", "--to", "2026-11-27",
                                "--json"], env)
    assert code == 0 and not paged.exists()              # JSON is for scripts: never paged


def test_a_pager_that_cannot_start_falls_back_to_printing(tmp_path, demo_file):
    if len(therapy()) != 1:
        pytest.skip("needs the installed console script")
    env = _env(tmp_path, demo_file, PAGER="/nonexistent/pager")
    code, screen = in_terminal([*therapy(), "session", "list", "--from", "2026-01-01", "--to", "2026-11-27"], env)
    assert code == 0 and screen.count("\n") > 100 and "Traceback" not in screen


def test_a_new_file_is_said_at_a_terminal_so_a_mistyped_path_is_not_taken_for_an_empty_caseload(tmp_path):
    if len(therapy()) != 1:
        pytest.skip("needs the installed console script")
    typo = tmp_path / "sub" / "casload.db"
    env = {**os.environ, "THERAPY_DB": str(typo), "THERAPY_TODAY": "2026-11-27", "HOME": str(tmp_path),
           "TERM": "xterm", "NO_COLOR": "1"}
    code, screen = in_terminal([*therapy(), "client", "list"], env)
    assert code == 0 and "Nothing to show." in screen
    assert f"Created a new, empty caseload: {typo} (no file was there;" in " ".join(screen.split())
    assert oct(typo.stat().st_mode & 0o777) == "0o600"                     # created as SPEC says
    code, screen = in_terminal([*therapy(), "client", "list"], env)        # said once: the file is there now
    assert code == 0 and "Created" not in screen
    # no terminal (a script, cron): nothing said, so a first `remind` stays silent
    fresh = {**env, "THERAPY_DB": str(tmp_path / "cron.db")}
    done = subprocess.run([*therapy(), "remind"], env=fresh, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


# -- shell completion ----------------------------------------------------------------------

def test_shell_completion_completes_commands_and_options_of_the_lazy_tree(tmp_path):
    env = {**os.environ, "_THERAPY_COMPLETE": "complete_bash", "HOME": str(tmp_path)}
    for words, cword, expected in (("therapy cl", "1", "client"), ("therapy client dis", "2", "discharge"),
                                   ("therapy session list --st", "3", "--status")):
        done = subprocess.run(therapy(), env={**env, "COMP_WORDS": words, "COMP_CWORD": cword},
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout.split(), (words, done.stdout)


def test_show_completion_prints_a_script_for_the_shell(tmp_path):
    # "for the current shell": Typer finds it among the command's parent processes, so it is run from bash as a
    # user runs it (the test runner itself may have been started with no shell above it, as by cron)
    done = subprocess.run(["bash", "-c", '"$@" --show-completion; exit $?', "bash", *therapy()],
                          capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "_THERAPY_COMPLETE" in done.stdout and "complete" in done.stdout
    assert "--install-completion" in subprocess.run([*therapy(), "--help"], capture_output=True, text=True).stdout


# -- licence and metadata ---------------------------------------------------------------------

def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_licence_file_matches_the_declared_licence():
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert project["urls"]["Issues"].endswith("/issues")
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in project["classifiers"])


def _imported_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "therapy_cli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


IMPORT_NAMES = {"python-dateutil": "dateutil"}


def test_every_declared_dependency_is_used_and_bounded():
    used = _imported_modules()
    for requirement in _pyproject()["project"]["dependencies"]:
        name = requirement.split(">")[0].split("<")[0].split("=")[0].strip()
        module = IMPORT_NAMES.get(name, name.replace("-", "_"))
        assert module in used, f"{name} is declared but never imported by therapy_cli"
        assert "<" in requirement, f"{name} has no upper bound"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_every_optional_extra_names_something_real():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert "sqlcipher3" in " ".join(extras["encryption"])
    assert any(r.startswith("pytest") for r in extras["test"])
