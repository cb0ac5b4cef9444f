"""``textDocument/codeAction``: offer Explain, Refactor and Write tests, the user's own
actions, Fix with Poe and the replies a bot suggested (in a chat: Send and Apply), offline."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote

from lsprotocol import types as t

from poe_lsp.actions.selection import expand_cursor
from poe_lsp.contract import (
    ACCEPT_TITLE,
    CMD_ACCEPT,
    CMD_COMMIT_MESSAGE,
    CMD_REJECT,
    CODE_ACTIONS,
    KIND_ACCEPT,
    KIND_CHAT_APPLY,
    KIND_CHAT_SEND,
    KIND_COMMIT_MESSAGE,
    KIND_FOLLOW_UP,
    KIND_QUICKFIX,
    KIND_REJECT,
    REJECT_TITLE,
    ActionArgs,
    CommitMessageArgs,
    label,
)
from poe_lsp.edits.region import RegionConflict
from poe_lsp.lsp.handlers.chat import chat_actions
from poe_lsp.lsp.handlers.custom import custom_code_actions, fix_code_actions
from poe_lsp.lsp.handlers.followup import suggested_actions
from poe_lsp.lsp.server import PoeLanguageServer

OFFERED = tuple((label(action), kind, command) for action, kind, command in CODE_ACTIONS)


def register(server: PoeLanguageServer) -> None:
    """Register the code-action provider with the kinds it offers."""
    kinds = [kind for _, kind, _ in OFFERED] + [KIND_ACCEPT, KIND_REJECT]
    kinds += [KIND_COMMIT_MESSAGE, KIND_QUICKFIX, KIND_FOLLOW_UP, KIND_CHAT_SEND, KIND_CHAT_APPLY]
    options = t.CodeActionOptions(code_action_kinds=kinds)
    server.feature(t.TEXT_DOCUMENT_CODE_ACTION, options)(code_action)


async def code_action(
    ls: PoeLanguageServer, params: t.CodeActionParams
) -> list[t.CodeAction] | None:
    """Return the actions for the range; an empty range stands for the block at the cursor."""
    uri = params.text_document.uri
    document = ls.workspace.text_documents.get(unquote(uri))
    if document is None:
        return None
    reviews = _review_actions(ls, uri, params.range) + _commit_actions(uri, document.language_id)
    reviews += suggested_actions(ls, uri, params.range)
    chats = chat_actions(ls, document, params.range)
    if chats:  # a chat document: Send and Apply, not actions on its text
        return _only(reviews + chats, params.context.only)
    fixes = fix_code_actions(document, list(params.context.diagnostics))
    rng = params.range
    if rng.start == rng.end:
        block = expand_cursor(document.lines, (rng.start.line, rng.start.character))
        if block is None:
            return _only(reviews + fixes, params.context.only)
        rng = t.Range(
            start=t.Position(line=block[0][0], character=0),
            end=t.Position(line=block[1][0], character=0),
        )
    arguments = ActionArgs(uri, rng, diagnostics=tuple(params.context.diagnostics)).to_json()
    actions = [
        t.CodeAction(
            title=title,
            kind=kind,
            command=t.Command(title=title, command=command, arguments=[arguments]),
        )
        for title, kind, command in OFFERED
    ]
    actions += await custom_code_actions(ls, document, rng)
    return _only(reviews + actions + fixes, params.context.only)


def _review_actions(ls: PoeLanguageServer, uri: str, rng: t.Range) -> list[t.CodeAction]:
    """Accept and Reject for the answers waiting for review on ``rng``.

    Accept runs ``poe.accept``; a client that cannot apply server edits gets the edit itself.
    """
    actions = []
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    for proposal in ls.session.proposals.touching(uri, start, end):
        job = {"jobId": proposal.job_id}
        accept = t.CodeAction(title=ACCEPT_TITLE.format(bot=proposal.bot), kind=KIND_ACCEPT)
        if ls.editor.can_apply_edits:
            accept.command = t.Command(title=accept.title, command=CMD_ACCEPT, arguments=[job])
        else:
            try:
                accept.edit = proposal.writer.edit_for(proposal.code)
            except RegionConflict:
                ls.session.proposals.pop(proposal.job_id)
                continue
            accept.command = t.Command(title=accept.title, command=CMD_REJECT, arguments=[job])
        reject_title = REJECT_TITLE.format(bot=proposal.bot)
        reject = t.CodeAction(
            title=reject_title,
            kind=KIND_REJECT,
            command=t.Command(title=reject_title, command=CMD_REJECT, arguments=[job]),
        )
        actions += [accept, reject]
    return actions


def _commit_actions(uri: str, language: str | None) -> list[t.CodeAction]:
    """Write commit message, on a commit message file (runs ``poe.commitMessage``)."""
    from poe_lsp.actions.commit import is_commit_message

    if not is_commit_message(uri, language):
        return []
    title = label("commitMessage")
    arguments = CommitMessageArgs(uri=uri).to_json()
    command = t.Command(title=title, command=CMD_COMMIT_MESSAGE, arguments=[arguments])
    return [t.CodeAction(title=title, kind=KIND_COMMIT_MESSAGE, command=command)]


def _only(actions: list[t.CodeAction], only: Sequence[str] | None) -> list[t.CodeAction]:
    if not only:
        return actions
    return [
        a
        for a in actions
        if a.kind and any(a.kind == o or a.kind.startswith(f"{o}.") for o in only)
    ]
