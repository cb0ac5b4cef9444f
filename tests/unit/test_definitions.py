"""Definitions the selection uses: signatures and docstrings from Python (ast) and from
JavaScript/TypeScript (the heuristic), and how imported modules are found."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from poe_lsp.actions import definitions as d
from poe_lsp.boundary import Boundary

PY = '''import os
from .helpers import scale as sc, clamp


def local(x: int,
          y: int = 2) -> int:
    """Add them.

    Long story."""
    z = x + y
    return z


class Box:
    """A box."""
    def __init__(self, w): self.w = w
    def area(self) -> int:
        return 1
    def _hidden(self): ...

def one(): return 1
'''

JS = """/**
 * Add two numbers.
 */
export function add(a: number, b: number): number {
  return a + b;
}
export const mul = (a, b) => a * b;
export default class Calc extends Base {
  run() {}
}
  function inner() {}
export interface Shape { w: number }
"""


def test_python_signatures_and_docstrings_without_bodies() -> None:
    found = d.python_definitions(PY)
    assert found["local"] == (
        'def local(x: int,\n          y: int = 2) -> int:\n    """Add them.\n\n'
        '    Long story."""\n    ...'
    )
    assert found["Box"] == (
        'class Box:\n    """A box."""\n    def __init__(self, w): ...\n'
        "    def area(self) -> int: ..."
    )
    assert found["one"] == "def one():\n    ..."
    assert d.python_definitions("def (:") == {}


def test_names_used_most_first_without_keywords_or_strings() -> None:
    used = d.referenced("y = f(g(x)) + f(1)  # h\nif 'k': pass\n", "python")
    assert used == ("f", "y", "g", "x")


def test_javascript_heads_and_jsdoc() -> None:
    found = d.js_definitions(JS)
    assert found["add"] == (
        "/**\n * Add two numbers.\n */\nexport function add(a: number, b: number): number { … }"
    )
    assert found["mul"] == "export const mul = (a, b) => …"
    assert found["Calc"] == "export default class Calc extends Base { … }"
    assert found["Shape"] == "export interface Shape { … }"
    assert "inner" not in found, "indented: not top level"


def test_imports_and_their_files() -> None:
    imports = d.js_imports(
        'import { add, mul as m } from "./math";\nimport Calc from "../calc.js";\n'
        'import x from "react";\n'
    )
    assert imports == [
        ("./math", (("add", "add"), ("mul", "m"))),
        ("../calc.js", (("default", "Calc"),)),
    ]
    files = d.js_module_files("../calc.js", "web/ui/app.ts")
    assert files[:2] == ("web/calc.js", "web/calc.ts")
    assert d.js_module_files("../../x", "a.ts") == ()
    assert d.python_module_files(1, "helpers", "src/pkg/calc.py", (".",)) == (
        "src/pkg/helpers.py",
        "src/pkg/helpers/__init__.py",
    )
    assert d.python_module_files(0, "pkg.helpers", "x.py", ("src",))[0] == "src/pkg/helpers.py"


def test_gather_reads_the_imported_module_most_used_first(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helpers.py").write_text(
        'def scale(v):\n    """Twice."""\n    return v * 2\n'
    )
    text = "from pkg.helpers import scale\n\n\ndef f(x):\n    return scale(scale(x)) + g(x)\n"
    text += "\n\ndef g(x):\n    return x\n"
    roots = d.import_roots(str(tmp_path), "pkg/uses.py")
    assert roots[0] == "."
    found = d.gather(
        Boundary([tmp_path]),
        PurePosixPath(tmp_path),
        "pkg/uses.py",
        text,
        "def f(x):\n    return scale(scale(x)) + g(x)\n",
        (3, 4),
        "python",
        roots,
    )
    assert [(x.name, x.path) for x in found] == [("scale", "pkg/helpers.py"), ("g", "pkg/uses.py")]
    assert "return v * 2" not in found[0].text
