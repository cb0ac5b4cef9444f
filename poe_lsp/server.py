"""The language server object: settings, the Poe client, jobs, and the editor operations.

:class:`PoeLanguageServer` is the :class:`~poe_lsp.actions.run.Host` the actions run
against and the :class:`~poe_lsp.streaming.region.EditorLink` edits go through. The LSP
handlers that drive it live in :mod:`poe_lsp.handlers`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

import poe_lsp
from poe_lsp.actions.explanations import ExplanationStore
from poe_lsp.actions.languages import language_for
from poe_lsp.actions.proposals import ProposalStore
from poe_lsp.actions.run import Document, Progress, Severity
from poe_lsp.boundary import Boundary, path_of_uri
from poe_lsp.contract import EXPERIMENTAL_JOB_EVENTS, NOTIFY_JOB_ENDED, JobEnded
from poe_lsp.logs import redact_secret
from poe_lsp.poe import PoeClient
from poe_lsp.redaction import redact, shown
from poe_lsp.settings import Settings, parse_settings
from poe_lsp.streaming.jobs import JobRegistry
from poe_lsp.streaming.positions import Encoding, Pos
from poe_lsp.streaming.region import RegionWriter
from poe_lsp.trust import ALLOW_SESSION, Destination, HostEntry, host_question
from poe_lsp.workspace import LineProtocol

log = logging.getLogger(__name__)

APPLY_EDIT_TIMEOUT = 10.0
"""Seconds to wait for the client to answer ``workspace/applyEdit`` (some never do)."""
CONFIRM_TIMEOUT = 600.0
"""Seconds to wait for the user to confirm a reviewed change in the client's preview."""
SETTINGS_TIMEOUT = 5.0


