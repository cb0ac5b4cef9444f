"""Failures from fastapi_poe turned into messages that say what to do."""

from __future__ import annotations

import json

import fastapi_poe as fp
import httpx

from poe_lsp.poe.fastapi_client import describe_failure


def _http_failure(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> fp.BotError:
    request = httpx.Request("POST", "https://api.poe.com/bot/GPT-5")
    response = httpx.Response(status, json=body, headers=headers, request=request)
    error = fp.BotError("Error communicating with bot GPT-5")
    error.__cause__ = httpx.HTTPStatusError("failed", request=request, response=response)
    return error


def test_http_statuses_keep_their_meaning() -> None:
    auth = describe_failure(_http_failure(401, {"error": {"message": "Invalid API key"}}), "GPT-5")
    assert (
        auth.kind == "auth" and "poe.apiKey" in auth.message and "Invalid API key" in auth.message
    )
    points = describe_failure(_http_failure(402, {"error": {"message": "no points"}}), "GPT-5")
    assert points.kind == "points" and "points" in points.message
    missing = describe_failure(_http_failure(404, {"detail": "Not Found"}), "Nope")
    assert missing.kind == "unknown_bot" and "'Nope'" in missing.message
    limited = describe_failure(
        _http_failure(429, {"error": {"message": "slow down"}}, {"retry-after": "3"}), "GPT-5"
    )
    assert limited.kind == "rate_limit" and limited.retryable and limited.retry_after == 3.0
    server = describe_failure(_http_failure(503, {}), "GPT-5")
    assert server.kind == "server" and server.retryable


def test_error_events() -> None:
    event = {"allow_retry": False, "text": "Not enough points", "error_type": "insufficient_fund"}
    assert describe_failure(fp.BotErrorNoRetry(json.dumps(event)), "GPT-5").kind == "points"
    limited = {"allow_retry": True, "text": "You have exceeded rate limit to query bot"}
    assert describe_failure(fp.BotError(json.dumps(limited)), "GPT-5").kind == "rate_limit"
    other = describe_failure(fp.BotErrorNoRetry(json.dumps({"text": "model overloaded"})), "GPT-5")
    assert other.kind == "bot" and "model overloaded" in other.message and not other.retryable


def test_network_failures() -> None:
    error = fp.BotError("Error communicating with bot GPT-5")
    error.__cause__ = httpx.ReadTimeout("timed out")
    assert describe_failure(error, "GPT-5").kind == "timeout"
    error.__cause__ = httpx.ConnectError("refused")
    assert describe_failure(error, "GPT-5").kind == "network"


def _html_failure(status: int, page: str) -> fp.BotError:
    request = httpx.Request("POST", "https://api.poe.com/bot/GPT-5")
    response = httpx.Response(
        status, text=page, headers={"content-type": "text/html"}, request=request
    )
    error = fp.BotError("Error communicating with bot GPT-5")
    error.__cause__ = httpx.HTTPStatusError("failed", request=request, response=response)
    return error


def test_what_a_server_or_bot_says_is_quoted_short_and_clean() -> None:
    huge = "overloaded\x1b[2J\n\n" + "a" * 10_000_000
    event = describe_failure(fp.BotErrorNoRetry(json.dumps({"text": huge})), "GPT-5")
    body = describe_failure(_http_failure(500, {"error": {"message": huge}}), "GPT-5")
    raw = describe_failure(fp.BotError("not json " * 2_000_000), "GPT-5")
    for error in (event, body, raw):
        assert len(error.message) < 600
        assert "\x1b" not in error.message and "\n" not in error.message
    assert '"overloaded[2J aaaa' in event.message and "…" in event.message


def test_an_html_error_page_is_quoted_as_its_text() -> None:
    page = (
        "<html><head><style>body { color: red }</style><script>var x = 1;</script></head>"
        "<body><h1>502 Bad Gateway</h1><p>nginx &amp; friends</p></body></html>"
    )
    error = describe_failure(_html_failure(502, page), "GPT-5")
    assert error.kind == "server"
    assert 'Poe said: "502 Bad Gateway nginx & friends"' in error.message
    assert "<" not in error.message and "color" not in error.message


def test_a_429_says_how_long_poe_asked_to_wait() -> None:
    hour = describe_failure(_http_failure(429, {}, {"retry-after": "3600"}), "GPT-5")
    assert "wait 60 min" in hour.message and hour.retry_after == 3600.0
    vague = describe_failure(_http_failure(429, {}), "GPT-5")
    assert "Wait a moment" in vague.message


def test_loopback_hosts() -> None:
    from poe_lsp.poe.fastapi_client import is_loopback

    for url in (
        "http://localhost:8080/",
        "http://LOCALHOST./bot/",
        "http://127.0.0.1:1/",
        "http://127.255.3.4/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]/",
        "http://api.localhost/",
    ):
        assert is_loopback(url), url
    for url in ("https://api.poe.com/bot/", "http://128.0.0.1/", "http://[::2]/", "not a url"):
        assert not is_loopback(url), url
