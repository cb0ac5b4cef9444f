"""The :class:`~poe_lsp.editor.Editor` of one action run from a terminal.

The action streams into documents held in memory (:class:`~poe_lsp.shell.memory.MemoryLink`)
or, for explain, into an :class:`~poe_lsp.actions.explanations.Explanation`; the host shows
what the answer adds on stdout, progress and problems on stderr, and keeps what the exit code
needs: how the job ended and whether Poe failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lsprotocol import types as t

from poe_lsp.actions.explanations import Explanation, ExplanationStore
from poe_lsp.actions.languages import language_for
from poe_lsp.actions.run import TITLES, Stop
from poe_lsp.boundary import Boundary, Refused
from poe_lsp.contract import JobEnded
from poe_lsp.editor import Document, Severity
from poe_lsp.poe import AnswerChunk, BotQuery, PoeClient, PoeError
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from poe_lsp.shell.exits import Exit
from poe_lsp.shell.memory import MemoryDocument, MemoryLink
from poe_lsp.shell.output import AnswerPrinter, Reporter
from poe_lsp.streaming.positions import Encoding, Pos
from poe_lsp.streaming.region import RegionWriter
from poe_lsp.trust import Destination

Watch = Callable[[str, MemoryDocument], str | None]
"""Given a document the action edited, return the part of it to show (``None``: nothing)."""


def replaced(uri: str, start: int, tail: int) -> Watch:
    """Show what is between the first ``start`` and the last ``tail`` characters of ``uri``."""

    def region(edited: str, document: MemoryDocument) -> str | None:
        return document.text[start : len(document.text) - tail] if edited == uri else None

    return region


def appended(edited: str, document: MemoryDocument) -> str | None:
    """Show what was added at the end of a document, without the blank lines leading to it."""
    return document.text[len(document.original or "") :].lstrip("\r\n")


class TerminalHost:
    """The editor of an action run from the terminal; see :class:`~poe_lsp.editor.Editor`."""

    def __init__(
        self,
        settings: Settings,
        root: Path,
        reporter: Reporter,
        out: BinaryIO,
        watch: Watch | None,
        *,
        needs_stdout: bool,
    ) -> None:
        self.ended: JobEnded | None = None
        self._settings = settings
        self._root = root
        self._reporter = reporter
        self._printer = AnswerPrinter(out, reporter, self._stdout_closed)
        self._watch = watch
        self._needs_stdout = needs_stdout
        self.boundary = Boundary((root,))
        """The root: the command reads and writes no file outside it."""
        self._link = MemoryLink(self._document_changed, self.boundary)
        self._explanations = _Explanations()
        self.session = _TerminalSession(settings)
        """The session of this one command: its settings, its answer, its Poe client."""
        self.session.explanations = self._explanations
        self._cancel: Callable[[], object] | None = None
        self._interrupted = False

    # Editor --------------------------------------------------------------------------

    @property
    def link(self) -> MemoryLink:
        """The documents held in memory."""
        return self._link

    @property
    def encoding(self) -> Encoding:
        return self._link.encoding

    @property
    def versioned_edits(self) -> bool:
        return True

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        return self._link.document_state(uri)

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        return await self._link.apply(edit, label, patient=patient)

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        """Return at once: edits in memory bump the version before they return."""

    def track(self, writer: RegionWriter) -> None:
        self._link.track(writer)

    def untrack(self, writer: RegionWriter) -> None:
        self._link.untrack(writer)

    @property
    def root(self) -> PurePosixPath | None:
        return PurePosixPath(self._root)

    @property
    def roots(self) -> tuple[str, ...]:
        return self.boundary.roots

    @property
    def can_create_files(self) -> bool:
        return True

    @property
    def can_apply_edits(self) -> bool:
        return True

    @property
    def confirmable_edits(self) -> bool:
        """No: the answer is reviewed on stdout, and written only with ``--write``."""
        return False

    async def read_document(self, uri: str) -> Document | None:
        """Return ``uri`` as held in memory, reading it from disk (through the boundary)
        the first time."""
        try:
            document = await self._link.load(uri)
        except Refused as exc:
            raise Stop(exc.message) from None
        if document is None:
            return None
        language = language_for(document.path)
        return Document(uri, document.path.as_posix(), document.text, document.version, language)

    def uri_for(self, path: PurePosixPath) -> str:
        return Path(path).as_uri()

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        """Yes: a bot that is not in the trusted list can only come from ``--bot``, and naming
        it there is the user's choice (the editor asks because settings can come from a
        repository the user did not write)."""
        self._reporter.info(f"{bot} is not one of the trusted bots; asking it as --bot says")
        return True

    async def allow_host(self, place: Destination, setting: str) -> bool:
        """No: the terminal allows only hosts from its own command line (``--base-url``) and
        ``$POE_ALLOWED_HOSTS``, which the settings already hold."""
        return False

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> _Progress:
        self._cancel = on_cancel
        if self._interrupted:  # Ctrl-C came before the job could be told
            on_cancel()
        title = title.removeprefix("Poe: ")
        self._reporter.progress(title, message)
        return _Progress(self._reporter, title, self._show_explanation)

    def notify(self, severity: Severity, message: str) -> None:
        if severity == "info":
            self._reporter.info(message)
        else:
            self._reporter.problem(message)

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None:
        """Nothing to show: the tests went to stdout, and to the file with ``--write``."""

    def job_ended(self, event: JobEnded) -> None:
        self.ended = event
        self._show_explanation()
        if event.outcome == "done":
            bot = self._settings.bot_for(event.action)
            self._reporter.info(f"{TITLES[event.action]}: {bot} finished")
        elif event.outcome == "cancelled":
            if self._printer.closed and not self._interrupted:
                self._reporter.info("stopped: stdout was closed")
            else:
                self._reporter.problem("cancelled")

    # The terminal --------------------------------------------------------------------

    def interrupt(self) -> None:
        """Cancel the job, as the cancel button of an editor's progress does (Ctrl-C)."""
        self._interrupted = True
        if self._cancel is not None:
            self._cancel()

    def finish(self) -> Exit:
        """End the output; return what the job's ending means for the exit code."""
        outcome = self.ended.outcome if self.ended else None
        self._printer.finish(complete=outcome == "done")
        if outcome == "done":
            return Exit.OK
        if outcome == "cancelled":
            return Exit.CANCELLED
        if outcome is None or (self.session.poe is not None and self.session.poe.error is not None):
            return Exit.POE  # (no outcome: the job crashed, and its traceback is in the log)
        return Exit.USAGE if self.session.poe is None else Exit.NO_CODE

    def edited(self) -> list[MemoryDocument]:
        """Return the documents the action changed (in memory)."""
        return [d for d in self._link.documents.values() if d.changed]

    async def close(self) -> None:
        """Close the connections to Poe."""
        if self.session.poe is not None:
            await self.session.poe.aclose()

    def _document_changed(self, uri: str, document: MemoryDocument) -> None:
        shown = self._watch(uri, document) if self._watch else None
        if shown is not None:
            self._printer.update(shown)

    def _show_explanation(self) -> None:
        if self._explanations.latest is not None:
            self._printer.update(self._explanations.latest.text)

    def _stdout_closed(self) -> None:
        if not self._needs_stdout and self._cancel is not None:
            self._cancel()


