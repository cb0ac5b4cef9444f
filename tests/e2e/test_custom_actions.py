"""The user's own actions (``poe.actions``), the project's prompt files and Fix with Poe,
end to end: real server, real fastapi_poe, fake Poe bot."""

from __future__ import annotations

import asyncio
import os
import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    SERVER,
    execute,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = (
    "import math\n\n\ndef area(r):\n    x = math.pi * r * r\n    return x\n\n\nprint(area(2))\n"
)
NEW_CODE = 'def area(r):\n    """The area."""\n    return math.pi * r * r\n'
ACTIONS: list[Any] = [
    {"id": "docstrings", "title": "Add docstrings", "instruction": "Add a docstring to each def"},
    {
        "id": "junior",
        "title": "Explain for a junior",
        "instruction": "Explain it to a junior",
        "output": "explain",
        "bot": "Explainer",
    },
    {"id": "rusty", "title": "Rust only", "instruction": "x", "languages": ["rust"]},
    {"id": "broken", "title": "No instruction"},
    {"id": "poem", "title": "A poem", "instruction": "write one", "output": "poem"},
]
PROMPT = (
    "---\ndescription: Make it async\nmode: edit\n---\n"
    "Rewrite the selected code with asyncio, keeping its behaviour.\n"
)


def _write_prompts(root: Path, outside: Path) -> None:
    folder = root / ".github" / "prompts"
    folder.mkdir(parents=True)
    (folder / "async.prompt.md").write_text(PROMPT)
    secret = outside / "secret.md"
    secret.write_text("---\ndescription: Leaked title\n---\nThe secret body\n")
    (folder / "linked.prompt.md").symlink_to(secret)
    os.mkfifo(folder / "pipe.prompt.md")
    (folder / "huge.prompt.md").write_text("---\ndescription: Huge\n---\n" + "x" * 100_000)
    (folder / "odd\u202eevil\nname.prompt.md").write_text("Do the odd thing.\n")
    (folder / "bidi.prompt.md").write_text(
        "---\ndescription: Safe\u202etxet\u0007 title\n---\nBidi body.\n"
    )


@pytest_lsp.fixture(config=SERVER)
async def custom(
    lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path, tmp_path_factory: Any
) -> AsyncIterator[None]:
    """A VS Code-like client with custom actions in its settings and prompt files in its
    workspace, opted in to ``poe/jobEnded``."""
    root = tmp_path / "project"
    root.mkdir()
    _write_prompts(root, tmp_path_factory.mktemp("outside"))
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client,
        "visual-studio-code",
        root,
        settings_for(poe, actions=ACTIONS),
        experimental={"poeJobEvents": True},
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(custom: LanguageClient) -> Editor:
    session: Editor = custom.editor  # type: ignore[attr-defined]
    return session


def _range(a: int, b: int, c: int, d: int) -> t.Range:
    return t.Range(start=t.Position(line=a, character=b), end=t.Position(line=c, character=d))


async def _actions(
    editor: Editor, uri: str, rng: t.Range, diagnostics: list[t.Diagnostic] | None = None
) -> list[t.CodeAction]:
    result = await editor.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=t.CodeActionContext(diagnostics=diagnostics or []),
        )
    )
    return [a for a in result or [] if isinstance(a, t.CodeAction)]


async def _until_offered(editor: Editor, uri: str, title: str) -> list[t.CodeAction]:
    deadline = time.monotonic() + 10
    while True:
        actions = await _actions(editor, uri, _range(3, 0, 6, 0))
        if any(a.title == title for a in actions) or time.monotonic() > deadline:
            return actions
        await asyncio.sleep(0.1)


def _open(editor: Editor) -> str:
    uri = (editor.root / "geometry.py").as_uri()
    editor.open(uri, SOURCE)
    return uri


async def _run(editor: Editor, action: t.CodeAction) -> str:
    assert action.command is not None
    result = await execute(editor.client, action.command.command, *action.command.arguments or [])
    return str(result["jobId"])


