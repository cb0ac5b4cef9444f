"""What the key's points were spent on, from Poe's usage API (``GET /usage/points_history``).

Poe lists its entries newest first, at most 100 a page, with ``has_more`` and a
``starting_after`` cursor (the ``query_id`` of the last entry read). The request goes to the
same API host as the balance (:func:`~poe_lsp.poe.usage.usage_base_url`), with the key in the
``Authorization`` header only; what comes back is read defensively: entries that are not of
Poe's shape are skipped, strings and numbers are capped, and so are the pages read.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from poe_lsp.messages import EDITOR, Wording
from poe_lsp.poe import PoeError
from poe_lsp.poe.usage import get_json, host_of

HISTORY_PATH = "usage/points_history"
"""The history endpoint, relative to the API host."""
PAGE = 100
"""Entries Poe returns at most per request."""
MAX_PAGES = 10
"""Pages read at most for one question (1,000 entries)."""
MAX_NAME = 200
"""Characters kept of a bot name or a query id."""
MAX_POINTS = 10**9
"""A larger cost for one query is taken for garbage."""
USAGE_TYPES = ("API", "Chat", "Canvas App")


@dataclass(frozen=True)
class Spend:
    """One entry of the history: what one query cost."""

    query_id: str
    bot: str
    usage_type: str
    """``"API"`` (a key's requests, poe-lsp's among them), ``"Chat"`` or ``"Canvas App"``."""
    points: int
    created: float
    """When the query was created, in seconds since the epoch (Poe gives microseconds)."""


@dataclass(frozen=True)
class Page:
    """One page of the history, newest first."""

    entries: tuple[Spend, ...]
    has_more: bool


def parse_page(body: object) -> Page:
    """Read one page; raise ``ValueError`` when it is not of Poe's shape at all."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ValueError("no data list")
    entries = tuple(
        spend for spend in (parse_entry(item) for item in body["data"][:PAGE]) if spend is not None
    )
    return Page(entries, body.get("has_more") is True)


def parse_entry(item: object) -> Spend | None:
    """One entry, or ``None`` when it lacks a field or holds nonsense."""
    if not isinstance(item, dict):
        return None
    query_id, bot = item.get("query_id"), item.get("bot_name")
    usage_type, points, created = (
        item.get("usage_type"),
        item.get("cost_points"),
        item.get("creation_time"),
    )
    if not isinstance(query_id, str) or not query_id or not isinstance(bot, str) or not bot:
        return None
    if usage_type not in USAGE_TYPES:
        return None
    if isinstance(points, float) and points.is_integer():
        points = int(points)
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= MAX_POINTS:
        return None
    if isinstance(created, bool) or not isinstance(created, int | float):
        return None
    seconds = float(created) / 1_000_000
    if not math.isfinite(seconds) or not 0 < seconds < 10**11:
        return None
    return Spend(query_id[:MAX_NAME], bot[:MAX_NAME], str(usage_type), points, seconds)


async def fetch_history(
    session: httpx.AsyncClient,
    api_key: str,
    base: str,
    *,
    until: Callable[[Spend], bool] | None = None,
    limit: int = 20,
    timeout: float = 5.0,
    wording: Wording = EDITOR,
    pages: int = MAX_PAGES,
    before_request: Callable[[], Awaitable[None]] | None = None,
) -> list[Spend]:
    """The newest entries, newest first: one page of ``limit``, or, with ``until``, pages of
    :data:`PAGE` until an entry satisfies ``until`` (it is left out), there are no more, or
    ``pages`` were read. ``timeout`` bounds each request; ``before_request`` is awaited
    before each (the rate limiter)."""
    found: list[Spend] = []
    cursor: str | None = None
    size = PAGE if until is not None else max(1, min(limit, PAGE))
    for _ in range(max(1, pages)):
        params: dict[str, str | int] = {"limit": size}
        if cursor is not None:
            params["starting_after"] = cursor
        if before_request is not None:
            await before_request()
        body = await get_json(
            session,
            api_key,
            base,
            HISTORY_PATH,
            "your points history",
            timeout,
            params=params,
            wording=wording,
        )
        try:
            page = parse_page(body)
        except ValueError:
            raise PoeError(
                "server",
                f"{host_of(base)} answered the points history request with no entry list; "
                "try again later.",
                status=200,
            ) from None
        for spend in page.entries:
            if until is not None and until(spend):
                return found
            found.append(spend)
        if until is None or not page.has_more or not page.entries:
            return found
        cursor = page.entries[-1].query_id
    return found
