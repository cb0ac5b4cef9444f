"""``poe/jobEnded``: sent to clients that opt in, and to no one else."""

from __future__ import annotations

import asyncio
from typing import Any

from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    execute,
    rng,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = "def f():\n    return 1\n"


def _field(params: Any, name: str) -> Any:
    return params[name] if isinstance(params, dict) else getattr(params, name)


async def _events(client: LanguageClient, count: int) -> list[Any]:
    for _ in range(200):
        if len(client.job_events) >= count:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.02)
    return list(client.job_events)  # type: ignore[attr-defined]


async def test_explain_and_refactor_report_their_end(
    opted_in: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = opted_in.editor  # type: ignore[attr-defined]
    uri = (editor.root / "m.py").as_uri()
    editor.open(uri, SOURCE)
    poe.set_script("Explainer", Script(chunks=["It returns ", "one."]))
    poe.set_script(
        "Code", Script(chunks=["```python\n", "def f():\n", "    return 2\n", "```\n"], delay=0.1)
    )
    arguments = {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
    explain = (await execute(opted_in, "poe.explain", {**arguments, "bot": "Explainer"}))["jobId"]
    (first,) = await _events(opted_in, 1)
    refactor = (await execute(opted_in, "poe.refactor", arguments))["jobId"]
    _, second = await _events(opted_in, 2)

    assert _field(first, "jobId") == explain
    assert _field(first, "outcome") == "done"
    assert "It returns one." in _field(first, "explanation")
    assert _field(first, "targetUri") is None
    assert _field(second, "jobId") == refactor
    assert _field(second, "targetUri") == uri
    assert _field(second, "edits") == len(editor.edits) >= 1
    assert _field(second, "explanation") is None


async def test_no_notification_without_opting_in(session: Editor, poe: FakePoe) -> None:
    uri = (session.root / "m.py").as_uri()
    session.open(uri, SOURCE)
    poe.set_script("Code", Script(chunks=["```python\n", "def f():\n", "    return 2\n", "```\n"]))
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
    )
    await wait_for_progress_end(session.client)
    await asyncio.sleep(0.2)
    assert session.client.job_events == []  # type: ignore[attr-defined]
