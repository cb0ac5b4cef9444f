"""The server's workspace holds LineDocuments, and changes reach them in LSP's line model
(``tests/unit/test_line_model.py`` checks LineDocument itself against that model)."""

from __future__ import annotations

import contextlib

from lsprotocol import types as t

from poe_lsp.lsp.handlers import build_server
from poe_lsp.lsp.workspace import LineDocument


def test_the_server_keeps_documents_as_line_documents() -> None:
    server = build_server()
    steps = server.protocol.lsp_initialize(t.InitializeParams(capabilities=t.ClientCapabilities()))
    handler, args, _ = next(steps)
    with contextlib.suppress(StopIteration):
        steps.send(handler(*args))
    text = "a\n\x0c\nb\u2028c\nd\n"
    item = t.TextDocumentItem(uri="file:///m.py", language_id="python", version=1, text=text)
    server.workspace.put_text_document(item)
    document = server.workspace.get_text_document("file:///m.py")
    assert isinstance(document, LineDocument)
    change = t.TextDocumentContentChangePartial(
        range=t.Range(start=t.Position(line=3, character=0), end=t.Position(line=3, character=1)),
        text="D",
    )
    server.workspace.update_text_document(
        t.VersionedTextDocumentIdentifier(uri="file:///m.py", version=2), change
    )
    assert document.source == "a\n\x0c\nb\u2028c\nD\n"
