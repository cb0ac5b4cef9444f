"""The user's Poe point balance, from Poe's usage API (``GET /usage/current_balance``).

A plain httpx request, apart from the bot streams: it costs no points, and nothing waits
for it but the command that asked. Failures become :class:`~poe_lsp.poe.PoeError` with a
message for the user; the key is sent only in the ``Authorization`` header and appears in
no message and no exception chain.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import httpx

from poe_lsp.messages import EDITOR, Wording
from poe_lsp.poe import PoeError
from poe_lsp.poe.ratelimit import parse_retry_after

BALANCE_PATH = "usage/current_balance"
"""The usage endpoint, relative to the API host."""


def usage_base_url(base_url: str, override: str | None = None) -> str:
    """The API host the usage endpoint lives on, ending with ``/``.

    ``override`` wins when given. Otherwise the bot ``baseUrl`` keeps its scheme, host and
    port and loses its path and any credentials: ``https://api.poe.com/bot/`` gives
    ``https://api.poe.com/``.
    """
    if override:
        return override if override.endswith("/") else override + "/"
    parts = urlsplit(base_url)
    host = parts.netloc.rpartition("@")[2]
    if not parts.scheme or not host:
        raise ValueError(f"not an absolute URL: {base_url!r}")
    return f"{parts.scheme}://{host}/"


async def fetch_balance(
    session: httpx.AsyncClient,
    api_key: str,
    base: str,
    timeout: float = 5.0,
    *,
    wording: Wording = EDITOR,
) -> int:
    """The current point balance of the key's account, as Poe reports it.

    ``base`` is the API host (see :func:`usage_base_url`). ``timeout`` bounds the whole
    request. Works with a ``session`` that raises ``httpx.HTTPStatusError`` from a response
    hook as well as with one that returns every status.
    """
    if not api_key:
        raise PoeError(
            "auth", f"Poe needs your API key to show your point balance. {wording.key_help}"
        )
    host = urlsplit(base).netloc.rpartition("@")[2] or base
    try:
        async with asyncio.timeout(timeout):
            response = await session.get(
                base + BALANCE_PATH,
                headers={"Authorization": f"Bearer {api_key}"},
                timeout=timeout,
            )
    except httpx.HTTPStatusError as exc:
        response = exc.response
    except (TimeoutError, httpx.TimeoutException):
        raise PoeError(
            "timeout",
            f"Poe did not tell your point balance within {timeout:g} s; try again later.",
            retryable=True,
        ) from None
    except (UnicodeError, httpx.LocalProtocolError):
        # The message of these errors can quote the header, key included.
        raise PoeError(
            "auth",
            "The API key has characters that cannot be sent; copy it again from "
            f"https://poe.com/api_key. {wording.key_help}",
        ) from None
    except httpx.HTTPError as exc:
        raise PoeError(
            "network",
            f"Could not reach {host} for your point balance ({type(exc).__name__}); "
            f"check your connection and {wording.setting('poe.baseUrl')}.",
            retryable=True,
        ) from None
    return _balance(response, api_key, host, wording)


def _balance(response: httpx.Response, api_key: str, host: str, wording: Wording) -> int:
    """The balance in a response, or the :class:`PoeError` that says why there is none."""
    status = response.status_code
    said = _said(response, api_key)
    if status in (401, 403):
        raise PoeError(
            "auth",
            f"Poe refused the API key when asked for your point balance (HTTP {status}).{said} "
            + wording.key_help,
            status=status,
        )
    if status == 429:
        raise PoeError(
            "rate_limit",
            f"Poe's rate limit was reached (HTTP 429).{said} Wait a moment and try again.",
            status=status,
            retryable=True,
            retry_after=parse_retry_after(response.headers.get("retry-after", "")),
        )
    if status != 200:
        base_url = wording.setting("poe.baseUrl")
        hint = f" Is {base_url} a Poe server?" if status == 404 else " Try again later."
        raise PoeError(
            "server",
            f"{host} answered HTTP {status} when asked for your point balance.{said}{hint}",
            status=status,
            retryable=status >= 500,
        )
    body: object = None
    with contextlib.suppress(ValueError):
        body = response.json()
    points = body.get("current_point_balance") if isinstance(body, dict) else None
    if isinstance(points, float) and points.is_integer():
        points = int(points)
    if not isinstance(points, int) or isinstance(points, bool):
        raise PoeError(
            "server",
            f"{host} answered the balance request without a point count; try again later.",
            status=status,
        )
    return points


def _said(response: httpx.Response, api_key: str) -> str:
    """What the server said about a failure, briefly, with the key blotted out."""
    text = ""
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            error = body.get("error")
            detail = error.get("message") if isinstance(error, dict) else body.get("detail")
            text = str(detail or "")
    if not text:
        with contextlib.suppress(ValueError):
            text = response.text
    text = " ".join(text.replace(api_key, "<key>").split())[:200]
    return f' Poe said: "{text}".' if text else ""
