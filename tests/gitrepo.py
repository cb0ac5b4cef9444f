"""Real temporary git repositories for the tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run the test's own git (as the user would), outside the server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="T",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="T",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(repo),
    )
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def make_repo(root: Path, staged: str | None = "print('hello')\n") -> Path:
    """A repository with one commit on ``main`` and, unless ``None``, a staged change."""
    git(root, "init", "-q", "-b", "main")
    (root / "greet.py").write_text("def greet():\n    pass\n")
    git(root, "add", "greet.py")
    git(root, "commit", "-q", "-m", "Start")
    if staged is not None:
        (root / "greet.py").write_text("def greet():\n    pass\n" + staged)
        git(root, "add", "greet.py")
    return root
