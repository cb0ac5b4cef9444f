"""Documents with characters Python breaks lines at but LSP does not (form feeds, ``\\u2028``
and the rest): the server must see the lines the editor shows, while typing and without.

Before, the server split its copy of the document like ``str.splitlines``: the user's typing
landed elsewhere in it, a Refactor wrote into the wrong place and still said it was done.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    execute,
    rng,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import Chunk, FakePoe, Script

ALL_ODD = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character ``str.splitlines`` breaks at that LSP does not."""
LONG = "".join(f"line_{i} = {i}\n" for i in range(20))


@pytest.fixture
def editor(opted_in: LanguageClient) -> Editor:
    """The editor model of :func:`opted_in`."""
    session: Editor = opted_in.editor  # type: ignore[attr-defined]
    return session


def _answer(code: str) -> list[Chunk | str]:
    return ["```python\n", *code.splitlines(keepends=True), "```\n"]


def _pos(line: int, character: int) -> t.Position:
    return t.Position(line=line, character=character)


def _field(params: Any, name: str) -> Any:
    return params[name] if isinstance(params, dict) else getattr(params, name)


async def _ended(client: LanguageClient, count: int) -> list[dict[str, Any]]:
    """The ``poe/jobEnded`` params (``outcome`` and ``message``) once ``count`` jobs ended."""
    for _ in range(500):
        if len(client.job_events) >= count:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.02)
    events: list[Any] = list(client.job_events)  # type: ignore[attr-defined]
    assert len(events) >= count, f"{len(events)} jobs ended, expected {count}"
    return [{k: _field(e, k) for k in ("outcome", "message")} for e in events]


def _warnings(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type <= t.MessageType.Warning]


@pytest.mark.parametrize("odd", ["\x0c", "\u2028"], ids=["form-feed", "line-separator"])
async def test_typing_above_while_it_streams_below_an_odd_break(
    editor: Editor, poe: FakePoe, odd: str
) -> None:
    text = f"import os\n{odd}\nXY = 2  # {odd} note\n\ndef f(x):\n    return x+1\n\nprint(f(1))\n"
    uri = (editor.root / "m.py").as_uri()
    editor.open(uri, text)
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.03))
    arguments = {"textDocument": {"uri": uri}, "range": rng(4, 0, 6, 0)}
    await execute(editor.client, "poe.refactor", arguments)
    await editor.wait_for_edits(2)
    editor.type(uri, t.Range(start=_pos(0, 0), end=_pos(0, 0)), "# typed first\n")
    await editor.wait_for_edits(len(editor.edits) + 2)
    editor.type(uri, t.Range(start=_pos(3, 2), end=_pos(3, 2)), "b")
    (refactor,) = await _ended(editor.client, 1)

    typed = f"# typed first\nimport os\n{odd}\nXYb = 2  # {odd} note\n\n"
    assert editor.text(uri) == typed + LONG + "\nprint(f(1))\n"
    assert refactor["outcome"] == "done", refactor["message"]
    assert _warnings(editor.client) == []

    # The server's copy is the editor's: explaining line 3 quotes exactly that line.
    poe.set_script("Explainer", Script(chunks=["It sets XYb."]))
    explain = {"textDocument": {"uri": uri}, "range": rng(3, 0, 4, 0), "bot": "Explainer"}
    await execute(editor.client, "poe.explain", explain)
    _, explained = await _ended(editor.client, 2)
    assert explained["outcome"] == "done", explained["message"]
    prompt = poe.requests[-1].messages[-1]["content"]
    assert "Selected lines 4-4." in prompt
    assert f"The selection:\n```python\nXYb = 2  # {odd} note\n```" in prompt
    assert f"Code before the selection:\n```python\n# typed first\nimport os\n{odd}\n```" in prompt


async def test_a_refactor_below_every_odd_break_replaces_exactly_its_lines(
    editor: Editor, poe: FakePoe
) -> None:
    above = "".join(f"x{i} = '{ch}'{ch}# {ch}\n{ch}\n" for i, ch in enumerate(ALL_ODD))
    text = above + "def f(x):\n    return x+1\n\nprint(f(1))\n"
    first = 2 * len(ALL_ODD)
    uri = (editor.root / "m.py").as_uri()
    editor.open(uri, text)
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.03))
    arguments = {"textDocument": {"uri": uri}, "range": rng(first, 0, first + 2, 0)}
    await execute(editor.client, "poe.refactor", arguments)
    (refactor,) = await _ended(editor.client, 1)

    assert editor.text(uri) == above + LONG + "\nprint(f(1))\n"
    assert refactor["outcome"] == "done", refactor["message"]
    assert _warnings(editor.client) == [], "no false 'you edited the region'"
    (reports,) = await wait_for_progress_end(editor.client)
    assert reports[-1].message.startswith("Code finished")
    assert len(editor.edits) >= 2, "the answer streamed in several edits"
    prompt = poe.requests[-1].messages[-1]["content"]
    assert f"Selected lines {first + 1}-{first + 2}." in prompt
    assert "The selection:\n```python\ndef f(x):\n    return x+1\n```" in prompt
