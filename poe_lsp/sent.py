"""What each job of this session sent to its bot, for ``poe.sent``: the messages and the
workspace files they hold, for the last :data:`KEPT` jobs."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from poe_lsp.poe import Message

KEPT = 50
"""Jobs whose requests are kept; older ones are forgotten."""


@dataclass(frozen=True)
class Sent:
    """One job's request: its messages, and the files (workspace-relative) read into them."""

    messages: tuple[Message, ...]
    sources: tuple[str, ...]
    dropped: tuple[str, ...] = ()
    """What was left out to fit the context budget (the user message says it too)."""

    @property
    def characters(self) -> int:
        """The characters of every message."""
        return sum(len(m.content) for m in self.messages)

    def summary(self) -> str:
        """``"sent 2 files, 5,210 characters"``, as the progress says it."""
        files, chars = len(self.sources), self.characters
        said = (
            f"sent {files} file{'' if files == 1 else 's'}, "
            f"{chars:,} character{'' if chars == 1 else 's'}"
        )
        if self.dropped:
            said += f"; left out to fit contextBudget: {', '.join(self.dropped)}"
        return said


class SentLog:
    """The requests of the last :data:`KEPT` jobs, by job id."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._sent: OrderedDict[str, Sent] = OrderedDict()

    def record(self, job_id: str, sent: Sent) -> None:
        """Keep ``sent`` as ``job_id``'s request, forgetting the oldest beyond the bound."""
        self._sent[job_id] = sent
        self._sent.move_to_end(job_id)
        while len(self._sent) > self._kept:
            self._sent.popitem(last=False)

    def get(self, job_id: str) -> Sent | None:
        """The request of ``job_id``, ``None`` if it sent none or was forgotten."""
        return self._sent.get(job_id)
