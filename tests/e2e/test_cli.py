"""The command-line mode, end to end: the real ``poe-lsp`` process in a shell's place, the real
fastapi_poe client, the fake Poe bot server."""

from __future__ import annotations

import queue
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.e2e.conftest import server_env
from tests.fakepoe import Chunk, FakePoe, Script

KEY = "cli-test-key-7c1d2e3f90"
POE_LSP = [sys.executable, "-m", "poe_lsp"]
TIMEOUT = 60.0

SOURCE = (
    "import math\n\n\ndef area(r):\n    x = math.pi * r * r\n    return x\n\n\nprint(area(2))\n"
)
OLD_CODE = "def area(r):\n    x = math.pi * r * r\n    return x\n"
NEW_CODE = (
    "def area(radius: float) -> float:\n"
    '    """Return the area of a circle."""\n'
    "    return math.pi * radius**2\n"
)
TESTS = "from mod import area\n\n\ndef test_area():\n    assert area(1) == 3.141592653589793\n"


def answer(code: str) -> list[str | Chunk]:
    """A bot answer: prose, the code line by line in a fence, more prose."""
    return ["Here it is:\n```python\n", *code.splitlines(keepends=True), "```\n", "Enjoy."]


def options(poe: FakePoe, bot: str = "Code") -> list[str]:
    return ["--bot", bot, "--base-url", poe.base_url]


def run(
    *argv: str, cwd: Path, key: str | None = KEY, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = server_env(POE_API_KEY=key) if key else server_env()
    return subprocess.run(
        [*POE_LSP, *argv],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


class Running:
    """A ``poe-lsp`` command in the background, its stdout collected line by line as it comes."""

    def __init__(self, *argv: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [*POE_LSP, *argv],
            cwd=cwd,
            env=server_env(POE_API_KEY=KEY),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[bytes] = queue.Queue()
        self._out: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, b""):
            self._out.append(line)
            self.lines.put(line)

    def next_line(self) -> bytes:
        return self.lines.get(timeout=TIMEOUT)

    def finish(self) -> tuple[int, bytes, bytes]:
        """Wait for the exit; return the exit code, all of stdout and stderr."""
        assert self.process.stderr is not None
        stderr = self.process.stderr.read()
        code = self.process.wait(timeout=TIMEOUT)
        self._reader.join(TIMEOUT)
        return code, b"".join(self._out), stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mod.py").write_text(SOURCE)
    return tmp_path


def test_refactor_streams_the_new_code_to_stdout_as_it_arrives(project: Path, poe: FakePoe) -> None:
    chunks = answer(NEW_CODE)
    poe.set_script("Code", Script(chunks=chunks, delay=0.8))
    command = Running("refactor", "mod.py:4-6", *options(poe), cwd=project)

    first = command.next_line()
    assert first == NEW_CODE.splitlines(keepends=True)[0].encode()
    assert poe.requests[0].chunks_sent < len(chunks), "the first line came before the answer ended"
    assert command.process.poll() is None
    code, stdout, stderr = command.finish()

    assert code == 0, stderr
    assert stdout.decode() == NEW_CODE, "stdout holds the new code only, without the prose"
    assert stderr == b"", "a successful run is quiet without -v"
    assert (project / "mod.py").read_text() == SOURCE, "without --write the file is left alone"
    (request,) = poe.requests
    assert request.authorization == f"Bearer {KEY}"
    system, user = request.messages
    assert "refactor" in system["content"].lower()
    assert "mod.py" in user["content"] and "    x = math.pi * r * r" in user["content"]
    assert KEY.encode() not in stdout + stderr


def test_write_replaces_exactly_the_given_lines(tmp_path: Path, poe: FakePoe) -> None:
    source = "# café ☕ 𝛑\r\n" + SOURCE.replace("\n", "\r\n")
    (tmp_path / "mod.py").write_bytes(source.encode())
    poe.set_script("Code", Script(chunks=answer(NEW_CODE), delay=0.05))

    done = run("refactor", "mod.py:5-7", "--write", *options(poe), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    expected = source.replace(OLD_CODE.replace("\n", "\r\n"), NEW_CODE.replace("\n", "\r\n"))
    assert (tmp_path / "mod.py").read_bytes() == expected.encode()


def test_write_refuses_when_the_file_changed_meanwhile(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE), delay=0.5))
    command = Running("refactor", "mod.py:4-6", "--write", *options(poe), cwd=project)
    command.next_line()
    edited = SOURCE + "print(area(3))\n"
    (project / "mod.py").write_text(edited)
    code, stdout, stderr = command.finish()

    assert code == 5, stderr
    assert b"mod.py changed on disk" in stderr
    assert (project / "mod.py").read_text() == edited, "the user's text is kept"
    assert stdout.decode() == NEW_CODE, "the answer is still on stdout"


def test_tests_go_to_stdout_and_with_write_into_the_projects_test_file(
    project: Path, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=answer(TESTS), delay=0.05))
    test_file = project / "tests" / "test_mod.py"

    shown = run("tests", "mod.py:4-6", *options(poe), cwd=project)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == TESTS
    assert not test_file.exists()
    assert "tests/test_mod.py" in poe.requests[0].messages[1]["content"]

    written = run("tests", "mod.py:4-6", "--write", "-v", *options(poe), cwd=project)
    assert written.returncode == 0, written.stderr
    assert written.stdout == TESTS
    assert test_file.read_text() == TESTS
    assert "wrote tests/test_mod.py" in written.stderr

    again = run("tests", "mod.py:4-6", "--write", *options(poe), cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stdout == TESTS, "stdout has the new tests, without the blank lines before them"
    assert test_file.read_text() == TESTS + "\n\n" + TESTS


def test_explain_streams_the_explanation(project: Path, poe: FakePoe) -> None:
    text = ["`area` returns ", "the area of a circle\n", "of radius `r`."]
    poe.set_script("Talk", Script(chunks=text, delay=0.05))

    done = run("explain", "mod.py:4", *options(poe, "Talk"), cwd=project)

    assert done.returncode == 0, done.stderr
    assert done.stdout == "".join(text) + "\n"
    assert "def area(r):" in poe.requests[0].messages[1]["content"]
    assert (project / "mod.py").read_text() == SOURCE


def test_ask_sends_the_instruction_which_may_come_from_stdin(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE)))

    done = run(
        "ask",
        "mod.py:4-6",
        "--instruction",
        "-",
        *options(poe),
        cwd=project,
        stdin="Use type hints\n",
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == NEW_CODE
    assert "Use type hints" in poe.requests[0].messages[1]["content"]


def test_no_key_exits_3_and_says_where_to_put_it(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE)))

    done = run("refactor", "mod.py:4-6", *options(poe), cwd=project, key=None)

    assert done.returncode == 3
    assert "POE_API_KEY" in done.stderr and "--key-file" in done.stderr
    assert done.stdout == ""
    assert poe.requests == [], "nothing is sent to Poe without a key"


