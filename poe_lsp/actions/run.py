"""What one action does, from the editor's arguments to the last streamed edit.

This module holds the workflow and no LSP wiring: it talks to the editor through
:class:`Host` and to Poe through :class:`~poe_lsp.poe.PoeClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal, Protocol

from poe_lsp.actions.explanations import Explanation, ExplanationStore
from poe_lsp.actions.prompt import Diagnostic, PromptInput, build_messages
from poe_lsp.actions.selection import expand_cursor
from poe_lsp.actions.testfile import test_path_for
from poe_lsp.contract import Action, ActionArgs, JobEnded, Outcome
from poe_lsp.poe import AnswerChunk, BotQuery, PoeClient, PoeError
from poe_lsp.settings import KEY_ENV, Settings
from poe_lsp.streaming.fences import extract_code, fit_to_selection
from poe_lsp.streaming.jobs import Job
from poe_lsp.streaming.positions import Encoding, Pos, line_ending, offset_at, position_at
from poe_lsp.streaming.region import EditorLink, EditRejected, RegionConflict, RegionWriter

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.05
"""Seconds between two edits of one job: answers stream in a few edits a second."""

TITLES: dict[Action, str] = {
    "explain": "Explain",
    "refactor": "Refactor",
    "writeTests": "Write tests",
    "ask": "Ask",
}

NO_KEY = (
    "Poe needs your API key: set poe.apiKey in your editor's settings (VS Code: run "
    f"'Poe: Set API Key'; Neovim: api_key in setup()), or {KEY_ENV} in the environment the "
    "editor starts from. Get a key at https://poe.com/api_key."
)

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Document:
    """A document as the server sees it: open in the editor, or read from disk."""

    uri: str
    path: str
    text: str
    version: int | None
    language_id: str


class Progress(Protocol):
    """A progress indicator in the editor (or nothing, for clients without one)."""

    def report(self, message: str) -> None: ...

    def end(self, message: str) -> None: ...


class Host(Protocol):
    """What an action needs from the language server."""

    @property
    def link(self) -> EditorLink: ...

    @property
    def explanations(self) -> ExplanationStore: ...

    @property
    def root(self) -> PurePosixPath | None: ...

    @property
    def can_create_files(self) -> bool: ...

    async def ready_settings(self) -> Settings: ...

    async def poe_client(self, settings: Settings) -> PoeClient: ...

    def read_document(self, uri: str) -> Document | None: ...

    def uri_for(self, path: PurePosixPath) -> str: ...

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> Progress: ...

    def notify(self, severity: Severity, message: str) -> None: ...

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None: ...

    def job_ended(self, event: JobEnded) -> None: ...


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


async def run_action(host: Host, job: Job, action: Action, args: ActionArgs) -> None:
    """Run one action to its end, reporting progress and failures to the user."""
    title = f"Poe: {TITLES[action]}"
    progress = await host.begin_progress(title, "starting…", job.cancel)
    writer: RegionWriter | None = None
    explanation: Explanation | None = None

    def end(outcome: Outcome, message: str) -> None:
        progress.end(message)
        host.job_ended(
            JobEnded(
                job_id=job.id,
                action=action,
                uri=args.uri,
                target_uri=writer.uri if writer else None,
                outcome=outcome,
                message=message,
                edits=writer.edits if writer else 0,
                explanation=explanation.markdown() if explanation and outcome == "done" else None,
            )
        )

    try:
        settings = await host.ready_settings()
        if not settings.api_key:
            raise Stop(NO_KEY)
        bot = args.bot or settings.bot_for(action)
        document = host.read_document(args.uri)
        if document is None:
            raise Stop(f"Cannot read {args.uri}: open it in the editor or save it first.")
        selection = select(document, args, settings.context_lines, host.link.encoding)
        prompt = PromptInput(
            action=action,
            path=_relative(document.path, host.root),
            language=document.language_id,
            selection=selection.text,
            first_line=selection.start[0],
            before=selection.before,
            after=selection.after,
            diagnostics=_diagnostics(args),
            instruction=args.instruction,
        )
        render: Callable[[str, bool], str | None]
        if action == "explain":
            explanation = Explanation(args.uri, selection.start, selection.end, bot)
            host.explanations.add(explanation)
            sink = _explain_sink(explanation, progress, bot)
        else:
            if action == "writeTests":
                writer, render, prompt = _tests_target(host, document, prompt, title)
            else:
                writer, render = _replace_target(host, document, selection, title)
            sink = _writer_sink(writer, render, progress, bot)
        progress.report(f"asking {bot}…")
        client = await host.poe_client(settings)
        query = BotQuery(bot, build_messages(prompt), settings.api_key, settings.base_url)
        await pump(client.stream(query), sink)
        if explanation is not None:
            explanation.done = True
        end("done", _finished_message(action, bot, writer))
        if action == "writeTests" and writer is not None:
            await host.show_document(writer.uri, writer.start, writer.end)
    except asyncio.CancelledError:
        undone = await _undo(writer)
        if explanation is not None:
            explanation.problem = "cancelled"
        end("cancelled", "Cancelled" + ("; the document is as it was." if undone else "."))
        raise
    except (Stop, PoeError, RegionConflict, EditRejected, TimeoutError) as exc:
        message, severity = _describe(exc)
        undone = await _undo(writer) if not isinstance(exc, RegionConflict) else False
        if undone:
            message += " The document is as it was."
        if explanation is not None:
            explanation.problem = message
        host.notify(severity, message)
        end("failed", message)


async def pump(
    chunks: AsyncIterator[AnswerChunk], sink: Callable[[str, bool], Awaitable[None]]
) -> None:
    """Feed the answer as it grows to ``sink(answer_so_far, final)``, at most once per interval.

    The first chunk goes out at once; later ones are coalesced, and one sink call runs at a
    time. Cancelling the caller closes the stream.
    """
    answer = ""
    changed = asyncio.Event()

    async def consume() -> None:
        nonlocal answer
        async with contextlib.aclosing(chunks) as stream:  # type: ignore[type-var]
            async for chunk in stream:
                answer = chunk.text if chunk.replace else answer + chunk.text
                changed.set()

    consumer = asyncio.create_task(consume())
    try:
        while True:
            waiter = asyncio.create_task(changed.wait())
            await asyncio.wait({consumer, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            final = consumer.done()
            if final:
                consumer.result()
            changed.clear()
            await sink(answer, final)
            if final:
                return
            await asyncio.sleep(FLUSH_INTERVAL)
    finally:
        if not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer


def select(document: Document, args: ActionArgs, context_lines: int, enc: Encoding) -> Selection:
    """Return the selection the action works on; an empty range means the cursor's block."""
    text = document.text
    start: Pos = (args.range.start.line, args.range.start.character)
    end: Pos = (args.range.end.line, args.range.end.character)
    if start == end:
        block = expand_cursor(text.splitlines(), start)
        if block is None:
            raise Stop("Put the cursor on a line of code, or select the code for Poe.", "warning")
        start, end = block
    begin, finish = offset_at(text, start, enc), offset_at(text, end, enc)
    start, end = position_at(text, begin, enc), position_at(text, finish, enc)
    if not text[begin:finish].strip():
        raise Stop("The selection is empty: select the code for Poe.", "warning")
    before_lines = text[:begin].splitlines(keepends=True)
    after_lines = text[finish:].splitlines(keepends=True)
    return Selection(
        start=start,
        end=end,
        text=text[begin:finish],
        before="".join(before_lines[-context_lines:]) if context_lines else "",
        after="".join(after_lines[:context_lines]) if context_lines else "",
    )


