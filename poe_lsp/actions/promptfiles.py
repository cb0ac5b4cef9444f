"""The project's prompt files, ``.github/prompts/<name>.prompt.md``, as actions ``prompt:<name>``.

The format is VS Code's: optional front matter between ``---`` lines (``description`` is the
title; ``mode: ask`` makes it an explanation; ``model`` is a bot name, asked about like any
bot outside ``trustedBots``), then the body, which is the instruction. Prompt files are
repository content: they are read through :class:`~poe_lsp.boundary.Boundary` (inside the
workspace, regular files, capped), in a thread, and run only when the user picks one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from pathlib import PurePosixPath

from poe_lsp.actions.custom import CustomAction, valid_bot
from poe_lsp.boundary import Boundary, Refused

log = logging.getLogger(__name__)

FOLDER = (".github", "prompts")
SUFFIX = ".prompt.md"
PREFIX = "prompt:"
MAX_PROMPT_CHARS = 16_000
"""A prompt file longer than this is not offered: it is no instruction a user wrote."""
MAX_FILES = 50
FRESH_SECONDS = 5.0
"""How long a scan of the prompt folders is used before the next code-action request
starts another."""
WAIT_SECONDS = 0.2
"""How long a code-action request waits for a scan before it answers with the last one."""


def parse_prompt(name: str, text: str, path: str) -> CustomAction | None:
    """The action a prompt file declares; ``None`` if its body is empty or too long."""
    meta: dict[str, str] = {}
    body = text.removeprefix("\ufeff")
    lines = body.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                body = "".join(lines[index + 1 :])
                break
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("'\"")
    body = body.strip()
    if not body or len(body) > MAX_PROMPT_CHARS:
        return None
    model = meta.get("model")
    return CustomAction(
        id=PREFIX + name,
        title=meta.get("description") or name,
        instruction=body,
        output="explain" if meta.get("mode") == "ask" else "replace",
        bot=model if valid_bot(model) else None,
        source=path,
    )


def prompt_path(root: str, name: str) -> str:
    """Where the prompt file of ``name`` is in ``root``."""
    return os.path.join(root, *FOLDER, name + SUFFIX)


def read_prompt(boundary: Boundary, name: str) -> CustomAction | None:
    """Read and parse the prompt file ``name`` from the first root that has it. Blocks."""
    if not name or "/" in name or "\0" in name or name in (".", ".."):
        return None
    for root in boundary.roots:
        path = prompt_path(root, name)
        try:
            text = boundary.read(path)
        except Refused as exc:
            log.warning("prompt file not read: %s", exc.message)
            continue
        if text is not None:
            return parse_prompt(name, text, boundary.shown(path))
    return None


def scan(boundary: Boundary) -> tuple[CustomAction, ...]:
    """Every usable prompt file of the workspace folders, by name. Blocks."""
    found: dict[str, CustomAction] = {}
    for root in boundary.roots:
        folder = os.path.join(root, *FOLDER)
        real = PurePosixPath(os.path.realpath(folder))
        if not real.is_relative_to(os.path.realpath(root)):
            log.warning("prompt files not read: %s leads out of the workspace", folder)
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for entry in names[: MAX_FILES * 4]:
            name = entry.removesuffix(SUFFIX)
            if entry == name or not name or name in found or len(found) >= MAX_FILES:
                continue
            action = read_prompt(Boundary([root]), name)
            if action is not None:
                found[name] = action
    return tuple(found.values())


class PromptFiles:
    """The last scan of the prompt files, refreshed in a thread when it is older than
    :data:`FRESH_SECONDS`."""

    def __init__(self) -> None:
        self._actions: tuple[CustomAction, ...] = ()
        self._roots: tuple[str, ...] = ()
        self._at = -FRESH_SECONDS
        self._task: asyncio.Task[tuple[CustomAction, ...]] | None = None

    async def current(
        self, roots: Sequence[str], wait: float = WAIT_SECONDS
    ) -> tuple[CustomAction, ...]:
        """The prompt files of ``roots``: a scan at most :data:`FRESH_SECONDS` old if one
        finishes within ``wait`` seconds, else the last one."""
        roots = tuple(roots)
        fresh = roots == self._roots and time.monotonic() - self._at < FRESH_SECONDS
        if not fresh and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._scan(roots))
        if self._task is not None and not self._task.done():
            done, _ = await asyncio.wait({self._task}, timeout=wait)
            if not done:
                return self._actions if roots == self._roots else ()
        return self._actions

    async def _scan(self, roots: tuple[str, ...]) -> tuple[CustomAction, ...]:
        try:
            actions = await asyncio.to_thread(scan, Boundary(roots))
        except Exception:
            log.exception("scanning the prompt files failed")
            actions = ()
        self._actions, self._roots, self._at = actions, roots, time.monotonic()
        return actions

    def invalidate(self) -> None:
        """A prompt file changed: the next request scans again (and waits for it)."""
        self._at = -FRESH_SECONDS

    def close(self) -> None:
        """Stop a scan under way."""
        if self._task is not None:
            self._task.cancel()
