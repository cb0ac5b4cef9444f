"""``poe.followUp``, and the code actions that send a bot's suggested replies as follow-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcInvalidParams

from poe_lsp.actions.custom import safe_title
from poe_lsp.contract import (
    CMD_FOLLOW_UP,
    KIND_FOLLOW_UP,
    SUGGESTED_TITLE,
    TITLES,
    ActionArgs,
    ArgumentError,
    FollowUpArgs,
)
from poe_lsp.jobs import Job
from poe_lsp.lsp.handlers.commands import RequestFailed
from poe_lsp.lsp.server import PoeLanguageServer

if TYPE_CHECKING:
    from poe_lsp.actions.run import Outcome

SUGGESTED_TITLE_LENGTH = 60
"""Characters of a suggested reply its code action's title shows."""


def register(server: PoeLanguageServer) -> None:
    """Register ``poe.followUp``."""
    server.command(CMD_FOLLOW_UP)(follow_up)


async def follow_up(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Start a follow-up on the finished job of ``{"jobId", "instruction"}``; answer
    ``{"jobId"}`` of the new job, or refuse (unknown, running, or its text edited away)."""
    from poe_lsp.actions.followup import TITLE, FollowUpTargets, planner, realign, refusal
    from poe_lsp.actions.run import run_action

    try:
        parsed = FollowUpArgs.from_json(args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{CMD_FOLLOW_UP}: {exc}") from None
    session = ls.session
    problem = refusal(session.conversations, session.jobs, parsed.job_id)
    conversation = session.conversations.get(parsed.job_id)
    if problem is not None or conversation is None:
        raise RequestFailed(problem or f"Poe job {parsed.job_id} cannot be followed up.")
    place = conversation.place()
    assert place is not None
    uri, start, end = place
    action = conversation.action
    busy = session.jobs.blocking(action, uri, start, end, target=uri)
    if busy is not None:
        raise RequestFailed(
            f"Poe is still working on this code ({busy.id}); wait for it to finish or "
            "cancel it (poe.cancel) before following up here."
        )
    session.proposals.pop(conversation.job_id)  # the follow-up replaces an answer in review
    where = t.Range(start=t.Position(*start), end=t.Position(*end))
    arguments = ActionArgs(conversation.uri, where, bot=conversation.bot)
    targets = FollowUpTargets(
        ls.editor, session.explanations, session.proposals, conversation, parsed.instruction
    )
    title = f"{TITLE} ({TITLES[action]})"

    async def run(job: Job) -> Outcome:
        outcome = await run_action(
            session,
            ls.editor,
            job,
            action,
            arguments,
            targets,
            planner=planner(ls.editor, conversation, parsed.instruction),
            title=title,
        )
        if outcome.ending == "done":
            realign(conversation, session.conversations.get(job.id))
        return outcome

    job = session.jobs.start(action, conversation.uri, run, (start, end), target=uri)
    return {"jobId": job.id}


def suggested_actions(ls: PoeLanguageServer, uri: str, rng: t.Range) -> list[t.CodeAction]:
    """``Poe: <reply>`` for each reply the bot suggested in the newest finished job whose
    answer lies in ``rng``: each runs ``poe.followUp`` with that reply."""
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    found = ls.session.conversations.touching(uri, start, end)
    if not found or ls.session.jobs.get(found[0].job_id) is not None:
        return []
    conversation = found[0]
    actions = []
    for reply in conversation.suggested:
        title = SUGGESTED_TITLE.format(reply=safe_title(reply, SUGGESTED_TITLE_LENGTH))
        arguments = FollowUpArgs(conversation.job_id, reply).to_json()
        actions.append(
            t.CodeAction(
                title=title,
                kind=KIND_FOLLOW_UP,
                command=t.Command(title=title, command=CMD_FOLLOW_UP, arguments=[arguments]),
            )
        )
    return actions
