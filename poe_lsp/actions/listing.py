"""The workspace's files, listed for context gathering: a bounded walk that stays inside.

:func:`list_files` walks a workspace folder breadth first, so the files nearest its top come
first when the walk stops early. It never enters a linked folder (a link can lead anywhere),
lists only regular files (no links, FIFOs or devices), skips version-control, dependency and
build folders, and stops after :data:`MAX_ENTRIES` entries or :data:`MAX_SECONDS`. It reads
no file. It blocks: call it through :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from poe_lsp.actions.private import Withheld
from poe_lsp.boundary import Boundary, Refused

log = logging.getLogger(__name__)

MAX_ENTRIES = 50_000
"""Folder entries looked at, at most, in one walk."""

MAX_SECONDS = 0.5
"""Time one walk may take, at most."""

MAX_DEPTH = 32
"""Folders deeper than this below the workspace folder are not entered."""

SKIPPED = frozenset(
    {
        "node_modules",
        "__pycache__",
        "site-packages",
        "venv",
        "env",
        "build",
        "dist",
        "target",
        "out",
        "coverage",
        "htmlcov",
        "vendor",
        "bower_components",
    }
)
"""Folders never entered, besides those whose name starts with a dot (``.git``, ``.venv``,
``.tox``, caches) and ``*.egg-info``."""


@dataclass(frozen=True)
class Listing:
    """The regular files found under a workspace folder, as ``/``-separated relative paths."""

    files: tuple[str, ...]
    complete: bool = True
    """The walk saw everything (it did not stop at a bound)."""

    _set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_set", frozenset(self.files))

    def has(self, relative: str) -> bool:
        """Whether the listing holds ``relative``."""
        return relative in self._set


def skipped(name: str) -> bool:
    """Whether a folder named ``name`` is left out of the walk."""
    return name.startswith(".") or name in SKIPPED or name.endswith(".egg-info")


def list_files(
    root: str,
    *,
    max_entries: int = MAX_ENTRIES,
    max_seconds: float = MAX_SECONDS,
    max_depth: int = MAX_DEPTH,
) -> Listing:
    """Return the regular files under ``root`` (nothing if it is not a folder)."""
    deadline = time.monotonic() + max_seconds
    files: list[str] = []
    seen = 0
    queue: deque[tuple[str, str, int]] = deque([(root, "", 0)])
    while queue:
        folder, prefix, depth = queue.popleft()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    seen += 1
                    if seen > max_entries or (seen % 256 == 0 and time.monotonic() > deadline):
                        return Listing(tuple(files), complete=False)
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if not skipped(entry.name) and depth < max_depth:
                                queue.append((entry.path, prefix + entry.name + "/", depth + 1))
                        elif entry.is_file(follow_symlinks=False):
                            files.append(prefix + entry.name)
                    except OSError:
                        continue
        except OSError:
            continue
        if time.monotonic() > deadline:
            return Listing(tuple(files), complete=not queue)
    return Listing(tuple(files))


def read_listed(
    boundary: Boundary,
    root: PurePosixPath,
    relative: str,
    *,
    limit: int,
    purpose: str,
    withheld: Withheld,
) -> str | None:
    """Return the text of ``root / relative`` as the workspace boundary reads it, or ``None``
    when it is never sent (``withheld``: it looks like a secret, git ignores it), may not be
    read (both logged with ``purpose``), does not exist, or holds more than ``limit``
    characters. Blocks: call it off the event loop."""
    reason = withheld.reason(relative)
    if reason is not None:
        log.info("left out of the %s: %s", purpose, reason)
        return None
    try:
        found = boundary.read(str(root / relative))
    except Refused as exc:
        log.info("left out of the %s: %s", purpose, exc.message)
        return None
    if found is None or len(found) > limit:
        return None
    return found
