"""The workspace boundary: what it reads, what it writes, and what it refuses."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from poe_lsp.boundary import MAX_FILE_BYTES, Boundary, Refused, path_of_uri
from poe_lsp.jobs import JobRegistry

SECRET = "aws_secret_access_key = SECRET-0123456789\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace folder and, beside it, a folder of the user's that holds a secret."""
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (home / "credentials").write_text(SECRET)
    return work, home


def test_reads_a_regular_file_as_it_is(layout: tuple[Path, Path]) -> None:
    work, _ = layout
    (work / "a.py").write_bytes(b"x = 1\r\ny = 2\n")
    boundary = Boundary([work])
    assert boundary.read(work / "a.py") == "x = 1\r\ny = 2\n"
    assert boundary.read(work / "missing.py") is None


def test_a_link_that_stays_inside_may_be_read_one_that_leads_out_may_not(
    layout: tuple[Path, Path],
) -> None:
    work, home = layout
    (work / "real.py").write_text("x = 1\n")
    (work / "alias.py").symlink_to(work / "real.py")
    (work / "test_app.py").symlink_to(home / "credentials")
    (work / "tests").symlink_to(home)
    boundary = Boundary([work])

    assert boundary.read(work / "alias.py") == "x = 1\n"
    with pytest.raises(Refused, match="symbolic link that leads out") as leads_out:
        boundary.read(work / "test_app.py")
    with pytest.raises(Refused, match="tests, a linked folder") as folder:
        boundary.read(work / "tests" / "credentials")
    for refused in (leads_out.value, folder.value):
        assert "SECRET" not in refused.message


def test_a_fifo_and_a_device_are_refused_without_blocking(layout: tuple[Path, Path]) -> None:
    work, _ = layout
    os.mkfifo(work / "pipe.py")
    with pytest.raises(Refused, match="named pipe"):
        Boundary([work]).read(work / "pipe.py")
    with pytest.raises(Refused, match="a device"):
        Boundary(["/"]).read("/dev/zero")
    (work / "zero.py").symlink_to("/dev/zero")
    with pytest.raises(Refused, match="leads out"):
        Boundary([work]).read(work / "zero.py")


def test_too_large_and_not_utf8_are_refused(layout: tuple[Path, Path]) -> None:
    work, _ = layout
    (work / "big.py").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (work / "fits.py").write_bytes(b"#" * MAX_FILE_BYTES)
    (work / "latin.py").write_bytes("café".encode("latin-1"))
    boundary = Boundary([work])
    with pytest.raises(Refused, match="larger than 2 MB"):
        boundary.read(work / "big.py")
    assert len(boundary.read(work / "fits.py") or "") == MAX_FILE_BYTES
    with pytest.raises(Refused, match="not UTF-8"):
        boundary.read(work / "latin.py")


def test_outside_or_without_a_workspace_is_refused(layout: tuple[Path, Path]) -> None:
    work, home = layout
    with pytest.raises(Refused, match="outside the workspace"):
        Boundary([work]).read(home / "credentials")
    with pytest.raises(Refused, match="there is none"):
        Boundary([]).read(work / "a.py")


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("file:///tmp/a%00b.py", "NUL character"),
        ("https://example.com/a.py", "a https: URI"),
        ("untitled:Untitled-1", "a untitled: URI"),
        ("file://server/share/a.py", "another computer"),
        ("file:a.py", "not an absolute file path"),
    ],
)
def test_bad_uris_are_refused_with_a_reason(uri: str, said: str) -> None:
    with pytest.raises(Refused, match=said):
        path_of_uri(uri)


def test_a_file_uri_gives_its_path() -> None:
    assert path_of_uri("file:///tmp/caf%C3%A9/a%20b.py") == "/tmp/café/a b.py"
    assert path_of_uri("file://localhost/tmp/x/../a.py") == "/tmp/a.py"


def test_a_target_must_not_be_a_link_even_to_inside(layout: tuple[Path, Path]) -> None:
    work, home = layout
    (work / "real.py").write_text("")
    (work / "alias.py").symlink_to(work / "real.py")
    (work / "dangling.py").symlink_to(home / "nothing-yet.py")
    boundary = Boundary([work])

    boundary.check_target(work / "real.py")
    boundary.check_target(work / "new" / "test_new.py")
    with pytest.raises(Refused, match="is a symbolic link"):
        boundary.check_target(work / "alias.py")
    with pytest.raises(Refused, match="which does not exist"):
        boundary.check_target(work / "dangling.py")
    with pytest.raises(Refused, match="Replace it with a regular file"):
        boundary.check_target(work / "dangling.py")


def test_create_makes_folders_inside_and_never_through_a_link(layout: tuple[Path, Path]) -> None:
    work, home = layout
    boundary = Boundary([work])
    boundary.create(work / "tests" / "unit" / "test_a.py")
    assert (work / "tests" / "unit" / "test_a.py").read_text() == ""
    boundary.create(work / "tests" / "unit" / "test_a.py")  # already there: left alone

    (work / "spec").symlink_to(home / "made-by-a-link")
    with pytest.raises(Refused, match="linked folder"):
        boundary.create(work / "spec" / "a_spec.rb")
    assert sorted(p.name for p in home.iterdir()) == ["credentials"], "nothing made outside"


