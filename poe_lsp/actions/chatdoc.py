"""A chat document: a Markdown file whose ``## You`` and ``## <bot>`` sections are the turns.

The conversation is read from the document itself each time it is sent, so the user may edit
any turn. What comes before the first ``## `` heading is the chat's context (the selection it
began from). Headings inside fenced code blocks do not count, and a ``## `` line in a bot's
answer is written as ``### `` so that an answer can never forge a turn. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from poe_lsp.poe import Message

Role = Literal["user", "bot"]
YOU = "You"
HEADING = re.compile(r"^## (.+?)\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
TITLE = "# Poe chat"
SYSTEM = (
    "You are a senior software engineer talking with a colleague in their editor. Answer "
    "clearly and briefly, in Markdown. When you propose code, put each piece in one fenced "
    "code block with its language."
)


@dataclass(frozen=True)
class Turn:
    """One section of the chat: ``user`` (``## You``) or ``bot`` (``## <bot>``)."""

    role: str
    content: str
    heading: str


@dataclass(frozen=True)
class Block:
    """A fenced code block of a bot's turn: its lines (0-based, fences excluded) and code."""

    index: int
    first: int
    last: int
    code: str


def fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def new_chat(context: str | None, where: str | None, language: str = "") -> str:
    """The text of a new chat: the title, the selection it starts from, and ``## You``."""
    parts = [TITLE, ""]
    if context is not None and where is not None:
        fence = fence_for(context)
        parts += [f"Context: `{where}`", "", f"{fence}{language}", context.rstrip("\n"), fence, ""]
    parts += [f"## {YOU}", "", ""]
    return "\n".join(parts)


def _lines_outside_fences(text: str) -> list[tuple[str, bool]]:
    """Each line of ``text`` and whether it lies outside a fenced code block."""
    out: list[tuple[str, bool]] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None:
            out.append((line, True))
            if match:
                fence = match.group(1)
        else:
            out.append((line, False))
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
    return out


def parse(text: str) -> tuple[str, list[Turn]]:
    """The context before the first turn, and the turns in order."""
    context: list[str] = []
    turns: list[tuple[str, str, list[str]]] = []
    for line, outside in _lines_outside_fences(text):
        match = HEADING.match(line) if outside else None
        if match:
            name = match.group(1)
            turns.append(("user" if name == YOU else "bot", name, []))
        elif turns:
            turns[-1][2].append(line)
        else:
            context.append(line)
    return "\n".join(context).strip(), [
        Turn(role, "\n".join(body).strip(), heading) for role, heading, body in turns
    ]


def messages(text: str) -> tuple[Message, ...]:
    """The chat as Poe messages: system, then the turns (the context goes with the first
    user turn; empty turns are left out, and turns of one role in a row are joined).
    Raise ``ValueError`` when the last turn is not the user's, with something in it."""
    context, turns = parse(text)
    kept = [t for t in turns if t.content]
    if not kept or kept[-1].role != "user":
        raise ValueError(f"Write your message under the last `## {YOU}` heading, then send.")
    joined: list[tuple[Role, str]] = []
    for turn in kept:
        role: Role = "user" if turn.role == "user" else "bot"
        if joined and joined[-1][0] == role:
            joined[-1] = (role, f"{joined[-1][1]}\n\n{turn.content}")
        else:
            joined.append((role, turn.content))
    first = next(i for i, (role, _) in enumerate(joined) if role == "user")
    if context:
        joined[first] = ("user", f"{context}\n\n{joined[first][1]}")
    return (Message("system", SYSTEM), *(Message(role, body) for role, body in joined))


def demote(answer: str) -> str:
    """``answer`` with every ``## `` heading outside code blocks written as ``### ``."""
    return "\n".join(
        "#" + line if outside and HEADING.match(line) else line
        for line, outside in _lines_outside_fences(answer)
    )


def separator(text: str) -> str:
    """What goes between a chat's text and the next heading: a blank line."""
    if not text:
        return ""
    trailing = len(text) - len(text.rstrip("\n"))
    return "\n" * max(0, 2 - trailing)


def render_answer(text_before: str, bot: str, answer: str, final: bool) -> str:
    """The text a streaming answer adds at the end of the chat: its heading, the answer so
    far and, once final, a fresh ``## You``."""
    body = demote(answer.strip("\n"))
    tail = f"\n\n## {YOU}\n\n" if final else "\n"
    return f"{separator(text_before)}## {bot}\n\n{body}{tail}"


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of the bots' turns, in order."""
    found: list[Block] = []
    role = None
    start: int | None = None
    previous_outside = True
    lines = _lines_outside_fences(text)
    for number, (line, outside) in enumerate(lines):
        match = HEADING.match(line) if outside else None
        if match:
            role = "user" if match.group(1) == YOU else "bot"
        if outside and not previous_outside and start is not None:
            if role == "bot":  # the line before this one closed the block
                body = [entry[0] for entry in lines[start : number - 1]]
                code = "\n".join(body) + "\n" if body else ""
                found.append(Block(len(found), start, number - 2, code))
            start = None
        if not outside and previous_outside:
            start = number
        previous_outside = outside
    return found
