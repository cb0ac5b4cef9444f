"""The server's documents and positions follow LSP's line model, checked against a model
written from the specification (the test editor's, in :mod:`tests.e2e.editor`).

LSP breaks lines at ``\\n``, ``\\r\\n`` and ``\\r`` only. The texts below are drawn from every
character ``str.splitlines`` also breaks at, plus characters that take 2 UTF-16 units or
2-4 UTF-8 bytes, so any place that splits like Python instead of like LSP shows up.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lsprotocol import types as t
from pygls.workspace.position_codec import PositionCodec

from poe_lsp.actions.plan import select
from poe_lsp.contract import ActionArgs
from poe_lsp.editor import Document
from poe_lsp.edits.fences import fit_to_selection
from poe_lsp.edits.positions import (
    Encoding,
    advance,
    line_starts,
    offset_at,
    position_at,
    split_lines,
)
from poe_lsp.lsp.workspace import LineDocument
from tests.e2e.editor import EditorDocument, lsp_lines, lsp_offset, lsp_position

NOT_LSP_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
PIECES = st.sampled_from(
    ["a", "bc", " ", "é", "漢", "😀", "\U0001f389x", "", "\n", "\r", "\r\n", *NOT_LSP_BREAKS]
)
TEXT = st.lists(PIECES, max_size=30).map("".join)
ENCODING = st.sampled_from(["utf-8", "utf-16", "utf-32"])
POSITION = st.tuples(st.integers(0, 9), st.integers(0, 12))


@st.composite
def changes(draw: Any) -> t.TextDocumentContentChangeEvent:
    """Mostly ranges (in order or reversed, inside or past the text), sometimes a whole text."""
    if draw(st.integers(0, 9)) == 0:
        return t.TextDocumentContentChangeWholeDocument(text=draw(TEXT))
    start, end = draw(POSITION), draw(POSITION)
    if draw(st.integers(0, 4)):
        start, end = min(start, end), max(start, end)
    return t.TextDocumentContentChangePartial(
        range=t.Range(
            start=t.Position(line=start[0], character=start[1]),
            end=t.Position(line=end[0], character=end[1]),
        ),
        text=draw(TEXT),
    )


def _copy(change: t.TextDocumentContentChangeEvent) -> t.TextDocumentContentChangeEvent:
    """A fresh change, so that no side can see what the other did to it."""
    if isinstance(change, t.TextDocumentContentChangeWholeDocument):
        return t.TextDocumentContentChangeWholeDocument(text=change.text)
    r = change.range
    return t.TextDocumentContentChangePartial(
        range=t.Range(
            start=t.Position(line=r.start.line, character=r.start.character),
            end=t.Position(line=r.end.line, character=r.end.character),
        ),
        text=change.text,
    )


@settings(max_examples=1500, deadline=None)
@given(TEXT, st.lists(changes(), max_size=8), ENCODING, st.lists(POSITION, max_size=4))
def test_line_document_follows_the_lsp_model(
    text: str,
    edits: list[t.TextDocumentContentChangeEvent],
    encoding: str,
    probes: list[tuple[int, int]],
) -> None:
    ours = LineDocument("file:///m.py", text, position_codec=PositionCodec(encoding=encoding))
    model = EditorDocument("file:///m.py", text, encoding=encoding)
    for change in edits:
        ours.apply_change(_copy(change))
        model.apply_change(_copy(change))
        assert list(ours.lines) == model.lines
        assert ours.source == model.source
        for line, character in probes:
            position = t.Position(line=line, character=character)
            assert ours.offset_at_position(position) == model.offset_at(position)


def test_lines_given_out_stay_as_they_were_when_the_document_changes() -> None:
    """A job that read the lines before an await sees them whole, not half changed."""
    doc = LineDocument("file:///m.py", "a = 1\nb = 2\n")
    before = doc.lines
    assert doc.lines == before
    change = t.TextDocumentContentChangePartial(
        range=t.Range(start=t.Position(line=0, character=0), end=t.Position(line=1, character=0)),
        text="",
    )
    doc.apply_change(change)
    assert before == ("a = 1\n", "b = 2\n")
    assert doc.lines == ("b = 2\n",)
    doc.apply_change(t.TextDocumentContentChangeWholeDocument(text="c = 3\n"))
    assert doc.lines == ("c = 3\n",)


def test_a_form_feed_is_not_a_line_break_for_the_document() -> None:
    doc = LineDocument("file:///m.py", "a = 1\n\x0c\nXY = 2\n")
    assert doc.lines == ("a = 1\n", "\x0c\n", "XY = 2\n")
    doc.apply_change(
        t.TextDocumentContentChangePartial(
            range=t.Range(
                start=t.Position(line=2, character=2), end=t.Position(line=2, character=2)
            ),
            text="b",
        )
    )
    assert doc.source == "a = 1\n\x0c\nXYb = 2\n"


def test_a_position_past_the_last_line_s_text_is_its_end() -> None:
    """pygls puts it one character before the end (and writes "ab" + "!" as "a!b")."""
    doc = LineDocument("file:///m.py", "x\nab")
    doc.apply_change(
        t.TextDocumentContentChangePartial(
            range=t.Range(
                start=t.Position(line=1, character=9), end=t.Position(line=1, character=9)
            ),
            text="!",
        )
    )
    assert doc.source == "x\nab!"


def test_a_position_past_a_line_s_text_stays_before_its_break() -> None:
    """pygls lets character 3 of "ab\\r\\n" fall between the "\\r" and the "\\n"."""
    doc = LineDocument("file:///m.py", "ab\r\ncd\r\n")
    doc.apply_change(
        t.TextDocumentContentChangePartial(
            range=t.Range(
                start=t.Position(line=0, character=3), end=t.Position(line=0, character=3)
            ),
            text="!",
        )
    )
    assert doc.source == "ab!\r\ncd\r\n"


@given(TEXT)
def test_split_lines_breaks_where_lsp_does(text: str) -> None:
    assert split_lines(text, keepends=True) == lsp_lines(text)
    assert split_lines(text) == [line.rstrip("\r\n") for line in lsp_lines(text)]
    assert line_starts(text)[: len(lsp_lines(text))] == [
        sum(map(len, lsp_lines(text)[:i])) for i in range(len(lsp_lines(text)))
    ]


def _inside_crlf(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n"


@settings(max_examples=500)
@given(TEXT, ENCODING, POSITION, st.data())
def test_offsets_and_positions_follow_the_lsp_model(
    text: str, encoding: Encoding, position: tuple[int, int], data: st.DataObject
) -> None:
    assert offset_at(text, position, encoding) == lsp_offset(text, *position, encoding)
    offset = data.draw(st.integers(0, len(text)))
    assert position_at(text, offset, encoding) == lsp_position(text, offset, encoding)
    if not _inside_crlf(text, offset):
        assert offset_at(text, position_at(text, offset, encoding), encoding) == offset


@settings(max_examples=500)
@given(TEXT, TEXT, ENCODING, st.data())
def test_advance_lands_where_the_inserted_text_ends(
    text: str, inserted: str, encoding: Encoding, data: st.DataObject
) -> None:
    offset = data.draw(st.integers(0, len(text)))
    head = text[:offset]
    # A "\r" before and a "\n" inserted become one break; advance sees the inserted text alone.
    assume(not (head.endswith("\r") and inserted.startswith("\n")))
    start = lsp_position(text, offset, encoding)
    assert advance(start, inserted, encoding) == lsp_position(
        head + inserted, len(head + inserted), encoding
    )


def _args(start: tuple[int, int], end: tuple[int, int]) -> ActionArgs:
    rng = t.Range(
        start=t.Position(line=start[0], character=start[1]),
        end=t.Position(line=end[0], character=end[1]),
    )
    return ActionArgs("file:///m.py", rng)


@given(st.sampled_from(NOT_LSP_BREAKS))
def test_a_selection_below_odd_characters_is_the_lines_the_editor_shows(odd: str) -> None:
    text = f"a = 1\n{odd}\nb = 2{odd}# c\nXY = 2\nz = 3\n"
    document = Document("file:///m.py", "/m.py", text, 1, "python")
    chosen = select(document, _args((3, 0), (4, 0)), 1, "utf-16")
    assert (chosen.text, chosen.before, chosen.after) == ("XY = 2\n", f"b = 2{odd}# c\n", "z = 3\n")
    cursor = select(document, _args((2, 1), (2, 1)), 0, "utf-16")
    assert cursor.text == f"b = 2{odd}# c\n"


def test_answers_are_indented_by_lsp_lines() -> None:
    """A form feed inside a line of the answer is not the start of a line to indent."""
    code = fit_to_selection("x = 1\x0cy\nz\n", "    q\n", eol="\n", at_line_start=True)
    assert code == "    x = 1\x0cy\n    z\n"
