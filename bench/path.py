"""Benchmark 10: the path of one refactor, from ``workspace/executeCommand poe.refactor`` to
the first ``workspace/applyEdit``, counted in our own files and functions.

The server runs under a profiler (``bench.traced_server``) that records every poe-lsp function
that runs on that path, in any thread, once each; the bot is the fake one. The files a reader
opens are fewer (docs/architecture.md walks them): this counts every helper as well.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench.answers import answer
from bench.context import BenchError, Context
from bench.report import Row
from bench.stream import refactor_once

BOT = "PathBot"


async def run(ctx: Context) -> list[Row]:
    files = Row("10 path", "our files run: refactor command → first applyEdit", "files")
    functions = Row("10 path", "our functions run: refactor command → first applyEdit", "calls")
    await ctx.bot.script(BOT, answer(20), delay=0.0)
    with tempfile.TemporaryDirectory(prefix="poe-lsp-path-") as tmp:
        out = Path(tmp) / "path.json"
        command = [sys.executable, "-m", "bench.traced_server", str(out)]
        ctx.log("the refactor path, under a profiler")
        async with ctx.editor(command) as editor:
            await refactor_once(ctx, editor, "path.py", BOT)
        recorded = json.loads(out.read_text())
    if not recorded["complete"]:
        raise BenchError("the traced server never reached LspEditor.apply")
    calls = [tuple(call) for call in recorded["calls"]]
    by_file: dict[str, int] = {}
    for path, _ in calls:
        by_file[path] = by_file.get(path, 0) + 1
    files.runs.append(len(by_file))
    functions.runs.append(len(calls))
    files.note = ", ".join(f"{path} ({count})" for path, count in by_file.items())
    return [files, functions]
