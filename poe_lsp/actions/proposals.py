"""Answers waiting for review: each is one edit the user accepts or rejects."""

from __future__ import annotations

from dataclasses import dataclass

from poe_lsp.streaming.positions import Pos
from poe_lsp.streaming.region import RegionWriter


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
