"""The user's own actions, the project's prompt files and Fix with Poe: their code actions
and ``poe.run``, ``poe.fix``, ``poe.listActions``."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcInvalidParams

from poe_lsp.actions.custom import (
    MAX_FIXES,
    CustomAction,
    custom_by_id,
    fix_action,
    fix_span,
    fix_title,
)
from poe_lsp.actions.promptfiles import PREFIX, read_prompt
from poe_lsp.boundary import Boundary
from poe_lsp.contract import (
    CMD_FIX,
    CMD_LIST_ACTIONS,
    CMD_RUN,
    CODE_ACTIONS,
    KIND_QUICKFIX,
    ActionArgs,
    ArgumentError,
)
from poe_lsp.lsp.handlers.commands import RequestFailed, start_job
from poe_lsp.lsp.server import PoeLanguageServer
from poe_lsp.lsp.workspace import LineDocument

KINDS = {action: kind for action, kind, _ in CODE_ACTIONS}


def register(server: PoeLanguageServer) -> None:
    """Register ``poe.run``, ``poe.fix`` and ``poe.listActions``."""
    server.command(CMD_RUN)(run)
    server.command(CMD_FIX)(fix)
    server.command(CMD_LIST_ACTIONS)(list_actions)


async def offered(ls: PoeLanguageServer, language: str) -> tuple[CustomAction, ...]:
    """The custom actions and prompt files offered on a document of ``language``."""
    prompts = await ls.session.prompt_files.current(ls.editor.roots)
    own = tuple(a for a in ls.session.settings.actions if a.offered_for(language))
    return own + prompts


async def custom_code_actions(
    ls: PoeLanguageServer, document: LineDocument, rng: t.Range
) -> list[t.CodeAction]:
    """``Poe: <title>`` for each custom action and prompt file, on ``rng``."""
    where = ActionArgs(document.uri, rng).to_json()
    return [
        t.CodeAction(
            title=action.label,
            kind=KINDS[action.action],
            command=t.Command(
                title=action.label, command=CMD_RUN, arguments=[{"action": action.id, **where}]
            ),
        )
        for action in await offered(ls, document.language_id or "")
    ]


def fix_code_actions(document: LineDocument, diagnostics: list[t.Diagnostic]) -> list[t.CodeAction]:
    """``Poe: Fix "<message>"`` for the first :data:`MAX_FIXES` diagnostics, not preferred,
    each on the block around its diagnostic."""
    actions = []
    for diagnostic in diagnostics[:MAX_FIXES]:
        span = fix_span(document.lines, diagnostic.range.start.line, diagnostic.range.end.line)
        if span is None:
            continue
        block = t.Range(start=t.Position(span[0], 0), end=t.Position(span[1], 0))
        title = fix_title(diagnostic.message)
        arguments = ActionArgs(document.uri, block, diagnostics=(diagnostic,)).to_json()
        actions.append(
            t.CodeAction(
                title=title,
                kind=KIND_QUICKFIX,
                diagnostics=[diagnostic],
                is_preferred=False,
                command=t.Command(title=title, command=CMD_FIX, arguments=[arguments]),
            )
        )
    return actions


async def run(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Start the custom action ``{"action": <id>, "textDocument", "range"}``."""
    action_id = args[0].get("action") if len(args) == 1 and isinstance(args[0], dict) else None
    if not isinstance(action_id, str) or not action_id:
        raise JsonRpcInvalidParams(f'{CMD_RUN} needs {{"action": "<id>", ...}}')
    parsed = _parse(CMD_RUN, args)
    settings = await ls.session.ready_settings()
    if action_id.startswith(PREFIX):
        name = action_id.removeprefix(PREFIX)
        found = await asyncio.to_thread(read_prompt, Boundary(ls.editor.roots), name)
    else:
        found = custom_by_id(settings.actions, action_id)
    if found is None:
        raise RequestFailed(
            f"There is no Poe action {action_id!r}: add it to the poe.actions setting, or "
            "write .github/prompts/<name>.prompt.md and run prompt:<name>."
        )
    if parsed.bot is None and found.bot is not None:
        parsed = replace(parsed, bot=found.bot)
    return await start_job(ls, found.action, replace(parsed, instruction=None), found)


async def fix(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Start Fix with Poe on ``{"textDocument", "range", "diagnostics": [one]}``."""
    parsed = _parse(CMD_FIX, args)
    if not parsed.diagnostics:
        raise JsonRpcInvalidParams(f"{CMD_FIX} needs the diagnostic to fix in diagnostics")
    diagnostic = parsed.diagnostics[0]
    if parsed.range.start == parsed.range.end:
        document = ls.workspace.text_documents.get(parsed.uri)
        lines = document.lines if document is not None else []
        span = fix_span(lines, diagnostic.range.start.line, diagnostic.range.end.line)
        if span is not None:
            block = t.Range(start=t.Position(span[0], 0), end=t.Position(span[1], 0))
            parsed = replace(parsed, range=block)
    code = str(diagnostic.code) if diagnostic.code is not None else None
    custom = fix_action(diagnostic.message, code, diagnostic.source)
    return await start_job(ls, "refactor", replace(parsed, instruction=None), custom)


async def list_actions(ls: PoeLanguageServer, *args: Any) -> dict[str, list[dict[str, str]]]:
    """Answer ``{"actions": [{"id", "title", "output"}]}`` (for the document's language)."""
    language = ""
    every = True
    if args and isinstance(args[0], dict) and isinstance(args[0].get("textDocument"), dict):
        uri = args[0]["textDocument"].get("uri")
        language = ls.editor.language_of(uri) or "" if isinstance(uri, str) else ""
        every = not language
    await ls.session.ready_settings()
    prompts = await ls.session.prompt_files.current(ls.editor.roots, wait=2.0)
    own = [a for a in ls.session.settings.actions if every or a.offered_for(language)]
    return {"actions": [a.to_json() for a in (*own, *prompts)]}


def _parse(command: str, args: tuple[Any, ...]) -> ActionArgs:
    try:
        return ActionArgs.from_json("refactor", args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{command}: {exc}") from None
