"""``workspace/didChangeWatchedFiles``: what poe-lsp keeps of the workspace's files is dropped
as soon as they change, where the editor watches files for servers.

Two things are kept: the scan of the prompt files (``.github/prompts/*.prompt.md``) and git's
list of ignored files (:mod:`poe_lsp.actions.private`). Both also expire on their own after a
few seconds, for editors that do not watch files.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types as t
from pygls.capabilities import get_capability

from poe_lsp.lsp.server import PoeLanguageServer

log = logging.getLogger(__name__)

PROMPT_GLOB = "**/.github/prompts/*.prompt.md"
IGNORE_GLOBS = ("**/.gitignore", "**/.git/info/exclude")
REGISTRATION_ID = "poe-lsp-watched-files"
REGISTRATION_TIMEOUT = 10.0
"""Seconds the editor has to answer the registration."""


def register(server: PoeLanguageServer) -> None:
    """Register the watched-files handler."""
    server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)


async def watch(ls: PoeLanguageServer) -> None:
    """Ask the editor to watch the files poe-lsp keeps something of, if it can."""
    capability = "workspace.did_change_watched_files.dynamic_registration"
    if not get_capability(ls.client_capabilities, capability, False):
        return
    watchers = [t.FileSystemWatcher(glob_pattern=g) for g in (PROMPT_GLOB, *IGNORE_GLOBS)]
    options = t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
    registration = t.Registration(
        id=REGISTRATION_ID, method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(t.RegistrationParams(registrations=[registration])),
            REGISTRATION_TIMEOUT,
        )
    except Exception as exc:  # refused or unanswered: the caches expire on their own
        log.info("the editor does not watch files for poe-lsp: %s", type(exc).__name__)


def did_change_watched_files(ls: PoeLanguageServer, params: t.DidChangeWatchedFilesParams) -> None:
    """A prompt file changed: scan again at the next request; an ignore file: ask git again."""
    from poe_lsp.actions import private

    for change in params.changes:
        uri = change.uri
        if uri.endswith(".prompt.md"):
            ls.session.prompt_files.invalidate()
        elif uri.endswith("/.gitignore") or uri.endswith("/.git/info/exclude"):
            private.forget()
