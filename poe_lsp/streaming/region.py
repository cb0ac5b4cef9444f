"""A region of a document that a job rewrites, one minimal, versioned edit at a time.

The writer knows what it last wrote into the region and turns each new wish for the
region's text into one ``workspace/applyEdit`` touching only what changed. Before each
edit it checks that the region still holds what it wrote; if the user changed it, the job
stops rather than write over their text. Only this module builds ``TextDocumentEdit``\\ s.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from lsprotocol import types as t

from poe_lsp.streaming.positions import Encoding, Pos, advance, offset_at


class RegionConflict(Exception):
    """The text in the region is no longer what the writer put there."""


class EditRejected(Exception):
    """The client did not apply an edit."""


class EditorLink(Protocol):
    """What the writer needs from the editor connection."""

    @property
    def encoding(self) -> Encoding: ...

    @property
    def versioned_edits(self) -> bool:
        """Whether the client takes ``documentChanges`` (edits that carry a version)."""
        ...

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        """Return the text and version of ``uri`` if the client has it open, else ``None``."""
        ...

    async def apply(self, edit: t.WorkspaceEdit, label: str) -> bool:
        """Send ``workspace/applyEdit``; return whether the client applied it."""
        ...

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        """Wait until the client reported a version of ``uri`` newer than ``past``."""
        ...


class RegionWriter:
    """Keeps one region of one document equal to what the job wants it to hold."""

    def __init__(
        self,
        link: EditorLink,
        uri: str,
        start: Pos,
        original: str,
        *,
        label: str,
        create: bool = False,
    ) -> None:
        self.uri = uri
        self.start = start
        self.original = original
        self.current = original
        self.edits = 0
        self._link = link
        self._label = label
        self._create = create
        self._inflight: asyncio.Future[None] | None = None

    @property
    def end(self) -> Pos:
        """The position just after the region."""
        return advance(self.start, self.current, self._link.encoding)

    async def write(self, desired: str) -> None:
        """Make the region hold ``desired`` with one edit (none if it already does)."""
        await self.settle()
        if desired == self.current:
            return
        prefix, suffix = _common_ends(self.current, desired)
        encoding = self._link.encoding
        edit_start = advance(self.start, self.current[:prefix], encoding)
        edit_end = advance(edit_start, self.current[prefix : len(self.current) - suffix], encoding)
        text_edit = t.TextEdit(
            range=_range(edit_start, edit_end), new_text=desired[prefix : len(desired) - suffix]
        )
        version = self._check_region()
        workspace_edit = self._workspace_edit(text_edit, version)
        self._inflight = asyncio.ensure_future(self._apply(workspace_edit, desired, version))
        await asyncio.shield(self._inflight)

    async def rollback(self) -> None:
        """Put the original text back, if the region is still ours."""
        await self.write(self.original)

    async def settle(self) -> None:
        """Wait for an edit still in flight (one whose sender was cancelled) to finish."""
        if self._inflight is not None and not self._inflight.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._inflight)

    def _check_region(self) -> int | None:
        state = self._link.document_state(self.uri)
        if state is None:
            return None
        text, version = state
        begin = offset_at(text, self.start, self._link.encoding)
        if text[begin : begin + len(self.current)] != self.current:
            raise RegionConflict(self.uri)
        return version

    def _workspace_edit(self, edit: t.TextEdit, version: int | None) -> t.WorkspaceEdit:
        if not self._link.versioned_edits:
            return t.WorkspaceEdit(changes={self.uri: [edit]})
        changes: list[t.TextDocumentEdit | t.CreateFile | t.RenameFile | t.DeleteFile] = []
        if self._create:
            changes.append(
                t.CreateFile(uri=self.uri, options=t.CreateFileOptions(ignore_if_exists=True))
            )
        changes.append(
            t.TextDocumentEdit(
                text_document=t.OptionalVersionedTextDocumentIdentifier(
                    uri=self.uri, version=version
                ),
                edits=[edit],
            )
        )
        return t.WorkspaceEdit(document_changes=changes)

    async def _apply(self, edit: t.WorkspaceEdit, desired: str, version: int | None) -> None:
        if not await self._link.apply(edit, self._label):
            raise EditRejected(self.uri)
        self._create = False
        self.current = desired
        self.edits += 1
        if version is not None:
            await self._link.wait_for_version(self.uri, version, 1.0)


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """Return the lengths of the common prefix and suffix, never splitting a CRLF."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    if prefix and old[prefix - 1] == "\r":
        prefix -= 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    cut = len(old) - suffix
    if suffix and old[cut] == "\n" and cut - 1 >= prefix and old[cut - 1] == "\r":
        suffix -= 1
    return prefix, suffix


def _range(start: Pos, end: Pos) -> t.Range:
    return t.Range(
        start=t.Position(line=start[0], character=start[1]),
        end=t.Position(line=end[0], character=end[1]),
    )
