"""``textDocument/codeAction``: offer Explain, Refactor and Write tests, offline."""

from __future__ import annotations

from urllib.parse import unquote

from lsprotocol import types as t

from poe_lsp.actions.selection import expand_cursor
from poe_lsp.contract import (
    CMD_EXPLAIN,
    CMD_REFACTOR,
    CMD_WRITE_TESTS,
    KIND_EXPLAIN,
    KIND_REFACTOR,
    KIND_WRITE_TESTS,
    ActionArgs,
)
from poe_lsp.server import PoeLanguageServer

OFFERED = (
    ("Poe: Explain", KIND_EXPLAIN, CMD_EXPLAIN),
    ("Poe: Refactor", KIND_REFACTOR, CMD_REFACTOR),
    ("Poe: Write tests", KIND_WRITE_TESTS, CMD_WRITE_TESTS),
)


def register(server: PoeLanguageServer) -> None:
    """Register the code-action provider with the kinds it offers."""
    options = t.CodeActionOptions(code_action_kinds=[kind for _, kind, _ in OFFERED])
    server.feature(t.TEXT_DOCUMENT_CODE_ACTION, options)(code_action)


def code_action(ls: PoeLanguageServer, params: t.CodeActionParams) -> list[t.CodeAction] | None:
    """Return the actions for the range; an empty range stands for the block at the cursor."""
    uri = params.text_document.uri
    document = ls.workspace.text_documents.get(unquote(uri))
    if document is None:
        return None
    rng = params.range
    if rng.start == rng.end:
        block = expand_cursor(document.source.splitlines(), (rng.start.line, rng.start.character))
        if block is None:
            return []
        rng = t.Range(
            start=t.Position(line=block[0][0], character=0),
            end=t.Position(line=block[1][0], character=0),
        )
    arguments = ActionArgs(uri, rng, diagnostics=tuple(params.context.diagnostics)).to_json()
    only = params.context.only
    return [
        t.CodeAction(
            title=title,
            kind=kind,
            command=t.Command(title=title, command=command, arguments=[arguments]),
        )
        for title, kind, command in OFFERED
        if not only or any(kind == o or kind.startswith(f"{o}.") for o in only)
    ]
