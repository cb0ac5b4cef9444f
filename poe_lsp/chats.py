"""The chats of a session: where chat documents live and what the session knows of each.

A chat is a Markdown file in the chat folder (:func:`chat_directory`: ``$POE_CHAT_DIRECTORY``,
else ``$XDG_STATE_HOME/poe-lsp/chats``), outside every workspace, so that no repository sees
it and none chooses where it is written: the folder comes from the user's environment only.
Sending and applying are :mod:`poe_lsp.actions.chat`.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from poe_lsp.edits.positions import Pos

MAX_CHATS = 50
"""Chats whose selection is remembered for Apply, at most (the oldest is forgotten)."""


def chat_directory(env: Mapping[str, str] | None = None) -> Path:
    """The folder chats are written to, from the environment (never from settings)."""
    env = os.environ if env is None else env
    if env.get("POE_CHAT_DIRECTORY"):
        return Path(env["POE_CHAT_DIRECTORY"]).expanduser()
    state = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "poe-lsp" / "chats"


def is_chat(path: str, directory: Path) -> bool:
    """Whether the file at ``path`` is a chat: a Markdown file in the chat folder."""
    real, folder = os.path.realpath(path), os.path.realpath(directory)
    return real.endswith(".md") and os.path.dirname(real) == folder


@dataclass
class ChatOrigin:
    """The selection a chat began from, as it was then."""

    uri: str
    start: Pos
    end: Pos
    text: str
    place: str
    """``pkg/calc.py:4-6``, as the Apply code action names it."""


@dataclass
class Chat:
    """What the session knows of one chat document."""

    bot: str
    origin: ChatOrigin | None


class ChatStore:
    """The chats of this session, by document URI; the oldest is forgotten past
    :data:`MAX_CHATS`."""

    def __init__(self) -> None:
        self._chats: OrderedDict[str, Chat] = OrderedDict()

    def add(self, uri: str, chat: Chat) -> None:
        """Remember ``chat`` for ``uri``."""
        self._chats[uri] = chat
        self._chats.move_to_end(uri)
        while len(self._chats) > MAX_CHATS:
            self._chats.popitem(last=False)

    def get(self, uri: str) -> Chat | None:
        """The chat of ``uri``, if this session made it."""
        return self._chats.get(uri)
