"""The first step of an action: what to ask which bot, and where the answer goes.

:func:`plan` (pure) turns the settings, the document and the editor's arguments into a
:class:`Plan`: the bot, the selection, the prompt, and where the answer goes (the selection,
the test file, or the hover), with nothing sent and nothing read. :func:`plan_with_context`
reads the document and adds the context the plan sends (the project's instructions, the test
file's framework and fixtures, the definitions the selection uses), off the event loop and
never from a withheld file (:mod:`~poe_lsp.actions.private`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from poe_lsp import messages
from poe_lsp.actions.custom import CustomAction
from poe_lsp.actions.header import header_end
from poe_lsp.actions.instructions import read_project
from poe_lsp.actions.languages import language_for
from poe_lsp.actions.private import Withheld, looks_secret, withheld
from poe_lsp.actions.prompt import Diagnostic, PromptInput
from poe_lsp.actions.selection import expand_cursor
from poe_lsp.actions.testcontext import gather
from poe_lsp.actions.testfile import test_path_for
from poe_lsp.actions.testsearch import TestPlace, locate_tests
from poe_lsp.boundary import Boundary, Refused, path_of_uri
from poe_lsp.contract import Action, ActionArgs, label
from poe_lsp.editor import Document, Host, Severity
from poe_lsp.edits.positions import Encoding, Pos, offset_at, position_at, split_lines
from poe_lsp.settings import Settings

Destination = Literal["selection", "tests", "hover", "message", "text", "chat"]
"""Where an answer goes: it replaces the selection, extends the test file, or is read; a
commit message replaces the message above a commit file's comments, or is only kept as text
(:mod:`~poe_lsp.actions.commit`); a chat's answer goes to the end of the chat
(:mod:`~poe_lsp.actions.chat`)."""


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
    header: str = ""
    """The file's header lines (:mod:`~poe_lsp.actions.header`) that precede ``before``."""


@dataclass(frozen=True)
class Plan:
    """One action, decided: ask ``bot`` ``prompt``; the answer goes to ``destination``."""

    action: Action
    title: str
    bot: str
    document: Document
    selection: Selection
    prompt: PromptInput
    destination: Destination
    review: bool
    """The settings ask to review the answer before it is written (``poe.review``)."""
    test_path: PurePosixPath | None = None
    """The test file Write tests extends."""
    custom: CustomAction | None = None
    """The user's action (or Fix with Poe) this plan runs, like its built-in ``action``: its
    progress is titled ``custom.label``, its edits keep ``action``'s label, by which clients
    group them into one undo step."""


def plan(
    action: Action,
    settings: Settings,
    document: Document,
    args: ActionArgs,
    *,
    root: PurePosixPath | None,
    encoding: Encoding,
    test_path: PurePosixPath | None = None,
    custom: CustomAction | None = None,
) -> Plan:
    """Decide the action; raise :class:`Stop` if the selection holds nothing to send.

    ``test_path`` is the test file Write tests extends (default: the convention); ``custom``
    is the user's action that runs like ``action``."""
    selection = select(document, args, settings.context_lines, encoding)
    prompt = PromptInput(
        action=action,
        path=relative(document.path, root),
        language=document.language_id,
        selection=selection.text,
        first_line=selection.start[0],
        before=selection.before,
        after=selection.after,
        header=selection.header,
        diagnostics=diagnostics(args),
        instruction=custom.instruction if custom else args.instruction,
        custom=custom is not None,
        instruction_source=custom.source if custom else None,
    )
    destination: Destination = (
        "hover" if action == "explain" else "tests" if action == "writeTests" else "selection"
    )
    if destination != "tests":
        test_path = None
    elif test_path is None:
        test_path = test_path_for(PurePosixPath(document.path), root, document.language_id)
    review = destination != "hover" and settings.review.get(action, False)
    if custom is not None and custom.review is not None:
        review = destination != "hover" and custom.review
    return Plan(
        action=action,
        title=label(action),
        bot=args.bot or settings.bot_for(action),
        document=document,
        selection=selection,
        prompt=prompt,
        destination=destination,
        review=review,
        test_path=test_path,
        custom=custom,
    )


async def plan_with_context(
    editor: Host,
    settings: Settings,
    action: Action,
    args: ActionArgs,
    tests: TestPlace | None = None,
    custom: CustomAction | None = None,
) -> Plan:
    """The plan of an action on a selection, with all the context it sends: the project's
    instructions, the test file's framework, import and fixtures, the definitions the
    selection uses; never a withheld file (:mod:`~poe_lsp.actions.private`)."""
    document = await editor.read_document(args.uri)
    if document is None:
        raise Stop(f"Cannot read {args.uri}: open it in the editor or save it first.")
    if looks_secret(document.path):
        raise Stop(messages.secret_refused(PurePosixPath(document.path).name), "warning")
    if action == "writeTests" and tests is None:
        source = PurePosixPath(document.path)
        tests = await asyncio.to_thread(locate_tests, editor.root, source, document.language_id)
    decided = plan(
        action,
        settings,
        document,
        args,
        root=editor.root,
        encoding=editor.encoding,
        test_path=tests.path if tests is not None else None,
        custom=custom,
    )
    hidden = await withheld(editor.root)
    if tests is not None and decided.test_path is not None:
        decided = await _with_test_context(decided, editor, tests, hidden)
    decided = await _with_definitions(decided, editor, hidden)
    return await with_instructions(decided, editor, settings)


