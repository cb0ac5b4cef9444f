"""Start-up, settings and shutdown."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Mapping
from typing import Any

from lsprotocol import types as t

from poe_lsp.contract import CONFIG_SECTION
from poe_lsp.lsp.handlers import watched
from poe_lsp.lsp.server import PoeLanguageServer

log = logging.getLogger(__name__)

PIPELINE = (
    "poe_lsp.actions.run",
    "poe_lsp.actions.chat",
    "poe_lsp.actions.commit",
    "poe_lsp.actions.followup",
    "poe_lsp.actions.cost",
    "poe_lsp.actions.testsearch",
    "poe_lsp.actions.definitions",
)
"""The action pipeline (with what they import: the plan, the prompt, the targets, the
context, git): what the commands run. Answering ``initialize`` does not need it, so the
handlers import it where they use it, and :func:`initialized` loads it once the settings are
in, on the event loop, so that no import in a thread races a command's
(``tests/e2e/test_process.py`` checks both)."""


def register(server: PoeLanguageServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(t.INITIALIZE)(initialize)
    server.feature(t.INITIALIZED)(initialized)
    server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(t.SHUTDOWN)(shutdown)


def initialize(ls: PoeLanguageServer, params: t.InitializeParams) -> None:
    """Take the settings from ``initializationOptions`` until the client's own arrive."""
    ls.session.init_options = _section(params.initialization_options)
    ls.apply_settings(ls.session.init_options, announce=not _can_pull(ls))
    if not _can_pull(ls):
        ls.session.ready.set()


async def initialized(ls: PoeLanguageServer, params: t.InitializedParams) -> None:
    """Load the Poe client in the background, pull the ``poe`` settings, load the action
    pipeline, and watch the files that change what is offered."""
    ls.session.warm_up()
    await pull_settings(ls)
    for name in PIPELINE:
        importlib.import_module(name)
    await watched.watch(ls)


async def did_change_configuration(
    ls: PoeLanguageServer, params: t.DidChangeConfigurationParams
) -> None:
    """Use pushed settings when they come with the notification; otherwise pull them."""
    pushed = params.settings.get(CONFIG_SECTION) if isinstance(params.settings, Mapping) else None
    if isinstance(pushed, Mapping):
        ls.apply_settings(_merge(ls.session.init_options, pushed))
        ls.session.ready.set()
    else:
        ls.session.ready.clear()  # jobs started meanwhile wait for the new settings
        await pull_settings(ls)


async def pull_settings(ls: PoeLanguageServer) -> None:
    """Read the ``poe`` section through ``workspace/configuration`` when the client has it."""
    if not _can_pull(ls):
        ls.session.ready.set()
        return
    generation = ls.session.generation
    try:
        result = await ls.workspace_configuration_async(
            t.ConfigurationParams(items=[t.ConfigurationItem(section=CONFIG_SECTION)])
        )
    except Exception as exc:
        log.warning("could not read the poe settings: %s", type(exc).__name__)
        ls.apply_settings(ls.session.init_options)
        ls.session.ready.set()
        return
    if ls.session.generation != generation:
        log.info("settings changed while they were pulled; keeping the newer ones")
    else:
        ls.apply_settings(_merge(ls.session.init_options, result[0] if result else None))
    ls.session.ready.set()


SHUTDOWN_TIMEOUT = 2.0
"""Seconds ``shutdown`` waits for the jobs to stop (their streams close at once; rollbacks
take a round trip to the editor) before it answers."""


async def shutdown(ls: PoeLanguageServer, *args: Any) -> None:
    """Stop the jobs and close the Poe connections, then let pygls answer.

    The jobs' rollbacks still reach the editor, which is there until ``exit``. pygls 2.1's own
    shutdown then cancels pending requests while iterating the dict that each cancel shrinks;
    cancelling them here first, from a copy, avoids that error.
    """
    running = len(ls.session.jobs.running())
    await ls.close(SHUTDOWN_TIMEOUT)
    if running:
        log.info("shutdown: stopped %d job(s)", running)
    this: object = asyncio.current_task()  # this handler's own future: never cancel it
    for msg_id, future in list(ls.protocol._request_futures.items()):
        if msg_id != ls.protocol.msg_id and future is not this and not future.done():
            future.cancel()


def _can_pull(ls: PoeLanguageServer) -> bool:
    return ls.editor.can_pull_settings


def _section(options: object) -> object:
    """Accept ``{"poe": {...}}`` as well as the settings object itself."""
    if isinstance(options, Mapping) and isinstance(options.get(CONFIG_SECTION), Mapping):
        return options[CONFIG_SECTION]
    return options


def _merge(base: object, override: object) -> object:
    if not isinstance(override, Mapping):
        return base
    if not isinstance(base, Mapping):
        return dict(override)
    return {**base, **override}
