"""Benchmark 4: process start -> ``initialize`` answered, poe-lsp against a bare pygls server
started the same way, alternately, each in a fresh process."""

from __future__ import annotations

from bench.context import Context
from bench.editor import SERVER, SERVER_PYTHON, Editor
from bench.report import RATIO, Row

BARE = [SERVER_PYTHON, "-m", "bench.bare_server"]


async def _initialize(ctx: Context, command: list[str]) -> tuple[float, float]:
    editor = Editor(ctx.root, ctx.bot.base_url, command)
    try:
        return await editor.start()
    finally:
        await editor.stop()


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 4; the order alternates so neither side always goes first."""
    ratio = Row(
        "4 start-up", "poe-lsp ÷ bare pygls: spawn → initialize answered", RATIO, budget=1.05
    )
    ours = Row("4 start-up", "poe-lsp: spawn → initialize answered", "ms")
    bare = Row("4 start-up", "bare pygls server: spawn → initialize answered", "ms")
    cpu = Row("4 start-up", "poe-lsp ÷ bare pygls: CPU time until initialize answered", RATIO)
    ctx.log("start-up: warm-up (compiles the bytecode cache on a first run)")
    await _initialize(ctx, BARE)
    await _initialize(ctx, list(SERVER))
    for index in range(ctx.config.runs):
        ctx.log(f"start-up: run {index + 1}/{ctx.config.runs}")
        if index % 2:
            ours_s, ours_cpu = await _initialize(ctx, list(SERVER))
            bare_s, bare_cpu = await _initialize(ctx, BARE)
        else:
            bare_s, bare_cpu = await _initialize(ctx, BARE)
            ours_s, ours_cpu = await _initialize(ctx, list(SERVER))
        ours.runs.append(ours_s * 1000)
        bare.runs.append(bare_s * 1000)
        ratio.runs.append(ours_s / bare_s)
        cpu.runs.append(ours_cpu / bare_cpu)
    return [ratio, cpu, ours, bare]
