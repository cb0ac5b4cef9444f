"""The fake Poe bot server (``tests/fakepoe.py``) in a process of its own, timed.

Run as ``python -m bench.fakebot_main`` from the repository root. It prints
``{"base_url": ...}`` on one line, then answers one JSON line on stdout for each JSON line
on stdin:

* ``{"op": "script", "bot": B, "script": {"chunks": [...], "delay": s, ...}}``: script ``B``
  (the fields of :class:`tests.fakepoe.Script`);
* ``{"op": "calls", "messages": bool}``: every query so far, with its timings (below);
* ``{"op": "reset"}``: forget the calls.

Timings are ``time.monotonic()`` of this process, which on Linux is the system-wide
``CLOCK_MONOTONIC`` clock that the benchmark process reads too: ``started_at`` (the query
arrived), ``text_at`` (each ``text`` event handed to the socket), ``disconnect_at`` (the
client closed the connection) and ``ended_at`` (the response was over).

A separate process keeps the bot's CPU time off the measuring process, so that the server
and the bare ``fastapi_poe`` baseline meet the same bot.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from tests.fakepoe import FakePoe, Script

_TEXT_EVENT = b"event: text"


@dataclass
class Call:
    """The timings of one request the bot received."""

    bot: str
    started_at: float
    text_at: list[float] = field(default_factory=list)
    disconnect_at: float | None = None
    ended_at: float | None = None
    body: bytearray = field(default_factory=bytearray, repr=False)

    def to_json(self, messages: bool) -> dict[str, Any]:
        """The wire form; ``query`` is false for ``report_error`` and other POSTs."""
        try:
            parsed = json.loads(bytes(self.body))
        except ValueError:
            parsed = {}
        item = {
            "bot": self.bot,
            "query": isinstance(parsed, dict) and parsed.get("type") == "query",
            "started_at": self.started_at,
            "text_at": list(self.text_at),
            "disconnect_at": self.disconnect_at,
            "ended_at": self.ended_at,
        }
        if messages and item["query"]:
            item["messages"] = parsed.get("query", [])
        return item


class TimedFakePoe(FakePoe):
    """:class:`FakePoe` that also times every request at the ASGI boundary."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._calls_lock = threading.Lock()

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await super()._asgi(scope, receive, send)
            return
        call = Call(bot=scope["path"][1:], started_at=time.monotonic())
        with self._calls_lock:
            self.calls.append(call)

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.body" and bytes(
                message.get("body", b"")
            ).startswith(_TEXT_EVENT):
                call.text_at.append(time.monotonic())
            await send(message)

        async def timed_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                call.body += message.get("body", b"")
            elif message["type"] == "http.disconnect" and call.disconnect_at is None:
                call.disconnect_at = time.monotonic()
            return message

        try:
            await super()._asgi(scope, timed_receive, timed_send)
        finally:
            call.ended_at = time.monotonic()

    def snapshot(self, messages: bool) -> list[dict[str, Any]]:
        """Every request so far, in the wire form of :meth:`Call.to_json`."""
        with self._calls_lock:
            calls = list(self.calls)
        return [call.to_json(messages) for call in calls]

    def forget(self) -> None:
        """Forget the requests and calls (the scripts stay)."""
        self.reset()
        with self._calls_lock:
            self.calls.clear()


def _answer(fake: TimedFakePoe, command: dict[str, Any]) -> dict[str, Any]:
    op = command.get("op")
    if op == "script":
        fake.set_script(command["bot"], Script(**command["script"]))
        return {"ok": True}
    if op == "reset":
        fake.forget()
        return {"ok": True}
    if op == "calls":
        return {"calls": fake.snapshot(bool(command.get("messages")))}
    return {"error": f"unknown op {op!r}"}


def main() -> int:
    """Serve until stdin closes."""
    fake = TimedFakePoe()
    with fake:
        print(json.dumps({"base_url": fake.base_url}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                reply = _answer(fake, json.loads(line))
            except Exception as exc:  # a bad command must not take the bot down
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
