"""`session note ID` with no text on a terminal: the practitioner's editor, under a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from therapy_cli.practice.notes import TEMPLATES

# A stand-in for vim: records what it was given, then saves, empties, leaves, fails or hangs.
FAKE_EDITOR = r'''
import json, os, sys, time
mode, log, path = sys.argv[1], sys.argv[2], sys.argv[-1]
with open(path, encoding="utf-8") as fh:
    before = fh.read()
record = {"path": path, "mode": oct(os.stat(path).st_mode & 0o777), "before": before, "argv": sys.argv[1:-1],
          "tty": os.isatty(0)}
with open(log, "w") as fh:
    json.dump(record, fh)
if mode == "save":
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(sys.argv[3])
elif mode == "append":
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(sys.argv[3])
elif mode == "empty":
    open(path, "w").close()
elif mode == "fail":
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("half a note")
    sys.exit(3)
elif mode == "latin":  # saved in Latin-1, as an editor set to another encoding does
    with open(path, "wb") as fh:
        fh.write(b"caf\xe9 job\n")
elif mode == "meanwhile":  # another command runs while the editor is open (argv[4:]), then the note is saved
    import subprocess
    subprocess.run(sys.argv[4:-1], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(sys.argv[3])
elif mode == "bom":  # saved with a UTF-8 byte-order mark, as some editors (Notepad) write one
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbf" + before.encode("utf-8"))
elif mode == "leave-fail":  # nothing saved, then an error status (vim's :cq)
    sys.exit(1)
elif mode == "hang":  # until Ctrl-C, which kills it as it would kill most programs
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("a note being written")
    with open(log + ".ready", "w") as fh:
        fh.write("ready")
    time.sleep(30)
'''


def _therapy() -> str:
    found = shutil.which("therapy", path=os.path.dirname(sys.executable)) or shutil.which("therapy")
    assert found, "the therapy entry point is not installed"
    return found


@pytest.fixture
def editor(tmp_path):
    """EDITOR for a mode: a command line of several words, as $EDITOR often is (`code --wait`)."""
    script = tmp_path / "fake editor.py"
    script.write_text(FAKE_EDITOR)
    log = tmp_path / "editor.json"

    def command(mode: str, *args: str) -> str:
        return shlex.join([sys.executable, str(script), mode, str(log), *args])

    command.log = log
    return command


def run_on_terminal(args, env: dict, interrupt_when=None, timeout: float = 30,
                    interrupt=None, program: list[str] | None = None,
                    reply: tuple[bytes, bytes] | None = None) -> tuple[int, str]:
    """Run the installed `therapy` with a pseudo-terminal as its controlling terminal.

    `interrupt_when()` → True: type Ctrl-C at the terminal (SIGINT to its foreground group),
    or, with `interrupt=SIG`, send that signal to `therapy` alone. `reply=(prompt, keys)`: type `keys`
    once `prompt` has been printed.
    """
    full_env = {**os.environ, **env}
    for key in [k for k, v in env.items() if v is None]:
        full_env.pop(key)
    argv = [*(program or [_therapy()]), *map(str, args)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once
        try:
            # as a shell starts a job on a terminal: Ctrl-C not ignored, even when these tests run in the
            # background (`pytest &` in a script ignores SIGINT, and the ignoring is inherited across exec)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execve(argv[0], argv, full_env)
        finally:
            os._exit(127)
    output, sent, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if reply is not None and reply[0] in output:
                os.write(fd, reply[1])
                reply = None
            if interrupt_when is not None and not sent and interrupt_when():
                if interrupt is None:
                    os.write(fd, b"\x03")
                else:
                    os.kill(pid, interrupt)
                sent = True
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the terminal's other side closed, the command has ended
                    break
                if not chunk:
                    break
                output += chunk
        else:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"therapy did not finish within {timeout} s: {output!r}")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture
def session(jcli):
    cid = jcli("client", "add", "Alex Morgan")["id"]
    return jcli("session", "add", str(cid), "--at", "2026-11-20 10:00")["id"]


def _notes(db_path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT id, session_id, text, amends_note_id FROM notes ORDER BY id").fetchall()
    finally:
        conn.close()


def _leftovers(db_path: Path) -> list[str]:
    return [p.name for p in db_path.parent.iterdir() if p.name.startswith(".therapy-")]


def test_a_note_written_in_the_editor_is_saved_and_the_private_file_removed(session, editor, db_path):
    code, out = run_on_terminal(["session", "note", session, "--json"],
                                {"EDITOR": editor("save", "Talked about her mother.\nAgreed a diary."),
                                 "VISUAL": None})
    assert code == 0, out
    log = json.loads(editor.log.read_text())
    assert log["tty"] is True
    assert Path(log["path"]).parent == db_path.parent          # beside the database, not /tmp
    assert log["mode"] == "0o600"
    assert log["before"] == ""                                  # no template by default
    assert not Path(log["path"]).exists() and _leftovers(db_path) == []
    assert _notes(db_path) == [(1, session, "Talked about her mother.\nAgreed a diary.", None)]
    assert '"text": "Talked about her mother.\\nAgreed a diary."' in out


def test_visual_wins_over_editor_and_the_template_prefills(session, editor, db_path, cli):
    cli("config", "set", "notes.template", "birp")
    code, out = run_on_terminal(["session", "note", session],
                                {"VISUAL": editor("append", "Client engaged well."), "EDITOR": "false"})
    assert code == 0, out
    assert json.loads(editor.log.read_text())["before"] == TEMPLATES["birp"]
    assert _notes(db_path)[0][2] == (TEMPLATES["birp"] + "Client engaged well.").strip()
    # --template overrides the setting for one note
    code, out = run_on_terminal(["session", "note", session, "--template", "soap"],
                                {"VISUAL": editor("append", "S: tired"), "EDITOR": None})
    assert code == 0, out
    assert json.loads(editor.log.read_text())["before"] == TEMPLATES["soap"]
    assert _notes(db_path)[1][2].startswith("Subjective:")


@pytest.mark.parametrize("mode", ["empty", "unchanged", "bom-empty", "bom-unchanged"])
def test_an_empty_or_unchanged_file_cancels_and_writes_nothing(session, editor, db_path, mode):
    """A byte-order mark is not text: saved before an empty file or the template, it wrote an invisible note."""
    args = ["session", "note", session] + (["--template", "dap"] if mode.endswith("unchanged") else [])
    action = "bom" if mode.startswith("bom") else "empty" if mode == "empty" else "leave"
    code, out = run_on_terminal(args, {"EDITOR": editor(action), "VISUAL": None})
    assert code == 1
    assert "Error: the note was left empty or unchanged; nothing was written" in out
    assert "Traceback" not in out
    assert _notes(db_path) == [] and _leftovers(db_path) == []


def _kept(db_path: Path, session) -> list[Path]:
    mine = f"therapy-unsaved-note-session-{session}-{db_path.stem}-"
    return sorted(p for p in db_path.parent.iterdir() if p.name.startswith(mine))


def _kept_in(out: str, db_path: Path, session) -> bytes:
    """The one Error line names the one file kept (0600); its bytes."""
    errors = [line for line in out.replace("^C", "").splitlines() if line.startswith("Error:")]  # the echoed ^C
    kept = _kept(db_path, session)
    assert len(errors) == 1 and len(kept) == 1 and f"your text is kept in {kept[0]} (mode 0600)" in errors[0], out
    assert kept[0].stat().st_mode & 0o777 == 0o600
    return kept[0].read_bytes()


def test_an_editor_that_fails_after_saving_writes_nothing_and_keeps_what_was_saved(session, editor, db_path):
    """vim can exit 1 after a normal :wq: the note is not written (the editor said something went wrong), but
    what it saved is no longer thrown away with the private file."""
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": editor("fail"), "VISUAL": None})
    assert code == 1
    assert "exited with status 3; the note was not written; your text is kept in" in out
    assert _kept_in(out, db_path, session) == b"half a note"
    assert "check it, run 'therapy session note" in out
    assert _notes(db_path) == [] and _leftovers(db_path) == []


@pytest.mark.parametrize("template", [None, "soap"])
def test_an_editor_that_fails_with_nothing_saved_keeps_no_file(session, editor, db_path, template):
    args = ["session", "note", session, *(["--template", template] if template else [])]
    code, out = run_on_terminal(args, {"EDITOR": editor("leave-fail"), "VISUAL": None})
    assert code == 1
    assert out.strip() == f"Error: the editor ({sys.executable}) exited with status 1; the note was not written"
    assert _kept(db_path, session) == [] and _leftovers(db_path) == [] and _notes(db_path) == []


def test_a_note_saved_in_another_encoding_is_kept_byte_for_byte(session, editor, db_path):
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": editor("latin"), "VISUAL": None})
    assert code == 1
    assert "Error: the note was not saved as UTF-8 text; nothing was written; your text is kept in" in out
    assert "convert it to UTF-8, run" in out
    assert _kept_in(out, db_path, session) == b"caf\xe9 job\n"
    assert _notes(db_path) == [] and _leftovers(db_path) == []


def test_ctrl_c_while_the_editor_is_open_writes_nothing_and_keeps_what_was_saved(session, editor, db_path):
    ready = Path(str(editor.log) + ".ready")
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": editor("hang"), "VISUAL": None},
                                interrupt_when=ready.exists)
    assert code == 130, out
    assert "Error: the editor was interrupted; the note was not written; your text is kept in" in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert _kept_in(out, db_path, session) == b"a note being written"
    assert _notes(db_path) == [] and _leftovers(db_path) == []


def test_a_terminated_command_removes_the_file_and_stops_the_editor(session, editor, db_path):
    ready = Path(str(editor.log) + ".ready")
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": editor("hang"), "VISUAL": None},
                                interrupt_when=ready.exists, interrupt=signal.SIGTERM, timeout=20)
    assert code == 130, out
    assert "stopped (hang-up or TERM) while the note was open; nothing was written; your text is kept in" in out
    assert _kept_in(out, db_path, session) == b"a note being written"
    assert _notes(db_path) == [] and _leftovers(db_path) == []


def test_amending_in_the_editor_starts_from_the_current_text(session, editor, db_path, jcli):
    first = jcli("session", "note", str(session), "First draft")["id"]
    jcli("session", "note", str(session), "Second draft", "--amend", str(first), "--reason", "typo")
    code, out = run_on_terminal(["session", "note", session, "--amend", first, "--reason", "clarified"],
                                {"EDITOR": editor("append", " and more"), "VISUAL": None})
    assert code == 0, out
    assert json.loads(editor.log.read_text())["before"] == "Second draft\n"
    assert _notes(db_path)[-1][2:] == ("Second draft\n and more", first)
    # an amendment left unchanged cancels too
    code, out = run_on_terminal(["session", "note", session, "--amend", first, "--reason", "again"],
                                {"EDITOR": editor("leave"), "VISUAL": None})
    assert code == 1 and "left empty or unchanged" in out
    assert len(_notes(db_path)) == 3


def test_an_amendment_made_meanwhile_is_not_undone_by_the_one_in_the_editor(session, editor, db_path, jcli):
    """While the editor was open on note #1, another command amended it ("date corrected"); saving put the old
    text back as the current one, undoing that correction without a word."""
    first = jcli("session", "note", str(session), "Seen on Tuesday")["id"]
    other = [_therapy(), "session", "note", str(session), "Seen on Wednesday (date corrected)",
             "--amend", str(first), "--reason", "date"]
    code, out = run_on_terminal(["session", "note", session, "--amend", first, "--reason", "more"],
                                {"EDITOR": editor("meanwhile", "Seen on Tuesday; agreed a diary", *other),
                                 "VISUAL": None})
    assert code == 1, out
    assert "note #1 was amended by another command while your editor was open" in out
    assert _kept_in(out, db_path, session) == b"Seen on Tuesday; agreed a diary"
    assert [n[2] for n in _notes(db_path)] == ["Seen on Tuesday", "Seen on Wednesday (date corrected)"]


def test_what_would_be_refused_is_refused_before_the_editor_opens(session, editor, db_path, jcli):
    first = jcli("session", "note", str(session), "First")["id"]
    for args, message in [
        (["session", "note", 999], "no session with id 999"),
        (["session", "note", session, "--amend", first], "needs --reason"),
        (["session", "note", session, "--amend", first, "--reason", "x", "--template", "soap"],
         "--template is for a new note"),
    ]:
        code, out = run_on_terminal(args, {"EDITOR": editor("save", "never"), "VISUAL": None})
        assert code == 1 and f"{message}" in out, out
        assert not editor.log.exists()
    assert len(_notes(db_path)) == 1


def test_a_missing_editor_is_one_error_line(session, db_path):
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": "no-such-editor-xyz --wait",
                                                               "VISUAL": None})
    assert code == 1
    assert out.strip() == "Error: cannot run the editor 'no-such-editor-xyz': not found; set $VISUAL or $EDITOR"
    assert _leftovers(db_path) == []


def test_without_a_terminal_no_text_reads_standard_input(cli, jcli, session, db_path):
    result = cli("session", "note", str(session), "--json", input="Typed into a pipe\n")
    assert result.exit_code == 0, result.stderr
    assert result.json()["text"] == "Typed into a pipe"
    # a file saved with a byte-order mark (`- < notes.txt`): the mark is not part of the note, nor a note alone
    result = cli("session", "note", str(session), "-", "--json", input="\ufeffFrom a Windows file\n")
    assert result.exit_code == 0, result.stderr
    assert result.json()["text"] == "From a Windows file"
    before = _notes(db_path)
    result = cli("session", "note", str(session), "-", input="\ufeff\n")
    assert result.exit_code == 1 and result.stderr.startswith("Error: note must not be empty")
    assert _notes(db_path) == before
    result = cli("session", "note", str(session), "Given", "--template", "soap")
    assert result.exit_code == 2 and "--template opens your editor" in result.stderr


@pytest.mark.parametrize("written, message", [
    ("Pasted from the letter:\x1b[2K agreed a plan", "control character"),
    ("x" * 20_001, "at most 20000 characters"),
])
def test_a_note_refused_after_the_editor_closes_is_kept_in_a_private_file(session, editor, db_path, written,
                                                                           message):
    def kept() -> set[Path]:
        mine = f"therapy-unsaved-note-session-{session}-{db_path.stem}-"
        return {p for p in db_path.parent.iterdir() if p.name.startswith(mine)}

    files = []
    for attempt in (1, 2):   # refused twice within a second: the second is kept beside the first, not over it
        before = kept()
        code, out = run_on_terminal(["--db", db_path, "session", "note", session],
                                    {"EDITOR": editor("save", f"{attempt} {written}"), "VISUAL": None})
        assert code == 1, out
        errors = [line for line in out.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and message in errors[0] and "your text is kept in" in errors[0], out
        assert "Traceback" not in out and _notes(db_path) == [] and _leftovers(db_path) == []
        new = kept() - before
        assert len(new) == 1 and next(iter(new)).name in errors[0]
        files += new
    assert [p.read_text(encoding="utf-8") for p in files] == [f"1 {written}", f"2 {written}"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    # corrected, the command the error gives writes it
    files[1].write_text("Pasted from the letter: agreed a plan", encoding="utf-8")
    command = errors[0].split("run '", 1)[1].split("', then", 1)[0]
    done = subprocess.run(command, shell=True, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{os.path.dirname(_therapy())}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert _notes(db_path) == [(1, session, "Pasted from the letter: agreed a plan", None)]


def test_a_note_written_while_another_command_holds_the_file_is_kept(session, editor, db_path):
    # a second process holds the write lock past the busy timeout (0.2 s here, 30 s in use) as the editor closes
    quick = [sys.executable, "-c", "import sys; import therapy_cli.storage.db as d; d.BUSY_TIMEOUT_MS = 200; "
             "sys.argv[0] = 'therapy'; from therapy_cli.fast import main; main()"]
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out = run_on_terminal(["session", "note", session],
                                    {"EDITOR": editor("save", "Long careful note"), "VISUAL": None}, program=quick)
    finally:
        holder.rollback()
        holder.close()
    assert code == 1, out
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "is busy" in errors[0] and "your text is kept in" in errors[0], out
    kept = [p for p in db_path.parent.iterdir() if p.name.startswith("therapy-unsaved-note-")]
    assert [p.read_text() for p in kept] == ["Long careful note"]
    assert _notes(db_path) == []


def test_ctrl_c_while_the_note_waits_for_a_busy_caseload_keeps_the_note(session, editor, db_path):
    """The editor closed, the write waited for another command's lock, Ctrl-C: the note was lost, with `^C`."""
    slow = [sys.executable, "-c", "import sys; import therapy_cli.storage.db as d; d.BUSY_TIMEOUT_MS = 3000; "
            "sys.argv[0] = 'therapy'; from therapy_cli.fast import main; main()"]
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN IMMEDIATE")
    seen = []

    def editor_closed() -> bool:   # the fake editor logs, saves and exits at once; Ctrl-C lands in the wait
        if editor.log.exists():
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 1.0

    try:
        code, out = run_on_terminal(["session", "note", session],
                                    {"EDITOR": editor("save", "Long careful note"), "VISUAL": None}, program=slow,
                                    interrupt_when=editor_closed)
    finally:
        holder.rollback()
        holder.close()
    assert code == 130, out
    assert "interrupted; the note was not written" in out and "Traceback" not in out
    assert _kept_in(out, db_path, session) == b"Long careful note"
    assert _notes(db_path) == [] and _leftovers(db_path) == []


