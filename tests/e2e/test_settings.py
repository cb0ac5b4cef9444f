"""Settings paths end to end: initializationOptions, pull, push, environment, wrong values."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    API_KEY,
    CLIENTS,
    SERVER,
    execute,
    rng,
    server_env,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = "def f():\n    return 1\n"
ENV_KEY = "env-key-from-the-shell-42"


def _args(editor: Editor) -> dict[str, object]:
    uri = (editor.root / "mod.py").as_uri()
    editor.open(uri, SOURCE)
    return {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def keyless(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A server whose settings have everything but a key."""
    settings = settings_for(poe)
    del settings["apiKey"]
    lsp_client.editor = await start_session(lsp_client, request.param, tmp_path, settings)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_no_key_says_where_to_set_it_and_sends_nothing(
    keyless: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = keyless.editor  # type: ignore[attr-defined]
    poe.set_script("Code", Script(chunks=["```\nx\n```\n"]))
    result = await execute(keyless, "poe.refactor", _args(editor))
    assert "jobId" in result
    await wait_for_progress_end(keyless)
    (message,) = keyless.messages
    assert message.type == t.MessageType.Error
    assert "poe.apiKey" in message.message and "POE_API_KEY" in message.message
    assert poe.requests == []
    assert editor.edits == []


ENV_SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "poe_lsp"], server_env=server_env(POE_API_KEY=ENV_KEY)
)


@pytest_lsp.fixture(config=ENV_SERVER)
async def env_keyed(
    lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A server that gets its key from the environment and its settings only at initialize."""
    settings = settings_for(poe)
    del settings["apiKey"]
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, "visual-studio-code", tmp_path, None, init={"poe": settings}
    )
    yield
    await lsp_client.shutdown_session()


async def test_key_from_the_environment_and_settings_from_initialization_options(
    env_keyed: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = env_keyed.editor  # type: ignore[attr-defined]
    poe.set_script("Code", Script(chunks=["```python\n", "def f():\n    return 2\n", "```\n"]))
    args = _args(editor)
    await execute(env_keyed, "poe.refactor", args)
    await wait_for_progress_end(env_keyed)
    (request,) = poe.requests
    assert request.authorization == f"Bearer {ENV_KEY}"
    assert editor.text(args["textDocument"]["uri"]) == "def f():\n    return 2\n"  # type: ignore[index]


async def test_pushed_settings_change_the_bot_and_per_action_bots_win(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Other", Script(chunks=["Other explains."]))
    poe.set_script("Explainer", Script(chunks=["Explainer explains."]))
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(
            settings={"poe": {"bot": "Other", "apiKey": API_KEY, "baseUrl": poe.base_url}}
        )
    )
    await asyncio.sleep(0.2)
    await execute(session.client, "poe.explain", _args(session))
    await wait_for_progress_end(session.client)
    assert [r.bot for r in poe.requests] == ["Other"]

    session.client.set_configuration(
        {
            "bot": "Other",
            "bots": {"explain": "Explainer"},
            "apiKey": API_KEY,
            "baseUrl": poe.base_url,
        },
        section="poe",
    )
    session.client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.2)
    await execute(session.client, "poe.explain", _args(session))
    await wait_for_progress_end(session.client, count=2)
    assert [r.bot for r in poe.requests] == ["Other", "Explainer"]


async def test_wrong_values_are_named_to_the_user(session: Editor, poe: FakePoe) -> None:
    session.client.set_configuration(
        {**settings_for(poe), "contextLines": "lots", "baseUrl": "not a url"}, section="poe"
    )
    session.client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings=None))
    for _ in range(50):
        if session.client.messages:
            break
        await asyncio.sleep(0.05)
    (message,) = session.client.messages
    assert message.type == t.MessageType.Warning
    assert "poe.contextLines" in message.message and "poe.baseUrl" in message.message
