"""What one server session holds: settings, the Poe client, jobs, answers,
conversations, and trust given.

No pygls here: the LSP wiring (:mod:`poe_lsp.lsp.server`) owns one :class:`Session`, and the
actions read it; the terminal commands make one of their own.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from poe_lsp.actions.promptfiles import PromptFiles
from poe_lsp.answers import ExplanationStore, ProposalStore
from poe_lsp.chats import ChatStore, chat_directory
from poe_lsp.conversations import ConversationStore
from poe_lsp.jobs import JobRegistry
from poe_lsp.logs import redact_secret
from poe_lsp.messages import EDITOR, Wording
from poe_lsp.poe import PoeClient
from poe_lsp.poe.catalogue import Catalogue
from poe_lsp.points import Ledger
from poe_lsp.sent import SentLog
from poe_lsp.settings import Settings, parse_settings
from poe_lsp.trust import HostEntry

log = logging.getLogger(__name__)

SETTINGS_TIMEOUT = 5.0
"""Seconds a job waits for the client's first settings before it uses what there is."""


class Session:
    """The state of one session of poe-lsp, from start to shutdown."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: PoeClient | None = None,
        wording: Wording = EDITOR,
    ) -> None:
        """Settings given here are ready at once; a ``client`` given here is used as is;
        ``wording`` is how the Poe client's failures name the settings."""
        self.wording = wording
        self.settings = settings or Settings()
        self.generation = 0
        """Bumped by every settings change, so a slow pull cannot undo a newer push."""
        self.ready = asyncio.Event()
        """Set once the first settings from the client are in (or cannot come)."""
        if settings is not None:
            self.ready.set()
        self.init_options: object = None
        self.jobs = JobRegistry()
        self.explanations = ExplanationStore()
        self.proposals = ProposalStore()
        self.sent = SentLog()
        """What the last jobs sent to their bots (``poe.sent``)."""
        self.conversations = ConversationStore()
        """The last finished jobs' conversations and where their answers went
        (``poe.followUp``)."""
        self.allowed_bots: set[str] = set()
        """Bots (lower case) the user allowed for the rest of the session."""
        self.allowed_hosts: set[HostEntry] = set()
        """Hosts the user allowed the key to go to, until the server stops."""
        self.prompt_files = PromptFiles()
        self.chats = ChatStore()
        """The chats made this session, with the selection each began from."""
        self.chat_directory = chat_directory()
        """Where chats are written: from the environment only."""
        """The project's ``.github/prompts/*.prompt.md``, scanned now and then."""
        self.points = Ledger()
        """What this session's jobs cost, and today's spending (:mod:`poe_lsp.points`)."""
        self.catalogue = Catalogue()
        """Poe's bot list: memory, the disk cache, then Poe (:mod:`poe_lsp.poe.catalogue`)."""
        self._poe: PoeClient | None = client
        self._poe_timeout: float | None = None
        self._fixed_client = client is not None

    def apply_settings(self, raw: object) -> list[str]:
        """Take a new settings object; return what was wrong with it (for the user)."""
        settings, problems = parse_settings(raw)
        self.settings = settings
        self.generation += 1
        if settings.api_key:
            redact_secret(settings.api_key)
        log.info(
            "settings: bot=%s bots=%s baseUrl=%s key=%s",
            settings.bot,
            dict(settings.bots),
            settings.base_url,
            "set" if settings.api_key else "missing",
        )
        return problems

    async def ready_settings(self) -> Settings:
        """Return the settings once the first pull from the client is done (or timed out)."""
        try:
            await asyncio.wait_for(self.ready.wait(), SETTINGS_TIMEOUT)
        except TimeoutError:
            log.warning(
                "no settings from the client after %ss; using what we have", SETTINGS_TIMEOUT
            )
        return self.settings

    async def poe_client(self, settings: Settings) -> PoeClient:
        """Return the shared Poe client (importing fastapi_poe in a thread the first time)."""
        if self._fixed_client and self._poe is not None:
            return self._poe
        if self._poe is None or self._poe_timeout != settings.read_timeout:
            module = await asyncio.to_thread(_import_client)
            if self._poe is not None:
                await self._poe.aclose()
            self._poe = module.FastapiPoeClient(
                read_timeout=settings.read_timeout, wording=self.wording
            )
            self._poe_timeout = settings.read_timeout
        return self._poe

    def warm_up(self) -> None:
        """Import the Poe client in the background so the first action does not wait."""
        threading.Thread(target=_import_client, name="poe-lsp-warm-up", daemon=True).start()

    def document_closed(self, uri: str) -> None:
        """Stop the jobs that read or write ``uri`` and forget what was kept for it."""
        for job in self.jobs.running():
            if job.touches(uri):
                job.cancel()
        self.explanations.forget(uri)
        self.proposals.forget(uri)
        self.conversations.forget(uri)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop every job (waiting at most ``timeout`` seconds) and close connections."""
        await self.jobs.shutdown(timeout)
        self.prompt_files.close()
        await self.catalogue.close()
        if self._poe is not None:
            await self._poe.aclose()
            self._poe = None


def _import_client() -> Any:
    from poe_lsp.poe import fastapi_client

    return fastapi_client
