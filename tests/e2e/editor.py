"""A client-side editor model for the end-to-end tests: it applies the server's edits like
a real editor does (VS Code's order: apply, send ``didChange``, then answer ``applyEdit``).

Its documents follow the LSP specification, written out here apart from the server's code:
lines break at ``\\n``, ``\\r\\n`` and ``\\r`` only (not at the form feeds, ``\\u2028`` and so
on that ``str.splitlines`` breaks at), a character counts in the negotiated encoding's code
units, a position past a line's text means the end of that text and a line past the last
one means the end of the document.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as t
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient

LSP_BREAK = re.compile(r"\r\n|\r|\n")


def code_units(ch: str, encoding: str) -> int:
    """How many code units of ``encoding`` the character ``ch`` takes."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return len(ch.encode("utf-16-le")) // 2


def lsp_lines(text: str) -> list[str]:
    """The lines of ``text`` with their breaks (a last empty line left out, as splitlines does)."""
    starts = [0, *(m.end() for m in LSP_BREAK.finditer(text))]
    ends = [*starts[1:], len(text)]
    return [text[a:b] for a, b in zip(starts, ends, strict=True) if a < b]


def lsp_offset(text: str, line: int, character: int, encoding: str) -> int:
    """The index in ``text`` that the LSP position (``line``, ``character``) stands for."""
    starts = [0, *(m.end() for m in LSP_BREAK.finditer(text))]
    if line >= len(starts):
        return len(text)
    offset = starts[line]
    found = LSP_BREAK.search(text, offset)
    content_end = found.start() if found else len(text)
    used = 0
    while offset < content_end and used + code_units(text[offset], encoding) <= character:
        used += code_units(text[offset], encoding)
        offset += 1
    return offset


def lsp_position(text: str, offset: int, encoding: str) -> tuple[int, int]:
    """The LSP position just after ``text[:offset]``."""
    head = text[:offset]
    breaks = list(LSP_BREAK.finditer(head))
    line_start = breaks[-1].end() if breaks else 0
    return len(breaks), sum(code_units(ch, encoding) for ch in head[line_start:])


@dataclass
class EditorDocument:
    """A document as an LSP editor holds it."""

    uri: str
    source: str
    version: int = 1
    language_id: str = "python"
    encoding: str = "utf-16"

    @property
    def lines(self) -> list[str]:
        return lsp_lines(self.source)

    def offset_at(self, position: t.Position) -> int:
        return lsp_offset(self.source, position.line, position.character, self.encoding)

    def apply_change(self, change: t.TextDocumentContentChangeEvent) -> None:
        """Apply a change: a whole text, or a range's replacement (read in order)."""
        if isinstance(change, t.TextDocumentContentChangeWholeDocument):
            self.source = change.text
            return
        begin, end = sorted((self.offset_at(change.range.start), self.offset_at(change.range.end)))
        self.source = self.source[:begin] + change.text + self.source[end:]


@dataclass
class AppliedEdit:
    """One ``workspace/applyEdit`` the editor received, and when."""

    params: t.ApplyWorkspaceEditParams
    at: float
    applied: bool


@dataclass
class Editor:
    """Open documents as the editor has them, kept in sync with the server."""

    client: LanguageClient
    encoding: str = "utf-16"
    root: Path = field(default_factory=Path.cwd)
    server_capabilities: t.ServerCapabilities | None = None
    docs: dict[str, EditorDocument] = field(default_factory=dict)
    edits: list[AppliedEdit] = field(default_factory=list)
    accept: bool = True
    confirm: bool = True
    """What the user answers when an edit asks for confirmation (VS Code's refactor preview)."""
    confirmations: int = 0
    trust_answer: str | None = "Allow once"
    """The button the user presses when the server asks to allow a bot (``None``: dismissed)."""
    questions: list[str] = field(default_factory=list)
    hang: bool = False
    """Never answer ``workspace/applyEdit`` (until ``released`` is set), as Vim's ALE does."""
    released: asyncio.Event = field(default_factory=asyncio.Event)
    edit_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def attach(self) -> None:
        """Handle ``workspace/applyEdit`` from now on."""

        async def on_apply_edit(params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
            if self.hang:
                await self.released.wait()
                return t.ApplyWorkspaceEditResult(applied=False, failure_reason="hung")
            return self._on_apply_edit(params)

        self.client.feature(t.WORKSPACE_APPLY_EDIT)(on_apply_edit)

        @self.client.feature(t.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_question(params: t.ShowMessageRequestParams) -> t.MessageActionItem | None:
            self.questions.append(params.message)
            titles = [a.title for a in params.actions or []]
            if self.trust_answer is None:
                return None
            assert self.trust_answer in titles
            return t.MessageActionItem(title=self.trust_answer)

    def open(self, uri: str, text: str, language: str = "python") -> None:
        """Open ``uri`` with ``text``, as the user opening a file."""
        self.docs[uri] = EditorDocument(uri, text, language_id=language, encoding=self.encoding)
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(
                text_document=t.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )

    def text(self, uri: str) -> str:
        """Return the editor's text of ``uri``."""
        return self.docs[uri].source

    def type(self, uri: str, rng: t.Range, text: str) -> None:
        """Change the document as the user typing would."""
        self._change(uri, rng, text)

    def _change(self, uri: str, rng: t.Range, text: str) -> None:
        doc = self.docs[uri]
        change = t.TextDocumentContentChangePartial(range=rng, text=text)
        doc.apply_change(change)
        doc.version += 1
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                content_changes=[change],
            )
        )

    def _on_apply_edit(self, params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
        ok, reason = self._apply(params.edit) if self.accept else (False, "refused by the test")
        self.edits.append(AppliedEdit(params, time.monotonic(), ok))
        self.edit_arrived.set()
        return t.ApplyWorkspaceEditResult(applied=ok, failure_reason=reason)

    def _apply(self, edit: t.WorkspaceEdit) -> tuple[bool, str | None]:
        if any(a.needs_confirmation for a in (edit.change_annotations or {}).values()):
            self.confirmations += 1
            if not self.confirm:
                return False, "the user rejected the change"
        for change in edit.document_changes or []:
            if isinstance(change, t.CreateFile):
                path = Path(to_fs_path(change.uri) or "")
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    path.write_text("")
                self._ensure_open(change.uri)
            elif isinstance(change, t.TextDocumentEdit):
                doc = self._ensure_open(change.text_document.uri)
                version = change.text_document.version
                if version is not None and version != doc.version:
                    return False, f"version {version} is not the current {doc.version}"
                for text_edit in change.edits:
                    assert isinstance(text_edit, t.TextEdit | t.AnnotatedTextEdit)
                    self._change(change.text_document.uri, text_edit.range, text_edit.new_text)
            else:
                return False, f"unsupported change {type(change).__name__}"
        for uri, text_edits in (edit.changes or {}).items():
            self._ensure_open(uri)
            for text_edit in text_edits:
                self._change(uri, text_edit.range, text_edit.new_text)
        return True, None

    def _ensure_open(self, uri: str) -> EditorDocument:
        if uri not in self.docs:
            path = Path(to_fs_path(uri) or "")
            self.open(uri, path.read_text() if path.exists() else "")
        return self.docs[uri]

    async def wait_for_edits(self, count: int, timeout: float = 10.0) -> None:
        """Wait until at least ``count`` edits arrived."""
        deadline = time.monotonic() + timeout
        while len(self.edits) < count:
            self.edit_arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self.edits)} edits arrived, expected {count}")
            try:
                await asyncio.wait_for(self.edit_arrived.wait(), remaining)
            except TimeoutError:
                continue
