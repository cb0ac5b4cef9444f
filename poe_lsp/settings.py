"""The user's settings: one typed object, read from the ``poe`` section of the editor's settings.

The same object arrives as ``initializationOptions`` and from ``workspace/configuration``
(section ``poe``), in camelCase. Values that are wrong fall back to their defaults, and
:func:`parse_settings` says which, so the server can tell the user. Any of these sources can
be the project's, so what the key may reach beyond Poe and this machine, and which bots may
spend it without asking, is widened only from the environment (see :mod:`poe_lsp.trust`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from poe_lsp import trust
from poe_lsp.actions.custom import CustomAction, parse_actions
from poe_lsp.contract import ACTIONS, EDITING_ACTIONS, Action
from poe_lsp.poe.ratelimit import LIMIT, WINDOW
from poe_lsp.schema import Setting, declared, fields_doc, setting

DEFAULT_BOT = "Claude-Sonnet-4.5"
DEFAULT_BASE_URL = "https://api.poe.com/bot/"
KEY_ENV = "POE_API_KEY"
TRUSTED_BOTS = (
    "Claude-Sonnet-4.5",
    "Claude-Opus-4.1",
    "Claude-Haiku-4.5",
    "GPT-5",
    "GPT-5-mini",
    "GPT-4.1",
    "Gemini-2.5-Pro",
    "Gemini-2.5-Flash",
)
"""Official Poe bots suggested for code; others are asked about before their first use."""
DEFAULT_REVIEW: Mapping[Action, bool] = {
    "refactor": False,
    "ask": True,
    "writeTests": False,
    "commitMessage": False,
}
"""Whether each action that edits (:data:`~poe_lsp.contract.EDITING_ACTIONS`) is reviewed."""


@dataclass(frozen=True)
class Settings:
    """Everything a user can set, with safe defaults.

    Each field read from the editor is declared with :func:`~poe_lsp.schema.setting`: its wire
    key, type, default, range and description, which ``editors/contract.json`` passes on to
    the editors (``python -m poe_lsp.contract`` writes it)."""

    api_key: str | None = setting(
        "apiKey",
        "string",
        None,
        "Your Poe API key, from https://poe.com/api_key.",
        unset=f"`${KEY_ENV}`",
        details=f"Unset, the server uses the `{KEY_ENV}` environment variable of the editor.",
        user_only=True,
        shown=False,
    )
    bot: str = setting(
        "bot",
        "string",
        DEFAULT_BOT,
        "The bot every action uses, unless `bots` names another one for that action.",
    )
    bots: Mapping[Action, str] = setting(
        "bots",
        "object",
        {},
        'A bot per action, e.g. `{"explain": "GPT-5"}`. An action left out uses `bot`.',
        properties=ACTIONS,
        values="string",
        details="Setting `bot` alone moves every action.",
    )
    trusted_bots: tuple[str, ...] = setting(
        "trustedBots",
        "array",
        TRUSTED_BOTS,
        'The bots that may spend your points without asking first (`"*"`: every bot); by '
        "default Poe's official bots for code.",
        items="string",
        user_only=True,
        details="Bots it adds to the official ones are still asked about, since settings can "
        f"be the project's; `{trust.TRUSTED_BOTS_ENV}` in the server's environment trusts bots "
        "without asking (the editor clients put yours there).",
    )
    review: Mapping[Action, bool] = setting(
        "review",
        "object",
        DEFAULT_REVIEW,
        "Per action: offer the finished answer for review as one edit, instead of streaming it "
        "into the document.",
        properties=EDITING_ACTIONS,
        values="boolean",
        details="Explain never edits (see below).",
    )
    base_url: str = setting(
        "baseUrl",
        "string",
        DEFAULT_BASE_URL,
        "Where bots are reached (fastapi-poe's `base_url`); it must end with `/`, and use https "
        "except to this machine.",
        user_only=True,
        details="Point it at a self-hosted or test bot server. A host other than Poe's or this "
        f"machine is asked about first, or allowed in `{trust.ALLOWED_HOSTS_ENV}` (see "
        "[Where the key may go](#costs-limits-and-your-key)).",
    )
    usage_url: str | None = setting(
        "usageUrl",
        "string",
        None,
        "Poe's API host for the point balance (`GET usage/current_balance`), ending with `/`; "
        "unset, it is derived from `baseUrl` (`https://api.poe.com/` for the default).",
        unset="derived from `baseUrl`",
        user_only=True,
        details="The same host rule as `baseUrl` applies.",
    )
    context_lines: int = setting(
        "contextLines",
        "integer",
        30,
        "Lines before and after the selection sent to the bot as context.",
        minimum=0,
        maximum=500,
    )
    project_instructions: bool = setting(
        "projectInstructions",
        "boolean",
        True,
        "Send the project's instructions for AI assistants (the nearest `AGENTS.md`, and "
        "`CLAUDE.md`, `.github/copilot-instructions.md`, `.poe/instructions.md` at the root) "
        "to the bot as context.",
        details="Each file is cut at 8,000 characters; a link leading out of the workspace is "
        "not followed. The bot is told they describe the project's conventions and cannot "
        "change what it is asked or where its answer goes.",
    )
    read_timeout: float = setting(
        "readTimeout",
        "number",
        120.0,
        "Seconds to wait for the next piece of an answer before giving up.",
        minimum=1,
        maximum=600,
    )
    rate_limit: int = setting(
        "rateLimit",
        "integer",
        LIMIT,
        "The most requests to Poe in `rateLimitWindow` seconds with this key, shared by all "
        "jobs (Poe allows 500 a minute).",
        minimum=1,
        maximum=LIMIT,
    )
    rate_limit_window: float = setting(
        "rateLimitWindow",
        "number",
        WINDOW,
        "The window of `rateLimit`, in seconds.",
        minimum=1,
        maximum=3600,
    )
    actions: tuple[CustomAction, ...] = setting(
        "actions",
        "array",
        (),
        'Your own code actions: `[{"id": "docstrings", "title": "Add docstrings", '
        '"instruction": "Add docstrings", "output": "replace"}]`. Each is offered as '
        "`Poe: <title>` and runs like Refactor (`replace`), Explain (`explain`) or Write "
        "tests (`tests`).",
        items="object",
        details="Optional keys: `bot`, `review` (true/false), `languages` (LSP language ids). "
        "The project's `.github/prompts/<name>.prompt.md` files are offered the same way "
        "(id `prompt:<name>`). A wrong entry is named in a warning and skipped.",
    )
    # The context budget (issue 13).
    context_budget: int = setting(
        "contextBudget",
        "integer",
        24_000,
        "The most characters of context sent with one request; the selection is always sent.",
        minimum=4_000,
        maximum=400_000,
        details="What does not fit is left out by whole lines, in this order: the surrounding "
        "lines, the test file, the definitions, the header, the project's instructions, the "
        "diagnostics. The progress and `poe.sent` say what was left out.",
    )
    # Points you can see and control (issue 16).
    daily_point_budget: int = setting(
        "dailyPointBudget",
        "integer",
        0,
        "The most points poe-lsp may spend in a day (API use since local midnight, from Poe's "
        "points history); `0`: no limit. At or above it, a job is refused before it asks a "
        "bot.",
        minimum=0,
        maximum=100_000_000,
        user_only=True,
        details=f"A project's settings can lower it but not raise it: `{trust.BUDGET_ENV}` in "
        "the server's environment sets a budget they cannot remove (an editor client can put "
        "yours there). When the history cannot be read, the job goes on with a warning.",
    )
    env_daily_budget: int = 0
    """``$POE_DAILY_POINT_BUDGET``: the daily budget the settings can only lower."""
    env_trusted_bots: tuple[str, ...] = ()
    """``$POE_TRUSTED_BOTS``: more bots trusted without asking (``*``: every bot)."""
    allowed_hosts: frozenset[trust.HostEntry] = frozenset()
    """``$POE_ALLOWED_HOSTS``: hosts besides Poe's and this machine the key may be sent to."""

    def bot_for(self, action: Action) -> str:
        """Return the bot configured for ``action``."""
        return self.bots.get(action) or self.bot

    @property
    def daily_budget(self) -> int:
        """The daily point budget in force (``0``: none), see :func:`trust.daily_budget`."""
        return trust.daily_budget(self.daily_point_budget, self.env_daily_budget)

    def bot_trust(self, bot: str) -> trust.BotTrust:
        """Whether ``bot`` may be queried without asking, or why the user is asked first."""
        return trust.bot_trust(bot, self.trusted_bots, self.env_trusted_bots, TRUSTED_BOTS)

    def may_send_key(self, url: str) -> bool:
        """Whether the key may go to the host of ``url`` without asking the user first."""
        return trust.may_send_key(trust.destination(url), self.allowed_hosts)


