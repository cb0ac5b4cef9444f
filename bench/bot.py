"""The benchmarks' side of the fake bot process (:mod:`bench.fakebot_main`)."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from bench.editor import REPO


@dataclass
class Call:
    """One query the bot received; times are ``time.monotonic()`` (system-wide on Linux)."""

    bot: str
    started_at: float
    text_at: list[float]
    disconnect_at: float | None
    ended_at: float | None
    messages: list[dict[str, Any]] = field(default_factory=list)


class Bot:
    """A running fake bot process: script it, read what it saw."""

    def __init__(self) -> None:
        self.base_url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int:
        """The bot process's id."""
        assert self._process is not None
        return self._process.pid

    async def __aenter__(self) -> Bot:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fakebot_main",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,
        )
        assert self._process.stdout is not None
        first = await asyncio.wait_for(self._process.stdout.readline(), 60)
        if not first:
            raise RuntimeError("the fake bot process did not start")
        self.base_url = json.loads(first)["base_url"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        async with self._lock:
            process.stdin.write(json.dumps(command).encode() + b"\n")
            await process.stdin.drain()
            reply: dict[str, Any] = json.loads(
                await asyncio.wait_for(process.stdout.readline(), 60)
            )
        if "error" in reply:
            raise RuntimeError(f"fake bot: {reply['error']}")
        return reply

    async def script(
        self,
        bot: str,
        chunks: list[str],
        *,
        delay: float = 0.0,
        first_delay: float = 0.0,
    ) -> None:
        """Make ``bot`` answer ``chunks`` (one ``text`` event each), ``delay`` s apart."""
        script = {"chunks": chunks, "delay": delay, "first_delay": first_delay}
        await self._ask({"op": "script", "bot": bot, "script": script})

    async def calls(self, *, messages: bool = False) -> list[Call]:
        """The queries so far, oldest first (``report_error`` POSTs left out)."""
        reply = await self._ask({"op": "calls", "messages": messages})
        return [
            Call(
                bot=c["bot"],
                started_at=c["started_at"],
                text_at=c["text_at"],
                disconnect_at=c["disconnect_at"],
                ended_at=c["ended_at"],
                messages=c.get("messages", []),
            )
            for c in reply["calls"]
            if c["query"]
        ]

    async def reset(self) -> None:
        """Forget the calls so far."""
        await self._ask({"op": "reset"})
