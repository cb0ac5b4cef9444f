"""The four actions and cancel, end to end: real server, real fastapi_poe, fake Poe bot."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import API_KEY, execute, rng, settings_for, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.fakepoe import Chunk, FakePoe, Script

SOURCE = (
    "import math\n\n\ndef area(r):\n    x = math.pi * r * r\n    return x\n\n\nprint(area(2))\n"
)
SELECTION = rng(3, 0, 6, 0)
NEW_CODE = (
    "def area(radius: float) -> float:\n"
    '    """Return the area of a circle."""\n'
    "    return math.pi * radius**2\n"
)


def code_answer(code: str) -> list[str | Chunk]:
    """A bot answer: a fence, the code line by line, the closing fence and some prose."""
    return [
        "Here it is:\n```python\n",
        *code.splitlines(keepends=True),
        "```\n",
        "Hope that helps.",
    ]


def open_source(session: Editor, name: str = "geometry.py") -> str:
    uri = (session.root / name).as_uri()
    session.open(uri, SOURCE)
    return uri


def args(uri: str, **extra: object) -> dict[str, object]:
    return {"textDocument": {"uri": uri}, "range": SELECTION, **extra}


def messages(session: Editor) -> list[str]:
    return [m.message for m in session.client.messages]


async def test_refactor_streams_edits_and_ends_with_the_bots_code(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE), delay=0.3, first_delay=0.5))
    uri = open_source(session)
    result = await execute(session.client, "poe.refactor", args(uri))

    assert set(result) == {"jobId"}
    assert session.edits == [], "executeCommand answers before the bot does"
    (reports,) = await wait_for_progress_end(session.client)

    expected = SOURCE.replace("def area(r):\n    x = math.pi * r * r\n    return x\n", NEW_CODE)
    assert session.text(uri) == expected
    assert len(session.edits) >= 3, "the answer must arrive as several streamed edits"
    times = [e.at for e in session.edits]
    assert times[-1] - times[0] > 0.45, "edits must be spread over the stream, not sent at the end"
    assert reports[0].kind == "begin" and reports[0].cancellable
    assert reports[-1].kind == "end"

    (request,) = poe.requests
    assert request.bot == "Code"
    assert request.authorization == f"Bearer {API_KEY}"
    system, user = request.messages
    assert system["role"] == "system" and "refactor" in system["content"].lower()
    assert "geometry.py" in user["content"] and "python" in user["content"]
    assert "    x = math.pi * r * r" in user["content"]
    assert "print(area(2))" in user["content"], "the surrounding lines go along as context"


async def test_edits_carry_the_version_when_the_client_supports_document_changes(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE), delay=0.05))
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri))
    await wait_for_progress_end(session.client)
    capabilities = session.client.capabilities
    assert capabilities and capabilities.workspace and capabilities.workspace.workspace_edit
    versioned = capabilities.workspace.workspace_edit.document_changes
    assert session.edits
    for edit in session.edits:
        if versioned:
            (change,) = edit.params.edit.document_changes or []
            assert isinstance(change, t.TextDocumentEdit)
            assert change.text_document.version is not None
        else:
            assert edit.params.edit.document_changes is None
            assert list(edit.params.edit.changes or {}) == [uri]


async def test_replace_response_discards_what_came_before(session: Editor, poe: FakePoe) -> None:
    poe.set_script(
        "Code",
        Script(
            chunks=[
                "```python\n",
                "def wrong():\n",
                Chunk("```python\n" + NEW_CODE + "```\n", replace=True),
            ],
            delay=0.1,
        ),
    )
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri))
    await wait_for_progress_end(session.client)
    assert "wrong" not in session.text(uri)
    assert NEW_CODE in session.text(uri)


async def test_ask_sends_the_instruction_and_replaces_the_selection(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE)))
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(
            settings={"poe": {**settings_for(poe), "review": {"ask": False}}}
        )
    )
    uri = open_source(session)
    await execute(session.client, "poe.ask", args(uri, instruction="Add type hints"))
    await wait_for_progress_end(session.client)
    assert NEW_CODE in session.text(uri)
    assert "Instruction: Add type hints" in poe.requests[0].messages[1]["content"]


async def test_ask_without_instruction_is_refused_at_once(session: Editor, poe: FakePoe) -> None:
    uri = open_source(session)
    with pytest.raises(JsonRpcException, match="instruction"):
        await execute(session.client, "poe.ask", args(uri))
    assert poe.requests == []


async def test_explain_fills_the_hover_while_streaming(session: Editor, poe: FakePoe) -> None:
    parts = ["`area` computes ", "the area of a circle ", "of radius `r`."]
    poe.set_script("Explainer", Script(chunks=parts, delay=0.6))
    uri = open_source(session)
    await execute(session.client, "poe.explain", args(uri, bot="Explainer"))
    hover_params = t.HoverParams(
        text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=4, character=8)
    )

    partial = None
    for _ in range(100):
        hover = await session.client.text_document_hover_async(hover_params)
        if hover is not None and "area" in str(hover.contents):
            partial = hover
            break
        await asyncio.sleep(0.02)
    assert partial is not None and isinstance(partial.contents, t.MarkupContent)
    assert "answering" in partial.contents.value
    assert "of radius" not in partial.contents.value

    await wait_for_progress_end(session.client)
    final = await session.client.text_document_hover_async(hover_params)
    assert final is not None and isinstance(final.contents, t.MarkupContent)
    assert final.contents.kind == t.MarkupKind.Markdown
    assert "".join(parts) in final.contents.value
    assert session.text(uri) == SOURCE and session.edits == []
    outside = await session.client.text_document_hover_async(
        t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            position=t.Position(line=8, character=0),
        )
    )
    assert outside is None


async def test_write_tests_creates_the_test_file_and_shows_it(
    session: Editor, poe: FakePoe
) -> None:
    tests = (
        "import math\n\nfrom geometry import area\n\n\n"
        "def test_area():\n    assert area(1) == math.pi\n"
    )
    poe.set_script("Code", Script(chunks=code_answer(tests), delay=0.05))
    uri = open_source(session)
    await execute(session.client, "poe.writeTests", args(uri))
    await wait_for_progress_end(session.client)

    test_uri = (session.root / "tests" / "test_geometry.py").as_uri()
    assert session.text(test_uri) == tests
    assert session.text(uri) == SOURCE
    assert [d.uri for d in session.client.shown_documents] == [test_uri]
    assert "tests/test_geometry.py" in poe.requests[0].messages[1]["content"]


async def test_write_tests_appends_to_an_existing_test_file(session: Editor, poe: FakePoe) -> None:
    existing = "from geometry import area\n\n\ndef test_zero():\n    assert area(0) == 0\n"
    (session.root / "tests").mkdir()
    (session.root / "tests" / "test_geometry.py").write_text(existing)
    added = "def test_one():\n    assert area(1) > 3\n"
    poe.set_script("Code", Script(chunks=code_answer(added)))
    uri = open_source(session)
    await execute(session.client, "poe.writeTests", args(uri))
    await wait_for_progress_end(session.client)

    test_uri = (session.root / "tests" / "test_geometry.py").as_uri()
    assert session.text(test_uri) == existing + "\n\n" + added
    assert "def test_zero" in poe.requests[0].messages[1]["content"], (
        "the bot sees the existing tests"
    )


async def test_cancel_stops_the_stream_and_restores_the_document(
    session: Editor, poe: FakePoe
) -> None:
    long_code = "".join(f"value_{i} = {i}\n" for i in range(60))
    poe.set_script("Code", Script(chunks=code_answer(long_code), delay=0.1))
    uri = open_source(session)
    job = (await execute(session.client, "poe.refactor", args(uri)))["jobId"]
    await session.wait_for_edits(2)

    cancelled = await execute(session.client, "poe.cancel", {"jobId": job})
    assert cancelled == {"cancelled": [job]}
    (reports,) = await wait_for_progress_end(session.client)
    assert "Cancelled" in reports[-1].message
    assert await asyncio.to_thread(poe.wait_for_disconnect, "Code", 5.0)
    assert session.text(uri) == SOURCE
    count = len(session.edits)
    await asyncio.sleep(0.4)
    assert len(session.edits) == count, "no edit may arrive after cancel"


async def test_progress_cancel_button_stops_the_job(session: Editor, poe: FakePoe) -> None:
    long_code = "".join(f"value_{i} = {i}\n" for i in range(60))
    poe.set_script("Code", Script(chunks=code_answer(long_code), delay=0.1))
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri))
    await session.wait_for_edits(2)
    (token,) = session.client.progress_reports
    session.client.window_work_done_progress_cancel(t.WorkDoneProgressCancelParams(token=token))

    await wait_for_progress_end(session.client)
    assert await asyncio.to_thread(poe.wait_for_disconnect, "Code", 5.0)
    assert session.text(uri) == SOURCE


async def test_cancel_without_argument_cancels_every_job(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Slow", Script(chunks=["a"] * 50, delay=0.1))
    uri = open_source(session)
    first = (await execute(session.client, "poe.explain", args(uri, bot="Slow")))["jobId"]
    second = (
        await execute(
            session.client,
            "poe.explain",
            {"textDocument": {"uri": uri}, "range": rng(8, 0, 9, 0), "bot": "Slow"},
        )
    )["jobId"]
    await asyncio.sleep(0.3)
    result = await execute(session.client, "poe.cancel")
    assert sorted(result["cancelled"]) == sorted([first, second])
    await wait_for_progress_end(session.client, count=2)


async def test_bot_error_midway_rolls_back_and_says_what_the_bot_said(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script(
        "Code",
        Script(
            chunks=["```python\n", "def area(r):\n", "    return 1\n"],
            delay=0.1,
            end="error",
            error_text="model overloaded",
        ),
    )
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri))
    (reports,) = await wait_for_progress_end(session.client)
    assert session.edits, "the partial answer was streamed first"
    assert session.text(uri) == SOURCE
    (message,) = [m for m in session.client.messages if m.type == t.MessageType.Error]
    assert "model overloaded" in message.message
    assert "as it was" in message.message
    assert "model overloaded" in reports[-1].message


async def test_unknown_bot_gets_a_clear_message(session: Editor, poe: FakePoe) -> None:
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri, bot="NoSuchBot"))
    await wait_for_progress_end(session.client)
    assert any("no bot named 'NoSuchBot'" in m for m in messages(session))
    assert session.text(uri) == SOURCE


async def test_answer_without_code_leaves_the_selection_alone(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", "```\n"]))
    uri = open_source(session)
    await execute(session.client, "poe.refactor", args(uri))
    await wait_for_progress_end(session.client)
    assert session.text(uri) == SOURCE
    assert any("no code" in m for m in messages(session))
