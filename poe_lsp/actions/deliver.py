"""The second step of an action: stream the bot's answer into a target.

:func:`pump` feeds the answer as it grows to ``show(answer_so_far, final)`` (a
:meth:`~poe_lsp.actions.targets.Target.show`), a few times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from poe_lsp.poe import AnswerChunk
from poe_lsp.redaction import redact_keys

FLUSH_INTERVAL = 0.05
"""Seconds between two edits of one job: answers stream in a few edits a second."""
IDLE_INTERVAL = 0.005
"""Seconds before an answer that held nothing to show yet (no code) is looked at again."""

SUGGESTED = 3
"""Suggested replies kept per answer."""
SUGGESTED_LENGTH = 500
"""Characters kept of one suggested reply (a bot's text: untrusted, any length)."""

Show = Callable[[str, bool], Awaitable[bool]]
"""``show(answer_so_far, final)`` shows the answer; it returns whether it showed anything."""


@dataclass(frozen=True)
class Answer:
    """A whole answer, as shown (keys redacted), and the replies the bot suggested."""

    text: str
    suggested: tuple[str, ...] = ()


async def pump(chunks: AsyncIterator[AnswerChunk], show: Show) -> Answer:
    """Feed the answer as it grows to ``show(answer_so_far, final)``, at most once per interval;
    return the final answer.

    The interval follows only a call that showed something, so the first code goes out as
    soon as it arrives; later chunks are coalesced, one call runs at a time, and the last
    one runs as soon as the stream ends. Cancelling the caller closes the stream. The first
    :data:`SUGGESTED` suggested replies are kept, at most :data:`SUGGESTED_LENGTH`
    characters each.
    """
    answer = ""
    suggested: list[str] = []
    changed = asyncio.Event()

    async def consume() -> None:
        nonlocal answer
        async with contextlib.aclosing(chunks) as stream:  # type: ignore[type-var]
            async for chunk in stream:
                if chunk.suggested:
                    if len(suggested) < SUGGESTED and chunk.text.strip():
                        suggested.append(redact_keys(chunk.text.strip()[:SUGGESTED_LENGTH]))
                    continue
                answer = chunk.text if chunk.replace else answer + chunk.text
                changed.set()

    consumer = asyncio.create_task(consume())
    try:
        while True:
            waiter = asyncio.create_task(changed.wait())
            await asyncio.wait({consumer, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            final = consumer.done()
            if final:
                consumer.result()
            changed.clear()
            # A bot server that echoes the key must not get it into the user's files.
            text = redact_keys(answer)
            shown = await show(text, final)
            if final:
                return Answer(text, tuple(suggested))
            interval = FLUSH_INTERVAL if shown else IDLE_INTERVAL
            await asyncio.wait({consumer}, timeout=interval)
    finally:
        if not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer
