"""The LSP base protocol's framing, read strictly but forgivingly (no pygls here).

A message is a header block (``Name: value`` lines ending in ``\\r\\n``, then an empty line)
and a body of exactly ``Content-Length`` bytes. pygls 2.1 matches only the exact bytes
``Content-Length: N\\r\\n`` and drops everything else silently, so a lower-case header name
or a wrong length leaves it waiting forever. :class:`Framer` instead:

* takes header names in any case (the base protocol follows HTTP), with or without the
  space after the colon, and ignores ``Content-Type`` and unknown headers;
* skips garbage lines (no colon, not ASCII) and a header block without a usable length,
  reporting each, then looks for the next ``Content-Length`` header, even inside a junk line,
  and goes on from there;
* when a body is not one JSON value but starts with one, keeps that value and gives the
  bytes after it back to the header parser (a ``Content-Length`` longer than the body,
  followed by more input); when the body is cut short by a too-small length, the value is
  reported as invalid JSON and the rest of it is skipped as junk;
* when input stalls with a body still incomplete, :meth:`Framer.stalled` takes the JSON
  value it already holds, if it is a whole one (a too-long ``Content-Length`` with nothing
  after it);
* gives up (a fatal :class:`Problem`) only when more than :data:`MAX_JUNK` bytes in a row
  are not LSP at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_BODY = 256 * 1024 * 1024
"""The largest ``Content-Length`` accepted (a whole workspace's worth of text)."""
MAX_JUNK = 1024 * 1024
"""Bytes without any header after which the peer is taken not to speak LSP."""
MAX_LINE = 64 * 1024
"""The longest header line kept; longer ones are junk."""

_LENGTH_ANYWHERE = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_HEADER = re.compile(rb"([A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \t]*:[ \t]*([ -~]*?)[ \t]*")
"""A header line: an HTTP token, a colon, printable ASCII."""


@dataclass(frozen=True)
class Message:
    """One body, as bytes; ``note`` says what was wrong with its frame, if anything."""

    body: bytes
    note: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something in the input that is not a valid message; ``fatal``: reading must stop."""

    text: str
    fatal: bool = False


Event = Message | Problem


class Framer:
    """Turns the bytes of an LSP stream into :class:`Message`\\ s and :class:`Problem`\\ s."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None
        """The body length once a header block is complete; None while reading headers."""
        self._declared: int | None = None
        """The Content-Length of the header block being read."""
        self._in_headers = False
        self._junk = 0
        self._resync = False
        """After a header block without a usable length: skip to the next Content-Length."""

    @property
    def waiting_for_body(self) -> bool:
        """Whether the headers are read and the body is incomplete."""
        return self._length is not None

    def feed(self, data: bytes) -> list[Event]:
        """Take more input; return the messages and problems it completes."""
        self._buffer += data
        events: list[Event] = []
        while True:
            event = self._body() if self._length is not None else self._header_line()
            if event is None:
                return events
            if event is _AGAIN:
                continue
            events.append(event)
            if isinstance(event, Problem) and event.fatal:
                self._buffer.clear()
                return events

    def stalled(self) -> list[Event]:
        """Input paused with a body incomplete: take the JSON value it starts with, if whole.

        Whatever follows that value (the start of the next message) is read as usual.
        """
        if self._length is None:
            return []
        held = bytes(self._buffer)
        value_end = _json_prefix(held)
        if value_end is None:
            return []
        note = (
            f"the body is {value_end} bytes, not its Content-Length of {self._length}; "
            "took the JSON value it holds once input paused"
        )
        self._buffer[:] = held[value_end:]
        self._length = None
        return [Message(held[:value_end], note), *self.feed(b"")]

    def end(self) -> Problem | None:
        """The input ended: report the message it cut, if any."""
        if self._length is not None:
            short = self._length - len(self._buffer)
            return Problem(f"the input ended {short} bytes short of a message's body")
        if self._in_headers or self._buffer.strip():
            return Problem("the input ended inside a message's headers")
        return None

    # Internals ---------------------------------------------------------------------------

    def _skip(self, size: int, what: str) -> Event:
        """Drop ``size`` bytes; a fatal problem if too much junk came in a row."""
        junk = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._junk += size
        if self._junk > MAX_JUNK:
            return Problem(
                f"more than {MAX_JUNK} bytes without a valid LSP header; "
                "the client does not speak the LSP base protocol",
                fatal=True,
            )
        return Problem(f"{what}: {_preview(junk)}")

    def _drop_headers(self) -> None:
        self._in_headers = False
        self._declared = None
        self._resync = True

    def _header_line(self) -> Event | None:
        if self._resync:
            return self._seek_length()
        newline = self._buffer.find(b"\n")
        if newline < 0:
            if len(self._buffer) > MAX_LINE:
                self._drop_headers()
                return self._skip(len(self._buffer), "skipped a header line that never ends")
            return None
        line = bytes(self._buffer[: newline + 1])
        content = line.rstrip(b"\r\n")
        if not content:
            del self._buffer[: newline + 1]
            if not self._in_headers:
                return _AGAIN  # blank lines between messages are harmless
            if self._declared is None:
                self._drop_headers()
                return Problem("a message's headers have no Content-Length; skipped it")
            self._length, self._declared, self._in_headers = self._declared, None, False
            self._junk = 0
            return _AGAIN
        found = _LENGTH_ANYWHERE.search(line)
        if found is not None and found.start() > 0:
            # Junk (the rest of a body cut short, say) ran into the next message's header.
            self._in_headers, self._declared = False, None
            return self._skip(found.start(), "skipped bytes before a header")
        header = _HEADER.fullmatch(content)
        if header is None:
            return self._skip(newline + 1, "skipped a malformed header line")
        del self._buffer[: newline + 1]
        self._in_headers = True
        name, value = header.group(1).lower(), header.group(2)
        if name == b"content-length":
            if not value.isdigit() or int(value) > MAX_BODY:
                self._drop_headers()
                return Problem(f"unusable Content-Length {_preview(value)}; skipped the message")
            self._declared = int(value)
        return _AGAIN

    def _seek_length(self) -> Event | None:
        """Skip to the next ``Content-Length`` header, wherever it starts."""
        found = _LENGTH_ANYWHERE.search(self._buffer)
        if found is None:
            keep = 64  # the start of a header still arriving
            if len(self._buffer) <= keep:
                return None
            return self._skip(len(self._buffer) - keep, "skipped bytes that are not a message")
        self._resync = False
        if found.start() > 0:
            return self._skip(found.start(), "skipped bytes that are not a message")
        return _AGAIN

    def _body(self) -> Event | None:
        length = self._length
        assert length is not None
        if len(self._buffer) < length:
            return None
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._length = None
        try:
            json.loads(body)
        except ValueError:
            end = _json_prefix(body)
            if end is not None:
                # A Content-Length longer than the body: the next message began inside it.
                self._buffer[:0] = body[end:]
                note = f"the body is {end} bytes, not its Content-Length of {length}"
                return Message(body[:end], note)
        return Message(body)


_AGAIN = Problem("")
"""Internal: progress was made, look again."""


def _json_prefix(data: bytes) -> int | None:
    """The end of the JSON object or array ``data`` starts with, or None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data[: exc.start].decode("utf-8")
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(stripped)
    except ValueError:
        return None
    return len((text[: len(text) - len(stripped)] + stripped[:end]).encode("utf-8"))


def _preview(data: bytes, limit: int = 60) -> str:
    """``data`` shortened for a log line."""
    shown = data[:limit]
    return repr(shown) + ("…" if len(data) > limit else "")
