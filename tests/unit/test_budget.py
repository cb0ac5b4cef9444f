"""The context budget: what goes first, whole lines only, the selection always kept."""

from __future__ import annotations

from dataclasses import replace

from poe_lsp.actions.budget import fit, size
from poe_lsp.actions.instructions import ProjectFile
from poe_lsp.actions.prompt import Diagnostic, PromptInput

BEFORE = "".join(f"before_{i:03d} = {i} * 1234567\n" for i in range(200))
HEADER = "import os\nimport sys\n"


def prompt(**extra: object) -> PromptInput:
    base = PromptInput(
        action="refactor",
        path="calc.py",
        language="python",
        selection="def f():\n    return 1\n",
        first_line=300,
        before=BEFORE,
        after=BEFORE,
        header=HEADER,
        diagnostics=(Diagnostic(300, "error", "boom"),),
        project=(ProjectFile("AGENTS.md", "Be nice.\n" * 50),),
        test_path="tests/test_calc.py",
        test_head="import pytest\n" * 100,
        definitions=(("helpers.py", "def scale(v):\n    ..."),),
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def test_within_the_budget_nothing_is_left_out() -> None:
    p = prompt()
    assert fit(p, size(p) + 10) == (p, ())


def test_the_surrounding_lines_go_first_the_farthest_first_by_whole_lines() -> None:
    p = prompt()
    fitted, dropped = fit(p, size(p) - 3000)
    assert dropped[0].endswith("surrounding lines") and len(dropped) == 1
    assert fitted.header == HEADER and fitted.test_head == p.test_head
    assert BEFORE.endswith(fitted.before) and BEFORE.startswith(fitted.after)
    assert fitted.before.startswith("before_") and fitted.after.endswith("1234567\n")
    assert size(fitted) <= size(p) - 3000 + 100


def test_then_the_test_file_definitions_header_instructions_diagnostics() -> None:
    fitted, dropped = fit(prompt(), 1)
    assert dropped == (
        "400 surrounding lines",
        "the test file's text",
        "1 definition",
        "2 header lines",
        "AGENTS.md",
        "1 diagnostic",
    )
    assert fitted.selection == "def f():\n    return 1\n", "the selection is always sent"
    assert fitted.before == fitted.after == fitted.header == ""
    assert fitted.test_head == "" and fitted.project == () and fitted.definitions == ()
