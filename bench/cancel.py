"""Benchmark 7: cancelling a refactor that is streaming.

Once the answer has reached the document (two edits applied), ``poe.cancel`` is sent; timed
from then to the fake bot seeing its connection closed, and to the editor having applied the
edit that puts the original text back (the job's last edit). Both clocks are
``time.monotonic()``, system-wide on Linux.
"""

from __future__ import annotations

import asyncio
import time

from lsprotocol import types as t

from bench.answers import SELECTED, SOURCE, answer
from bench.context import BenchError, Context
from bench.editor import Editor, rng
from bench.report import Row

BOT = "Slow"


async def _edits_for(editor: Editor, uri: str, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for e in editor.edits if e.uri == uri) < count:
        if time.monotonic() > deadline:
            raise BenchError(f"fewer than {count} edits arrived for {uri}")
        await asyncio.sleep(0.005)


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 7."""
    await ctx.bot.script(BOT, answer(2000), delay=0.01)
    disconnect = Row("7 cancel", "poe.cancel sent → bot sees the disconnect", "ms", budget=100)
    rollback = Row("7 cancel", "poe.cancel sent → rollback edit applied", "ms", budget=150)
    async with ctx.editor() as editor:
        for index in range(ctx.config.runs):
            ctx.log(f"cancel: run {index + 1}/{ctx.config.runs}")
            uri = ctx.uri(f"cancel-{index}.py")
            editor.open(uri, SOURCE)
            await ctx.bot.reset()
            arguments = {"textDocument": {"uri": uri}, "range": rng(*SELECTED), "bot": BOT}
            job = await editor.run("poe.refactor", arguments)
            await _edits_for(editor, uri, 2)
            started = time.monotonic()
            await editor.client.workspace_execute_command_async(
                t.ExecuteCommandParams(command="poe.cancel", arguments=[{"jobId": job}])
            )
            (event,) = await editor.wait_ended([job])
            (call,) = await ctx.bot.calls()
            if event["outcome"] != "cancelled" or editor.docs[uri].source != SOURCE:
                raise BenchError(f"{job} ended {event['outcome']}, the document not restored")
            for _ in range(500):  # the bot notices on its own loop; give it a moment
                if call.disconnect_at is not None:
                    break
                await asyncio.sleep(0.01)
                (call,) = await ctx.bot.calls()
            if call.disconnect_at is None:
                raise BenchError("the bot never saw the connection close")
            last = [e for e in editor.edits if e.uri == uri][-1]
            disconnect.runs.append((call.disconnect_at - started) * 1000)
            rollback.runs.append((last.at - started) * 1000)
    return [disconnect, rollback]
