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
    body = await get_json(
        session, api_key, base, BALANCE_PATH, "your point balance", timeout, wording=wording
    )
    points = body.get("current_point_balance") if isinstance(body, dict) else None
    if isinstance(points, float) and points.is_integer():
        points = int(points)
    if not isinstance(points, int) or isinstance(points, bool):
        raise PoeError(
            "server",
            f"{host_of(base)} answered the balance request without a point count; try again later.",
            status=200,
        )
    return points


def host_of(base: str) -> str:
    """The host (and port) of ``base``, without credentials, as messages name it."""
    return urlsplit(base).netloc.rpartition("@")[2] or base


async def get_json(
    session: httpx.AsyncClient,
    api_key: str,
    base: str,
    path: str,
    what: str,
    timeout: float = 5.0,
    *,
    params: dict[str, str | int] | None = None,
    wording: Wording = EDITOR,
) -> object:
    """GET ``base + path`` with the key; return the JSON body of a 200 (``None`` if it is not
    JSON) or raise the :class:`PoeError` that says, about ``what`` ("your point balance"),
    why there is none. The key goes only in the ``Authorization`` header."""
    if not api_key:
        raise PoeError("auth", f"Poe needs your API key to show {what}. {wording.key_help}")
    host = host_of(base)
    try:
        async with asyncio.timeout(timeout):
            response = await session.get(
                base + path,
                params=params,
                headers={"Authorization": f"Bearer {api_key}"},
                timeout=timeout,
            )
    except httpx.HTTPStatusError as exc:
        response = exc.response
    except (TimeoutError, httpx.TimeoutException):
        raise PoeError(
            "timeout",
            f"Poe did not tell {what} within {timeout:g} s; try again later.",
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
            f"Could not reach {host} for {what} ({type(exc).__name__}); "
            f"check your connection and {wording.setting('poe.baseUrl')}.",
            retryable=True,
        ) from None
    _check(response, api_key, host, what, wording)
    body: object = None
    with contextlib.suppress(ValueError):
        body = response.json()
    return body


def _check(response: httpx.Response, api_key: str, host: str, what: str, wording: Wording) -> None:
    """Raise the :class:`PoeError` a response that is not a 200 means."""
    status = response.status_code
    if status == 200:
        return
    said = _said(response, api_key)
    if status in (401, 403):
        raise PoeError(
            "auth",
            f"Poe refused the API key when asked for {what} (HTTP {status}).{said} "
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
    base_url = wording.setting("poe.baseUrl")
    hint = f" Is {base_url} a Poe server?" if status == 404 else " Try again later."
    raise PoeError(
        "server",
        f"{host} answered HTTP {status} when asked for {what}.{said}{hint}",
        status=status,
        retryable=status >= 500,
    )


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
