"""``textDocument/hover``: an explanation of the range under the cursor, as far as it arrived."""

from __future__ import annotations

from lsprotocol import types as t

from poe_lsp.lsp.server import PoeLanguageServer
from poe_lsp.redaction import redact


def register(server: PoeLanguageServer) -> None:
    """Register the hover provider."""
    server.feature(t.TEXT_DOCUMENT_HOVER)(hover)


def hover(ls: PoeLanguageServer, params: t.HoverParams) -> t.Hover | None:
    """Return the newest explanation whose range holds the cursor."""
    pos = params.position
    explanation = ls.session.explanations.at(params.text_document.uri, (pos.line, pos.character))
    if explanation is None:
        return None
    return t.Hover(
        contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=redact(explanation.markdown())),
        range=t.Range(
            start=t.Position(line=explanation.start[0], character=explanation.start[1]),
            end=t.Position(line=explanation.end[0], character=explanation.end[1]),
        ),
    )
