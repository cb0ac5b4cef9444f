"""The one module that imports ``fastapi_poe``: a :class:`~poe_lsp.poe.PoeClient` on top of it.

Importing this module costs most of a second (fastapi_poe pulls in fastapi and uvicorn), so
the server imports it lazily, off the path to answering ``initialize``.

What it works around (listed in ``docs/architecture.md``): fastapi_poe's own retry
re-streams from the start after a mid-stream drop, so it runs with ``num_tries=1`` and this
module retries, only before the first chunk; fastapi_poe prints failures to stdout unless
given ``on_error``; it reports every HTTP status as the same ``BotError``, so a response
hook keeps the status.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import ipaddress
import json
import logging
import math
import random
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import fastapi_poe as fp
import httpx

from poe_lsp.messages import EDITOR, Wording, bot_names
from poe_lsp.poe import AnswerChunk, BotQuery, PoeError
from poe_lsp.poe.catalogue import Bot, fetch_models
from poe_lsp.poe.history import Spend, fetch_history
from poe_lsp.poe.ratelimit import WaitTooLong, fingerprint, limiter_for
from poe_lsp.poe.usage import fetch_balance
from poe_lsp.redaction import bounded, redact

ERROR_TEXT_LIMIT = 300
"""Characters of what a server or bot said about a failure that a message quotes."""
HISTORY_WAIT = 5.0
"""Seconds a points history request may wait for a rate limit Poe asked for."""
_NO_PROXY = {"http://": None, "https://": None, "all://": None}

log = logging.getLogger(__name__)

_NO_DONE = "without sending 'done'"
_unfinished: contextvars.ContextVar[bool] = contextvars.ContextVar("poe_unfinished", default=False)
"""Set when fastapi_poe reports (to the bot) that the stream ended without ``done``: it
raises nothing then, so its ``on_error`` callback, called before that report is posted, is how
we learn of it. The report itself may still fail (a slow bot server times it out): the answer
was cut off all the same."""


class FastapiPoeClient:
    """Streams bot answers through ``fastapi_poe.stream_request`` on one shared HTTP client."""

    def __init__(
        self,
        *,
        read_timeout: float,
        connect_timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        wording: Wording = EDITOR,
    ) -> None:
        """``read_timeout``: the ``readTimeout`` setting (declared there with its default);
        ``wording``: how the failures name the settings (the editors', the terminal's)."""
        self._wording = wording
        self._timeout = httpx.Timeout(connect_timeout, read=read_timeout)
        self._read_timeout = read_timeout
        self._retries = retries
        self._backoff = backoff
        self._sessions: dict[bool, httpx.AsyncClient] = {}

    def _client(self, url: str) -> httpx.AsyncClient:
        """The shared HTTP client for ``url``: for a loopback host, one that uses no proxy.

        A proxy from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``) would
        see a plain-http loopback request, key included; explicit mounts win over them.
        """
        direct = is_loopback(url)
        session = self._sessions.get(direct)
        if session is None or session.is_closed:
            session = self._sessions[direct] = httpx.AsyncClient(
                timeout=self._timeout,
                event_hooks={
                    "response": [_observe_limits, _raise_for_status],
                },
                mounts=_NO_PROXY if direct else None,
            )
        return session

    async def stream(self, query: BotQuery) -> AsyncIterator[AnswerChunk]:
        """Yield the answer; retry transient failures that happen before the first chunk."""
        limiter = limiter_for(fingerprint(query.api_key), query.rate_limit, query.rate_window)
        attempt = 0
        while True:
            try:
                await limiter.acquire(query.on_wait, max_hint=self._read_timeout)
            except WaitTooLong as exc:
                raise _too_long_a_wait(exc.seconds, self._read_timeout, self._wording) from None
            started = False
            try:
                async for chunk in self._stream_once(query):
                    started = True
                    yield chunk
                return
            except PoeError as exc:
                if started or not exc.retryable or attempt >= self._retries:
                    raise
                if limiter.retry_delay() > 0:
                    delay = 0.0  # the limiter knows Poe's own hint and will wait for it
                else:
                    delay = exc.retry_after or self._backoff * (2**attempt)
                    delay *= 0.75 + random.random() / 2
                log.info(
                    "%s failed before answering (%s); retrying in %.1fs", query.bot, exc.kind, delay
                )
            attempt += 1
            await asyncio.sleep(delay)

    async def _stream_once(self, query: BotQuery) -> AsyncIterator[AnswerChunk]:
        request = _Request(
            query=[fp.ProtocolMessage(role=m.role, content=m.content) for m in query.messages],
            user_id="",
            conversation_id="",
            message_id="",
            version="1.2",
            type="query",
        )
        stream = fp.stream_request(
            request,
            query.bot,
            query.api_key,
            session=self._client(query.base_url),
            num_tries=1,
            on_error=_log_bot_error,
            base_url=query.base_url,
        )
        _unfinished.set(False)
        try:
            async with contextlib.aclosing(stream):
                async for message in stream:
                    if isinstance(message, fp.MetaResponse):
                        continue
                    if message.is_suggested_reply:
                        if message.text.strip():
                            yield AnswerChunk(message.text, suggested=True)
                        continue
                    if message.text or message.is_replace_response:
                        yield AnswerChunk(message.text, message.is_replace_response)
        except fp.BotError as exc:
            if not _unfinished.get():
                raise describe_failure(exc, query.bot, self._wording) from None
        if _unfinished.get():
            raise PoeError(
                "network",
                f"{query.bot}'s answer was cut off (the stream ended before it was complete); "
                "try again.",
            )

    async def balance(self, api_key: str, usage_url: str) -> int:
        """Return the key's point balance from Poe's usage API at ``usage_url``."""
        return await fetch_balance(
            self._client(usage_url), api_key, usage_url, wording=self._wording
        )

    async def history(
        self, api_key: str, usage_url: str, *, since: float | None = None, limit: int = 20
    ) -> list[Spend]:
        """Return the key's newest points history entries; each request waits its turn in
        the key's rate limiter, and gives up if Poe asked to wait more than a few seconds."""
        limiter = limiter_for(fingerprint(api_key))

        async def turn() -> None:
            try:
                await limiter.acquire(max_hint=HISTORY_WAIT)
            except WaitTooLong as exc:
                raise PoeError(
                    "rate_limit",
                    f"Poe's rate limit was reached: Poe asked to wait {wait_words(exc.seconds)}.",
                    retry_after=exc.seconds,
                ) from None

        return await fetch_history(
            self._client(usage_url),
            api_key,
            usage_url,
            until=None if since is None else (lambda spend: spend.created < since),
            limit=limit,
            wording=self._wording,
            before_request=turn,
        )

    async def models(self, api_base: str) -> list[Bot]:
        """Return the bot catalogue from ``api_base``; no key is sent."""
        return await fetch_models(self._client(api_base), api_base)

    async def aclose(self) -> None:
        """Close the shared HTTP clients."""
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.aclose()


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    try:
        host = httpx.URL(url).host.lower().rstrip(".")
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _too_long_a_wait(seconds: float, read_timeout: float, wording: Wording) -> PoeError:
    """The failure of a job Poe asked to wait longer than ``poe.readTimeout``."""
    until = time.strftime("%H:%M", time.localtime(time.time() + seconds))
    return PoeError(
        "rate_limit",
        f"Poe's rate limit was reached: Poe asked to wait {wait_words(seconds)} before the "
        f"next request with this key, longer than {wording.setting('poe.readTimeout')} "
        f"({read_timeout:g} s). "
        f"Try again after {until}.",
        retry_after=seconds,
    )


