"""The workspace boundary, end to end: a repository's links, FIFOs and devices, bad URIs and
two jobs on one test file, against the real server and the real command line."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import execute, rng, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.e2e.test_cli import answer, options, run
from tests.fakepoe import FakePoe, Script

SECRET = "aws_secret_access_key = SECRET-7f3e9d0c5b1a\n"
SOURCE = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n"
TESTS = "def test_area():\n    assert area(1) > 3\n"


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the user's outside the workspace, holding a secret."""
    folder = tmp_path_factory.mktemp("home")
    (folder / "credentials").write_text(SECRET)
    (folder / "test_geometry.py").write_text(SECRET)
    return folder


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (``None``) under ``folder``."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in folder.rglob("*")
    }


def write_tests(session: Editor, name: str = "geometry.py") -> tuple[str, dict[str, object]]:
    uri = (session.root / name).as_uri()
    session.open(uri, SOURCE)
    return uri, {"textDocument": {"uri": uri}, "range": rng(3, 0, 5, 0)}


def nothing_sent(poe: FakePoe) -> None:
    for request in poe.requests:
        for message in request.messages:
            assert "SECRET" not in message["content"]


def messages(session: Editor) -> list[str]:
    return [m.message for m in session.client.messages]


def _linked_file(root: Path, home: Path) -> None:
    (root / "tests").mkdir()
    (root / "tests" / "test_geometry.py").symlink_to(home / "credentials")


def _linked_folder(root: Path, home: Path) -> None:
    (root / "tests").symlink_to(home)


def _dangling_file(root: Path, home: Path) -> None:
    (root / "tests").mkdir()
    (root / "tests" / "test_geometry.py").symlink_to(home / "planted.py")


def _dangling_folder(root: Path, home: Path) -> None:
    (root / "tests").symlink_to(home / "planted")


@pytest.mark.parametrize(
    ("plant", "said"),
    [
        (_linked_file, "tests/test_geometry.py is a symbolic link"),
        (_linked_folder, "a linked folder that leads out of the workspace"),
        (_dangling_file, "which does not exist"),
        (_dangling_folder, "a linked folder that leads out of the workspace"),
    ],
    ids=["linked file", "linked folder", "dangling link", "dangling folder"],
)
async def test_a_planted_link_is_refused_and_nothing_leaves_or_lands_outside(
    session: Editor,
    poe: FakePoe,
    home: Path,
    plant: Callable[[Path, Path], None],
    said: str,
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS)))
    plant(session.root, home)
    before = snapshot(home)
    _, arguments = write_tests(session)

    await execute(session.client, "poe.writeTests", arguments)
    (reports,) = await wait_for_progress_end(session.client)

    assert said in reports[-1].message
    assert any(said in m and "No tests were written" in m for m in messages(session))
    assert poe.requests == [], "nothing is asked when the test file is refused"
    nothing_sent(poe)
    assert session.edits == [], "no CreateFile, no edit"
    assert snapshot(home) == before, "nothing written or created outside"


async def test_a_tests_folder_linked_inside_the_workspace_is_appended_to(
    session: Editor, poe: FakePoe
) -> None:
    existing = "from geometry import area\n\n\ndef test_zero():\n    assert area(0) == 0\n"
    (session.root / "shared").mkdir()
    (session.root / "shared" / "test_geometry.py").write_text(existing)
    (session.root / "tests").symlink_to(session.root / "shared")
    poe.set_script("Code", Script(chunks=answer(TESTS)))
    _, arguments = write_tests(session)

    await execute(session.client, "poe.writeTests", arguments)
    await wait_for_progress_end(session.client)

    test_uri = (session.root / "tests" / "test_geometry.py").as_uri()
    assert session.text(test_uri) == existing + "\n\n" + TESTS
    assert "def test_zero" in poe.requests[0].messages[1]["content"]


def _fifo_test_file(root: Path) -> str | None:
    (root / "tests").mkdir()
    os.mkfifo(root / "tests" / "test_geometry.py")
    return None


def _zero_test_file(root: Path) -> str | None:
    (root / "tests").mkdir()
    (root / "tests" / "test_geometry.py").symlink_to("/dev/zero")
    return None


def _zero_source(root: Path) -> str | None:
    (root / "zero.py").symlink_to("/dev/zero")
    return (root / "zero.py").as_uri()


