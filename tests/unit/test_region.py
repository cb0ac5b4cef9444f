"""The region writer against an in-memory editor: minimal edits, conflicts, rollback."""

from __future__ import annotations

import pytest
from lsprotocol import types as t

from poe_lsp.edits.positions import Encoding, offset_at
from poe_lsp.edits.region import RegionConflict, RegionWriter


class MemoryEditor:
    """Applies edits to one text, as a client would, bumping the version."""

    def __init__(self, text: str, encoding: Encoding = "utf-16") -> None:
        self.text = text
        self.version = 1
        self.encoding: Encoding = encoding
        self.versioned_edits = True
        self.sent: list[t.TextEdit] = []

    def document_state(self, uri: str) -> tuple[str, int | None]:
        return self.text, self.version

    def track(self, writer: RegionWriter) -> None:
        return None

    def untrack(self, writer: RegionWriter) -> None:
        return None

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        (change,) = edit.document_changes or []
        assert isinstance(change, t.TextDocumentEdit)
        assert change.text_document.version == self.version
        for text_edit in change.edits:
            assert isinstance(text_edit, t.TextEdit)
            self.sent.append(text_edit)
            start = offset_at(
                self.text,
                (text_edit.range.start.line, text_edit.range.start.character),
                self.encoding,
            )
            end = offset_at(
                self.text, (text_edit.range.end.line, text_edit.range.end.character), self.encoding
            )
            self.text = self.text[:start] + text_edit.new_text + self.text[end:]
        self.version += 1
        return True

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        return None


DOC = "head 😀\r\n    old line\r\ntail\r\n"


async def test_streaming_appends_only_what_is_new() -> None:
    editor = MemoryEditor(DOC)
    writer = RegionWriter(editor, "file:///a", (1, 0), "    old line\r\n", label="test")
    for desired in ("    new", "    new line\r\n", "    new line\r\n    second\r\n"):
        await writer.write(desired)
        assert editor.text == "head 😀\r\n" + desired + "tail\r\n"
    assert [e.new_text for e in editor.sent[1:]] == [" line\r\n", "    second\r\n"]


async def test_rollback_restores_the_original() -> None:
    editor = MemoryEditor(DOC)
    writer = RegionWriter(editor, "file:///a", (1, 0), "    old line\r\n", label="test")
    await writer.write("something else entirely\r\n")
    await writer.rollback()
    assert editor.text == DOC


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_edits_after_wide_characters_land_right_in_every_encoding(encoding: Encoding) -> None:
    editor = MemoryEditor("x = '😀漢'  # é\n", encoding)
    writer = RegionWriter(editor, "file:///a", (0, 0), "x = '😀漢'  # é", label="test")
    await writer.write("x = '😀漢'  # é and more")
    await writer.write("y = '😀漢'  # é and more")
    assert editor.text == "y = '😀漢'  # é and more\n"


async def test_a_user_change_inside_the_region_stops_the_writer() -> None:
    editor = MemoryEditor(DOC)
    writer = RegionWriter(editor, "file:///a", (1, 0), "    old line\r\n", label="test")
    await writer.write("    new line\r\n")
    editor.text = editor.text.replace("new", "NEW")
    with pytest.raises(RegionConflict):
        await writer.write("    new line\r\n    more\r\n")
    assert "NEW" in editor.text


async def test_never_splits_a_crlf() -> None:
    editor = MemoryEditor("a\r\nb\r\n")
    writer = RegionWriter(editor, "file:///a", (0, 0), "a\r\nb\r\n", label="test")
    await writer.write("a\r\n")
    await writer.write("a\r\nc\r\n")
    assert editor.text == "a\r\nc\r\n"
    for edit in editor.sent:
        assert edit.range.start.character == 0 or edit.range.start.line == 0


async def test_a_whole_document_change_finds_the_region_again_or_stops() -> None:
    editor = MemoryEditor(DOC)
    writer = RegionWriter(editor, "file:///a", (1, 0), "    old line\r\n", label="test")
    await writer.write("    new line\r\n")
    editor.text = "reloaded\r\n" + editor.text
    writer.on_change(t.TextDocumentContentChangeWholeDocument(text=editor.text))
    await writer.write("    new line\r\n    more\r\n")
    assert editor.text == "reloaded\r\nhead 😀\r\n    new line\r\n    more\r\ntail\r\n"

    editor.text = "something else entirely\r\n"
    writer.on_change(t.TextDocumentContentChangeWholeDocument(text=editor.text))
    with pytest.raises(RegionConflict):
        await writer.write("    new line\r\n")
    assert editor.text == "something else entirely\r\n"