def wait_words(seconds: float) -> str:
    """A wait as people say it: ``45 s``, ``60 min``, ``2.5 h``."""
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class _Request(fp.QueryRequest):
    """A query whose ``repr`` is short.

    fastapi_poe puts ``repr(request)`` into every chunk it yields (``full_prompt``, unused
    here): the whole prompt, formatted by pydantic for each chunk, ~100 µs for a small one.
    """

    def __repr__(self) -> str:
        return f"QueryRequest({len(self.query)} messages)"


async def _observe_limits(response: httpx.Response) -> None:
    """Feed each response's rate-limit hints to the limiter of the key that made it."""
    scheme, _, key = response.request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key:
        limiter_for(fingerprint(key)).observe(response.headers, response.status_code)


async def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        await response.aread()
        response.raise_for_status()


def _log_bot_error(exc: Exception, message: str) -> None:
    if _NO_DONE in str(exc):
        _unfinished.set(True)
    log.warning("%s: %s", bounded(message, ERROR_TEXT_LIMIT), type(exc).__name__)


def describe_failure(exc: fp.BotError, bot: str, wording: Wording = EDITOR) -> PoeError:
    """Map a fastapi_poe failure to a :class:`PoeError` whose message says what to do."""
    cause = exc.__cause__
    if isinstance(cause, httpx.HTTPStatusError):
        return _from_status(cause.response, bot, wording)
    if isinstance(cause, httpx.TimeoutException):
        return PoeError(
            "timeout",
            f"{bot} stopped sending for too long; try again, or raise "
            f"{wording.setting('poe.readTimeout')}.",
            retryable=isinstance(cause, httpx.ConnectTimeout),
        )
    if isinstance(cause, httpx.RemoteProtocolError):
        return PoeError(
            "network",
            f"The connection to Poe broke while {bot} was answering; try again.",
            retryable=True,
        )
    if isinstance(cause, httpx.HTTPError):
        return PoeError(
            "network",
            f"Could not reach Poe ({type(cause).__name__}); check your connection and "
            f"{wording.setting('poe.baseUrl')}.",
            retryable=True,
        )
    return _from_error_event(str(exc), bot, retryable=not isinstance(exc, fp.BotErrorNoRetry))


