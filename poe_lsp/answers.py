"""The answers of jobs: the whole answer streamed, explanations for the hover, proposals waiting
for review.

An :class:`Explanation` is kept per document so a hover inside the explained range can show
it; a :class:`Proposal` is one edit the user accepts or rejects.
"""

from __future__ import annotations

from dataclasses import dataclass

from poe_lsp.edits.positions import Pos
from poe_lsp.edits.region import RegionWriter
from poe_lsp.redaction import bounded, capped

MAX_PER_DOCUMENT = 20
TEXT_LIMIT = 100_000
"""Characters of an explanation a hover shows; a bot can send any amount."""
PROBLEM_LIMIT = 1_000


@dataclass(frozen=True)
class Answer:
    """A whole answer, as shown (keys redacted), and the replies the bot suggested."""

    text: str
    suggested: tuple[str, ...] = ()


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


@dataclass
class Proposal:
    """A finished answer that replaces ``writer``'s region with ``code`` once accepted."""

    job_id: str
    title: str
    bot: str
    writer: RegionWriter
    code: str

    def holds(self, uri: str, pos: Pos) -> bool:
        """Whether ``pos`` of ``uri`` lies in the region the proposal would replace."""
        return uri == self.writer.uri and self.writer.start <= pos <= self.writer.end


class ProposalStore:
    """Proposals by job id, until accepted, rejected or their document closes."""

    def __init__(self) -> None:
        self._by_job: dict[str, Proposal] = {}

    def add(self, proposal: Proposal) -> None:
        """Keep ``proposal`` for review."""
        self._by_job[proposal.job_id] = proposal

    def get(self, job_id: str) -> Proposal | None:
        """Return the proposal of ``job_id``."""
        return self._by_job.get(job_id)

    def touching(self, uri: str, start: Pos, end: Pos) -> list[Proposal]:
        """Return the proposals whose region meets ``start``-``end`` of ``uri``."""
        return [
            p
            for p in self._by_job.values()
            if p.writer.uri == uri and p.writer.start <= end and start <= p.writer.end
        ]

    def pop(self, job_id: str) -> Proposal | None:
        """Remove and return the proposal of ``job_id``; it stops following its document."""
        proposal = self._by_job.pop(job_id, None)
        if proposal is not None:
            proposal.writer.close()
        return proposal

    def forget(self, uri: str) -> None:
        """Drop the proposals for a closed document."""
        for job_id in [j for j, p in self._by_job.items() if p.writer.uri == uri]:
            self.pop(job_id)
