"""The ``poe-lsp`` command: the language server on stdio (the default) or TCP, or with a
subcommand (``explain``, ``refactor``, ``tests``, ``ask``, ``balance``) one action for a shell
script (:mod:`poe_lsp.terminal`)."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import TYPE_CHECKING

import poe_lsp

if TYPE_CHECKING:
    from poe_lsp.lsp.server import PoeLanguageServer

SERVE: argparse.Namespace = argparse.Namespace(
    command=None, stdio=False, tcp=None, log_file=None, verbose=0
)
"""What ``poe-lsp`` and ``poe-lsp --stdio``, the way editors start the server, parse to."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    from poe_lsp.terminal.args import Parser, add_commands

    parser = Parser(
        prog="poe-lsp",
        usage="%(prog)s [--stdio | --tcp HOST:PORT] [--log-file PATH] [-v]\n"
        "       %(prog)s {explain,refactor,tests,ask} FILE[:FIRST[-LAST]] [options]\n"
        "       %(prog)s balance [options]",
        description="A language server that streams answers from Poe bots into your editor.",
        epilog="The API key comes from the editor's settings (poe.apiKey) or $POE_API_KEY "
        "(for the commands: $POE_API_KEY or --key-file), never from the command line. "
        "'poe-lsp COMMAND --help' shows a command's options and exit codes.",
    )
    parser.add_argument("--version", action="version", version=f"poe-lsp {poe_lsp.__version__}")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    parser.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on a TCP address instead of stdio"
    )
    parser.add_argument("--log-file", metavar="PATH", help="also write logs to this file")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)"
    )
    add_commands(parser)
    args = parser.parse_args(argv)
    if args.command and (args.tcp or args.stdio):
        parser.error("--tcp and --stdio start the server; they do not go with a command")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the server until the client disconnects, or run one command; return the exit code."""
    words = sys.argv[1:] if argv is None else argv
    # Building the parser, subcommands and all, is a few percent of the time to answer
    # `initialize`; the command lines editors start the server with need none of it.
    args = SERVE if words in ([], ["--stdio"]) else parse_args(words)
    if args.command:
        from poe_lsp.terminal.command import run

        return run(args)
    address = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print("poe-lsp: --tcp takes HOST:PORT, e.g. 127.0.0.1:2087", file=sys.stderr)
            return 2
        address = (host, int(port))

    from poe_lsp.logs import setup_logging

    setup_logging(args.verbose, args.log_file)
    server = _build_server()
    if address is not None:
        server.start_tcp(*address)
        return 0
    from poe_lsp.lsp.stdio import serve

    # Only JSON-RPC may reach the real stdout: anything else that prints goes to stderr.
    real_stdout = sys.stdout.buffer
    sys.stdout = sys.stderr
    return serve(server, sys.stdin.buffer, real_stdout)


def _build_server() -> PoeLanguageServer:
    """Import the LSP layer and build the server, with no garbage collection while our own
    modules load: they make next to no garbage, and a full collection there would walk
    every class lsprotocol just made (about 5 % of the CPU time until ``initialize`` is
    answered). lsprotocol itself loads with collections on: it does leave garbage."""
    importlib.import_module("lsprotocol.types")
    gc.disable()
    try:
        from poe_lsp.lsp.handlers import build_server

        return build_server()
    finally:
        gc.enable()
