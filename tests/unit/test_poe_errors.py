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
