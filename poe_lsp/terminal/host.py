"""The editor and the target of one action run from a terminal.

:class:`TerminalEditor` is the :class:`~poe_lsp.editor.Host` of a subcommand: files come
from disk through the workspace :class:`~poe_lsp.boundary.Boundary` of the command's root,
progress and problems go to stderr, and nothing is edited while the bot answers.
:class:`TerminalTarget` is where the answer goes: stdout as it grows, and the file (with
``--write``, after the job is done) once it is final.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from poe_lsp.actions.languages import language_for
from poe_lsp.actions.plan import Plan, Stop, relative
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.actions.targets import Render, selection_render, tests_render
from poe_lsp.answers import Explanation
from poe_lsp.boundary import Boundary, Refused, path_of_uri
from poe_lsp.contract import TITLES, JobEnded
from poe_lsp.contract import Outcome as Ending
from poe_lsp.editor import Document, Progress, Severity
from poe_lsp.edits.positions import Encoding, offset_at
from poe_lsp.edits.region import RegionWriter
from poe_lsp.messages import TERMINAL
from poe_lsp.terminal.output import AnswerPrinter, Reporter
from poe_lsp.trust import Destination

log = logging.getLogger(__name__)

ENCODING: Encoding = "utf-32"
"""Positions count code points: the terminal's own lines and columns."""


@dataclass(frozen=True)
class Change:
    """The text a file should hold once the answer is in, and what it held when read."""

    path: Path
    original: str | None
    """``None``: the file did not exist."""
    text: str


class TerminalEditor:
    """The :class:`~poe_lsp.editor.Host` of one subcommand: it edits nothing while the bot
    answers (its :class:`TerminalTarget` writes the file, once the answer is final)."""

    def __init__(self, root: Path, reporter: Reporter) -> None:
        self.boundary = Boundary((root,))
        """The root: the command reads and writes no file outside it."""
        self._root = root
        self._reporter = reporter
        self._cancel: Callable[[], object] | None = None
        self._interrupted = False
        self.stdout_closed = False
        self.ended: JobEnded | None = None

    wording = TERMINAL
    encoding: Encoding = ENCODING

    @property
    def root(self) -> PurePosixPath | None:
        return PurePosixPath(self._root)

    @property
    def roots(self) -> tuple[str, ...]:
        return self.boundary.roots

    async def read_document(self, uri: str) -> Document | None:
        """Return ``uri`` as the boundary reads it from disk (in a thread), else ``None``."""
        try:
            path = Path(path_of_uri(uri))
            text = await asyncio.to_thread(self.boundary.read, path)
        except Refused as exc:
            raise Stop(exc.message) from None
        if text is None:
            return None
        return Document(uri, path.as_posix(), text, None, language_for(path))

    # The user ------------------------------------------------------------------------

    async def begin_progress(
        self, title: str, message: str, on_cancel: Callable[[], object]
    ) -> Progress:
        self._cancel = on_cancel
        if self._interrupted:  # Ctrl-C came before the job could be told
            on_cancel()
        title = title.removeprefix("Poe: ")
        self._reporter.progress(title, message)
        return _Progress(self._reporter, title)

    def notify(self, severity: Severity, message: str) -> None:
        if severity == "info":
            self._reporter.info(message)
        else:
            self._reporter.problem(message)

    async def allow_bot(self, bot: str, *, in_settings: bool = False) -> bool:
        """Yes: a bot that is not in the trusted list can only come from ``--bot``, and naming
        it there is the user's choice (the editor asks because settings can come from a
        repository the user did not write)."""
        self._reporter.info(f"{bot} is not one of the trusted bots; asking it as --bot says")
        return True

    async def allow_host(self, place: Destination, setting: str) -> bool:
        """No: the terminal allows only hosts from its own command line (``--base-url``) and
        ``$POE_ALLOWED_HOSTS``, which the settings already hold."""
        return False

    def job_ended(self, event: JobEnded) -> None:
        self.ended = event
        if event.outcome == "done":
            self._reporter.info(f"{TITLES[event.action]}: {event.message}")
        elif event.outcome == "cancelled":
            if self.stdout_closed and not self._interrupted:
                self._reporter.info("stopped: stdout was closed")
            else:
                self._reporter.problem("cancelled")

    def interrupt(self) -> None:
        """Cancel the job, as the cancel button of an editor's progress does (Ctrl-C)."""
        self._interrupted = True
        self.cancel()

    def cancel(self) -> None:
        """Cancel the job, if it started."""
        if self._cancel is not None:
            self._cancel()


