"""Benchmarks 1-3: one long answer through the server, against the same answer through a
bare ``fastapi_poe`` client on the same bot, run alternately in the same process.

1. stream overhead: executeCommand sent -> last edit applied, divided by request sent -> last
   chunk received for the bare client (which sends the very prompt the server sent);
2. first edit latency: the bot hands its first code chunk to the socket -> the editor has
   applied the first edit (both ``time.monotonic()``, system-wide on Linux);
3. edit traffic: the ``workspace/applyEdit`` requests of the answer, and the most the editor
   ever had in flight for the document.
"""

from __future__ import annotations

import time
from typing import Any

from bench.answers import FIRST_CODE_CHUNK, SELECTED, SOURCE, answer, code_of, edited
from bench.context import BenchError, Context
from bench.editor import KEY, Editor, rng
from bench.report import Row

BOT = "Code"


class BareClient:
    """The answer through ``fastapi_poe.stream_request`` alone, on one shared httpx client."""

    def __init__(self, base_url: str, messages: list[dict[str, Any]]) -> None:
        import fastapi_poe as fp
        import httpx

        self._fp = fp
        self._base_url = base_url
        self._session = httpx.AsyncClient(timeout=httpx.Timeout(10, read=120))
        self._request = fp.QueryRequest(
            query=[fp.ProtocolMessage(role=m["role"], content=m["content"]) for m in messages],
            user_id="",
            conversation_id="",
            message_id="",
            version="1.2",
            type="query",
        )

    async def once(self) -> tuple[float, str]:
        """Stream the answer; return the seconds it took and its text."""
        text = ""
        started = time.monotonic()
        async for message in self._fp.stream_request(
            self._request, BOT, KEY, session=self._session, num_tries=1, base_url=self._base_url
        ):
            text += message.text
        return time.monotonic() - started, text

    async def aclose(self) -> None:
        await self._session.aclose()


async def refactor_once(ctx: Context, editor: Editor, name: str) -> dict[str, Any]:
    """Run one refactor of :data:`SOURCE` in a new document; return its numbers.

    Raises :class:`BenchError` unless the answer landed exactly once, in order.
    """
    uri = ctx.uri(name)
    editor.open(uri, SOURCE)
    await ctx.bot.reset()
    mark = len(editor.edits)
    started = time.monotonic()
    job = await editor.run("poe.refactor", {"textDocument": {"uri": uri}, "range": rng(*SELECTED)})
    (event,) = await editor.wait_ended([job])
    edits = [e for e in editor.edits[mark:] if e.uri == uri]
    calls = await ctx.bot.calls()
    if event["outcome"] != "done" or len(calls) != 1 or not edits:
        raise BenchError(f"{job} ended {event['outcome']}: {event['message']}")
    versions = [e.version or 0 for e in edits]
    if not all(e.applied for e in edits) or versions != sorted(set(versions)):
        raise BenchError(f"{job}: edits refused or out of order (versions {versions})")
    return {
        "uri": uri,
        "total": edits[-1].at - started,
        "first_edit": edits[0].at - calls[0].text_at[FIRST_CODE_CHUNK],
        "edits": len(edits),
    }


async def run(ctx: Context) -> list[Row]:
    """Run benchmarks 1-3."""
    cfg = ctx.config
    chunks = answer(cfg.chunks)
    expected = edited(code_of(chunks))
    await ctx.bot.script(BOT, chunks)
    label = f"{cfg.chunks:,} chunks"
    ratio = Row("1 stream", f"server ÷ bare fastapi_poe, {label}", "×", budget=1.05)
    server = Row("1 stream", "server: command → last edit applied", "ms")
    bare = Row("1 stream", "bare fastapi_poe: request → last chunk", "ms")
    first = Row("2 first edit", "bot sends first code chunk → edit applied", "ms", budget=25)
    traffic = Row("3 traffic", f"applyEdit requests for the {label}", "edits", budget=60)
    inflight = Row("3 traffic", "most applyEdits in flight for one document", "requests", budget=1)
    async with ctx.editor() as editor:
        ctx.log(f"stream: warm-up job ({label})")
        await refactor_once(ctx, editor, "stream-warm-up.py")
        (call,) = await ctx.bot.calls(messages=True)
        client = BareClient(ctx.bot.base_url, call.messages)
        try:
            await client.once()
            for index in range(cfg.runs):
                ctx.log(f"stream: run {index + 1}/{cfg.runs}")
                seconds, text = await client.once()
                if text != "".join(chunks):
                    raise BenchError("the bare client got a different answer")
                numbers = await refactor_once(ctx, editor, f"stream-{index}.py")
                if editor.docs[numbers["uri"]].source != expected:
                    raise BenchError("the answer did not land exactly once")
                bare.runs.append(seconds * 1000)
                server.runs.append(numbers["total"] * 1000)
                ratio.runs.append(numbers["total"] / seconds)
                first.runs.append(numbers["first_edit"] * 1000)
                traffic.runs.append(numbers["edits"])
        finally:
            await client.aclose()
        inflight.runs.append(editor.max_inflight)
    return [ratio, server, bare, first, traffic, inflight]
