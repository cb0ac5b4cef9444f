"""What one action does, from the editor's arguments to its :class:`Outcome`.

The workflow, with no LSP wiring: check the key and the trust,
:func:`~poe_lsp.actions.plan.plan_with_context`, open the
:class:`~poe_lsp.actions.targets.Target`, deliver the answer into it as it streams
(:func:`pump`), and :func:`finish`. It reads the :class:`~poe_lsp.session.Session`, talks
to its :class:`~poe_lsp.editor.Host` and to Poe through
:class:`~poe_lsp.poe.PoeClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from poe_lsp import messages
from poe_lsp.actions.budget import fit
from poe_lsp.actions.cost import check_budget, cost_of
from poe_lsp.actions.custom import CustomAction
from poe_lsp.actions.followup import remember
from poe_lsp.actions.plan import Plan, Stop, plan_with_context, with_instructions
from poe_lsp.actions.prompt import PromptInput, build_messages
from poe_lsp.actions.targets import MessageText, Target, Targets
from poe_lsp.actions.testsearch import TestPlace
from poe_lsp.answers import Answer, Proposal
from poe_lsp.boundary import Refused
from poe_lsp.contract import Action, ActionArgs, JobEnded, label
from poe_lsp.contract import Outcome as Ending
from poe_lsp.editor import Host, Progress, Severity
from poe_lsp.edits.region import EditRejected, RegionConflict
from poe_lsp.jobs import Job
from poe_lsp.poe import AnswerChunk, BotQuery, Message, PoeError
from poe_lsp.points import with_points
from poe_lsp.redaction import redact_keys
from poe_lsp.sent import Sent
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from poe_lsp.trust import bot_refused, destination, host_refused

log = logging.getLogger(__name__)

Planner = Callable[[Settings, Progress], Awaitable[Plan]]
"""Plans an action that is not on a selection, reading what it needs (a commit message)."""

Failure = Literal["before", "poe", "answer", "bug"]
"""Why a job failed: before the bot was asked (key, trust, file), Poe or the bot, the answer
(no code, or the editor would not take it), or a bug in poe-lsp."""

__all__ = ["Outcome", "Stop", "accept", "finish", "run_action"]


@dataclass(frozen=True)
class Outcome:
    """How a job ended, as the user is told."""

    ending: Ending
    message: str
    failure: Failure | None = None
    edits: int = 0
    target_uri: str | None = None


async def run_action(
    session: Session,
    editor: Host,
    job: Job,
    action: Action,
    args: ActionArgs,
    targets: Targets,
    planner: Planner | None = None,
    tests: TestPlace | None = None,
    custom: CustomAction | None = None,
    title: str | None = None,
) -> Outcome:
    """Run one action to its end, reporting progress and failures to the user.

    ``targets`` opens where the answer goes: the editor's documents and hover
    (:class:`~poe_lsp.actions.targets.EditorTargets`), or the terminal's output.
    ``planner`` plans an action that is not on a selection (a commit message).
    ``tests`` is where Write tests writes, when it was decided before the job started.
    ``custom``: the user's action (or Fix with Poe) that runs like ``action``.
    ``title``: the progress title, if not the action's (a follow-up).
    A job that ends well keeps its conversation (:func:`~poe_lsp.actions.followup.remember`).
    """
    title = title or (custom.label if custom else label(action))
    progress = await editor.begin_progress(title, "starting…", job.cancel)
    target: Target | None = None
    asked = False
    bot: str | None = None
    try:
        settings = await session.ready_settings()
        key = await _check_trust(settings, action, args, editor, progress)
        await check_budget(session, settings, key, editor, progress)
        if planner is None:
            decided = await plan_with_context(editor, settings, action, args, tests, custom)
        else:
            decided = await with_instructions(await planner(settings, progress), editor, settings)
        target, prompt = await targets.open(decided, progress, job.id)
        job.writer = target.writer
        bot = decided.bot
        prompt, dropped = fit(prompt, settings.context_budget)
        request = Sent(build_messages(prompt), sources(prompt), dropped)
        session.sent.record(job.id, request)
        progress.report(f"asking {decided.bot} ({request.summary()})…")
        client = await session.poe_client(settings)
        asked, started = True, time.time()
        query = _query(decided, settings, key, request.messages, progress)
        answer = await pump(client.stream(query), target.show)
        if target.explanation is not None:
            target.explanation.done = True
        ending, message = await target.conclude()
        points = None
        if ending == "done":
            remember(session, job.id, args.uri, decided, request.messages, answer, target)
            points = await cost_of(session, settings, key, bot, started, job.id, progress)
        return finish(editor, progress, job, args, target, ending, message, points=points)
    except asyncio.CancelledError:
        undone = await target.rollback() if target is not None else False
        if target is not None and target.explanation is not None:
            target.explanation.problem = "cancelled"
        message = "Cancelled" + ("; the document is as it was." if undone else ".")
        return finish(editor, progress, job, args, target, "cancelled", message)
    except (Stop, Refused, PoeError, RegionConflict, EditRejected, TimeoutError) as exc:
        message, severity = _describe(exc)
        if isinstance(exc, PoeError) and exc.kind == "unknown_bot" and bot is not None:
            message = _did_you_mean(session, message, bot)
        if target is not None and not isinstance(exc, RegionConflict) and await target.rollback():
            message += " The document is as it was."
        if target is not None and target.explanation is not None:
            target.explanation.problem = message
        editor.notify(severity, message)
        failure: Failure = "poe" if isinstance(exc, PoeError) else "answer" if asked else "before"
        return finish(editor, progress, job, args, target, "failed", message, failure)
    except Exception:  # a bug: the job still ends, and says so
        log.exception("job %s failed unexpectedly", job.id)
        message = messages.UNEXPECTED
        with contextlib.suppress(Exception):
            if target is not None and await target.rollback():
                message += " The document is as it was."
        editor.notify("error", message)
        return finish(editor, progress, job, args, target, "failed", message, "bug")
    finally:
        if target is not None:
            target.close()


FLUSH_INTERVAL = 0.05
"""Seconds between two edits of one job: answers stream in a few edits a second."""
IDLE_INTERVAL = 0.005
"""Seconds before an answer that held nothing to show yet (no code) is looked at again."""

SUGGESTED = 3
"""Suggested replies kept per answer."""
SUGGESTED_LENGTH = 500
"""Characters kept of one suggested reply (a bot's text: untrusted, any length)."""

Show = Callable[[str, bool], Awaitable[bool]]
"""``show(answer_so_far, final)`` shows the answer; it returns whether it showed anything."""


async def pump(chunks: AsyncIterator[AnswerChunk], show: Show) -> Answer:
    """Feed the answer as it grows to ``show(answer_so_far, final)``, at most once per interval;
    return the final answer.

    The interval follows only a call that showed something, so the first code goes out as
    soon as it arrives; later chunks are coalesced, one call runs at a time, and the last
    one runs as soon as the stream ends. Cancelling the caller closes the stream. The first
    :data:`SUGGESTED` suggested replies are kept, at most :data:`SUGGESTED_LENGTH`
    characters each.
    """
    answer = ""
    suggested: list[str] = []
    changed = asyncio.Event()

    async def consume() -> None:
        nonlocal answer
        async with contextlib.aclosing(chunks) as stream:  # type: ignore[type-var]
            async for chunk in stream:
                if chunk.suggested:
                    if len(suggested) < SUGGESTED and chunk.text.strip():
                        suggested.append(redact_keys(chunk.text.strip()[:SUGGESTED_LENGTH]))
                    continue
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
            text = redact_keys(answer)
            shown = await show(text, final)
            if final:
                return Answer(text, tuple(suggested))
            interval = FLUSH_INTERVAL if shown else IDLE_INTERVAL
            await asyncio.wait({consumer}, timeout=interval)
    finally:
        if not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer


def finish(
    editor: Host,
    progress: Progress,
    job: Job,
    args: ActionArgs,
    target: Target | None,
    ending: Ending,
    message: str,
    failure: Failure | None = None,
    *,
    points: int | None = None,
) -> Outcome:
    """End the job's progress with ``message`` (and ``points``, what it cost if known),
    tell the editor, return the outcome."""
    message = with_points(message, points)
    writer = target.writer if target is not None else None
    explanation = target.explanation if target is not None else None
    outcome = Outcome(
        ending,
        message,
        failure,
        edits=writer.edits if writer else 0,
        target_uri=writer.uri if writer else None,
    )
    progress.end(message)
    editor.job_ended(
        JobEnded(
            job_id=job.id,
            action=job.action,  # type: ignore[arg-type]
            uri=args.uri,
            target_uri=outcome.target_uri,
            outcome=ending,
            message=message,
            edits=outcome.edits,
            explanation=explanation.markdown()
            if explanation and ending == "done" and job.action == "explain"
            else None,
            text=target.text if isinstance(target, MessageText) and ending == "done" else None,
            points=points,
        )
    )
    return outcome


async def accept(session: Session, proposal: Proposal) -> None:
    """Apply a reviewed answer as one edit; raise if its region changed meanwhile."""
    try:
        await proposal.writer.write(proposal.code)
    finally:
        session.proposals.pop(proposal.job_id)


async def _check_trust(
    settings: Settings, action: Action, args: ActionArgs, editor: Host, progress: Progress
) -> str:
    """Return the key, unless there is none, its host may not get it, or the bot may not
    spend points: then stop."""
    if not settings.api_key:
        raise Stop(messages.no_key(editor.wording))
    if not settings.may_send_key(settings.base_url):
        place = destination(settings.base_url)
        progress.report(f"waiting for you to allow {place.name}…")
        if not await editor.allow_host(place, "poe.baseUrl"):
            setting = editor.wording.setting("poe.baseUrl")
            raise Stop(host_refused(place, setting), "warning")
    bot = args.bot or settings.bot_for(action)
    trust = settings.bot_trust(bot)
    if trust != "trusted":
        progress.report(f"waiting for you to allow {bot}…")
        if not await editor.allow_bot(bot, in_settings=trust == "settings"):
            raise Stop(bot_refused(bot, trust), "warning")
    return settings.api_key


def sources(prompt: PromptInput) -> tuple[str, ...]:
    """The workspace files whose text ``prompt`` holds: the document, the existing test file,
    the project's instruction files."""
    found = [prompt.path]
    if prompt.test_path is not None and prompt.test_head:
        found.append(prompt.test_path)
    found.extend(f.path for f in prompt.project)
    found.extend(path for path, _ in prompt.definitions)
    if prompt.tests is not None:
        found.extend(prompt.tests.sources)
    if prompt.instruction_source is not None:
        found.append(prompt.instruction_source)
    return tuple(dict.fromkeys(found))


def _query(
    decided: Plan,
    settings: Settings,
    key: str,
    conversation: tuple[Message, ...],
    progress: Progress,
) -> BotQuery:
    return BotQuery(
        decided.bot,
        conversation,
        key,
        settings.base_url,
        rate_limit=settings.rate_limit,
        rate_window=settings.rate_limit_window,
        on_wait=lambda seconds: progress.report(
            f"waiting {math.ceil(seconds)} s for Poe's rate limit…"
        ),
    )


def _did_you_mean(session: Session, message: str, bot: str) -> str:
    """``message`` with the catalogue's nearest name to ``bot``, from the cache only."""
    from poe_lsp.poe.catalogue import suggest
    from poe_lsp.poe.usage import usage_base_url

    try:
        source = usage_base_url(session.settings.base_url, session.settings.usage_url)
    except ValueError:
        return message
    near = suggest(bot, session.catalogue.names(source))
    if near is None:
        return message
    hint = f" Did you mean '{near}'?"
    if "(HTTP 404)." in message:
        return message.replace("(HTTP 404).", "(HTTP 404)." + hint, 1)
    return message + hint


def _describe(exc: Exception) -> tuple[str, Severity]:
    if isinstance(exc, Stop):
        return exc.message, exc.severity
    if isinstance(exc, (PoeError, Refused)):
        return exc.message, "error"
    if isinstance(exc, RegionConflict):
        return "Stopped: you edited the text Poe was writing, so the rest was left out.", "warning"
    if isinstance(exc, EditRejected):
        return "Stopped: the editor did not apply Poe's edit.", "warning"
    return "Stopped: the editor did not answer Poe's edit in time.", "error"
