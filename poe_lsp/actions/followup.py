"""Follow-ups (``poe.followUp``): the conversation of a finished job, continued.

:func:`remember` keeps a finished job's :class:`~poe_lsp.conversations.Conversation`;
:func:`refusal` says why a job cannot be followed up; :func:`planner` plans the follow-up
(the same bot, the earlier turns and a new user message) and :class:`FollowUpTargets` sends
its answer where the first went: over the region the job wrote, as the user's edits moved
it (Refactor, Ask, Fix, custom replace actions; Write tests' tests), or below the
explanation in the hover (Explain). Streaming, review, cancel and rollback are the usual
ones (:mod:`~poe_lsp.actions.targets`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath

from poe_lsp.actions.custom import safe_title
from poe_lsp.actions.plan import Destination, Plan, Selection, Stop, relative
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.actions.targets import (
    AppendTests,
    EditorTargets,
    Target,
    offered,
    tests_render,
)
from poe_lsp.answers import Answer, Explanation, ExplanationStore, ProposalStore
from poe_lsp.contract import Outcome as Ending
from poe_lsp.contract import label
from poe_lsp.conversations import Conversation, ConversationStore
from poe_lsp.editor import Editor, Progress
from poe_lsp.edits.positions import offset_at
from poe_lsp.edits.region import RegionWriter
from poe_lsp.jobs import JobRegistry
from poe_lsp.poe import Message
from poe_lsp.session import Session
from poe_lsp.settings import Settings

FOLLOWED: frozenset[str] = frozenset({"selection", "tests", "hover"})
"""The destinations whose answers can be followed up (not commit messages)."""
TITLE = "Poe: Follow up"
SHOWN_INSTRUCTION = 200
"""Characters of a follow-up's instruction the hover shows above its answer."""


def remember(
    session: Session,
    job_id: str,
    uri: str,
    decided: Plan,
    messages: tuple[Message, ...],
    answer: Answer,
    target: Target,
) -> None:
    """Keep the conversation of the job ``job_id`` on ``uri`` that ended well, with where its
    answer went (for an answer waiting for review, what it would write)."""
    if decided.destination not in FOLLOWED or decided.action == "commitMessage":
        return
    writer, explanation = target.writer, target.explanation
    if decided.destination == "hover":
        if explanation is None:
            return
        region, written = None, ""
    else:
        if writer is None:
            return
        proposal = session.proposals.get(job_id)
        region = writer.keep()
        written = proposal.code if proposal is not None else writer.current
    session.conversations.keep(
        Conversation(
            job_id=job_id,
            action=decided.action,
            bot=decided.bot,
            uri=uri,
            messages=messages,
            answer=answer.text,
            region=region,
            written=written,
            explanation=explanation if region is None else None,
            suggested=answer.suggested,
        )
    )


def realign(parent: Conversation, child: Conversation | None) -> None:
    """After a follow-up on ``parent`` ended well with ``child``, ``parent``'s region is
    ``child``'s: lines the follow-up added at the very end of the region are not inside it
    as the editor reports them (an insertion at a region's end is after it)."""
    if child is None or parent.region is None or child.region is None or parent.lost:
        return
    if child.region.uri == parent.region.uri and not child.region.lost:
        parent.region.start, parent.region.end = child.region.start, child.region.end


def refusal(conversations: ConversationStore, jobs: JobRegistry, job_id: str) -> str | None:
    """Why the job ``job_id`` cannot be followed up, or ``None`` if it can."""
    if jobs.get(job_id) is not None:
        return (
            f"Poe job {job_id} is still running: wait for it to finish (or cancel it with "
            "poe.cancel), then follow it up."
        )
    conversation = conversations.get(job_id)
    if conversation is None:
        return (
            f"There is no finished Poe job {job_id} to follow up: only jobs of this session "
            "that ended well are kept (the last 20), and closing a document forgets its jobs."
        )
    if conversation.lost:
        return (
            f"The text Poe wrote for job {job_id} was deleted or overwritten, so there is "
            "nothing to follow up; select the code and run a new Poe action."
        )
    return None


def user_message(conversation: Conversation, instruction: str, now: str | None) -> str:
    """The follow-up's user message: the instruction, the region's text if the user changed
    it since, and what the answer must be."""
    parts = [f"Follow-up instruction: {instruction}"]
    if now is not None and now != conversation.written:
        fence = "```"
        while fence in now:
            fence += "`"
        parts.append(
            "The text there is not what your last answer wrote (the user changed it, or did "
            "not apply it); it now reads:\n"
            f"{fence}\n{now.rstrip(chr(10))}\n{fence}"
        )
    if conversation.region is None:
        parts.append("Answer in Markdown; your answer is shown below your earlier explanation.")
    elif conversation.action == "writeTests":
        parts.append(
            "Answer with the whole tests again in exactly one fenced code block and nothing "
            "else: they replace the tests of your last answer."
        )
    else:
        parts.append(
            "Answer with the whole code again in exactly one fenced code block and nothing "
            "else: it replaces the code of your last answer."
        )
    return "\n\n".join(parts)


