"""The fake Poe server's points history: ``GET /usage/points_history`` (see :mod:`tests.fakepoe`).

Poe's shape, newest first: ``{"data": [{"creation_time": <microseconds>, "bot_name",
"query_id", "usage_type": "API"|"Chat"|"Canvas App", "cost_points"}], "has_more": bool}``,
at most ``limit`` entries (1 to 100, default 20) after the ``starting_after`` query id.
Until something is scripted (:meth:`History.set_cost`, :meth:`History.add`,
:meth:`History.serve`) it answers 404, like a server without the usage API.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

HISTORY_PATH = "usage/points_history"


@dataclass(frozen=True)
class HistoryRequest:
    """One ``GET /usage/points_history`` received."""

    authorization: str | None
    limit: str | None
    starting_after: str | None
    received_at: float


class History:
    """Scripted entries, costs added when queries finish, failures; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._entries: list[dict[str, Any]] = []
        self._costs: dict[str, int] = {}
        self._served = False
        self._status: int | None = None
        self._delay = 0.0
        self._requests: list[HistoryRequest] = []

    def clear(self) -> None:
        """Forget the entries, costs and failures (404 again) and the requests."""
        with self._lock:
            self._entries.clear()
            self._costs.clear()
            self._served = False
            self._status, self._delay = None, 0.0
            self._requests.clear()

    def serve(self) -> None:
        """Answer (an empty history at first) instead of 404."""
        with self._lock:
            self._served = True

    def set_cost(self, bot: str, points: int) -> None:
        """From now on, every query to ``bot`` whose answer is complete adds an ``API``
        entry of ``points``, created when the answer ended, with a fresh query id."""
        with self._lock:
            self._served = True
            self._costs[bot] = points

    def add(
        self,
        bot: str,
        points: int,
        usage_type: str = "API",
        created: float | None = None,
        query_id: str | None = None,
    ) -> str:
        """Add one entry (``created``: seconds since the epoch, default now); return its id."""
        with self._lock:
            self._served = True
            return self._add(bot, points, usage_type, created, query_id)

    def fail(self, status: int | None = None, delay: float = 0.0) -> None:
        """Answer every request with HTTP ``status`` (``None``: normally) after ``delay`` s."""
        with self._lock:
            self._served = True
            self._status, self._delay = status, delay

    def finished(self, bot: str) -> None:
        """A query to ``bot`` was answered: add its cost, if one is set."""
        with self._lock:
            if bot in self._costs:
                self._add(bot, self._costs[bot], "API", None, None)

    @property
    def entries(self) -> list[dict[str, Any]]:
        """Every entry, newest first, as served."""
        with self._lock:
            return self._sorted()

    @property
    def requests(self) -> list[HistoryRequest]:
        """Every history request received, in order."""
        with self._lock:
            return list(self._requests)

    async def respond(
        self, scope: Scope, receive: Receive, send: Send, authorization: str | None
    ) -> None:
        """Answer one ``GET /usage/points_history``."""
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        limit, after = query.get("limit", [None])[0], query.get("starting_after", [None])[0]
        with self._lock:
            self._requests.append(HistoryRequest(authorization, limit, after, time.monotonic()))
            served, status, delay = self._served, self._status, self._delay
            entries = self._sorted()
        if delay > 0:
            await asyncio.sleep(delay)
        scheme, _, key = (authorization or "").partition(" ")
        if served and status is None and (scheme.lower() != "bearer" or not key):
            status = 401
        if not served or status is not None:
            code = status or 404
            body = {"error": {"message": "fake", "type": "fake_history_error", "code": code}}
            await JSONResponse(body, status_code=code)(scope, receive, send)
            return
        size = int(limit) if limit and limit.isdigit() else 20
        size = max(1, min(size, 100))
        if after is not None:
            ids = [e["query_id"] for e in entries]
            entries = entries[ids.index(after) + 1 :] if after in ids else []
        data = entries[:size]
        page = {"data": data, "has_more": len(entries) > size, "length": len(data)}
        await JSONResponse(page)(scope, receive, send)

    def _add(
        self,
        bot: str,
        points: int,
        usage_type: str,
        created: float | None,
        query_id: str | None,
    ) -> str:
        query_id = query_id or f"fake-query-{next(self._ids)}"
        when = time.time() if created is None else created
        self._entries.append(
            {
                "creation_time": int(when * 1_000_000),
                "bot_name": bot,
                "query_id": query_id,
                "usage_type": usage_type,
                "cost_points": points,
            }
        )
        return query_id

    def _sorted(self) -> list[dict[str, Any]]:
        return sorted(self._entries, key=lambda e: e["creation_time"], reverse=True)
