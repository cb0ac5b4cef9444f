"""Logging to stderr (and a file on request) with secrets redacted from every record.

The redaction is done on the formatted record, so it covers the message, the arguments, the
traceback (chained exceptions included) and ``stack_info`` alike; a traceback is redacted, not
dropped. Uncaught exceptions (main thread and other threads) are logged the same way.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from types import TracebackType

from poe_lsp.redaction import REDACTED, add_secret, capped, redact

__all__ = [
    "REDACTED",
    "RedactingFormatter",
    "open_log_file",
    "redact",
    "redact_secret",
    "setup_logging",
]

MESSAGE_LIMIT = 4_000
"""Characters of one log message (before its traceback); bot text can be any length."""
RECORD_LIMIT = 50_000
"""Characters of one whole log record, traceback included."""
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact_secret(secret: str) -> None:
    """Never let ``secret`` reach a log, a message or a progress report again."""
    add_secret(secret)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output has the secrets redacted and a bounded length."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return capped(redact(super().formatMessage(record)), MESSAGE_LIMIT, "log message")

    def format(self, record: logging.LogRecord) -> str:
        return capped(redact(super().format(record)), RECORD_LIMIT, "log record")


def open_log_file(path: str) -> logging.StreamHandler:  # type: ignore[type-arg]
    """A handler appending to ``path``, created readable by the user only (0600).

    An existing file keeps its mode; a symlink at ``path`` is not followed.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    except BaseException:
        os.close(fd)
        raise
    return logging.StreamHandler(stream)


def setup_logging(verbose: int, log_file: str | None) -> None:
    """Send poe-lsp's logs to stderr, and to ``log_file`` too when given.

    pygls logs every message it sends at INFO, so its loggers stay at WARNING.
    """
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    problem = None
    if log_file:
        try:
            handlers.append(open_log_file(log_file))
        except OSError as exc:
            problem = f"not logging to {log_file}: {exc.strerror or exc}"
    formatter = RedactingFormatter(FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("pygls", "httpx", "httpcore", "uvicorn", "fastapi_poe"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if problem:
        logging.getLogger("poe_lsp").warning("%s", problem)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_exception


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an uncaught exception through the redacting handlers instead of printing it."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("poe_lsp").critical("uncaught exception", exc_info=(kind, exc, tb))


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("poe_lsp").error(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
