"""What this session's jobs cost, and what the key spent today: pure, no I/O.

A job's cost is an entry of Poe's points history (:class:`~poe_lsp.poe.history.Spend`):
:func:`attribute` picks the newest ``API`` entry for the job's bot created after the job
started that no other job took. The :class:`Ledger` keeps what was taken, by job and by bot,
and today's spending as last read from the history plus what was attributed since.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from poe_lsp.poe.history import Spend

CLOCK_SLACK = 2.0
"""Seconds an entry may seem older than its job's start: Poe's clock is not ours."""
KEPT = 200
"""Jobs whose cost is remembered (for ``poe.sent``)."""
TODAY_FRESH = 300.0
"""Seconds today's spending, as read from the history, is used before it is read again."""


def attribute(
    entries: Iterable[Spend], bot: str, started: float, taken: Iterable[str] = ()
) -> Spend | None:
    """The newest ``API`` entry for ``bot`` created since ``started`` (less
    :data:`CLOCK_SLACK`) whose query id is not in ``taken``; ``None`` if there is none."""
    name, gone = bot.lower(), set(taken)
    found = [
        e
        for e in entries
        if e.usage_type == "API"
        and e.bot.lower() == name
        and e.created >= started - CLOCK_SLACK
        and e.query_id not in gone
    ]
    return max(found, key=lambda e: e.created, default=None)


def midnight(now: float | None = None) -> float:
    """The last local midnight, in seconds since the epoch."""
    moment = datetime.fromtimestamp(time.time() if now is None else now).astimezone()
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


@dataclass
class Spending:
    """Points spent, in total and by bot."""

    points: int = 0
    by_bot: dict[str, int] = field(default_factory=dict)

    def add(self, bot: str, points: int) -> None:
        """Count ``points`` spent on ``bot``."""
        self.points += points
        self.by_bot[bot] = self.by_bot.get(bot, 0) + points

    def to_json(self) -> dict[str, Any]:
        """``{"points": N, "byBot": {bot: N}}``."""
        return {"points": self.points, "byBot": dict(self.by_bot)}


@dataclass
class Today:
    """The key's ``API`` spending since local midnight, as read at :attr:`read_at`."""

    since: float
    """The midnight it counts from."""
    read_at: float
    spending: Spending
    counted: set[str]
    """The query ids counted, so an attributed entry is not counted twice."""

    @classmethod
    def of(cls, entries: Iterable[Spend], since: float, read_at: float) -> Today:
        """Today's spending in ``entries`` (``API`` entries created since ``since``)."""
        today = cls(since, read_at, Spending(), set())
        for entry in entries:
            today.count(entry)
        return today

    def count(self, entry: Spend) -> None:
        """Add ``entry`` if it is an ``API`` entry of today not counted yet."""
        today = entry.usage_type == "API" and entry.created >= self.since
        if today and entry.query_id not in self.counted:
            self.counted.add(entry.query_id)
            self.spending.add(entry.bot, entry.points)


class Ledger:
    """What this session's jobs cost, and today's spending of the key."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._jobs: OrderedDict[str, int | None] = OrderedDict()
        self.taken: set[str] = set()
        """The query ids attributed to a job of this session."""
        self.session = Spending()
        self.today: Today | None = None

    def record(self, job_id: str, entry: Spend | None) -> int | None:
        """Keep what ``job_id`` cost (``None``: unknown); return its points."""
        points = None if entry is None else entry.points
        self._jobs[job_id] = points
        self._jobs.move_to_end(job_id)
        while len(self._jobs) > self._kept:
            self._jobs.popitem(last=False)
        if entry is not None:
            self.taken.add(entry.query_id)
            self.session.add(entry.bot, entry.points)
            if self.today is not None:
                self.today.count(entry)
        return points

    def points_of(self, job_id: str) -> int | None:
        """What ``job_id`` cost, ``None`` if unknown or forgotten."""
        return self._jobs.get(job_id)

    def read_today(self, entries: Iterable[Spend], now: float | None = None) -> Today:
        """Take today's spending from ``entries`` (the history since midnight)."""
        now = time.time() if now is None else now
        self.today = Today.of(entries, midnight(now), now)
        return self.today

    def fresh_today(self, now: float | None = None) -> Today | None:
        """Today's spending if it was read less than :data:`TODAY_FRESH` seconds ago, today."""
        now = time.time() if now is None else now
        today = self.today
        if today is None or today.since != midnight(now) or now - today.read_at > TODAY_FRESH:
            return None
        return today


def with_points(message: str, points: int | None) -> str:
    """``"Code finished (1 edit), 339 points."``: ``message`` with a job's cost, if known."""
    if points is None:
        return message
    cost = f"{points:,} point{'' if points == 1 else 's'}"
    return f"{message.removesuffix('.')}, {cost}."
