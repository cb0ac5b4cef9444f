"""What an action works on when the editor sends an empty range (a bare cursor)."""

from __future__ import annotations

from collections.abc import Sequence

from poe_lsp.edits.positions import Pos

_CLOSERS = ("}", ")", "]", "end", "fi", "done", "esac")


def expand_cursor(lines: Sequence[str], cursor: Pos) -> tuple[Pos, Pos] | None:
    """Return the whole-line range an empty selection at ``cursor`` stands for.

    ``lines`` may keep their line breaks or not.

    That is the line under the cursor and the block it opens: the lines after it that are
    indented deeper (blank lines inside included), plus a closing line at the same
    indentation such as ``}`` or ``end``. ``None`` on a blank line or past the end.
    """
    row = cursor[0]
    if row >= len(lines) or not lines[row].strip():
        return None
    base = _indent(lines[row])
    last = row
    for index in range(row + 1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        depth = _indent(line)
        if depth > base:
            last = index
            continue
        if depth == base and last > row and line.strip().startswith(_CLOSERS):
            last = index
        break
    return (row, 0), (last + 1, 0)


def _indent(line: str) -> int:
    """The width of the line's indentation: its leading spaces and tabs (form feeds count 0)."""
    lead = line[: len(line) - len(line.lstrip(" \t\x0c"))]
    return len(lead.replace("\x0c", "").expandtabs(4))
