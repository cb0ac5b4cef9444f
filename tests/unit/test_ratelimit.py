"""The client-side rate limiter, on a fake clock: no test waits for the real window."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from poe_lsp.poe.ratelimit import (
    MAX_HINT,
    RateLimiter,
    WaitTooLong,
    fingerprint,
    limiter_for,
    parse_duration,
    parse_retry_after,
)


class FakeTime:
    """A clock that moves only when told to, and a ``sleep`` that ends when it has moved."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + delay, future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move the clock, end the sleeps that are due, and let the woken tasks run."""
        self.now += seconds
        for due, future in self._sleepers:
            if due <= self.now and not future.done():
                future.set_result(None)
        self._sleepers = [(due, f) for due, f in self._sleepers if not f.done()]
        await settle()


async def settle() -> None:
    """Let every ready task run until it blocks again (deterministic: no real time passes)."""
    for _ in range(50):
        await asyncio.sleep(0)


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def limiter(fake: FakeTime, limit: int, window: float) -> RateLimiter:
    return RateLimiter(limit, window, fake.clock, sleep=fake.sleep)


class Waiter:
    """One ``acquire`` running as a task, with the waits it announced."""

    def __init__(self, limiter: RateLimiter, done: list[str] | None = None, name: str = "") -> None:
        self.waits: list[float] = []
        self.task = asyncio.ensure_future(self._run(limiter, done, name))

    async def _run(self, limiter: RateLimiter, done: list[str] | None, name: str) -> None:
        await limiter.acquire(self.waits.append)
        if done is not None:
            done.append(name)

    @property
    def done(self) -> bool:
        return self.task.done()


async def immediately(coroutine: Coroutine[Any, Any, None]) -> None:
    """Await ``coroutine``, which must not sleep on the fake clock (a hang fails after 10 s)."""
    async with asyncio.timeout(10):
        await coroutine


async def test_limit_acquisitions_pass_then_the_next_waits_for_the_oldest_to_expire(
    fake: FakeTime,
) -> None:
    rl = limiter(fake, 500, 60.0)
    announced: list[float] = []
    await immediately(rl.acquire(announced.append))
    await fake.advance(10.0)
    for _ in range(499):
        await immediately(rl.acquire(announced.append))
    assert announced == []

    extra = Waiter(rl)
    await settle()
    assert not extra.done and extra.waits == [50.0]
    await fake.advance(49.5)
    assert not extra.done
    await fake.advance(0.5)
    assert extra.done and extra.waits == [50.0]

    # The other 499 stay in the window until t=70.
    assert rl.retry_delay() == 10.0
    late = Waiter(rl)
    await settle()
    assert late.waits == [10.0]
    await fake.advance(10.0)
    assert late.done


async def test_waiters_are_served_in_arrival_order(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 10.0)
    await immediately(rl.acquire())
    order: list[str] = []
    a, b, c = (Waiter(rl, order, name) for name in "abc")
    await settle()
    assert (a.waits, b.waits, c.waits) == ([10.0], [20.0], [30.0])

    await fake.advance(10.0)
    assert order == ["a"]
    newcomer = Waiter(rl, order, "d")
    await settle()
    assert newcomer.waits == [30.0], "a newcomer queues behind b and c"
    for _ in range(3):
        await fake.advance(10.0)
    assert order == ["a", "b", "c", "d"]


async def test_a_cancelled_waiter_takes_no_slot_and_the_next_moves_up(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 10.0)
    await immediately(rl.acquire())
    first, second = Waiter(rl), Waiter(rl)
    await settle()
    assert second.waits == [20.0]

    first.task.cancel()
    await settle()
    assert first.task.cancelled() and not second.done
    await fake.advance(10.0)
    assert second.done, "second goes when first would have gone"
    assert rl.retry_delay() == 10.0, "the cancelled waiter freed no extra slot"


async def test_cancelling_the_only_waiter_leaves_the_limiter_as_it_was(fake: FakeTime) -> None:
    rl = limiter(fake, 2, 10.0)
    await immediately(rl.acquire())
    await fake.advance(4.0)
    await immediately(rl.acquire())
    waiter = Waiter(rl)
    await settle()
    waiter.task.cancel()
    await settle()
    assert rl.retry_delay() == 6.0
    await fake.advance(6.0)
    await immediately(rl.acquire())
    assert rl.retry_delay() == 4.0


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_blocks_everyone_until_then(fake: FakeTime, status: int) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"Retry-After": "30"}, status)
    waiters = [Waiter(rl), Waiter(rl)]
    await settle()
    assert [w.waits for w in waiters] == [[30.0], [30.0]]
    await fake.advance(29.5)
    assert not any(w.done for w in waiters)
    await fake.advance(0.5)
    assert all(w.done for w in waiters)
    assert rl.retry_delay() == 0.0


async def test_retry_after_counts_only_on_429_and_503(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"retry-after": "30"}, 200)
    rl.observe({"retry-after": "30"}, 500)
    rl.observe({"retry-after": "30"}, None)
    assert rl.retry_delay() == 0.0


async def test_reset_header_blocks_when_no_requests_remain(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "20s"}, 200)
    assert rl.retry_delay() == 0.0
    rl.observe({"X-RateLimit-Remaining-Requests": "0", "X-RateLimit-Reset-Requests": "1m30s"}, 200)
    assert rl.retry_delay() == 90.0
    waiter = Waiter(rl)
    await settle()
    assert waiter.waits == [90.0]
    await fake.advance(90.0)
    assert waiter.done


