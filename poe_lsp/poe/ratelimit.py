"""Client-side throttling of requests to Poe, shared by every job that uses the same key.

Poe allows 500 requests per minute per user and answers HTTP 429 beyond that. A
:class:`RateLimiter` keeps poe-lsp under that limit with a sliding window, queues waiters
first come first served, and honours what the server says (``Retry-After`` and the
``x-ratelimit-*-requests`` headers). Pure asyncio; no HTTP library is imported here.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime

LIMIT = 500
"""Requests Poe allows per user in one window."""

WINDOW = 60.0
"""The length of Poe's window, in seconds."""

MAX_HINT = 3600.0
"""Longer waits asked for by a header are taken for garbage (an epoch time, say) and ignored."""

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(ms|h|m|s)")
_DURATION = re.compile(rf"(?:{_DURATION_PART.pattern})+")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str) -> float | None:
    """Seconds in ``value``: ``"20"``, ``"1.5"``, ``"1s"``, ``"250ms"``, ``"1m30s"``, ``"2h"``.

    Returns None for anything else, for negative values and for waits over :data:`MAX_HINT`.
    """
    text = value.strip().lower()
    try:
        seconds = float(text)
    except ValueError:
        if not _DURATION.fullmatch(text):
            return None
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_HINT else None


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay seconds or an HTTP date.

    ``now`` is the wall-clock time (``time.time()``) the date is measured from. A date in
    the past means 0. Returns None for garbage and for waits over :data:`MAX_HINT`.
    """
    seconds = parse_duration(value)
    if seconds is not None:
        return seconds
    try:
        date = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    delay = date.timestamp() - (time.time() if now is None else now)
    return max(0.0, delay) if delay <= MAX_HINT else None


class WaitTooLong(Exception):
    """The server asked for a longer wait than the caller would accept."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the server asked to wait {seconds:.0f} s")
        self.seconds = seconds


class RateLimiter:
    """At most ``limit`` acquisitions in any ``window`` seconds, plus the server's own hints.

    Waiters are served in the order they called :meth:`acquire`. ``clock`` and ``sleep`` are
    the monotonic time source and the sleeping function (tests pass fakes). Use from one event
    loop at a time.
    """

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._blocked_until = -math.inf
        self._waiters: deque[asyncio.Event] = deque()

    async def acquire(
        self, on_wait: Callable[[float], None] | None = None, *, max_hint: float | None = None
    ) -> None:
        """Wait for a free slot and take it.

        If that means waiting, ``on_wait`` is called with the expected wait in seconds before
        the first sleep, and again whenever a server hint makes the wait longer. If the
        server's hints (not the window) would make it wait more than ``max_hint`` seconds,
        raise :class:`WaitTooLong` at once, also for a waiter already waiting when the hint
        arrives. A waiter that is cancelled or gives up takes no slot and lets the waiters
        behind it move up.
        """
        wake = asyncio.Event()
        self._waiters.append(wake)
        try:
            await self._wait_turn(wake, on_wait, max_hint)
            self._stamps.append(self._clock())
        finally:
            self._waiters.remove(wake)
            for other in self._waiters:
                other.set()

    def observe(self, headers: Mapping[str, str], status: int | None) -> None:
        """Take a response's hints into account; values that make no sense are ignored.

        ``Retry-After`` on a 429 or 503 blocks every acquisition until then. So does
        ``x-ratelimit-reset-requests`` when ``x-ratelimit-remaining-requests`` is 0, or on a
        429. ``status`` is None when unknown: then only the ``x-ratelimit-*`` headers count.
        """
        lower = {name.lower(): value for name, value in headers.items()}
        delays: list[float | None] = []
        if status in (429, 503) and "retry-after" in lower:
            delays.append(parse_retry_after(lower["retry-after"]))
        reset = lower.get("x-ratelimit-reset-requests")
        exhausted = _is_zero(lower.get("x-ratelimit-remaining-requests"))
        if reset is not None and (status == 429 or exhausted):
            delays.append(parse_duration(reset))
        blocked = self._blocked_until
        for delay in delays:
            if delay is not None:
                self._blocked_until = max(self._blocked_until, self._clock() + delay)
        if self._blocked_until > blocked:
            for waiter in self._waiters:
                waiter.set()  # each rechecks its wait (and may give up)

    def retry_delay(self) -> float:
        """Seconds an :meth:`acquire` called now would wait if nothing changed (0 for none)."""
        now = self._clock()
        self._forget(now)
        return max(0.0, self._ready_times(now, len(self._waiters) + 1)[-1] - now)

    async def _wait_turn(
        self,
        wake: asyncio.Event,
        on_wait: Callable[[float], None] | None,
        max_hint: float | None,
    ) -> None:
        """Sleep until ``wake`` heads the queue and a slot is free; recheck on every change."""
        told: float | None = None
        while True:
            now = self._clock()
            self._forget(now)
            if max_hint is not None and self._blocked_until - now > max_hint:
                raise WaitTooLong(self._blocked_until - now)
            place = self._waiters.index(wake)
            ready = self._ready_times(now, place + 1)[place]
            if ready <= now and place == 0:
                return
            if ready > now and on_wait is not None and (told is None or ready > told + 1.0):
                on_wait(ready - now)
                told = ready
            # A waiter that is ready but not first waits for the ones ahead to take their slots.
            await self._nap(wake, ready - now if ready > now else None)

    def _ready_times(self, now: float, count: int) -> list[float]:
        """When the first ``count`` queued waiters could each go, if nothing changed."""
        taken = list(self._stamps)
        times: list[float] = []
        for _ in range(count):
            ready = max(now, self._blocked_until)
            if len(taken) >= self.limit:
                ready = max(ready, taken[-self.limit] + self.window)
            taken.append(ready)
            times.append(ready)
        return times

    def _forget(self, now: float) -> None:
        """Drop acquisitions that have left the window."""
        while self._stamps and self._stamps[0] + self.window <= now:
            self._stamps.popleft()

    async def _nap(self, wake: asyncio.Event, delay: float | None) -> None:
        """Sleep ``delay`` seconds (forever if None) or until ``wake`` is set, then clear it."""
        waits: list[asyncio.Future[object]] = [asyncio.ensure_future(wake.wait())]
        if delay is not None:
            waits.append(asyncio.ensure_future(self._sleep(delay)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        wake.clear()


def _is_zero(value: str | None) -> bool:
    try:
        return value is not None and int(value.strip()) == 0
    except ValueError:
        return False


def fingerprint(api_key: str) -> str:
    """A short, one-way name for a key: enough to tell keys apart, useless to anyone else."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


_limiters: dict[str, RateLimiter] = {}


def limiter_for(
    key_fingerprint: str, limit: int | None = None, window: float | None = None
) -> RateLimiter:
    """The limiter shared by every request made with the key of this fingerprint.

    ``limit`` and ``window``, when given, replace its own (the user's ``rateLimit`` and
    ``rateLimitWindow`` settings).
    """
    limiter = _limiters.get(key_fingerprint)
    if limiter is None:
        limiter = _limiters[key_fingerprint] = RateLimiter(limit or LIMIT, window or WINDOW)
    if limit is not None and limit >= 1:
        limiter.limit = limit
    if window is not None and window > 0:
        limiter.window = window
    return limiter