def _replace_target(
    host: Host, document: Document, selection: Selection, title: str
) -> tuple[RegionWriter, Callable[[str, bool], str | None]]:
    writer = RegionWriter(host.link, document.uri, selection.start, selection.text, label=title)
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


def _tests_target(
    host: Host, document: Document, prompt: PromptInput, title: str
) -> tuple[RegionWriter, Callable[[str, bool], str | None], PromptInput]:
    source = PurePosixPath(document.path)
    path = test_path_for(source, host.root, document.language_id)
    uri = document.uri if path == source else host.uri_for(path)
    existing = document if path == source else host.read_document(uri)
    text = existing.text if existing is not None else ""
    create = existing is None
    if create and not host.can_create_files:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).touch()
        create = False
    blank = 2 if document.language_id == "python" else 1
    separator = "" if not text.strip() else "\n" * max(0, blank + 1 - _trailing_newlines(text))
    eol = line_ending(text) if text else line_ending(document.text)
    writer = RegionWriter(
        host.link,
        uri,
        position_at(text, len(text), host.link.encoding),
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
            "test_path": _relative(str(path), host.root),
            "test_head": text or None,
        }
    )
    return writer, render, prompt


def _writer_sink(
    writer: RegionWriter, render: Callable[[str, bool], str | None], progress: Progress, bot: str
) -> Callable[[str, bool], Awaitable[None]]:
    async def sink(answer: str, final: bool) -> None:
        desired = render(answer, final)
        if desired is not None:
            await writer.write(desired)
            progress.report(f"{bot} is writing… {desired.count(chr(10))} lines")
        elif not final:
            progress.report(f"{bot} is answering…")

    return sink


