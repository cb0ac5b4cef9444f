"""The LSP framing: valid frames in any chunking, and every kind of broken frame recovered."""

from __future__ import annotations

import json
from typing import Any

import pytest

from poe_lsp.lsp.transport import MAX_JUNK, Framer, Message, Problem


def body(msg_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": "shutdown"}).encode()


def frame(data: bytes, header: str = "Content-Length: {}") -> bytes:
    return header.format(len(data)).encode() + b"\r\n\r\n" + data


def ids(events: list[Any]) -> list[int]:
    return [json.loads(e.body)["id"] for e in events if isinstance(e, Message)]


def problems(events: list[Any]) -> list[str]:
    return [e.text for e in events if isinstance(e, Problem)]


def test_valid_frames_in_any_chunking() -> None:
    stream = b"".join(
        frame(body(i), "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc")
        for i in range(3)
    )
    for size in (1, 2, 7, len(stream)):
        framer = Framer()
        events = [e for i in range(0, len(stream), size) for e in framer.feed(stream[i : i + size])]
        assert ids(events) == [0, 1, 2] and problems(events) == []
        assert framer.end() is None


@pytest.mark.parametrize(
    "header",
    ["content-length: {}", "CONTENT-LENGTH: {}", "Content-Length:{}", "Content-Length: {} "],
)
def test_header_names_are_case_insensitive(header: str) -> None:
    events = Framer().feed(frame(body(1), header) + frame(body(2)))
    assert ids(events) == [1, 2] and problems(events) == []


def test_garbage_header_lines_are_skipped_and_reported() -> None:
    events = Framer().feed(b"hello there\r\n\xff\xfe\r\nX-Editor: vim\r\n" + frame(body(1)))
    assert ids(events) == [1]
    assert len(problems(events)) == 2 and all("malformed header" in p for p in problems(events))


def test_a_non_numeric_length_skips_that_message_only() -> None:
    events = Framer().feed(frame(body(1), "Content-Length: abc") + frame(body(2)))
    assert ids(events) == [2]
    assert "unusable Content-Length b'abc'" in problems(events)[0]


def test_headers_without_a_length_skip_that_message_only() -> None:
    events = Framer().feed(frame(body(1), "Content-Type: x") + frame(body(2)))
    assert ids(events) == [2] and "no Content-Length" in problems(events)[0]


def test_a_length_too_long_keeps_the_json_and_the_next_message() -> None:
    events = Framer().feed(frame(body(1), "Content-Length: {}0") + frame(body(2)) * 10)
    assert ids(events) == [1] + [2] * 10
    assert isinstance(events[0], Message) and "not its Content-Length" in (events[0].note or "")


def test_a_length_too_long_then_a_short_message_recover_when_input_stalls() -> None:
    framer = Framer()
    assert framer.feed(frame(body(1), "Content-Length: {}0") + frame(body(2))) == []
    assert ids(framer.stalled()) == [1, 2]


def test_a_length_too_long_with_nothing_after_is_taken_when_input_stalls() -> None:
    framer = Framer()
    assert framer.feed(frame(body(1), "Content-Length: {}0")) == []
    assert framer.waiting_for_body
    events = framer.stalled()
    assert ids(events) == [1] and not framer.waiting_for_body
    assert ids(framer.feed(frame(body(2)))) == [2]


def test_a_stalled_body_that_is_not_whole_json_waits() -> None:
    framer = Framer()
    framer.feed(b"Content-Length: 100\r\n\r\n" + body(1)[:10])
    assert framer.stalled() == [] and framer.waiting_for_body
    assert "short of a message's body" in (framer.end() or Problem("")).text


def test_a_length_too_short_gives_invalid_json_then_recovers() -> None:
    events = Framer().feed(b"Content-Length: 10\r\n\r\n" + body(1) + frame(body(2)))
    messages = [e for e in events if isinstance(e, Message)]
    assert messages[0].body == body(1)[:10]
    assert ids(messages[1:]) == [2]
    assert any("skipped bytes before a header" in p for p in problems(events))


def test_invalid_json_with_the_right_length_is_passed_on() -> None:
    events = Framer().feed(frame(b"{nope") + frame(body(2)))
    assert next(e.body for e in events if isinstance(e, Message)) == b"{nope"
    assert ids(events[1:]) == [2]


def test_endless_junk_is_fatal() -> None:
    framer = Framer()
    events = framer.feed(b"x" * 1000 + b"\r\n")
    for _ in range(MAX_JUNK // 1000 + 1):
        events += framer.feed(b"y" * 999 + b"\r\n")
    assert isinstance(events[-1], Problem) and events[-1].fatal


def test_junk_counts_restart_after_a_good_message() -> None:
    framer = Framer()
    for _ in range(3):
        events = framer.feed(b"z" * (MAX_JUNK // 2) + b"\r\n" + frame(body(1)))
        assert ids(events) == [1] and not any(e.fatal for e in events if isinstance(e, Problem))


def test_end_inside_headers_is_reported() -> None:
    framer = Framer()
    framer.feed(b"Content-Length: 5\r\n")
    assert "inside a message's headers" in (framer.end() or Problem("")).text