Settings.__doc__ = (Settings.__doc__ or "") + fields_doc(Settings)

SETTINGS: Mapping[str, Setting] = declared(Settings)
"""The settings the editor sends, by wire key, in the order the editors list them."""


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

    hosts, wrong = trust.parse_hosts(env.get(trust.ALLOWED_HOSTS_ENV, ""))
    if wrong:
        problems.append(
            f"{trust.ALLOWED_HOSTS_ENV} must list hosts like example.com or example.com:8443; "
            f"ignoring {', '.join(repr(w) for w in wrong)}"
        )
    env_budget = trust.parse_budget(env.get(trust.BUDGET_ENV, ""))
    if env_budget is None:
        problems.append(
            f"{trust.BUDGET_ENV} must be a whole number of points; ignoring it, so no "
            "daily budget comes from the environment"
        )
    settings = replace(
        settings,
        env_daily_budget=env_budget or 0,
        allowed_hosts=hosts,
        env_trusted_bots=trust.parse_bots(env.get(trust.TRUSTED_BOTS_ENV, "")),
    )

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

    base_url = _url(data, "baseUrl", problems, fallback=f"using {DEFAULT_BASE_URL}")
    if base_url is not None:
        settings = replace(settings, base_url=base_url)
    usage_url = _url(data, "usageUrl", problems, fallback="deriving it from poe.baseUrl")
    if usage_url is not None:
        settings = replace(settings, usage_url=usage_url)

    trusted = data.get("trustedBots")
    if trusted is not None:
        if isinstance(trusted, list) and all(isinstance(b, str) and b.strip() for b in trusted):
            settings = replace(settings, trusted_bots=tuple(b.strip() for b in trusted))
        else:
            problems.append("poe.trustedBots must be a list of bot names; using the default list")

    limit = _number(data, "rateLimit", problems)
    if limit is not None:
        settings = replace(settings, rate_limit=int(limit))
    window = _number(data, "rateLimitWindow", problems)
    if window is not None:
        settings = replace(settings, rate_limit_window=window)

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

    lines = _number(data, "contextLines", problems)
    if lines is not None:
        settings = replace(settings, context_lines=int(lines))
    instructions = data.get("projectInstructions")
    if instructions is not None:
        if isinstance(instructions, bool):
            settings = replace(settings, project_instructions=instructions)
        else:
            problems.append("poe.projectInstructions must be true or false")
    timeout = _number(data, "readTimeout", problems)
    if timeout is not None:
        settings = replace(settings, read_timeout=float(timeout))
    actions, wrong_actions = parse_actions(data.get("actions"))
    problems += wrong_actions
    settings = replace(settings, actions=actions)
    budget = _number(data, "contextBudget", problems)
    if budget is not None:
        settings = replace(settings, context_budget=int(budget))
    daily = _number(data, "dailyPointBudget", problems)
    if daily is not None:
        settings = replace(settings, daily_point_budget=int(daily))
    return settings, problems


