"""Settings: defaults, the environment fallback, and wrong values told to the user."""

from __future__ import annotations

import argparse

import pytest

from poe_lsp.settings import DEFAULT_BASE_URL, DEFAULT_BOT, parse_settings
from poe_lsp.terminal.command import _settings


def test_defaults() -> None:
    settings, problems = parse_settings(None, env={})
    assert settings.api_key is None
    assert settings.bot == DEFAULT_BOT
    assert settings.base_url == DEFAULT_BASE_URL
    assert problems == []


def test_bot_moves_every_action_unless_one_has_its_own() -> None:
    settings, _ = parse_settings({"bot": "GPT-5", "bots": {"explain": "Gemini-2.5-Pro"}}, env={})
    assert settings.bot_for("refactor") == "GPT-5"
    assert settings.bot_for("writeTests") == "GPT-5"
    assert settings.bot_for("explain") == "Gemini-2.5-Pro"


def test_key_from_settings_wins_over_the_environment() -> None:
    settings, _ = parse_settings({"apiKey": " abc123 "}, env={"POE_API_KEY": "env-key"})
    assert settings.api_key == "abc123"
    settings, _ = parse_settings({}, env={"POE_API_KEY": "env-key"})
    assert settings.api_key == "env-key"


def test_key_never_appears_in_repr() -> None:
    settings, _ = parse_settings({"apiKey": "sekrit-123"}, env={})
    assert "sekrit" not in repr(settings)


def test_wrong_values_fall_back_and_are_named() -> None:
    settings, problems = parse_settings(
        {
            "apiKey": "two words",
            "bot": 42,
            "baseUrl": "ftp://example.com/",
            "contextLines": "lots",
            "readTimeout": 0,
            "bots": {"summarize": "X"},
        },
        env={},
    )
    assert settings.api_key is None
    assert settings.bot == DEFAULT_BOT
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.context_lines == 30
    text = " | ".join(problems)
    for name in (
        "poe.apiKey",
        "poe.bot ",
        "poe.baseUrl",
        "poe.contextLines",
        "poe.readTimeout",
        "poe.bots.summarize",
    ):
        assert name in text


def test_base_url_gets_its_trailing_slash() -> None:
    settings, problems = parse_settings({"baseUrl": "http://127.0.0.1:9000/bot"}, env={})
    assert settings.base_url == "http://127.0.0.1:9000/bot/"
    assert any("end with '/'" in p for p in problems)


def test_settings_that_are_not_an_object() -> None:
    settings, problems = parse_settings(["bot"], env={})
    assert settings.bot == DEFAULT_BOT
    assert problems


def test_the_environment_allows_hosts_and_bots_the_settings_cannot() -> None:
    env = {"POE_ALLOWED_HOSTS": "proxy.example", "POE_TRUSTED_BOTS": "Code"}
    settings, problems = parse_settings(
        {"baseUrl": "https://proxy.example/bot/", "trustedBots": ["*"]}, env=env
    )
    assert problems == []
    assert settings.may_send_key(settings.base_url)
    assert settings.bot_trust("Code") == "trusted"
    assert settings.bot_trust("ThirdParty") == "settings"
    settings, _ = parse_settings(
        {
            "baseUrl": "https://proxy.example/bot/",
            "allowedHosts": ["proxy.example"],  # not a setting: settings cannot allow hosts
            "trustedBots": ["*"],
        },
        env={},
    )
    assert not settings.may_send_key(settings.base_url)
    assert settings.may_send_key("https://api.poe.com/")


def test_wrong_allowed_hosts_are_named() -> None:
    settings, problems = parse_settings(None, env={"POE_ALLOWED_HOSTS": "ok.example,https://x/"})
    assert settings.allowed_hosts == {("ok.example", None)}
    assert any("POE_ALLOWED_HOSTS" in p and "'https://x/'" in p for p in problems)


def test_urls_whose_host_parsers_could_disagree_on_are_refused() -> None:
    for url in (
        "https://api.poe.com@evil.example/",
        "https://evil.example\\@api.poe.com/",
        "https://api.poe.com:x/",
        "https://api.poe.com:0/",
        "http://vm:8000/",  # plain http goes only to this machine
    ):
        settings, problems = parse_settings({"baseUrl": url}, env={})
        assert settings.base_url == DEFAULT_BASE_URL and any("poe.baseUrl" in p for p in problems)
    settings, problems = parse_settings({"baseUrl": "http://127.0.0.2:81/"}, env={})
    assert settings.base_url == "http://127.0.0.2:81/" and problems == []


def test_a_base_url_typed_on_the_command_line_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POE_API_KEY", "cli-key")
    monkeypatch.setenv("POE_ALLOWED_HOSTS", "proxy.example")
    monkeypatch.delenv("POE_TRUSTED_BOTS", raising=False)
    options = {"bot": None, "context_lines": None, "read_timeout": None, "key_file": None}
    typed = _settings(argparse.Namespace(base_url="https://gw.example:8443/bot", **options))
    assert typed.may_send_key(typed.base_url)
    assert not typed.may_send_key("https://gw.example/"), "only the host and port typed"
    assert typed.may_send_key("https://proxy.example/"), "the environment still counts"
    plain = _settings(argparse.Namespace(base_url=None, **options))
    assert not plain.may_send_key("https://gw.example:8443/")
