"""Chats (``poe.chat``, ``poe.chatSend``, ``poe.chatApply``) on plain LSP documents and edits.

A chat is a Markdown file in the chat folder (:func:`~poe_lsp.chats.chat_directory`), outside
every workspace. Its text is the conversation (:mod:`~poe_lsp.actions.chatdoc`). Sending
streams the answer to its end through the usual workflow (:class:`ChatTargets`); a chat begun
from a selection remembers it (:class:`~poe_lsp.chats.ChatStore`), so a code block of an
answer can be proposed for it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from poe_lsp.actions import chatdoc
from poe_lsp.actions.plan import Plan, Selection, Stop, relative
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.actions.targets import ReplaceSelection, Target
from poe_lsp.answers import Proposal, ProposalStore
from poe_lsp.chats import Chat, ChatOrigin
from poe_lsp.editor import Editor, Progress
from poe_lsp.edits.fences import fit_to_selection
from poe_lsp.edits.positions import Pos, line_ending, offset_at, position_at
from poe_lsp.edits.region import EditRejected, RegionConflict, RegionWriter
from poe_lsp.settings import Settings

TITLE = "Poe: Chat"
APPLY_TITLE = "Poe: Apply from chat"
_BOT = re.compile(r"[^\w.\-]")


def create_chat(directory: Path, text: str) -> Path:
    """Write a new chat file (0600, never over an existing file or through a link) and
    return its path. Blocks: call it through :func:`asyncio.to_thread`."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.is_symlink() or not directory.is_dir():
        raise Stop(f"The chat folder {directory} is not a folder: set POE_CHAT_DIRECTORY.")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for attempt in range(100):
        path = directory / f"chat-{stamp}{f'-{attempt}' if attempt else ''}.md"
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        return path
    raise Stop(f"Cannot make a new chat in {directory}: too many chats this second.")


def bot_heading(bot: str) -> str:
    """A bot's name as a chat heading can hold it (one line, no Markdown)."""
    return _BOT.sub("", bot)[:80] or "Bot"


def planner(editor: Editor, uri: str, bot: str) -> Callable[[Settings, Progress], Awaitable[Plan]]:
    """The :data:`~poe_lsp.actions.run.Planner` of sending the chat ``uri`` to ``bot``."""

    async def plan_send(settings: Settings, progress: Progress) -> Plan:
        document = await editor.read_document(uri)
        if document is None:
            raise Stop(f"Cannot read the chat {uri}: open it in the editor first.")
        try:
            turns = chatdoc.messages(document.text)
        except ValueError as exc:
            raise Stop(str(exc), "warning") from None
        end = position_at(document.text, len(document.text), editor.encoding)
        prompt = PromptInput(
            action="ask",
            path=relative(document.path, editor.root),
            language="markdown",
            selection="",
            first_line=end[0],
            instruction=turns[-1].content,
            conversation=turns[:-1],
        )
        return Plan(
            action="ask",
            title=TITLE,
            bot=bot,
            document=document,
            selection=Selection(start=end, end=end, text="", before="", after=""),
            prompt=prompt,
            destination="chat",
            review=False,
        )

    return plan_send


class ChatTargets:
    """A chat's answer goes to the end of the chat document, under ``## <bot>``."""

    def __init__(self, editor: Editor) -> None:
        self._editor = editor

    async def open(self, plan: Plan, progress: Progress, job_id: str) -> tuple[Target, PromptInput]:
        document = plan.document
        heading = bot_heading(plan.bot)
        writer = RegionWriter(self._editor, document.uri, plan.selection.start, "", label=TITLE)

        def render(answer: str, final: bool) -> str | None:
            if not answer.strip() and not final:
                return None
            return chatdoc.render_answer(document.text, heading, answer, final)

        return ReplaceSelection(writer, render, progress, plan.bot), plan.prompt


async def apply_block(
    editor: Editor, proposals: ProposalStore, chat: Chat, chat_uri: str, index: int, job_id: str
) -> str:
    """Propose code block ``index`` of the chat for the selection it began from, as one
    reviewed edit; return what to tell the user. Raise :class:`Stop` when it cannot be."""
    origin = chat.origin
    if origin is None:
        raise Stop("This chat did not begin from a selection, so there is nothing to apply to.")
    document = await editor.read_document(chat_uri)
    found = chatdoc.blocks(document.text) if document is not None else []
    if index >= len(found):
        raise Stop(f"The chat has no code block {index + 1} in an answer any more.")
    target = await editor.read_document(origin.uri)
    if target is None or _text_at(target.text, origin, editor) != origin.text:
        raise Stop(
            f"The code at {origin.place} changed since the chat began, so the block was not "
            "applied: copy it from the chat, or start a new chat from the code as it is now."
        )
    code = fit_to_selection(
        found[index].code,
        origin.text,
        eol=line_ending(target.text),
        at_line_start=origin.start[1] == 0,
    )
    writer = RegionWriter(editor, origin.uri, origin.start, origin.text, label=APPLY_TITLE)
    name = f"{APPLY_TITLE} ({origin.place})"
    if editor.can_apply_edits and editor.confirmable_edits:
        try:
            await writer.write(code, confirm=name)
        except EditRejected:
            return f"{name}: you rejected the change; the code is as it was."
        except RegionConflict:
            raise Stop(f"{origin.place} changed while the change was proposed.") from None
        finally:
            writer.close()
        chat.origin = replace(origin, end=writer.end, text=writer.current)
        return f"{name}: applied."
    proposals.add(Proposal(job_id, APPLY_TITLE, "chat", writer, code))
    return (
        f"{name} is ready for review at {origin.place}: run the code action 'Poe: Accept "
        "answer' or 'Poe: Reject answer' there."
    )


def _text_at(text: str, origin: ChatOrigin, editor: Editor) -> str:
    begin = offset_at(text, origin.start, editor.encoding)
    finish = offset_at(text, origin.end, editor.encoding)
    return text[begin:finish]


def origin_place(path: str, root: PurePosixPath | None, start: Pos, end: Pos) -> str:
    """``pkg/calc.py:4-6``: the file and its lines (1-based, the last one that is selected)."""
    last = end[0] - (1 if end[1] == 0 and end[0] > start[0] else 0)
    lines = f"{start[0] + 1}" if last == start[0] else f"{start[0] + 1}-{last + 1}"
    return f"{relative(path, root)}:{lines}"
