"""Tests of ``tests.fakepoe``, talking to it through the real ``fastapi_poe`` client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import fastapi_poe as fp
import httpx
import pytest

from tests.fakepoe import Chunk, FakePoe, Script

KEY = "test-key"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePoe]:
    """One server for the whole module (starting and stopping costs about 0.1 s)."""
    with FakePoe() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(fake: FakePoe) -> None:
    fake.clear_scripts()
    fake.reset()


async def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        await response.aread()
        response.raise_for_status()


@pytest.fixture
async def session() -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client that keeps HTTP statuses as ``HTTPStatusError`` (stack.md 1.4)."""
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(5.0), event_hooks={"response": [_raise_for_status]}
    ) as client:
        yield client


def _ignore(exc: Exception, message: str) -> None:
    """``on_error`` for fastapi_poe: its default prints to stdout."""


def _query(*texts: str) -> fp.QueryRequest:
    messages = [fp.ProtocolMessage(role="user", content=t) for t in texts or ("hello",)]
    return fp.QueryRequest(
        query=messages,
        user_id="",
        conversation_id="",
        message_id="",
        version="1.2",
        type="query",
    )


def _stream(
    fake: FakePoe,
    session: httpx.AsyncClient,
    bot: str,
    request: fp.QueryRequest | None = None,
) -> AsyncGenerator[fp.PartialResponse, None]:
    return fp.stream_request(
        request or _query(),
        bot,
        KEY,
        num_tries=1,
        base_url=fake.base_url,
        session=session,
        on_error=_ignore,
    )


async def _collect(
    fake: FakePoe,
    session: httpx.AsyncClient,
    bot: str,
    received: list[fp.PartialResponse] | None = None,
) -> list[fp.PartialResponse]:
    out = [] if received is None else received
    async with contextlib.aclosing(_stream(fake, session, bot)) as gen:
        async for message in gen:
            out.append(message)
    return out


