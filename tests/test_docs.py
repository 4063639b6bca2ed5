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
