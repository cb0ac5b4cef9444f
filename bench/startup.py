"""Benchmark 4: process start -> ``initialize`` answered, poe-lsp against a bare pygls server
started the same way, alternately, each in a fresh process."""

from __future__ import annotations

import sys

from bench.context import Context
from bench.editor import SERVER, Editor
from bench.report import Row

BARE = [sys.executable, "-m", "bench.bare_server"]


async def _initialize(ctx: Context, command: list[str]) -> float:
    editor = Editor(ctx.root, ctx.bot.base_url, command)
    try:
        return await editor.start()
    finally:
        await editor.stop()


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 4; the order alternates so neither side always goes first."""
    ratio = Row("4 start-up", "poe-lsp ÷ bare pygls: spawn → initialize answered", "×", budget=1.05)
    ours = Row("4 start-up", "poe-lsp: spawn → initialize answered", "ms")
    bare = Row("4 start-up", "bare pygls server: spawn → initialize answered", "ms")
    for index in range(ctx.config.runs):
        ctx.log(f"start-up: run {index + 1}/{ctx.config.runs}")
        if index % 2:
            seconds = await _initialize(ctx, list(SERVER))
            baseline = await _initialize(ctx, BARE)
        else:
            baseline = await _initialize(ctx, BARE)
            seconds = await _initialize(ctx, list(SERVER))
        ours.runs.append(seconds * 1000)
        bare.runs.append(baseline * 1000)
        ratio.runs.append(seconds / baseline)
    return [ratio, ours, bare]
