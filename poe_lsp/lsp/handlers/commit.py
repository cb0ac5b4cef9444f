"""``workspace/executeCommand poe.commitMessage``: start a job that writes a commit message
from the staged diff, and answer at once with its id."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as t
from pygls.exceptions import JsonRpcInvalidParams

from poe_lsp.contract import CMD_COMMIT_MESSAGE, ActionArgs, ArgumentError, CommitMessageArgs
from poe_lsp.jobs import Job
from poe_lsp.lsp.handlers.commands import RequestFailed
from poe_lsp.lsp.server import PoeLanguageServer

_WHOLE = ((0, 0), (1 << 30, 0))
"""A commit job writes the message part of its file: it clashes with any other writer."""


def register(server: PoeLanguageServer) -> None:
    """Register ``poe.commitMessage``."""
    server.command(CMD_COMMIT_MESSAGE)(commit_message)


def commit_message(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
    """Start writing the commit message of ``{"textDocument"}`` or ``{"rootUri"}``."""
    from poe_lsp.actions.commit import CommitPlanner
    from poe_lsp.actions.run import run_action
    from poe_lsp.actions.targets import EditorTargets

    try:
        parsed = CommitMessageArgs.from_json(args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(f"{CMD_COMMIT_MESSAGE}: {exc}") from None
    if parsed.root_uri is not None and not ls.editor.wants_job_events:
        raise RequestFailed(
            f'{CMD_COMMIT_MESSAGE} {{"rootUri"}} answers in poe/jobEnded, which this editor did '
            'not ask for: run it on the commit message file ({"textDocument"}) instead.'
        )
    uri = parsed.uri or parsed.root_uri
    assert uri is not None
    if (busy := ls.session.jobs.blocking("commitMessage", uri, *_WHOLE)) is not None:
        raise RequestFailed(
            f"Poe is still working on this commit message ({busy.id}); wait for it to finish "
            "or cancel it (poe.cancel)."
        )
    start = t.Position(line=0, character=0)
    action_args = ActionArgs(uri, t.Range(start=start, end=start), bot=parsed.bot)
    planner = CommitPlanner(parsed, ls.editor)

    def run(job: Job) -> Any:
        targets = EditorTargets(ls.editor, ls.session.explanations, ls.session.proposals)
        return run_action(
            ls.session, ls.editor, job, "commitMessage", action_args, targets, planner=planner
        )

    job = ls.session.jobs.start("commitMessage", uri, run, _WHOLE)
    return {"jobId": job.id}
