"""A file's header: the lines at its top that say what it uses. Pure.

The bot gets them with every selection, however far below it is, since the imports name what
the selected code calls: Python's module docstring, ``__future__``, ``import`` and ``from``
lines; JavaScript's and TypeScript's ``import`` and ``require`` lines; Go's ``package`` clause
and ``import`` block; Rust's ``use`` lines; Java's ``package`` and ``import`` lines. Comments and
blank lines between them belong to the header; the first other statement ends it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_HEADER_LINES = 200
"""A header longer than this is cut: the prompt has room for code too."""


@dataclass(frozen=True)
class _Syntax:
    starts: re.Pattern[str]
    """A line that opens a header statement."""
    comment: tuple[str, ...]
    """Prefixes of a line comment (or of a line the header may hold, like a shebang)."""
    block_comments: bool = True
    """``/* … */`` comments."""


_JS = _Syntax(
    re.compile(
        r"""(import\b|export\s+(\*|\{[^}]*\}?)\s*(from\b|$)|export\s+\*|"""
        r"""(const|let|var)\s+[\w${},\s:]+=\s*require\s*\(|require\s*\(|["'](use \w+)["'])"""
    ),
    ("//", "#!"),
)
_SYNTAX: dict[str, _Syntax] = {
    "python": _Syntax(re.compile(r"(import|from)\s"), ("#",), block_comments=False),
    "javascript": _JS,
    "javascriptreact": _JS,
    "typescript": _JS,
    "typescriptreact": _JS,
    "go": _Syntax(re.compile(r"(package|import)\b"), ("//",)),
    "rust": _Syntax(re.compile(r"((pub(\([^)]*\))?\s+)?use\s|extern\s+crate\s|#!\[)"), ("//",)),
    "java": _Syntax(re.compile(r"(package|import)\s"), ("//",)),
}

_DOCSTRING = re.compile(r"""[rRuUbB]{0,2}("{3}|'{3}|"|')""")


def header_end(lines: Sequence[str], language: str) -> int:
    """Return how many of the file's first ``lines`` are its header (0: none, or a language
    without one here), without the blank lines after it."""
    syntax = _SYNTAX.get(language)
    if syntax is None:
        return 0
    end = 0
    i = 0
    if language == "python":
        i = end = _docstring_end(lines)
    in_comment = False
    while i < len(lines) and i < MAX_HEADER_LINES:
        line = lines[i].strip()
        if in_comment:
            in_comment = "*/" not in line
            i += 1
            continue
        if not line or line.startswith(syntax.comment):
            i += 1
            continue
        if syntax.block_comments and line.startswith("/*"):
            in_comment = "*/" not in line[2:]
            i += 1
            continue
        if lines[i][:1].isspace() or not syntax.starts.match(line):
            break
        i = _statement_end(lines, i, language)
        end = i
    return min(end, MAX_HEADER_LINES)


def _docstring_end(lines: Sequence[str]) -> int:
    """The line after a Python module docstring (after comments and blank lines), else 0."""
    i = 0
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
        i += 1
    if i == len(lines):
        return 0
    match = _DOCSTRING.match(lines[i])
    if match is None:
        return 0
    quote = match.group(1)
    rest = lines[i][match.end() :]
    if quote in rest:
        return i + 1
    if len(quote) == 1:
        return 0
    for j in range(i + 1, len(lines)):
        if quote in lines[j]:
            return j + 1
    return 0


def _statement_end(lines: Sequence[str], i: int, language: str) -> int:
    """The line after the statement that starts at line ``i``: open brackets closed (and, in
    Python, no trailing backslash)."""
    depth = 0
    while i < len(lines):
        line = lines[i]
        code = line.split("//")[0] if language != "python" else line.split("#")[0]
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        i += 1
        continues = language == "python" and code.rstrip("\r\n").endswith("\\")
        if depth <= 0 and not continues:
            break
    return i
