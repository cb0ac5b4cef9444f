"""Benchmark 8: many refactors at once, each on its own document, against one alone.

Timed from sending the first command to the last job's last edit applied. Every document
must end up holding its answer exactly once, and the bot must have been asked exactly once
per job.
"""

from __future__ import annotations

import asyncio
import os
import time

from bench.answers import SELECTED, SOURCE, answer, code_of, edited
from bench.context import BenchError, Context
from bench.editor import Editor, rng
from bench.proc import cpu_seconds
from bench.report import RATIO, Row

BOT = "Busy"
DELAY = 0.01
"""Seconds between two chunks of each answer: a fast bot, so that the jobs overlap."""


async def _jobs(
    ctx: Context, editor: Editor, name: str, count: int, expected: str
) -> tuple[float, list[float]]:
    """Run ``count`` refactors at once.

    Returns the seconds until the last edit was applied, and the CPU seconds the server, the
    bot and the editor (this process) used meanwhile.
    """
    uris = [ctx.uri(f"{name}-{n}.py") for n in range(count)]
    for uri in uris:
        editor.open(uri, SOURCE)
    await ctx.bot.reset()
    pids = (editor.pid, ctx.bot.pid, os.getpid())
    cpu = [cpu_seconds(pid) for pid in pids]
    started = time.monotonic()
    jobs = await asyncio.gather(
        *(
            editor.run(
                "poe.refactor", {"textDocument": {"uri": u}, "range": rng(*SELECTED), "bot": BOT}
            )
            for u in uris
        )
    )
    events = await editor.wait_ended(list(jobs))
    wrong = [u for u in uris if editor.docs[u].source != expected]
    if wrong or any(e["outcome"] != "done" for e in events):
        raise BenchError(f"{len(wrong)} of {count} answers did not land exactly once")
    if len(await ctx.bot.calls()) != count:
        raise BenchError(f"the bot was asked {len(await ctx.bot.calls())} times for {count} jobs")
    last = max(e.at for e in editor.edits if e.uri in set(uris))
    return last - started, [
        cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)
    ]


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 8."""
    cfg = ctx.config
    chunks = answer(cfg.job_chunks)
    expected = edited(code_of(chunks))
    await ctx.bot.script(BOT, chunks, delay=DELAY)
    label = f"{cfg.jobs} jobs"
    ratio = Row("8 concurrency", f"{label} at once ÷ one job", RATIO)
    many = Row("8 concurrency", f"{label} at once: first command → last edit", "ms")
    one = Row("8 concurrency", "one job alone: command → last edit", "ms")
    landed = Row("8 concurrency", "answers that landed exactly once", "jobs")
    cpu = [
        Row("8 concurrency", f"{label}: CPU time of the {who}", "ms")
        for who in ("server", "fake bot", "editor (benchmark process)")
    ]
    async with ctx.editor() as editor:
        await _jobs(ctx, editor, "warm-up", 1, expected)
        for index in range(min(ctx.config.runs, 5)):
            ctx.log(f"concurrency: run {index + 1}")
            alone, _ = await _jobs(ctx, editor, f"one-{index}", 1, expected)
            together, used = await _jobs(ctx, editor, f"many-{index}", cfg.jobs, expected)
            for row, seconds in zip(cpu, used, strict=True):
                row.runs.append(seconds * 1000)
            one.runs.append(alone * 1000)
            many.runs.append(together * 1000)
            ratio.runs.append(together / alone)
            landed.runs.append(cfg.jobs)
    landed.note = (
        f"of {cfg.jobs} per run; a run with any lost or doubled answer stops the benchmark"
    )
    return [ratio, many, one, landed, *cpu]