async def test_chunks_arrive_in_order_and_request_is_recorded(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("Echo", Script(["Hel", "lo", Chunk(" world")]))
    request = _query("first question", "second question")
    async with contextlib.aclosing(_stream(fake, session, "Echo", request)) as gen:
        texts = [message.text async for message in gen]

    assert texts == ["Hel", "lo", " world"]
    [recorded] = fake.requests
    assert recorded.bot == "Echo"
    assert recorded.authorization == f"Bearer {KEY}"
    assert recorded.body["type"] == "query"
    assert [(m["role"], m["content"]) for m in recorded.messages] == [
        ("user", "first question"),
        ("user", "second question"),
    ]
    assert recorded.chunks_sent == 3
    assert fake.reports == []
    assert fake.disconnects == []


async def test_get_bot_response_and_script_redefinition(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    messages = [fp.ProtocolMessage(role="user", content="hi")]
    for answer in (["one"], ["two", "!"]):
        fake.set_script("Bot", Script(list[Chunk | str](answer)))
        got = fp.get_bot_response(messages, "Bot", KEY, base_url=fake.base_url, session=session)
        async with contextlib.aclosing(got) as gen:
            assert [m.text async for m in gen] == answer
    assert fake.wait_for_requests(2, timeout=0.0)
    assert not fake.wait_for_requests(3, timeout=0.05)


async def test_replace_and_suggested_events(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script(
        "Mixed",
        Script(
            [
                "draft ",
                Chunk("final", replace=True),
                " answer",
                Chunk("Tell me more", suggested=True),
            ]
        ),
    )
    messages = await _collect(fake, session, "Mixed")

    assert [(m.text, m.is_replace_response, m.is_suggested_reply) for m in messages] == [
        ("draft ", False, False),
        ("final", True, False),
        (" answer", False, False),
        ("Tell me more", False, True),
    ]


async def test_error_end_without_retry(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script(
        "Broke",
        Script(["partial"], end="error", error_text="no points", error_type="insufficient_fund"),
    )
    received: list[fp.PartialResponse] = []
    with pytest.raises(fp.BotErrorNoRetry) as caught:
        await _collect(fake, session, "Broke", received)

    assert [m.text for m in received] == ["partial"]
    assert json.loads(str(caught.value)) == {
        "allow_retry": False,
        "text": "no points",
        "error_type": "insufficient_fund",
    }


async def test_error_end_with_retry(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script("Flaky", Script(end="error", error_text="try later", allow_retry=True))
    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Flaky")

    assert not isinstance(caught.value, fp.BotErrorNoRetry)
    assert json.loads(str(caught.value)) == {"allow_retry": True, "text": "try later"}


async def test_status_429_keeps_status_headers_and_body(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script(
        "Limited",
        Script(
            status=429,
            error_text="slow down",
            error_type="rate_limit_error",
            headers={"retry-after": "7", "x-ratelimit-remaining-requests": "0"},
        ),
    )
    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Limited")

    cause = caught.value.__cause__
    assert isinstance(cause, httpx.HTTPStatusError)
    assert cause.response.status_code == 429
    assert cause.response.headers["retry-after"] == "7"
    assert cause.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert cause.response.json() == {
        "error": {"message": "slow down", "type": "rate_limit_error", "code": 429}
    }
    assert [r.bot for r in fake.requests] == ["Limited"]


async def test_status_without_headers_and_with_custom_body(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("Plain429", Script(status=429))
    fake.set_script("Broke402", Script(status=402, body={"detail": "out of points"}))

    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Plain429")
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert "retry-after" not in caught.value.__cause__.response.headers

    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Broke402")
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert caught.value.__cause__.response.status_code == 402
    assert caught.value.__cause__.response.json() == {"detail": "out of points"}


async def test_unknown_bot_is_404(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script("Known", Script(["x"]))
    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Unknown")

    cause = caught.value.__cause__
    assert isinstance(cause, httpx.HTTPStatusError)
    assert cause.response.status_code == 404
    assert [r.bot for r in fake.requests] == ["Unknown"]

    fake.clear_scripts()
    with pytest.raises(fp.BotError):
        await _collect(fake, session, "Known")


async def test_missing_bearer_is_401_and_recorded(fake: FakePoe) -> None:
    fake.set_script("Stream", Script(["x"], headers={"x-extra": "yes"}))
    fake.set_script("Limited", Script(status=429))
    body = _query().model_dump()
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=5.0) as client:
        no_header = await client.post("Stream", json=body)
        basic = await client.post("Limited", json=body, headers={"Authorization": "Basic abc"})
        good = await client.post("Stream", json=body, headers={"Authorization": "Bearer k"})

    assert no_header.status_code == 401
    assert no_header.json() == {"detail": "Not authenticated"}
    assert basic.status_code == 401
    assert good.status_code == 200
    assert good.headers["content-type"].startswith("text/event-stream")
    assert good.headers["x-extra"] == "yes"
    assert [(r.bot, r.authorization) for r in fake.requests] == [
        ("Stream", None),
        ("Limited", "Basic abc"),
        ("Stream", "Bearer k"),
    ]


async def test_disconnect_end_raises_remote_protocol_error(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("Drop", Script(["a", "b"], end="disconnect"))
    received: list[fp.PartialResponse] = []
    with pytest.raises(fp.BotError) as caught:
        await _collect(fake, session, "Drop", received)

    assert [m.text for m in received] == ["a", "b"]
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert fake.disconnects == []


async def test_nodone_end_just_stops(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script("NoDone", Script(["a", "b"], end="nodone"))
    messages = await _collect(fake, session, "NoDone")

    assert [m.text for m in messages] == ["a", "b"]
    [report] = fake.reports
    assert report.bot == "NoDone"
    assert report.body["type"] == "report_error"
    assert "done" in report.body["message"]
    assert len(fake.requests) == 1
    assert fake.disconnects == []


async def test_client_close_is_seen_as_disconnect(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("Slow", Script([f"t{i} " for i in range(50)], delay=0.05))
    gen = _stream(fake, session, "Slow")
    received = 0
    async for _ in gen:
        received += 1
        if received == 3:
            break
    await gen.aclose()
    started = time.monotonic()

    assert await asyncio.to_thread(fake.wait_for_disconnect, "Slow", 1.0)
    assert time.monotonic() - started < 0.5
    assert fake.disconnects == ["Slow"]
    assert fake.requests[0].chunks_sent < 50


async def test_cancelled_consumer_is_seen_as_disconnect(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_script("Slow", Script(["a", "b"], first_delay=10.0))
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await _collect(fake, session, "Slow")

    assert await asyncio.to_thread(fake.wait_for_disconnect, "Slow", 1.0)
    assert fake.requests[0].chunks_sent == 0


async def test_delays(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script("Paced", Script(["a", "b", "c"], first_delay=0.15, delay=0.05))
    started = time.monotonic()
    arrivals: list[float] = []
    async with contextlib.aclosing(_stream(fake, session, "Paced")) as gen:
        async for _ in gen:
            arrivals.append(time.monotonic() - started)

    assert arrivals[0] >= 0.19
    assert arrivals[2] - arrivals[0] >= 0.09


async def test_reset_keeps_scripts(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_script("Keep", Script(["x"]))
    await _collect(fake, session, "Keep")
    fake.reset()

    assert fake.requests == []
    assert [m.text for m in await _collect(fake, session, "Keep")] == ["x"]
    assert len(fake.requests) == 1


def test_script_rejects_unknown_end() -> None:
    with pytest.raises(ValueError, match="end"):
        Script(end="sometimes")


def test_poe_key_environment_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """make_app would adopt these for a single bot and exit on a key that is not 32 chars."""
    monkeypatch.setenv("POE_ACCESS_KEY", "short")
    monkeypatch.setenv("POE_API_KEY", "short")
    with FakePoe() as server:
        server.set_script("Env", Script(["ok"]))
        response = httpx.post(
            f"{server.base_url}Env",
            json=_query().model_dump(),
            headers={"Authorization": "Bearer anything"},
            timeout=5.0,
        )
    assert response.status_code == 200
    assert 'data: {"text": "ok"}' in response.text
