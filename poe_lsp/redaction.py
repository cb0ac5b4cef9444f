"""The one place secrets are blotted out, and bot-controlled text is made small enough to show.

Every exit to the user (``window/showMessage``, progress, ``poe/jobEnded``, hovers, the
command line's stderr, every log line) passes :func:`redact`. It replaces the API keys the
settings named (also JSON-escaped and URL-quoted), any ``Bearer <token>`` and the value of
any ``Authorization: <value>`` echo. :func:`bounded` makes a one-line, control-character-free,
capped version of a text a server or bot sent.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
MIN_SECRET = 4
"""Shorter secrets are not redacted (they would blot out ordinary words)."""

_BEARER = re.compile(
    r"(?i)\b(bearer)(\s+|%20|\+)(?=[A-Za-z]*[0-9\-._~+/=]|[A-Za-z]{8})[A-Za-z0-9\-._~+/]+=*"
)
"""A bearer token: one that looks like a token (a digit or punctuation, or 8 letters), so
that "bearer of bad news" stays."""
_AUTHORIZATION = re.compile(
    r"(?i)\b((?:proxy-)?authorization(?:[\\\"']*\s*[:=]\s*|[\\\"'],\s*b?)[\\\"']*)"
    r"(?!bearer\b)(?!\[REDACTED\])(?:(?:basic|token|key)\s+)?[^\s\\\"',;)}\]]+"
)
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def add_secret(secret: str) -> None:
    """Redact ``secret`` (and its escaped forms) from everything shown or logged from now on."""
    global _pattern
    if len(secret) < MIN_SECRET or secret in _secrets:
        return
    with _lock:
        _secrets.add(secret)
        forms = {form for s in _secrets for form in _forms(s) if len(form) >= MIN_SECRET}
        ordered = sorted(forms, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(form) for form in ordered))


def _forms(secret: str) -> set[str]:
    """How ``secret`` may look when a server echoes it: as is, JSON-escaped, URL-quoted."""
    escaped = json.dumps(secret)[1:-1]
    quoted = quote(secret, safe="")
    return {
        secret,
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quoted,
        quoted.lower(),
        quote_plus(secret, safe=""),
        repr(secret)[1:-1],
    }


def redact(text: str) -> str:
    """Return ``text`` with every known secret, bearer token and authorization value replaced."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
    if "uthorization" in text or "UTHORIZATION" in text:
        text = _AUTHORIZATION.sub(lambda m: f"{m[1]}{REDACTED}", text)
    return text


def redact_keys(text: str) -> str:
    """Return ``text`` with only the known secrets replaced.

    For text that becomes the user's code (a streamed answer): the token patterns of
    :func:`redact` would also blot out code such as ``"Authorization": f"Bearer {token}"``.
    """
    pattern = _pattern
    return pattern.sub(REDACTED, text) if pattern is not None else text


def bounded(text: str, limit: int = 300) -> str:
    """``text`` on one line: whitespace collapsed, control characters removed, at most ``limit``.

    Redacted before it is cut, so a cut never leaves part of a secret behind. A cut text ends
    with ``…``.
    """
    text = redact(text)[: limit * 4 + 4096]
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
    )
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def capped(text: str, limit: int, what: str = "text") -> str:
    """``text`` cut to ``limit`` characters, with a note saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n\n*(the {what} was cut here: {len(text) - limit:,} more characters)*"


def shown(message: str, limit: int = 2_000) -> str:
    """A message as the user sees it (a notification, a progress line): redacted, bounded."""
    return bounded(message, limit)
