"""Messages in each host's own words: the editors name settings, the terminal options."""

from __future__ import annotations

import fastapi_poe as fp
import httpx

from poe_lsp.messages import EDITOR, TERMINAL, no_key
from poe_lsp.poe.fastapi_client import describe_failure


def _failure(status: int) -> fp.BotError:
    request = httpx.Request("POST", "https://api.poe.com/bot/Nope")
    response = httpx.Response(status, json={}, request=request)
    error = fp.BotError("Error communicating with bot Nope")
    error.__cause__ = httpx.HTTPStatusError("failed", request=request, response=response)
    return error


def test_no_key_says_where_the_key_goes_in_each_host() -> None:
    editor, terminal = no_key(EDITOR), no_key(TERMINAL)
    assert "poe.apiKey" in editor and "POE_API_KEY" in editor and "Set API Key" in editor
    assert "--key-file" in terminal and "POE_API_KEY" in terminal
    assert "editor" not in terminal and "poe.apiKey" not in terminal


def test_poe_failures_name_the_settings_as_the_host_does() -> None:
    refused = describe_failure(_failure(401), "Nope", TERMINAL).message
    unknown = describe_failure(_failure(404), "Nope", TERMINAL).message
    timeout = fp.BotError("Error communicating with bot Nope")
    timeout.__cause__ = httpx.ReadTimeout("slow")
    slow = describe_failure(timeout, "Nope", TERMINAL).message

    assert "POE_API_KEY or the --key-file" in refused and "editor" not in refused
    assert unknown.endswith("Check the bot name in --bot.")
    assert "raise --read-timeout" in slow
    assert "poe.bot or poe.bots" in describe_failure(_failure(404), "Nope", EDITOR).message


def test_settings_problems_are_renamed_for_the_terminal() -> None:
    problem = "poe.contextLines must be a number from 0 to 200"
    assert TERMINAL.rename(problem) == "--context-lines must be a number from 0 to 200"
    assert EDITOR.rename(problem) == problem
