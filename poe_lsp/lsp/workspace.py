"""The documents the server keeps in sync: pygls' text documents, with LSP's lines, kept.

pygls splits a document with ``str.splitlines``, which also breaks lines at form feeds,
``\\x0b``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``. LSP breaks lines only at
``\\n``, ``\\r\\n`` and ``\\r``, so with such a character in a file every position after it
meant another place to pygls than to the editor, and the editor's changes landed in the
wrong place. pygls also clamps a position past the end of the last line to one character
before it, and lets a position past a line's text point into (or past) its line break.
:class:`LineDocument` and :class:`LineCodec` split and clamp as LSP says.

pygls also applies an incremental ``didChange`` by writing every line out again, so each
keystroke cost time in proportion to the file (about 10 ms for 50,000 lines).
:class:`LineDocument` keeps the list of lines, splices the changed ones in place and joins
the text again only when it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition, Utf8, Utf32

from poe_lsp.edits.positions import Encoding, chars_for_units, split_lines, strip_break

log = logging.getLogger(__name__)


class LineCodec(PositionCodec):
    """pygls' position codec, reading client positions as LSP defines them.

    A position past a line's text stands for the end of its text (before the line break);
    a line past the last one, for the end of the document.
    """

    @property
    def lsp_encoding(self) -> Encoding:
        """The negotiated encoding, by its name in :mod:`poe_lsp.edits.positions`."""
        if isinstance(self.impl, Utf8):
            return "utf-8"
        return "utf-32" if isinstance(self.impl, Utf32) else "utf-16"

    def position_from_client_units(
        self, lines: Sequence[str], position: t.Position
    ) -> ServerTextPosition:
        if position.line >= len(lines):
            return ServerTextPosition(len(lines), 0)
        content = strip_break(lines[position.line])
        column = chars_for_units(content, max(position.character, 0), self.lsp_encoding)
        return ServerTextPosition(position.line, column)


def line_codec(codec: PositionCodec) -> LineCodec:
    """Return ``codec`` as a :class:`LineCodec` (the same encoding)."""
    return codec if isinstance(codec, LineCodec) else LineCodec(codec.encoding)


class LineDocument(TextDocument):
    """A text document with LSP's lines, whose incremental changes cost what they change."""

    _kept: list[str] | None = None
    """The lines (with their line breaks) once known; ``_source`` is then joined lazily."""
    _frozen: tuple[str, ...] | None = None
    """:attr:`lines` as last given out, until the next change: a snapshot that later changes
    do not touch, copied once per change rather than at every request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._position_codec = line_codec(self._position_codec)

    @property
    def source(self) -> str:
        if self._kept is not None and self._source is None:
            self._source = "".join(self._kept)
        return super().source

    @property
    def lines(self) -> Sequence[str]:
        if self._frozen is not None:
            return self._frozen
        lines = tuple(self._lines())
        if self._kept is not None:
            self._frozen = lines
        return lines

    def _lines(self) -> list[str]:
        if self._kept is not None:
            return self._kept
        lines = split_lines(self.source, keepends=True)
        if self._source is not None:  # a document read from disk is read again each time
            self._kept = lines
        return lines

    def _apply_incremental_change(self, change: t.TextDocumentContentChangePartial) -> None:
        """Replace the range's text, touching only the lines it spans.

        A reversed range is read in order, as editors read one.
        """
        lines = self._lines()
        rng = self._position_codec.range_from_client_units(lines, change.range)
        start, end = sorted(
            ((rng.start.line, rng.start.character), (rng.end.line, rng.end.character))
        )
        if not lines:
            self._apply_full_change(t.TextDocumentContentChangeWholeDocument(text=change.text))
            return
        first, start_col = _in_lines(lines, start)
        last, end_col = _in_lines(lines, end)
        changed = lines[first][:start_col] + change.text + lines[last][end_col:]
        # Split again with a neighbour on each side: a "\r" and a "\n" that meet at the edge of
        # the change must become one line break, as in the split of the whole text.
        low, high = max(first - 1, 0), min(last + 2, len(lines))
        window = "".join(lines[low:first]) + changed + "".join(lines[last + 1 : high])
        self._kept = lines
        lines[low:high] = split_lines(window, keepends=True)
        self._source = None
        self._frozen = None

    def _apply_full_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        super()._apply_full_change(change)
        self._kept = None
        self._frozen = None


def _in_lines(lines: list[str], pos: tuple[int, int]) -> tuple[int, int]:
    """Return ``pos`` (a server position) as a line of ``lines`` and an index in it."""
    row, column = pos
    if row >= len(lines):  # the end of the document: after the last line's break
        return len(lines) - 1, len(lines[-1])
    return row, column


class LineWorkspace(Workspace):
    """A workspace whose text documents are :class:`LineDocument`\\ s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LineDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )

    def update_text_document(
        self,
        text_doc: t.VersionedTextDocumentIdentifier,
        change: t.TextDocumentContentChangeEvent,
    ) -> None:
        """Apply ``change``; a change to a document that is not open is dropped (VS Code
        sends one after closing an unsaved untitled document), where pygls raises."""
        if unquote(text_doc.uri) not in self._text_documents:
            log.debug("a change to %s, which is not open, was dropped", text_doc.uri)
            return
        super().update_text_document(text_doc, change)


class LineProtocol(LanguageServerProtocol):
    """pygls' protocol, with a :class:`LineWorkspace` from ``initialize`` on."""

    @lsp_method(t.INITIALIZE)
    def lsp_initialize(self, params: t.InitializeParams) -> Generator[Any, Any, t.InitializeResult]:
        result = yield from super().lsp_initialize(params)
        # pygls builds a plain Workspace; no document exists before initialize is answered.
        self.workspace.__class__ = LineWorkspace
        return result
