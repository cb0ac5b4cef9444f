"""Property: while an answer streams, the user types above, inside and below the region.

A simulated editor applies the writer's edits the way real clients do (it refuses an edit
whose version is stale, bumps the version, reports each change back as an incremental
``didChange``), and the user's edits land at random moments, some while an edit is in
flight. Whatever happens, the document ends as the user's text plus the answer in the right
place, or, when the user typed inside the region, the job stops and their text is untouched.
Positions are applied by pygls' own codec, independently of the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as t

from poe_lsp.edits.positions import Encoding
from poe_lsp.edits.region import RegionConflict, RegionWriter
from tests.e2e.editor import EditorDocument, lsp_position

URI = "file:///doc.py"
ALPHABET = st.sampled_from([*"ab xy\t\n", "é", "😀", "漢", "\u0301", "\x0c", "\u2028", "\x85"])
"""Characters of the text, with line breaks and characters LSP does not break lines at."""


@dataclass
class UserEdit:
    """A user edit somewhere relative to the region, as fractions of that part of the text."""

    where: str
    at: float
    length: float
    text: str
    in_flight: bool


@dataclass
class SimEditor:
    """An editor that owns the document and talks to one writer like an LSP client."""

    text: str
    encoding: Encoding
    version: int = 1
    versioned_edits: bool = True
    writer: RegionWriter | None = None
    pending: list[UserEdit] = field(default_factory=list)
    prefix: str = ""
    suffix: str = ""

    def _doc(self) -> EditorDocument:
        return EditorDocument(URI, self.text, version=self.version, encoding=self.encoding)

    def position_at(self, offset: int) -> t.Position:
        """The LSP position of ``offset`` in the editor's text."""
        line, character = lsp_position(self.text, offset, self.encoding)
        return t.Position(line=line, character=character)

    def _change(self, rng: t.Range, new_text: str) -> None:
        doc = self._doc()
        change = t.TextDocumentContentChangePartial(range=rng, text=new_text)
        doc.apply_change(change)
        self.text = doc.source
        self.version += 1
        if self.writer is not None:
            self.writer.on_change(change)

    def document_state(self, uri: str) -> tuple[str, int | None]:
        return self.text, self.version

    def track(self, writer: RegionWriter) -> None:
        self.writer = writer

    def untrack(self, writer: RegionWriter) -> None:
        self.writer = None

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        await asyncio.sleep(0)
        while self.pending and self.pending[0].in_flight:
            self.user_types(self.pending.pop(0))
        (change,) = edit.document_changes or []
        assert isinstance(change, t.TextDocumentEdit)
        if change.text_document.version != self.version:
            return False
        for text_edit in change.edits:
            assert isinstance(text_edit, t.TextEdit)
            self._change(text_edit.range, text_edit.new_text)
        return True

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        return None

    def region_offsets(self) -> tuple[int, int]:
        return len(self.prefix), len(self.text) - len(self.suffix)

    def _no_split(self, offset: int) -> int:
        """Editors cannot put the cursor between the two characters of a CRLF."""
        return offset - 1 if self.text[offset - 1 : offset + 1] == "\r\n" else offset

    def user_types(self, edit: UserEdit) -> bool:
        """Apply ``edit``; return whether it touched the region."""
        start, end = self.region_offsets()
        if edit.where == "above":
            a = int(edit.at * start)
            b = a + int(edit.length * (start - a))
        elif edit.where == "below":
            a = end + int(edit.at * (len(self.text) - end))
            b = a + int(edit.length * (len(self.text) - a))
        else:
            a = start + int(edit.at * (end - start))
            b = min(end, a + 1 + int(edit.length * 3))
        a, b = self._no_split(a), self._no_split(b)
        rng = t.Range(start=self.position_at(a), end=self.position_at(b))
        inside = edit.where == "inside"
        if edit.where == "above":
            self.prefix = self.prefix[:a] + edit.text + self.prefix[b:]
        elif edit.where == "below":
            cut = a - end
            self.suffix = self.suffix[:cut] + edit.text + self.suffix[cut + b - a :]
        self._change(rng, edit.text)
        return inside


user_edits = st.builds(
    UserEdit,
    where=st.sampled_from(["above", "below", "inside"]),
    at=st.floats(0, 1),
    length=st.floats(0, 1),
    text=st.text(ALPHABET, max_size=4) | st.sampled_from(["\n", "x\n", "\n\n"]),
    in_flight=st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(ALPHABET, max_size=12),
    after=st.text(ALPHABET, max_size=12),
    lines=st.lists(st.text(ALPHABET, min_size=1, max_size=8), min_size=1, max_size=8),
    eol=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
    steps=st.lists(st.tuples(st.integers(0, 7), user_edits), max_size=6),
)
def test_the_answer_lands_in_the_right_place_whatever_the_user_types(
    before: str,
    after: str,
    lines: list[str],
    eol: str,
    encoding: Encoding,
    steps: list[tuple[int, UserEdit]],
) -> None:
    prefix = f"{before}{eol}head{eol}"
    original = f"old one{eol}old two{eol}"
    suffix = f"tail{eol}{after}"
    answer = [line + eol for line in lines]
    asyncio.run(_stream(prefix, original, suffix, answer, encoding, steps))


async def _stream(
    prefix: str,
    original: str,
    suffix: str,
    answer: list[str],
    encoding: Encoding,
    steps: list[tuple[int, UserEdit]],
) -> None:
    editor = SimEditor(prefix + original + suffix, encoding, prefix=prefix, suffix=suffix)
    start = editor.position_at(len(prefix))
    writer = RegionWriter(editor, URI, (start.line, start.character), original, label="test")
    typed_inside = False
    try:
        for index in range(len(answer)):
            for at, edit in steps:
                if at == index and not edit.in_flight:
                    typed_inside |= editor.user_types(edit)
                elif at == index:
                    editor.pending.append(edit)
                    typed_inside |= edit.where == "inside"
            await writer.write("".join(answer[: index + 1]))
            while editor.pending:
                typed_inside |= editor.user_types(editor.pending.pop(0))
    except RegionConflict:
        assert typed_inside, "a conflict without a change inside the region"
        snapshot = editor.text
        with contextlib.suppress(RegionConflict):
            await writer.write("".join(answer) + "more")
        assert editor.text == snapshot, "after a conflict nothing may be written"
        return
    if not typed_inside:
        assert editor.text == editor.prefix + "".join(answer) + editor.suffix
