"""The subcommands' command line: ``poe-lsp explain|refactor|tests|ask FILE[:FIRST[-LAST]]``.

Only the standard library is imported here (not even lsprotocol): ``poe-lsp`` parses its
whole command line, the subcommands included, before it starts the server or prints its
version.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from textwrap import fill
from typing import TYPE_CHECKING, Final, NoReturn

from poe_lsp.terminal.exits import Exit, exit_help

if TYPE_CHECKING:
    from poe_lsp.contract import Action

COMMANDS: Final[dict[str, Action]] = {
    "explain": "explain",
    "refactor": "refactor",
    "tests": "writeTests",
    "ask": "ask",
}
"""Subcommand -> action."""

_SUMMARIES: Final[dict[str, str]] = {
    "explain": "explain the lines",
    "refactor": "rewrite the lines (--write: in place)",
    "tests": "write tests for the lines (--write: into the project's test file)",
    "ask": "rewrite the lines as --instruction says (--write: in place)",
}
_DESCRIPTIONS: Final[dict[str, str]] = {
    "explain": "Stream a bot's explanation of lines of FILE to stdout as it arrives.",
    "refactor": "Stream a bot's rewrite of lines of FILE to stdout as it arrives; with --write, "
    "also put it in place of those lines once it is complete.",
    "tests": "Stream tests for lines of FILE to stdout as they arrive; with --write, also add "
    "them to the project's test file once complete (Python: ROOT/tests/test_MODULE.py; "
    "JavaScript: NAME.test.js beside FILE; Go: NAME_test.go; Rust: the end of FILE).",
    "ask": "Stream a bot's rewrite of lines of FILE, done as --instruction says, to stdout as "
    "it arrives; with --write, also put it in place of those lines once it is complete.",
}
_COMMON = (
    "Progress (with -v) and errors go to stderr, so stdout can be piped. The API key comes "
    "from $POE_API_KEY or --key-file, never from an argument; get one at "
    "https://poe.com/api_key."
)

_TARGET_HELP = (
    "FILE:FIRST-LAST (lines, from 1, both included), FILE:LINE (one line) or FILE (all of it)"
)
_LINES = re.compile(r"(\d+)(?:-(\d+))?")


class Parser(argparse.ArgumentParser):
    """An argument parser that does not repeat the values it did not recognize.

    A user who tries ``--key sk-...`` gets told the option is unknown, without the key being
    echoed into a terminal log or a CI transcript.
    """

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            options = [word for word in message[len(prefix) :].split() if word.startswith("-")]
            message = prefix + (" ".join(options) if options else "(not shown)")
        super().error(message)


@dataclass(frozen=True)
class Target:
    """The file and lines a subcommand works on; ``first``/``last`` are 1-based, inclusive."""

    path: str
    first: int | None = None
    last: int | None = None

    def describe(self) -> str:
        """Return the target as it was written, e.g. ``app.py:3-9``."""
        if self.first is None:
            return self.path
        if self.first == self.last:
            return f"{self.path}:{self.first}"
        return f"{self.path}:{self.first}-{self.last}"


def parse_target(value: str) -> Target:
    """Read ``FILE[:FIRST[-LAST]]``; a suffix that is not a line range is part of the name."""
    path, colon, lines = value.rpartition(":")
    match = _LINES.fullmatch(lines) if colon and path else None
    if match is None:
        return Target(value)
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1:
        raise argparse.ArgumentTypeError(f"lines count from 1, not {first}: {value}")
    if last < first:
        raise argparse.ArgumentTypeError(f"the range ends before it starts: {value}")
    return Target(path, first, last)


def add_commands(parser: argparse.ArgumentParser) -> None:
    """Add the subcommands to ``poe-lsp``'s parser; without one, ``poe-lsp`` is the server."""
    commands = parser.add_subparsers(
        dest="command",
        metavar="{explain,refactor,tests,ask,balance}",
        title="command-line mode (for scripts; without a command, poe-lsp is the server)",
    )
    for name in COMMANDS:
        sub = _add_command(parser, commands, name, _SUMMARIES[name], _DESCRIPTIONS[name])
        sub.add_argument(
            "target", type=parse_target, metavar="FILE[:FIRST[-LAST]]", help=_TARGET_HELP
        )
        if name in ("refactor", "ask"):
            sub.add_argument(
                "--instruction",
                metavar="TEXT",
                required=name == "ask",
                help="what to do with the lines ('-' reads it from stdin)",
            )
        if name != "explain":
            sub.add_argument(
                "--write",
                action="store_true",
                help="also write the result once complete; refused if the file changed meanwhile",
            )
        _add_answer_options(sub)
        _add_common_options(sub)
    balance = _add_command(
        parser,
        commands,
        "balance",
        "print the points left on the key's account",
        "Print the points left on the Poe account of the API key, as a number alone on a "
        "line (it costs no points).",
        exits=(Exit.OK, Exit.POE, Exit.USAGE, Exit.NO_KEY),
    )
    _add_common_options(balance)


def _add_command(
    parser: argparse.ArgumentParser,
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    exits: tuple[Exit, ...] = tuple(Exit),
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        prog=f"{parser.prog} {name}",
        help=summary,
        description=f"{fill(description)}\n\n{fill(_COMMON)}",
        epilog=exit_help(exits),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )


def _add_answer_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--bot", metavar="NAME", help="the bot to ask (default: Claude-Sonnet-4.5)")
    sub.add_argument(
        "--context-lines",
        metavar="N",
        type=int,
        help="lines around the range sent along as context (default 30)",
    )
    sub.add_argument(
        "--read-timeout",
        metavar="SECONDS",
        type=float,
        help="seconds to wait for the next piece of the answer (default 120)",
    )
    sub.add_argument(
        "--root",
        metavar="DIR",
        help="the project root (default: the nearest folder above FILE with .git, "
        "pyproject.toml, package.json, go.mod, Cargo.toml...; else the current folder)",
    )


def _add_common_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--base-url",
        metavar="URL",
        help="where bots are reached (default: https://api.poe.com/bot/)",
    )
    sub.add_argument(
        "--key-file", metavar="PATH", help="read the API key from this file instead of $POE_API_KEY"
    )
    sub.add_argument(
        "--log-file", metavar="PATH", default=argparse.SUPPRESS, help="also write logs to this file"
    )
    sub.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="progress on stderr (-vv and -vvv: logs too)",
    )
