"""The git boundary: the only place poe-lsp runs git, to read what is staged for a commit
and which files a work tree ignores.

A repository is not trusted: its ``.git/config`` (and ``.gitattributes``) can name programs
that git runs (an external diff, a textconv filter, an fsmonitor hook, a pager, a lazy fetch
over a transport that runs a command). So git runs here with an argument list, never a shell;
with :data:`SAFE_CONFIG` on the command line, which wins over every config file and is passed
on to any git it starts; with ``--no-ext-diff --no-textconv``; with an environment stripped of
the caller's ``GIT_*`` variables; off the terminal, with a timeout and a cap on what it prints.
It reads only the index, ``HEAD`` and objects of the repository (``git diff --cached``), in its
git folder, without a work tree; and, for the list of ignored files (``git ls-files``), the
``.gitignore`` files of the work tree. The functions that find the git folder block: call them
through :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass

MAX_DIFF_BYTES = 60_000
"""The most of the staged diff sent to a bot; more is cut at a line boundary, and it says so."""
GIT_TIMEOUT = 10.0
"""Seconds one git command may take."""
_MAX_STDERR = 4_000

SAFE_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",  # a hook program run when the index is read
    "core.hooksPath=/dev/null",  # no hook (post-index-change …) from the repository
    "core.pager=cat",
    "pager.diff=false",
    "protocol.allow=never",  # no lazy fetch of a partial clone (core.sshCommand, ext::)
    "core.quotePath=false",
    "color.ui=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
)
"""Config that neutralises what a repository's own config could make ``git diff`` run.

``diff.external`` and ``diff.<driver>.command`` are off with ``--no-ext-diff``,
``diff.<driver>.textconv`` with ``--no-textconv``; filters (``filter.<driver>.*``) apply only
to work-tree files, which ``--cached`` never reads."""

_DIFF = (
    "diff",
    "--cached",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-relative",
    "--submodule=short",
    "--find-renames",
    "--patch-with-stat",
)
COMMENT_CANDIDATES = "#;@!$%^&|:"
"""The characters ``core.commentChar=auto`` picks from, in git's order."""


