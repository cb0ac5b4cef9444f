"""``workspace/executeCommand``: start a job and answer at once with its id; cancel jobs;
accept or reject answers kept for review. The action pipeline is imported where a command
first needs it (:data:`~poe_lsp.lsp.handlers.lifecycle.PIPELINE`)."""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from poe_lsp import messages
from poe_lsp.actions.custom import CustomAction
from poe_lsp.actions.languages import language_for
from poe_lsp.boundary import Refused, path_of_uri
from poe_lsp.contract import (
    CMD_ACCEPT,
    CMD_BALANCE,
    CMD_CANCEL,
    CMD_LIST_BOTS,
    CMD_REJECT,
    CMD_SENT,
    COMMAND_ACTIONS,
    COMMANDS,
    Action,
    ActionArgs,
    ArgumentError,
    cancel_target,
    job_target,
    list_all,
)
from poe_lsp.edits.region import EditRejected, RegionConflict
from poe_lsp.jobs import Job
from poe_lsp.lsp.server import PoeLanguageServer
from poe_lsp.poe import PoeError
from poe_lsp.redaction import redact

if TYPE_CHECKING:
    from poe_lsp.actions.testsearch import TestPlace


class RequestFailed(JsonRpcException):
    """LSP's ``RequestFailed``: the request was valid but could not be carried out."""

    CODE = -32803


def register(server: PoeLanguageServer) -> None:
    """Register the poe.* commands: four that start jobs, cancel, accept, reject, balance
    and sent."""
    for command, action in COMMAND_ACTIONS.items():
        if COMMANDS[command][0] == "ActionArgs":  # the others have handlers of their own
            server.command(command)(_starter(command, action))
    server.command(CMD_CANCEL)(cancel)
    server.command(CMD_ACCEPT)(accept_answer)
    server.command(CMD_REJECT)(reject_answer)
    server.command(CMD_BALANCE)(balance)
    server.command(CMD_LIST_BOTS)(list_bots)
    server.command(CMD_SENT)(sent)


def _starter(command: str, action: Action) -> Any:
    async def start(ls: PoeLanguageServer, *args: Any) -> dict[str, str]:
        try:
            parsed = ActionArgs.from_json(action, args)
        except ArgumentError as exc:
            raise JsonRpcInvalidParams(f"{command}: {exc}") from None
        return await start_job(ls, action, parsed)

    start.__name__ = command.replace(".", "_")
    return start


async def start_job(
    ls: PoeLanguageServer, action: Action, parsed: ActionArgs, custom: CustomAction | None = None
) -> dict[str, str]:
    """Start a job of ``action`` (``custom``: the user's action that runs like it), unless
    another one is at work there; answer ``{"jobId"}``."""
    from poe_lsp.actions.plan import relative_uri, target_of
    from poe_lsp.actions.run import run_action
    from poe_lsp.actions.targets import EditorTargets

    span = (
        (parsed.range.start.line, parsed.range.start.character),
        (parsed.range.end.line, parsed.range.end.character),
    )
    language = ls.editor.language_of(parsed.uri)
    tests = await _tests_place(ls, action, parsed.uri, language)
    if tests is None:
        target = target_of(action, parsed.uri, language, ls.editor.root)
    else:
        target = parsed.uri if str(tests.path) == _path(parsed.uri) else tests.path.as_uri()
    busy = ls.session.jobs.blocking(action, parsed.uri, *span, target=target)
    if busy is not None and action == "writeTests":
        into = relative_uri(busy.target_key(), ls.editor.root)
        raise RequestFailed(
            f"Poe is already writing tests into {into} "
            f"({busy.id}); wait for it to finish or cancel it (poe.cancel), then ask again."
        )
    if busy is not None:
        raise RequestFailed(
            f"Poe is still working on this code ({busy.id}); wait for it to finish or "
            "cancel it (poe.cancel) before starting another change here."
        )

    def run(job: Job) -> Any:
        targets = EditorTargets(ls.editor, ls.session.explanations, ls.session.proposals)
        return run_action(
            ls.session, ls.editor, job, action, parsed, targets, tests=tests, custom=custom
        )

    job = ls.session.jobs.start(action, parsed.uri, run, span, target=target)
    return {"jobId": job.id}


