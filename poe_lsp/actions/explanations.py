"""Explanations, kept per document so a hover inside the explained range can show them."""

from __future__ import annotations

from dataclasses import dataclass

from poe_lsp.redaction import bounded, capped
from poe_lsp.streaming.positions import Pos

MAX_PER_DOCUMENT = 20
TEXT_LIMIT = 100_000
"""Characters of an explanation a hover shows; a bot can send any amount."""
PROBLEM_LIMIT = 1_000


@dataclass
class Explanation:
    """One explanation of one range, growing while the bot streams it."""

    uri: str
    start: Pos
    end: Pos
    bot: str
    text: str = ""
    """What the hover shows: the explanation, or a proposed change as code."""
    answer: str = ""
    """The bot's answer as it arrived."""
    done: bool = False
    problem: str | None = None
    note: str | None = None
    """Shown under a finished text instead of who wrote it."""

    def markdown(self) -> str:
        """Return the hover content: the text so far (at most :data:`TEXT_LIMIT` characters),
        and how far along it is."""
        text = capped(self.text, TEXT_LIMIT, "explanation")
        if self.problem:
            problem = bounded(self.problem, PROBLEM_LIMIT)
            return f"{text}\n\n---\n*{self.bot} stopped: {problem}*".lstrip()
        if not self.done:
            return f"*{self.bot} is answering…*\n\n{text}"
        return f"{text}\n\n---\n*{self.note or f'Written by {self.bot}'}*"


class ExplanationStore:
    """The latest explanations of each document."""

    def __init__(self) -> None:
        self._by_uri: dict[str, list[Explanation]] = {}

    def add(self, explanation: Explanation) -> None:
        """Keep ``explanation``; it hides older ones of the same range."""
        kept = [
            e
            for e in self._by_uri.get(explanation.uri, [])
            if (e.start, e.end) != (explanation.start, explanation.end)
        ]
        self._by_uri[explanation.uri] = [*kept, explanation][-MAX_PER_DOCUMENT:]

    def at(self, uri: str, pos: Pos) -> Explanation | None:
        """Return the newest explanation whose range holds ``pos``."""
        for explanation in reversed(self._by_uri.get(uri, [])):
            if explanation.start <= pos <= explanation.end:
                return explanation
        return None

    def forget(self, uri: str) -> None:
        """Drop the explanations of a closed document."""
        self._by_uri.pop(uri, None)