def _url(data: Mapping[str, Any], key: str, problems: list[str], *, fallback: str) -> str | None:
    """Validate a URL setting: http(s), and plain http only to this machine (the key goes there).

    A user name, password, backslash or space in the host part is refused: URL parsers
    disagree on where such a host ends, and the host decides where the key goes.
    """
    value = data.get(key)
    if value is None or value == "":
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c in parts.netloc for c in "@\\ \t")
        or not _valid_port(parts.netloc)
    ):
        problems.append(f"poe.{key} must be an https URL; {fallback}")
        return None
    if parts.scheme == "http" and not trust.is_local(parts.hostname):
        problems.append(
            f"poe.{key} must use https (your API key travels with each request; plain http is "
            f"allowed only to localhost); {fallback}"
        )
        return None
    if not value.endswith("/"):
        problems.append(f"poe.{key} must end with '/'; using '{value}/'")
        value += "/"
    return str(value)


def _valid_port(netloc: str) -> bool:
    try:
        port = urlsplit(f"//{netloc}").port
    except ValueError:
        return False
    return port is None or port > 0


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


def _number(data: Mapping[str, Any], key: str, problems: list[str]) -> float | None:
    """Validate a number setting against the range :data:`SETTINGS` declares for it."""
    value = data.get(key)
    if value is None:
        return None
    spec = SETTINGS[key]
    low, high = spec.minimum, spec.maximum
    assert low is not None and high is not None, f"{key} declares no range"
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problems.append(
            f"poe.{key} must be a number from {low:.12g} to {high:.12g}; using the default"
        )
        return None
    return float(value)
