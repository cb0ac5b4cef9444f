"""A fake :class:`~poe_lsp.editor.Editor` and a scripted Poe client, for workflow tests.

The editor holds documents in memory and applies edits as an LSP client would (all of an
edit, or nothing when its version is stale), reporting each change back to the regions it
tracks, as ``didChange`` does. The Poe client plays a script of chunks and failures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lsprotocol import types as t

from poe_lsp.contract import JobEnded
from poe_lsp.editor import Document
from poe_lsp.edits.positions import Encoding, Pos, offset_at
from poe_lsp.edits.region import Tracked
from poe_lsp.messages import EDITOR
from poe_lsp.poe import AnswerChunk, BotQuery, PoeError
from poe_lsp.poe.catalogue import Bot
from poe_lsp.poe.history import Spend
from poe_lsp.trust import Destination

ROOT = PurePosixPath("/w")


@dataclass
class FakeProgress:
    reports: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    def report(self, message: str) -> None:
        self.reports.append(message)

    def end(self, message: str) -> None:
        self.ended.append(message)


class FakeEditor:
    """An editor with documents in memory; records what the user was shown and asked."""

    wording = EDITOR
    encoding: Encoding = "utf-16"
    versioned_edits = True

    def __init__(
        self,
        documents: dict[str, str] | None = None,
        *,
        confirmable: bool = False,
        accepts_confirmation: bool = True,
        allow_bot: bool = False,
        allow_host: bool = False,
    ) -> None:
        self.documents: dict[str, list[object]] = {
            uri: [text, 1] for uri, text in (documents or {}).items()
        }
        self.can_apply_edits = True
        self.can_create_files = True
        self.confirmable_edits = confirmable
        self.accepts_confirmation = accepts_confirmation
        self.answer_bot = allow_bot
        self.answer_host = allow_host
        self.progress = FakeProgress()
        self.messages: list[tuple[str, str]] = []
        self.asked: list[str] = []
        self.events: list[JobEnded] = []
        self.shown: list[str] = []
        self.edits: list[t.WorkspaceEdit] = []
        self.on_edit: Callable[[], object] | None = None
        self._writers: list[Tracked] = []
        self.cancel: Callable[[], object] | None = None

    def text(self, uri: str) -> str:
        return str(self.documents[uri][0])

    @property
    def root(self) -> PurePosixPath | None:
        return ROOT

    @property
    def roots(self) -> tuple[str, ...]:
        return (str(ROOT),)

    async def read_document(self, uri: str) -> Document | None:
        state = self.document_state(uri)
        if state is None:
            return None
        path = uri.removeprefix("file://")
        language = "python" if path.endswith(".py") else "plaintext"
        return Document(uri, path, state[0], state[1], language)

    def uri_for(self, path: PurePosixPath) -> str:
        return f"file://{path}"

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        state = self.documents.get(uri)
        return (str(state[0]), int(state[1])) if state is not None else None  # type: ignore[call-overload]

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None:
        self.shown.append(uri)

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        if patient and not self.accepts_confirmation:
            return False
        for change in edit.document_changes or ():
            if isinstance(change, t.CreateFile):
                self.documents.setdefault(change.uri, ["", 0])
                continue
            assert isinstance(change, t.TextDocumentEdit)
            uri = change.text_document.uri
            state = self.documents[uri]
            if change.text_document.version not in (None, state[1]):
                return False
            for text_edit in change.edits:
                self.change(uri, text_edit.range, text_edit.new_text)
        self.edits.append(edit)
        if self.on_edit is not None:
            self.on_edit()
        return True

    def change(self, uri: str, rng: t.Range, new_text: str) -> None:
        """Change a document (the server's edit, or the user typing) and report it."""
        state = self.documents[uri]
        text = str(state[0])
        begin = offset_at(text, (rng.start.line, rng.start.character), self.encoding)
        end = offset_at(text, (rng.end.line, rng.end.character), self.encoding)
        state[0] = text[:begin] + new_text + text[end:]
        state[1] = int(state[1]) + 1  # type: ignore[call-overload]
        reported = t.TextDocumentContentChangePartial(range=rng, text=new_text)
        for writer in [w for w in self._writers if w.uri == uri]:
            writer.on_change(reported)

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        """Return at once: :meth:`apply` reports its changes before it returns."""

    def track(self, writer: Tracked) -> None:
        self._writers.append(writer)

    def untrack(self, writer: Tracked) -> None:
        if writer in self._writers:
            self._writers.remove(writer)

    @property
    def tracked(self) -> int:
        return len(self._writers)

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> FakeProgress:
        self.cancel = on_cancel
        return self.progress

    def notify(self, severity: str, message: str) -> None:
        self.messages.append((severity, message))

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        self.asked.append(bot)
        return self.answer_bot

    async def allow_host(self, place: Destination, setting: str) -> bool:
        self.asked.append(place.name)
        return self.answer_host

    def job_ended(self, event: JobEnded) -> None:
        self.events.append(event)


@dataclass
class ScriptedPoe:
    """A Poe client that answers every query with ``chunks``, then the ``suggested``
    replies, then ``error`` if given.

    ``hold``: wait for this event before the last chunk (a stream still running).
    """

    chunks: list[str] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)
    error: PoeError | None = None
    hold: asyncio.Event | None = None
    queries: list[BotQuery] = field(default_factory=list)
    closed: bool = False
    bots: list[Bot] = field(default_factory=list)
    spent: list[Spend] = field(default_factory=list)
    """The points history ``history`` answers with (any order)."""
    history_error: PoeError | None = field(
        default_factory=lambda: PoeError("server", "no points history here", status=404)
    )
    """What ``history`` raises; by default a 404, as a server without the usage API does."""
    history_reads: list[str] = field(default_factory=list)

    async def stream(self, query: BotQuery) -> AsyncIterator[AnswerChunk]:
        self.queries.append(query)
        for index, chunk in enumerate(self.chunks):
            if self.hold is not None and index == len(self.chunks) - 1:
                await self.hold.wait()
            yield AnswerChunk(chunk)
            await asyncio.sleep(0)
        for reply in self.suggested:
            yield AnswerChunk(reply, suggested=True)
        if self.error is not None:
            raise self.error

    async def balance(self, api_key: str, usage_url: str) -> int:
        return 0

    async def history(
        self, api_key: str, usage_url: str, *, since: float | None = None, limit: int = 20
    ) -> list[Spend]:
        self.history_reads.append(usage_url)
        if self.history_error is not None:
            raise self.history_error
        entries = sorted(self.spent, key=lambda e: e.created, reverse=True)
        if since is not None:
            return [e for e in entries if e.created >= since]
        return entries[:limit]

    async def models(self, api_base: str) -> list[Bot]:
        return list(self.bots)

    async def aclose(self) -> None:
        self.closed = True