async def _tests_place(
    ls: PoeLanguageServer, action: Action, uri: str, language: str | None
) -> TestPlace | None:
    """Where Write tests on ``uri`` writes, found in the workspace off the event loop, so
    the job's file is known before it starts (one Write tests job per test file)."""
    from poe_lsp.actions.testsearch import locate_tests

    if action != "writeTests":
        return None
    try:
        source = PurePosixPath(path_of_uri(uri))
    except Refused:
        return None  # the job says why
    return await asyncio.to_thread(
        locate_tests, ls.editor.root, source, language or language_for(source)
    )


def _path(uri: str) -> str:
    try:
        return path_of_uri(uri)
    except Refused:
        return uri


def cancel(ls: PoeLanguageServer, *args: Any) -> dict[str, list[str]]:
    """Cancel the job named by ``{"jobId": ...}``, or every job without an argument."""
    try:
        target = cancel_target(args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    return {"cancelled": ls.session.jobs.cancel(target)}


async def accept_answer(ls: PoeLanguageServer, *args: Any) -> dict[str, bool]:
    """Apply the reviewed answer of ``{"jobId": ...}`` as one edit."""
    from poe_lsp.actions.run import accept

    proposal = ls.session.proposals.get(_job(CMD_ACCEPT, args))
    if proposal is None:
        raise RequestFailed("There is no Poe answer waiting for review with that job id.")
    try:
        await accept(ls.session, proposal)
    except RegionConflict:
        message = "The code changed since Poe answered, so the answer was not applied; ask again."
        ls.editor.notify("warning", message)
        return {"applied": False}
    except (EditRejected, TimeoutError):
        ls.editor.notify("warning", "The editor did not apply Poe's answer.")
        return {"applied": False}
    return {"applied": True}


def reject_answer(ls: PoeLanguageServer, *args: Any) -> dict[str, bool]:
    """Drop the reviewed answer of ``{"jobId": ...}``."""
    return {"rejected": ls.session.proposals.pop(_job(CMD_REJECT, args)) is not None}


def sent(ls: PoeLanguageServer, *args: Any) -> dict[str, Any]:
    """Answer what the job of ``{"jobId": ...}`` sent to its bot: the messages and the
    workspace files read into them."""
    request = ls.session.sent.get(_job(CMD_SENT, args))
    if request is None:
        raise RequestFailed(
            "No job of this session with that id has sent anything to Poe (the last 50 jobs "
            "are kept)."
        )
    return {
        "messages": [{"role": m.role, "content": redact(m.content)} for m in request.messages],
        "sources": list(request.sources),
        "points": ls.session.points.points_of(_job(CMD_SENT, args)),
    }


async def balance(ls: PoeLanguageServer, *args: Any) -> dict[str, int]:
    """Answer ``{"points": N}``, the key's point balance from Poe's usage API."""
    from poe_lsp.poe.usage import usage_base_url
    from poe_lsp.trust import destination, host_refused

    settings = await ls.session.ready_settings()
    if not settings.api_key:
        raise RequestFailed(messages.no_key(messages.EDITOR))
    url = usage_base_url(settings.base_url, settings.usage_url)
    if not settings.may_send_key(url):
        place = destination(url)
        setting = "poe.usageUrl" if settings.usage_url else "poe.baseUrl"
        if not await ls.editor.allow_host(place, setting):
            raise RequestFailed(host_refused(place, setting))
    client = await ls.session.poe_client(settings)
    try:
        points = await client.balance(settings.api_key, url)
    except PoeError as exc:
        raise RequestFailed(exc.message) from None
    if not ls.editor.wants_job_events:
        ls.editor.notify("info", f"Your Poe point balance: {points:,}.")
    return {"points": points}


async def list_bots(ls: PoeLanguageServer, *args: Any) -> dict[str, list[dict[str, Any]]]:
    """Answer ``{"bots": [...]}``, Poe's bot catalogue (cached; no key is sent for it)."""
    from poe_lsp.poe.usage import usage_base_url

    try:
        everything = list_all(args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    settings = await ls.session.ready_settings()
    try:
        source = usage_base_url(settings.base_url, settings.usage_url)
    except ValueError as exc:
        raise RequestFailed(f"Cannot ask for the bot list: {exc}.") from None
    client = await ls.session.poe_client(settings)
    try:
        bots = await ls.session.catalogue.bots(source, client.models)
    except PoeError as exc:
        raise RequestFailed(exc.message) from None
    return {"bots": [b.to_json() for b in bots if everything or b.text_output]}


def _job(command: str, args: tuple[Any, ...]) -> str:
    try:
        return job_target(command, args)
    except ArgumentError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
