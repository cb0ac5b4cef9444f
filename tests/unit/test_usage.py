"""Reading the point balance: against the fake Poe server, and httpx mocks for the odd cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from poe_lsp.poe import PoeError
from poe_lsp.poe.usage import fetch_balance, usage_base_url
from tests.fakepoe import FakePoe

KEY = "fake-key-0123456789"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePoe]:
    with FakePoe() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh(fake: FakePoe) -> None:
    fake.reset()
    fake.set_balance(None)


async def _raise_for_status(response: httpx.Response) -> None:
    """The response hook of poe-lsp's shared client (poe_lsp/poe/fastapi_client.py)."""
    if response.status_code >= 400:
        await response.aread()
        response.raise_for_status()


@pytest.fixture(params=["shared-client", "plain-client"])
async def session(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A client like the server's shared one (raising on >= 400), or one that does not raise."""
    hooks = {"response": [_raise_for_status]} if request.param == "shared-client" else {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), event_hooks=hooks) as client:
        yield client


def mocked(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def failure(session: httpx.AsyncClient, base: str, key: str = KEY, **kw: float) -> PoeError:
    """The PoeError that ``fetch_balance`` raises, checked to keep the key to itself."""
    with pytest.raises(PoeError) as caught:
        await fetch_balance(session, key, base, **kw)
    error = caught.value
    assert not key or (key not in error.message and key not in repr(error))
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return error


@pytest.mark.parametrize(
    ("base_url", "override", "expected"),
    [
        ("https://api.poe.com/bot/", None, "https://api.poe.com/"),
        ("http://127.0.0.1:8123/", None, "http://127.0.0.1:8123/"),
        ("http://127.0.0.1:8123/some/deep/path/", None, "http://127.0.0.1:8123/"),
        ("https://user:secret@proxy.example:8443/bot/", None, "https://proxy.example:8443/"),
        ("https://api.poe.com/bot/", "http://localhost:9000", "http://localhost:9000/"),
        ("https://api.poe.com/bot/", "http://localhost:9000/api/", "http://localhost:9000/api/"),
    ],
)
def test_usage_base_url(base_url: str, override: str | None, expected: str) -> None:
    assert usage_base_url(base_url, override) == expected


def test_usage_base_url_rejects_a_relative_url() -> None:
    with pytest.raises(ValueError):
        usage_base_url("bot/")


async def test_the_balance_comes_back_and_the_key_went_as_bearer(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    fake.set_balance(12345)
    assert await fetch_balance(session, KEY, fake.base_url) == 12345
    fake.set_balance(0)
    assert await fetch_balance(session, KEY, fake.base_url) == 0
    assert [r.authorization for r in fake.usage_requests] == [f"Bearer {KEY}"] * 2
    assert fake.requests == [], "reading the balance queries no bot"


async def test_a_refused_key_says_where_to_set_it(
    fake: FakePoe, session: httpx.AsyncClient
) -> None:
    for status in (401, 403):
        fake.set_balance(100, status)
        error = await failure(session, fake.base_url)
        assert error.kind == "auth" and error.status == status and not error.retryable
        assert f"HTTP {status}" in error.message and "poe.apiKey" in error.message
        assert "POE_API_KEY" in error.message


async def test_a_server_error_says_so(fake: FakePoe, session: httpx.AsyncClient) -> None:
    fake.set_balance(100, 500)
    error = await failure(session, fake.base_url)
    assert error.kind == "server" and error.status == 500 and error.retryable
    assert "HTTP 500" in error.message and "Internal Server Error" in error.message


async def test_a_server_without_the_usage_api(fake: FakePoe, session: httpx.AsyncClient) -> None:
    error = await failure(session, fake.base_url)
    assert error.kind == "server" and error.status == 404 and not error.retryable
    assert "poe.baseUrl" in error.message


async def test_no_key_sends_nothing(fake: FakePoe, session: httpx.AsyncClient) -> None:
    error = await failure(session, fake.base_url, key="")
    assert error.kind == "auth" and "poe.apiKey" in error.message
    assert fake.usage_requests == []


@pytest.mark.parametrize("key", ["bad\nkey-0123456789", "ключ-0123456789"])
async def test_a_key_that_cannot_be_sent(
    fake: FakePoe, session: httpx.AsyncClient, key: str
) -> None:
    error = await failure(session, fake.base_url, key=key)
    assert error.kind == "auth" and "0123456789" not in error.message


async def test_a_slow_answer_times_out() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json={"current_point_balance": 1})

    async with httpx.AsyncClient(transport=httpx.MockTransport(never)) as session:
        error = await failure(session, "https://api.poe.com/", timeout=0.1)
    assert error.kind == "timeout" and "0.1 s" in error.message and error.retryable


async def test_an_httpx_timeout_is_a_timeout() -> None:
    def stalled(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with mocked(stalled) as session:
        error = await failure(session, "https://api.poe.com/")
    assert error.kind == "timeout" and "5 s" in error.message


async def test_an_unreachable_host() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with mocked(refused) as session:
        error = await failure(session, "https://api.poe.com/")
    assert error.kind == "network" and "api.poe.com" in error.message and error.retryable


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=["current_point_balance", 5]),
        httpx.Response(200, json={"balance": 5}),
        httpx.Response(200, json={"current_point_balance": "lots"}),
        httpx.Response(200, json={"current_point_balance": True}),
        httpx.Response(200, json={"current_point_balance": 1.5}),
    ],
)
async def test_an_answer_without_a_point_count(response: httpx.Response) -> None:
    async with mocked(lambda request: response) as session:
        error = await failure(session, "https://api.poe.com/")
    assert error.kind == "server" and "point count" in error.message


async def test_a_whole_float_is_a_count() -> None:
    answer = httpx.Response(200, json={"current_point_balance": 250.0})
    async with mocked(lambda request: answer) as session:
        assert await fetch_balance(session, KEY, "https://api.poe.com/") == 250


async def test_rate_limited_with_retry_after() -> None:
    answer = httpx.Response(
        429, json={"error": {"message": "slow down"}}, headers={"retry-after": "7"}
    )
    async with mocked(lambda request: answer) as session:
        error = await failure(session, "https://api.poe.com/")
    assert error.kind == "rate_limit" and error.retry_after == 7.0 and "slow down" in error.message


async def test_an_echoed_key_is_blotted_out() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": request.headers["authorization"]}})

    async with mocked(echo) as session:
        error = await failure(session, "https://api.poe.com/")
    assert 'Poe said: "Bearer <key>"' in error.message
