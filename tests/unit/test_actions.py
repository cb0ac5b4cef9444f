"""Pure pieces of the actions: empty-range blocks, test file places, prompts, arguments."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from poe_lsp.actions.prompt import Diagnostic, PromptInput, build_messages
from poe_lsp.actions.selection import expand_cursor
from poe_lsp.actions.testfile import test_path_for as place_tests
from poe_lsp.contract import ActionArgs, ArgumentError, cancel_target

CODE = [
    "class A:",
    "    def f(self):",
    "        return 1",
    "",
    "        # still f",
    "    def g(self):",
    "        pass",
    "x = 1",
]


def test_cursor_on_a_block_header_takes_the_block() -> None:
    assert expand_cursor(CODE, (1, 6)) == ((1, 0), (5, 0))
    assert expand_cursor(CODE, (0, 0)) == ((0, 0), (7, 0))


def test_cursor_on_a_plain_line_takes_the_line() -> None:
    assert expand_cursor(CODE, (7, 2)) == ((7, 0), (8, 0))
    assert expand_cursor(CODE, (3, 0)) is None


def test_braces_include_the_closing_line() -> None:
    js = ["function f() {", "  return 1;", "}", "f();"]
    assert expand_cursor(js, (0, 3)) == ((0, 0), (3, 0))


ROOT = PurePosixPath("/proj")


@pytest.mark.parametrize(
    ("source", "language", "expected"),
    [
        ("/proj/src/pkg/calc.py", "python", "/proj/tests/test_calc.py"),
        ("/proj/tests/test_calc.py", "python", "/proj/tests/test_calc.py"),
        ("/proj/web/util.ts", "typescript", "/proj/web/util.test.ts"),
        ("/proj/cmd/main.go", "go", "/proj/cmd/main_test.go"),
        ("/proj/src/lib.rs", "rust", "/proj/src/lib.rs"),
        ("/proj/src/main/java/com/x/Calc.java", "java", "/proj/src/test/java/com/x/CalcTest.java"),
        ("/proj/lib/calc.rb", "ruby", "/proj/spec/calc_spec.rb"),
    ],
)
def test_tests_go_where_the_language_expects_them(
    source: str, language: str, expected: str
) -> None:
    assert str(place_tests(PurePosixPath(source), ROOT, language)) == expected


def test_prompt_holds_path_language_selection_context_and_diagnostics() -> None:
    system, user = build_messages(
        PromptInput(
            action="ask",
            path="src/calc.py",
            language="python",
            selection="def f():\n    return x\n",
            first_line=9,
            before="import os\n",
            after="print(f())\n",
            diagnostics=(Diagnostic(10, "error", "undefined name 'x'", "pyflakes"),),
            instruction="define x",
        )
    )
    assert system.role == "system" and "fenced code block" in system.content
    assert user.role == "user"
    for part in (
        "src/calc.py",
        "python",
        "Selected lines 10-11",
        "```python\ndef f():\n    return x\n```",
        "import os",
        "print(f())",
        "line 11: error: undefined name 'x' (pyflakes)",
        "Instruction: define x",
    ):
        assert part in user.content


def test_prompt_fence_is_longer_than_any_fence_in_the_code() -> None:
    _, user = build_messages(
        PromptInput(
            action="explain",
            path="a.md",
            language="markdown",
            selection="```\nx\n```\n",
            first_line=0,
        )
    )
    assert "````markdown\n```\nx\n```\n````" in user.content


def test_arguments_round_trip_and_errors() -> None:
    wire = {
        "textDocument": {"uri": "file:///a.py"},
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}},
        "bot": "GPT-5",
    }
    parsed = ActionArgs.from_json("refactor", (wire,))
    assert parsed.to_json() == wire
    with pytest.raises(ArgumentError, match="instruction"):
        ActionArgs.from_json("ask", (wire,))
    with pytest.raises(ArgumentError, match="uri"):
        ActionArgs.from_json("refactor", ({"range": wire["range"]},))
    with pytest.raises(ArgumentError, match="Range"):
        ActionArgs.from_json("refactor", ({**wire, "range": {"start": 1}},))
    with pytest.raises(ArgumentError, match="one argument"):
        ActionArgs.from_json("refactor", ())


def test_cancel_arguments() -> None:
    assert cancel_target(()) is None
    assert cancel_target(({"jobId": "refactor-1"},)) == "refactor-1"
    with pytest.raises(ArgumentError):
        cancel_target(("refactor-1",))
