"""Which files are never sent as context: secret-looking names, what git ignores."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

import pytest

from poe_lsp.actions import private
from poe_lsp.actions.private import Withheld, looks_secret, parse_ignored


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "app/.env.production",
        "deploy/prod.env",
        "certs/server.PEM",
        "tls.key",
        "home/.ssh/config",
        "id_rsa.pub",
        "id_ed25519",
        "config/credentials.json",
        "aws_Credentials",
        "settings/secrets.py",
        ".npmrc",
        ".netrc",
        ".pypirc",
        ".git-credentials",
        "infra/prod.tfvars",
        ".aws/config",
    ],
)
def test_secret_looking_names(path: str) -> None:
    assert looks_secret(path)


@pytest.mark.parametrize(
    "path",
    ["calc.py", "environment.py", "keyboard.ts", "src/envelope.go", "docs/keys.md", "monkey.js"],
)
def test_plain_names_are_not_secrets(path: str) -> None:
    assert not looks_secret(path)


def test_ignored_files_and_everything_under_an_ignored_folder_are_withheld() -> None:
    hidden = Withheld(frozenset({"local.py", "build/", "pkg/cache/"}))
    assert hidden.reason("local.py") == "git ignores local.py"
    assert hidden.reason("build/lib/x.py") is not None
    assert hidden.reason("pkg/cache/deep/y.py") is not None
    assert hidden.reason("pkg/cached.py") is None
    assert hidden.reason("pkg/calc.py") is None
    said = hidden.reason("pkg/secret_sauce.py")
    assert said == "pkg/secret_sauce.py looks like a file of secrets"


def test_a_cut_list_drops_its_unfinished_last_entry() -> None:
    assert parse_ignored(b"a.py\0b/\0") == {"a.py", "b/"}
    assert parse_ignored(b"a.py\0b/c.p") == {"a.py"}
    assert parse_ignored(b"") == frozenset()


async def test_git_says_what_it_ignores_in_a_real_repository(tmp_path: Path) -> None:
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("local_*.py\nout/\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.py").write_text("")
    (tmp_path / "local_settings.py").write_text("")
    (tmp_path / "app.py").write_text("")
    private.forget()

    hidden = await private.withheld(PurePosixPath(tmp_path))

    assert hidden.reason("local_settings.py") is not None
    assert hidden.reason("out/x.py") is not None
    assert hidden.reason("app.py") is None


async def test_outside_a_repository_nothing_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "local_settings.py").write_text("")
    private.forget()

    hidden = await private.withheld(PurePosixPath(tmp_path))

    assert hidden.ignored == frozenset()
    assert hidden.reason(".env") is not None, "secret names are withheld all the same"


async def test_a_workspace_below_the_repository_top_is_ruled_by_the_gitignore_above(
    tmp_path: Path,
) -> None:
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("local_*.py\nout/\n")
    package = tmp_path / "packages" / "app"
    (package / "out").mkdir(parents=True)
    (package / "out" / "x.py").write_text("")
    (package / "local_settings.py").write_text("")
    (package / "calc.py").write_text("")
    (tmp_path / "local_top.py").write_text("")
    private.forget()

    hidden = await private.withheld(PurePosixPath(package))

    assert hidden.reason("local_settings.py") == "git ignores local_settings.py"
    assert hidden.reason("out/x.py") is not None
    assert hidden.reason("calc.py") is None
    assert hidden.ignored == {"local_settings.py", "out/"}, "paths are relative to the folder"


async def test_a_workspace_inside_an_ignored_folder_or_under_a_broken_git_link(
    tmp_path: Path,
) -> None:
    git_init(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\nlocal_*.py\n")
    inside = tmp_path / "build" / "ws"
    inside.mkdir(parents=True)
    (inside / "local_a.py").write_text("")
    linked = tmp_path / "other"
    (linked / "ws").mkdir(parents=True)
    (linked / ".git").write_text("not a link\n")
    (linked / "ws" / "local_b.py").write_text("")
    private.forget()

    for folder in (inside, linked / "ws"):
        hidden = await private.withheld(PurePosixPath(folder))
        assert hidden.ignored == frozenset(), f"git cannot tell for {folder}: nothing ignored"
        assert hidden.reason(".env") is not None
