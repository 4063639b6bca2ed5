"""render.to_json writes exactly what json.dumps(indent=2, ensure_ascii=False, default=str) writes."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest

from therapy_cli import render

LEAVES = [None, True, False, 0, 1, -7, 10**30, 0.1, -0.0, 2.0, 1e-300, float("nan"), float("inf"), float("-inf"),
          "", "plain", "é ü 漢字", "quote \" back \\ slash", "line\nbreak\ttab\x00\x1f\u2028", "\ud800",
          date(2026, 11, 27), Decimal("1.10")]
KEYS = ["a", "b", "é", "", "key \"q\"", 1, -2, 2.5, True, False, None]


def _document(rnd: random.Random, depth: int = 0):
    roll = rnd.random()
    if depth > 3 or roll < 0.4:
        return rnd.choice(LEAVES)
    if roll < 0.7:
        items = [_document(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
        return items if rnd.random() < 0.8 else tuple(items)
    return {rnd.choice(KEYS): _document(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


def test_random_documents_are_written_as_json_dumps_writes_them():
    rnd = random.Random(2026)
    for _ in range(5000):
        document = _document(rnd)
        assert render.to_json(document) == json.dumps(document, indent=2, ensure_ascii=False, default=str)


def test_a_report_shaped_document_and_the_edges():
    report = [{"client_id": 3, "name": "Alex Morgan", "latest_scores": {"PHQ-9": {"score": 12, "caseness": True}},
               "risk": None, "scores": [], "plan": {}, "hours": 3.1667, "when": date(2026, 11, 27)}]
    assert render.to_json(report) == json.dumps(report, indent=2, ensure_ascii=False, default=str)
    assert render.to_json([]) == "[]" and render.to_json({}) == "{}" and render.to_json("x") == '"x"'
    with pytest.raises(TypeError):
        render.to_json({(1, 2): "a tuple key is refused, as json.dumps refuses it"})


def test_on_a_terminal_a_records_own_brackets_and_colons_are_shown_as_typed(monkeypatch, cli, jcli):
    """A note or name holding `[/]` stopped `session note` on a terminal with "internal error (MarkupError);
    nothing was changed" after the note was written; `[x]` vanished and `:smile:` became an emoji."""
    monkeypatch.setattr(render, "fancy", lambda: True)
    text = "Said [/] then [bold]x[/bold] and [x] :smile:"
    cid = jcli("client", "add", "Jo [/] Smith")["id"]
    sid = jcli("session", "add", str(cid), "--at", "2026-11-20 10:00")["id"]
    for args in (("session", "note", sid, text), ("client", "show", cid), ("client", "list"),
                 ("note", "search", "said")):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert "Error" not in result.stderr
    shown = " ".join(cli("session", "note", sid, text + " again").stdout.split())
    assert "[/] then [bold]x[/bold] and [x] :smile:" in shown
    assert "Jo [/] Smith" in cli("client", "show", cid).stdout