def test_write_is_atomic_keeps_the_mode_and_leaves_no_temporary(
    layout: tuple[Path, Path],
) -> None:
    work, _ = layout
    target = work / "mod.py"
    target.write_text("old\n")
    target.chmod(0o754)
    boundary = Boundary([work])

    boundary.write(target, "new\n")
    boundary.write(work / "tests" / "test_mod.py", "def test(): pass\n")

    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o754
    created = stat.S_IMODE((work / "tests" / "test_mod.py").stat().st_mode)
    assert created == 0o666 & ~_umask()
    assert sorted(p.name for p in work.iterdir()) == ["mod.py", "tests"]


def test_write_refuses_a_link_and_ignores_a_planted_temporary_name(
    layout: tuple[Path, Path],
) -> None:
    work, home = layout
    victim = home / "credentials"
    (work / "linked.py").symlink_to(victim)
    (work / "mod.py").write_text("old\n")
    # The name the old --write used for its temporary file: a link there was written through.
    planted = work / f".mod.py.poe-lsp-{os.getpid()}"
    planted.symlink_to(victim)
    boundary = Boundary([work])

    with pytest.raises(Refused, match="symbolic link"):
        boundary.write(work / "linked.py", "overwritten\n")
    boundary.write(work / "mod.py", "new\n")

    assert victim.read_text() == SECRET
    assert (work / "linked.py").is_symlink()
    assert (work / "mod.py").read_text() == "new\n"
    assert sorted(p.name for p in work.iterdir()) == [planted.name, "linked.py", "mod.py"]


async def test_one_write_tests_job_per_test_file() -> None:
    jobs = JobRegistry()
    release = asyncio.Event()

    async def run(job: object) -> None:
        await release.wait()

    target = "file:///w/tests/test_geometry.py"
    first = jobs.start("writeTests", "file:///w/geometry.py", run, target=target)
    other_source = "file:///w/pkg/geometry.py"
    assert jobs.blocking("writeTests", other_source, (0, 0), (0, 0), target=target) is first
    assert jobs.blocking("writeTests", other_source, (0, 0), (0, 0), target=None) is None
    assert jobs.blocking("refactor", target, (0, 0), (0, 0)) is None

    # Every job knows its file when it starts, however its URI is quoted.
    quoted = "file:///w/tests/test%5Fgeometry.py"
    assert jobs.blocking("writeTests", other_source, (0, 0), (0, 0), target=quoted) is first
    other = "file:///w/tests/test_other.py"
    assert jobs.blocking("writeTests", other_source, (0, 0), (0, 0), target=other) is None
    second = jobs.start("writeTests", other_source, run, target=other)
    assert jobs.blocking("writeTests", "file:///w/x.py", (0, 0), (0, 0), target=other) is second
    release.set()
    await asyncio.gather(*(j.task for j in (first, second) if j.task))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _BrokenHost:
    """A host whose settings lookup hits a bug, with the progress and messages it was given."""

    def __init__(self) -> None:
        self.ended: list[str] = []
        self.notified: list[tuple[str, str]] = []
        self.events: list[object] = []

    async def begin_progress(self, title: str, message: str, on_cancel: object) -> _BrokenHost:
        return self

    def report(self, message: str) -> None:
        pass

    def end(self, message: str) -> None:
        self.ended.append(message)

    async def ready_settings(self) -> object:
        raise RuntimeError("a bug")

    def notify(self, severity: str, message: str) -> None:
        self.notified.append((severity, message))

    def job_ended(self, event: object) -> None:
        self.events.append(event)


async def test_a_bug_inside_a_job_still_ends_its_progress_with_a_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from lsprotocol import types as t

    from poe_lsp.actions.run import run_action
    from poe_lsp.contract import ActionArgs
    from poe_lsp.jobs import Job
    from poe_lsp.messages import UNEXPECTED

    host = _BrokenHost()
    job = Job(id="refactor-1", action="refactor", uri="file:///w/a.py")
    rng = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=1, character=0))

    await run_action(host, host, job, "refactor", ActionArgs("file:///w/a.py", rng), host)  # type: ignore[arg-type]

    assert host.ended == [UNEXPECTED]
    assert host.notified == [("error", UNEXPECTED)]
    assert [e.outcome for e in host.events] == ["failed"]  # type: ignore[attr-defined]
    assert "see its log" in UNEXPECTED
    assert "RuntimeError: a bug" in caplog.text, "the traceback is in the log"


def test_a_new_file_gets_the_users_umask_and_the_umask_is_left_alone(
    layout: tuple[Path, Path],
) -> None:
    work, _ = layout
    previous = os.umask(0o027)
    try:
        Boundary([work]).write(work / "new.py", "x = 1\n")
        assert os.umask(0o027) == 0o027, "writing must not change the process's umask"
    finally:
        os.umask(previous)
    assert stat.S_IMODE((work / "new.py").stat().st_mode) == 0o640
