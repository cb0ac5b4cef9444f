"""Logging to stderr (and a file on request) with the API key redacted from every record."""

from __future__ import annotations

import logging
import sys

_SECRETS: set[str] = set()
REDACTED = "[REDACTED]"


def redact_secret(secret: str) -> None:
    """Never let ``secret`` reach a log again."""
    if len(secret) >= 4:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """Return ``text`` with every known secret replaced."""
    for secret in _SECRETS:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message so that no secret is formatted into a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if record.exc_info and record.exc_info[1] is not None:
                cleaned_exc = redact(str(record.exc_info[1]))
                if cleaned_exc != str(record.exc_info[1]):
                    record.exc_info = None
                    record.exc_text = None
                    cleaned += f" ({cleaned_exc})"
            record.msg, record.args = cleaned, ()
        return True


def setup_logging(verbose: int, log_file: str | None) -> None:
    """Send poe-lsp's logs to stderr, and to ``log_file`` too when given.

    pygls logs every message it sends at INFO, so its loggers stay at WARNING.
    """
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("pygls", "httpx", "httpcore", "uvicorn", "fastapi_poe"):
        logging.getLogger(name).setLevel(logging.WARNING)