def test_the_key_can_come_from_a_file_and_shows_nowhere(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE)))
    (project / "poe.key").write_text(f"  {KEY}\n")

    done = run(
        "refactor",
        "mod.py:4-6",
        "--key-file",
        "poe.key",
        "-vvv",
        *options(poe),
        cwd=project,
        key=None,
    )
    missing = run("refactor", "mod.py:4-6", "--key-file", "nowhere.key", cwd=project, key=None)

    assert done.returncode == 0, done.stderr
    assert poe.requests[0].authorization == f"Bearer {KEY}"
    assert KEY not in done.stdout + done.stderr
    assert missing.returncode == 3
    assert "cannot read the --key-file" in missing.stderr


@pytest.mark.parametrize(
    ("script", "said"),
    [
        (Script(end="error", error_text="bad things"), 'Code answered with an error: "bad things"'),
        (None, "Poe has no bot named 'Code' (HTTP 404)"),
        (Script(status=401, error_text="invalid key"), "POE_API_KEY or the --key-file"),
    ],
    ids=["error event", "unknown bot", "refused key"],
)
def test_a_failing_bot_exits_1_with_the_reason(
    project: Path, poe: FakePoe, script: Script | None, said: str
) -> None:
    if script is not None:
        poe.set_script("Code", script)

    done = run("refactor", "mod.py:4-6", "--write", *options(poe), cwd=project)

    assert done.returncode == 1
    assert said in done.stderr
    assert "editor" not in done.stderr, "the advice is about the command line"
    assert done.stdout == ""
    assert (project / "mod.py").read_text() == SOURCE