async def with_instructions(decided: Plan, editor: Host, settings: Settings) -> Plan:
    """``decided`` with the project's instructions (unless the settings turn them off, or a
    follow-up sends them already, in its earlier turns)."""
    if not settings.project_instructions or decided.prompt.conversation:
        return decided
    project = await asyncio.to_thread(
        read_project, Boundary(editor.roots), decided.document.path, editor.root
    )
    return replace(decided, prompt=replace(decided.prompt, project=project))


async def _with_test_context(
    decided: Plan, editor: Host, tests: TestPlace, hidden: Withheld
) -> Plan:
    """``decided`` with the framework, the import and the fixtures of its test file."""
    root, path = editor.root, decided.test_path
    source = PurePosixPath(decided.document.path)
    if root is None or path is None or not source.is_relative_to(root):
        return decided
    if not path.is_relative_to(root):
        return decided
    selection = decided.selection
    last = selection.end[0] - (1 if selection.end[1] == 0 and selection.end[0] > 0 else 0)
    found = await asyncio.to_thread(
        gather,
        Boundary(editor.roots),
        root,
        tests.listing,
        str(source.relative_to(root)),
        str(path.relative_to(root)),
        decided.document.language_id,
        decided.document.text,
        (selection.start[0], last),
        hidden,
    )
    return replace(decided, prompt=replace(decided.prompt, tests=found))


async def _with_definitions(decided: Plan, editor: Host, hidden: Withheld) -> Plan:
    """``decided`` with the signatures and docstrings of the names its selection uses."""
    from poe_lsp.actions import definitions

    root, source = editor.root, PurePosixPath(decided.document.path)
    if root is None or not source.is_relative_to(root) or source == root:
        return decided
    relative, selection = str(source.relative_to(root)), decided.selection
    last = selection.end[0] - (1 if selection.end[1] == 0 and selection.end[0] > 0 else 0)

    def find() -> tuple[definitions.Definition, ...]:
        return definitions.gather(
            Boundary(editor.roots),
            root,
            relative,
            decided.document.text,
            selection.text,
            (selection.start[0], last),
            decided.document.language_id,
            definitions.import_roots(str(root), relative),
            hidden,
        )

    shown = selection.header + selection.before + selection.after
    found = tuple(
        d
        for d in await asyncio.to_thread(find)
        if d.path != relative or d.text.split("\n", 1)[0] not in shown
    )
    if not found:
        return decided
    prompt = replace(decided.prompt, definitions=tuple((d.path, d.text) for d in found))
    return replace(decided, prompt=prompt)


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
    before = before_lines[-context_lines:] if context_lines else []
    window_start = len(before_lines) - len(before) if before else start[0]
    lines = split_lines(text, keepends=True)
    header = lines[: min(header_end(lines, document.language_id), window_start)]
    return Selection(
        start=start,
        end=end,
        text=text[begin:finish],
        before="".join(before),
        after="".join(after_lines[:context_lines]) if context_lines else "",
        header="".join(header),
    )


def target_of(action: str, uri: str, language: str | None, root: PurePosixPath | None) -> str:
    """Return the file a job of ``action`` on ``uri`` writes into (or would write into):
    the test file for Write tests, else ``uri`` itself; known before the job starts."""
    if action != "writeTests":
        return uri
    try:
        source = PurePosixPath(path_of_uri(uri))
    except Refused:
        return uri
    path = test_path_for(source, root, language or language_for(source))
    return uri if path == source else Path(path).as_uri()


def diagnostics(args: ActionArgs) -> tuple[Diagnostic, ...]:
    """Return the editor's diagnostics that touch the selection, as the prompt shows them."""
    start = (args.range.start.line, args.range.start.character)
    end = (args.range.end.line, args.range.end.character)
    names = {1: "error", 2: "warning", 3: "information", 4: "hint"}
    return tuple(
        Diagnostic(
            line=d.range.start.line,
            severity=names.get(int(d.severity or 1), "error"),
            message=d.message,
            source=d.source,
            code=str(d.code) if d.code is not None else None,
        )
        for d in args.diagnostics
        if (d.range.end.line, d.range.end.character) >= start
        and (d.range.start.line, d.range.start.character) <= end
    )


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
