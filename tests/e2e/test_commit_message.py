"""Write commit message: from the staged diff of a real git repository, into the commit
message file above git's comments, or (VS Code's Source Control) as the text of
``poe/jobEnded``; a hostile repository's config runs nothing."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import execute, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.fakepoe import Chunk, FakePoe, Script
from tests.gitrepo import git, make_repo

TEMPLATE = (
    "\n"
    "# Please enter the commit message for your changes. Lines starting\n"
    "# with '#' will be ignored, and an empty message aborts the commit.\n"
    "#\n"
    "# On branch main\n"
    "# Changes to be committed:\n"
    "#\tmodified:   greet.py\n"
    "#\n"
)
MESSAGE: list[str | Chunk] = ["Add a greeting\n", "\nSay hello when the module ", "is run.\n"]
WRITTEN = "Add a greeting\n\nSay hello when the module is run.\n"
TITLE = "Poe: Write commit message"


def open_message(editor: Editor, git_dir: Path, language: str = "gitcommit") -> str:
    path = git_dir / "COMMIT_EDITMSG"
    path.write_text(TEMPLATE)
    uri = path.as_uri()
    editor.open(uri, TEMPLATE, language=language)
    return uri


async def code_actions(editor: Editor, uri: str) -> list[t.CodeAction]:
    start = t.Position(line=0, character=0)
    result = await editor.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=start, end=start),
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in result or [] if isinstance(a, t.CodeAction)]


async def run_code_action(editor: Editor, uri: str) -> Any:
    (action,) = [a for a in await code_actions(editor, uri) if a.title == TITLE]
    assert action.kind == "source.poe.commitMessage"
    assert action.command is not None
    return await execute(editor.client, action.command.command, *action.command.arguments or [])


def messages(editor: Editor) -> list[str]:
    return [m.message for m in editor.client.messages]


def prompt(poe: FakePoe) -> str:
    (request,) = poe.requests
    return "\n".join(m["content"] for m in request.messages)


async def test_the_message_streams_in_above_the_comments_from_the_staged_diff(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=MESSAGE, delay=0.05))
    repo = make_repo(session.root)
    uri = open_message(session, repo / ".git")

    started = await run_code_action(session, uri)
    (reports,) = await wait_for_progress_end(session.client)

    assert started["jobId"].startswith("commitMessage-")
    assert session.text(uri) == WRITTEN + TEMPLATE, "the comments are kept as they were"
    assert len(session.edits) >= 2, "the message streamed in"
    assert {e.params.label for e in session.edits} == {TITLE}, "one undo step"
    assert reports[0].title == TITLE and reports[-1].kind == "end"
    sent = prompt(poe)
    assert "+print('hello')" in sent and "greet.py | 1 +" in sent
    assert "branch main" in sent and "72 characters" in sent


async def test_a_draft_is_sent_and_replaced(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=["```\n", *MESSAGE, "```\n"]))
    repo = make_repo(session.root)
    path = repo / ".git" / "COMMIT_EDITMSG"
    path.write_text("fix stuff\n" + TEMPLATE)
    uri = path.as_uri()
    session.open(uri, "fix stuff\n" + TEMPLATE, language="git-commit")

    await run_code_action(session, uri)
    await wait_for_progress_end(session.client)

    assert session.text(uri) == WRITTEN + TEMPLATE, "the draft gave way; no fence was written"
    assert "fix stuff" in prompt(poe)


async def test_nothing_staged_says_so_and_asks_no_bot(session: Editor, poe: FakePoe) -> None:
    repo = make_repo(session.root, staged=None)
    uri = open_message(session, repo / ".git")

    await run_code_action(session, uri)
    (reports,) = await wait_for_progress_end(session.client)

    assert "Nothing is staged: git add the changes first" in reports[-1].message
    assert any("Nothing is staged" in m for m in messages(session))
    assert poe.requests == [] and session.text(uri) == TEMPLATE


async def test_outside_a_repository_it_says_so(session: Editor, poe: FakePoe) -> None:
    folder = session.root / "notes"
    folder.mkdir()
    uri = open_message(session, folder, language="plaintext")

    await run_code_action(session, uri)
    (reports,) = await wait_for_progress_end(session.client)

    assert "not in a git repository" in reports[-1].message
    assert poe.requests == []


async def test_only_commit_message_files_get_the_action(session: Editor) -> None:
    uri = (session.root / "m.py").as_uri()
    session.open(uri, "x = 1\n")
    assert TITLE not in [a.title for a in await code_actions(session, uri)]


async def test_a_linked_worktree_uses_its_own_index(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=MESSAGE))
    repo = make_repo(session.root, staged=None)
    git(repo, "worktree", "add", "-q", "-b", "side", str(repo / "side"))
    (repo / "side" / "side.py").write_text("SIDE = 1\n")
    git(repo / "side", "add", "side.py")
    uri = open_message(session, repo / ".git" / "worktrees" / "side")

    await run_code_action(session, uri)
    await wait_for_progress_end(session.client)

    assert session.text(uri) == WRITTEN + TEMPLATE
    assert "+SIDE = 1" in prompt(poe) and "branch side" in prompt(poe)


def _marker_script(root: Path) -> tuple[Path, Path]:
    marker = root / "marker"
    script = root / "evil.sh"
    script.write_text(f'#!/bin/sh\necho ran "$@" >> {marker}\ncat "$1" 2>/dev/null\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, marker


async def test_a_hostile_repository_config_runs_no_program(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=MESSAGE))
    repo = make_repo(session.root)
    script, marker = _marker_script(session.root / ".git")
    for key, value in (
        ("diff.external", script),
        ("diff.evil.command", script),
        ("diff.evil.textconv", script),
        ("core.fsmonitor", script),
        ("core.pager", script),
        ("pager.diff", script),
        ("core.hooksPath", session.root / ".git"),
    ):
        git(repo, "config", key, str(value))
    (repo / ".git" / "info" / "attributes").write_text("*.py diff=evil\n")
    (repo / ".git" / "post-index-change").write_bytes(script.read_bytes())
    (repo / ".git" / "post-index-change").chmod(0o755)
    uri = open_message(session, repo / ".git")

    await run_code_action(session, uri)
    await wait_for_progress_end(session.client)

    assert not marker.exists(), marker.read_text()
    assert session.text(uri) == WRITTEN + TEMPLATE
    assert "+print('hello')" in prompt(poe), "git's own diff, not the textconv's"
    git(repo, "-c", "core.pager=cat", "diff", "--cached")
    assert marker.exists(), "the same repository makes a plain git diff run the program"


async def test_a_large_diff_is_cut_at_a_line_and_says_so(session: Editor, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=MESSAGE))
    lines = "".join(f"LINE_{i:05} = {'x' * 60}\n" for i in range(2_000))
    repo = make_repo(session.root, staged=lines)
    uri = open_message(session, repo / ".git")

    await run_code_action(session, uri)
    (reports,) = await wait_for_progress_end(session.client)

    assert reports[-1].message == "Code finished (1 edit).", reports[-1].message
    sent = prompt(poe)
    assert "cut at 60,000 bytes" in sent
    assert "LINE_00000" in sent and "LINE_01999" not in sent
    diff = sent[sent.index("```diff\n") + 8 : sent.rindex("\n```")]
    assert len(diff.encode()) <= 60_000 and diff.splitlines()[-1].endswith("x" * 60)


async def test_cancel_puts_the_draft_back(session: Editor, poe: FakePoe) -> None:
    body = [f"Line {i} of a long body.\n" for i in range(40)]
    poe.set_script("Code", Script(chunks=["Summary\n\n", *body], delay=0.1))
    repo = make_repo(session.root)
    uri = open_message(session, repo / ".git")

    job = (await run_code_action(session, uri))["jobId"]
    await session.wait_for_edits(2)
    assert await execute(session.client, "poe.cancel", {"jobId": job}) == {"cancelled": [job]}
    (reports,) = await wait_for_progress_end(session.client)

    assert "Cancelled" in reports[-1].message
    assert session.text(uri) == TEMPLATE


async def _job_event(client: LanguageClient, job: str) -> Any:
    for _ in range(500):
        for event in client.job_events:  # type: ignore[attr-defined]
            fields = event if isinstance(event, dict) else event._asdict()
            if fields["jobId"] == job:
                return fields
        await asyncio.sleep(0.02)
    raise TimeoutError(job)


async def test_source_control_gets_the_message_as_text(
    opted_in: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = opted_in.editor  # type: ignore[attr-defined]
    poe.set_script("Code", Script(chunks=MESSAGE))
    repo = make_repo(editor.root)

    job = (await execute(opted_in, "poe.commitMessage", {"rootUri": repo.as_uri()}))["jobId"]
    event = await _job_event(opted_in, job)

    assert event["outcome"] == "done" and event["action"] == "commitMessage"
    assert event["text"] == WRITTEN.rstrip("\n")
    assert editor.edits == [], "no document was edited"
    assert "+print('hello')" in prompt(poe)


async def test_the_text_form_needs_job_events(session: Editor, poe: FakePoe) -> None:
    repo = make_repo(session.root)
    with pytest.raises(JsonRpcException, match="poe/jobEnded"):
        await execute(session.client, "poe.commitMessage", {"rootUri": repo.as_uri()})
    assert poe.requests == []


async def test_a_repository_outside_the_workspace_is_refused(
    opted_in: LanguageClient, poe: FakePoe, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = make_repo(tmp_path_factory.mktemp("outside"))
    job = (await execute(opted_in, "poe.commitMessage", {"rootUri": outside.as_uri()}))["jobId"]
    event = await _job_event(opted_in, job)
    assert event["outcome"] == "failed" and "outside the workspace" in event["message"]
    assert event["text"] is None and poe.requests == []