def test_a_draft_left_by_a_killed_command_goes_with_the_next_write(session, editor, db_path, jcli):
    """kill -9 while the editor was open left `.therapy-note-….txt` holding the note, and nothing ever removed
    it (not even erasing the client): it now has the one temporary name, swept by the next write."""
    ready = Path(str(editor.log) + ".ready")
    code, out = run_on_terminal(["session", "note", session], {"EDITOR": editor("hang"), "VISUAL": None},
                                interrupt_when=ready.exists, interrupt=signal.SIGKILL, timeout=40)
    assert code == -signal.SIGKILL or code == 128 + signal.SIGKILL, (code, out)
    left = _leftovers(db_path)
    assert len(left) == 1 and left[0].startswith(".therapy-tmp-"), left
    jcli("session", "add", "alex", "--at", "2026-11-21 10:00")     # any write: its process is gone
    assert _leftovers(db_path) == [] and _notes(db_path) == []


def test_erasing_a_client_removes_the_unsaved_notes_of_their_sessions(session, editor, db_path, jcli, cli):
    """A note refused once written is kept beside the caseload; erasing its client left it there, unmentioned.
    Erasure now removes the unsaved-note files of the client's own sessions, and says how many."""
    other = jcli("client", "add", "Bea Other")["id"]
    other_session = jcli("session", "add", str(other), "--at", "2026-11-21 10:00")["id"]
    couple = jcli("client", "add", "Lee couple", "--kind", "couple", "--member", "alex", "--member", "bea")["id"]
    couple_session = jcli("session", "add", str(couple), "--at", "2026-11-22 10:00")["id"]
    for sid in (session, other_session, couple_session, session):
        code, out = run_on_terminal(["session", "note", sid],
                                    {"EDITOR": editor("save", f"{sid}: pasted \x1b[2K text"), "VISUAL": None})
        assert code == 1 and "your text is kept in" in out, out
    look_alike = db_path.parent / f"therapy-unsaved-note-session-{session}1-{db_path.stem}-20261120-100000.txt"
    look_alike.write_text("session 11's, not 1's")   # a session id that only begins like the erased one's
    # another caseload's draft of a session with the same id (demo.db beside caseload.db): never this erasure's
    theirs = db_path.parent / f"therapy-unsaved-note-session-{session}-demo-20261120-100000.txt"
    theirs.write_text("the demo's session 1")
    assert len(_kept(db_path, session)) == 2

    # a refused erasure (still in treatment) removes nothing
    refused = cli("client", "erase", "alex", "--yes", "--force", "--reason", "request")
    assert refused.exit_code == 1 and len(_kept(db_path, session)) == 2
    cli("client", "discharge", "alex")
    done = cli("client", "erase", "alex", "--yes", "--force", "--reason", "request", "--json")
    assert done.exit_code == 0, done.stderr
    assert done.json()["unsaved_notes_removed"] == 2
    assert "Removed 2 unsaved note files of client #1's sessions." in done.stderr
    left = sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith("therapy-unsaved-note-"))
    # the couple's session is the couple's record, not the erased member's: its draft stays with it
    assert sorted((name.split("-")[4], name.split("-")[5]) for name in left) == sorted(
        [(f"{session}1", db_path.stem), (str(other_session), db_path.stem), (str(couple_session), db_path.stem),
         (str(session), "demo")]), left


def test_an_unsaved_note_erasure_cannot_remove_is_named_in_a_warning(session, db_path, jcli, cli):
    # something by the name that cannot be unlinked (a directory: root may unlink any file)
    stuck = db_path.parent / f"therapy-unsaved-note-session-{session}-{db_path.stem}-20261120-100000.txt"
    stuck.mkdir()
    (stuck / "inside").write_text("x")
    cli("client", "discharge", "alex")
    done = cli("client", "erase", "alex", "--yes", "--force", "--reason", "request", "--json")
    assert done.exit_code == 0 and done.json()["unsaved_notes_removed"] == 0
    assert f"Warning: could not remove the unsaved note file {stuck} (" in done.stderr
    assert "Traceback" not in done.stderr and "Alex" not in done.stderr