class GitError(Exception):
    """git could not tell what is staged; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Staged:
    """What is staged in a repository, as a bot is shown it."""

    patch: str
    """``git diff --cached --patch-with-stat``: the file summary, then the patch."""
    cut: bool = False
    """The diff was longer than :data:`MAX_DIFF_BYTES` and is cut at a line boundary."""
    branch: str | None = None
    """The current branch (``None``: a detached ``HEAD``)."""
    comment: str = "#"
    """``core.commentString`` or ``core.commentChar``: what starts a comment line of the
    commit message, or ``auto`` (see :func:`comment_of`)."""


def message_git_dir(path: str) -> str:
    """Return the git folder a commit message file (``.git/COMMIT_EDITMSG``, a linked
    worktree's ``.git/worktrees/<name>/COMMIT_EDITMSG``, a submodule's …) lies in."""
    folder = os.path.dirname(os.path.realpath(path))
    _check_git_dir(folder, f"{os.path.basename(path)} is not in a git repository's folder")
    return folder


def worktree_git_dir(root: str) -> str:
    """Return the git folder of the work tree ``root``: ``root/.git``, or where a ``.git``
    file (a linked worktree, a submodule) points, as git follows it."""
    dot_git = os.path.join(root, ".git")
    if os.path.isfile(dot_git):
        try:
            with open(dot_git, encoding="utf-8") as file:
                line = file.read(4096).strip()
        except (OSError, UnicodeDecodeError):
            line = ""
        if not line.startswith("gitdir:"):
            raise GitError(f"{dot_git} is not a git link (no 'gitdir:' line).")
        folder = os.path.join(root, line.removeprefix("gitdir:").strip())
    else:
        folder = dot_git
    folder = os.path.realpath(folder)
    _check_git_dir(folder, f"{root} is not a git repository")
    return folder


def enclosing_work_tree(folder: str) -> tuple[str, str]:
    """Return the work tree ``folder`` lies in (``folder`` itself, or the nearest folder above
    it with a ``.git``, as git finds it) and that work tree's git folder; raise
    :class:`GitError` when there is none, or it belongs to another user."""
    current = os.path.realpath(folder)
    while not os.path.lexists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            raise GitError(f"{folder} is not in a git repository.")
        current = parent
    return current, worktree_git_dir(current)


def _check_git_dir(folder: str, what: str) -> None:
    if not os.path.isfile(os.path.join(folder, "HEAD")):
        raise GitError(f"{what}: there is no git folder with a HEAD there.")
    owner = os.stat(folder).st_uid
    if hasattr(os, "geteuid") and os.geteuid() not in (0, owner):
        raise GitError(
            f"{folder} belongs to another user, so poe-lsp does not run git in it (git calls "
            "this dubious ownership)."
        )


async def read_staged(git_dir: str, cap: int = MAX_DIFF_BYTES) -> Staged:
    """Return what is staged in the repository of ``git_dir``; raise :class:`GitError`."""
    out, _ = await run_git(git_dir, *_DIFF, cap=cap)
    cut = len(out) > cap
    if cut:
        out = out[: out.rfind(b"\n", 0, cap) + 1]
    branch_out, code = await run_git(
        git_dir, "symbolic-ref", "--quiet", "--short", "HEAD", ok=(0, 1), cap=1000
    )
    branch = branch_out.decode("utf-8", "replace").strip() if code == 0 else None
    comment_out, _ = await run_git(
        git_dir, "config", "--get-regexp", r"^core\.comment(char|string)$", ok=(0, 1), cap=1000
    )
    settings = comment_out.decode("utf-8", "replace").splitlines()
    comment = settings[-1].partition(" ")[2] if settings else ""
    return Staged(out.decode("utf-8", "replace"), cut, branch or None, comment or "#")


def comment_of(setting: str, text: str) -> str:
    """Return what starts a comment line: ``core.commentChar``, or for ``auto`` the candidate
    that starts the most lines of the message file ``text``."""
    if setting != "auto":
        return setting or "#"
    counts = {c: 0 for c in COMMENT_CANDIDATES}
    for line in text.splitlines():
        if line[:1] in counts:
            counts[line[:1]] += 1
    best = max(COMMENT_CANDIDATES, key=lambda c: counts[c])
    return best if counts[best] else "#"


def git_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment git runs in: the caller's without any ``GIT_*`` variable (which could
    name another repository, config, external diff or ssh command), no pager, no prompt."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if not k.startswith("GIT_") and k != "PAGER"}
    env.update(
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1",
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
    )
    return env


async def run_git(
    git_dir: str,
    *args: str,
    cap: int = MAX_DIFF_BYTES,
    ok: tuple[int, ...] = (0,),
    timeout: float = GIT_TIMEOUT,
    work_tree: str | None = None,
    cwd: str | None = None,
) -> tuple[bytes, int]:
    """Run ``git --git-dir=GIT_DIR ARGS`` safely; return at most ``cap + 1`` bytes of its
    output (more stops it) and its exit code, one of ``ok`` unless the output was cut. With
    ``work_tree``, git runs in that work tree (to read which files it ignores), in its folder
    ``cwd`` (by default its top)."""
    command = ["git", "--no-pager", f"--git-dir={git_dir}"]
    if work_tree is not None:
        command.append(f"--work-tree={work_tree}")
    for entry in SAFE_CONFIG:
        command += ["-c", entry]
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd or work_tree or git_dir,
            env=git_env(),
        )
    except FileNotFoundError:
        raise GitError("git was not found: install git, or put it on the PATH.") from None
    except OSError as exc:
        raise GitError(f"Cannot run git: {exc.strerror}.") from None
    assert process.stdout is not None and process.stderr is not None
    errors = asyncio.create_task(_read(process.stderr, _MAX_STDERR, drain=True))
    try:
        out = await asyncio.wait_for(_read(process.stdout, cap + 1), timeout)
        if len(out) > cap:  # enough: stop it rather than read the rest
            _kill(process)
            await asyncio.wait_for(_read(process.stdout, 0, drain=True), timeout)
        code = await asyncio.wait_for(process.wait(), timeout)
        err = await asyncio.wait_for(errors, timeout)
    except TimeoutError:
        raise GitError(f"git took longer than {timeout:g} s, so it was stopped.") from None
    finally:
        if process.returncode is None:
            _kill(process)
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
        errors.cancel()
    if len(out) > cap:
        return out, 0
    if code not in ok:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        said = detail[-1] if detail else f"exit code {code}"
        raise GitError(f"git {args[0]} failed: {said}")
    return out, code


async def _read(stream: asyncio.StreamReader, limit: int, *, drain: bool = False) -> bytes:
    """Return the first ``limit`` bytes; with ``drain``, read (and drop) the rest to the end,
    so the pipe closes."""
    chunks: list[bytes] = []
    size = 0
    while size < limit or drain:
        chunk = await stream.read(65_536 if size >= limit else min(65_536, limit - size))
        if not chunk:
            break
        if size < limit:
            chunks.append(chunk[: limit - size])
        size += len(chunk)
    return b"".join(chunks)


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
