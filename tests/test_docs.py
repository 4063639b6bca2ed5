"""Generated docs cannot drift from the code."""

from therapy_cli import docgen


def test_generated_docs_are_current():
    assert docgen.stale() == [], "run: python -m therapy_cli.docgen"


def test_readme_quick_start_has_exactly_two_commands():
    text = (docgen.DOCS.parent / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = quick.split("```sh")[1:]
    assert len(blocks) == 2
    assert all(len(b.split("```")[0].strip().splitlines()) == 1 for b in blocks)
    assert "pytest" in blocks[1]


def test_docgen_help_or_a_typo_writes_nothing(tmp_path):
    """`python -m therapy_cli.docgen --help` rewrote the four generated files."""
    import subprocess
    import sys

    from therapy_cli import docgen

    before = {name: docgen._target(name).stat().st_mtime_ns for name in docgen.GENERATED}
    for args, code in ((["--help"], 0), (["--chek"], 2)):
        done = subprocess.run([sys.executable, "-m", "therapy_cli.docgen", *args], capture_output=True, text=True)
        assert done.returncode == code and "usage: python -m therapy_cli.docgen [--check]" in done.stderr
    assert {name: docgen._target(name).stat().st_mtime_ns for name in docgen.GENERATED} == before
