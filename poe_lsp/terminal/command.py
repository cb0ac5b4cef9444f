"""One subcommand from start to exit code: options, file and lines, the action, ``--write``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lsprotocol import types as t

from poe_lsp import messages
from poe_lsp.actions.run import Outcome, run_action
from poe_lsp.boundary import Boundary, Refused
from poe_lsp.contract import Action, ActionArgs
from poe_lsp.edits.positions import line_starts
from poe_lsp.logs import redact_secret, setup_logging
from poe_lsp.poe import PoeError
from poe_lsp.session import Session
from poe_lsp.settings import KEY_ENV, Settings, parse_settings
from poe_lsp.terminal.args import COMMANDS, Target
from poe_lsp.terminal.exits import Exit
from poe_lsp.terminal.host import Change, TerminalEditor, TerminalTargets
from poe_lsp.terminal.output import AnswerPrinter, Reporter
from poe_lsp.trust import destination

NO_KEY = messages.no_key(messages.TERMINAL)
_ROOT_MARKERS = (
    ".git",
    ".hg",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "package.json",
    "go.mod",
    "Cargo.toml",
    "Gemfile",
    "pom.xml",
    "build.gradle",
)


class FileChanged(Exception):
    """The file on disk is no longer what was read, so it was not overwritten."""


class Failure(Exception):
    """The subcommand cannot run; ``message`` says why and what to do."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Run:
    settings: Settings
    editor: TerminalEditor
    action: Action
    args: ActionArgs
    write: bool


def run(args: argparse.Namespace) -> int:
    """Run the subcommand ``args.command``; return its exit code."""
    verbose: int = getattr(args, "verbose", 0)
    reporter = Reporter(verbose)
    _setup_logging(verbose, getattr(args, "log_file", None))
    try:
        if args.command == "balance":
            return asyncio.run(_balance(_settings(args)))
        return asyncio.run(_execute(_prepare(args, reporter), reporter))
    except Failure as exc:
        reporter.problem(exc.message)
        return exc.code
    except KeyboardInterrupt:
        reporter.problem("cancelled")
        return Exit.CANCELLED


def _prepare(args: argparse.Namespace, reporter: Reporter) -> _Run:
    """Check the options, the key, the file and its lines; set up the host."""
    action = COMMANDS[args.command]
    settings = _settings(args)
    instruction = _instruction(args, action)
    target: Target = args.target
    write = bool(getattr(args, "write", False))
    path = Path(os.path.abspath(Path(target.path).expanduser()))  # a link stays a link
    root = _root(args.root, path)
    boundary = Boundary((root,))
    try:
        if write and action in ("refactor", "ask"):  # it writes into the file it reads
            boundary.check_target(path)
        text = boundary.read(path)
    except Refused as exc:
        raise Failure(Exit.USAGE, exc.message) from None
    if text is None:
        raise Failure(Exit.USAGE, f"cannot read {target.path}: no such file")
    selection = _lines(text, target)
    if not settings.api_key:
        raise Failure(Exit.NO_KEY, NO_KEY)
    redact_secret(settings.api_key)

    editor = TerminalEditor(root, reporter)
    return _Run(settings, editor, action, ActionArgs(path.as_uri(), selection, instruction), write)


async def _execute(job_run: _Run, reporter: Reporter) -> int:
    """Run the action; with ``--write``, save what it changed, if the file is as it was."""
    editor = job_run.editor
    session = Session(job_run.settings, wording=messages.TERMINAL)
    printer = AnswerPrinter(sys.stdout.buffer, reporter, _on_stdout_closed(editor, job_run.write))
    targets = TerminalTargets(editor, printer)
    loop = asyncio.get_running_loop()
    handled = _on_signals(loop, editor.interrupt)
    try:
        job = session.jobs.start(
            job_run.action,
            job_run.args.uri,
            lambda job: run_action(session, editor, job, job_run.action, job_run.args, targets),
        )
        assert job.task is not None
        await asyncio.wait({job.task})
    finally:
        for number in handled:
            loop.remove_signal_handler(number)
        await session.close()
    done = not job.task.cancelled() and job.task.exception() is None
    outcome = job.task.result() if done else None
    assert outcome is None or isinstance(outcome, Outcome)
    printer.finish(complete=outcome is not None and outcome.ending == "done")
    code = _exit_code(outcome)
    change = targets.opened.change if targets.opened is not None else None
    if code != Exit.OK or change is None or change.text == (change.original or ""):
        return code
    name = _shown(change.path)
    if not job_run.write:
        if job_run.action == "writeTests":
            reporter.info(f"not written: --write adds them to {name}")
        return Exit.OK
    try:
        await asyncio.to_thread(_save, editor.boundary, change)
    except Refused as exc:
        raise Failure(Exit.USAGE, f"{name} was not written: {exc.message}") from None
    except FileChanged:
        raise Failure(
            Exit.CHANGED,
            f"{name} changed on disk while the bot was answering, so it was left as it is "
            "(the answer is on stdout); run again to rewrite the new text",
        ) from None
    except OSError as exc:
        raise Failure(Exit.USAGE, f"cannot write {name}: {exc.strerror}") from None
    reporter.info(f"wrote {name}")
    return Exit.OK


def _exit_code(outcome: Outcome | None) -> Exit:
    """Return what the job's outcome means for the exit code (no outcome: it crashed, and
    its traceback is in the log)."""
    if outcome is None:
        return Exit.POE
    if outcome.ending == "done":
        return Exit.OK
    if outcome.ending == "cancelled":
        return Exit.CANCELLED
    if outcome.failure in ("poe", "bug"):
        return Exit.POE
    return Exit.USAGE if outcome.failure == "before" else Exit.NO_CODE


