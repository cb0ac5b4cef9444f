"""A file's header (its imports and the like), and how the plan sends it without repeating
the lines of the context window."""

from __future__ import annotations

from poe_lsp.actions.header import MAX_HEADER_LINES, header_end
from poe_lsp.actions.plan import select
from poe_lsp.actions.prompt import PromptInput, build_messages
from poe_lsp.contract import ActionArgs
from poe_lsp.editor import Document


def end(text: str, language: str) -> int:
    return header_end(text.splitlines(keepends=True), language)


PYTHON = '''#!/usr/bin/env python3
"""The module's docstring,
on two lines."""

from __future__ import annotations

# the standard library
import os
from typing import (
    Any,
    Final,
)
from a import \\
    b

X = 1
import late
'''


def test_python_takes_the_docstring_and_the_imports_until_the_first_statement() -> None:
    assert end(PYTHON, "python") == 14
    assert end("import os\n\n\ndef f():\n    import sys\n", "python") == 1
    assert end("'''one line'''\nimport os\nx = 1\n", "python") == 2
    assert end("def f():\n    pass\n", "python") == 0
    assert end('"""never closed\nimport os\n', "python") == 0


def test_javascript_and_typescript_take_imports_and_requires() -> None:
    js = (
        "'use strict';\n// deps\nimport fs from 'node:fs';\nimport {\n  a,\n  b,\n} from './x';\n"
        "const path = require('node:path');\n/* a\n block */\nexport * from './y';\n\n"
        "function f() {}\n"
    )
    assert end(js, "javascript") == 11
    assert end(js, "typescriptreact") == 11
    assert end("const x = 1;\nimport a from 'a';\n", "typescript") == 0


def test_go_takes_the_package_clause_and_the_import_block() -> None:
    go = 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {}\n'
    assert end(go, "go") == 6
    assert end('// Package x.\npackage x\n\nimport "fmt"\n\nvar y = 1\n', "go") == 4


def test_rust_takes_use_lines_and_java_package_and_imports() -> None:
    rust = "#![allow(dead_code)]\nuse std::io;\npub use a::{\n    b,\n    c,\n};\n\nfn main() {}\n"
    assert end(rust, "rust") == 6
    java = "package a.b;\n\nimport java.util.List;\nimport static x.Y.z;\n\npublic class C {}\n"
    assert end(java, "java") == 4


def test_other_languages_have_no_header_and_a_huge_one_is_cut() -> None:
    assert end("#include <stdio.h>\n", "c") == 0
    assert end("import os\n" * 1000, "python") == MAX_HEADER_LINES


def _select(text: str, line: int, context: int) -> tuple[str, str]:
    args = ActionArgs.from_json(
        "refactor",
        (
            {
                "textDocument": {"uri": "file:///w/a.py"},
                "range": {
                    "start": {"line": line, "character": 0},
                    "end": {"line": line + 1, "character": 0},
                },
            },
        ),
    )
    document = Document("file:///w/a.py", "/w/a.py", text, 1, "python")
    selection = select(document, args, context, "utf-16")
    return selection.header, selection.before


def test_the_header_is_sent_far_from_the_selection_and_never_twice() -> None:
    text = "import os\nimport sys\n\n" + "".join(f"x{i} = {i}\n" for i in range(500))
    header, before = _select(text, 500, 3)
    assert header == "import os\nimport sys\n"
    assert before == "x494 = 494\nx495 = 495\nx496 = 496\n"
    header, before = _select(text, 3, 2)
    assert header == "import os\n" and before.startswith("import sys\n")
    header, before = _select(text, 3, 30)
    assert header == "" and before.startswith("import os\n")
    header, before = _select(text, 1, 0)
    assert header == "import os\n" and before == ""


def test_the_prompt_shows_the_header_before_the_context() -> None:
    prompt = PromptInput(
        "refactor", "a.py", "python", "y = 2\n", 500, "x = 1\n", header="import os\n"
    )
    user = build_messages(prompt)[1].content
    assert "The file begins (lines 1-1):\n```python\nimport os\n```" in user
    assert user.index("The file begins") < user.index("Code before the selection")
