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

from poe_lsp.actions.run import run_action
from poe_lsp.boundary import Boundary, Refused
from poe_lsp.contract import Action, ActionArgs
from poe_lsp.logs import redact_secret, setup_logging
from poe_lsp.poe import PoeError
from poe_lsp.settings import KEY_ENV, Settings, parse_settings
from poe_lsp.shell.args import COMMANDS, Target
from poe_lsp.shell.exits import Exit
from poe_lsp.shell.host import TerminalHost, Watch, appended, replaced
from poe_lsp.shell.memory import FileChanged
from poe_lsp.shell.output import Reporter
from poe_lsp.streaming.jobs import JobRegistry
from poe_lsp.streaming.positions import line_starts
from poe_lsp.trust import destination

NO_KEY = (
    f"no Poe API key: set {KEY_ENV} in the environment, or pass --key-file PATH (a file "
    "that holds the key). Get a key at https://poe.com/api_key."
)
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


class Failure(Exception):
    """The subcommand cannot run; ``message`` says why and what to do."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Run:
    host: TerminalHost
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
    begin, finish, selection = _lines(text, target)
    if not settings.api_key:
        raise Failure(Exit.NO_KEY, NO_KEY)
    redact_secret(settings.api_key)

    uri = path.as_uri()
    watch: Watch | None = None
    if action in ("refactor", "ask"):
        watch = replaced(uri, begin, len(text) - finish)
    elif action == "writeTests":
        watch = appended
    host = TerminalHost(
        settings,
        root,
        reporter,
        sys.stdout.buffer,
        watch,
        needs_stdout=write,
    )
    host.link.add(uri, path, text)
    return _Run(host, action, ActionArgs(uri, selection, instruction), write)


async def _execute(job_run: _Run, reporter: Reporter) -> int:
    """Run the action; with ``--write``, save what it changed, if the file is as it was."""
    host = job_run.host
    loop = asyncio.get_running_loop()
    handled = _on_signals(loop, host.interrupt)
    try:
        job = JobRegistry().start(
            job_run.action,
            job_run.args.uri,
            lambda job: run_action(host.session, host, job, job_run.action, job_run.args),
        )
        assert job.task is not None
        await asyncio.wait({job.task})
    finally:
        for number in handled:
            loop.remove_signal_handler(number)
        await host.close()
    code = host.finish()
    if code != Exit.OK:
        return code
    for document in host.edited():
        name = _shown(document.path)
        if not job_run.write:
            if job_run.action == "writeTests":
                reporter.info(f"not written: --write adds them to {name}")
            continue
        try:
            await asyncio.to_thread(document.save)
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


async def _balance(settings: Settings) -> int:
    """Print the points left on the key's account."""
    if not settings.api_key:
        raise Failure(Exit.NO_KEY, NO_KEY)
    redact_secret(settings.api_key)
    from poe_lsp.poe.fastapi_client import FastapiPoeClient
    from poe_lsp.poe.usage import usage_base_url

    client = FastapiPoeClient(read_timeout=settings.read_timeout)
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
        raise Failure(Exit.USAGE, problem.split("; using")[0])
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


def _lines(text: str, target: Target) -> tuple[int, int, t.Range]:
    """Return the offsets and the LSP range of the target's lines; check they are in the file."""
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
    return begin, finish, selection


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
