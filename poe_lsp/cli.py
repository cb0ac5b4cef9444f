"""The ``poe-lsp`` command: start the language server on stdio (the default) or TCP."""

from __future__ import annotations

import argparse
import sys

import poe_lsp


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="poe-lsp",
        description="A language server that streams answers from Poe bots into your editor.",
        epilog="The API key comes from the editor's settings (poe.apiKey) or $POE_API_KEY, "
        "never from the command line.",
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server until the client disconnects."""
    args = parse_args(argv)
    address = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print("poe-lsp: --tcp takes HOST:PORT, e.g. 127.0.0.1:2087", file=sys.stderr)
            return 2
        address = (host, int(port))

    from poe_lsp.handlers import build_server
    from poe_lsp.logs import setup_logging

    setup_logging(args.verbose, args.log_file)
    server = build_server()
    if address is not None:
        server.start_tcp(*address)
        return 0
    # Only JSON-RPC may reach the real stdout: anything else that prints goes to stderr.
    real_stdout = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, real_stdout)
    return 0
