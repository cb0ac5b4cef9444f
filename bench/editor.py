"""An editor for the benchmarks: the real ``poe-lsp`` process behind pytest-lsp's client,
with VS Code's recorded capabilities, applying the server's edits the way VS Code does
(apply, send ``didChange``, then answer ``workspace/applyEdit``) and timing all of it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.workspace import TextDocument
from pytest_lsp import client_capabilities, make_test_lsp_client

from bench.proc import cpu_seconds

REPO = Path(__file__).resolve().parent.parent
KEY = "bench-key-0123456789"
SERVER_PYTHON = os.environ.get("POE_LSP_BENCH_PYTHON") or sys.executable
"""The interpreter of the servers measured. ``make bench`` gives ``.venv-runtime``'s, which
holds poe-lsp's runtime dependencies only, as a user's install does: the test tools add
packages the server would load too (twine brings rich, which httpx then imports for its
command line: 2.7 MiB more at idle)."""
SERVER = [SERVER_PYTHON, "-m", "poe_lsp"]
PYCACHE = Path(tempfile.gettempdir()) / "poe-lsp-bench-pycache"


def server_env() -> dict[str, str]:
    """The servers' environment: no Poe key, the benchmark bots trusted (settings alone do
    not trust a bot), and compiled bytecode kept between starts.

    An installed poe-lsp starts from bytecode that pip compiled; a checkout with
    ``PYTHONDONTWRITEBYTECODE`` set would compile its sources at every start instead. The
    cache lives outside the repository, shared by every server the benchmarks start.
    """
    env = {
        k: v for k, v in os.environ.items() if k not in ("POE_API_KEY", "PYTHONDONTWRITEBYTECODE")
    }
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["POE_TRUSTED_BOTS"] = "*"
    return env


def settings(base_url: str) -> dict[str, Any]:
    """The ``poe`` settings: the fake key, the fake bot, streaming (no review) for refactors."""
    return {
        "apiKey": KEY,
        "baseUrl": base_url,
        "bot": "Code",
        "trustedBots": ["*"],
        "review": {"refactor": False, "ask": False, "writeTests": False},
    }


def rng(start: int, end: int) -> dict[str, Any]:
    """Whole lines ``start`` to ``end`` (exclusive), as an LSP Range on the wire."""
    return {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}


@dataclass
class Edit:
    """One ``workspace/applyEdit`` the editor got: its document, version, when it was applied."""

    uri: str
    version: int | None
    at: float
    applied: bool


@dataclass
class Editor:
    """The editor and the server process it started."""

    root: Path
    base_url: str
    command: list[str] = field(default_factory=lambda: list(SERVER))
    docs: dict[str, TextDocument] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    ended: dict[str, dict[str, Any]] = field(default_factory=dict)
    inflight: dict[str, int] = field(default_factory=dict)
    max_inflight: int = 0
    """The most ``applyEdit`` requests for one document the editor was handling at once."""

    def __post_init__(self) -> None:
        self.client = make_test_lsp_client()
        self._job_ended = asyncio.Event()

        async def apply_edit(params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
            return await self._on_apply_edit(params)

        def job_ended(params: Any) -> None:
            self._on_job_ended(params)

        self.client.feature(t.WORKSPACE_APPLY_EDIT)(apply_edit)
        self.client.feature("poe/jobEnded")(job_ended)

    @property
    def pid(self) -> int:
        server = self.client._server
        assert server is not None
        return server.pid

    async def start(self) -> tuple[float, float]:
        """Start the server and initialize it.

        Returns the seconds from spawning the process to the answer to ``initialize``, and
        the CPU seconds the process had used by then (read before ``initialized`` is sent).
        """
        self.client.set_configuration(settings(self.base_url), section="poe")
        capabilities = client_capabilities("visual-studio-code")
        capabilities.experimental = {"poeJobEvents": True}
        self.client.capabilities = capabilities
        started = time.monotonic()
        await self.client.start_io(*self.command, cwd=REPO, env=server_env())
        await self.client.initialize_async(
            t.InitializeParams(
                process_id=os.getpid(),
                capabilities=capabilities,
                root_uri=self.root.as_uri(),
                workspace_folders=[t.WorkspaceFolder(uri=self.root.as_uri(), name="bench")],
                initialization_options={"poe": settings(self.base_url)},
            )
        )
        seconds = time.monotonic() - started
        cpu = cpu_seconds(self.pid)
        self.client.initialized(t.InitializedParams())
        return seconds, cpu

    async def stop(self) -> None:
        """Shut the server down (``shutdown``, ``exit``; killed if that fails), stop the client."""
        server = self.client._server
        if self.command == SERVER:
            # One round trip first, so that what poe-lsp asked after ``initialized``
            # (``workspace/configuration``) is answered before ``shutdown``, not after.
            cancel = t.ExecuteCommandParams(command="poe.cancel", arguments=[])
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.workspace_execute_command_async(cancel), 10)
        with contextlib.suppress(Exception):  # a server that does not stop is killed
            await asyncio.wait_for(self.client.shutdown_session(), 10)
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()
        await self.client.stop()  # type: ignore[no-untyped-call]

    def open(self, uri: str, text: str) -> None:
        """Open ``uri`` with ``text``."""
        self.docs[uri] = TextDocument(uri, text, version=1, language_id="python")
        item = t.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))

    def change(self, uri: str, rng: t.Range, text: str, *, keep: bool = True) -> None:
        """Change the document (the user typing, or an edit being applied); send ``didChange``.

        ``keep=False`` only tells the server (the editor's own copy is not needed).
        """
        doc = self.docs[uri]
        change = t.TextDocumentContentChangePartial(range=rng, text=text)
        if keep:
            doc.apply_change(change)
        doc.version = (doc.version or 0) + 1
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=[change],
            )
        )

    async def run(self, command: str, arguments: dict[str, Any]) -> str:
        """Run a ``poe.*`` command that starts a job; return the job id."""
        result = await self.client.workspace_execute_command_async(
            t.ExecuteCommandParams(command=command, arguments=[arguments])
        )
        if not isinstance(result, dict) or "jobId" not in result:
            raise RuntimeError(f"{command} answered {result!r}, not a job")
        return str(result["jobId"])

    async def wait_ended(self, job_ids: list[str], timeout: float = 120.0) -> list[dict[str, Any]]:
        """Wait until every job in ``job_ids`` sent ``poe/jobEnded``; return those events."""
        deadline = time.monotonic() + timeout
        while not all(job in self.ended for job in job_ids):
            self._job_ended.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                missing = [job for job in job_ids if job not in self.ended]
                raise TimeoutError(f"jobs did not end: {missing}")
            try:
                await asyncio.wait_for(self._job_ended.wait(), left)
            except TimeoutError:
                continue
        return [self.ended[job] for job in job_ids]

    def _on_job_ended(self, params: Any) -> None:
        if isinstance(params, dict):
            event = params
        elif hasattr(params, "_asdict"):
            event = params._asdict()
        else:
            event = dict(vars(params))
        self.ended[str(event["jobId"])] = event
        self._job_ended.set()

    async def _on_apply_edit(
        self, params: t.ApplyWorkspaceEditParams
    ) -> t.ApplyWorkspaceEditResult:
        uris = {
            c.text_document.uri
            for c in params.edit.document_changes or []
            if isinstance(c, t.TextDocumentEdit)
        }
        for uri in uris:
            self.inflight[uri] = self.inflight.get(uri, 0) + 1
            self.max_inflight = max(self.max_inflight, self.inflight[uri])
        try:
            ok = self._apply(params.edit)
            # Let anything else that arrived be handled before answering, as an editor's
            # event loop would: a second edit to the same document would be seen in flight.
            await asyncio.sleep(0)
            return t.ApplyWorkspaceEditResult(applied=ok)
        finally:
            for uri in uris:
                self.inflight[uri] -= 1

    def _apply(self, edit: t.WorkspaceEdit) -> bool:
        ok = True
        for change in edit.document_changes or []:
            if not isinstance(change, t.TextDocumentEdit):
                continue
            uri, version = change.text_document.uri, change.text_document.version
            doc = self.docs[uri]
            if version is not None and version != doc.version:
                ok = False
            else:
                for text_edit in change.edits:
                    assert isinstance(text_edit, t.TextEdit | t.AnnotatedTextEdit)
                    self.change(uri, text_edit.range, text_edit.new_text)
            self.edits.append(Edit(uri, version, time.monotonic(), ok))
        return ok
