"""The user's settings: one typed object, read from the ``poe`` section of the editor's settings.

The same object arrives as ``initializationOptions`` and from ``workspace/configuration``
(section ``poe``), in camelCase. Values that are wrong fall back to their defaults, and
:func:`parse_settings` says which, so the server can tell the user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from poe_lsp.contract import ACTIONS, Action

DEFAULT_BOT = "Claude-Sonnet-4.5"
DEFAULT_BASE_URL = "https://api.poe.com/bot/"
KEY_ENV = "POE_API_KEY"
DEFAULT_REVIEW: Mapping[Action, bool] = {"refactor": False, "ask": True, "writeTests": False}


@dataclass(frozen=True)
class Settings:
    """Everything a user can set, with safe defaults."""

    api_key: str | None = field(default=None, repr=False)
    """``apiKey``: the Poe API key (https://poe.com/api_key). Falls back to ``$POE_API_KEY``."""
    bot: str = DEFAULT_BOT
    """``bot``: the bot every action uses unless ``bots`` names another one."""
    bots: Mapping[Action, str] = field(default_factory=dict)
    """``bots``: a bot per action, e.g. ``{"explain": "GPT-5"}``; unset actions use ``bot``."""
    base_url: str = DEFAULT_BASE_URL
    """``baseUrl``: where bots are reached (fastapi_poe's ``base_url``); ends with ``/``."""
    context_lines: int = 30
    """``contextLines``: lines before and after the selection sent as context (0-500)."""
    read_timeout: float = 120.0
    """``readTimeout``: seconds to wait for the next piece of an answer (5-600)."""
    review: Mapping[Action, bool] = field(default_factory=lambda: dict(DEFAULT_REVIEW))
    """``review``: per action, whether its change is offered for review instead of streamed
    straight into the document, e.g. ``{"refactor": true}``. Explain never edits."""

    def bot_for(self, action: Action) -> str:
        """Return the bot configured for ``action``."""
        return self.bots.get(action) or self.bot


def parse_settings(raw: object, env: Mapping[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Read settings from the editor's ``poe`` object; return them and what was wrong.

    ``raw`` may be ``None`` (no settings). Unknown keys are ignored.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if raw is not None and not isinstance(raw, Mapping):
        problems.append("the poe settings must be an object; using the defaults")
    settings = Settings()

    key = data.get("apiKey")
    if isinstance(key, str):
        key = key.strip()
    if key is not None and key != "" and not _valid_key(key):
        problems.append(
            "poe.apiKey is not a valid key (it must be one word of printable characters)"
        )
        key = None
    if not key:
        env_key = env.get(KEY_ENV, "").strip()
        key = env_key if _valid_key(env_key) else None
    settings = replace(settings, api_key=key or None)

    bot = data.get("bot")
    if bot is not None:
        if _valid_bot(bot):
            settings = replace(settings, bot=bot.strip())
        else:
            problems.append(f"poe.bot must be a bot name; using {DEFAULT_BOT}")

    bots = data.get("bots")
    if bots is not None:
        chosen: dict[Action, str] = {}
        if not isinstance(bots, Mapping):
            problems.append('poe.bots must be an object like {"explain": "GPT-5"}')
            bots = {}
        for action, name in bots.items():
            if action not in ACTIONS:
                problems.append(f"poe.bots.{action} is not an action ({', '.join(ACTIONS)})")
            elif name in (None, ""):
                continue
            elif _valid_bot(name):
                chosen[action] = name.strip()
            else:
                problems.append(f"poe.bots.{action} must be a bot name; using poe.bot")
        settings = replace(settings, bots=chosen)

    base_url = data.get("baseUrl")
    if base_url is not None and base_url != "":
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"poe.baseUrl must be an http(s) URL; using {DEFAULT_BASE_URL}")
        else:
            if not base_url.endswith("/"):
                problems.append(f"poe.baseUrl must end with '/'; using '{base_url}/'")
                base_url += "/"
            settings = replace(settings, base_url=base_url)

    review = data.get("review")
    if review is not None:
        chosen_review = dict(DEFAULT_REVIEW)
        if not isinstance(review, Mapping):
            problems.append('poe.review must be an object like {"refactor": true}')
            review = {}
        for action, value in review.items():
            if action not in DEFAULT_REVIEW:
                problems.append(f"poe.review.{action} is not an action that edits")
            elif not isinstance(value, bool):
                problems.append(f"poe.review.{action} must be true or false")
            else:
                chosen_review[action] = value
        settings = replace(settings, review=chosen_review)

    lines = _number(data, "contextLines", 0, 500, problems)
    if lines is not None:
        settings = replace(settings, context_lines=int(lines))
    timeout = _number(data, "readTimeout", 5, 600, problems)
    if timeout is not None:
        settings = replace(settings, read_timeout=float(timeout))
    return settings, problems


def _valid_key(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and " " not in value
        and value != ""
    )


def _valid_bot(value: object) -> bool:
    return (
        isinstance(value, str) and bool(value.strip()) and "/" not in value and value.isprintable()
    )


def _number(
    data: Mapping[str, Any], key: str, low: float, high: float, problems: list[str]
) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problems.append(f"poe.{key} must be a number from {low:g} to {high:g}; using the default")
        return None
    return float(value)
