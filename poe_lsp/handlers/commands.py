"""``workspace/executeCommand``: start a job and answer at once with its id; cancel jobs."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from poe_lsp.actions.run import run_action
from poe_lsp.contract import (
    CMD_CANCEL,
    COMMAND_ACTIONS,
    Action,
    ActionArgs,
    ArgumentError,
    cancel_target,
)
from poe_lsp.server import PoeLanguageServer
from poe_lsp.streaming.jobs import Job


def register(server: PoeLanguageServer) -> None:
    """Register the poe.* commands: four that start jobs, and poe.cancel."""
    for command, action in COMMAND_ACTIONS.items():
        server.command(command)(_starter(command, action))
    server.command(CMD_CANCEL)(cancel)


def _starter(command: str, action: Action) -> Any:
    def start(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
        try:
            parsed = ActionArgs.from_json(action, args)
        except ArgumentError as exc:
            raise JsonRpcInvalidParams(f"{command}: {exc}") from None

        def run(job: Job) -> Any:
            return run_action(ls, job, action, parsed)

        job = ls.jobs.start(action, parsed.uri, run)
        return {"jobId": job.id}

    start.__name__ = command.replace(".", "_")
    return start


def cancel(ls: PoeLanguageServer, *args: Any) -> dict[str, list[str]]:
    """Cancel the job named by ``{"jobId": ...}``, or every job without an argument."""
    try:
        target = cancel_target(args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    return {"cancelled": ls.jobs.cancel(target)}
