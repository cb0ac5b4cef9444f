"""LSP positions in any negotiated encoding, computed on plain strings.

LSP counts a line's characters in UTF-16 code units by default, in bytes (UTF-8) or
code points (UTF-32) when negotiated, and breaks lines at ``\\n``, ``\\r\\n`` and ``\\r``.
"""

from __future__ import annotations

import re
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]
Pos = tuple[int, int]
"""A (line, character) pair in the units of some :data:`Encoding`."""

_BREAK = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: Encoding) -> int:
    """Return the length of ``text`` in the code units of ``encoding``."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def _chars_for_units(line: str, count: int, encoding: Encoding) -> int:
    """Return how many characters of ``line`` fit in ``count`` code units (clamped)."""
    if encoding == "utf-32" or line.isascii():
        return min(count, len(line))
    used = 0
    for index, ch in enumerate(line):
        used += units(ch, encoding)
        if used > count:
            return index
    return len(line)


def line_starts(text: str) -> list[int]:
    """Return the offset at which each line of ``text`` starts."""
    return [0, *(m.end() for m in _BREAK.finditer(text))]


def offset_at(text: str, pos: Pos, encoding: Encoding) -> int:
    """Return the string offset of ``pos`` in ``text``, clamped to the text like LSP asks."""
    starts = line_starts(text)
    line, character = pos
    if line >= len(starts):
        return len(text)
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    content = text[start:end].rstrip("\r\n")
    return start + _chars_for_units(content, character, encoding)


def position_at(text: str, offset: int, encoding: Encoding) -> Pos:
    """Return the position of string offset ``offset`` in ``text``."""
    return advance((0, 0), text[:offset], encoding)


def advance(pos: Pos, inserted: str, encoding: Encoding) -> Pos:
    """Return the position just after ``inserted`` when it is written at ``pos``."""
    breaks = list(_BREAK.finditer(inserted))
    if not breaks:
        return pos[0], pos[1] + units(inserted, encoding)
    tail = inserted[breaks[-1].end() :]
    return pos[0] + len(breaks), units(tail, encoding)


def line_ending(text: str) -> str:
    """Return the line ending ``text`` uses (its first one), ``\\n`` when it has none."""
    match = _BREAK.search(text)
    return match.group() if match else "\n"
