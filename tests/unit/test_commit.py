"""Commit messages, the pure parts: where the message ends, what of an answer is the message,
the arguments; and the git boundary's environment and repository lookup."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from poe_lsp.actions.commit import (
    is_commit_message,
    message_end,
    message_render,
    message_text,
    plan_commit,
)
from poe_lsp.actions.plan import Plan, Stop
from poe_lsp.contract import ArgumentError, CommitMessageArgs
from poe_lsp.editor import Document
from poe_lsp.git import (
    GitError,
    Staged,
    comment_of,
    git_env,
    message_git_dir,
    read_staged,
    worktree_git_dir,
)
from poe_lsp.settings import Settings
from tests.gitrepo import git, make_repo

TEMPLATE = "\n# Please enter the commit message.\n#\n"


def test_commit_message_files_are_known_by_language_or_name() -> None:
    assert is_commit_message("file:///r/.git/COMMIT_EDITMSG", "plaintext")
    assert is_commit_message("file:///r/.git/MERGE_MSG", "gitcommit")
    assert is_commit_message("file:///r/.git/MERGE_MSG", "git-commit")
    assert not is_commit_message("file:///r/notes.txt", "plaintext")


def test_the_message_ends_at_the_first_comment_line() -> None:
    lines = ["Fix it\n", "\n", "# comment\n", "not a comment\n"]
    assert message_end(lines, "#") == 2
    assert message_end(["; c\n"], ";") == 0
    assert message_end(["a\n", "b\n"], "#") == 2


def test_comment_auto_picks_the_character_that_starts_the_template() -> None:
    assert comment_of("#", "") == "#"
    assert comment_of(";", "") == ";"
    assert comment_of("auto", "#1 in the message\n; Please enter\n; more\n") == ";"
    assert comment_of("auto", "no comments\n") == "#"


def test_an_answer_in_a_fence_is_unwrapped() -> None:
    assert message_text("```\nFix it\n\nBody.\n```\n", True) == "Fix it\n\nBody."
    assert message_text("\n\nFix it\r\n\r\nBody.  \n", True) == "Fix it\n\nBody."
    assert message_text("", False) is None
    with pytest.raises(Stop):
        message_text("```\n```\n", True)


def _plan(text: str, comment: str = "#") -> Plan:
    document = Document(
        "file:///r/.git/COMMIT_EDITMSG", "/r/.git/COMMIT_EDITMSG", text, 1, "gitcommit"
    )
    staged = Staged("diff", comment=comment)
    return plan_commit(
        CommitMessageArgs(uri=document.uri),
        Settings(),
        document,
        staged,
        root=None,
        encoding="utf-16",
    )


def test_the_draft_above_the_comments_is_replaced_and_a_blank_line_kept() -> None:
    plan = _plan("draft\n" + TEMPLATE)
    assert plan.selection.text == "draft\n\n"
    assert plan.selection.end == (2, 0)
    render = message_render(plan)
    assert render("Fix it\n\nBody", True) == "Fix it\n\nBody\n\n"
    assert plan.prompt.selection == "draft\n\n"


def test_without_comments_the_message_ends_with_one_newline() -> None:
    plan = _plan("old", comment=";")
    assert plan.selection.end == (0, 3)
    assert message_render(plan)("Fix it", True) == "Fix it\n"


def test_crlf_files_get_crlf_messages() -> None:
    plan = _plan("\r\n# c\r\n")
    assert message_render(plan)("A\nB", True) == "A\r\nB\r\n\r\n"


@pytest.mark.parametrize(
    "args",
    [
        (),
        ({},),
        ({"textDocument": {"uri": "file:///a"}, "rootUri": "file:///r"},),
        ({"rootUri": 3},),
        ({"rootUri": "file:///r", "bot": "a/b"},),
    ],
)
def test_bad_arguments_say_what_is_wrong(args: tuple[object, ...]) -> None:
    with pytest.raises(ArgumentError):
        CommitMessageArgs.from_json(args)


def test_arguments_round_trip() -> None:
    args = CommitMessageArgs.from_json(({"rootUri": "file:///r", "bot": " GPT-5 "},))
    assert args == CommitMessageArgs(root_uri="file:///r", bot="GPT-5")
    assert CommitMessageArgs.from_json((args.to_json(),)) == args


def test_git_runs_without_the_callers_git_variables() -> None:
    env = git_env(
        {"PATH": "/bin", "GIT_DIR": "/elsewhere", "GIT_EXTERNAL_DIFF": "x", "PAGER": "less"}
    )
    assert env["PATH"] == "/bin" and "GIT_DIR" not in env and "GIT_EXTERNAL_DIFF" not in env
    assert env["GIT_PAGER"] == env["PAGER"] == "cat" and env["GIT_TERMINAL_PROMPT"] == "0"


def test_a_hostile_environment_runs_no_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path)
    marker = tmp_path / "marker"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor={script}'")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "nowhere"))
    staged = asyncio.run(read_staged(message_git_dir(str(repo / ".git" / "COMMIT_EDITMSG"))))
    assert "+print('hello')" in staged.patch and staged.branch == "main"
    assert not marker.exists()


def test_the_diff_is_cut_at_a_line_boundary(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, staged="".join(f"x{i} = {i}\n" for i in range(500)))
    staged = asyncio.run(read_staged(str(repo / ".git"), cap=2_000))
    assert staged.cut and len(staged.patch.encode()) <= 2_000 and staged.patch.endswith("\n")
    whole = asyncio.run(read_staged(str(repo / ".git")))
    assert not whole.cut and whole.patch.startswith(staged.patch)


def test_repositories_are_found_from_a_work_tree_or_a_message_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    assert worktree_git_dir(str(repo)) == os.path.realpath(repo / ".git")
    linked = os.path.realpath(repo / ".git" / "worktrees" / "side")
    assert worktree_git_dir(str(tmp_path / "side")) == linked
    assert message_git_dir(os.path.join(linked, "COMMIT_EDITMSG")) == linked
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        worktree_git_dir(str(tmp_path / "plain"))
    with pytest.raises(GitError, match="not in a git repository"):
        message_git_dir(str(tmp_path / "plain" / "COMMIT_EDITMSG"))


def test_detached_head_has_no_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    git(repo, "checkout", "-q", "--detach")
    assert asyncio.run(read_staged(str(repo / ".git"))).branch is None
