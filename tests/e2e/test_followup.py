"""Follow-ups (``poe.followUp``) and suggested replies, end to end: real server, real
fastapi_poe, fake Poe bot."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    CLIENTS,
    SERVER,
    execute,
    rng,
    settings_for,
    start_session,
    wait_for_job_events,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import Chunk, FakePoe, Script

SOURCE = (
    "import math\n\n\ndef area(r):\n    x = math.pi * r * r\n    return x\n\n\nprint(area(2))\n"
)
FIRST = "def area(r):\n    return math.pi * r * r\n"
SECOND = (
    'def area(r: float) -> float:\n    """The area of a circle."""\n    return math.pi * r**2\n'
)
TESTS_FIRST = "def test_area():\n    assert area(1) == math.pi\n"
TESTS_SECOND = "def test_area_of_two():\n    assert area(2) == 4 * math.pi\n"


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def followup(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A VS Code-like and a Neovim-like client, opted in to ``poe/jobEnded``."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client,
        request.param,
        tmp_path,
        settings_for(poe),
        experimental={"poeJobEvents": True},
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(followup: LanguageClient) -> Editor:
    session: Editor = followup.editor  # type: ignore[attr-defined]
    return session


def _fenced(code: str) -> list[str | Chunk]:
    text = f"```python\n{code}```\n"
    return [text[i : i + 12] for i in range(0, len(text), 12)]


def _range(a: int, b: int, c: int, d: int) -> t.Range:
    return t.Range(start=t.Position(line=a, character=b), end=t.Position(line=c, character=d))


def _open(editor: Editor) -> str:
    uri = (editor.root / "geometry.py").as_uri()
    editor.open(uri, SOURCE)
    return uri


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _refactor(editor: Editor, poe: FakePoe, uri: str, chunks: list[str | Chunk]) -> str:
    poe.set_script("Code", Script(chunks=chunks))
    started = await execute(
        editor.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(3, 0, 6, 0)}
    )
    await wait_for_job_events(editor.client, len(editor.client.job_events) + 1)  # type: ignore[attr-defined]
    return str(started["jobId"])


async def _actions(editor: Editor, uri: str, where: t.Range) -> list[t.CodeAction]:
    result = await editor.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=where,
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in result or [] if isinstance(a, t.CodeAction)]


async def test_a_follow_up_carries_the_turns_and_replaces_the_moved_region(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    job = await _refactor(editor, poe, uri, _fenced(FIRST))
    assert editor.text(uri) == SOURCE.replace(
        "def area(r):\n    x = math.pi * r * r\n    return x\n", FIRST
    )
    editor.type(uri, _range(0, 0, 0, 0), "# geometry\n# of circles\n")  # lines above: it moves
    poe.set_script("Code", Script(chunks=_fenced(SECOND)))

    started = await execute(
        editor.client, "poe.followUp", {"jobId": job, "instruction": "Add types"}
    )

    (_, second) = await wait_for_job_events(editor.client, 2)
    assert second.jobId == started["jobId"] != job and second.outcome == "done"
    assert second.action == "refactor"
    expected = "# geometry\n# of circles\n" + SOURCE.replace(
        "def area(r):\n    x = math.pi * r * r\n    return x\n", SECOND
    )
    assert editor.text(uri) == expected
    asked, followed = poe.requests
    assert [m["role"] for m in followed.messages] == ["system", "user", "bot", "user"]
    assert followed.messages[:2] == asked.messages
    assert followed.messages[2]["content"] == "".join(str(c) for c in _fenced(FIRST))
    assert "Follow-up instruction: Add types" in followed.messages[3]["content"]
    assert followed.bot == "Code"
    sent = await execute(editor.client, "poe.sent", {"jobId": started["jobId"]})
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "bot", "user"]
    reports = await wait_for_progress_end(editor.client, 2)
    assert "Poe: Follow up (Refactor)" in {r[0].title for r in reports}
    # The follow-up's own conversation goes on: a second follow-up sends five turns.
    poe.set_script("Code", Script(chunks=_fenced(FIRST)))
    await execute(editor.client, "poe.followUp", {"jobId": started["jobId"], "instruction": "Undo"})
    await wait_for_job_events(editor.client, 3)
    roles = [m["role"] for m in poe.requests[2].messages]
    assert roles == ["system", "user", "bot", "user", "bot", "user"]
    assert FIRST in editor.text(uri) and editor.text(uri).startswith("# geometry\n")


async def test_follow_ups_on_an_unknown_a_running_or_an_edited_away_job_are_refused(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    with pytest.raises(Exception, match="no finished Poe job refactor-99"):
        await execute(editor.client, "poe.followUp", {"jobId": "refactor-99", "instruction": "x"})
    assert poe.requests == []

    poe.set_script("Code", Script(chunks=_fenced(FIRST), first_delay=5.0))
    running = await execute(
        editor.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(3, 0, 6, 0)}
    )
    await _until(lambda: len(poe.requests) == 1)
    with pytest.raises(Exception, match="still running"):
        await execute(
            editor.client, "poe.followUp", {"jobId": running["jobId"], "instruction": "x"}
        )
    await execute(editor.client, "poe.cancel", {"jobId": running["jobId"]})
    await wait_for_job_events(editor.client, 1)
    assert len(poe.requests) == 1

    job = await _refactor(editor, poe, uri, _fenced(FIRST))
    assert len(poe.requests) == 2
    editor.type(uri, _range(2, 0, 6, 0), "")  # the user deletes the answer (and a line above)
    with pytest.raises(Exception, match="deleted or overwritten"):
        await execute(editor.client, "poe.followUp", {"jobId": job, "instruction": "x"})
    with pytest.raises(Exception, match="needs an instruction"):
        await execute(editor.client, "poe.followUp", {"jobId": job, "instruction": " "})
    assert len(poe.requests) == 2, "nothing more was sent to the bot"


async def test_an_explain_follow_up_adds_to_the_hover(editor: Editor, poe: FakePoe) -> None:
    uri = _open(editor)
    poe.set_script("Code", Script(chunks=["`area` computes ", "a circle's area."]))
    started = await execute(
        editor.client, "poe.explain", {"textDocument": {"uri": uri}, "range": rng(3, 0, 6, 0)}
    )
    await wait_for_job_events(editor.client, 1)
    poe.set_script("Code", Script(chunks=["It takes ", "the radius."]))

    await execute(
        editor.client, "poe.followUp", {"jobId": started["jobId"], "instruction": "What is r?"}
    )

    (_, ended) = await wait_for_job_events(editor.client, 2)
    assert ended.action == "explain" and ended.outcome == "done"
    hover = await editor.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(4, 4))
    )
    assert hover is not None
    shown = str(hover.contents)
    assert "`area` computes a circle's area." in shown
    assert "**Follow-up:** What is r?" in shown and "It takes the radius." in shown
    assert shown.index("a circle's area.") < shown.index("It takes the radius.")
    assert "It takes the radius." in (ended.explanation or "")
    assert editor.text(uri) == SOURCE
    assert [m["role"] for m in poe.requests[1].messages] == ["system", "user", "bot", "user"]


async def test_suggested_replies_are_code_actions_that_send_the_follow_up(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    hostile = "Make it\u202e evil\nand " + "long " * 40
    replies = ["Add type hints", hostile, "Third", "Fourth"]
    chunks = [*_fenced(FIRST), *(Chunk(r, suggested=True) for r in replies)]
    job = await _refactor(editor, poe, uri, chunks)
    assert FIRST in editor.text(uri)

    offered = [
        a for a in await _actions(editor, uri, _range(4, 2, 4, 2)) if a.kind == "poe.followUp"
    ]

    titles = [a.title for a in offered]
    assert titles[0] == "Poe: Add type hints" and len(titles) == 3, titles
    for title in titles:
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in title), repr(title)
        assert len(title) <= len("Poe: ") + 60
    assert "\\u202e" in titles[1]
    outside = await _actions(editor, uri, _range(8, 0, 8, 0))
    assert not [a for a in outside if a.kind == "poe.followUp"], "only on the job's region"
    action = offered[0]
    assert action.command is not None and action.command.command == "poe.followUp"
    assert list(action.command.arguments or []) == [{"jobId": job, "instruction": "Add type hints"}]

    poe.set_script("Code", Script(chunks=_fenced(SECOND)))
    await execute(editor.client, action.command.command, *action.command.arguments)

    await wait_for_job_events(editor.client, 2)
    assert "Follow-up instruction: Add type hints" in poe.requests[1].messages[-1]["content"]
    assert SECOND in editor.text(uri)


async def test_a_write_tests_follow_up_replaces_the_tests_it_wrote(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    poe.set_script("Code", Script(chunks=_fenced(TESTS_FIRST)))
    started = await execute(
        editor.client, "poe.writeTests", {"textDocument": {"uri": uri}, "range": rng(3, 0, 6, 0)}
    )
    (ended,) = await wait_for_job_events(editor.client, 1)
    tests_uri = ended.targetUri
    written = editor.text(tests_uri)
    assert TESTS_FIRST in written
    poe.set_script("Code", Script(chunks=_fenced(TESTS_SECOND)))

    await execute(
        editor.client, "poe.followUp", {"jobId": started["jobId"], "instruction": "Test r=2"}
    )

    (_, again) = await wait_for_job_events(editor.client, 2)
    assert again.outcome == "done" and again.targetUri == tests_uri
    assert editor.text(tests_uri) == written.replace(TESTS_FIRST, TESTS_SECOND)
    assert "replace the tests of your last answer" in poe.requests[1].messages[-1]["content"]


async def test_cancelling_a_follow_up_puts_the_first_answer_back(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    job = await _refactor(editor, poe, uri, _fenced(FIRST))
    after_first = editor.text(uri)
    edits = len(editor.edits)
    poe.set_script("Code", Script(chunks=_fenced(SECOND), delay=0.3))
    started = await execute(editor.client, "poe.followUp", {"jobId": job, "instruction": "More"})
    await editor.wait_for_edits(edits + 1)
    assert editor.text(uri) != after_first

    await execute(editor.client, "poe.cancel", {"jobId": started["jobId"]})

    (_, ended) = await wait_for_job_events(editor.client, 2)
    assert ended.outcome == "cancelled" and "as it was" in ended.message
    assert editor.text(uri) == after_first


@pytest_lsp.fixture(config=SERVER)
async def reviewing(
    lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A VS Code-like client (its preview confirms annotated edits) with Refactor reviewed."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client,
        "visual-studio-code",
        tmp_path,
        settings_for(poe, review={"refactor": True}),
        experimental={"poeJobEvents": True},
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_reviewed_follow_up_is_confirmed_like_the_first_answer(
    reviewing: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = reviewing.editor  # type: ignore[attr-defined]
    uri = _open(editor)
    job = await _refactor(editor, poe, uri, _fenced(FIRST))
    assert editor.confirmations == 1 and FIRST in editor.text(uri)
    editor.type(uri, _range(0, 0, 0, 0), "# top\n")
    poe.set_script("Code", Script(chunks=_fenced(SECOND)))

    await execute(editor.client, "poe.followUp", {"jobId": job, "instruction": "Types"})

    (_, ended) = await wait_for_job_events(editor.client, 2)
    assert ended.outcome == "done" and "you accepted the change" in ended.message
    assert editor.confirmations == 2, "the follow-up went through the preview too"
    assert editor.text(uri) == "# top\n" + SOURCE.replace(
        "def area(r):\n    x = math.pi * r * r\n    return x\n", SECOND
    )