@pytest.mark.parametrize(
    ("plant", "said"),
    [
        (_fifo_test_file, "is a named pipe (FIFO), not a regular file"),
        (_zero_test_file, "is a symbolic link (to /dev/zero)"),
        (_zero_source, "zero.py is a symbolic link that leads out of the workspace"),
    ],
    ids=["fifo test file", "dev-zero test file", "dev-zero source"],
)
async def test_a_fifo_or_a_device_ends_the_job_promptly_and_the_server_keeps_answering(
    session: Editor, poe: FakePoe, plant: Callable[[Path], str | None], said: str
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS)))
    unopened = plant(session.root)
    uri, arguments = write_tests(session)
    if unopened is not None:
        arguments = {**arguments, "textDocument": {"uri": unopened}}

    started = time.monotonic()
    await execute(session.client, "poe.writeTests", arguments)
    (reports,) = await wait_for_progress_end(session.client, timeout=10.0)
    took = time.monotonic() - started

    assert said in reports[-1].message
    assert took < 3.0, f"the job took {took:.2f} s to end"
    assert poe.requests == []
    assert await execute(session.client, "poe.cancel") == {"cancelled": []}
    hover = await session.client.text_document_hover_async(
        t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            position=t.Position(line=0, character=0),
        )
    )
    assert hover is None, "the server still answers requests"


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("file:///tmp/poe-lsp-test/geometry%00.py", "NUL character (%00)"),
        ("https://example.com/geometry.py", "is a https: URI"),
    ],
    ids=["nul", "https"],
)
async def test_a_bad_uri_ends_the_job_with_a_clear_message(
    session: Editor, poe: FakePoe, uri: str, said: str
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS)))

    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(0, 0, 1, 0)}
    )
    (reports,) = await wait_for_progress_end(session.client)

    assert said in reports[-1].message
    assert any(said in m for m in messages(session))
    assert poe.requests == []


async def test_a_second_write_tests_into_the_same_file_is_refused(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS), delay=0.3))
    (session.root / "pkg").mkdir()
    _, first = write_tests(session)
    _, second = write_tests(session, "pkg/geometry.py")

    await execute(session.client, "poe.writeTests", first)
    with pytest.raises(
        JsonRpcException, match=r"already writing tests into tests/test_geometry\.py"
    ):
        await execute(session.client, "poe.writeTests", second)
    await wait_for_progress_end(session.client)

    test_uri = (session.root / "tests" / "test_geometry.py").as_uri()
    assert session.text(test_uri) == TESTS, "written once, whole"
    assert len(poe.requests) == 1


# The command line -----------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "mod.py").write_text(SOURCE)
    return tmp_path


def test_cli_tests_write_refuses_a_linked_test_file(
    project: Path, poe: FakePoe, home: Path
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS)))
    (project / "tests").mkdir()
    link = project / "tests" / "test_mod.py"
    link.symlink_to(home / "credentials")

    done = run("tests", "mod.py:4-5", "--write", *options(poe), cwd=project)

    assert done.returncode == 2, done.stderr
    assert "tests/test_mod.py is a symbolic link" in done.stderr
    assert poe.requests == []
    assert (home / "credentials").read_text() == SECRET
    assert link.is_symlink()
    assert "SECRET" not in done.stdout + done.stderr


def test_cli_refactor_write_refuses_a_link_and_reads_none_that_leads_out(
    project: Path, poe: FakePoe, home: Path
) -> None:
    poe.set_script("Code", Script(chunks=answer("def area(r):\n    return 0\n")))
    (project / "real.py").write_text(SOURCE)
    (project / "alias.py").symlink_to(project / "real.py")
    (project / "secret.py").symlink_to(home / "credentials")

    written = run("refactor", "alias.py:4-5", "--write", *options(poe), cwd=project)
    leaked = run("refactor", "secret.py:1", *options(poe), cwd=project)

    assert written.returncode == 2
    assert "alias.py is a symbolic link" in written.stderr
    assert (project / "real.py").read_text() == SOURCE
    assert leaked.returncode == 2
    assert "leads out of the workspace" in leaked.stderr
    assert poe.requests == []


def test_cli_write_keeps_the_mode_and_leaves_no_temporary_file(project: Path, poe: FakePoe) -> None:
    new = "def area(r):\n    return math.pi * r**2\n"
    poe.set_script("Code", Script(chunks=answer(new)))
    (project / "mod.py").chmod(0o750)

    done = run("refactor", "mod.py:4-5", "--write", *options(poe), cwd=project)
    tests = run("tests", "mod.py:4-5", "--write", *options(poe), cwd=project)

    assert done.returncode == 0, done.stderr
    assert tests.returncode == 0, tests.stderr
    assert (project / "mod.py").read_text() == SOURCE.replace(
        "def area(r):\n    return math.pi * r * r\n", new
    )
    assert stat.S_IMODE((project / "mod.py").stat().st_mode) == 0o750
    assert sorted(p.name for p in project.iterdir()) == ["mod.py", "pyproject.toml", "tests"]
    assert [p.name for p in (project / "tests").iterdir()] == ["test_mod.py"]
