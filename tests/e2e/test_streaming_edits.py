"""Streamed edits against a real editor's habits: typing meanwhile, overlaps, closing,
clients without applyEdit or that never answer it, line endings and indentation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    SERVER,
    capabilities_of,
    execute,
    rng,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = "import os\n\n\ndef f(x):\n    return x+1\n\n\nprint(f(1))\n"
LONG = "".join(f"line_{i} = {i}\n" for i in range(30))


def _answer(code: str) -> list[str]:
    return ["```python\n", *code.splitlines(keepends=True), "```\n"]


def _pos(line: int, character: int) -> t.Position:
    return t.Position(line=line, character=character)


def _open(editor: Editor, text: str = SOURCE) -> tuple[str, dict[str, object]]:
    uri = (editor.root / "m.py").as_uri()
    editor.open(uri, text)
    return uri, {"textDocument": {"uri": uri}, "range": rng(3, 0, 5, 0)}


async def test_typing_above_while_it_streams_moves_the_answer_along(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.03))
    uri, arguments = _open(session)
    await execute(session.client, "poe.refactor", arguments)
    await session.wait_for_edits(2)
    session.type(uri, t.Range(start=_pos(0, 0), end=_pos(0, 0)), "# typed first\n")
    await session.wait_for_edits(len(session.edits) + 2)
    session.type(uri, t.Range(start=_pos(1, 7), end=_pos(1, 9)), "sys")
    (reports,) = await wait_for_progress_end(session.client)
    assert reports[-1].message.endswith("edits).")
    assert session.text(uri) == "# typed first\nimport sys\n\n\n" + LONG + "\n\nprint(f(1))\n"


async def test_typing_below_while_it_streams_is_kept(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.03))
    uri, arguments = _open(session)
    await execute(session.client, "poe.refactor", arguments)
    await session.wait_for_edits(2)
    end = len(session.text(uri).splitlines())
    session.type(uri, t.Range(start=_pos(end, 0), end=_pos(end, 0)), "print('end')\n")
    await wait_for_progress_end(session.client)
    assert session.text(uri) == "import os\n\n\n" + LONG + "\n\nprint(f(1))\nprint('end')\n"


async def test_typing_inside_stops_the_job_and_keeps_the_users_text(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.05))
    uri, arguments = _open(session)
    await execute(session.client, "poe.refactor", arguments)
    await session.wait_for_edits(3)
    session.type(uri, t.Range(start=_pos(4, 0), end=_pos(4, 0)), "MINE ")
    (reports,) = await wait_for_progress_end(session.client)
    snapshot = session.text(uri)
    assert "MINE line_1" in snapshot
    assert "you edited the text Poe was writing" in reports[-1].message
    await asyncio.sleep(0.3)
    assert session.text(uri) == snapshot, "nothing is written after the user took over"
    assert any(m.type == t.MessageType.Warning for m in session.client.messages)


async def test_a_second_change_on_the_same_code_is_refused(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.05))
    _, arguments = _open(session)
    first = (await execute(session.client, "poe.refactor", arguments))["jobId"]
    with pytest.raises(JsonRpcException, match=first):
        await execute(session.client, "poe.refactor", {**arguments, "range": rng(4, 0, 4, 5)})
    explain = await execute(session.client, "poe.explain", {**arguments, "bot": "Code"})
    assert "jobId" in explain, "explaining the same code is fine: it writes nothing"
    await session.wait_for_edits(1)
    cancelled = await execute(session.client, "poe.cancel")
    assert sorted(cancelled["cancelled"]) == sorted([first, explain["jobId"]])
    await wait_for_progress_end(session.client, count=2)


async def test_closing_the_document_stops_its_job(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.1))
    uri, arguments = _open(session)
    await execute(session.client, "poe.refactor", arguments)
    await session.wait_for_edits(1)
    session.client.text_document_did_close(
        t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    (reports,) = await wait_for_progress_end(session.client)
    assert reports[-1].message.startswith("Cancelled")
    assert await asyncio.to_thread(poe.wait_for_disconnect, "Code", 5.0)


async def test_crlf_document_stays_crlf(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer("def f(x: int) -> int:\n    return x + 1\n")))
    crlf = SOURCE.replace("\n", "\r\n")
    uri, arguments = _open(session, crlf)
    await execute(session.client, "poe.refactor", arguments)
    await wait_for_progress_end(session.client)
    assert session.text(uri) == crlf.replace(
        "def f(x):\r\n    return x+1\r\n", "def f(x: int) -> int:\r\n    return x + 1\r\n"
    )


async def test_selection_at_end_of_file_without_newline(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer("print(f(2))\n")))
    uri, _ = _open(session, SOURCE.rstrip("\n"))
    arguments = {"textDocument": {"uri": uri}, "range": rng(7, 0, 7, 11)}
    await execute(session.client, "poe.refactor", arguments)
    await wait_for_progress_end(session.client)
    assert session.text(uri) == SOURCE.rstrip("\n").replace("print(f(1))", "print(f(2))")


async def test_part_of_a_line_and_wide_characters(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=_answer("'🎉 done'\n")))
    text = "x = '😀 漢字'  # é\ny = 1\n"
    uri, _ = _open(session, text)
    end = {"utf-16": 11, "utf-8": 17, "utf-32": 10}[session.encoding]
    arguments = {"textDocument": {"uri": uri}, "range": rng(0, 4, 0, end)}
    await execute(session.client, "poe.refactor", arguments)
    await wait_for_progress_end(session.client)
    assert session.text(uri) == "x = '🎉 done'  # é\ny = 1\n"


async def test_flush_left_answer_takes_the_selections_indentation(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=_answer("def g(self):\n    return 2\n")))
    text = "class A:\n    def g(self):\n        return 1\n"
    uri, _ = _open(session, text)
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(1, 0, 3, 0)}
    )
    await wait_for_progress_end(session.client)
    assert session.text(uri) == "class A:\n    def g(self):\n        return 2\n"


def _no_apply_edit(capabilities: t.ClientCapabilities) -> None:
    assert capabilities.workspace is not None
    capabilities.workspace.apply_edit = False


@pytest_lsp.fixture(config=SERVER)
async def no_apply(lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path) -> AsyncIterator[None]:
    """A client that cannot take edits from the server (like some minimal clients)."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client,
        capabilities_of("visual-studio-code", _no_apply_edit),
        tmp_path,
        settings_for(poe),
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_client_without_apply_edit_gets_the_answer_as_a_code_action(
    no_apply: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = no_apply.editor  # type: ignore[attr-defined]
    poe.set_script("Code", Script(chunks=_answer("def f(x: int) -> int:\n    return x + 1\n")))
    uri, arguments = _open(editor)
    await execute(no_apply, "poe.refactor", arguments)
    await wait_for_progress_end(no_apply)
    assert editor.edits == [], "no workspace/applyEdit goes to a client that cannot take it"
    actions = await no_apply.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=_pos(4, 0), end=_pos(4, 0)),
            context=t.CodeActionContext(diagnostics=[], only=["poe.accept"]),
        )
    )
    (accept,) = [a for a in actions or [] if isinstance(a, t.CodeAction)]
    assert accept.edit is not None, "the code action carries the edit itself"
    assert editor._apply(accept.edit) == (True, None)
    assert editor.text(uri) == SOURCE.replace(
        "def f(x):\n    return x+1\n", "def f(x: int) -> int:\n    return x + 1\n"
    )
    assert accept.command is not None
    await execute(no_apply, accept.command.command, *(accept.command.arguments or []))
    assert not await no_apply.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=_pos(4, 0), end=_pos(4, 0)),
            context=t.CodeActionContext(diagnostics=[], only=["poe.accept"]),
        )
    ), "once applied, the answer is no longer offered"


