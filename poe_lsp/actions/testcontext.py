"""What Write tests tells the bot about the test file: the framework, how to import the code
under test, and the pytest fixtures its ``conftest.py`` files offer.

The parsing functions are pure (fixture names via the stdlib :mod:`ast`, never the bodies);
:func:`gather` reads the few files it needs through the workspace
:class:`~poe_lsp.boundary.Boundary` (inside the workspace, regular files, size-capped) and
blocks: call it through :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from poe_lsp.actions.listing import Listing, read_listed
from poe_lsp.actions.private import ONLY_SECRETS, Withheld
from poe_lsp.actions.testsearch import family
from poe_lsp.boundary import Boundary

log = logging.getLogger(__name__)

MAX_PARSED_CHARS = 200_000
"""A ``conftest.py`` (or test file, or ``package.json``) longer than this is not parsed."""

MAX_FIXTURES = 60
"""Fixture names sent, at most."""


@dataclass(frozen=True)
class TestContext:
    """What the prompt of Write tests says about the test file."""

    framework: str | None = None
    import_line: str | None = None
    fixtures: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """Workspace-relative files read for it (``conftest.py`` …)."""

    def describe(self) -> str:
        """The lines of the prompt, empty when nothing is known."""
        lines = []
        if self.framework:
            lines.append(f"Test framework: {self.framework}.")
        if self.import_line:
            lines.append(f"Import the code under test with: {self.import_line}")
        if self.fixtures:
            lines.append(
                "Fixtures available to this test file (from conftest.py): "
                + ", ".join(self.fixtures)
                + "."
            )
        return "\n".join(lines)


# Pure ----------------------------------------------------------------------------------


def fixture_names(text: str) -> tuple[str, ...]:
    """The names of the functions decorated with ``pytest.fixture`` (or ``fixture``,
    ``pytest_asyncio.fixture``) in ``text``; a ``name=`` argument names the fixture."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return ()
    names: list[str] = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if _dotted(target) not in ("pytest.fixture", "fixture", "pytest_asyncio.fixture"):
                continue
            name = node.name
            for keyword in call.keywords if call is not None else ():
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    name = str(keyword.value.value)
            names.append(name)
            break
    return tuple(names)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def python_framework(
    test_text: str | None, configs: dict[str, str], has_conftest: bool
) -> str | None:
    """pytest or unittest, from the existing test file, else the project's configuration
    (``pyproject.toml``, ``setup.cfg``, ``pytest.ini``, ``tox.ini`` texts by name)."""
    if test_text:
        uses_pytest = re.search(r"^\s*(import|from)\s+pytest\b", test_text, re.M)
        if re.search(r"\bunittest\b", test_text) and not uses_pytest:
            return "unittest"
        if uses_pytest or re.search(r"^def test_", test_text, re.M):
            return "pytest"
    if "pytest.ini" in configs or has_conftest:
        return "pytest"
    if "[tool.pytest" in configs.get("pyproject.toml", "") or re.search(
        r"\bpytest\b", configs.get("pyproject.toml", "")
    ):
        return "pytest"
    for name, marker in (("setup.cfg", "[tool:pytest]"), ("tox.ini", "[pytest]")):
        if marker in configs.get(name, ""):
            return "pytest"
    return None


def js_framework(package_json: str) -> str | None:
    """jest, vitest, mocha or node:test, from a ``package.json``'s dependencies and test script."""
    try:
        data = json.loads(package_json)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    deps: set[str] = set()
    for key in ("devDependencies", "dependencies", "peerDependencies"):
        if isinstance(data.get(key), dict):
            deps.update(data[key])
    scripts = data.get("scripts")
    test_script = str(scripts.get("test", "")) if isinstance(scripts, dict) else ""
    for name in ("vitest", "jest", "mocha"):
        if name in deps or re.search(rf"\b{name}\b", test_script):
            return name
    if "node --test" in test_script:
        return "node:test"
    return None


def python_module(listing: Listing, source: str) -> str:
    """The dotted module name of the relative ``source``: its folders up to the first one
    without ``__init__.py`` (``src/pkg/calc.py`` -> ``pkg.calc``)."""
    path = PurePosixPath(source)
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while folder != PurePosixPath(".") and listing.has(str(folder / "__init__.py")):
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.parent.name


