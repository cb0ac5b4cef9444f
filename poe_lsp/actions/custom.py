"""The user's own actions: the ``actions`` setting, Fix with Poe, and safe titles. Pure.

A :class:`CustomAction` runs like the built-in action of its ``output`` (Refactor, Explain or
Write tests: :attr:`CustomAction.action`), with its own title and instruction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from poe_lsp.actions.selection import expand_cursor
from poe_lsp.contract import Action

Output = Literal["replace", "explain", "tests"]
BASE: Final[dict[Output, Action]] = {
    "replace": "refactor",
    "explain": "explain",
    "tests": "writeTests",
}
"""The built-in action each ``output`` runs like."""

MAX_ACTIONS: Final = 50
MAX_TITLE: Final = 80
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
_BOT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_KEYS: Final = frozenset({"id", "title", "instruction", "output", "bot", "review", "languages"})


@dataclass(frozen=True)
class CustomAction:
    """One action of the user's (or of a prompt file): its id, title and instruction."""

    id: str
    title: str
    instruction: str
    output: Output = "replace"
    bot: str | None = None
    review: bool | None = None
    """``None``: as ``poe.review`` says for the built-in action."""
    languages: tuple[str, ...] | None = None
    """The LSP language ids it is offered for; ``None``: every language."""
    source: str | None = None
    """The workspace file it comes from (a prompt file), sent with ``poe.sent``'s sources."""

    @property
    def action(self) -> Action:
        """The built-in action it runs like."""
        return BASE[self.output]

    @property
    def label(self) -> str:
        """``"Poe: <title>"``, its code-action and progress title, with odd characters
        escaped."""
        return f"Poe: {safe_title(self.title)}"

    def offered_for(self, language: str) -> bool:
        """Whether it is offered on a document of ``language``."""
        return self.languages is None or language in self.languages

    def to_json(self) -> dict[str, str]:
        """What ``poe.listActions`` answers for it."""
        return {"id": self.id, "title": self.label, "output": self.output}


def safe_title(text: str, limit: int = MAX_TITLE) -> str:
    """``text`` on one line, control and bidi characters shown as ``\\uXXXX``, cut at
    ``limit`` characters with an ellipsis."""
    shown = "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in " ".join(text.split())
    )
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "\u2026"


def valid_bot(value: object) -> bool:
    """Whether ``value`` looks like a Poe bot name (letters, digits, ``_.-``)."""
    return isinstance(value, str) and _BOT.fullmatch(value) is not None


def parse_actions(raw: object) -> tuple[tuple[CustomAction, ...], list[str]]:
    """Read the ``actions`` setting; return the valid entries and what is wrong with the
    others (each named by its id or position), which are skipped."""
    if raw is None:
        return (), []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return (), ['poe.actions must be a list of {"id", "title", "instruction"} objects']
    found: list[CustomAction] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        name = f"poe.actions[{index}]"
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            name += f" ({safe_title(entry['id'], 40)!r})"
        parsed = _parse_one(entry)
        if isinstance(parsed, str):
            problems.append(f"{name} {parsed}; skipped")
        elif parsed.id in seen:
            problems.append(f"{name} repeats the id {parsed.id!r}; skipped")
        elif len(found) >= MAX_ACTIONS:
            problems.append(f"{name}: at most {MAX_ACTIONS} actions; skipped")
        else:
            seen.add(parsed.id)
            found.append(parsed)
    return tuple(found), problems


def _parse_one(entry: object) -> CustomAction | str:
    """The action ``entry`` declares, or what is wrong with it."""
    if not isinstance(entry, Mapping):
        return 'must be an object like {"id": "docstrings", "title": ..., "instruction": ...}'
    unknown = sorted(str(k) for k in entry if k not in _KEYS)
    if unknown:
        return f"has unknown keys ({', '.join(unknown)})"
    action_id = entry.get("id")
    if not isinstance(action_id, str) or not _ID.fullmatch(action_id):
        return "needs an id: a short identifier (letters, digits, _ . -, starting with a letter)"
    title, instruction = entry.get("title"), entry.get("instruction")
    if not isinstance(title, str) or not title.strip():
        return "needs a title"
    if not isinstance(instruction, str) or not instruction.strip():
        return "needs an instruction"
    output = entry.get("output", "replace")
    if output not in BASE:
        return f"has output {output!r}; it must be replace, explain or tests"
    bot = entry.get("bot")
    if bot is not None and not valid_bot(bot):
        return "has a bot that is not a bot name"
    review = entry.get("review")
    if review is not None and not isinstance(review, bool):
        return "has a review that is not true or false"
    languages = entry.get("languages")
    if languages is not None and (
        not isinstance(languages, list)
        or not all(isinstance(x, str) and x.strip() for x in languages)
    ):
        return "has languages that are not a list of language ids"
    return CustomAction(
        id=action_id,
        title=title.strip(),
        instruction=instruction.strip(),
        output=output,
        bot=bot,
        review=review,
        languages=tuple(x.strip() for x in languages) if languages is not None else None,
    )


MAX_FIXES: Final = 3
"""At most this many Fix with Poe actions per ``codeAction`` request."""
FIX_TITLE: Final = 'Poe: Fix "{message}"'
_FIX_MESSAGE = 48


def fix_title(message: str) -> str:
    """``Poe: Fix "<message, shortened>"``."""
    return FIX_TITLE.format(message=safe_title(message, _FIX_MESSAGE))


def fix_action(message: str, code: str | None, source: str | None) -> CustomAction:
    """Fix with Poe for one diagnostic: a replace action whose instruction names it."""
    where = " ".join(
        part for part in (f"[{code}]" if code else "", f"(from {source})" if source else "") if part
    )
    return CustomAction(
        id="fix",
        title="Fix",
        instruction=(
            "Fix the problem this diagnostic reports, changing as little as possible: "
            f"{message.strip()}" + (f" {where}" if where else "")
        ),
    )


def fix_span(lines: Sequence[str], first: int, last: int) -> tuple[int, int] | None:
    """The whole lines Fix with Poe rewrites for a diagnostic on lines ``first``-``last``:
    the cursor's block (:func:`~poe_lsp.actions.selection.expand_cursor`) at its first line
    that is not blank, stretched to cover the diagnostic; ``(start, end)``, end exclusive."""
    row = min(first, len(lines) - 1)
    while row > 0 and (row >= len(lines) or not lines[row].strip()):
        row -= 1
    block = expand_cursor(lines, (row, 0)) if lines else None
    if block is None:
        return None
    return block[0][0], max(block[1][0], min(last + 1, len(lines)))


def custom_by_id(actions: Sequence[CustomAction], action_id: str) -> CustomAction | None:
    """The action with ``action_id``, if any."""
    return next((a for a in actions if a.id == action_id), None)


def as_json_list(actions: Sequence[CustomAction]) -> list[dict[str, Any]]:
    """``poe.listActions``' answer."""
    return [a.to_json() for a in actions]