def _from_status(response: httpx.Response, bot: str, wording: Wording) -> PoeError:
    status = response.status_code
    said = _said(response)
    if status in (401, 403):
        return PoeError(
            "auth",
            f"Poe refused the API key (HTTP {status}).{said} {wording.key_help}",
            status=status,
        )
    if status == 402:
        return PoeError(
            "points",
            f"Your Poe account is out of points (HTTP 402).{said} "
            "See your balance at https://poe.com/settings.",
            status=status,
        )
    if status == 404:
        return PoeError(
            "unknown_bot",
            f"Poe has no bot named '{bot}' (HTTP 404).{said} "
            f"Check the bot name in {bot_names(wording)}.",
            status=status,
        )
    if status == 429:
        retry_after = _seconds(response.headers.get("retry-after"))
        wait = f"Poe asks to wait {wait_words(retry_after)}" if retry_after else "Wait a moment"
        return PoeError(
            "rate_limit",
            f"Poe's rate limit was reached (HTTP 429).{said} {wait} and try again.",
            status=status,
            retryable=True,
            retry_after=retry_after,
        )
    return PoeError(
        "server" if status >= 500 else "bot",
        f"Poe answered HTTP {status} for {bot}.{said}",
        status=status,
        retryable=status >= 500,
    )


def _from_error_event(raw: str, bot: str, *, retryable: bool) -> PoeError:
    data: dict[str, Any] = {}
    if raw.startswith("{"):
        with contextlib.suppress(ValueError):
            data = json.loads(raw)
    text = bounded(str(data.get("text") or raw), ERROR_TEXT_LIMIT) or "no details"
    error_type = data.get("error_type")
    retryable = bool(data.get("allow_retry", retryable))
    if error_type == "insufficient_fund":
        return PoeError(
            "points",
            f'Your Poe account is out of points: "{text}". '
            "See your balance at https://poe.com/settings.",
        )
    if error_type == "user_message_too_long":
        return PoeError(
            "too_long", f'{bot} says the request is too long: "{text}". Select less code.'
        )
    if "rate limit" in text.lower():
        return PoeError(
            "rate_limit",
            f'Poe\'s rate limit was reached: "{text}". Wait a moment and try again.',
            retryable=True,
        )
    return PoeError("bot", f'{bot} answered with an error: "{text}"', retryable=retryable)


def _said(response: httpx.Response) -> str:
    text = ""
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            error = body.get("error")
            text = (
                str(error.get("message", ""))
                if isinstance(error, dict)
                else str(body.get("detail") or "")
            )
    if not text:
        with contextlib.suppress(ValueError):
            text = _page_text(response)
    text = bounded(text, ERROR_TEXT_LIMIT)
    return f' Poe said: "{text}".' if text else ""


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)


def _page_text(response: httpx.Response) -> str:
    """The body of a failed response as text: an HTML page without its tags."""
    text = redact(response.text)[: ERROR_TEXT_LIMIT * 40]  # redacted before it is cut
    if "html" in response.headers.get("content-type", "") or text.lstrip().startswith("<"):
        text = html.unescape(_TAG.sub(" ", text))
    return text


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
