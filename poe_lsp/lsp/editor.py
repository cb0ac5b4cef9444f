"""A bridge between :class:`~poe_lsp.editor.Editor` and an LSP client, over pygls.

:class:`LspEditor` is the only LSP implementation of the editor the actions see: documents
from pygls' workspace (else from disk, through :mod:`poe_lsp.boundary`), progress, messages
and questions, ``workspace/applyEdit``, and the regions that follow the user's typing. Every
text that leaves for the client passes :func:`~poe_lsp.redaction.shown` (or ``redact``) here.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from poe_lsp.actions.languages import language_for
from poe_lsp.boundary import Boundary, path_of_uri
from poe_lsp.contract import EXPERIMENTAL_JOB_EVENTS, NOTIFY_JOB_ENDED, JobEnded
from poe_lsp.editor import Document, Progress, Severity
from poe_lsp.edits.positions import Encoding, Pos
from poe_lsp.edits.region import Tracked
from poe_lsp.messages import EDITOR
from poe_lsp.redaction import redact, shown
from poe_lsp.session import Session
from poe_lsp.trust import ALLOW_SESSION, Destination, host_question

log = logging.getLogger(__name__)

APPLY_EDIT_TIMEOUT = 10.0
"""Seconds to wait for the client to answer ``workspace/applyEdit`` (some never do)."""
CONFIRM_TIMEOUT = 600.0
"""Seconds to wait for the user to confirm a reviewed change in the client's preview."""
REQUEST_TIMEOUT = 5.0
"""Seconds to wait for the client to create progress or show a document."""


