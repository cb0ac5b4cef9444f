"""What the terminal shows: the answer on stdout as it grows, everything else on stderr."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable
from typing import BinaryIO, TextIO

from poe_lsp.redaction import shown

_NUMBERS = re.compile(r"\d+")


class Reporter:
    """Lines on stderr, each starting ``poe-lsp:``: problems always, progress with ``-v``."""

    def __init__(self, verbose: int, stream: TextIO | None = None) -> None:
        self.verbose = verbose
        self._stream = stream
        self._last_shape: str | None = None

    def problem(self, message: str) -> None:
        """Say what went wrong and what to do."""
        self._write(message)

    def info(self, message: str) -> None:
        """Say how things went, with ``-v``."""
        if self.verbose:
            self._write(message)

    def progress(self, title: str, message: str) -> None:
        """Show a progress report with ``-v``; of reports that differ in numbers only, the first."""
        shape = _NUMBERS.sub("#", f"{title}: {message}")
        if shape != self._last_shape:
            self._last_shape = shape
            self.info(f"{title}: {message}")

    def _write(self, message: str) -> None:
        stream = self._stream or sys.stderr
        with contextlib.suppress(OSError, ValueError):
            stream.write(f"poe-lsp: {shown(message)}\n")
            stream.flush()


class AnswerPrinter:
    """Prints a text that grows, to stdout, as it grows.

    An update that extends what was printed prints the new part at once (and flushes). One
    that does not (a bot's ``replace_response``) stops the printing until :meth:`finish`,
    which prints the rest if the final text extends what was printed after all, and otherwise
    says so on stderr and prints the final text whole. If the reader goes away (a closed
    pipe), printing stops and ``on_closed`` is called.
    """

    def __init__(self, out: BinaryIO, reporter: Reporter, on_closed: Callable[[], object]) -> None:
        self.closed = False
        self._out = out
        self._reporter = reporter
        self._on_closed = on_closed
        self._printed = ""
        self._latest = ""
        self._diverged = False

    def update(self, text: str) -> None:
        """Take the answer as it is now."""
        self._latest = text
        if self._diverged or self.closed:
            return
        if text.startswith(self._printed):
            self._print(text[len(self._printed) :])
        else:
            self._diverged = True

    def finish(self, complete: bool) -> None:
        """End the output: with ``complete``, make sure all of the final answer was printed."""
        if complete and self._diverged and not self.closed:
            if self._latest.startswith(self._printed):
                self._print(self._latest[len(self._printed) :])
            else:
                self._reporter.problem("the bot rewrote its answer; here it is again, whole:")
                self._print("\n" if self._printed and not _ends_line(self._printed) else "")
                self._printed = ""
                self._print(self._latest)
        if self._printed and not _ends_line(self._printed):
            self._print("\n")

    def _print(self, text: str) -> None:
        if not text or self.closed:
            return
        try:
            self._out.write(text.encode("utf-8", "replace"))
            self._out.flush()
        except (BrokenPipeError, ValueError):
            self._close()
            return
        self._printed += text

    def _close(self) -> None:
        """Stop printing, and keep Python's final flush of stdout from failing loudly."""
        self.closed = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._out.fileno())
            os.close(devnull)
        self._on_closed()


def _ends_line(text: str) -> bool:
    return text.endswith(("\n", "\r"))
