"""A bridge between the region writer's ``workspace/applyEdit`` and files held in memory.

:class:`MemoryLink` holds the documents of the terminal's editor:
the "editor" is a set of documents read from disk once and edited in memory, with positions
in code points (``utf-32``). Nothing reaches the disk here; :meth:`MemoryDocument.save` does
that at the end, and only if the file is still as it was read. Every read and write goes
through the workspace :class:`~poe_lsp.boundary.Boundary` of the command's root.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types as t

from poe_lsp.boundary import Boundary, path_of_uri
from poe_lsp.streaming.positions import Encoding, offset_at
from poe_lsp.streaming.region import RegionWriter

ENCODING: Encoding = "utf-32"


class FileChanged(Exception):
    """The file on disk is no longer what was read, so it was not overwritten."""


@dataclass
class MemoryDocument:
    """A file as read from disk (``original``; ``None`` when it did not exist) and as edited."""

    path: Path
    original: str | None
    text: str
    boundary: Boundary
    version: int = 0

    @property
    def changed(self) -> bool:
        """Whether the edits left the text different from the file."""
        return self.text != (self.original or "")

    def save(self) -> None:
        """Write the text to the file, unless the file changed since it was read.

        The boundary writes it atomically (a private temporary file that replaces it), keeps
        its permissions, and refuses a link or a file outside the root. Raises
        :class:`FileChanged`, :class:`~poe_lsp.boundary.Refused` or ``OSError``.
        """
        self.boundary.check_target(self.path)
        if self.boundary.read(self.path) != self.original:
            raise FileChanged(str(self.path))
        self.boundary.write(self.path, self.text)


def path_of(uri: str) -> Path:
    """Return the path of a ``file:`` URI (refused by the boundary if it is not one)."""
    return Path(path_of_uri(uri))


class MemoryLink:
    """Applies the writer's edits to documents in memory and tells ``on_change`` about each."""

    def __init__(
        self, on_change: Callable[[str, MemoryDocument], None], boundary: Boundary
    ) -> None:
        self.boundary = boundary
        self.documents: dict[str, MemoryDocument] = {}
        self._on_change = on_change
        self._writers: dict[str, list[RegionWriter]] = {}

    def add(self, uri: str, path: Path, text: str) -> None:
        """Hold ``text``, just read from the file at ``path``, as the document ``uri``."""
        self.documents[uri] = MemoryDocument(path, text, text, self.boundary)

    async def load(self, uri: str) -> MemoryDocument | None:
        """Return the document at ``uri``, reading it (in a thread, through the boundary)
        from disk the first time; raise :class:`~poe_lsp.boundary.Refused` if it may not."""
        if uri not in self.documents:
            path = path_of(uri)
            text = await asyncio.to_thread(self.boundary.read, path)
            if text is None:
                return None
            self.documents.setdefault(uri, MemoryDocument(path, text, text, self.boundary))
        return self.documents[uri]

    @property
    def encoding(self) -> Encoding:
        return ENCODING

    @property
    def versioned_edits(self) -> bool:
        return True

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        document = self.documents.get(uri)
        return (document.text, document.version) if document is not None else None

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        """Apply ``edit`` as an editor would: all of it, or nothing if a version is stale."""
        changes: list[tuple[str, Sequence[object]]] = list((edit.changes or {}).items())
        for change in edit.document_changes or ():
            if isinstance(change, t.CreateFile):
                if await self.load(change.uri) is None:
                    path = path_of(change.uri)
                    await asyncio.to_thread(self.boundary.check_target, path)
                    self.documents[change.uri] = MemoryDocument(path, None, "", self.boundary)
            elif isinstance(change, t.TextDocumentEdit):
                document = self.documents.get(change.text_document.uri)
                version = change.text_document.version
                if document is not None and version not in (None, document.version):
                    return False
                changes.append((change.text_document.uri, change.edits))
            else:
                return False
        plain = [(uri, _text_edits(edits)) for uri, edits in changes]
        for uri, edits in plain:
            if edits is None or await self.load(uri) is None:
                return False
        for uri, edits in plain:
            document = self.documents[uri]
            for begin, end, reported in _changes(document.text, edits or []):
                document.text = document.text[:begin] + reported.text + document.text[end:]
                for writer in self._writers.get(uri, ()):
                    writer.on_change(reported)
            document.version += 1
            self._on_change(uri, document)
        return True

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        """Return at once: :meth:`apply` bumps the version before it returns."""

    def track(self, writer: RegionWriter) -> None:
        self._writers.setdefault(writer.uri, []).append(writer)

    def untrack(self, writer: RegionWriter) -> None:
        writers = self._writers.get(writer.uri, [])
        if writer in writers:
            writers.remove(writer)


def _text_edits(edits: Sequence[object]) -> list[t.TextEdit] | None:
    """Return ``edits`` if all are text edits (all the region writer sends), else ``None``."""
    plain = [e for e in edits if isinstance(e, t.TextEdit)]
    return plain if len(plain) == len(edits) else None


def _changes(
    text: str, edits: list[t.TextEdit]
) -> list[tuple[int, int, t.TextDocumentContentChangePartial]]:
    """Return ``edits`` (ranges in ``text``, not overlapping) as the changes an editor would
    report, last first so that each range is still right after the changes before it."""
    spans = sorted(
        ((_offset(text, e.range.start), _offset(text, e.range.end), e) for e in edits),
        key=lambda span: span[0],
        reverse=True,
    )
    return [
        (begin, end, t.TextDocumentContentChangePartial(range=e.range, text=e.new_text))
        for begin, end, e in spans
    ]


def _offset(text: str, position: t.Position) -> int:
    return offset_at(text, (position.line, position.character), ENCODING)
