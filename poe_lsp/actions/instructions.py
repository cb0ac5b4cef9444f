"""The project's own instructions for AI assistants (``AGENTS.md`` and the like), as context.

:func:`candidates` and :func:`cap` are pure; :func:`read_project` reads the files through the
workspace :class:`~poe_lsp.boundary.Boundary` (links leading out, FIFOs and devices refused,
size-capped) and is meant to run off the event loop. A file that is missing or refused is
left out: the job goes on without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from poe_lsp.boundary import Boundary, Refused

log = logging.getLogger(__name__)

MAX_INSTRUCTION_CHARS = 8_000
"""Cap on each file's text, cut at a line break."""

NEAREST = "AGENTS.md"
"""Looked for in the file's folder, then each folder above it up to the workspace root."""

AT_ROOT = ("CLAUDE.md", ".github/copilot-instructions.md", ".poe/instructions.md")
"""Looked for at the workspace root only."""


@dataclass(frozen=True)
class ProjectFile:
    """One instructions file as the prompt shows it."""

    path: str
    """Relative to the workspace root."""
    text: str
    cut: bool = False
    """The text was longer than :data:`MAX_INSTRUCTION_CHARS` and ends early."""


def candidates(path: str, root: PurePosixPath) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the workspace-relative places of ``AGENTS.md``, nearest first (empty when
    ``path`` is outside ``root``), and of the files read at the root."""
    pure = PurePosixPath(path)
    nearest: list[str] = []
    if pure.is_relative_to(root) and pure != root:
        folder = pure.relative_to(root).parent
        while True:
            nearest.append(str(folder / NEAREST))
            if folder == PurePosixPath("."):
                break
            folder = folder.parent
    return tuple(nearest), AT_ROOT


def cap(text: str, limit: int = MAX_INSTRUCTION_CHARS) -> tuple[str, bool]:
    """Return ``text`` cut to at most ``limit`` characters at a line break, and whether it
    was cut. A first line longer than ``limit`` leaves nothing."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    end = head.rfind("\n")
    return (head[: end + 1] if end >= 0 else ""), True


def read_project(
    boundary: Boundary, path: str, root: PurePosixPath | None
) -> tuple[ProjectFile, ...]:
    """Return the nearest ``AGENTS.md`` and the root's instruction files that can be read."""
    if root is None:
        return ()
    nearest, at_root = candidates(path, root)
    found: list[ProjectFile] = []
    for relative in nearest:
        outcome = _read(boundary, root, relative)
        if outcome is not None:
            if outcome.text.strip():
                found.append(outcome)
            break  # the nearest one, even refused or empty, hides those above it
    for relative in at_root:
        outcome = _read(boundary, root, relative)
        if outcome is not None and outcome.text.strip():
            found.append(outcome)
    return tuple(found)


def _read(boundary: Boundary, root: PurePosixPath, relative: str) -> ProjectFile | None:
    """The file, ``None`` if nothing is there; refused, an empty :class:`ProjectFile`."""
    try:
        text = boundary.read(str(root / relative))
    except Refused as exc:
        log.info("project instructions left out: %s", exc.message)
        return ProjectFile(relative, "")
    if text is None:
        return None
    capped, cut = cap(text)
    return ProjectFile(relative, capped, cut)
