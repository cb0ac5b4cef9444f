"""Turning a bot's Markdown answer, as far as it has arrived, into the code to write.

The bots are asked to answer with one fenced code block. While the answer streams, the
code inside the first fence is released line by line; a last partial line that could
still become the closing fence is held back. Prose around the block is dropped. An
answer with no fence at all is taken whole, but only once it is complete.
"""

from __future__ import annotations

from poe_lsp.edits.positions import split_lines

_FENCE_CHARS = "`~"


def _fence_of(line: str) -> str | None:
    """Return the fence marker (e.g. "```") that ``line`` opens, if it opens one."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped:
        return None
    char = stripped[0]
    if char not in _FENCE_CHARS:
        return None
    count = len(stripped) - len(stripped.lstrip(char))
    if count < 3 or (char == "`" and "`" in stripped[count:]):
        return None
    return char * count


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)


def _may_become_close(partial: str, fence: str) -> bool:
    stripped = partial.lstrip(" ")
    return stripped == "" or set(stripped) <= {fence[0]}


def extract_code(answer: str, *, final: bool) -> str | None:
    """Return the code in ``answer`` so far, or ``None`` while there is nothing to show yet.

    Complete lines keep their ``\\n``. With ``final`` the answer is complete: an unclosed
    fence runs to the end, and an answer without a fence is the code itself.
    """
    answer = answer.replace("\r\n", "\n")
    lines = answer.split("\n")
    partial = lines.pop()
    for index, line in enumerate(lines):
        fence = _fence_of(line)
        if fence is None:
            continue
        body: list[str] = []
        for inner in lines[index + 1 :]:
            if _closes(inner, fence):
                return "".join(f"{b}\n" for b in body)
            body.append(inner)
        code = "".join(f"{b}\n" for b in body)
        if final or not _may_become_close(partial, fence):
            code += partial
        return code
    if final:
        if partial and _fence_of(partial):
            return ""
        return answer.strip("\n") + "\n" if answer.strip() else ""
    return None


def fit_to_selection(code: str, original: str, *, eol: str, at_line_start: bool) -> str:
    """Shape ``code`` to replace ``original``: trailing newline, indentation, line endings.

    The result ends with a line break exactly when ``original`` does. When the selection
    starts a line and is indented but the code comes back flush left, the code takes the
    selection's indentation.
    """
    if not original.endswith(("\n", "\r")):
        code = code.removesuffix("\n")
    indent = _common_indent(original) if at_line_start else ""
    if indent and code.strip() and _common_indent(code) == "":
        code = "".join(
            indent + line if line.strip() else line for line in split_lines(code, keepends=True)
        )
    return code.replace("\n", eol) if eol != "\n" else code


def _common_indent(text: str) -> str:
    indents = [
        line[: len(line) - len(line.lstrip(" \t"))] for line in split_lines(text) if line.strip()
    ]
    if not indents:
        return ""
    shortest = min(indents, key=len)
    while shortest and not all(i.startswith(shortest) for i in indents):
        shortest = shortest[:-1]
    return shortest