class PoeLanguageServer(LanguageServer):
    """poe-lsp's server state and the editor operations the actions use."""

    def __init__(self) -> None:
        super().__init__("poe-lsp", poe_lsp.__version__, protocol_cls=LineProtocol)
        self.settings = Settings()
        self.settings_generation = 0
        """Bumped by every settings change, so a slow pull cannot undo a newer push."""
        self.settings_ready = asyncio.Event()
        self.init_options: object = None
        self.jobs = JobRegistry()
        self._explanations = ExplanationStore()
        self._proposals = ProposalStore()
        self._writers: dict[str, list[RegionWriter]] = {}
        self._poe: PoeClient | None = None
        self._poe_timeout: float | None = None
        self._version_waiters: list[asyncio.Future[None]] = []
        self._always_allowed: set[str] = set()
        self._allowed_hosts: set[HostEntry] = set()
        """Hosts the user allowed the key to go to, until the server stops."""

    # Settings -----------------------------------------------------------------------

    def apply_settings(self, raw: object, *, announce: bool = True) -> None:
        """Take a new settings object; tell the user about values that were wrong."""
        settings, problems = parse_settings(raw)
        self.settings = settings
        self.settings_generation += 1
        if settings.api_key:
            redact_secret(settings.api_key)
        log.info(
            "settings: bot=%s bots=%s baseUrl=%s key=%s",
            settings.bot,
            dict(settings.bots),
            settings.base_url,
            "set" if settings.api_key else "missing",
        )
        if problems and announce:
            self.notify("warning", "poe-lsp settings: " + "; ".join(problems) + ".")

    async def ready_settings(self) -> Settings:
        """Return the settings once the first pull from the client is done (or timed out)."""
        try:
            await asyncio.wait_for(self.settings_ready.wait(), SETTINGS_TIMEOUT)
        except TimeoutError:
            log.warning(
                "no settings from the client after %ss; using what we have", SETTINGS_TIMEOUT
            )
        return self.settings

    async def poe_client(self, settings: Settings) -> PoeClient:
        """Return the shared Poe client (importing fastapi_poe in a thread the first time)."""
        if self._poe is None or self._poe_timeout != settings.read_timeout:
            module = await asyncio.to_thread(_import_client)
            if self._poe is not None:
                await self._poe.aclose()
            self._poe = module.FastapiPoeClient(read_timeout=settings.read_timeout)
            self._poe_timeout = settings.read_timeout
        return self._poe

    def warm_up(self) -> None:
        """Import the Poe client in the background so the first action does not wait."""
        threading.Thread(target=_import_client, name="poe-lsp-warm-up", daemon=True).start()

    def document_closed(self, uri: str) -> None:
        """Stop the jobs that read or write ``uri`` and forget what was kept for it."""
        for writer in self._writers.pop(unquote(uri), []):
            writer.lost = True
        for job in self.jobs.running():
            if job.touches(uri):
                job.cancel()
        self._explanations.forget(uri)
        self._proposals.forget(uri)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop every job (waiting at most ``timeout`` seconds) and close connections."""
        await self.jobs.shutdown(timeout)
        if self._poe is not None:
            await self._poe.aclose()
            self._poe = None

    editor_gone: bool = False
    """Set once the editor has left (``exit`` or end of input): nothing is sent to it any more."""
    _gone_event: asyncio.Event | None = None

    def editor_left(self) -> None:
        """The editor is gone: edits are abandoned at once, waiting or not (see :meth:`apply`)."""
        self.editor_gone = True
        self._editor_gone().set()
        try:
            uris = list(self.workspace.text_documents)
        except RuntimeError:  # never initialized
            uris = []
        for uri in uris:  # its documents went with it: wait for no didChange
            self.workspace.remove_text_document(uri)
        waiters, self._version_waiters = self._version_waiters, []
        for waiter in waiters:  # no didChange will come
            if not waiter.done():
                waiter.set_result(None)

    def _editor_gone(self) -> asyncio.Event:
        if self._gone_event is None:
            self._gone_event = asyncio.Event()
        return self._gone_event

    # Host ----------------------------------------------------------------------------

    @property
    def link(self) -> PoeLanguageServer:
        return self

    @property
    def explanations(self) -> ExplanationStore:
        return self._explanations

    @property
    def proposals(self) -> ProposalStore:
        return self._proposals

    @property
    def can_apply_edits(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace and workspace.apply_edit)

    @property
    def confirmable_edits(self) -> bool:
        edit = self._edit_capabilities()
        return bool(edit and edit.document_changes and edit.change_annotation_support)

    @property
    def root(self) -> PurePosixPath | None:
        root = self.workspace.root_path
        return PurePosixPath(root) if root else None

    @property
    def roots(self) -> tuple[str, ...]:
        """The root and the workspace folders: no file outside them is read or written."""
        folders = (to_fs_path(folder.uri) for folder in self.workspace.folders.values())
        return tuple(dict.fromkeys(p for p in (self.workspace.root_path, *folders) if p))

    def _edit_capabilities(self) -> t.WorkspaceEditClientCapabilities | None:
        workspace = self.client_capabilities.workspace
        return workspace.workspace_edit if workspace else None

    @property
    def can_create_files(self) -> bool:
        edit = self._edit_capabilities()
        return bool(
            edit
            and edit.document_changes
            and edit.resource_operations
            and t.ResourceOperationKind.Create in edit.resource_operations
        )

    async def read_document(self, uri: str) -> Document | None:
        """Return ``uri`` as the editor has it open, else as the workspace boundary reads it
        from disk (in a thread), else ``None``; raise ``Refused`` if it may not be read."""
        opened = self.workspace.text_documents.get(unquote(uri))
        if opened is not None:
            path = to_fs_path(uri) or unquote(uri)
            language = opened.language_id or language_for(path)
            return Document(uri, path, opened.source, opened.version, language)
        path = path_of_uri(uri)
        text = await asyncio.to_thread(Boundary(self.roots).read, path)
        if text is None:
            return None
        return Document(uri, path, text, None, language_for(path))

    def uri_for(self, path: PurePosixPath) -> str:
        return from_fs_path(str(path)) or Path(path).as_uri()

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> Progress:
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return _NoProgress()
        token = str(uuid.uuid4())
        try:
            created = asyncio.ensure_future(self.work_done_progress.create_async(token))
            await asyncio.wait_for(asyncio.shield(created), 5.0)
        except Exception as exc:  # a client that refuses progress still gets the job done
            log.info("no progress: %s", type(exc).__name__)
            return _NoProgress()
        loop = asyncio.get_running_loop()
        self.work_done_progress.tokens[token].add_done_callback(
            lambda future: future.cancelled() and loop.call_soon_threadsafe(on_cancel)
        )
        self.work_done_progress.begin(
            token, t.WorkDoneProgressBegin(title=title, message=message, cancellable=True)
        )
        return _WorkDoneProgress(self, token)

    def notify(self, severity: Severity, message: str) -> None:
        kinds = {
            "error": t.MessageType.Error,
            "warning": t.MessageType.Warning,
            "info": t.MessageType.Info,
        }
        message = shown(message)
        log.log(logging.WARNING if severity != "info" else logging.INFO, "%s", message)
        self.window_show_message(t.ShowMessageParams(type=kinds[severity], message=message))

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None:
        window = self.client_capabilities.window
        if not (window and window.show_document and window.show_document.support):
            return
        selection = t.Range(
            start=t.Position(line=start[0], character=start[1]),
            end=t.Position(line=end[0], character=end[1]),
        )
        try:
            shown = asyncio.ensure_future(
                self.window_show_document_async(
                    t.ShowDocumentParams(uri=uri, take_focus=True, selection=selection)
                )
            )
            await asyncio.wait_for(asyncio.shield(shown), 5.0)
        except Exception as exc:
            log.info("showDocument failed: %s", type(exc).__name__)

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        """Ask with ``window/showMessageRequest``; remember "Always allow" until restart.

        ``in_settings``: the settings trust ``bot`` (``poe.trustedBots``), which alone does
        not do, since settings can come from the project.
        """
        if bot.lower() in self._always_allowed:
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
            self._always_allowed.add(bot.lower())
        return answer in (once, always)

    async def allow_host(self, place: Destination, setting: str) -> bool:
        """Ask whether the key may go to ``place``; remember "Allow for this session"."""
        if place.entry in self._allowed_hosts:
            return True
        if await self._ask(host_question(place, setting), ALLOW_SESSION) != ALLOW_SESSION:
            return False
        self._allowed_hosts.add(place.entry)
        return True

    async def _ask(self, message: str, *titles: str) -> str | None:
        """Ask with ``window/showMessageRequest`` (buttons ``titles`` and Cancel); return the
        title of the answer, ``None`` if dismissed or if the client cannot ask."""
        window = self.client_capabilities.window
        if not (window and window.show_message):
            return None
        params = t.ShowMessageRequestParams(
            type=t.MessageType.Warning,
            message=shown(message),
            actions=[t.MessageActionItem(title=title) for title in (*titles, "Cancel")],
        )
        request = asyncio.ensure_future(self.window_show_message_request_async(params))
        try:
            answer = await asyncio.shield(request)
        except JsonRpcException as exc:
            log.info("showMessageRequest failed: %s", exc)
            return None
        return answer.title if answer is not None else None

    @property
    def wants_job_events(self) -> bool:
        """Whether the client opted in to ``poe/jobEnded`` (``experimental.poeJobEvents``)."""
        experimental = self.client_capabilities.experimental
        return isinstance(experimental, dict) and experimental.get(EXPERIMENTAL_JOB_EVENTS) is True

    def job_ended(self, event: JobEnded) -> None:
        """Tell clients that opted in that a job ended."""
        if self.wants_job_events:
            wire = event.to_json()
            wire["message"] = shown(event.message)
            if event.explanation is not None:
                wire["explanation"] = redact(event.explanation)
            self.protocol.notify(NOTIFY_JOB_ENDED, wire)

    # EditorLink ----------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        value = str(self.workspace.position_encoding or "utf-16")
        return value if value in ("utf-8", "utf-32") else "utf-16"  # type: ignore[return-value]

    @property
    def versioned_edits(self) -> bool:
        edit = self._edit_capabilities()
        return bool(edit and edit.document_changes)

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        opened = self.workspace.text_documents.get(unquote(uri))
        return (opened.source, opened.version) if opened is not None else None

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        """Send the edit; wait for the answer (up to a timeout) while the editor is there.

        Once the editor is gone (:meth:`editor_left`) the edit is abandoned at once, as if its
        job were cancelled: it raises :class:`asyncio.CancelledError`, which ends the job
        quietly (nothing can be rolled back in an editor that left).
        """
        if self.editor_gone:
            raise asyncio.CancelledError("the editor is gone")
        request = asyncio.ensure_future(
            self.workspace_apply_edit_async(t.ApplyWorkspaceEditParams(edit=edit, label=label))
        )
        gone = asyncio.ensure_future(self._editor_gone().wait())
        timeout = CONFIRM_TIMEOUT if patient else APPLY_EDIT_TIMEOUT
        try:
            # Neither future is cancelled with the caller: the answer may still come.
            await asyncio.wait({request, gone}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            gone.cancel()
        if not request.done():
            if self.editor_gone:
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

    def track(self, writer: RegionWriter) -> None:
        self._writers.setdefault(unquote(writer.uri), []).append(writer)

    def untrack(self, writer: RegionWriter) -> None:
        writers = self._writers.get(unquote(writer.uri), [])
        if writer in writers:
            writers.remove(writer)

    def document_changed(self, params: t.DidChangeTextDocumentParams) -> None:
        """Move the tracked regions of the document, and wake writers waiting for its version."""
        uri = unquote(params.text_document.uri)
        for change in params.content_changes:
            for writer in self._writers.get(uri, ()):
                writer.on_change(change)
        waiters, self._version_waiters = self._version_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class _NoProgress:
    def report(self, message: str) -> None:
        log.debug("progress: %s", message)  # the log formatter redacts

    def end(self, message: str) -> None:
        log.debug("progress end: %s", message)


class _WorkDoneProgress:
    def __init__(self, server: PoeLanguageServer, token: str) -> None:
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


def _import_client() -> Any:
    from poe_lsp.poe import fastapi_client

    return fastapi_client
