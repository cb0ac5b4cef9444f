"""Where an answer goes, behind one interface: :class:`Target`.

A target shows the answer as it grows and when it is final, rolls back what it wrote, and
says how the job ended. :class:`ReplaceSelection` and :class:`AppendTests` stream into a
:class:`~poe_lsp.edits.region.RegionWriter`; :class:`Hover` keeps an explanation for the
hover; :class:`Review` wraps a writing target and offers its answer instead of writing it.
:func:`open_target` picks and opens the target of a :class:`~poe_lsp.actions.plan.Plan`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Protocol

from poe_lsp.actions.commit import message_render, message_text
from poe_lsp.actions.plan import Plan, Stop, relative
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.answers import Explanation, ExplanationStore, Proposal, ProposalStore
from poe_lsp.boundary import Boundary, Refused
from poe_lsp.contract import Outcome as Ending
from poe_lsp.editor import Document, Editor, Progress
from poe_lsp.edits.fences import extract_code, fit_to_selection
from poe_lsp.edits.positions import line_ending, position_at
from poe_lsp.edits.region import EditRejected, RegionConflict, RegionWriter

log = logging.getLogger(__name__)

Render = Callable[[str, bool], "str | None"]
"""``render(answer_so_far, final)``: the text the region should hold (``None``: not yet)."""


class Target(Protocol):
    """Where one job's answer goes."""

    @property
    def writer(self) -> RegionWriter | None:
        """The region the job writes into, if it writes (the job follows it)."""
        ...

    @property
    def explanation(self) -> Explanation | None:
        """What the hover shows of the answer, if anything."""
        ...

    async def show(self, answer: str, final: bool) -> bool:
        """Show the answer so far (or the final one); return whether anything was shown."""
        ...

    async def conclude(self) -> tuple[Ending, str]:
        """After the final answer: return how the job ended and what to tell the user."""
        ...

    async def rollback(self) -> bool:
        """Undo what was written; return whether anything had to be undone."""
        ...

    def close(self) -> None:
        """The job is over: stop following the document (unless the answer waits for review)."""
        ...


