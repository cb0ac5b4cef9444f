"""Document notifications: wake writers waiting for a version, forget closed documents."""

from __future__ import annotations

from lsprotocol import types as t

from poe_lsp.server import PoeLanguageServer


def register(server: PoeLanguageServer) -> None:
    """Register the document handlers (pygls keeps the documents themselves in sync)."""
    server.feature(t.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(t.TEXT_DOCUMENT_DID_CLOSE)(did_close)


def did_change(ls: PoeLanguageServer, params: t.DidChangeTextDocumentParams) -> None:
    """A new version arrived: streamed edits waiting for it may go on."""
    ls.document_changed()


def did_close(ls: PoeLanguageServer, params: t.DidCloseTextDocumentParams) -> None:
    """Drop the explanations of a closed document."""
    ls.explanations.forget(params.text_document.uri)