@pytest_lsp.fixture(config=SERVER)
async def silent(lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path) -> AsyncIterator[None]:
    """A client that takes workspace/applyEdit and never answers it (as Vim's ALE does)."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, "visual-studio-code", tmp_path, settings_for(poe)
    )
    lsp_client.editor.hang = True  # type: ignore[attr-defined]
    yield
    lsp_client.editor.released.set()  # type: ignore[attr-defined]
    await lsp_client.shutdown_session()


async def test_a_client_that_never_answers_apply_edit_does_not_hang_the_job(
    silent: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = silent.editor  # type: ignore[attr-defined]
    poe.set_script("Code", Script(chunks=_answer(LONG), delay=0.5))
    _, arguments = _open(editor)
    await execute(silent, "poe.refactor", arguments)
    (reports,) = await wait_for_progress_end(silent, timeout=30)
    assert "did not answer" in reports[-1].message
    assert await asyncio.to_thread(poe.wait_for_disconnect, "Code", 5.0)


async def test_a_bot_that_echoes_the_key_does_not_get_it_into_the_document(
    session: Editor, poe: FakePoe
) -> None:
    key = settings_for(poe)["apiKey"]
    half = len(key) // 2
    code = f'TOKEN = "{key[:half]}'  # the key arrives split over two chunks
    poe.set_script(
        "Code",
        Script(
            chunks=[
                "```python\n",
                code,
                f'{key[half:]}"\n',
                'HEADER = f"Bearer {TOKEN}"\n',
                "```\n",
            ],
            delay=0.02,
        ),
    )
    uri, arguments = _open(session)
    await execute(session.client, "poe.refactor", arguments)
    (reports,) = await wait_for_progress_end(session.client)
    assert reports[-1].message.endswith("edits).")
    text = session.text(uri)
    assert key not in text and key[:half] not in text.replace("[REDACTED]", "")
    assert 'TOKEN = "[REDACTED]"\nHEADER = f"Bearer {TOKEN}"\n' in text, text