_PY_DEF = re.compile(r"(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
_JS_DEF = re.compile(
    r"(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?\s+([A-Za-z_$][\w$]*)|"
    r"class\s+([A-Za-z_$][\w$]*)|(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=)"
)


def defined_names(text: str, first: int, last: int, kind: str) -> tuple[str, ...]:
    """The top-level functions and classes of ``text`` (Python) or its top-level functions,
    classes and constants (JavaScript/TypeScript) whose lines meet ``first``-``last``."""
    lines = text.splitlines()
    names: list[str] = []
    if kind == "python":
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            tree = None
        if tree is not None:
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    top = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
                    end = (node.end_lineno or node.lineno) - 1
                    if top <= last and end >= first:
                        names.append(node.name)
            return tuple(names)
        pattern = _PY_DEF
    else:
        pattern = _JS_DEF
    for line in lines[first : last + 1]:
        match = pattern.match(line)
        if match:
            names.append(next(g for g in match.groups() if g))
    return tuple(dict.fromkeys(names))


def import_line(
    kind: str,
    module: str,
    names: tuple[str, ...],
    *,
    test_folder: str = ".",
    source: str = "",
    esm: bool = True,
) -> str | None:
    """How the test file imports the code under test (``from pkg.calc import add``)."""
    if kind == "python":
        return f"from {module} import {', '.join(names)}" if names else f"import {module}"
    if kind != "js":
        return None
    path = PurePosixPath(source)
    relative = os.path.relpath(str(path.with_suffix("")), test_folder)
    if path.suffix in (".mjs", ".cjs", ".mts", ".cts"):
        relative += path.suffix.replace("t", "j")
    if not relative.startswith("."):
        relative = "./" + relative
    wanted = "{ " + ", ".join(names) + " }" if names else "* as subject"
    if esm:
        return f'import {wanted} from "{relative}";'
    return f'const {wanted.replace("* as subject", "subject")} = require("{relative}");'


# Reading -------------------------------------------------------------------------------


def gather(
    boundary: Boundary,
    root: PurePosixPath,
    listing: Listing | None,
    source: str,
    test_path: str,
    language: str,
    text: str,
    lines: tuple[int, int],
    withheld: Withheld = ONLY_SECRETS,
) -> TestContext:
    """Return what Write tests says of ``test_path`` for ``source`` (both relative to
    ``root``), the selected ``lines`` of ``text`` being the code under test; nothing from a
    ``withheld`` file."""
    kind = family(PurePosixPath(source), language)
    listing = listing or Listing(())
    names = defined_names(text, lines[0], lines[1], kind)
    sources: list[str] = []

    def read(relative: str) -> str | None:
        return read_listed(
            boundary,
            root,
            relative,
            limit=MAX_PARSED_CHARS,
            purpose="test context",
            withheld=withheld,
        )

    if kind == "python":
        conftests = _conftests(listing, test_path)
        fixtures: list[str] = []
        for relative in conftests:
            found = read(relative)
            if found is not None:
                sources.append(relative)
                fixtures.extend(fixture_names(found))
        test_text = read(test_path) if listing.has(test_path) else None
        configs = {
            name: found
            for name in ("pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini")
            if listing.has(name) and (found := read(name)) is not None
        }
        return TestContext(
            python_framework(test_text, configs, bool(conftests)),
            import_line(kind, python_module(listing, source), names),
            tuple(dict.fromkeys(fixtures))[:MAX_FIXTURES],
            tuple(sources),
        )
    if kind == "js":
        framework = None
        esm = True
        package = _nearest(listing, source, "package.json")
        if package is not None and (found := read(package)) is not None:
            framework = js_framework(found)
            esm = '"type": "module"' in found or not re.search(r"\brequire\s*\(", text)
        line = import_line(
            kind,
            "",
            names,
            test_folder=str(PurePosixPath(test_path).parent),
            source=source,
            esm=esm,
        )
        return TestContext(framework, line, (), tuple(sources))
    if kind == "go":
        return TestContext("go test (the standard testing package, same package)")
    return TestContext()


def _conftests(listing: Listing, test_path: str) -> list[str]:
    """The ``conftest.py`` files pytest loads for ``test_path``: the root's down to its folder."""
    folder = PurePosixPath(test_path).parent
    chain = [*reversed(folder.parents), folder] if folder != PurePosixPath(".") else [folder]
    found = []
    for step in chain:
        candidate = str(step / "conftest.py") if step != PurePosixPath(".") else "conftest.py"
        if listing.has(candidate):
            found.append(candidate)
    return found


def _nearest(listing: Listing, source: str, name: str) -> str | None:
    folder = PurePosixPath(source).parent
    for step in [folder, *folder.parents]:
        candidate = name if step == PurePosixPath(".") else str(step / name)
        if listing.has(candidate):
            return candidate
    return None
