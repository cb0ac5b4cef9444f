"""``poe.usage``: what the key spent today, what this session's jobs cost, the budget."""

from __future__ import annotations

from typing import Any

from poe_lsp.contract import CMD_USAGE
from poe_lsp.lsp.server import PoeLanguageServer


def register(server: PoeLanguageServer) -> None:
    """Register ``poe.usage``."""
    server.command(CMD_USAGE)(usage_report)


async def usage_report(ls: PoeLanguageServer, *args: Any) -> dict[str, Any]:
    """Answer ``{"today", "session", "dailyBudget", "known"}`` (see ``contract.CMD_USAGE``).

    A usage host the key may not go to unasked is asked about, as for ``poe.balance``;
    refused, the history is not read and ``known`` is false.
    """
    from poe_lsp.actions.cost import history_url, usage
    from poe_lsp.poe.usage import usage_base_url
    from poe_lsp.trust import destination

    settings = await ls.session.ready_settings()
    if settings.api_key and history_url(ls.session, settings) is None:
        try:
            url = usage_base_url(settings.base_url, settings.usage_url)
        except ValueError:
            url = None
        if url is not None:
            setting = "poe.usageUrl" if settings.usage_url else "poe.baseUrl"
            await ls.editor.allow_host(destination(url), setting)
    return await usage(ls.session, settings)