def _save(boundary: Boundary, change: Change) -> None:
    """Write the change, unless the file changed since it was read.

    The boundary writes it atomically (a private temporary file that replaces it), keeps
    its permissions, and refuses a link or a file outside the root.
    """
    boundary.check_target(change.path)
    if boundary.read(change.path) != change.original:
        raise FileChanged(str(change.path))
    boundary.write(change.path, change.text)


def _on_stdout_closed(editor: TerminalEditor, needs_stdout: bool) -> Callable[[], None]:
    """When the reader of stdout goes away, the job stops, unless it writes the file."""

    def closed() -> None:
        editor.stdout_closed = True
        if not needs_stdout:
            editor.cancel()

    return closed


async def _balance(settings: Settings) -> int:
    """Print the points left on the key's account."""
    if not settings.api_key:
        raise Failure(Exit.NO_KEY, NO_KEY)
    redact_secret(settings.api_key)
    from poe_lsp.poe.fastapi_client import FastapiPoeClient
    from poe_lsp.poe.usage import usage_base_url

    client = FastapiPoeClient(read_timeout=settings.read_timeout, wording=messages.TERMINAL)
    try:
        points = await client.balance(
            settings.api_key, usage_base_url(settings.base_url, settings.usage_url)
        )
    except PoeError as exc:
        raise Failure(Exit.POE, exc.message) from None
    finally:
        await client.aclose()
    sys.stdout.write(f"{points}\n")
    return Exit.OK


def _settings(args: argparse.Namespace) -> Settings:
    """Build the settings as the server does, from the options and the key."""
    raw: dict[str, object] = {}
    for option, key in (
        ("bot", "bot"),
        ("base_url", "baseUrl"),
        ("context_lines", "contextLines"),
        ("read_timeout", "readTimeout"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            raw[key] = value
    if isinstance(raw.get("baseUrl"), str) and not str(raw["baseUrl"]).endswith("/"):
        raw["baseUrl"] = f"{raw['baseUrl']}/"
    env: dict[str, str] | None = None
    if args.key_file is not None:
        raw["apiKey"] = _read_key(args.key_file)
        env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    settings, problems = parse_settings(raw, env)
    # The answer is reviewed on stdout; --write is the user's accept.
    settings = replace(settings, review={})
    if "baseUrl" in raw and not problems:  # typed on the command line: the user's choice
        place = destination(settings.base_url)
        settings = replace(settings, allowed_hosts=settings.allowed_hosts | {place.entry})
    for problem in problems:
        if problem.startswith("poe.apiKey"):
            raise Failure(
                Exit.NO_KEY,
                f"{args.key_file} holds no valid Poe API key (one word of printable characters)",
            )
        raise Failure(Exit.USAGE, messages.TERMINAL.rename(problem.split("; using")[0]))
    return settings


def _read_key(key_file: str) -> str:
    """Return the key in ``key_file``; its path stays out of messages (it could be a key)."""
    try:
        return Path(key_file).expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise Failure(Exit.NO_KEY, f"cannot read the --key-file: {reason}") from None


def _instruction(args: argparse.Namespace, action: Action) -> str | None:
    instruction: str | None = getattr(args, "instruction", None)
    if instruction == "-":
        instruction = sys.stdin.read()
    if action == "ask" and not (instruction or "").strip():
        raise Failure(Exit.USAGE, "ask needs an --instruction that says what to do")
    return instruction.strip() if instruction else None


def _lines(text: str, target: Target) -> t.Range:
    """Return the LSP range of the target's lines; check they are in the file."""
    starts = line_starts(text)
    count = len(starts) - (1 if text.endswith(("\n", "\r")) else 0) if text else 0
    if count == 0:
        raise Failure(Exit.USAGE, f"{target.path} is empty: there is nothing to send")
    first, last = target.first or 1, target.last or count
    if last > count:
        raise Failure(
            Exit.USAGE,
            f"{target.path} has {count} line{'s' if count != 1 else ''}; "
            f"{target.describe()} goes past its end",
        )
    begin = starts[first - 1]
    finish = starts[last] if last < len(starts) else len(text)
    if not text[begin:finish].strip():
        raise Failure(Exit.USAGE, f"{target.describe()} is blank: there is nothing to send")
    selection = t.Range(
        start=t.Position(line=first - 1, character=0), end=t.Position(line=last, character=0)
    )
    return selection


def _root(option: str | None, source: Path) -> Path:
    """Return the project root: ``--root``, else the nearest folder above with a marker."""
    if option is not None:
        root = Path(option).expanduser().resolve()
        if not root.is_dir():
            raise Failure(Exit.USAGE, f"--root {option} is not a folder")
        return root
    for folder in source.parents:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    cwd = Path.cwd().resolve()
    return cwd if source.is_relative_to(cwd) else source.parent


def _shown(path: Path) -> str:
    """Return ``path`` as the user would write it: relative to the current folder if inside."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd().resolve()))
    return str(path)


def _on_signals(loop: asyncio.AbstractEventLoop, interrupt: Callable[[], None]) -> list[int]:
    """Let Ctrl-C and SIGTERM cancel the job; after that, Ctrl-C stops the program at once."""
    handled: list[int] = []

    def on_signal() -> None:
        interrupt()
        loop.remove_signal_handler(signal.SIGINT)

    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, on_signal)
            handled.append(number)
    return handled


def _setup_logging(verbose: int, log_file: str | None) -> None:
    """Logs on stderr: errors only by default; ``-v`` warnings, ``-vv`` info, ``-vvv`` debug."""
    setup_logging(max(0, verbose - 1), log_file)
    if not verbose:
        logging.getLogger().setLevel(logging.ERROR)