def planner(
    editor: Editor, conversation: Conversation, instruction: str
) -> Callable[[Settings, Progress], Awaitable[Plan]]:
    """The :data:`~poe_lsp.actions.run.Planner` of a follow-up on ``conversation``."""

    async def plan_follow_up(settings: Settings, progress: Progress) -> Plan:
        region = conversation.region
        uri = region.uri if region is not None else conversation.uri
        document = await editor.read_document(uri)
        if document is None:
            raise Stop(f"Cannot read {uri}: open it in the editor or save it first.")
        if region is not None and region.lost:
            raise Stop(
                f"The text Poe wrote for job {conversation.job_id} was deleted or "
                "overwritten, so there is nothing to follow up.",
                "warning",
            )
        if region is not None:
            start, end = region.start, region.end
            begin = offset_at(document.text, start, editor.encoding)
            finish = offset_at(document.text, end, editor.encoding)
            now: str | None = document.text[begin:finish]
        else:
            assert conversation.explanation is not None
            start, end, now = conversation.explanation.start, conversation.explanation.end, None
        text = now or ""
        destination: Destination = (
            "hover"
            if region is None
            else "tests"
            if conversation.action == "writeTests"
            else "selection"
        )
        prompt = PromptInput(
            action=conversation.action,
            path=relative(document.path, editor.root),
            language=document.language_id,
            selection=text,
            first_line=start[0],
            instruction=user_message(conversation, instruction, now),
            conversation=conversation.turns,
        )
        return Plan(
            action=conversation.action,
            title=label(conversation.action),
            bot=conversation.bot,
            document=document,
            selection=Selection(start=start, end=end, text=text, before="", after=""),
            prompt=prompt,
            destination=destination,
            review=destination != "hover" and settings.review.get(conversation.action, False),
            test_path=PurePosixPath(document.path) if destination == "tests" else None,
        )

    return plan_follow_up


class AddToHover:
    """Adds a follow-up's answer below the explanation the hover shows."""

    writer: RegionWriter | None = None

    def __init__(self, explanation: Explanation, instruction: str, progress: Progress) -> None:
        self.explanation: Explanation | None = explanation
        self._kept = explanation
        self._before = explanation.text
        self._heading = f"\n\n---\n\n**Follow-up:** {safe_title(instruction, SHOWN_INSTRUCTION)}"
        self._progress = progress
        explanation.done = False
        explanation.problem = None
        explanation.note = None

    async def show(self, answer: str, final: bool) -> bool:
        self._kept.answer = answer
        self._kept.text = f"{self._before}{self._heading}\n\n{answer}"
        if not final:
            self._progress.report(f"{self._kept.bot} is answering… hover the selection to read")
        return True

    async def conclude(self) -> tuple[Ending, str]:
        return "done", f"{self._kept.bot} answered the follow-up: hover the selection to read."

    async def rollback(self) -> bool:
        self._kept.text = self._before
        return False

    def close(self) -> None:
        pass


class FollowUpTargets:
    """Where a follow-up's answer goes: where the answer of ``conversation`` went."""

    def __init__(
        self,
        editor: Editor,
        explanations: ExplanationStore,
        proposals: ProposalStore,
        conversation: Conversation,
        instruction: str,
    ) -> None:
        self._editor = editor
        self._explanations = explanations
        self._proposals = proposals
        self._conversation = conversation
        self._instruction = instruction

    async def open(self, plan: Plan, progress: Progress, job_id: str) -> tuple[Target, PromptInput]:
        explanation = self._conversation.explanation
        if plan.destination == "hover" and explanation is not None:
            self._explanations.add(explanation)
            return AddToHover(explanation, self._instruction, progress), plan.prompt
        if plan.destination != "tests":
            return await EditorTargets(self._editor, self._explanations, self._proposals).open(
                plan, progress, job_id
            )
        document, selection = plan.document, plan.selection
        before = document.text[: offset_at(document.text, selection.start, self._editor.encoding)]
        writer = RegionWriter(
            self._editor, document.uri, selection.start, selection.text, label=plan.title
        )
        inner = AppendTests(
            writer, tests_render(before, document), progress, plan.bot, self._editor
        )
        target = offered(
            plan, inner, self._editor, self._explanations, self._proposals, progress, job_id
        )
        return target, plan.prompt
