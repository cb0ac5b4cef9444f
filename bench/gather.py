"""Benchmark 9: gathering the context of one action in a large workspace.

A git repository of ``config.context_files`` files (a src-layout package of modules that import
each other, their unit tests under ``tests/unit/`` with ``conftest.py`` files, an
``AGENTS.md``, ignored build output) is planned for, in this process, as the server does it:
Write tests finds the module's test file (the workspace walk), then the plan gathers the
project's instructions, the framework, the import, the fixtures, the definitions the
selection uses and what git ignores, and the budget is applied. Timed from the start of the
search to the messages being built; the first run (cold: the parsers are imported) is
reported apart from the others. Every run asks git for its list of ignored files again, as an
action does a few seconds after the last. Meanwhile a ticker on the same event loop measures
its longest stall: file work must stay off the loop.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path, PurePosixPath

from lsprotocol import types as t

from bench.context import BenchError, Context
from bench.report import Row
from poe_lsp.actions import private
from poe_lsp.actions.budget import fit
from poe_lsp.actions.plan import plan_with_context
from poe_lsp.actions.prompt import build_messages
from poe_lsp.actions.testsearch import locate_tests
from poe_lsp.contract import ActionArgs
from poe_lsp.settings import Settings
from poe_lsp.terminal.host import TerminalEditor
from poe_lsp.terminal.output import Reporter

PACKAGES = 20


def _module(package: int, index: int) -> str:
    other = f"pkg{package}.mod{(index + 1) % 40}"
    return (
        f'"""Module {index} of package {package}."""\n\n'
        f"from {other} import helper_{(index + 1) % 40}\n\n\n"
        f"def helper_{index}(value: int, scale: float = 1.0) -> float:\n"
        f'    """Scale value (module {index})."""\n'
        f"    return helper_{(index + 1) % 40}(value) * scale\n\n\n"
        f"class Thing{index}:\n"
        f'    """A thing."""\n\n'
        f"    def size(self) -> int:\n        return {index}\n"
    )


def build_workspace(root: Path, files: int) -> Path:
    """Write the workspace; return the module the action is on."""
    (root / "AGENTS.md").write_text("Use type hints. Tests use pytest.\n" * 20)
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (root / "build").mkdir()
    per_package = max(1, files // (2 * PACKAGES))
    for package in range(PACKAGES):
        source = root / "src" / f"pkg{package}"
        tests = root / "tests" / "unit" / f"pkg{package}"
        source.mkdir(parents=True)
        tests.mkdir(parents=True)
        (source / "__init__.py").write_text("")
        (tests / "conftest.py").write_text(
            f"import pytest\n\n\n@pytest.fixture\ndef data_{package}():\n    return [1, 2]\n"
        )
        for index in range(per_package):
            (source / f"mod{index}.py").write_text(_module(package, index))
            (tests / f"test_mod{index}.py").write_text(
                f"from pkg{package}.mod{index} import helper_{index}\n\n\n"
                f"def test_helper_{index}():\n    assert helper_{index}(1) == 1\n"
            )
            (root / "build" / f"out{package}_{index}.log").write_text("x\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root / "src" / "pkg7" / "mod3.py"


async def _stalls(stop: asyncio.Event, worst: list[float]) -> None:
    """Record the longest time the loop did not run this ticker (beyond its 1 ms sleep)."""
    last = time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.monotonic()
        worst[0] = max(worst[0], now - last - 0.001)
        last = now


async def _gather_once(editor: TerminalEditor, source: Path, settings: Settings) -> int:
    root = editor.root
    start, end = t.Position(line=4, character=0), t.Position(line=7, character=0)
    args = ActionArgs(source.as_uri(), t.Range(start=start, end=end))
    tests = await asyncio.to_thread(locate_tests, root, PurePosixPath(source), "python")
    decided = await plan_with_context(editor, settings, "writeTests", args, tests)
    prompt, _ = fit(decided.prompt, settings.context_budget)
    messages = build_messages(prompt)
    if not any("helper_4" in m.content for m in messages):
        raise BenchError("the definition the selection uses was not gathered")
    if "test_mod3.py" not in str(decided.test_path):
        raise BenchError(f"Write tests chose {decided.test_path}, not the existing test file")
    return sum(len(m.content) for m in messages)


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 9."""
    files = ctx.config.context_files
    cold = Row("9 context", f"gather one action's context, {files:,}-file workspace, cold", "ms")
    warm = Row(
        "9 context", f"gather one action's context, {files:,}-file workspace", "ms", budget=25
    )
    stall = Row("9 context", "longest event-loop stall while gathering", "ms", budget=10)
    root = ctx.root / "context-workspace"
    root.mkdir()
    source = build_workspace(root, files)
    editor = TerminalEditor(root, Reporter(0))
    settings = Settings()
    for index in range(ctx.config.runs + 1):
        ctx.log(f"context: run {index + 1}/{ctx.config.runs + 1}")
        private.forget()  # as an action more than IGNORED_TTL after the last one
        stop, worst = asyncio.Event(), [0.0]
        ticker = asyncio.create_task(_stalls(stop, worst))
        await asyncio.sleep(0.005)
        started = time.monotonic()
        await _gather_once(editor, source, settings)
        elapsed = (time.monotonic() - started) * 1000
        stop.set()
        await ticker
        (cold if index == 0 else warm).runs.append(elapsed)
        stall.runs.append(worst[0] * 1000)
    return [cold, warm, stall]