def _explain_sink(
    explanation: Explanation, progress: Progress, bot: str
) -> Callable[[str, bool], Awaitable[None]]:
    async def sink(answer: str, final: bool) -> None:
        explanation.text = answer
        if not final:
            progress.report(f"{bot} is explaining… hover the selection to read along")

    return sink


async def _undo(writer: RegionWriter | None) -> bool:
    """Roll the writer's region back; return whether anything had to be undone."""
    if writer is None:
        return False
    await writer.settle()
    if writer.current == writer.original:
        return False
    try:
        await asyncio.shield(writer.rollback())
    except (RegionConflict, EditRejected, TimeoutError) as exc:
        log.warning("could not roll back %s: %s", writer.uri, type(exc).__name__)
        return False
    return True


def _describe(exc: Exception) -> tuple[str, Severity]:
    if isinstance(exc, Stop):
        return exc.message, exc.severity
    if isinstance(exc, PoeError):
        return exc.message, "error"
    if isinstance(exc, RegionConflict):
        return "Stopped: you edited the text Poe was writing, so the rest was left out.", "warning"
    if isinstance(exc, EditRejected):
        return "Stopped: the editor did not apply Poe's edit.", "warning"
    return "Stopped: the editor did not answer Poe's edit in time.", "error"


def _finished_message(action: Action, bot: str, writer: RegionWriter | None) -> str:
    if action == "explain":
        return f"{bot} explained the selection: hover it to read."
    edits = writer.edits if writer else 0
    return f"{bot} finished ({edits} edit{'s' if edits != 1 else ''})."


def _diagnostics(args: ActionArgs) -> tuple[Diagnostic, ...]:
    start = (args.range.start.line, args.range.start.character)
    end = (args.range.end.line, args.range.end.character)
    names = {1: "error", 2: "warning", 3: "information", 4: "hint"}
    return tuple(
        Diagnostic(
            line=d.range.start.line,
            severity=names.get(int(d.severity or 1), "error"),
            message=d.message,
            source=d.source,
        )
        for d in args.diagnostics
        if (d.range.end.line, d.range.end.character) >= start
        and (d.range.start.line, d.range.start.character) <= end
    )


def _relative(path: str, root: PurePosixPath | None) -> str:
    pure = PurePosixPath(path)
    if root is not None and pure.is_relative_to(root):
        return str(pure.relative_to(root))
    return str(pure)


def _trailing_newlines(text: str) -> int:
    stripped = text.replace("\r\n", "\n")
    return len(stripped) - len(stripped.rstrip("\n"))
