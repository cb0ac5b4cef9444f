"""What one action does, from the editor's arguments to the last streamed edit.

This module holds the workflow and no LSP wiring: it talks to the editor through
:class:`~poe_lsp.editor.Editor` and to Poe through :class:`~poe_lsp.poe.PoeClient`. An
action either streams its answer straight into the document, or (review mode, and for
clients that cannot apply edits) keeps it as a :class:`~poe_lsp.actions.proposals.Proposal`
the user accepts or rejects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable

from poe_lsp.actions.explanations import Explanation
from poe_lsp.actions.prompt import Diagnostic, PromptInput, build_messages
from poe_lsp.actions.proposals import Proposal
from poe_lsp.actions.targets import (
    Render,
    Stop,
    relative,
    replace_target,
    select,
    tests_target,
)
from poe_lsp.boundary import Refused
from poe_lsp.contract import Action, ActionArgs, JobEnded, Outcome
from poe_lsp.editor import Editor, Progress, Severity
from poe_lsp.poe import AnswerChunk, BotQuery, PoeError
from poe_lsp.redaction import redact_keys
from poe_lsp.session import Session
from poe_lsp.settings import KEY_ENV
from poe_lsp.streaming.jobs import Job
from poe_lsp.streaming.region import EditRejected, RegionConflict, RegionWriter
from poe_lsp.trust import bot_refused, destination, host_refused

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.05
"""Seconds between two edits of one job: answers stream in a few edits a second."""
IDLE_INTERVAL = 0.005
"""Seconds before an answer that held nothing to show yet (no code) is looked at again."""

Sink = Callable[[str, bool], Awaitable[bool]]
"""``sink(answer_so_far, final)`` shows the answer; it returns whether it showed anything."""

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

UNEXPECTED = (
    "poe-lsp failed unexpectedly (see its log), so the job stopped; try again, and if it "
    "happens again, report it with the log."
)

__all__ = ["Stop", "accept", "pump", "run_action"]


async def run_action(
    session: Session, editor: Editor, job: Job, action: Action, args: ActionArgs
) -> None:
    """Run one action to its end, reporting progress and failures to the user."""
    title = f"Poe: {TITLES[action]}"
    progress = await editor.begin_progress(title, "starting…", job.cancel)
    writer: RegionWriter | None = None
    explanation: Explanation | None = None

    def end(outcome: Outcome, message: str) -> None:
        progress.end(message)
        editor.job_ended(
            JobEnded(
                job_id=job.id,
                action=action,
                uri=args.uri,
                target_uri=writer.uri if writer else None,
                outcome=outcome,
                message=message,
                edits=writer.edits if writer else 0,
                explanation=explanation.markdown()
                if explanation and outcome == "done" and action == "explain"
                else None,
            )
        )

    try:
        settings = await session.ready_settings()
        if not settings.api_key:
            raise Stop(NO_KEY)
        if not settings.may_send_key(settings.base_url):
            place = destination(settings.base_url)
            progress.report(f"waiting for you to allow {place.name}…")
            if not await editor.allow_host(place, "poe.baseUrl"):
                raise Stop(host_refused(place, "poe.baseUrl"), "warning")
        bot = args.bot or settings.bot_for(action)
        trust = settings.bot_trust(bot)
        if trust != "trusted":
            progress.report(f"waiting for you to allow {bot}…")
            if not await editor.allow_bot(bot, in_settings=trust == "settings"):
                raise Stop(bot_refused(bot, trust), "warning")
        document = await editor.read_document(args.uri)
        if document is None:
            raise Stop(f"Cannot read {args.uri}: open it in the editor or save it first.")
        selection = select(document, args, settings.context_lines, editor.encoding)
        prompt = PromptInput(
            action=action,
            path=relative(document.path, editor.root),
            language=document.language_id,
            selection=selection.text,
            first_line=selection.start[0],
            before=selection.before,
            after=selection.after,
            diagnostics=_diagnostics(args),
            instruction=args.instruction,
        )
        render: Render | None = None
        if action == "writeTests":
            writer, render, prompt = await tests_target(editor, document, prompt, title)
        elif action != "explain":
            writer, render = replace_target(editor, document, selection, title)
        if writer is not None and (rival := job.rival(writer.uri)) is not None:
            raise Stop(
                f"Poe is already writing tests into {prompt.test_path or writer.uri} "
                f"({rival.id}); wait for it to finish or cancel it (poe.cancel), then ask again.",
                "warning",
            )
        job.writer = writer
        review = writer is not None and (
            settings.review.get(action, False) or not editor.can_apply_edits
        )
        if writer is None or review:
            start, finish = (
                (writer.start, writer.end) if writer else (selection.start, selection.end)
            )
            explanation = Explanation(writer.uri if writer else args.uri, start, finish, bot)
            session.explanations.add(explanation)
            sink = _preview_sink(explanation, render, document.language_id, progress, bot)
        else:
            assert render is not None
            sink = _writer_sink(writer, render, progress, bot)
        progress.report(f"asking {bot}…")
        client = await session.poe_client(settings)
        query = BotQuery(
            bot,
            build_messages(prompt),
            settings.api_key,
            settings.base_url,
            rate_limit=settings.rate_limit,
            rate_window=settings.rate_limit_window,
            on_wait=lambda seconds: progress.report(
                f"waiting {math.ceil(seconds)} s for Poe's rate limit…"
            ),
        )
        await pump(client.stream(query), sink)
        if explanation is not None:
            explanation.done = True
        if review and writer is not None and render is not None:
            code = render(explanation.answer if explanation else "", True) or ""
            proposal = Proposal(job.id, title, bot, writer, code)
            session.proposals.add(proposal)
            outcome, message = await _offer(session, editor, proposal)
            if explanation is not None and session.proposals.get(job.id) is not None:
                explanation.note = (
                    f"Not applied yet: run the code action 'Poe: Accept answer' or "
                    f"'Poe: Reject answer' (job {job.id})."
                )
            end(outcome, message)
        else:
            if action == "writeTests" and writer is not None:
                await editor.show_document(writer.uri, writer.start, writer.end)
            end("done", _finished_message(action, bot, writer))
    except asyncio.CancelledError:
        undone = await _undo(writer)
        if explanation is not None:
            explanation.problem = "cancelled"
        end("cancelled", "Cancelled" + ("; the document is as it was." if undone else "."))
        raise
    except (Stop, Refused, PoeError, RegionConflict, EditRejected, TimeoutError) as exc:
        described: tuple[str, Severity] = (
            (exc.message, "error") if isinstance(exc, Refused) else _describe(exc)
        )
        message, severity = described
        undone = await _undo(writer) if not isinstance(exc, RegionConflict) else False
        if undone:
            message += " The document is as it was."
        if explanation is not None:
            explanation.problem = message
        editor.notify(severity, message)
        end("failed", message)
    except Exception:  # a bug: the job still ends, and says so
        log.exception("job %s failed unexpectedly", job.id)
        message = UNEXPECTED
        with contextlib.suppress(Exception):
            if await _undo(writer):
                message += " The document is as it was."
        editor.notify("error", message)
        end("failed", message)
    finally:
        if writer is not None and session.proposals.get(job.id) is None:
            writer.close()  # a proposal's writer follows its document until accepted


async def accept(session: Session, proposal: Proposal) -> None:
    """Apply a reviewed answer as one edit; raise if its region changed meanwhile."""
    try:
        await proposal.writer.write(proposal.code)
    finally:
        session.proposals.pop(proposal.job_id)


async def _offer(session: Session, editor: Editor, proposal: Proposal) -> tuple[Outcome, str]:
    """Offer a finished answer for review; return the job's outcome and closing message."""
    name = f"{proposal.title} ({proposal.bot})"
    if editor.can_apply_edits and editor.confirmable_edits:
        try:
            await proposal.writer.write(proposal.code, confirm=name)
        except EditRejected:
            session.proposals.pop(proposal.job_id)
            return "cancelled", f"{name}: you rejected the change; the document is as it was."
        session.proposals.pop(proposal.job_id)
        return "done", f"{name}: you accepted the change."
    message = (
        f"{name} is ready for review: hover the selection to read it, then run the code "
        f"action 'Poe: Accept answer' or 'Poe: Reject answer' (job {proposal.job_id})."
    )
    editor.notify("info", message)
    return "done", message


