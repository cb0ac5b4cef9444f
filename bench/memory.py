"""Benchmark 5: the server's peak resident memory (``VmHWM``), idle and with concurrent streams.

Idle means initialized, settings read, the Poe client loaded in the background (the warm-up
after ``initialized``), a document open, and no job run yet. Then ``memory_streams`` refactors
stream at once, each into its own document, and the peak is read again after they ended.
Every run starts a fresh server.
"""

from __future__ import annotations

import asyncio
import time

from bench.answers import SELECTED, SOURCE, answer, code_of, edited
from bench.context import BenchError, Context
from bench.editor import Editor, rng
from bench.proc import memory_mib
from bench.report import Row

BOT = "Memory"
SETTLE = 1.5
"""Seconds the resident size must stay put for the server to count as idle."""


async def wait_idle(editor: Editor, timeout: float = 60.0) -> None:
    """Wait until the server's resident size stopped changing (the warm-up import is over)."""
    deadline = time.monotonic() + timeout
    last, since = -1.0, time.monotonic()
    while time.monotonic() < deadline:
        rss = memory_mib(editor.pid)["VmRSS"]
        if abs(rss - last) > 0.05:
            last, since = rss, time.monotonic()
        elif time.monotonic() - since >= SETTLE:
            return
        await asyncio.sleep(0.1)
    raise BenchError("the server never became idle")


async def _streams(ctx: Context, editor: Editor, index: int, count: int) -> None:
    chunks = answer(ctx.config.memory_chunks)
    uris = [ctx.uri(f"memory-{index}-{n}.py") for n in range(count)]
    for uri in uris:
        editor.open(uri, SOURCE)
    arguments = [
        {"textDocument": {"uri": uri}, "range": rng(*SELECTED), "bot": BOT} for uri in uris
    ]
    jobs = await asyncio.gather(*(editor.run("poe.refactor", a) for a in arguments))
    events = await editor.wait_ended(list(jobs))
    expected = edited(code_of(chunks))
    if any(e["outcome"] != "done" for e in events) or any(
        editor.docs[uri].source != expected for uri in uris
    ):
        raise BenchError("a stream did not land exactly once")


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 5."""
    cfg = ctx.config
    await ctx.bot.script(BOT, answer(cfg.memory_chunks), delay=0.005)
    idle = Row("5 memory", "peak RSS, idle", "MiB", budget=70)
    busy = Row("5 memory", f"peak RSS, {cfg.memory_streams} concurrent streams", "MiB", budget=90)
    for index in range(min(cfg.runs, 5)):
        ctx.log(f"memory: run {index + 1}")
        async with ctx.editor() as editor:
            editor.open(ctx.uri(f"memory-{index}.py"), SOURCE)
            await wait_idle(editor)
            idle.runs.append(memory_mib(editor.pid)["VmHWM"])
            await _streams(ctx, editor, index, cfg.memory_streams)
            busy.runs.append(memory_mib(editor.pid)["VmHWM"])
    return [idle, busy]
