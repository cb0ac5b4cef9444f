"""LineDocument gives the same text and lines as pygls' TextDocument after any change, and the
server's workspace holds LineDocuments."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as t
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from poe_lsp.handlers import build_server
from poe_lsp.workspace import LineDocument

PIECES = st.sampled_from(["a", "bc", "😀", "é", " ", "\n", "\r", "\r\n", "\x0c", "\u2028", ""])
TEXT = st.lists(PIECES, max_size=30).map("".join)
POSITION = st.tuples(st.integers(0, 8), st.integers(0, 8))


@st.composite
def changes(draw: Any) -> t.TextDocumentContentChangeEvent:
    """Mostly ranges (in order or reversed, inside or past the text), sometimes a full text."""
    if draw(st.integers(0, 9)) == 0:
        return t.TextDocumentContentChangeWholeDocument(text=draw(TEXT))
    start, end = draw(POSITION), draw(POSITION)
    if draw(st.booleans()):
        start, end = min(start, end), max(start, end)
    return t.TextDocumentContentChangePartial(
        range=t.Range(
            start=t.Position(line=start[0], character=start[1]),
            end=t.Position(line=end[0], character=end[1]),
        ),
        text=draw(TEXT),
    )


def _copy(change: t.TextDocumentContentChangeEvent) -> t.TextDocumentContentChangeEvent:
    """A fresh change: pygls may clamp a position in place."""
    if isinstance(change, t.TextDocumentContentChangeWholeDocument):
        return t.TextDocumentContentChangeWholeDocument(text=change.text)
    r = change.range
    return t.TextDocumentContentChangePartial(
        range=t.Range(
            start=t.Position(line=r.start.line, character=r.start.character),
            end=t.Position(line=r.end.line, character=r.end.character),
        ),
        text=change.text,
    )


@settings(max_examples=1000, deadline=None)
@given(TEXT, st.lists(changes(), max_size=8), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_line_document_changes_like_pygls(
    text: str, edits: list[t.TextDocumentContentChangeEvent], encoding: str
) -> None:
    codec = PositionCodec(encoding=encoding)
    ours = LineDocument("file:///m.py", text, position_codec=codec)
    theirs = TextDocument("file:///m.py", text, position_codec=codec)
    for change in edits:
        ours.apply_change(_copy(change))
        theirs.apply_change(_copy(change))
        assert list(ours.lines) == list(theirs.lines)
        assert ours.source == theirs.source


def test_the_server_keeps_documents_as_line_documents() -> None:
    server = build_server()
    steps = server.protocol.lsp_initialize(t.InitializeParams(capabilities=t.ClientCapabilities()))
    handler, args, _ = next(steps)
    with contextlib.suppress(StopIteration):
        steps.send(handler(*args))
    item = t.TextDocumentItem(uri="file:///m.py", language_id="python", version=1, text="a\n")
    server.workspace.put_text_document(item)
    assert isinstance(server.workspace.get_text_document("file:///m.py"), LineDocument)
