"""``poe.listBots``: Poe's bot catalogue through the real server, its caches, and the
"did you mean" of an unknown bot."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    API_KEY,
    execute,
    rng,
    server_env,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe

CATALOGUE: list[Any] = [
    {
        "id": "Claude-Sonnet-4.5",
        "object": "model",
        "created": 1_700_000_000_000,
        "owned_by": "Anthropic",
        "description": "Anthropic's model",
        "architecture": {
            "input_modalities": ["text", "image"],
            "output_modalities": ["text"],
            "modality": "text,image->text",
        },
        "pricing": {"prompt": "0.0000026", "completion": "0.000013"},
        "context_window": {"context_length": 200_000},
    },
    {
        "id": "Nano-Banana",
        "object": "model",
        "owned_by": "Google",
        "architecture": {"input_modalities": ["text"], "output_modalities": ["image"]},
        "pricing": None,
    },
    {"id": "GPT-5", "object": "model"},
    {"object": "model", "description": "no id"},
    "garbage",
]


@contextlib.asynccontextmanager
async def editor(tmp_path: Path, poe: FakePoe, cache: Path) -> AsyncIterator[Editor]:
    """A VS Code-like session whose server keeps its cache under ``cache``."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "poe_lsp", "-v"],
        server_env=server_env(XDG_CACHE_HOME=str(cache)),
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    closed = False
    try:
        session = await start_session(client, "visual-studio-code", tmp_path, settings_for(poe))
        yield session
        await client.shutdown_session()
        closed = True
    finally:
        process = client._server
        if not closed and process is not None and process.returncode is None:
            process.kill()
        await client.stop()  # type: ignore[no-untyped-call]


def ids(result: dict[str, Any]) -> list[str]:
    return [b["id"] for b in result["bots"]]


async def test_list_bots_answers_the_text_bots_once_fetched_without_the_key(
    tmp_path: Path, poe: FakePoe
) -> None:
    poe.set_models(CATALOGUE)
    async with editor(tmp_path, poe, tmp_path / "cache") as session:
        result = await execute(session.client, "poe.listBots")
        assert ids(result) == ["Claude-Sonnet-4.5", "GPT-5"]
        assert result["bots"][0] == {
            "id": "Claude-Sonnet-4.5",
            "description": "Anthropic's model",
            "ownedBy": "Anthropic",
            "inputModalities": ["text", "image"],
            "outputModalities": ["text"],
            "pricing": {"prompt": "0.0000026", "completion": "0.000013"},
            "contextLength": 200_000,
        }
        assert result["bots"][1]["description"] is None
        everything = await execute(session.client, "poe.listBots", {"all": True})
        assert ids(everything) == ["Claude-Sonnet-4.5", "Nano-Banana", "GPT-5"]
        with pytest.raises(JsonRpcException):
            await execute(session.client, "poe.listBots", {"all": "yes"})

    requests = poe.models_requests
    assert len(requests) == 1, "the second call is answered from memory"
    assert requests[0].authorization is None, "the catalogue needs no key"
    cached = tmp_path / "cache" / "poe-lsp" / "models.json"
    assert oct(cached.stat().st_mode & 0o777) == "0o600"
    assert API_KEY not in cached.read_text()


async def test_a_second_server_uses_the_disk_cache(tmp_path: Path, poe: FakePoe) -> None:
    poe.set_models(CATALOGUE)
    cache = tmp_path / "cache"
    async with editor(tmp_path, poe, cache) as session:
        await execute(session.client, "poe.listBots")
    poe.set_models([{"id": "Changed"}])
    async with editor(tmp_path, poe, cache) as session:
        assert ids(await execute(session.client, "poe.listBots")) == [
            "Claude-Sonnet-4.5",
            "GPT-5",
        ]
    assert len(poe.models_requests) == 1


@pytest.mark.parametrize("kind", ["corrupt", "symlink"])
async def test_a_corrupt_or_linked_cache_is_not_used(
    tmp_path: Path, poe: FakePoe, kind: str
) -> None:
    cache = tmp_path / "cache"
    (cache / "poe-lsp").mkdir(parents=True)
    path = cache / "poe-lsp" / "models.json"
    planted = {"version": 1, "source": poe.base_url, "fetched": 4e9, "data": [{"id": "Planted"}]}
    if kind == "corrupt":
        path.write_text('{"version": 1, "data": [')
    else:
        elsewhere = tmp_path / "elsewhere.json"
        elsewhere.write_text(json.dumps(planted))
        path.symlink_to(elsewhere)
    poe.set_models(CATALOGUE)
    async with editor(tmp_path, poe, cache) as session:
        assert ids(await execute(session.client, "poe.listBots")) == [
            "Claude-Sonnet-4.5",
            "GPT-5",
        ]
    assert len(poe.models_requests) == 1
    assert not path.is_symlink(), "the fresh list replaced the link, not what it points to"
    if kind == "symlink":
        assert json.loads((tmp_path / "elsewhere.json").read_text()) == planted


async def test_a_failing_catalogue_is_a_clear_error(tmp_path: Path, poe: FakePoe) -> None:
    poe.set_models(CATALOGUE, status=503)
    async with editor(tmp_path, poe, tmp_path / "cache") as session:
        with pytest.raises(JsonRpcException, match="HTTP 503"):
            await execute(session.client, "poe.listBots")


async def test_an_unknown_bot_gets_the_near_name_from_the_catalogue(
    tmp_path: Path, poe: FakePoe
) -> None:
    poe.set_models(CATALOGUE)
    async with editor(tmp_path, poe, tmp_path / "cache") as session:
        await execute(session.client, "poe.listBots")
        uri = (tmp_path / "m.py").as_uri()
        session.open(uri, "x = 1\n")
        await execute(
            session.client,
            "poe.explain",
            {"textDocument": {"uri": uri}, "range": rng(0, 0, 1, 0), "bot": "claude-sonet-4.5"},
        )
        await wait_for_progress_end(session.client)
        shown = [m.message for m in session.client.messages]
    assert any(
        "no bot named 'claude-sonet-4.5' (HTTP 404). Did you mean 'Claude-Sonnet-4.5'?" in m
        for m in shown
    ), shown
    assert len(poe.models_requests) == 1, "the failure path used the cache, not a fetch"
