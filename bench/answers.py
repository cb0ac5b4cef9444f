"""What the fake bot answers and what the editor has open: generated, deterministic."""

from __future__ import annotations

import re

FENCE = "```python\n"
FIRST_CODE_CHUNK = 1
"""Index of the first chunk that carries code (chunk 0 is the opening fence)."""

SOURCE = (
    "import math\n"
    "\n"
    "\n"
    "def compute(values):\n"
    "    total = 0\n"
    "    for value in values:\n"
    "        total += value\n"
    "    return total\n"
    "\n"
    "\n"
    "print(compute([1, 2, 3]))\n"
)
SELECTED = (3, 8)
"""The lines of :data:`SOURCE` each job rewrites (``compute``), end exclusive."""


def answer(chunks: int) -> list[str]:
    """A Markdown answer of exactly ``chunks`` chunks (>= 3): a fence, code tokens, a fence.

    The code is a function whose body grows a line per ~9 tokens, like an LLM's stream.
    """
    body = ["def compute(values):\n", "    total = 0\n"]
    tokens: list[str] = [t for line in body for t in _tokens(line)]
    line = 0
    while len(tokens) < chunks - 3:
        tokens += _tokens(f"    total = total + values[{line % 3}] * {line}\n")
        line += 1
    tokens = tokens[: chunks - 3]
    if not tokens[-1].endswith("\n"):
        tokens[-1] += "\n"
    return [FENCE, *tokens, "    return total\n", "```\n"]


def code_of(chunks: list[str]) -> str:
    """The code inside the fences of ``chunks``: what the job writes over the selection."""
    return "".join(chunks[1:-1])


def edited(code: str) -> str:
    """:data:`SOURCE` with :data:`SELECTED` replaced by ``code``, exactly once."""
    lines = SOURCE.splitlines(keepends=True)
    return "".join(lines[: SELECTED[0]]) + code + "".join(lines[SELECTED[1] :])


def _tokens(line: str) -> list[str]:
    """Split a line into word-sized tokens, each with its leading blanks; the newline alone."""
    return re.findall(r"[ \t]*\S+|\s+", line)


def large_document(lines: int) -> str:
    """A Python file of ``lines`` lines: functions of eight lines, one after another."""
    out: list[str] = []
    index = 0
    while len(out) < lines:
        out += [
            f"def function_{index}(items, limit={index}):\n",
            '    """Sum the items below the limit."""\n',
            "    total = 0\n",
            "    for item in items:\n",
            "        if item < limit:\n",
            "            total += item\n",
            "    return total\n",
            "\n",
        ]
        index += 1
    return "".join(out[:lines])
