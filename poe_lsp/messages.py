"""User-facing text that the editors and the terminal share, in each host's own words.

A :class:`Wording` says how a host names things: where the API key goes, and what each
setting is called there (``poe.baseUrl`` in an editor, ``--base-url`` in a terminal). A
message that points at either is built with the wording of the host that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from poe_lsp.settings import KEY_ENV

KEY_URL = "https://poe.com/api_key"


@dataclass(frozen=True)
class Wording:
    """How one host (the editors, the terminal) names the key's place and the settings."""

    key_help: str
    """A sentence that says where the key goes and where to get one."""
    set_key: str
    """Where to put the key, as a clause (after "Poe needs your API key: ")."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Setting -> the name the host knows it by; a setting not listed keeps its name."""

    def setting(self, name: str) -> str:
        """Return the setting ``name`` (``poe.baseUrl``) as this host names it."""
        return self.names.get(name, name)

    def rename(self, text: str) -> str:
        """Name the settings in ``text``, written by the settings parser for every host
        (``poe.contextLines must be …``), as this host does."""
        for name in sorted(self.names, key=len, reverse=True):
            text = text.replace(name, self.names[name])
        return text


EDITOR = Wording(
    key_help=(
        "Set poe.apiKey in your editor's settings (VS Code: run 'Poe: Set API Key'), "
        f"or {KEY_ENV} in the environment the editor starts from. Get a key at {KEY_URL}."
    ),
    set_key=(
        "set poe.apiKey in your editor's settings (VS Code: run 'Poe: Set API Key'; Neovim: "
        f"api_key in setup()), or {KEY_ENV} in the environment the editor starts from. "
        f"Get a key at {KEY_URL}."
    ),
)

TERMINAL = Wording(
    key_help=f"Check {KEY_ENV} or the --key-file.",
    set_key=(
        f"set {KEY_ENV} in the environment, or pass --key-file PATH (a file that holds the "
        f"key). Get a key at {KEY_URL}."
    ),
    names={
        "poe.bot or poe.bots": "--bot",
        "poe.bot": "--bot",
        "poe.bots": "--bot",
        "poe.baseUrl": "--base-url",
        "poe.contextLines": "--context-lines",
        "poe.readTimeout": "--read-timeout",
        "poe.dailyPointBudget": "$POE_DAILY_POINT_BUDGET",
    },
)


def no_key(wording: Wording) -> str:
    """Say that there is no key, and where it goes."""
    return f"Poe needs your API key: {wording.set_key}"


def bot_names(wording: Wording) -> str:
    """Where the bot names are set: ``poe.bot or poe.bots`` (editor), ``--bot`` (terminal)."""
    bot, bots = wording.setting("poe.bot"), wording.setting("poe.bots")
    return bot if bot == bots else f"{bot} or {bots}"


UNEXPECTED = (
    "poe-lsp failed unexpectedly (see its log), so the job stopped; try again, and if it "
    "happens again, report it with the log."
)


def secret_refused(name: str) -> str:
    """Say that a file whose name looks like a secret is never sent, and what to do."""
    return (
        f"Poe sends nothing from {name}: its name looks like a file of secrets (keys, "
        "passwords, tokens). Copy the code you want to ask about into another file."
    )
