"""Settings: defaults, the environment fallback, and wrong values told to the user."""

from __future__ import annotations

from poe_lsp.settings import DEFAULT_BASE_URL, DEFAULT_BOT, parse_settings


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
