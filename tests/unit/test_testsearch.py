"""Where Write tests writes and what it tells the bot: the pure pieces and the bounded walk."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from poe_lsp.actions.listing import Listing, list_files
from poe_lsp.actions.testcontext import (
    defined_names,
    fixture_names,
    import_line,
    js_framework,
    python_framework,
    python_module,
)
from poe_lsp.actions.testsearch import distance, place_tests


def listing(*files: str) -> Listing:
    return Listing(tuple(files))


@pytest.mark.parametrize(
    ("files", "source", "expected"),
    [
        (
            ("src/pkg/calc.py", "tests/unit/test_calc.py"),
            "src/pkg/calc.py",
            ("tests/unit/test_calc.py", True),
        ),
        (
            ("pkg/calc.py", "tests/test_calc.py", "pkg/tests/test_calc.py"),
            "pkg/calc.py",
            ("pkg/tests/test_calc.py", True),
        ),
        (("calc.py", "calc_test.py"), "calc.py", ("calc_test.py", True)),
        (
            ("src/calc.py", "tests/unit/test_a.py", "tests/unit/test_b.py", "tests/e2e/test_c.py"),
            "src/calc.py",
            ("tests/unit/test_calc.py", False),
        ),
        (("calc.py",), "calc.py", ("tests/test_calc.py", False)),
        (
            ("web/util.ts", "web/__tests__/util.test.ts"),
            "web/util.ts",
            ("web/__tests__/util.test.ts", True),
        ),
        (
            ("web/util.ts", "web/other.spec.ts", "web/other.ts"),
            "web/util.ts",
            ("web/util.spec.ts", False),
        ),
        (
            ("web/util.js", "lib/__tests__/a.test.js"),
            "web/util.js",
            ("web/__tests__/util.test.js", False),
        ),
        (("lib/calc.rb", "spec/calc_spec.rb"), "lib/calc.rb", ("spec/calc_spec.rb", True)),
    ],
)
def test_the_existing_test_file_nearest_wins_else_the_layout(
    files: tuple[str, ...], source: str, expected: tuple[str, bool]
) -> None:
    assert place_tests(listing(*files), source, "") == expected


def test_a_tie_goes_to_the_conventional_place() -> None:
    files = listing("geometry.py", "shared/test_geometry.py", "tests/test_geometry.py")
    assert place_tests(files, "geometry.py", "python") == ("tests/test_geometry.py", True)


def test_distance_counts_folder_steps() -> None:
    assert distance(PurePosixPath("src/pkg"), PurePosixPath("tests/unit")) == 4
    assert distance(PurePosixPath("."), PurePosixPath(".")) == 0


def test_the_walk_skips_links_specials_and_dependency_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.py").write_text("")
    for skipped in (".git", "node_modules", ".venv", "build"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "test_x.py").write_text("")
    (tmp_path / "linked").symlink_to(tmp_path / "a")
    (tmp_path / "link.py").symlink_to(tmp_path / "a" / "x.py")
    os.mkfifo(tmp_path / "test_fifo.py")
    assert list_files(str(tmp_path)) == Listing(("a/x.py",))


def test_the_walk_stops_at_its_bounds(tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"f{i}.py").write_text("")
    cut = list_files(str(tmp_path), max_entries=10)
    assert len(cut.files) == 10 and not cut.complete
    deep = tmp_path / "d"
    for i in range(5):
        deep = deep / str(i)
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("")
    assert not any(f.endswith("x.py") for f in list_files(str(tmp_path), max_depth=3).files)
    assert list_files(str(tmp_path / "missing")) == Listing(())


def test_fixture_names_come_from_decorators_not_bodies() -> None:
    text = (
        "import pytest\nfrom pytest import fixture\n\n@pytest.fixture\ndef a(): ...\n\n"
        "@pytest.fixture(scope='session', name='b')\ndef _b(): ...\n\n"
        "@fixture\nasync def c(): ...\n\n"
        "def not_one(): ...\n"
    )
    assert fixture_names(text) == ("a", "b", "c")
    assert fixture_names("def (:") == ()


def test_frameworks() -> None:
    assert (
        python_framework("import unittest\n\nclass T(unittest.TestCase): ...\n", {}, False)
        == "unittest"
    )
    assert python_framework("import pytest\n", {}, False) == "pytest"
    assert python_framework(None, {"setup.cfg": "[tool:pytest]\n"}, False) == "pytest"
    assert python_framework(None, {}, True) == "pytest"
    assert python_framework(None, {}, False) is None
    assert js_framework('{"devDependencies": {"vitest": "1"}}') == "vitest"
    assert js_framework('{"scripts": {"test": "jest --ci"}}') == "jest"
    assert js_framework('{"devDependencies": {"mocha": "1"}}') == "mocha"
    assert js_framework("not json") is None


def test_the_import_of_the_code_under_test() -> None:
    files = listing("src/pkg/__init__.py", "src/pkg/sub/__init__.py", "src/pkg/sub/calc.py")
    assert python_module(files, "src/pkg/sub/calc.py") == "pkg.sub.calc"
    assert python_module(files, "src/pkg/__init__.py") == "pkg"
    assert python_module(listing(), "calc.py") == "calc"
    assert import_line("python", "pkg.calc", ("add",)) == "from pkg.calc import add"
    assert import_line("python", "pkg.calc", ()) == "import pkg.calc"
    assert (
        import_line("js", "", ("add",), test_folder="web/__tests__", source="web/util.ts")
        == 'import { add } from "../util";'
    )
    assert (
        import_line("js", "", ("add",), test_folder="web", source="web/util.js", esm=False)
        == 'const { add } = require("./util");'
    )


def test_defined_names_meet_the_selection() -> None:
    text = "import os\n\n@dec\ndef a():\n    pass\n\n\nclass B:\n    x = 1\n"
    assert defined_names(text, 2, 2, "python") == ("a",)
    assert defined_names(text, 0, 8, "python") == ("a", "B")
    js = "export function add(a, b) {\n  return a + b;\n}\nexport const K = 1;\n"
    assert defined_names(js, 0, 3, "js") == ("add", "K")
