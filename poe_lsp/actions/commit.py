"""Commit messages: the plan of ``poe.commitMessage``, and how its answer becomes a message.

:class:`CommitPlanner` finds the repository (the git folder a commit message file lies in, or
the work tree VS Code's Source Control names), reads what is staged through :mod:`poe_lsp.git`
and plans the job with :func:`plan_commit` (pure): the message above the file's comment lines
is replaced, and the user's draft there goes to the bot. Where the repository must be: the
commit message file, or the work tree's ``.git``, passes the workspace boundary (inside a
workspace folder the editor opened, reached without a link leading out); a ``.git`` file is
followed as git follows it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import PurePosixPath

from poe_lsp.actions.plan import Plan, Selection, Stop, relative
from poe_lsp.actions.prompt import PromptInput
from poe_lsp.boundary import Boundary, Refused, path_of_uri
from poe_lsp.contract import COMMIT_LANGUAGES, CommitMessageArgs, label
from poe_lsp.editor import Document, Host, Progress
from poe_lsp.edits.fences import extract_code
from poe_lsp.edits.positions import Encoding, line_ending, position_at, split_lines
from poe_lsp.git import (
    GitError,
    Staged,
    comment_of,
    message_git_dir,
    read_staged,
    worktree_git_dir,
)
from poe_lsp.settings import Settings

MESSAGE_FILE = "COMMIT_EDITMSG"
NOTHING_STAGED = "Nothing is staged: git add the changes first, then ask again."


def is_commit_message(uri: str, language: str | None) -> bool:
    """Whether the document ``uri`` is a commit message: by its language, or by its name
    when the editor gave it none that says so."""
    return language in COMMIT_LANGUAGES or PurePosixPath(uri).name == MESSAGE_FILE


def message_end(lines: list[str], comment: str) -> int:
    """Return the index of the first comment line: the message is the lines before it."""
    for index, line in enumerate(lines):
        if line.startswith(comment):
            return index
    return len(lines)


class CommitPlanner:
    """Plans one ``poe.commitMessage``: finds the repository, reads what is staged."""

    def __init__(self, args: CommitMessageArgs, editor: Host) -> None:
        self._args = args
        self._editor = editor

    async def __call__(self, settings: Settings, progress: Progress) -> Plan:
        editor, boundary = self._editor, Boundary(self._editor.roots)
        try:
            if self._args.uri is not None:
                document = await editor.read_document(self._args.uri)
                if document is None:
                    raise Stop(f"Cannot read {self._args.uri}: open it in the editor first.")
                if await asyncio.to_thread(boundary.read, document.path) is None:
                    raise Stop(f"{MESSAGE_FILE} is not saved on disk, inside a git folder.")
                git_dir = await asyncio.to_thread(message_git_dir, document.path)
            else:
                assert self._args.root_uri is not None
                root = path_of_uri(self._args.root_uri)
                await asyncio.to_thread(_check_root, boundary, root)
                git_dir = await asyncio.to_thread(worktree_git_dir, root)
                document = Document(self._args.root_uri, root, "", None, "git-commit")
            progress.report("reading the staged changes…")
            staged = await read_staged(git_dir)
        except GitError as exc:
            raise Stop(f"Cannot read what is staged: {exc.message}") from None
        except Refused as exc:
            raise Stop(f"No commit message was written: {exc.message}") from None
        if not staged.patch.strip():
            raise Stop(NOTHING_STAGED, "warning")
        return plan_commit(
            self._args,
            settings,
            document,
            staged,
            root=editor.root,
            encoding=editor.encoding,
            into_document=self._args.uri is not None,
        )


def _check_root(boundary: Boundary, root: str) -> None:
    """Refuse a work tree whose ``.git`` is not inside the workspace."""
    dot_git = os.path.join(root, ".git")
    probe = os.path.join(dot_git, "HEAD") if os.path.isdir(dot_git) else dot_git
    if boundary.read(probe) is None:
        raise GitError(f"{root} is not a git repository (it has no .git).")


def plan_commit(
    args: CommitMessageArgs,
    settings: Settings,
    document: Document,
    staged: Staged,
    *,
    root: PurePosixPath | None,
    encoding: Encoding,
    into_document: bool = True,
) -> Plan:
    """Decide the job: the draft above the comments is replaced, or (``into_document``
    false) the message is only kept as text."""
    comment = comment_of(staged.comment, document.text)
    text = document.text
    lines = split_lines(text, keepends=True)
    end_line = message_end(lines, comment)
    draft = "".join(lines[:end_line])
    end = (end_line, 0) if end_line < len(lines) else position_at(text, len(text), encoding)
    prompt = PromptInput(
        action="commitMessage",
        path=relative(document.path, root),
        language="git-commit",
        selection=draft,
        first_line=0,
        staged=staged,
        comment=comment,
    )
    return Plan(
        action="commitMessage",
        title=label("commitMessage"),
        bot=args.bot or settings.bot_for("commitMessage"),
        document=document,
        selection=Selection((0, 0), end, draft, "", ""),
        prompt=prompt,
        destination="message" if into_document else "text",
        review=into_document and settings.review.get("commitMessage", False),
    )


def message_text(answer: str, final: bool) -> str | None:
    """Return the commit message in ``answer`` so far (a fence around it is dropped), or
    ``None`` while there is none; raise :class:`Stop` if the final answer holds none."""
    if answer.lstrip().startswith(("```", "~~~")):
        answer = extract_code(answer, final=final) or ""
    message = answer.replace("\r\n", "\n").strip("\n").rstrip()
    if not message.strip():
        if final:
            raise Stop("The bot's answer held no commit message; nothing was written.", "warning")
        return None
    return message


def message_render(plan: Plan) -> Callable[[str, bool], str | None]:
    """Return the render of a message that replaces the draft above the comments: a blank
    line keeps it apart from them."""
    text = plan.document.text
    eol = line_ending(text)
    follows = bool(text[len(plan.selection.text) :])

    def render(answer: str, final: bool) -> str | None:
        message = message_text(answer, final)
        if message is None:
            return None
        return message.replace("\n", eol) + eol + (eol if follows else "")

    return render
