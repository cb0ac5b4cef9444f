"""Background jobs: one asyncio task per request to a bot, kept, cancellable, logged."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from poe_lsp.edits.positions import Pos
from poe_lsp.edits.region import RegionWriter

log = logging.getLogger(__name__)

WRITING_ACTIONS = frozenset({"refactor", "ask", "writeTests", "commitMessage"})


@dataclass(eq=False)
class Job:
    """One running action."""

    id: str
    action: str
    uri: str
    start: Pos = (0, 0)
    end: Pos = (0, 0)
    task: asyncio.Task[object] | None = field(default=None, repr=False)
    cancelling: bool = False
    target: str = ""
    """The file the job writes into (the test file of Write tests), known when it starts."""
    writer: RegionWriter | None = field(default=None, repr=False)
    """The region being written, once the job writes: it follows the user's typing."""

    def touches(self, uri: str) -> bool:
        """Whether the job reads or writes ``uri``."""
        return unquote(uri) in (unquote(self.uri), self.target_key())

    def target_key(self) -> str:
        """The file the job writes into, however its URI is quoted."""
        return unquote(self.target or self.uri)

    def region(self) -> tuple[str, Pos, Pos]:
        """The document and range the job writes (or will write) to."""
        if self.writer is not None:
            return self.writer.uri, self.writer.start, self.writer.end
        return self.uri, self.start, self.end

    def cancel(self) -> bool:
        """Ask the job to stop; it cleans up (closes the stream, rolls back) by itself."""
        if self.cancelling or self.task is None or self.task.done():
            return False
        self.cancelling = True
        self.task.cancel()
        return True


class JobRegistry:
    """The running jobs, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)

    def start(
        self,
        action: str,
        uri: str,
        run: Callable[[Job], Coroutine[Any, Any, object]],
        span: tuple[Pos, Pos] = ((0, 0), (0, 0)),
        target: str | None = None,
    ) -> Job:
        """Start ``run(job)`` in the background and return the job at once.

        ``target`` is the file the job writes into, when it is not ``uri`` (the test file of
        Write tests): every job knows its file before it starts.
        """
        job = Job(
            id=f"{action}-{next(self._ids)}",
            action=action,
            uri=uri,
            start=span[0],
            end=span[1],
            target=target or uri,
        )
        job.task = asyncio.get_running_loop().create_task(run(job), name=f"poe-job {job.id}")
        self._jobs[job.id] = job
        job.task.add_done_callback(lambda task: self._finished(job, task))
        return job

    def _finished(self, job: Job, task: asyncio.Task[object]) -> None:
        self._jobs.pop(job.id, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("job %s failed", job.id, exc_info=exc)

    def blocking(
        self, action: str, uri: str, start: Pos, end: Pos, target: str | None = None
    ) -> Job | None:
        """Return a running job a new ``action`` on ``uri`` at ``start``-``end`` would clash with.

        Two jobs clash when both write and their ranges of one document overlap, or when
        both write tests into the same file: ``target`` (if known), else ``uri``.
        """
        if action not in WRITING_ACTIONS:
            return None
        key = unquote(target or uri)
        for job in self.running():
            if job.action not in WRITING_ACTIONS or job.cancelling:
                continue
            if action == "writeTests" or job.action == "writeTests":
                if action == job.action and job.target_key() == key:
                    return job
                continue
            other_uri, other_start, other_end = job.region()
            if other_uri == uri and start <= other_end and other_start <= end:
                return job
        return None

    def get(self, job_id: str) -> Job | None:
        """Return the running job ``job_id``."""
        return self._jobs.get(job_id)

    def running(self) -> list[Job]:
        """Return the running jobs, oldest first."""
        return list(self._jobs.values())

    def cancel(self, job_id: str | None = None) -> list[str]:
        """Cancel job ``job_id``, or every job; return the ids that were asked to stop."""
        targets = self.running() if job_id is None else [j for j in [self.get(job_id)] if j]
        return [job.id for job in targets if job.cancel()]

    async def shutdown(self, timeout: float = 2.0) -> None:
        """Cancel every job and wait (a little) for them to finish."""
        tasks = [job.task for job in self.running() if job.task is not None]
        self.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
