"""End-to-end fixtures: the real ``poe-lsp`` process, a pytest-lsp client that behaves like
an editor, and the fake Poe bot server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import copy
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe

API_KEY = "test-key-e2e-0123456789"
CLIENTS = ["visual-studio-code", "neovim"]


def server_env(**extra: str) -> dict[str, str]:
    """The server's environment: this one without a Poe key, plus ``extra``.

    The test user trusts every (fake) bot from the environment (``POE_TRUSTED_BOTS=*``),
    since settings alone cannot; tests of the trust questions pass ``POE_TRUSTED_BOTS=""``.
    No host is allowed beyond Poe's and this machine (``POE_ALLOWED_HOSTS``) unless given.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("POE_API_KEY", "POE_ALLOWED_HOSTS", "POE_TRUSTED_BOTS")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["POE_TRUSTED_BOTS"] = "*"
    env.update(extra)
    return env


SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "poe_lsp", "-v"], server_env=server_env()
)


def capabilities_of(
    spec: str, change: Callable[[t.ClientCapabilities], None]
) -> t.ClientCapabilities:
    """The recorded capabilities of ``spec``'s editor, with ``change`` applied to a copy."""
    capabilities = copy.deepcopy(client_capabilities(spec))
    change(capabilities)
    return capabilities


def settings_for(poe: FakePoe, **overrides: Any) -> dict[str, Any]:
    """The ``poe`` settings object the tests' editor holds."""
    return {
        "apiKey": API_KEY,
        "baseUrl": poe.base_url,
        "bot": "Code",
        "trustedBots": ["*"],
        **overrides,
    }


async def start_session(
    client: LanguageClient,
    spec: str | t.ClientCapabilities,
    root: Path,
    settings: dict[str, Any] | None,
    init: Any = None,
    experimental: dict[str, Any] | None = None,
) -> Editor:
    """Initialize like ``spec``'s editor does and return the editor model."""
    if settings is not None:
        client.set_configuration(settings, section="poe")
    _fix_code_action_structuring(client)
    capabilities = client_capabilities(spec) if isinstance(spec, str) else spec
    if experimental is not None:
        capabilities.experimental = experimental
    client.job_events = []  # type: ignore[attr-defined]

    @client.feature("poe/jobEnded")
    def on_job_ended(params: Any) -> None:
        client.job_events.append(params)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: t.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    result = await client.initialize_session(
        t.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init,
        )
    )
    editor = Editor(
        client,
        encoding=str(result.capabilities.position_encoding or "utf-16"),
        root=root,
        server_capabilities=result.capabilities,
    )
    editor.attach()
    return editor


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def client(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A server under a VS Code-like and under a Neovim-like client, set up with a key."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, request.param, tmp_path, settings_for(poe)
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def opted_in(
    request: pytest.FixtureRequest, lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path
) -> AsyncIterator[None]:
    """A VS Code-like and a Neovim-like client that asked for ``poe/jobEnded``."""
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, request.param, tmp_path, settings_for(poe), experimental={"poeJobEvents": True}
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(client: LanguageClient) -> Editor:
    """The editor model of :func:`client`."""
    editor: Editor = client.editor  # type: ignore[attr-defined]
    return editor


def _fix_code_action_structuring(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 reads every code action that has a ``command`` as a ``Command``;
    editors do not, so the test client must not either."""
    converter = client.protocol._converter

    def structure(obj: Any, _: Any) -> t.Command | t.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, t.Command)  # type: ignore[no-any-return]
        return converter.structure(obj, t.CodeAction)  # type: ignore[no-any-return]

    converter.register_structure_hook(t.Command | t.CodeAction, structure)  # type: ignore[arg-type]
    converter.register_structure_hook(Union[t.Command, t.CodeAction], structure)  # noqa: UP007


async def wait_for_progress_end(
    client: LanguageClient, count: int = 1, timeout: float = 15.0
) -> list[Any]:
    """Wait until ``count`` work-done progresses have ended; return their reports, in order."""
    deadline = time.monotonic() + timeout
    while True:
        ended = [r for r in client.progress_reports.values() if r and r[-1].kind == "end"]
        if len(ended) >= count:
            return ended
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(ended)} progress(es) ended, expected {count}")
        await asyncio.sleep(0.02)


async def wait_for_job_events(
    client: LanguageClient, count: int = 1, timeout: float = 20.0
) -> list[Any]:
    """Wait until ``count`` ``poe/jobEnded`` notifications came (they follow the progress
    end); return them all, in order."""
    deadline = time.monotonic() + timeout
    while len(client.job_events) < count:  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            came = len(client.job_events)  # type: ignore[attr-defined]
            raise TimeoutError(f"{came} job(s) ended, expected {count}")
        await asyncio.sleep(0.02)
    return list(client.job_events)  # type: ignore[attr-defined]


async def execute(client: LanguageClient, command: str, *arguments: Any) -> Any:
    """Run ``workspace/executeCommand``."""
    return await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


def rng(start_line: int, start_char: int, end_line: int, end_char: int) -> dict[str, Any]:
    """An LSP Range on the wire."""
    return {
        "start": {"line": start_line, "character": start_char},
        "end": {"line": end_line, "character": end_char},
    }
