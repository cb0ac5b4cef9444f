"""Protecting the user's points: trusted bots, the shared rate limit, the balance."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    API_KEY,
    CLIENTS,
    capabilities_of,
    execute,
    rng,
    server_env,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = "def f(x):\n    return x+1\n"
ASKING = ClientServerConfig(
    server_command=[sys.executable, "-m", "poe_lsp", "-v"],
    server_env=server_env(POE_TRUSTED_BOTS=""),
)
"""A server whose environment trusts no bot beyond the built-in list."""


def _args(editor: Editor, bot: str) -> dict[str, object]:
    uri = (editor.root / "m.py").as_uri()
    if uri not in editor.docs:
        editor.open(uri, SOURCE)
    return {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0), "bot": bot}


def _untrusted(poe: FakePoe) -> dict[str, object]:
    settings = settings_for(poe)
    del settings["trustedBots"]
    return settings


@pytest_lsp.fixture(config=ASKING, params=CLIENTS)
async def asking(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A VS Code-like and a Neovim-like client of :data:`ASKING`, trusting what settings say."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, request.param, tmp_path, settings_for(poe)
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def asked(asking: LanguageClient) -> Editor:
    """The editor model of :func:`asking`."""
    editor: Editor = asking.editor  # type: ignore[attr-defined]
    return editor


async def test_an_untrusted_bot_is_asked_about_first(asked: Editor, poe: FakePoe) -> None:
    session = asked
    poe.set_script("ThirdParty", Script(chunks=["It adds one."]))
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"poe": _untrusted(poe)})
    )
    await asyncio.sleep(0.2)

    session.trust_answer = "Cancel"
    await execute(session.client, "poe.explain", _args(session, "ThirdParty"))
    await wait_for_progress_end(session.client)
    assert poe.requests == [], "Cancel sends nothing"
    assert any(
        "Nothing was sent to ThirdParty" in m.message and "POE_TRUSTED_BOTS" in m.message
        for m in session.client.messages
    )

    session.trust_answer = "Allow once"
    await execute(session.client, "poe.explain", _args(session, "ThirdParty"))
    await wait_for_progress_end(session.client, count=2)
    assert len(poe.requests) == 1
    assert len(session.questions) == 2

    session.trust_answer = "Always allow"
    await execute(session.client, "poe.explain", _args(session, "ThirdParty"))
    await wait_for_progress_end(session.client, count=3)
    session.trust_answer = None
    await execute(session.client, "poe.explain", _args(session, "ThirdParty"))
    await wait_for_progress_end(session.client, count=4)
    assert len(poe.requests) == 3
    assert len(session.questions) == 3, "after Always allow it stops asking"
    assert "ThirdParty" in session.questions[0] and "point balance" in session.questions[0]


async def test_official_bots_are_not_asked_about(asked: Editor, poe: FakePoe) -> None:
    poe.set_script("GPT-5", Script(chunks=["It adds one."]))
    poe.set_script("Code", Script(chunks=["It adds one."]))
    await execute(asked.client, "poe.explain", _args(asked, "GPT-5"))
    await wait_for_progress_end(asked.client)
    assert asked.questions == [] and len(poe.requests) == 1
    await execute(asked.client, "poe.explain", _args(asked, "Code"))  # the control: asked
    await wait_for_progress_end(asked.client, count=2)
    assert len(asked.questions) == 1 and len(poe.requests) == 2


async def test_bots_the_settings_trust_are_still_asked_about(asked: Editor, poe: FakePoe) -> None:
    """``trustedBots: ["*"]`` can come from the project's settings: it does not spend alone."""
    poe.set_script("ThirdParty", Script(chunks=["It adds one."]))
    asked.trust_answer = "Cancel"
    await execute(asked.client, "poe.explain", _args(asked, "ThirdParty"))
    await wait_for_progress_end(asked.client)
    assert poe.requests == []
    (question,) = asked.questions
    assert "ThirdParty" in question and "poe.trustedBots" in question and "project" in question
    refusal = [m.message for m in asked.client.messages if "Nothing was sent" in m.message]
    assert refusal and "POE_TRUSTED_BOTS" in refusal[0]


async def test_bots_the_environment_trusts_are_not_asked_about(
    session: Editor, poe: FakePoe
) -> None:
    """The tests' environment says ``POE_TRUSTED_BOTS=*`` (see ``server_env``)."""
    poe.set_script("ThirdParty", Script(chunks=["It adds one."]))
    session.trust_answer = "Cancel"
    await execute(session.client, "poe.explain", _args(session, "ThirdParty"))
    await wait_for_progress_end(session.client)
    assert session.questions == [] and len(poe.requests) == 1


def _no_questions(capabilities: t.ClientCapabilities) -> None:
    assert capabilities.window is not None
    capabilities.window.show_message = None


@pytest_lsp.fixture(config=ASKING)
async def mute(lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path) -> AsyncIterator[None]:
    """A client that cannot show a question with buttons."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, capabilities_of("neovim", _no_questions), tmp_path, _untrusted(poe)
    )
    yield
    await lsp_client.shutdown_session()


async def test_clients_that_cannot_ask_get_a_clear_refusal(
    mute: LanguageClient, poe: FakePoe
) -> None:
    editor: Editor = mute.editor  # type: ignore[attr-defined]
    poe.set_script("ThirdParty", Script(chunks=["x"]))
    await execute(mute, "poe.explain", _args(editor, "ThirdParty"))
    await wait_for_progress_end(mute)
    assert poe.requests == []
    (message,) = mute.messages
    assert "Nothing was sent to ThirdParty" in message.message
    assert "POE_TRUSTED_BOTS" in message.message


async def test_a_burst_above_the_limit_is_queued_and_never_exceeds_it(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["fine"]))
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(
            settings={"poe": settings_for(poe, rateLimit=2, rateLimitWindow=1.5)}
        )
    )
    await asyncio.sleep(0.2)
    uri = (session.root / "m.py").as_uri()
    session.open(uri, "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n")
    for line in range(5):
        await execute(
            session.client,
            "poe.explain",
            {"textDocument": {"uri": uri}, "range": rng(line, 0, line + 1, 0), "bot": "Code"},
        )
    ended = await wait_for_progress_end(session.client, count=5, timeout=30)
    assert all(reports[-1].message.endswith("hover it to read.") for reports in ended)
    times = sorted(r.received_at for r in poe.requests)
    assert len(times) == 5
    # The limiter counts when requests leave the server; they reach the fake a little later,
    # and the first one later still (the HTTP client is created on first use).
    for i in range(len(times) - 2):
        assert times[i + 2] - times[i] >= 1.0, f"3 requests within the 1.5 s window: {times}"
    waited = [r.message for reports in ended for r in reports if r.kind == "report"]
    assert any("rate limit" in (m or "") for m in waited), "queued jobs say why they wait"


async def test_balance(session: Editor, poe: FakePoe) -> None:
    poe.set_balance(123456)
    result = await execute(session.client, "poe.balance")
    assert result == {"points": 123456}
    (request,) = poe.usage_requests
    assert request.authorization == f"Bearer {API_KEY}"
    assert any("123,456" in m.message for m in session.client.messages)
    poe.set_balance(0, status=401)
    with pytest.raises(JsonRpcException, match=r"poe\.apiKey"):
        await execute(session.client, "poe.balance")
