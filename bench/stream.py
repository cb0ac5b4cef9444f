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
from bench.report import RATIO, Row

PACE = 0.001
"""Seconds between two chunks of the paced answer (the fake bot's ``delay``)."""


class BareClient:
    """The answer through ``fastapi_poe.stream_request`` alone, on one shared httpx client.

    ``short_repr``: send the request as poe-lsp does, as a ``QueryRequest`` whose ``repr`` is
    short (fastapi_poe formats ``repr(request)`` into every chunk it yields).
    """

    def __init__(
        self, base_url: str, bot: str, messages: list[dict[str, Any]], *, short_repr: bool = False
    ) -> None:
        import fastapi_poe as fp
        import httpx

        class ShortRepr(fp.QueryRequest):
            def __repr__(self) -> str:
                return "QueryRequest(...)"

        self._fp = fp
        self._base_url = base_url
        self._bot = bot
        self._session = httpx.AsyncClient(timeout=httpx.Timeout(10, read=120))
        self._request = (ShortRepr if short_repr else fp.QueryRequest)(
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
            self._request,
            self._bot,
            KEY,
            session=self._session,
            num_tries=1,
            base_url=self._base_url,
        ):
            text += message.text
        return time.monotonic() - started, text

    async def aclose(self) -> None:
        await self._session.aclose()


async def refactor_once(ctx: Context, editor: Editor, name: str, bot: str) -> dict[str, Any]:
    """Run one refactor of :data:`SOURCE` in a new document; return its numbers.

    Raises :class:`BenchError` unless the answer landed exactly once, in order.
    """
    uri = ctx.uri(name)
    editor.open(uri, SOURCE)
    await ctx.bot.reset()
    mark = len(editor.edits)
    started = time.monotonic()
    arguments = {"textDocument": {"uri": uri}, "range": rng(*SELECTED), "bot": bot}
    job = await editor.run("poe.refactor", arguments)
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


class Pace:
    """One way the bot streams the answer, and the rows it fills."""

    def __init__(self, bot: str, delay: float, label: str, runs: int) -> None:
        self.bot, self.delay, self.runs = bot, delay, runs
        self.ratio = Row("1 stream", f"server ÷ bare fastapi_poe, {label}", RATIO, budget=1.05)
        self.server = Row("1 stream", f"server: command → last edit applied, {label}", "ms")
        self.bare = Row("1 stream", f"bare fastapi_poe: request → last chunk, {label}", "ms")
        self.first = Row(
            "2 first edit", f"bot sends first code chunk → edit applied, {label}", "ms", budget=25
        )
        self.traffic = Row("3 traffic", f"applyEdit requests, {label}", "edits", budget=60)
        self.same_client = Row(
            "1 stream", f"server ÷ fastapi_poe with poe-lsp's short repr, {label}", RATIO
        )


async def _measure(ctx: Context, editor: Editor, pace: Pace, chunks: list[str]) -> None:
    await ctx.bot.script(pace.bot, chunks, delay=pace.delay)
    expected = edited(code_of(chunks))
    await refactor_once(ctx, editor, f"{pace.bot}-warm-up.py", pace.bot)
    (call,) = await ctx.bot.calls(messages=True)
    client = BareClient(ctx.bot.base_url, pace.bot, call.messages)
    short = BareClient(ctx.bot.base_url, pace.bot, call.messages, short_repr=True)
    try:
        await client.once()
        await short.once()
        for index in range(pace.runs):
            ctx.log(f"stream ({pace.bot}): run {index + 1}/{pace.runs}")
            seconds, text = await client.once()
            short_seconds, short_text = await short.once()
            if text != "".join(chunks) or short_text != text:
                raise BenchError("the bare client got a different answer")
            numbers = await refactor_once(ctx, editor, f"{pace.bot}-{index}.py", pace.bot)
            if editor.docs[numbers["uri"]].source != expected:
                raise BenchError("the answer did not land exactly once")
            pace.bare.runs.append(seconds * 1000)
            pace.server.runs.append(numbers["total"] * 1000)
            pace.ratio.runs.append(numbers["total"] / seconds)
            pace.same_client.runs.append(numbers["total"] / short_seconds)
            pace.first.runs.append(numbers["first_edit"] * 1000)
            pace.traffic.runs.append(numbers["edits"])
    finally:
        await client.aclose()
        await short.aclose()


async def run(ctx: Context) -> list[Row]:
    """Run benchmarks 1-3: the answer as fast as the bot can send it, then paced."""
    cfg = ctx.config
    chunks = answer(cfg.chunks)
    size = f"{cfg.chunks:,} chunks"
    burst = Pace("Burst", 0.0, f"{size} at once", cfg.runs)
    paced = Pace("Paced", PACE, f"{size} {PACE * 1000:.0f} ms apart", max(1, (cfg.runs + 1) // 2))
    inflight = Row("3 traffic", "most applyEdits in flight for one document", "requests", budget=1)
    async with ctx.editor() as editor:
        for pace in (burst, paced):
            await _measure(ctx, editor, pace, chunks)
        inflight.runs.append(editor.max_inflight)
    rows = []
    for attribute in ("ratio", "same_client", "server", "bare", "first", "traffic"):
        rows += [getattr(burst, attribute), getattr(paced, attribute)]
    return [*rows, inflight]
