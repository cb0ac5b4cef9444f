"""The exit codes of the subcommands: what a shell script can tell apart."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """How a subcommand ended."""

    OK = 0
    """The answer is complete (and written, with ``--write``)."""
    POE = 1
    """Poe or the bot failed: refused key, no points, unknown bot, rate limit, network, error."""
    USAGE = 2
    """Bad options, lines outside the file, a file that cannot be read or written (as argparse)."""
    NO_KEY = 3
    """No API key: neither ``$POE_API_KEY`` nor a readable ``--key-file``."""
    CANCELLED = 4
    """Ctrl-C or SIGTERM, or the reader of stdout went away; the stream to Poe was closed."""
    CHANGED = 5
    """``--write`` refused: the file changed on disk while the bot was answering."""
    NO_CODE = 6
    """The bot answered without code, so there was nothing to write."""


_MEANINGS: dict[Exit, str] = {
    Exit.OK: "done (and written, with --write)",
    Exit.POE: "Poe or the bot failed: refused key, no points, unknown bot, rate limit, network, "
    "bot error",
    Exit.USAGE: "usage: bad options, lines outside the file, a file that cannot be read or written",
    Exit.NO_KEY: "no API key: set POE_API_KEY, or pass --key-file PATH",
    Exit.CANCELLED: "cancelled: Ctrl-C, SIGTERM, or the reader of stdout went away",
    Exit.CHANGED: "--write refused: the file changed on disk while the bot was answering",
    Exit.NO_CODE: "the answer held no code, so nothing was written",
}


def exit_help(codes: tuple[Exit, ...]) -> str:
    """Return the ``exit codes:`` section of a command's help."""
    return "exit codes:\n" + "\n".join(f"  {code:d}  {_MEANINGS[code]}" for code in codes)
