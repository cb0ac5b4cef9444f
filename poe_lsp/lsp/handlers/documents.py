"""Document notifications: wake writers waiting for a version, forget closed documents."""

from __future__ import annotations

from lsprotocol import types as t

from poe_lsp.lsp.server import PoeLanguageServer


def register(server: PoeLanguageServer) -> None:
    """Register the document handlers (pygls keeps the documents themselves in sync)."""
    server.feature(t.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(t.TEXT_DOCUMENT_DID_CLOSE)(did_close)


def did_change(ls: PoeLanguageServer, params: t.DidChangeTextDocumentParams) -> None:
    """Regions being written follow the change; edits waiting for the new version go on."""
    ls.editor.document_changed(params)


def did_close(ls: PoeLanguageServer, params: t.DidCloseTextDocumentParams) -> None:
    """Jobs on a closed document stop; its explanations and proposals are dropped."""
    ls.editor.document_closed(params.text_document.uri)
    ls.session.document_closed(params.text_document.uri)
