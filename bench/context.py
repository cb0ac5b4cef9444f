"""What every benchmark gets: the sizes to run at, the fake bot, a workspace, a log."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bench.bot import Bot
from bench.editor import SERVER, Editor


class BenchError(AssertionError):
    """A benchmark saw the server misbehave (an answer lost or doubled, a job failed)."""


@dataclass(frozen=True)
class Config:
    """How big and how often each benchmark runs."""

    runs: int
    """Runs of each measurement; the table shows their median, min and max."""
    chunks: int
    """Chunks of the answer streamed by benchmarks 1-3."""
    memory_streams: int
    memory_chunks: int
    large_sizes: tuple[int, ...]
    """Line counts of the large documents (benchmark 6); the last one carries the budget."""
    samples: int
    """Requests per run whose median is that run's value (benchmark 6)."""
    jobs: int
    """Concurrent jobs (benchmark 8)."""
    context_files: int
    """Files of the workspace context is gathered from (benchmark 9)."""
    job_chunks: int

    def with_runs(self, runs: int | None) -> Config:
        return self if runs is None else replace(self, runs=runs)


FULL = Config(
    runs=9,
    chunks=2000,
    memory_streams=20,
    memory_chunks=400,
    large_sizes=(1_000, 10_000, 50_000),
    samples=40,
    jobs=50,
    context_files=2000,
    job_chunks=100,
)
QUICK = Config(
    runs=1,
    chunks=200,
    memory_streams=3,
    memory_chunks=40,
    large_sizes=(100, 2_000),
    samples=3,
    jobs=4,
    context_files=200,
    job_chunks=20,
)


@dataclass
class Context:
    """One benchmark run's shared state."""

    config: Config
    bot: Bot
    root: Path
    quiet: bool = False

    def log(self, message: str) -> None:
        """Say what is being measured (on stderr)."""
        if not self.quiet:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    def uri(self, name: str) -> str:
        """A document of the workspace (it need not exist on disk)."""
        return (self.root / name).as_uri()

    @asynccontextmanager
    async def editor(self, command: list[str] | None = None) -> AsyncIterator[Editor]:
        """An editor with a freshly started, initialized server; shut down afterwards."""
        editor = Editor(self.root, self.bot.base_url, command or list(SERVER))
        try:
            await editor.start()
            yield editor
        finally:
            await editor.stop()