async def pump(chunks: AsyncIterator[AnswerChunk], sink: Sink) -> None:
    """Feed the answer as it grows to ``sink(answer_so_far, final)``, at most once per interval.

    The interval follows only a sink call that showed something, so the first code goes out
    as soon as it arrives; later chunks are coalesced, one sink call runs at a time, and the
    last one runs as soon as the stream ends. Cancelling the caller closes the stream.
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
            # A bot server that echoes the key must not get it into the user's files.
            shown = await sink(redact_keys(answer), final)
            if final:
                return
            interval = FLUSH_INTERVAL if shown else IDLE_INTERVAL
            await asyncio.wait({consumer}, timeout=interval)
    finally:
        if not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer


def _writer_sink(writer: RegionWriter, render: Render, progress: Progress, bot: str) -> Sink:
    answering = False

    async def sink(answer: str, final: bool) -> bool:
        nonlocal answering
        desired = render(answer, final)
        if desired is None:
            if not final and not answering:
                progress.report(f"{bot} is answering…")
                answering = True
            return False
        await writer.write(desired)
        lines = desired.count("\n")
        progress.report(f"{bot} is writing… {lines} line{'' if lines == 1 else 's'}")
        return True

    return sink


def _preview_sink(
    explanation: Explanation, render: Render | None, language: str, progress: Progress, bot: str
) -> Sink:
    """Show the answer in the hover: an explanation as is, a proposed change as code."""

    async def sink(answer: str, final: bool) -> bool:
        explanation.answer = answer
        if render is None:
            explanation.text = answer
            if not final:
                progress.report(f"{bot} is explaining… hover the selection to read along")
            return True
        code = render(answer, final)
        if code is not None:
            fence = "````" if "```" in code else "```"
            shown = code.rstrip("\r\n")
            explanation.text = f"Proposed change:\n\n{fence}{language}\n{shown}\n{fence}"
        if not final:
            progress.report(f"{bot} is writing a change for review… hover the selection")
        return True

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
