"""``poe.chat``, ``poe.chatSend``, ``poe.chatApply`` and the code actions of a chat document.

The action pipeline (:mod:`poe_lsp.actions`) is imported where a command first needs it, not
to answer ``initialize`` (:data:`~poe_lsp.lsp.handlers.lifecycle.PIPELINE`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import PurePosixPath
from typing import Any

from lsprotocol import types as t
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument

from poe_lsp import chats, messages
from poe_lsp.boundary import Refused, path_of_uri
from poe_lsp.contract import (
    CHAT_APPLY_TITLE,
    CHAT_SEND_TITLE,
    CMD_CHAT,
    CMD_CHAT_APPLY,
    CMD_CHAT_SEND,
    KIND_CHAT_APPLY,
    KIND_CHAT_SEND,
    ActionArgs,
    ArgumentError,
    ChatArgs,
)
from poe_lsp.jobs import Job
from poe_lsp.lsp.handlers.commands import RequestFailed
from poe_lsp.lsp.server import PoeLanguageServer

log = logging.getLogger(__name__)

_WHOLE = ((0, 0), (1 << 30, 0))
"""Sending a chat writes at its end: it clashes with any other job on the chat."""
_applies = itertools.count(1)
_running: set[asyncio.Task[None]] = set()


def register(server: PoeLanguageServer) -> None:
    """Register the chat commands."""
    server.command(CMD_CHAT)(new_chat)
    server.command(CMD_CHAT_SEND)(send)
    server.command(CMD_CHAT_APPLY)(apply)


def _parse(command: str, args: tuple[Any, ...]) -> ChatArgs:
    try:
        return ChatArgs.from_json(command, args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{command}: {exc}") from None


async def new_chat(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Make a chat (from the selection, if given), open it and answer ``{"uri"}``."""
    from poe_lsp.actions import chat, chatdoc
    from poe_lsp.actions.plan import Stop, select
    from poe_lsp.actions.private import looks_secret

    parsed = _parse(CMD_CHAT, args)
    settings = await ls.session.ready_settings()
    bot = parsed.bot or settings.bot_for("ask")
    origin, context, language = None, None, ""
    try:
        if parsed.uri is not None and parsed.range is not None:
            document = await ls.editor.read_document(parsed.uri)
            if document is None:
                raise Stop(f"Cannot read {parsed.uri}: open it in the editor or save it first.")
            if looks_secret(document.path):
                raise Stop(messages.secret_refused(PurePosixPath(document.path).name))
            selection = select(
                document, ActionArgs(parsed.uri, parsed.range), 0, ls.editor.encoding
            )
            place = chat.origin_place(document.path, ls.editor.root, selection.start, selection.end)
            origin = chats.ChatOrigin(
                parsed.uri, selection.start, selection.end, selection.text, place
            )
            context, language = selection.text, document.language_id
        text = chatdoc.new_chat(context, origin.place if origin else None, language)
        path = await asyncio.to_thread(chat.create_chat, ls.session.chat_directory, text)
    except Stop as exc:
        raise RequestFailed(exc.message) from None
    except (Refused, OSError) as exc:
        raise RequestFailed(
            getattr(exc, "message", None) or f"Cannot make a chat: {exc}."
        ) from None
    uri = ls.editor.uri_for(PurePosixPath(path))
    ls.session.chats.add(uri, chats.Chat(bot, origin))
    lines = text.count("\n")
    log.info("made the chat %s", path)
    if get_capability(ls.client_capabilities, "window.show_document.support", False):
        await ls.editor.show_document(uri, (lines, 0), (lines, 0))
    else:
        ls.editor.notify("info", f"Poe chat: open {path}, write under '## You', then Poe: Send.")
    return {"uri": uri}


def _is_chat(ls: PoeLanguageServer, uri: str) -> bool:
    if ls.session.chats.get(uri) is not None:
        return True
    try:
        return chats.is_chat(path_of_uri(uri), ls.session.chat_directory)
    except Refused:
        return False