class TerminalTarget:
    """Prints the answer as it grows; keeps the final text as a :class:`Change`.

    ``render`` turns the answer into the text that replaces ``[begin, finish)`` of
    ``original`` (the selection, or the end of the test file); without it the answer is
    printed as is (an explanation) and changes no file.
    """

    writer: RegionWriter | None = None
    explanation: Explanation | None = None

    def __init__(
        self,
        printer: AnswerPrinter,
        bot: str,
        render: Render | None = None,
        *,
        path: Path | None = None,
        original: str | None = None,
        span: tuple[int, int] = (0, 0),
        printed: Callable[[str], str] = str,
    ) -> None:
        self.printer = printer
        self.change: Change | None = None
        self._bot = bot
        self._render = render
        self._path = path
        self._original = original
        self._span = span
        self._printed = printed
        self._latest = ""

    async def show(self, answer: str, final: bool) -> bool:
        text = self._render(answer, final) if self._render else answer
        if text is None:
            return False
        self._latest = text
        self.printer.update(self._printed(text))
        return True

    async def conclude(self) -> tuple[Ending, str]:
        if self._path is not None:
            before = self._original or ""
            begin, finish = self._span
            text = before[:begin] + self._latest + before[finish:]
            self.change = Change(self._path, self._original, text)
        return "done", f"{self._bot} finished"

    async def rollback(self) -> bool:
        """Nothing to undo: no file is written before the end."""
        return False

    def close(self) -> None:
        pass


class TerminalTargets:
    """Opens the :class:`TerminalTarget` of a plan, reading the test file from disk."""

    def __init__(self, editor: TerminalEditor, printer: AnswerPrinter) -> None:
        self._editor = editor
        self._printer = printer
        self.opened: TerminalTarget | None = None

    async def open(
        self, plan: Plan, progress: Progress, job_id: str
    ) -> tuple[TerminalTarget, PromptInput]:
        document, prompt = plan.document, plan.prompt
        if plan.destination == "hover":
            target = TerminalTarget(self._printer, plan.bot)
        elif plan.destination == "selection":
            begin = offset_at(document.text, plan.selection.start, ENCODING)
            finish = offset_at(document.text, plan.selection.end, ENCODING)
            target = TerminalTarget(
                self._printer,
                plan.bot,
                selection_render(plan),
                path=Path(document.path),
                original=document.text,
                span=(begin, finish),
            )
        else:
            target, prompt = await self._tests(plan)
        self.opened = target
        return target, prompt

    async def _tests(self, plan: Plan) -> tuple[TerminalTarget, PromptInput]:
        path, boundary, root = plan.test_path, self._editor.boundary, self._editor.root
        assert path is not None
        try:
            await asyncio.to_thread(boundary.check_target, Path(path))
            text = await asyncio.to_thread(boundary.read, Path(path))
        except Refused as exc:
            raise Stop(f"No tests were written: {exc.message}") from None
        end = len(text or "")
        target = TerminalTarget(
            self._printer,
            plan.bot,
            tests_render(text or "", plan.document),
            path=Path(path),
            original=text,
            span=(end, end),
            printed=lambda text: text.lstrip("\r\n"),  # not the blank lines before the tests
        )
        prompt = dataclasses.replace(
            plan.prompt, test_path=relative(str(path), root), test_head=text or None
        )
        return target, prompt


class _Progress:
    """Progress on stderr (with ``-v``)."""

    def __init__(self, reporter: Reporter, title: str) -> None:
        self._reporter = reporter
        self._title = title

    def report(self, message: str) -> None:
        self._reporter.progress(self._title, message)

    def end(self, message: str) -> None:
        """Nothing: the job's ending is told by ``job_ended`` and the exit code."""
