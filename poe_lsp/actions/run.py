"""What one action does, from the editor's arguments to its :class:`Outcome`.

The workflow, with no LSP wiring: check the key and the trust, :func:`~poe_lsp.actions.plan.plan`
(pure), open the :class:`~poe_lsp.actions.targets.Target`, :func:`~poe_lsp.actions.deliver.pump`
the answer into it, and :func:`finish`. It reads the :class:`~poe_lsp.session.Session`, talks
to the editor through :class:`~poe_lsp.editor.Editor` and to Poe through
:class:`~poe_lsp.poe.PoeClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, replace
from typing import Literal

from poe_lsp import messages
from poe_lsp.actions.custom import CustomAction
from poe_lsp.actions.deliver import pump
from poe_lsp.actions.instructions import read_project
from poe_lsp.actions.plan import Plan, Stop, plan
from poe_lsp.actions.prompt import PromptInput, build_messages
from poe_lsp.actions.targets import EditorTargets, Target, Targets
from poe_lsp.answers import Proposal
from poe_lsp.boundary import Boundary, Refused
from poe_lsp.contract import Action, ActionArgs, JobEnded, label
from poe_lsp.contract import Outcome as Ending
from poe_lsp.editor import Editor, Progress, Severity
from poe_lsp.edits.region import EditRejected, RegionConflict
from poe_lsp.jobs import Job
from poe_lsp.poe import BotQuery, Message, PoeError
from poe_lsp.sent import Sent
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from poe_lsp.trust import bot_refused, destination, host_refused

log = logging.getLogger(__name__)

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
    editor: Editor,
    job: Job,
    action: Action,
    args: ActionArgs,
    targets: Targets | None = None,
    custom: CustomAction | None = None,
) -> Outcome:
    """Run one action to its end, reporting progress and failures to the user.

    ``targets`` opens where the answer goes; by default, the editor's documents and hover.
    ``custom``: the user's action (or Fix with Poe) that runs like ``action``.
    """
    if targets is None:
        targets = EditorTargets(editor, session.explanations, session.proposals)
    title = custom.label if custom else label(action)
    progress = await editor.begin_progress(title, "starting…", job.cancel)
    target: Target | None = None
    asked = False
    bot: str | None = None
    try:
        settings = await session.ready_settings()
        key = await _check_trust(settings, action, args, editor, progress)
        document = await editor.read_document(args.uri)
        if document is None:
            raise Stop(f"Cannot read {args.uri}: open it in the editor or save it first.")
        decided = plan(
            action,
            settings,
            document,
            args,
            root=editor.root,
            encoding=editor.encoding,
            custom=custom,
        )
        if settings.project_instructions:
            project = await asyncio.to_thread(
                read_project, Boundary(editor.roots), document.path, editor.root
            )
            decided = replace(decided, prompt=replace(decided.prompt, project=project))
        target, prompt = await targets.open(decided, progress, job.id)
        job.writer = target.writer
        bot = decided.bot
        request = Sent(build_messages(prompt), sources(prompt))
        session.sent.record(job.id, request)
        progress.report(f"asking {decided.bot} ({request.summary()})…")
        client = await session.poe_client(settings)
        asked = True
        query = _query(decided, settings, key, request.messages, progress)
        await pump(client.stream(query), target.show)
        if target.explanation is not None:
            target.explanation.done = True
        ending, message = await target.conclude()
        return finish(editor, progress, job, args, target, ending, message)
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


def finish(
    editor: Editor,
    progress: Progress,
    job: Job,
    args: ActionArgs,
    target: Target | None,
    ending: Ending,
    message: str,
    failure: Failure | None = None,
) -> Outcome:
    """End the job's progress with ``message``, tell the editor, return the outcome."""
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
    settings: Settings, action: Action, args: ActionArgs, editor: Editor, progress: Progress
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
