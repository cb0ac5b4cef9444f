"""Points you can see and control (issue 16): each job's cost from Poe's points history,
``poe.usage``, and the daily budget; through the real server and the fake Poe."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from poe_lsp.points import midnight
from tests.e2e.conftest import (
    API_KEY,
    SERVER,
    execute,
    rng,
    server_env,
    settings_for,
    start_session,
    wait_for_job_events,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.e2e.rawclient import RawServer
from tests.fakepoe import FakePoe, Script

SOURCE = "def f(x):\n    return x+1\n"
JOB_EVENTS = {"poeJobEvents": True}
CLI = [sys.executable, "-m", "poe_lsp"]


def _field(params: Any, name: str) -> Any:
    return params[name] if isinstance(params, dict) else getattr(params, name)


async def _explain(editor: Editor, bot: str, name: str = "m.py") -> str:
    uri = (editor.root / name).as_uri()
    if uri not in editor.docs:
        editor.open(uri, SOURCE)
    arguments = {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0), "bot": bot}
    return str((await execute(editor.client, "poe.explain", arguments))["jobId"])


def _today(seconds_ago: float) -> float:
    """A moment of today, ``seconds_ago`` before now if that is still today."""
    return max(time.time() - seconds_ago, midnight() + 1)


@pytest.fixture
def editor(opted_in: LanguageClient) -> Editor:
    """A VS Code-like and a Neovim-like editor that asked for ``poe/jobEnded``."""
    model: Editor = opted_in.editor  # type: ignore[attr-defined]
    return model


async def test_a_finished_job_shows_its_cost(editor: Editor, poe: FakePoe) -> None:
    poe.set_script("BotA", Script(chunks=["It adds ", "one."]))
    poe.set_cost("BotA", 339)
    job = await _explain(editor, "BotA")
    (ended,) = await wait_for_job_events(editor.client, 1)

    assert _field(ended, "jobId") == job and _field(ended, "outcome") == "done"
    assert _field(ended, "points") == 339
    assert _field(ended, "message").endswith(", 339 points.")
    (progress,) = await wait_for_progress_end(editor.client)
    assert progress[-1].message == _field(ended, "message")
    sent = await execute(editor.client, "poe.sent", {"jobId": job})
    assert sent["points"] == 339
    assert poe.history_requests, "the cost came from the history"
    assert all(r.authorization == f"Bearer {API_KEY}" for r in poe.history_requests)


async def test_two_jobs_on_two_bots_each_get_their_own_entry_and_poe_usage_adds_them_up(
    editor: Editor, poe: FakePoe
) -> None:
    poe.history.add("Elsewhere", 1000, created=_today(600))
    poe.history.add("BotA", 5, usage_type="Chat", created=_today(500))
    poe.history.add("BotA", 77, created=midnight() - 60)  # yesterday
    poe.set_script("BotA", Script(chunks=["slow ", "answer"], delay=0.4))
    poe.set_script("BotB", Script(chunks=["quick answer"]))
    poe.set_cost("BotA", 339)
    poe.set_cost("BotB", 12)
    slow = await _explain(editor, "BotA", "a.py")
    quick = await _explain(editor, "BotB", "b.py")
    events = await wait_for_job_events(editor.client, 2)
    ended = {_field(e, "jobId"): _field(e, "points") for e in events}
    assert ended == {slow: 339, quick: 12}

    usage = await execute(editor.client, "poe.usage")
    assert usage == {
        "today": {"points": 1351, "byBot": {"Elsewhere": 1000, "BotA": 339, "BotB": 12}},
        "session": {"points": 351, "byBot": {"BotA": 339, "BotB": 12}},
        "dailyBudget": 0,
        "known": True,
    }


@pytest.mark.parametrize("failure", ["500", "timeout", "404"])
async def test_a_failing_history_never_fails_the_job(
    editor: Editor, poe: FakePoe, failure: str
) -> None:
    poe.set_script("BotA", Script(chunks=["It adds one."]))
    if failure == "500":
        poe.history.fail(500)
    elif failure == "timeout":
        poe.history.fail(delay=30)
    started = time.monotonic()
    await _explain(editor, "BotA")
    (ended,) = await wait_for_job_events(editor.client, 1)
    assert _field(ended, "outcome") == "done" and _field(ended, "points") is None
    assert "points" not in _field(ended, "message")
    assert time.monotonic() - started < 10, "the wait for the cost is bounded"
    assert poe.history_requests, "the history was asked"
    usage = await execute(editor.client, "poe.usage")
    assert usage["known"] is False and usage["session"] == {"points": 0, "byBot": {}}


BUDGET = ClientServerConfig(
    server_command=SERVER.server_command,
    server_env=server_env(POE_DAILY_POINT_BUDGET="1000"),
)
"""A user whose environment sets a daily budget of 1,000 points."""


@pytest_lsp.fixture(config=BUDGET)
async def budgeted(lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path) -> AsyncIterator[None]:
    """A client whose (project's) settings try to raise the budget to 5,000."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client,
        "neovim",
        tmp_path,
        settings_for(poe, dailyPointBudget=5000),
        experimental=JOB_EVENTS,
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_budget_already_reached_refuses_the_job_before_the_bot_is_asked(
    budgeted: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = budgeted.editor  # type: ignore[attr-defined]
    poe.set_script("BotA", Script(chunks=["It adds one."]))
    poe.history.add("BotA", 700, created=_today(120))
    poe.history.add("BotB", 500, created=_today(60))
    await _explain(editor, "BotA")
    (ended,) = await wait_for_job_events(budgeted, 1)

    assert poe.requests == [], "nothing reached the bot"
    assert _field(ended, "outcome") == "failed" and _field(ended, "points") is None
    message = _field(ended, "message")
    assert "1,200 points" in message and "1,000" in message, "a project cannot raise it"
    assert "poe.dailyPointBudget" in message and "POE_DAILY_POINT_BUDGET" in message
    usage = await execute(budgeted, "poe.usage")
    assert usage["dailyBudget"] == 1000 and usage["today"]["points"] == 1200


async def test_an_unreadable_history_only_warns_and_below_the_budget_the_job_goes_on(
    budgeted: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = budgeted.editor  # type: ignore[attr-defined]
    poe.set_script("BotA", Script(chunks=["It adds one."]))
    poe.history.fail(500)
    await _explain(editor, "BotA")
    (first,) = await wait_for_job_events(budgeted, 1)
    assert _field(first, "outcome") == "done" and len(poe.requests) == 1
    (warning,) = [m.message for m in budgeted.messages if "poe.dailyPointBudget" in m.message]
    assert "Could not read today's spending" in warning and "goes on" in warning

    poe.history.fail(None)
    poe.set_cost("BotA", 339)
    poe.history.add("BotB", 700, created=_today(60))
    await _explain(editor, "BotA", "n.py")
    _, second = await wait_for_job_events(budgeted, 2)
    assert _field(second, "points") == 339 and len(poe.requests) == 2, "700 is below 1,000"
    await _explain(editor, "BotA", "o.py")
    _, _, third = await wait_for_job_events(budgeted, 3)
    assert _field(third, "outcome") == "failed" and len(poe.requests) == 2
    assert "1,039 points" in _field(third, "message"), "the cost of the job counts at once"


def test_the_key_is_never_in_the_servers_log(tmp_path: Path, poe: FakePoe) -> None:
    key = "sk-e2e-Points/History+0123456789"
    poe.set_script("BotA", Script(chunks=["It adds one."]))
    poe.set_cost("BotA", 339)
    server = RawServer(tmp_path)
    try:
        options = {"apiKey": key, "baseUrl": poe.base_url, "bot": "BotA"}
        capabilities = {
            "workspace": {"applyEdit": True, "configuration": False},
            "window": {"workDoneProgress": True},
            "experimental": JOB_EVENTS,
        }
        server.request(
            1,
            "initialize",
            {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "capabilities": capabilities,
                "initializationOptions": {"poe": {**options, "dailyPointBudget": 5000}},
            },
        )
        server.response(1, timeout=20)
        server.notify("initialized", {})
        uri = (tmp_path / "m.py").as_uri()
        server.open(uri, SOURCE)
        arguments = {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
        server.request(
            2, "workspace/executeCommand", {"command": "poe.explain", "arguments": [arguments]}
        )
        server.response(2, timeout=20)
        ended = server.wait_for(lambda m: m.get("method") == "poe/jobEnded", 20)["params"]
        assert ended["points"] == 339
        poe.history.fail(401)
        server.request(3, "workspace/executeCommand", {"command": "poe.usage", "arguments": []})
        assert server.response(3, timeout=20)["result"]["known"] is False
    finally:
        server.stop()
    assert {r.authorization for r in poe.history_requests} == {f"Bearer {key}"}
    for log in (server.stderr, server.log_file.read_text()):
        assert "Points/History" not in log


def test_the_command_line_tells_the_cost_on_stderr(tmp_path: Path, poe: FakePoe) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    poe.set_script("BotA", Script(chunks=["It adds one."]))
    poe.set_cost("BotA", 339)
    done = subprocess.run(
        [*CLI, "explain", "m.py:1-2", "-v", "--bot", "BotA", "--base-url", poe.base_url],
        cwd=tmp_path,
        env=server_env(POE_API_KEY=API_KEY),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "It adds one.\n"
    assert "Explain: BotA finished, 339 points." in done.stderr, "the summary (-v)"
    assert API_KEY not in done.stderr
