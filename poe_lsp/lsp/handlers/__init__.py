"""LSP wiring: every handler poe-lsp registers, in one visible list."""

from __future__ import annotations

from poe_lsp.lsp.handlers import (
    chat,
    code_actions,
    commands,
    commit,
    custom,
    documents,
    followup,
    hover,
    lifecycle,
    usage,
    watched,
)
from poe_lsp.lsp.server import PoeLanguageServer


def build_server() -> PoeLanguageServer:
    """Return a server with all of poe-lsp's features registered."""
    server = PoeLanguageServer()
    lifecycle.register(server)
    documents.register(server)
    code_actions.register(server)
    commands.register(server)
    commit.register(server)
    hover.register(server)
    custom.register(server)
    watched.register(server)
    chat.register(server)
    followup.register(server)
    usage.register(server)
    return server
