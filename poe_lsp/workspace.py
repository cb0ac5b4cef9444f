"""The documents the server keeps in sync: pygls' text documents, with their lines kept.

pygls applies an incremental ``didChange`` by splitting the whole text into lines and
writing every line out again, so each keystroke costs time in proportion to the file
(about 10 ms for 50,000 lines). :class:`LineDocument` keeps the list of lines, splices the
changed ones in place and joins the text again only when it is read. It gives the same text
and lines as pygls' :class:`~pygls.workspace.TextDocument` for every change.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from lsprotocol import types as t
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.workspace import TextDocument, Workspace


class LineDocument(TextDocument):
    """A text document whose incremental changes cost what they change."""

    _kept: list[str] | None = None
    """The lines (with their line breaks) once known; ``_source`` is then joined lazily."""

    @property
    def source(self) -> str:
        if self._kept is not None and self._source is None:
            self._source = "".join(self._kept)
        return super().source

    @property
    def lines(self) -> Sequence[str]:
        return tuple(self._lines())

    def _lines(self) -> list[str]:
        if self._kept is not None:
            return self._kept
        lines = self.source.splitlines(True)
        if self._source is not None:  # a document read from disk is read again each time
            self._kept = lines
        return lines

    def _apply_incremental_change(self, change: t.TextDocumentContentChangePartial) -> None:
        """Replace the range's text, as pygls does, touching only the lines it spans."""
        lines = self._lines()
        rng = self._position_codec.range_from_client_units(lines, change.range)
        first, last = rng.start.line, rng.end.line
        if first == len(lines):  # only for an empty document
            self._apply_full_change(t.TextDocumentContentChangeWholeDocument(text=change.text))
            return
        if first > last:  # pygls leaves the text as it is for a reversed range
            return
        start, end = rng.start.character, rng.end.character
        changed = lines[first][:start] + change.text + lines[last][end:]
        # Split again with a neighbour on each side: a "\r" and a "\n" that meet at the edge of
        # the change must become one line break, as in the split of the whole text.
        low, high = max(first - 1, 0), min(last + 2, len(lines))
        window = "".join(lines[low:first]) + changed + "".join(lines[last + 1 : high])
        self._kept = lines
        lines[low:high] = window.splitlines(True)
        self._source = None

    def _apply_full_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        super()._apply_full_change(change)
        self._kept = None


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


class LineProtocol(LanguageServerProtocol):
    """pygls' protocol, with a :class:`LineWorkspace` from ``initialize`` on."""

    @lsp_method(t.INITIALIZE)
    def lsp_initialize(self, params: t.InitializeParams) -> Generator[Any, Any, t.InitializeResult]:
        result = yield from super().lsp_initialize(params)
        # pygls builds a plain Workspace; no document exists before initialize is answered.
        self.workspace.__class__ = LineWorkspace
        return result