class ReplaceSelection:
    """Streams the code of the answer over the selection."""

    explanation: Explanation | None = None

    def __init__(self, writer: RegionWriter, render: Render, progress: Progress, bot: str):
        self.writer: RegionWriter | None = writer
        self.region = writer
        self.render = render
        self._progress = progress
        self._bot = bot
        self._answering = False

    async def show(self, answer: str, final: bool) -> bool:
        desired = self.render(answer, final)
        if desired is None:
            if not final and not self._answering:
                self._progress.report(f"{self._bot} is answering…")
                self._answering = True
            return False
        await self.region.write(desired)
        lines = desired.count("\n")
        self._progress.report(f"{self._bot} is writing… {lines} line{'' if lines == 1 else 's'}")
        return True

    async def conclude(self) -> tuple[Ending, str]:
        edits = self.region.edits
        return "done", f"{self._bot} finished ({edits} edit{'s' if edits != 1 else ''})."

    async def rollback(self) -> bool:
        writer = self.region
        await writer.settle()
        if writer.current == writer.original:
            return False
        try:
            await asyncio.shield(writer.rollback())
        except (RegionConflict, EditRejected, TimeoutError) as exc:
            log.warning("could not roll back %s: %s", writer.uri, type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        self.region.close()


class AppendTests(ReplaceSelection):
    """Streams the tests of the answer to the end of the test file, then shows the file."""

    def __init__(
        self, writer: RegionWriter, render: Render, progress: Progress, bot: str, editor: Editor
    ):
        super().__init__(writer, render, progress, bot)
        self._editor = editor

    async def conclude(self) -> tuple[Ending, str]:
        await self._editor.show_document(self.region.uri, self.region.start, self.region.end)
        return await super().conclude()


class Hover:
    """Keeps the explanation for the hover as it streams."""

    writer: RegionWriter | None = None

    def __init__(self, explanation: Explanation, progress: Progress):
        self.explanation: Explanation | None = explanation
        self._kept = explanation
        self._progress = progress

    async def show(self, answer: str, final: bool) -> bool:
        self._kept.answer = answer
        self._kept.text = answer
        if not final:
            bot = self._kept.bot
            self._progress.report(f"{bot} is explaining… hover the selection to read along")
        return True

    async def conclude(self) -> tuple[Ending, str]:
        return "done", f"{self._kept.bot} explained the selection: hover it to read."

    async def rollback(self) -> bool:
        return False

    def close(self) -> None:
        pass


class Review:
    """Shows the change a writing target would make in the hover, then offers it.

    A client that asks the user to confirm annotated edits gets the change as one such edit;
    any other keeps it as a :class:`~poe_lsp.answers.Proposal` for the code actions
    Accept and Reject.
    """

    def __init__(
        self,
        inner: ReplaceSelection,
        explanation: Explanation,
        proposals: ProposalStore,
        editor: Editor,
        *,
        job_id: str,
        title: str,
        language: str,
        progress: Progress,
    ):
        self.writer: RegionWriter | None = inner.region
        self.explanation: Explanation | None = explanation
        self._inner = inner
        self._kept = explanation
        self._proposals = proposals
        self._editor = editor
        self._job_id = job_id
        self._title = title
        self._language = language
        self._progress = progress

    async def show(self, answer: str, final: bool) -> bool:
        self._kept.answer = answer
        code = self._inner.render(answer, final)
        if code is not None:
            fence = "````" if "```" in code else "```"
            shown = code.rstrip("\r\n")
            self._kept.text = f"Proposed change:\n\n{fence}{self._language}\n{shown}\n{fence}"
        if not final:
            bot = self._kept.bot
            self._progress.report(f"{bot} is writing a change for review… hover the selection")
        return True

    async def conclude(self) -> tuple[Ending, str]:
        bot = self._kept.bot
        code = self._inner.render(self._kept.answer, True) or ""
        proposal = Proposal(self._job_id, self._title, bot, self._inner.region, code)
        self._proposals.add(proposal)
        name = f"{self._title} ({bot})"
        if self._editor.can_apply_edits and self._editor.confirmable_edits:
            try:
                await proposal.writer.write(proposal.code, confirm=name)
            except EditRejected:
                self._proposals.pop(proposal.job_id)
                return "cancelled", f"{name}: you rejected the change; the document is as it was."
            self._proposals.pop(proposal.job_id)
            return "done", f"{name}: you accepted the change."
        message = (
            f"{name} is ready for review: hover the selection to read it, then run the code "
            f"action 'Poe: Accept answer' or 'Poe: Reject answer' (job {proposal.job_id})."
        )
        self._kept.note = (
            f"Not applied yet: run the code action 'Poe: Accept answer' or "
            f"'Poe: Reject answer' (job {proposal.job_id})."
        )
        self._editor.notify("info", message)
        return "done", message

    async def rollback(self) -> bool:
        return await self._inner.rollback()

    def close(self) -> None:
        if self._proposals.get(self._job_id) is None:
            self._inner.close()  # a proposal's writer follows its document until accepted


class MessageText:
    """Keeps a commit message as text, for an editor that shows it where no edit reaches
    (VS Code's Source Control input box): it goes out as the ``text`` of ``poe/jobEnded``."""

    writer: RegionWriter | None = None
    explanation: Explanation | None = None

    def __init__(self, bot: str, progress: Progress) -> None:
        self.text: str | None = None
        self._bot = bot
        self._progress = progress

    async def show(self, answer: str, final: bool) -> bool:
        text = message_text(answer, final)
        if text is None:
            return False
        self.text = text
        self._progress.report(f"{self._bot} is writing the commit message…")
        return True

    async def conclude(self) -> tuple[Ending, str]:
        return "done", f"{self._bot} wrote the commit message."

    async def rollback(self) -> bool:
        self.text = None
        return False

    def close(self) -> None:
        pass


class Targets(Protocol):
    """Opens the target of a plan: the editor's, or the terminal's."""

    async def open(self, plan: Plan, progress: Progress, job_id: str) -> tuple[Target, PromptInput]:
        """Return the target of ``plan`` and the prompt completed with what it knows."""
        ...


class EditorTargets:
    """The targets in an editor: :func:`open_target`."""

    def __init__(
        self, editor: Editor, explanations: ExplanationStore, proposals: ProposalStore
    ) -> None:
        self._editor = editor
        self._explanations = explanations
        self._proposals = proposals

    async def open(self, plan: Plan, progress: Progress, job_id: str) -> tuple[Target, PromptInput]:
        return await open_target(
            plan, self._editor, self._explanations, self._proposals, progress, job_id
        )


async def open_target(
    plan: Plan,
    editor: Editor,
    explanations: ExplanationStore,
    proposals: ProposalStore,
    progress: Progress,
    job_id: str,
) -> tuple[Target, PromptInput]:
    """Return the target of ``plan`` in the editor and the prompt completed with what the
    target knows (the head of the test file); the test file must pass the workspace boundary.

    The answer is offered for review when the settings ask for it, and when the editor
    cannot apply edits at all."""
    prompt = plan.prompt
    inner: ReplaceSelection
    if plan.destination == "hover":
        start, end = plan.selection.start, plan.selection.end
        explanation = Explanation(plan.document.uri, start, end, plan.bot)
        explanations.add(explanation)
        return Hover(explanation, progress), prompt
    if plan.destination == "text":
        return MessageText(plan.bot, progress), prompt
    if plan.destination == "tests":
        inner, prompt = await _tests_target(plan, editor, progress)
    elif plan.destination == "message":
        inner = _message_target(plan, editor, progress)
    else:
        inner = _selection_target(plan, editor, progress)
    return offered(plan, inner, editor, explanations, proposals, progress, job_id), prompt


def offered(
    plan: Plan,
    inner: ReplaceSelection,
    editor: Editor,
    explanations: ExplanationStore,
    proposals: ProposalStore,
    progress: Progress,
    job_id: str,
) -> Target:
    """``inner``, or a :class:`Review` of it when the settings ask for review or the editor
    cannot apply edits."""
    if not plan.review and editor.can_apply_edits:
        return inner
    region = inner.region
    explanation = Explanation(region.uri, region.start, region.end, plan.bot)
    explanations.add(explanation)
    review = Review(
        inner,
        explanation,
        proposals,
        editor,
        job_id=job_id,
        title=plan.title,
        language=plan.document.language_id,
        progress=progress,
    )
    return review


def _selection_target(plan: Plan, editor: Editor, progress: Progress) -> ReplaceSelection:
    document, selection = plan.document, plan.selection
    writer = RegionWriter(editor, document.uri, selection.start, selection.text, label=plan.title)
    return ReplaceSelection(writer, selection_render(plan), progress, plan.bot)


def _message_target(plan: Plan, editor: Editor, progress: Progress) -> ReplaceSelection:
    document, selection = plan.document, plan.selection
    writer = RegionWriter(editor, document.uri, selection.start, selection.text, label=plan.title)
    return ReplaceSelection(writer, message_render(plan), progress, plan.bot)


def selection_render(plan: Plan) -> Render:
    """Return the render of code that replaces the selection of ``plan``."""
    selection = plan.selection
    eol = line_ending(plan.document.text)

    def render(answer: str, final: bool) -> str | None:
        code = extract_code(answer, final=final)
        if code is None or (not final and code == ""):
            return None
        if final and not code.strip():
            raise Stop("The bot's answer held no code, so the selection was left alone.", "warning")
        return fit_to_selection(
            code, selection.text, eol=eol, at_line_start=selection.start[1] == 0
        )

    return render


async def _tests_target(
    plan: Plan, editor: Editor, progress: Progress
) -> tuple[AppendTests, PromptInput]:
    document, path = plan.document, plan.test_path
    assert path is not None
    boundary = Boundary(editor.roots)
    existing: Document | None
    if path == PurePosixPath(document.path):
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
    render = tests_render(text, document)
    start = position_at(text, len(text), editor.encoding)
    writer = RegionWriter(editor, uri, start, "", label=plan.title, create=create)
    prompt = dataclasses.replace(
        plan.prompt, test_path=relative(str(path), editor.root), test_head=text or None
    )
    return AppendTests(writer, render, progress, plan.bot, editor), prompt


def tests_render(text: str, source: Document) -> Render:
    """Return the render of tests appended to a test file that holds ``text``."""
    blank = 2 if source.language_id == "python" else 1
    separator = "" if not text.strip() else "\n" * max(0, blank + 1 - _trailing_newlines(text))
    eol = line_ending(text) if text else line_ending(source.text)

    def render(answer: str, final: bool) -> str | None:
        code = extract_code(answer, final=final)
        if not code:
            if final:
                raise Stop("The bot's answer held no code, so no tests were written.", "warning")
            return None
        return (separator + code).replace("\n", eol) if eol != "\n" else separator + code

    return render


def _trailing_newlines(text: str) -> int:
    stripped = text.replace("\r\n", "\n")
    return len(stripped) - len(stripped.rstrip("\n"))
