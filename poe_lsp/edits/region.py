"""A region of a document that a job rewrites, one minimal, versioned edit at a time.

The writer knows what it last wrote into the region and turns each new wish for the
region's text into one ``workspace/applyEdit`` touching only what changed. The region's
start follows every change the editor reports above it (the user typing while an answer
streams); before each edit the writer checks that the region still holds what it wrote,
and if the user changed it, the job stops rather than write over their text. An edit the
client refuses because the document moved on is computed again and resent. Only this
module builds ``TextDocumentEdit``\\ s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Protocol

from lsprotocol import types as t

from poe_lsp.edits.positions import Encoding, Pos, advance, offset_at, position_at

if TYPE_CHECKING:
    from poe_lsp.editor import Editor

log = logging.getLogger(__name__)

RETRIES = 5
"""How often an edit refused because the document moved on is computed again and resent."""
SETTLE_TIMEOUT = 5.0


class RegionConflict(Exception):
    """The text in the region is no longer what the writer put there."""


class EditRejected(Exception):
    """The client did not apply an edit."""


class Tracked(Protocol):
    """A region that follows the changes the editor reports for its document."""

    uri: str
    lost: bool

    def on_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        """Follow one change the client reported."""
        ...


class TrackedSpan:
    """A region kept after its job ended (a conversation's answer), following every change.

    Changes above it move it, changes inside it grow or shrink it; a change that reaches
    across one of its ends, that leaves it empty, or that replaces the whole document makes
    it :attr:`lost` and it stops following the document.
    """

    def __init__(self, editor: Editor, uri: str, start: Pos, end: Pos) -> None:
        self.uri = uri
        self.start = start
        self.end = end
        self.lost = start >= end
        self._editor = editor
        if not self.lost:
            editor.track(self)

    def close(self) -> None:
        """Stop following the document."""
        self._editor.untrack(self)

    def overlaps(self, start: Pos, end: Pos) -> bool:
        """Whether the range ``start``-``end`` touches this region."""
        return not self.lost and start <= self.end and self.start <= end

    def on_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        """Follow one change the client reported."""
        if self.lost:
            return
        if isinstance(change, t.TextDocumentContentChangeWholeDocument):
            self._lose()
            return
        rng, encoding = change.range, self._editor.encoding
        c_start = (rng.start.line, rng.start.character)
        c_end = (rng.end.line, rng.end.character)
        if c_end <= self.start:
            self.start = _shift(self.start, c_start, c_end, change.text, encoding)
            self.end = _shift(self.end, c_start, c_end, change.text, encoding)
        elif c_start >= self.end:
            return
        elif self.start <= c_start and c_end <= self.end:
            self.end = _shift(self.end, c_start, c_end, change.text, encoding)
            if self.end <= self.start:
                self._lose()
        else:
            self._lose()

    def _lose(self) -> None:
        self.lost = True
        self.close()


class RegionWriter:
    """Keeps one region of one document equal to what the job wants it to hold."""

    def __init__(
        self,
        editor: Editor,
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
        self.lost = False
        """The region can no longer be found (e.g. the document was replaced or closed)."""
        self._editor = editor
        self._label = label
        self._create = create
        self._inflight: asyncio.Future[None] | None = None
        self._unechoed: list[tuple[t.Range, str]] = []
        editor.track(self)

    @property
    def end(self) -> Pos:
        """The position just after the region."""
        return advance(self.start, self.current, self._editor.encoding)

    def close(self) -> None:
        """Stop following the document."""
        self._editor.untrack(self)

    def keep(self) -> TrackedSpan:
        """A :class:`TrackedSpan` over the region as it is now, following the document from
        now on (after this writer is closed)."""
        return TrackedSpan(self._editor, self.uri, self.start, self.end)

    def overlaps(self, start: Pos, end: Pos) -> bool:
        """Whether the range ``start``-``end`` touches this region."""
        return start < self.end and self.start < end

    async def write(self, desired: str, *, confirm: str | None = None) -> None:
        """Make the region hold ``desired`` with one edit (none if it already does).

        With ``confirm``, the edit carries a change annotation with that label that asks the
        user to confirm it (clients without annotation support apply it as is).
        """
        await self.settle()
        if desired == self.current:
            return
        self._inflight = asyncio.ensure_future(self._write(desired, confirm))
        await asyncio.shield(self._inflight)

    def edit_for(self, desired: str) -> t.WorkspaceEdit:
        """Return the edit that would make the region hold ``desired``, without sending it.

        Raises :class:`RegionConflict` if the region no longer holds what the writer expects.
        """
        return self._edit(desired, self._check_region(), None)

    async def rollback(self) -> None:
        """Put the original text back, if the region is still ours."""
        await self.write(self.original)

    async def settle(self) -> None:
        """Wait (a while) for an edit still in flight, e.g. one whose sender was cancelled."""
        inflight = self._inflight
        if inflight is not None and not inflight.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(inflight), SETTLE_TIMEOUT)
        if inflight is not None and inflight.done() and not inflight.cancelled():
            inflight.exception()  # its sender reported it; retrieved, so asyncio does not log it

    def on_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        """Follow one change the client reported."""
        if isinstance(change, t.TextDocumentContentChangeWholeDocument):
            self._reanchor(change.text)
            return
        rng, new_text = change.range, change.text
        for index, (sent_range, sent_text) in enumerate(self._unechoed):
            if sent_range == rng and sent_text == new_text:
                del self._unechoed[index]
                return
        c_start = (rng.start.line, rng.start.character)
        c_end = (rng.end.line, rng.end.character)
        if c_end <= self.start:
            self.start = _shift(self.start, c_start, c_end, new_text, self._editor.encoding)

    async def _write(self, desired: str, confirm: str | None) -> None:
        for _ in range(RETRIES):
            version = await self._checked_version()
            edit = self._edit(desired, version, confirm)
            if await self._editor.apply(edit, self._label, patient=confirm is not None):
                self._create = False
                self.current = desired
                self.edits += 1
                if version is not None:
                    await self._editor.wait_for_version(self.uri, version, 1.0)
                self._unechoed.clear()
                return
            self._unechoed.clear()
            if version is None or confirm is not None:
                break
            await self._editor.wait_for_version(self.uri, version, 1.0)
            log.info("edit to %s refused at version %s; computing it again", self.uri, version)
        raise EditRejected(self.uri)

    def _edit(self, desired: str, version: int | None, confirm: str | None) -> t.WorkspaceEdit:
        prefix, suffix = _common_ends(self.current, desired)
        encoding = self._editor.encoding
        edit_start = advance(self.start, self.current[:prefix], encoding)
        edit_end = advance(edit_start, self.current[prefix : len(self.current) - suffix], encoding)
        rng = _range(edit_start, edit_end)
        new_text = desired[prefix : len(desired) - suffix]
        self._unechoed.append((rng, new_text))
        if not self._editor.versioned_edits:
            return t.WorkspaceEdit(changes={self.uri: [t.TextEdit(range=rng, new_text=new_text)]})
        text_edit: t.TextEdit | t.AnnotatedTextEdit = (
            t.AnnotatedTextEdit(range=rng, new_text=new_text, annotation_id="poe")
            if confirm
            else t.TextEdit(range=rng, new_text=new_text)
        )
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
                edits=[text_edit],
            )
        )
        annotations = (
            {"poe": t.ChangeAnnotation(label=confirm, needs_confirmation=True)} if confirm else None
        )
        return t.WorkspaceEdit(document_changes=changes, change_annotations=annotations)

    async def _checked_version(self) -> int | None:
        """Check the region; on a mismatch, give a late ``didChange`` a moment to arrive.

        Some clients (Eglot) open a document the server just created with its old text and
        report the server's own edit only afterwards.
        """
        try:
            return self._check_region()
        except RegionConflict:
            state = self._editor.document_state(self.uri)
            if self.lost or state is None or state[1] is None:
                raise
            await self._editor.wait_for_version(self.uri, state[1], 1.0)
            return self._check_region()

    def _check_region(self) -> int | None:
        if self.lost:
            raise RegionConflict(self.uri)
        state = self._editor.document_state(self.uri)
        if state is None:
            return None
        text, version = state
        begin = offset_at(text, self.start, self._editor.encoding)
        if text[begin : begin + len(self.current)] != self.current:
            raise RegionConflict(self.uri)
        return version

    def _reanchor(self, text: str) -> None:
        """Find the region again after the whole document was replaced."""
        found = text.find(self.current)
        if self.current and found >= 0 and text.find(self.current, found + 1) < 0:
            self.start = position_at(text, found, self._editor.encoding)
        else:
            self.lost = True


def _shift(pos: Pos, c_start: Pos, c_end: Pos, new_text: str, encoding: Encoding) -> Pos:
    """Return where ``pos`` moves when the range ``c_start``-``c_end`` (before it) is replaced."""
    new_end = advance(c_start, new_text, encoding)
    if c_end[0] == pos[0]:
        return new_end[0], new_end[1] + pos[1] - c_end[1]
    return pos[0] + new_end[0] - c_end[0], pos[1]


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
