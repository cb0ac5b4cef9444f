"""The boundary to Poe: what the rest of poe-lsp knows of bots, answers and failures.

Only :mod:`poe_lsp.poe.fastapi_client` imports ``fastapi_poe``; everything else talks to a
:class:`PoeClient`, so unit tests can use a fake one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from poe_lsp.poe.catalogue import Bot
    from poe_lsp.poe.history import Spend

Role = Literal["system", "user", "bot"]


@dataclass(frozen=True)
class Message:
    """One message of the conversation sent to a bot."""

    role: Role
    content: str


@dataclass(frozen=True)
class BotQuery:
    """Everything one request to a bot needs. ``api_key`` is never logged or shown."""

    bot: str
    messages: tuple[Message, ...]
    api_key: str = field(repr=False)
    base_url: str
    rate_limit: int
    """Requests allowed for this key per ``rate_window`` seconds, shared by every job
    (``rateLimit`` / ``rateLimitWindow`` in the settings, which declare the defaults)."""
    rate_window: float
    on_wait: Callable[[float], None] | None = field(default=None, compare=False, repr=False)
    """Called with the seconds a request must wait for the rate limit, before it waits."""


@dataclass(frozen=True)
class AnswerChunk:
    """A piece of answer text; ``replace`` means it replaces everything received so far.

    A ``suggested`` chunk is not answer text: it is one reply the bot suggests the user
    could send next (a whole one per chunk)."""

    text: str
    replace: bool = False
    suggested: bool = False


ErrorKind = Literal[
    "auth",
    "points",
    "unknown_bot",
    "rate_limit",
    "server",
    "timeout",
    "network",
    "too_long",
    "bot",
]


class PoeError(Exception):
    """A failed bot request, with a message for the user that says what to do next."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class PoeClient(Protocol):
    """Streams answers from Poe bots."""

    def stream(self, query: BotQuery) -> AsyncIterator[AnswerChunk]:
        """Yield the answer's text chunks as they arrive; raise :class:`PoeError` on failure.

        Closing the iterator (or cancelling its consumer) closes the HTTP stream.
        """
        ...

    async def balance(self, api_key: str, usage_url: str) -> int:
        """Return the key's point balance from Poe's usage API at ``usage_url``."""
        ...

    async def history(
        self, api_key: str, usage_url: str, *, since: float | None = None, limit: int = 20
    ) -> list[Spend]:
        """Return the key's newest points history entries from Poe's usage API at
        ``usage_url``, newest first: ``limit`` of them, or with ``since`` (seconds since the
        epoch) every entry created since then (as far as the pages read go)."""
        ...

    async def models(self, api_base: str) -> list[Bot]:
        """Return the bot catalogue from ``api_base`` (no key is sent)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