async def test_a_custom_replace_action_streams_like_refactor(editor: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", *NEW_CODE.splitlines(True), "```\n"]))
    uri = _open(editor)
    offered = await _actions(editor, uri, _range(3, 0, 6, 0))
    (action,) = [a for a in offered if a.title == "Poe: Add docstrings"]
    assert action.kind == "refactor.rewrite" and action.command is not None
    assert action.command.command == "poe.run"
    assert action.command.arguments[0]["action"] == "docstrings"  # type: ignore[index]
    assert "Poe: Rust only" not in {a.title for a in offered}
    job = await _run(editor, action)
    reports = await wait_for_progress_end(editor.client)
    assert NEW_CODE in editor.text(uri)
    assert {e.params.label for e in editor.edits} == {"Poe: Refactor"}  # one undo step
    assert "Poe: Add docstrings" in {r[0].title for r in reports}
    system, user = poe.requests[0].messages
    assert "Apply the user's instruction" in system["content"]
    assert "Instruction: Add a docstring to each def" in user["content"]
    deadline = time.monotonic() + 10  # poe/jobEnded follows the progress end
    while True:
        events = list(editor.client.job_events)  # type: ignore[attr-defined]
        if events or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    (ended,) = events
    assert (ended.jobId, ended.action, ended.outcome) == (job, "refactor", "done")


async def test_a_custom_explain_action_fills_the_hover_with_its_bot(
    editor: Editor, poe: FakePoe
) -> None:
    poe.set_script("Explainer", Script(chunks=["`area` is ", "simple."]))
    uri = _open(editor)
    offered = await _actions(editor, uri, _range(3, 0, 6, 0))
    (action,) = [a for a in offered if a.title == "Poe: Explain for a junior"]
    assert action.kind == "poe.explain"
    await _run(editor, action)
    await wait_for_progress_end(editor.client)
    hover = await editor.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(4, 4))
    )
    assert hover is not None and "`area` is simple." in str(hover.contents)
    assert editor.text(uri) == SOURCE
    assert [r.bot for r in poe.requests] == ["Explainer"]
    assert "Instruction: Explain it to a junior" in poe.requests[0].messages[1]["content"]


async def test_bad_entries_are_named_in_a_warning_and_the_good_ones_remain(
    editor: Editor,
) -> None:
    listed = await execute(editor.client, "poe.listActions")
    deadline = time.monotonic() + 10
    while True:
        warnings = [m.message for m in editor.client.messages if "poe.actions" in m.message]
        if warnings or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    (warning,) = warnings
    assert "poe.actions[3] ('broken') needs an instruction; skipped" in warning
    assert "poe.actions[4] ('poem') has output 'poem'" in warning
    assert editor.client.messages[0].type == t.MessageType.Warning
    ids = [a["id"] for a in listed["actions"]]
    assert ids[:3] == ["docstrings", "junior", "rusty"]
    assert "broken" not in ids and "poem" not in ids


async def test_a_new_prompt_file_is_offered_as_soon_as_the_editor_reports_it(
    editor: Editor,
) -> None:
    before = await execute(editor.client, "poe.listActions")
    assert "prompt:fresh" not in [a["id"] for a in before["actions"]]
    (registration,) = editor.client.registrations  # type: ignore[attr-defined]
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert "**/.github/prompts/*.prompt.md" in globs
    fresh = editor.root / ".github" / "prompts" / "fresh.prompt.md"
    fresh.write_text("---\ndescription: Fresh\n---\nMake it fresh.\n")

    editor.client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=fresh.as_uri(), type=t.FileChangeType.Created)]
        )
    )
    after = await execute(editor.client, "poe.listActions")

    assert "prompt:fresh" in [a["id"] for a in after["actions"]]


async def test_a_prompt_file_is_offered_and_its_body_reaches_the_bot(
    editor: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", *NEW_CODE.splitlines(True), "```\n"]))
    uri = _open(editor)
    offered = await _until_offered(editor, uri, "Poe: Make it async")
    (action,) = [a for a in offered if a.title == "Poe: Make it async"]
    assert action.command is not None
    assert action.command.arguments[0]["action"] == "prompt:async"  # type: ignore[index]
    job = await _run(editor, action)
    await wait_for_progress_end(editor.client)
    assert NEW_CODE in editor.text(uri)
    user = poe.requests[0].messages[1]["content"]
    assert "Instruction: Rewrite the selected code with asyncio" in user
    assert "description:" not in user
    sent = await execute(editor.client, "poe.sent", {"jobId": job})
    assert ".github/prompts/async.prompt.md" in sent["sources"]


async def test_hostile_prompt_files_are_not_read_and_odd_names_are_shown_escaped(
    editor: Editor, poe: FakePoe
) -> None:
    uri = _open(editor)
    offered = await _until_offered(editor, uri, "Poe: Make it async")
    titles = [a.title for a in offered]
    assert "Poe: Leaked title" not in titles and "Poe: Huge" not in titles
    assert not any("pipe" in title or "linked" in title for title in titles)
    for title in titles:
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in title), repr(title)
    assert "Poe: Safe\\u202etxet\\u0007 title" in titles
    assert any("odd\\u202eevil name" in title for title in titles)
    listed = await execute(editor.client, "poe.listActions")
    for entry in listed["actions"]:
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in entry["title"])
    # Run by hand, the link out of the workspace is still refused, and nothing is sent.
    arguments = {"action": "prompt:linked", "textDocument": {"uri": uri}, "range": _rng()}
    with pytest.raises(Exception, match="no Poe action"):
        await execute(editor.client, "poe.run", arguments)
    assert poe.requests == []


def _rng() -> dict[str, Any]:
    return {"start": {"line": 3, "character": 0}, "end": {"line": 6, "character": 0}}


async def test_a_diagnostic_gets_a_quickfix_that_rewrites_its_block(
    editor: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", *NEW_CODE.splitlines(True), "```\n"]))
    uri = _open(editor)
    diagnostics = [
        t.Diagnostic(
            range=_range(3, 4, 3, 8),
            message="Function is missing a docstring\n(and more)",
            severity=t.DiagnosticSeverity.Warning,
            code="D103",
            source="pydocstyle",
        ),
        *(t.Diagnostic(range=_range(8, 0, 8, 5), message=f"other {n}") for n in range(4)),
    ]
    offered = await _actions(editor, uri, _range(3, 0, 3, 0), diagnostics)
    fixes = [a for a in offered if a.kind == "quickfix"]
    assert len(fixes) == 3
    fix = fixes[0]
    assert fix.title == 'Poe: Fix "Function is missing a docstring (and more)"'
    assert fix.is_preferred is False and fix.command is not None
    assert fix.command.command == "poe.fix"
    argument = fix.command.arguments[0]  # type: ignore[index]
    assert argument["range"] == _rng()
    assert [d["code"] for d in argument["diagnostics"]] == ["D103"]
    await _run(editor, fix)
    await wait_for_progress_end(editor.client)
    assert editor.text(uri) == SOURCE.replace(
        "def area(r):\n    x = math.pi * r * r\n    return x\n", NEW_CODE
    )
    user = poe.requests[0].messages[1]["content"]
    assert "Function is missing a docstring" in user
    assert "[D103]" in user and "pydocstyle" in user
    assert "Selected lines 4-6." in user
