"""The pygls language server: wiring only.

:class:`PoeLanguageServer` holds the :class:`~poe_lsp.session.Session` (state) and the
:class:`~poe_lsp.lsp.editor.LspEditor` (the client, as the actions see it). The handlers
that drive them are registered in :mod:`poe_lsp.lsp.handlers`.
"""

from __future__ import annotations

from pygls.lsp.server import LanguageServer

import poe_lsp
from poe_lsp.lsp.editor import LspEditor
from poe_lsp.lsp.workspace import LineProtocol
from poe_lsp.session import Session


class PoeLanguageServer(LanguageServer):
    """poe-lsp over LSP: one session and the editor it talks to."""

    def __init__(self) -> None:
        super().__init__("poe-lsp", poe_lsp.__version__, protocol_cls=LineProtocol)
        self.session = Session()
        self.editor = LspEditor(self, self.session)

    def apply_settings(self, raw: object, *, announce: bool = True) -> None:
        """Take a new settings object; tell the user about values that were wrong."""
        problems = self.session.apply_settings(raw)
        if problems and announce:
            self.editor.notify("warning", "poe-lsp settings: " + "; ".join(problems) + ".")

    def editor_left(self) -> None:
        """The editor is gone (``exit`` or end of input): send nothing more, wait for nothing."""
        self.editor.left()

    async def close(self, timeout: float = 2.0) -> None:
        """Stop every job (waiting at most ``timeout`` seconds) and close connections."""
        await self.session.close(timeout)