class LspEditor:
    """The :class:`~poe_lsp.editor.Editor` of an LSP client, reached through ``server``."""

    wording = EDITOR

    def __init__(self, server: LanguageServer, session: Session) -> None:
        self._server = server
        self._session = session
        self._writers: dict[str, list[Tracked]] = {}
        self._version_waiters: list[asyncio.Future[None]] = []
        self._gone_event: asyncio.Event | None = None
        self.gone = False
        """Set once the editor has left (``exit`` or end of input): nothing is sent to it."""

    def _can(self, field: str) -> bool:
        return bool(get_capability(self._server.client_capabilities, field, None))

    # Capabilities ---------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        value = str(self._server.workspace.position_encoding or "utf-16")
        return value if value in ("utf-8", "utf-32") else "utf-16"  # type: ignore[return-value]

    @property
    def can_apply_edits(self) -> bool:
        return self._can("workspace.apply_edit")

    @property
    def versioned_edits(self) -> bool:
        return self._can("workspace.workspace_edit.document_changes")

    @property
    def confirmable_edits(self) -> bool:
        return self.versioned_edits and self._can(
            "workspace.workspace_edit.change_annotation_support"
        )

    @property
    def can_create_files(self) -> bool:
        operations = get_capability(
            self._server.client_capabilities, "workspace.workspace_edit.resource_operations", []
        )
        return self.versioned_edits and t.ResourceOperationKind.Create in operations

    @property
    def can_pull_settings(self) -> bool:
        """Whether the client answers ``workspace/configuration``."""
        return self._can("workspace.configuration")

    @property
    def wants_job_events(self) -> bool:
        """Whether the client opted in to ``poe/jobEnded`` (``experimental.poeJobEvents``)."""
        experimental = self._server.client_capabilities.experimental
        return isinstance(experimental, dict) and experimental.get(EXPERIMENTAL_JOB_EVENTS) is True

    # Documents ------------------------------------------------------------------------

    @property
    def root(self) -> PurePosixPath | None:
        root = self._server.workspace.root_path
        return PurePosixPath(root) if root else None

    @property
    def roots(self) -> tuple[str, ...]:
        """The root and the workspace folders: no file outside them is read or written."""
        workspace = self._server.workspace
        folders = (to_fs_path(folder.uri) for folder in workspace.folders.values())
        return tuple(dict.fromkeys(p for p in (workspace.root_path, *folders) if p))

    async def read_document(self, uri: str) -> Document | None:
        """Return ``uri`` as the editor has it open, else as the workspace boundary reads it
        from disk (in a thread), else ``None``; raise ``Refused`` if it may not be read."""
        opened = self._server.workspace.text_documents.get(unquote(uri))
        if opened is not None:
            path = to_fs_path(uri) or unquote(uri)
            language = opened.language_id or language_for(path)
            return Document(uri, path, opened.source, opened.version, language)
        path = path_of_uri(uri)
        text = await asyncio.to_thread(Boundary(self.roots).read, path)
        if text is None:
            return None
        return Document(uri, path, text, None, language_for(path))

    def language_of(self, uri: str) -> str | None:
        """Return the language the editor gave the open document ``uri``."""
        opened = self._server.workspace.text_documents.get(unquote(uri))
        return opened.language_id if opened is not None else None

    def uri_for(self, path: PurePosixPath) -> str:
        return from_fs_path(str(path)) or Path(path).as_uri()

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        opened = self._server.workspace.text_documents.get(unquote(uri))
        return (opened.source, opened.version) if opened is not None else None

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None:
        if not self._can("window.show_document.support"):
            return
        selection = t.Range(
            start=t.Position(line=start[0], character=start[1]),
            end=t.Position(line=end[0], character=end[1]),
        )
        try:
            request = asyncio.ensure_future(
                self._server.window_show_document_async(
                    t.ShowDocumentParams(uri=uri, take_focus=True, selection=selection)
                )
            )
            await asyncio.wait_for(asyncio.shield(request), REQUEST_TIMEOUT)
        except Exception as exc:
            log.info("showDocument failed: %s", type(exc).__name__)

    # Edits ----------------------------------------------------------------------------

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        """Send the edit; wait for the answer (up to a timeout) while the editor is there.

        Once the editor is gone (:meth:`left`) the edit is abandoned at once, as if its job
        were cancelled: it raises :class:`asyncio.CancelledError`, which ends the job quietly
        (nothing can be rolled back in an editor that left).
        """
        if self.gone:
            raise asyncio.CancelledError("the editor is gone")
        request = asyncio.ensure_future(
            self._server.workspace_apply_edit_async(
                t.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
        )
        gone = asyncio.ensure_future(self._gone().wait())
        timeout = CONFIRM_TIMEOUT if patient else APPLY_EDIT_TIMEOUT
        try:
            # Neither future is cancelled with the caller: the answer may still come.
            await asyncio.wait({request, gone}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            gone.cancel()
        if not request.done():
            if self.gone:
                raise asyncio.CancelledError("the editor is gone")
            raise TimeoutError
        try:
            result = request.result()
        except JsonRpcException as exc:  # Eglot refuses a stale edit with an error response
            log.warning("edit refused: %s", exc)
            return False
        if not result.applied:
            log.warning("edit not applied: %s", result.failure_reason)
        return result.applied

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self.document_state(uri)
            if state is None or state[1] is None or state[1] > past:
                return
            waiter: asyncio.Future[None] = loop.create_future()
            self._version_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, deadline - loop.time())
            except TimeoutError:
                log.info("no didChange for %s after an applied edit", uri)
                return

    def track(self, writer: Tracked) -> None:
        self._writers.setdefault(unquote(writer.uri), []).append(writer)

    def untrack(self, writer: Tracked) -> None:
        writers = self._writers.get(unquote(writer.uri), [])
        if writer in writers:
            writers.remove(writer)

    def document_changed(self, params: t.DidChangeTextDocumentParams) -> None:
        """Move the tracked regions of the document, and wake writers waiting for its version."""
        uri = unquote(params.text_document.uri)
        for change in params.content_changes:
            for writer in list(self._writers.get(uri, ())):
                writer.on_change(change)
        self._wake()

    def document_closed(self, uri: str) -> None:
        """The regions of ``uri`` can no longer be found."""
        for writer in self._writers.pop(unquote(uri), []):
            writer.lost = True

    def left(self) -> None:
        """The editor is gone: edits are abandoned at once, waiting or not (see :meth:`apply`)."""
        self.gone = True
        self._gone().set()
        try:
            uris = list(self._server.workspace.text_documents)
        except RuntimeError:  # never initialized
            uris = []
        for uri in uris:  # its documents went with it: wait for no didChange
            self._server.workspace.remove_text_document(uri)
        self._wake()  # no didChange will come

    def _wake(self) -> None:
        waiters, self._version_waiters = self._version_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _gone(self) -> asyncio.Event:
        if self._gone_event is None:
            self._gone_event = asyncio.Event()
        return self._gone_event

    # The user -------------------------------------------------------------------------

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> Progress:
        if not self._can("window.work_done_progress"):
            return _NoProgress()
        progress = self._server.work_done_progress
        token = str(uuid.uuid4())
        try:
            created = asyncio.ensure_future(progress.create_async(token))
            await asyncio.wait_for(asyncio.shield(created), REQUEST_TIMEOUT)
        except Exception as exc:  # a client that refuses progress still gets the job done
            log.info("no progress: %s", type(exc).__name__)
            return _NoProgress()
        loop = asyncio.get_running_loop()
        progress.tokens[token].add_done_callback(
            lambda future: future.cancelled() and loop.call_soon_threadsafe(on_cancel)
        )
        progress.begin(
            token, t.WorkDoneProgressBegin(title=title, message=shown(message), cancellable=True)
        )
        return _WorkDoneProgress(self._server, token)

    def notify(self, severity: Severity, message: str) -> None:
        kinds = {
            "error": t.MessageType.Error,
            "warning": t.MessageType.Warning,
            "info": t.MessageType.Info,
        }
        message = shown(message)
        log.log(logging.WARNING if severity != "info" else logging.INFO, "%s", message)
        self._server.window_show_message(t.ShowMessageParams(type=kinds[severity], message=message))

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        """Ask with ``window/showMessageRequest``; remember "Always allow" in the session.

        ``in_settings``: the settings trust ``bot`` (``poe.trustedBots``), which alone does
        not do, since settings can come from the project.
        """
        if bot.lower() in self._session.allowed_bots:
            return True
        once, always = "Allow once", "Always allow"
        reason = (
            f"your settings trust {bot} (poe.trustedBots), but settings can come from the "
            "project you opened."
            if in_settings
            else f"{bot} is not one of your trusted bots (poe.trustedBots)."
        )
        answer = await self._ask(
            f"Poe: {reason} Any bot you query can spend your whole point balance. "
            "Send this request to it?",
            once,
            always,
        )
        if answer == always:
            self._session.allowed_bots.add(bot.lower())
        return answer in (once, always)

    async def allow_host(self, place: Destination, setting: str) -> bool:
        """Ask whether the key may go to ``place``; remember "Allow for this session"."""
        if place.entry in self._session.allowed_hosts:
            return True
        if await self._ask(host_question(place, setting), ALLOW_SESSION) != ALLOW_SESSION:
            return False
        self._session.allowed_hosts.add(place.entry)
        return True

    async def _ask(self, message: str, *titles: str) -> str | None:
        """Ask with ``window/showMessageRequest`` (buttons ``titles`` and Cancel); return the
        title of the answer, ``None`` if dismissed or if the client cannot ask."""
        if not self._can("window.show_message"):
            return None
        params = t.ShowMessageRequestParams(
            type=t.MessageType.Warning,
            message=shown(message),
            actions=[t.MessageActionItem(title=title) for title in (*titles, "Cancel")],
        )
        request = asyncio.ensure_future(self._server.window_show_message_request_async(params))
        try:
            answer = await asyncio.shield(request)
        except JsonRpcException as exc:
            log.info("showMessageRequest failed: %s", exc)
            return None
        return answer.title if answer is not None else None

    def job_ended(self, event: JobEnded) -> None:
        """Tell clients that opted in that a job ended."""
        if self.wants_job_events:
            wire = event.to_json()
            wire["message"] = shown(event.message)
            if event.explanation is not None:
                wire["explanation"] = redact(event.explanation)
            if event.text is not None:
                wire["text"] = redact(event.text)
            self._server.protocol.notify(NOTIFY_JOB_ENDED, wire)


class _NoProgress:
    def report(self, message: str) -> None:
        log.debug("progress: %s", message)  # the log formatter redacts

    def end(self, message: str) -> None:
        log.debug("progress end: %s", message)


class _WorkDoneProgress:
    def __init__(self, server: LanguageServer, token: str) -> None:
        self._server = server
        self._token = token

    def report(self, message: str) -> None:
        self._server.work_done_progress.report(
            self._token, t.WorkDoneProgressReport(message=shown(message))
        )

    def end(self, message: str) -> None:
        self._server.work_done_progress.end(
            self._token, t.WorkDoneProgressEnd(message=shown(message))
        )
