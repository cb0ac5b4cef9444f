"""Write tests finds the module's test file and tells the bot how the project tests, end to
end: appended to an existing ``tests/unit/test_calc.py``, created beside its siblings, the
framework, the import and the conftest fixtures named; and hostile trees."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from lsprotocol import types as t

from tests.e2e.conftest import execute, rng, settings_for, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.e2e.test_commands import code_answer
from tests.fakepoe import FakePoe, Script

CALC = '"""Arithmetic."""\n\n\ndef add(a, b):\n    """Sum."""\n    return a + b\n'
ADDED = "def test_add():\n    assert add(1, 2) == 3\n"
CONFTEST = (
    "import pytest\n\n\n@pytest.fixture\ndef numbers():\n    return [1, 2]\n\n\n"
    '@pytest.fixture(name="zero")\ndef _zero():\n    return 0\n\n\ndef helper():\n    pass\n'
)
SECRET = "SECRET-7f3e9d0c5b1a"


def project(root: Path) -> None:
    """A src-layout package with its unit tests under ``tests/unit/``."""
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text("")
    (root / "src" / "pkg" / "calc.py").write_text(CALC)
    (root / "tests" / "unit").mkdir(parents=True)
    (root / "tests" / "conftest.py").write_text(CONFTEST)
    (root / "tests" / "unit" / "test_other.py").write_text("def test_x():\n    pass\n")
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")


async def write_tests(session: Editor, poe: FakePoe, timeout: float = 15.0) -> str:
    poe.set_script("Code", Script(chunks=code_answer(ADDED)))
    uri = (session.root / "src" / "pkg" / "calc.py").as_uri()
    session.open(uri, CALC)
    await execute(
        session.client,
        "poe.writeTests",
        {"textDocument": {"uri": uri}, "range": rng(3, 0, 6, 0)},
    )
    await wait_for_progress_end(session.client, timeout=timeout)
    return poe.requests[0].messages[-1]["content"] if poe.requests else ""


async def test_an_existing_unit_test_file_is_appended_to_and_the_bot_told_how_to_test(
    session: Editor, poe: FakePoe
) -> None:
    project(session.root)
    existing = "from pkg.calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
    (session.root / "tests" / "unit" / "test_calc.py").write_text(existing)

    user = await write_tests(session, poe)

    test_uri = (session.root / "tests" / "unit" / "test_calc.py").as_uri()
    assert session.text(test_uri) == existing + "\n\n" + ADDED
    assert not (session.root / "tests" / "test_calc.py").exists()
    assert "end of the existing file tests/unit/test_calc.py" in user
    assert "Test framework: pytest." in user
    assert "Import the code under test with: from pkg.calc import add" in user
    assert "(from conftest.py): numbers, zero." in user
    assert "helper" not in user.split("Fixtures available")[1]


async def test_a_new_test_file_goes_where_its_siblings_live(session: Editor, poe: FakePoe) -> None:
    project(session.root)

    user = await write_tests(session, poe)

    created = session.root / "tests" / "unit" / "test_calc.py"
    assert session.text(created.as_uri()) == ADDED
    assert "The tests go into the new file tests/unit/test_calc.py." in user
    assert "from pkg.calc import add" in user
    assert "numbers, zero" in user


async def test_a_test_folder_linked_outside_is_not_entered_nor_read(
    session: Editor, poe: FakePoe, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project(session.root)
    home = tmp_path_factory.mktemp("home")
    (home / "test_calc.py").write_text(f"# {SECRET}\n")
    (home / "conftest.py").write_text(f"import pytest\n@pytest.fixture\ndef {SECRET[:6]}(): ...\n")
    (session.root / "tests" / "unit" / "linked").symlink_to(home)
    before = {p.name: p.read_text() for p in home.iterdir()}

    user = await write_tests(session, poe)

    assert SECRET not in user and SECRET[:6] not in user
    assert "tests/unit/test_calc.py" in user
    assert {p.name: p.read_text() for p in home.iterdir()} == before


async def test_a_huge_conftest_a_fifo_and_a_deep_tree_end_the_job_promptly(
    session: Editor, poe: FakePoe
) -> None:
    project(session.root)
    huge = "import pytest\n\n\n@pytest.fixture\ndef big():\n    return 1\n" + "x = 1\n" * 150_000
    (session.root / "tests" / "unit" / "conftest.py").write_text(huge)
    os.mkfifo(session.root / "tests" / "unit" / "test_calc.py")
    deep = session.root / "deep"
    for i in range(60):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "test_calc.py").write_text(f"# {SECRET}\n")

    started = time.monotonic()
    user = await write_tests(session, poe, timeout=10.0)
    took = time.monotonic() - started

    assert took < 5.0, f"the job took {took:.2f} s"
    assert SECRET not in user
    (reports,) = [r for r in session.client.progress_reports.values() if r]
    assert "named pipe (FIFO)" in reports[-1].message
    assert poe.requests == [], "nothing is asked when the test file is a FIFO"


# Definitions the selection uses ---------------------------------------------------------

HELPERS = (
    "def scale(value: float, factor: float = 2.0) -> float:\n"
    '    """Multiply value by factor."""\n'
    "    return value * factor * 1234567\n"
)
USES = (
    "from .helpers import scale\n\n\n"
    "def clamp(x: int) -> int:\n"
    '    """Keep x in 0..9."""\n'
    "    return max(0, min(9, x)) + 7654321\n\n\n"
    "def total(x):\n    return scale(clamp(x))\n"
)


async def test_the_signature_and_docstring_of_an_imported_helper_are_sent_not_its_body(
    session: Editor, poe: FakePoe
) -> None:
    (session.root / "pkg").mkdir()
    (session.root / "pkg" / "__init__.py").write_text("")
    (session.root / "pkg" / "helpers.py").write_text(HELPERS)
    poe.set_script("Code", Script(chunks=code_answer("def total(x):\n    return 0\n")))
    uri = (session.root / "pkg" / "uses.py").as_uri()
    session.open(uri, USES)
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(9, 0, 11, 0)}
    )
    (reports,) = await wait_for_progress_end(session.client)

    user = poe.requests[0].messages[-1]["content"]
    assert "Definitions the selection uses" in user
    assert "def scale(value: float, factor: float = 2.0) -> float:" in user
    assert '"""Multiply value by factor."""' in user
    assert "# pkg/helpers.py" in user
    assert "1234567" not in user, "no body"
    assert user.count("def clamp(x: int) -> int:") == 1, "clamp is in the lines around already"
    said = [getattr(r, "message", None) or "" for r in reports]
    assert any("sent 2 files" in m for m in said), said


async def test_an_imported_module_linked_outside_is_not_read(
    session: Editor, poe: FakePoe, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    (home / "helpers.py").write_text(f'def scale(v):\n    """{SECRET}"""\n')
    (session.root / "pkg").mkdir()
    (session.root / "pkg" / "__init__.py").write_text("")
    (session.root / "pkg" / "helpers.py").symlink_to(home / "helpers.py")
    poe.set_script("Code", Script(chunks=code_answer("def total(x):\n    return 0\n")))
    uri = (session.root / "pkg" / "uses.py").as_uri()
    session.open(uri, USES)
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(9, 0, 11, 0)}
    )
    await wait_for_progress_end(session.client)

    user = poe.requests[0].messages[-1]["content"]
    assert SECRET not in user
    assert "pkg/helpers.py" not in user


# The budget -----------------------------------------------------------------------------


async def test_the_budget_drops_surrounding_lines_before_the_header_and_cuts_no_line(
    session: Editor, poe: FakePoe
) -> None:
    header = "import math\nimport os\n"
    body = "".join(f"VALUE_{i:03d} = {i} * 98765432101234567890\n" for i in range(300))
    source = header + "\n" + body + "\n\ndef area(r):\n    return math.pi * r * r\n"
    settings = {"poe": {**settings_for(poe), "contextLines": 200, "contextBudget": 4000}}
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings=settings)
    )
    poe.set_script("Code", Script(chunks=code_answer("def area(r):\n    return 0\n")))
    uri = (session.root / "shapes.py").as_uri()
    session.open(uri, source)
    line = source.count("\n") - 2
    await execute(
        session.client,
        "poe.refactor",
        {"textDocument": {"uri": uri}, "range": rng(line, 0, line + 2, 0)},
    )
    (reports,) = await wait_for_progress_end(session.client)

    user = poe.requests[0].messages[-1]["content"]
    assert sum(len(m["content"]) for m in poe.requests[0].messages) <= 4000
    assert f"The file begins (lines 1-2):\n```python\n{header}```" in user
    before = user.split("Code before the selection:\n```python\n")[1].split("\n```")[0]
    kept = before.split("\n")
    assert kept and all(k in body.split("\n") for k in kept), "whole lines only"
    assert "VALUE_299" in before and "VALUE_000" not in before, "the farthest go first"
    assert "Left out to fit the context budget:" in user
    said = [getattr(r, "message", None) or "" for r in reports]
    assert any("surrounding lines" in m and "contextBudget" in m for m in said), said
