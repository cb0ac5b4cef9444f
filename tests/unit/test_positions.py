"""Positions in every LSP encoding."""

from __future__ import annotations

import pytest

from poe_lsp.edits.positions import (
    advance,
    line_ending,
    offset_at,
    position_at,
    split_lines,
    units,
)

TEXT = "a😀b\r\n\tcafé 漢字\nlast"


@pytest.mark.parametrize(("encoding", "expected"), [("utf-16", 4), ("utf-8", 6), ("utf-32", 3)])
def test_units_of_an_emoji_line(encoding: str, expected: int) -> None:
    assert units("a😀b", encoding) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_offsets_and_positions_round_trip(encoding: str) -> None:
    for offset in range(len(TEXT) + 1):
        if TEXT[offset - 1 : offset + 1] == "\r\n":
            continue
        pos = position_at(TEXT, offset, encoding)  # type: ignore[arg-type]
        assert offset_at(TEXT, pos, encoding) == offset  # type: ignore[arg-type]


def test_position_after_emoji_counts_surrogates_in_utf16() -> None:
    assert position_at(TEXT, 2, "utf-16") == (0, 3)
    assert position_at(TEXT, 2, "utf-8") == (0, 5)
    assert position_at(TEXT, 2, "utf-32") == (0, 2)


def test_crlf_is_one_line_break() -> None:
    assert position_at(TEXT, 5, "utf-16") == (1, 0)
    assert offset_at(TEXT, (1, 0), "utf-16") == 5


def test_offsets_clamp_past_the_end_of_a_line_and_of_the_text() -> None:
    assert offset_at(TEXT, (0, 99), "utf-16") == 3
    assert offset_at(TEXT, (9, 0), "utf-16") == len(TEXT)


def test_advance_over_inserted_text() -> None:
    assert advance((3, 4), "abc", "utf-16") == (3, 7)
    assert advance((3, 4), "x\r\ny😀", "utf-16") == (4, 3)
    assert advance((3, 4), "x\n", "utf-8") == (4, 0)


def test_line_ending_of_a_document() -> None:
    assert line_ending(TEXT) == "\r\n"
    assert line_ending("one line") == "\n"


ODD = "a\x0cb\x0bc\x1cd\x1de\x1ef\x85g\u2028h\u2029i\nj"


def test_only_cr_and_lf_break_lines() -> None:
    """Python's splitlines breaks ODD into 10 lines; LSP into 2."""
    assert split_lines(ODD) == [ODD[:-2], "j"]
    assert split_lines(ODD, keepends=True) == [ODD[:-1], "j"]
    assert split_lines("a\rb\r\nc\n\n") == ["a", "b", "c", ""]
    assert split_lines("") == []
    assert position_at(ODD, len(ODD), "utf-16") == (1, 1)
    assert offset_at(ODD, (1, 0), "utf-16") == len(ODD) - 1
    assert offset_at(ODD, (0, 99), "utf-8") == len(ODD) - 2
    assert advance((0, 0), "x\u2028y\x0c", "utf-8") == (0, 6)
