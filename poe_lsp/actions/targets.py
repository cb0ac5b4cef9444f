"""Where an action's answer goes: the selection it replaces, or the test file it extends.

Each target is a :class:`~poe_lsp.streaming.region.RegionWriter` on the right region and a
``render(answer_so_far, final)`` that turns the bot's answer into that region's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from poe_lsp.actions.languages import language_for
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.actions.selection import expand_cursor
from poe_lsp.actions.testfile import test_path_for
from poe_lsp.boundary import Boundary, Refused, path_of_uri
from poe_lsp.contract import ActionArgs
from poe_lsp.editor import Document, Editor, Severity
from poe_lsp.streaming.fences import extract_code, fit_to_selection
from poe_lsp.streaming.positions import (
    Encoding,
    Pos,
    line_ending,
    offset_at,
    position_at,
    split_lines,
)
from poe_lsp.streaming.region import RegionWriter

Render = Callable[[str, bool], "str | None"]


class Stop(Exception):
    """The action cannot go on; the message says why and what to do."""

    def __init__(self, message: str, severity: Severity = "error") -> None:
        super().__init__(message)
        self.message = message
        self.severity: Severity = severity


@dataclass
class Selection:
    """The text an action works on and where it is."""

    start: Pos
    end: Pos
    text: str
    before: str
    after: str


def select(document: Document, args: ActionArgs, context_lines: int, enc: Encoding) -> Selection:
    """Return the selection the action works on; an empty range means the cursor's block."""
    text = document.text
    start: Pos = (args.range.start.line, args.range.start.character)
    end: Pos = (args.range.end.line, args.range.end.character)
    if start == end:
        block = expand_cursor(split_lines(text), start)
        if block is None:
            raise Stop("Put the cursor on a line of code, or select the code for Poe.", "warning")
        start, end = block
    begin, finish = offset_at(text, start, enc), offset_at(text, end, enc)
    start, end = position_at(text, begin, enc), position_at(text, finish, enc)
    if not text[begin:finish].strip():
        raise Stop("The selection is empty: select the code for Poe.", "warning")
    before_lines = split_lines(text[:begin], keepends=True)
    after_lines = split_lines(text[finish:], keepends=True)
    return Selection(
        start=start,
        end=end,
        text=text[begin:finish],
        before="".join(before_lines[-context_lines:]) if context_lines else "",
        after="".join(after_lines[:context_lines]) if context_lines else "",
    )


def replace_target(
    editor: Editor, document: Document, selection: Selection, title: str
) -> tuple[RegionWriter, Callable[[str, bool], str | None]]:
    writer = RegionWriter(editor, document.uri, selection.start, selection.text, label=title)
    eol = line_ending(document.text)

    def render(answer: str, final: bool) -> str | None:
        code = extract_code(answer, final=final)
        if code is None or (not final and code == ""):
            return None
        if final and not code.strip():
            raise Stop("The bot's answer held no code, so the selection was left alone.", "warning")
        return fit_to_selection(
            code, selection.text, eol=eol, at_line_start=selection.start[1] == 0
        )

    return writer, render


async def tests_target(
    editor: Editor, document: Document, prompt: PromptInput, title: str
) -> tuple[RegionWriter, Callable[[str, bool], str | None], PromptInput]:
    """Return the writer at the end of the source's test file, its render and the prompt
    with that file's head; the file must pass the workspace boundary even if it is open."""
    source = PurePosixPath(document.path)
    path = test_path_for(source, editor.root, document.language_id)
    boundary = Boundary(editor.roots)
    existing: Document | None
    if path == source:
        uri, existing = document.uri, document
    else:
        try:
            await asyncio.to_thread(boundary.check_target, path)
        except Refused as exc:
            raise Stop(f"No tests were written: {exc.message}") from None
        uri = editor.uri_for(path)
        existing = await editor.read_document(uri)
    text = existing.text if existing is not None else ""
    create = existing is None
    if create and not (editor.can_create_files and editor.can_apply_edits):
        try:
            await asyncio.to_thread(boundary.create, path)
        except Refused as exc:
            raise Stop(f"No tests were written: {exc.message}") from None
        except OSError as exc:
            shown = relative(str(path), editor.root)
            raise Stop(f"Cannot create {shown}: {exc.strerror}.") from None
        create = False
    blank = 2 if document.language_id == "python" else 1
    separator = "" if not text.strip() else "\n" * max(0, blank + 1 - _trailing_newlines(text))
    eol = line_ending(text) if text else line_ending(document.text)
    writer = RegionWriter(
        editor,
        uri,
        position_at(text, len(text), editor.encoding),
        "",
        label=title,
        create=create,
    )

    def render(answer: str, final: bool) -> str | None:
        code = extract_code(answer, final=final)
        if not code:
            if final:
                raise Stop("The bot's answer held no code, so no tests were written.", "warning")
            return None
        return (separator + code).replace("\n", eol) if eol != "\n" else separator + code

    prompt = PromptInput(
        **{
            **prompt.__dict__,
            "test_path": relative(str(path), editor.root),
            "test_head": text or None,
        }
    )
    return writer, render, prompt


def planned_target(
    action: str, uri: str, language: str | None, root: PurePosixPath | None
) -> str | None:
    """Return the file a job of ``action`` on ``uri`` will write into when it is not ``uri``
    itself (the test file of Write tests), as far as it can be known without reading."""
    if action != "writeTests":
        return None
    try:
        source = PurePosixPath(path_of_uri(uri))
    except Refused:
        return None
    path = test_path_for(source, root, language or language_for(source))
    return None if path == source else Path(path).as_uri()


def relative_uri(uri: str, root: PurePosixPath | None) -> str:
    """Return the path of the file URI ``uri`` relative to the workspace root, for messages."""
    try:
        return relative(path_of_uri(uri), root)
    except Refused:
        return uri


def relative(path: str, root: PurePosixPath | None) -> str:
    """Return ``path`` relative to the workspace root when it lies inside it."""
    pure = PurePosixPath(path)
    if root is not None and pure.is_relative_to(root):
        return str(pure.relative_to(root))
    return str(pure)


def _trailing_newlines(text: str) -> int:
    stripped = text.replace("\r\n", "\n")
    return len(stripped) - len(stripped.rstrip("\n"))
