"""Reading Poe's points history: parsing with caps, pages, failures; against the fake Poe
server (and the fake's own history: costs added when answers finish)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import fastapi_poe as fp
import httpx
import pytest

from poe_lsp.poe import PoeError
from poe_lsp.poe.history import MAX_NAME, PAGE, Spend, fetch_history, parse_entry, parse_page
from tests.fakepoe import FakePoe, Script

KEY = "fake-key-0123456789"
GOOD: dict[str, Any] = {
    "creation_time": 1_800_000_000_000_000,
    "bot_name": "BotA",
    "query_id": "q1",
    "usage_type": "API",
    "cost_points": 339,
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePoe]:
    with FakePoe() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(fake: FakePoe) -> None:
    fake.reset()
    fake.clear_scripts()


@pytest.fixture
async def session() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as client:
        yield client


def test_an_entry_of_poes_shape() -> None:
    assert parse_entry(GOOD) == Spend("q1", "BotA", "API", 339, 1_800_000_000.0)
    assert parse_entry({**GOOD, "cost_points": 12.0}).points == 12  # type: ignore[union-attr]
    long = parse_entry({**GOOD, "bot_name": "B" * 10_000})
    assert long is not None and len(long.bot) == MAX_NAME


@pytest.mark.parametrize(
    "change",
    [
        {"query_id": None},
        {"query_id": ""},
        {"bot_name": 3},
        {"usage_type": "Other"},
        {"cost_points": -1},
        {"cost_points": True},
        {"cost_points": 10**12},
        {"cost_points": "339"},
        {"creation_time": "now"},
        {"creation_time": float("nan")},
        {"creation_time": 10**30},
        {"creation_time": False},
    ],
)
def test_nonsense_entries_are_skipped(change: dict[str, Any]) -> None:
    assert parse_entry({**GOOD, **change}) is None


def test_a_page_is_capped_and_needs_a_data_list() -> None:
    page = parse_page({"data": [GOOD] * (PAGE + 50) + ["junk"], "has_more": "yes"})
    assert len(page.entries) == PAGE and page.has_more is False
    for body in (None, [], {"data": {}}, {"nodata": []}):
        with pytest.raises(ValueError, match="no data"):
            parse_page(body)


async def test_the_newest_entries_come_with_the_key_as_bearer(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.history.add("BotA", 10, created=time.time() - 20)
    fake.history.add("BotB", 20, usage_type="Chat")
    entries = await fetch_history(session, KEY, fake.base_url, limit=5)
    assert [(e.bot, e.points, e.usage_type) for e in entries] == [
        ("BotB", 20, "Chat"),
        ("BotA", 10, "API"),
    ]
    (request,) = fake.history_requests
    assert request.authorization == f"Bearer {KEY}" and request.limit == "5"
    assert fake.requests == [] and fake.usage_requests == []


async def test_pages_are_read_until_an_older_entry(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    now = time.time()
    for n in range(250):
        fake.history.add("BotA", 1, created=now - n, query_id=f"q{n}")
    since = now - 180.5
    entries = await fetch_history(session, KEY, fake.base_url, until=lambda e: e.created < since)
    assert len(entries) == 181 and entries[-1].query_id == "q180"
    assert [r.starting_after for r in fake.history_requests] == [None, "q99"]
    capped = await fetch_history(session, KEY, fake.base_url, until=lambda e: False, pages=2)
    assert len(capped) == 200


@pytest.mark.parametrize(("status", "kind"), [(500, "server"), (401, "auth"), (429, "rate_limit")])
async def test_failures_say_so_without_the_key(
    fake: FakePoe, session: httpx.AsyncClient, status: int, kind: str
) -> None:
    fake.history.fail(status)
    with pytest.raises(PoeError) as caught:
        await fetch_history(session, KEY, fake.base_url)
    assert caught.value.kind == kind and KEY not in caught.value.message
    assert kind == "rate_limit" or "points history" in caught.value.message


async def test_a_server_without_the_history_answers_404(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    with pytest.raises(PoeError) as caught:
        await fetch_history(session, KEY, fake.base_url)
    assert caught.value.status == 404 and not caught.value.retryable


async def test_a_slow_history_times_out(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.history.fail(delay=1.0)
    with pytest.raises(PoeError) as caught:
        await fetch_history(session, KEY, fake.base_url, timeout=0.2)
    assert caught.value.kind == "timeout"


async def test_the_fake_adds_a_cost_when_an_answer_finishes(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("BotA", Script(chunks=["one", " two"]))
    fake.set_script("BotB", Script(chunks=["x"]))
    fake.set_cost("BotA", 339)
    before = time.time()
    for bot in ("BotA", "BotA", "BotB"):
        messages = [fp.ProtocolMessage(role="user", content="hi")]
        async for _ in fp.get_bot_response(messages, bot, KEY, base_url=fake.base_url):
            pass
    entries = await fetch_history(session, KEY, fake.base_url)
    assert [(e.bot, e.points) for e in entries] == [("BotA", 339), ("BotA", 339)]
    assert len({e.query_id for e in entries}) == 2
    assert all(before - 1 <= e.created <= time.time() + 1 for e in entries)