class _Progress:
    """Progress on stderr (with ``-v``); each report also shows the explanation so far."""

    def __init__(self, reporter: Reporter, title: str, show: Callable[[], None]) -> None:
        self._reporter = reporter
        self._title = title
        self._show = show

    def report(self, message: str) -> None:
        self._show()
        self._reporter.progress(self._title, message)

    def end(self, message: str) -> None:
        """Show the last of the explanation; the job's ending is told by ``job_ended``."""
        self._show()


class _Explanations(ExplanationStore):
    """The explanation store, keeping the one explanation a terminal run makes at hand."""

    def __init__(self) -> None:
        super().__init__()
        self.latest: Explanation | None = None

    def add(self, explanation: Explanation) -> None:
        super().add(explanation)
        self.latest = explanation


class _TerminalSession(Session):
    """A session of one command; its Poe client remembers the failure it raised."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.poe: _Recording | None = None

    async def poe_client(self, settings: Settings) -> PoeClient:
        """Return the Poe client (fastapi_poe is imported here, once there is work for it)."""
        if self.poe is None:
            from poe_lsp.poe.fastapi_client import FastapiPoeClient

            self.poe = _Recording(FastapiPoeClient(read_timeout=settings.read_timeout))
        return self.poe


class _Recording:
    """The Poe client, remembering the failure it raised (Poe's fault, not the answer's)."""

    def __init__(self, client: PoeClient) -> None:
        self.error: PoeError | None = None
        self._client = client

    async def stream(self, query: BotQuery) -> AsyncIterator[AnswerChunk]:
        try:
            async with contextlib.aclosing(self._client.stream(query)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    yield chunk
        except PoeError as exc:
            self.error = exc
            raise

    async def balance(self, api_key: str, usage_url: str) -> int:
        return await self._client.balance(api_key, usage_url)

    async def aclose(self) -> None:
        await self._client.aclose()
