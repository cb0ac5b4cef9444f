"""The editor, as an action sees it: one interface, no pygls.

:class:`Editor` is everything an action may ask of the editor it runs for. The LSP server
implements it in :class:`poe_lsp.lsp.editor.LspEditor`, the terminal commands in
:class:`poe_lsp.terminal.host.TerminalEditor`, and the unit tests with a fake. Edits are
``lsprotocol`` ``WorkspaceEdit``\\ s, built only by :mod:`poe_lsp.edits.region`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal, Protocol

from lsprotocol import types as t

from poe_lsp.contract import JobEnded
from poe_lsp.edits.positions import Encoding, Pos
from poe_lsp.messages import Wording
from poe_lsp.trust import Destination

if TYPE_CHECKING:
    from poe_lsp.edits.region import Tracked

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Document:
    """A document as the server sees it: open in the editor, or read from disk."""

    uri: str
    path: str
    text: str
    version: int | None
    language_id: str


class Progress(Protocol):
    """A progress indicator in the editor (or nothing, for clients without one)."""

    def report(self, message: str) -> None: ...

    def end(self, message: str) -> None: ...


class Host(Protocol):
    """What the workflow needs from where it runs (an editor, a terminal): documents to
    read, and the user. Where answers go is a target's business (:class:`Editor`)."""

    wording: Wording
    """How the user knows the settings: the editors' names, or the terminal's options."""

    @property
    def encoding(self) -> Encoding:
        """How the editor counts characters in a position."""
        ...

    # Documents ----------------------------------------------------------------------

    @property
    def root(self) -> PurePosixPath | None: ...

    @property
    def roots(self) -> Sequence[str]:
        """The workspace folders: no file outside them is read from disk or written."""
        ...

    async def read_document(self, uri: str) -> Document | None:
        """Return ``uri`` as the editor has it, else as the workspace boundary reads it from
        disk, else ``None``; raise ``Refused`` or ``Stop`` when it may not be read."""
        ...

    # The user -----------------------------------------------------------------------

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> Progress: ...

    def notify(self, severity: Severity, message: str) -> None: ...

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        """Ask the user whether ``bot``, which is not trusted (or trusted only by settings,
        which can be the project's), may spend their points."""
        ...

    async def allow_host(self, place: Destination, setting: str) -> bool:
        """Ask the user whether the key may go to ``place``, which ``setting`` points to."""
        ...

    def job_ended(self, event: JobEnded) -> None:
        """Tell the editor (if it wants to know) that a job ended."""
        ...


class Editor(Host, Protocol):
    """An editor, as the targets that edit its documents need it: a :class:`Host` that
    also applies edits and reports the changes the user makes."""

    # What the editor can do ---------------------------------------------------------

    @property
    def can_apply_edits(self) -> bool:
        """Whether the editor applies edits the server sends (``workspace/applyEdit``)."""
        ...

    @property
    def versioned_edits(self) -> bool:
        """Whether the editor takes ``documentChanges`` (edits that carry a version)."""
        ...

    @property
    def confirmable_edits(self) -> bool:
        """Whether the editor asks the user to confirm edits annotated ``needsConfirmation``."""
        ...

    @property
    def can_create_files(self) -> bool:
        """Whether an edit may create the file it writes into."""
        ...

    # Documents ----------------------------------------------------------------------

    def uri_for(self, path: PurePosixPath) -> str: ...

    def document_state(self, uri: str) -> tuple[str, int | None] | None:
        """Return the text and version of ``uri`` if the editor has it open, else ``None``."""
        ...

    async def show_document(self, uri: str, start: Pos, end: Pos) -> None: ...

    # Edits --------------------------------------------------------------------------

    async def apply(self, edit: t.WorkspaceEdit, label: str, *, patient: bool = False) -> bool:
        """Apply ``edit``; return whether the editor applied it.

        ``patient``: the editor may ask the user first, so wait much longer for the answer.
        """
        ...

    async def wait_for_version(self, uri: str, past: int, timeout: float) -> None:
        """Wait until the editor reported a version of ``uri`` newer than ``past``."""
        ...

    def track(self, writer: Tracked) -> None:
        """Send the document changes of ``writer.uri`` to ``writer.on_change`` from now on."""
        ...

    def untrack(self, writer: Tracked) -> None:
        """Stop sending changes to ``writer``."""
        ...
