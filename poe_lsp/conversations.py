"""The conversations of the session's finished jobs, for ``poe.followUp``.

A :class:`Conversation` is what one job sent, the bot's whole answer, the replies it
suggested and where the answer went: a :class:`~poe_lsp.edits.region.TrackedSpan` that
follows the user's edits, or the explanation in the hover. The
:class:`ConversationStore` keeps the last :data:`KEPT` of them, :data:`MAX_CHARACTERS`
characters at most in all; a conversation it drops stops following its document.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from poe_lsp.contract import Action
from poe_lsp.edits.positions import Pos
from poe_lsp.poe import Message

if TYPE_CHECKING:
    from poe_lsp.answers import Explanation
    from poe_lsp.edits.region import TrackedSpan

KEPT = 20
"""Finished jobs whose conversation is kept; older ones are forgotten."""
MAX_CHARACTERS = 2_000_000
"""The characters all kept conversations may hold together (messages and answers)."""


@dataclass
class Conversation:
    """One finished job's exchange with its bot, and where its answer went."""

    job_id: str
    action: Action
    bot: str
    uri: str
    """The document the job was run on."""
    messages: tuple[Message, ...]
    """What the job sent: a system message, then user and bot turns, ending with the user's."""
    answer: str
    """The bot's whole answer."""
    region: TrackedSpan | None = None
    """Where the answer was written, followed since; ``None`` for an explanation."""
    written: str = ""
    """What the region held when the job ended."""
    explanation: Explanation | None = None
    """The hover's explanation (Explain) that a follow-up adds to."""
    suggested: tuple[str, ...] = ()
    """Replies the bot suggested, at most three."""

    @property
    def characters(self) -> int:
        """The characters of every message and of the answer."""
        return sum(len(m.content) for m in self.messages) + len(self.answer) + len(self.written)

    @property
    def turns(self) -> tuple[Message, ...]:
        """The messages and the bot's answer: what a follow-up sends before its instruction."""
        return (*self.messages, Message("bot", self.answer))

    @property
    def lost(self) -> bool:
        """The user edited its region away (or closed its document)."""
        return self.region is not None and self.region.lost

    def place(self) -> tuple[str, Pos, Pos] | None:
        """The document and range of the answer, ``None`` once it is lost."""
        if self.region is not None:
            if self.region.lost:
                return None
            return self.region.uri, self.region.start, self.region.end
        if self.explanation is not None:
            return self.explanation.uri, self.explanation.start, self.explanation.end
        return None

    def close(self) -> None:
        """Stop following the document."""
        if self.region is not None:
            self.region.close()


class ConversationStore:
    """The conversations of the last :data:`KEPT` finished jobs, by job id."""

    def __init__(self, kept: int = KEPT, max_characters: int = MAX_CHARACTERS) -> None:
        self._kept = kept
        self._max = max_characters
        self._by_job: OrderedDict[str, Conversation] = OrderedDict()

    def keep(self, conversation: Conversation) -> bool:
        """Keep ``conversation``, forgetting the oldest beyond the bounds; return whether it
        was kept (one larger than :data:`MAX_CHARACTERS` alone is not)."""
        if conversation.characters > self._max:
            conversation.close()
            return False
        self.drop(conversation.job_id)
        self._by_job[conversation.job_id] = conversation
        total = sum(c.characters for c in self._by_job.values())
        while len(self._by_job) > self._kept or total > self._max:
            _, oldest = self._by_job.popitem(last=False)
            total -= oldest.characters
            oldest.close()
        return True

    def get(self, job_id: str) -> Conversation | None:
        """The conversation of ``job_id``, ``None`` if it is not (or no longer) kept."""
        return self._by_job.get(job_id)

    def touching(self, uri: str, start: Pos, end: Pos) -> list[Conversation]:
        """The conversations whose answer lies in ``start``-``end`` of ``uri``, newest first."""
        found = []
        for conversation in reversed(self._by_job.values()):
            place = conversation.place()
            if place is not None and place[0] == uri and place[1] <= end and start <= place[2]:
                found.append(conversation)
        return found

    def drop(self, job_id: str) -> None:
        """Forget the conversation of ``job_id``."""
        conversation = self._by_job.pop(job_id, None)
        if conversation is not None:
            conversation.close()

    def forget(self, uri: str) -> None:
        """Forget the conversations whose answer went into ``uri`` (closed)."""
        for job_id, conversation in list(self._by_job.items()):
            region = conversation.region
            if (region.uri if region is not None else conversation.uri) == uri:
                self.drop(job_id)

    def __len__(self) -> int:
        return len(self._by_job)

    @property
    def characters(self) -> int:
        """The characters of every kept conversation."""
        return sum(c.characters for c in self._by_job.values())