async def test_a_429_with_only_a_reset_header_blocks_until_the_reset(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"x-ratelimit-reset-requests": "250ms"}, 429)
    assert rl.retry_delay() == 0.25


async def test_a_shorter_hint_does_not_shorten_a_longer_block(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"retry-after": "30"}, 429)
    rl.observe({"retry-after": "5"}, 429)
    assert rl.retry_delay() == 30.0


async def test_a_hint_that_arrives_while_waiting_extends_the_wait(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 10.0)
    await immediately(rl.acquire())
    waiter = Waiter(rl)
    await settle()
    rl.observe({"retry-after": "25"}, 429)
    await settle()
    assert waiter.waits == [10.0, 25.0], "the waiter is told at once that the wait got longer"
    await fake.advance(10.0)
    assert not waiter.done
    await fake.advance(15.0)
    assert waiter.done and waiter.waits == [10.0, 25.0], "and only then"


async def test_a_wait_shorter_by_the_window_is_not_announced_again(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 10.0)
    await immediately(rl.acquire())
    waiter = Waiter(rl)
    await settle()
    rl.observe({"retry-after": "5"}, 429)  # inside the window's wait: nothing changes
    await fake.advance(10.0)
    assert waiter.done and waiter.waits == [10.0]


async def test_a_server_hint_longer_than_max_hint_fails_at_once(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"retry-after": "3600"}, 429)
    with pytest.raises(WaitTooLong) as caught:
        await immediately(rl.acquire(max_hint=120.0))
    assert caught.value.seconds == 3600.0
    assert rl.retry_delay() == 3600.0, "the block stays for callers that accept long waits"


async def test_a_hint_within_max_hint_is_waited_for(fake: FakeTime) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe({"retry-after": "30"}, 429)
    waits: list[float] = []
    task = asyncio.ensure_future(rl.acquire(waits.append, max_hint=120.0))
    await settle()
    assert waits == [30.0] and not task.done()
    await fake.advance(30.0)
    assert task.done() and task.exception() is None


async def test_the_window_alone_never_counts_as_too_long(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 60.0)
    await immediately(rl.acquire())
    waits: list[float] = []
    task = asyncio.ensure_future(rl.acquire(waits.append, max_hint=5.0))
    await settle()
    assert waits == [60.0] and not task.done()
    await fake.advance(60.0)
    assert task.done() and task.exception() is None


async def test_waiters_already_queued_give_up_when_a_long_hint_arrives(fake: FakeTime) -> None:
    rl = limiter(fake, 1, 10.0)
    await immediately(rl.acquire())
    first = asyncio.ensure_future(rl.acquire(max_hint=120.0))
    second = asyncio.ensure_future(rl.acquire(max_hint=120.0))
    patient = Waiter(rl)
    await settle()
    rl.observe({"x-ratelimit-reset-requests": "1h"}, 429)
    await settle()
    assert first.done() and isinstance(first.exception(), WaitTooLong)
    assert second.done() and isinstance(second.exception(), WaitTooLong)
    assert not patient.done and patient.waits[-1] == 3600.0, "told, not parked silently"
    patient.task.cancel()


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "soon"},
        {"retry-after": "-5"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": ""},
        {"retry-after": str(MAX_HINT * 10)},
        {"retry-after": "Someday, 99 Foo 2015 07:28:00 GMT"},
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "forever"},
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1712345678"},
        {"x-ratelimit-remaining-requests": "none", "x-ratelimit-reset-requests": "5s"},
    ],
)
async def test_garbage_hints_are_ignored(fake: FakeTime, headers: dict[str, str]) -> None:
    rl = limiter(fake, 500, 60.0)
    rl.observe(headers, 429 if "retry-after" in headers else 200)
    assert rl.retry_delay() == 0.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("20", 20.0),
        ("1.5", 1.5),
        (" 0 ", 0.0),
        ("1s", 1.0),
        ("250ms", 0.25),
        ("1m30s", 90.0),
        ("6m0s", 360.0),
        ("1h", 3600.0),
        ("0.5s", 0.5),
        ("1m0.5s", 60.5),
        ("2M", 120.0),
        ("1s500ms", 1.5),
    ],
)
def test_duration_formats(value: str, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "s", "1x", "1 s", "-1s", "1m-30s", "ms", "2h", "1e99"])
def test_durations_that_make_no_sense(value: str) -> None:
    assert parse_duration(value) is None


def test_retry_after_http_date() -> None:
    date = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()
    header = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(header, now=date - 45) == 45.0
    assert parse_retry_after(header, now=date + 45) == 0.0, "a date in the past: go now"
    assert parse_retry_after(header, now=date - MAX_HINT - 1) is None
    assert parse_retry_after("12") == 12.0


async def test_the_real_clock_never_lets_a_request_in_early() -> None:
    rl = RateLimiter(1, 0.05)
    await rl.acquire()
    started = time.monotonic()
    announced: list[float] = []
    async with asyncio.timeout(10):
        await rl.acquire(announced.append)
    assert time.monotonic() - started >= 0.05 - 1e-6
    assert len(announced) == 1 and 0 < announced[0] <= 0.05


def test_one_limiter_per_key_and_the_key_is_not_kept() -> None:
    key = "sk-test-0123456789abcdef"
    name = fingerprint(key)
    assert name == fingerprint(key) and len(name) == 16
    assert key not in name and name != fingerprint(key + "x")
    assert limiter_for(name) is limiter_for(name)
    assert limiter_for(name) is not limiter_for(fingerprint("another key"))
    assert limiter_for(name).limit == 500 and limiter_for(name).window == 60.0