async def send(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Send the conversation of the chat ``{"textDocument"}``; answer ``{"jobId"}``."""
    from poe_lsp.actions import chat
    from poe_lsp.actions.run import run_action

    parsed = _parse(CMD_CHAT_SEND, args)
    uri = parsed.uri
    assert uri is not None
    if not _is_chat(ls, uri):
        raise RequestFailed(
            f"{uri} is not a Poe chat: make one with {CMD_CHAT} (in VS Code 'Poe: Open Chat', "
            "in Neovim :Poe chat)."
        )
    if (busy := ls.session.jobs.blocking("ask", uri, *_WHOLE)) is not None:
        raise RequestFailed(f"Poe is still answering in this chat ({busy.id}); wait or cancel it.")
    known = ls.session.chats.get(uri)
    settings = await ls.session.ready_settings()
    bot = parsed.bot or (known.bot if known else settings.bot_for("ask"))
    start = t.Position(line=0, character=0)
    arguments = ActionArgs(uri, t.Range(start=start, end=start), bot=bot)

    def run(job: Job) -> Any:
        return run_action(
            ls.session,
            ls.editor,
            job,
            "ask",
            arguments,
            chat.ChatTargets(ls.editor),
            planner=chat.planner(ls.editor, uri, bot),
            title=chat.TITLE,
        )

    job = ls.session.jobs.start("ask", uri, run, _WHOLE)
    return {"jobId": job.id}


async def apply(ls: PoeLanguageServer, *args: Any) -> dict[str, Any]:
    """Propose a code block of the chat for its selection; answer ``{}`` at once (the
    proposal may wait for the user), and show what happened."""
    from poe_lsp.actions import chat
    from poe_lsp.actions.plan import Stop

    parsed = _parse(CMD_CHAT_APPLY, args)
    uri, index = parsed.uri, parsed.block
    assert uri is not None and index is not None
    known = ls.session.chats.get(uri)
    if known is None or known.origin is None:
        raise RequestFailed(
            "This chat did not begin from a selection in this session, so its code has no "
            "place to go: copy the block instead."
        )

    async def propose() -> None:
        job_id = f"chat-apply-{next(_applies)}"
        try:
            said = await chat.apply_block(
                ls.editor, ls.session.proposals, known, uri, index, job_id
            )
        except Stop as exc:
            ls.editor.notify(exc.severity, exc.message)
            return
        ls.editor.notify("info", said)

    task = asyncio.create_task(propose())
    _running.add(task)
    task.add_done_callback(_running.discard)
    return {}


def chat_actions(ls: PoeLanguageServer, document: TextDocument, rng: t.Range) -> list[t.CodeAction]:
    """In a chat document: Send, and Apply for the answer's code block at ``rng`` (the text
    is read only then: a code action on a large source file does not join its lines)."""
    uri = document.uri
    if not _is_chat(ls, uri):
        return []
    identifier = {"textDocument": {"uri": uri}}
    send_command = t.Command(title=CHAT_SEND_TITLE, command=CMD_CHAT_SEND, arguments=[identifier])
    actions = [t.CodeAction(title=CHAT_SEND_TITLE, kind=KIND_CHAT_SEND, command=send_command)]
    known = ls.session.chats.get(uri)
    if known is None or known.origin is None:
        return actions
    from poe_lsp.actions import chatdoc

    for block in chatdoc.blocks(document.source):
        if block.first - 1 <= rng.start.line <= block.last + 1:
            title = CHAT_APPLY_TITLE.format(place=known.origin.place)
            arguments = [{**identifier, "block": block.index}]
            command = t.Command(title=title, command=CMD_CHAT_APPLY, arguments=arguments)
            actions.append(t.CodeAction(title=title, kind=KIND_CHAT_APPLY, command=command))
    return actions