def test_an_answer_without_code_exits_6_and_writes_nothing(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=["I would rather not:\n```python\n", "```\n"]))

    done = run("refactor", "mod.py:4-6", "--write", *options(poe), cwd=project)

    assert done.returncode == 6
    assert "held no code" in done.stderr
    assert (project / "mod.py").read_text() == SOURCE


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["refactor", "mod.py:40"], "mod.py has 9 lines; mod.py:40 goes past its end"),
        (["refactor", "mod.py:5-2"], "the range ends before it starts"),
        (["refactor", "mod.py:0"], "lines count from 1"),
        (["explain", "mod.py:2-3"], "mod.py:2-3 is blank"),
        (["explain", "missing.py"], "cannot read missing.py"),
        (["ask", "mod.py"], "--instruction"),
        (["explain", "mod.py", "--base-url", "http://poe.example/"], "--base-url must use https"),
        (["explain", "mod.py", "--context-lines", "9999"], "--context-lines must be a number"),
        (["explain", "mod.py", "--key", KEY], "unrecognized arguments: --key"),
        (["--tcp", "127.0.0.1:2087", "explain", "mod.py"], "they do not go with a command"),
        (["frobnicate", "mod.py"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2(project: Path, poe: FakePoe, argv: list[str], said: str) -> None:
    done = run(*argv, cwd=project)

    assert done.returncode == 2
    assert said in done.stderr
    assert KEY not in done.stderr, "not even a key given where it does not belong is repeated"
    assert done.stdout == ""
    assert poe.requests == []


def test_piping_into_another_program(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE), delay=0.05))
    upper = shlex.join(
        [sys.executable, "-c", "import sys; print(sys.stdin.read().upper(), end='')"]
    )
    command = shlex.join([*POE_LSP, "refactor", "mod.py:4-6", *options(poe)])
    pipeline = f"set -o pipefail; {command} | {upper}"

    done = subprocess.run(
        ["bash", "-c", pipeline],
        cwd=project,
        env=server_env(POE_API_KEY=KEY),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == NEW_CODE.upper()


def test_a_reader_that_stops_early_closes_the_stream_quietly(project: Path, poe: FakePoe) -> None:
    poe.set_script("Talk", Script(chunks=[f"line {n}\n" for n in range(40)], delay=0.2))
    command = shlex.join([*POE_LSP, "explain", "mod.py", *options(poe, "Talk")])
    pipeline = f'{command} 2>stderr.txt | head -n 1; echo "${{PIPESTATUS[0]}}" >status.txt'

    done = subprocess.run(
        ["bash", "-c", pipeline],
        cwd=project,
        env=server_env(POE_API_KEY=KEY),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )

    assert done.stdout == "line 0\n"
    assert poe.wait_for_disconnect("Talk", timeout=TIMEOUT), "the stream to Poe is closed"
    assert (project / "status.txt").read_text().strip() == "4"
    assert (project / "stderr.txt").read_text() == "", "no traceback, no broken-pipe noise"


def test_ctrl_c_cancels_closes_the_stream_and_writes_nothing(project: Path, poe: FakePoe) -> None:
    poe.set_script("Code", Script(chunks=answer(NEW_CODE), delay=0.8))
    command = Running("refactor", "mod.py:4-6", "--write", *options(poe), cwd=project)
    command.next_line()
    command.process.send_signal(signal.SIGINT)
    code, _, stderr = command.finish()

    assert code == 4
    assert stderr.decode().strip() == "poe-lsp: cancelled"
    assert poe.wait_for_disconnect("Code", timeout=TIMEOUT)
    assert (project / "mod.py").read_text() == SOURCE


def test_a_rewritten_answer_is_printed_again_whole(project: Path, poe: FakePoe) -> None:
    script = Script(
        chunks=["```python\n", "a = 1\n", Chunk("```python\nb = 2\n```\n", replace=True)],
        delay=1.0,
    )
    poe.set_script("Code", script)

    done = run("refactor", "mod.py:4-6", "--write", *options(poe), cwd=project)

    assert done.returncode == 0, done.stderr
    assert done.stdout == "a = 1\nb = 2\n"
    assert "the bot rewrote its answer" in done.stderr
    assert (project / "mod.py").read_text() == SOURCE.replace(OLD_CODE, "b = 2\n")


def test_balance_prints_the_points_left_alone_on_a_line(project: Path, poe: FakePoe) -> None:
    try:
        poe.set_balance(12345)
        shown = run("balance", "--base-url", poe.base_url, cwd=project)
        poe.set_balance(0, status=401)
        refused = run("balance", "--base-url", poe.base_url, cwd=project)
        missing = run("balance", "--base-url", poe.base_url, cwd=project, key=None)
    finally:
        poe.set_balance(None)

    assert (shown.returncode, shown.stdout, shown.stderr) == (0, "12345\n", "")
    assert poe.usage_requests[0].authorization == f"Bearer {KEY}"
    assert refused.returncode == 1
    assert "refused the API key" in refused.stderr and "POE_API_KEY" in refused.stderr
    assert missing.returncode == 3
    assert len(poe.usage_requests) == 2, "nothing is sent without a key"


def test_help_names_the_commands_and_the_exit_codes(project: Path) -> None:
    top = run("--help", cwd=project)
    refactor = run("refactor", "--help", cwd=project)

    assert top.returncode == 0 and refactor.returncode == 0
    for command in ("explain", "refactor", "tests", "ask", "balance", "--tcp", "--stdio"):
        assert command in top.stdout
    assert "exit codes:" in refactor.stdout
    for code in range(7):
        assert f"\n  {code}  " in refactor.stdout
    assert "--write" in refactor.stdout and "--key-file" in refactor.stdout
