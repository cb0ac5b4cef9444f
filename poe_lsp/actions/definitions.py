"""Definitions the selection uses: the signatures and docstrings (never the bodies) of the
names it references that are defined elsewhere in its file or in a local module it imports.

Python is read with the stdlib :mod:`ast`. JavaScript and TypeScript are read with a small,
tested heuristic (``function name(…)``, ``const name = (…) =>``, ``class Name``, with the
JSDoc comment before them, and ``import … from "./relative"`` lines): no parser is loaded.
The parsing is pure; :func:`gather` reads the imported modules through the workspace
:class:`~poe_lsp.boundary.Boundary` and blocks: call it through :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import ast
import keyword
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from poe_lsp.actions.listing import read_listed
from poe_lsp.actions.private import ONLY_SECRETS, Withheld
from poe_lsp.boundary import Boundary

log = logging.getLogger(__name__)

MAX_DEFINITIONS = 20
MAX_DOC_CHARS = 600
"""A docstring longer than this is cut at a line break."""
MAX_MODULES = 8
"""Local modules read, at most, for one selection."""
MAX_PARSED_CHARS = 400_000
"""A module longer than this is not parsed."""


@dataclass(frozen=True)
class Definition:
    """One name's signature and docstring, and the file that defines it."""

    name: str
    text: str
    path: str
    """Workspace-relative."""


# Names ---------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_JS_KEYWORDS = (
    "break case catch class const continue debugger default delete do else export extends "
    "finally for function if import in instanceof let new return super switch this throw "
    "try typeof var void while with yield async await of null true false undefined"
)
_JS_WORDS = frozenset(_JS_KEYWORDS.split())


def referenced(selection: str, language: str) -> tuple[str, ...]:
    """The names ``selection`` uses, the most used first (then in order of appearance)."""
    words = [
        w
        for w in _WORD.findall(_without_strings(selection))
        if not (keyword.iskeyword(w) if language == "python" else w in _JS_WORDS)
    ]
    counts = Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    return tuple(sorted(counts, key=lambda w: (-counts[w], first[w])))


def _without_strings(text: str) -> str:
    return re.sub(r"(\"\"\"|''')[\s\S]*?\1|\"[^\"\n]*\"|'[^'\n]*'|#[^\n]*|//[^\n]*", " ", text)


# Python --------------------------------------------------------------------------------


def python_definitions(text: str) -> dict[str, str]:
    """The top-level functions and classes of ``text``: name -> signature and docstring."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    lines = text.splitlines()
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = _python_signature(node, lines)
    return found


def _python_signature(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, lines: list[str]
) -> str:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    body_start = node.body[0].lineno - 1
    head = lines[first:body_start] if body_start > first else lines[first : node.lineno]
    if not head or not head[-1].rstrip().endswith(":"):  # a one-line def: cut at its colon
        head = [*head[:-1], _head_of(node, lines)] if head else [_head_of(node, lines)]
    out = [*head]
    doc = ast.get_docstring(node)
    indent = "    "
    if doc:
        shown = _cap_doc(doc).replace("\n", "\n" + indent).replace(indent + "\n", "\n")
        out.append(f'{indent}"""{shown}"""')
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                not item.name.startswith("_") or item.name == "__init__"
            ):
                signature = _head_of(item, lines).strip()
                out.append(f"{indent}{signature} ...")
    else:
        out.append(f"{indent}...")
    return "\n".join(out)


def _head_of(node: ast.stmt, lines: list[str]) -> str:
    """The ``def …:`` line(s) of ``node``, without its body."""
    start = node.lineno - 1
    body = getattr(node, "body", [])
    end = body[0].lineno - 1 if body else start + 1
    text = "\n".join(lines[start : max(end, start + 1)])
    if body and body[0].lineno - 1 == start:  # `def f(): return 1`
        colon = _signature_colon(text)
        text = text[: colon + 1] if colon >= 0 else text
    return text.rstrip()


def _signature_colon(text: str) -> int:
    depth = 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ":" and depth == 0:
            return i
    return -1


def _cap_doc(doc: str) -> str:
    if len(doc) <= MAX_DOC_CHARS:
        return doc
    cut = doc[:MAX_DOC_CHARS]
    return cut[: cut.rfind("\n")] if "\n" in cut else cut.rsplit(" ", 1)[0] + " …"


def python_imports(text: str) -> list[tuple[int, str, tuple[tuple[str, str], ...]]]:
    """The ``from … import …`` statements of ``text``: (level, module, ((name, as), …))."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = tuple((a.name, a.asname or a.name) for a in node.names if a.name != "*")
            found.append((node.level, node.module or "", names))
    return found


def python_module_files(
    level: int, module: str, source: str, import_roots: tuple[str, ...]
) -> tuple[str, ...]:
    """Workspace-relative files that may hold ``module`` imported from the file ``source``."""
    parts = [p for p in module.split(".") if p]
    if level:
        base = PurePosixPath(source).parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        bases = [PurePosixPath(r) for r in import_roots]
    found: list[str] = []
    for base in bases:
        path = base.joinpath(*parts) if parts else base
        found += [str(path) + ".py", str(path / "__init__.py")]
    return tuple(f.removeprefix("./") for f in found)


# JavaScript / TypeScript ---------------------------------------------------------------

_JS_IMPORT = re.compile(
    r"""^\s*import\s+(?:type\s+)?(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*["'](\.{1,2}/[^"']+)["']""",
    re.M,
)
_JS_DEF = re.compile(
    r"""^[ \t]*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?
    (?:function\*?\s+(?P<f>[A-Za-z_$][\w$]*)
      |class\s+(?P<c>[A-Za-z_$][\w$]*)
      |(?:const|let|var)\s+(?P<v>[A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*(?:async\s+)?
        (?:function\b|\([^)]*\)\s*(?::\s*[^=\n]+)?=>|[A-Za-z_$][\w$]*\s*=>)
      |(?:interface|type)\s+(?P<t>[A-Za-z_$][\w$]*))""",
    re.M | re.X,
)
JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


def js_definitions(text: str) -> dict[str, str]:
    """Top-level functions, arrow-function constants, classes, interfaces and types of
    ``text``: name -> the JSDoc comment before it and its head up to the body's ``{``."""
    found: dict[str, str] = {}
    for match in _JS_DEF.finditer(text):
        if match.group(0)[:1] in " \t":
            continue  # indented: not top level
        name = next(g for g in match.group("f", "c", "v", "t") if g)
        head = _js_head(text, match.start())
        doc = _jsdoc_before(text, match.start())
        found.setdefault(name, (doc + "\n" if doc else "") + head)
    return found


def _js_head(text: str, start: int) -> str:
    """From ``start`` to the ``{`` or ``=>`` that opens the body (outside parentheses),
    within :data:`MAX_DOC_CHARS` characters; else the first line."""
    depth = 0
    end = min(len(text), start + MAX_DOC_CHARS)
    for i in range(start, end):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c == "{":
            return text[start:i].rstrip() + " { … }"
        elif depth == 0 and text.startswith("=>", i):
            return text[start : i + 2] + " …"
    return text[start:end].split("\n", 1)[0]


def _jsdoc_before(text: str, start: int) -> str:
    before = text[:start].rstrip()
    if not before.endswith("*/"):
        return ""
    begin = before.rfind("/**")
    if begin < 0 or "*/" in before[begin:-2]:
        return ""
    doc = before[begin:]
    return doc if len(doc) <= MAX_DOC_CHARS else doc[:MAX_DOC_CHARS].rsplit("\n", 1)[0] + "\n */"


def js_imports(text: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """``import … from "./relative"`` lines of ``text``: (specifier, ((name, as), …))."""
    found = []
    for match in _JS_IMPORT.finditer(text):
        default, named, specifier = match.groups()
        names: list[tuple[str, str]] = []
        if default:
            names.append(("default", default))
        for part in (named or "").split(","):
            bits = part.replace("type ", "").split(" as ")
            if bits[0].strip():
                names.append((bits[0].strip(), bits[-1].strip()))
        found.append((specifier, tuple(names)))
    return found


def js_module_files(specifier: str, source: str) -> tuple[str, ...]:
    """Workspace-relative files a relative ``specifier`` in ``source`` may name."""
    joined = PurePosixPath(source).parent / specifier
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not parts:
                return ()
            parts.pop()
        elif part != ".":
            parts.append(part)
    base = "/".join(parts)
    stem = re.sub(r"\.[mc]?js$", "", base)
    found = [base] if PurePosixPath(base).suffix in JS_EXTENSIONS else []
    found += [stem + ext for ext in JS_EXTENSIONS]
    found += [f"{base}/index{ext}" for ext in JS_EXTENSIONS]
    return tuple(dict.fromkeys(found))


# Gathering -----------------------------------------------------------------------------


def gather(
    boundary: Boundary,
    root: PurePosixPath,
    source: str,
    text: str,
    selection: str,
    lines: tuple[int, int],
    language: str,
    import_roots: tuple[str, ...] = (".",),
    withheld: Withheld = ONLY_SECRETS,
) -> tuple[Definition, ...]:
    """The definitions ``selection`` (lines ``lines`` of the file ``source``, relative to
    ``root``, holding ``text``) uses, the most used first; never from a ``withheld`` file."""
    is_python = language == "python" or source.endswith(".py")
    is_js = not is_python and (
        PurePosixPath(source).suffix in JS_EXTENSIONS or "script" in language
    )
    if not (is_python or is_js):
        return ()
    wanted = referenced(selection, "python" if is_python else "js")
    if not wanted:
        return ()
    outside = _without_lines(text, lines)
    local = python_definitions(outside) if is_python else js_definitions(outside)
    inside = python_definitions(selection) if is_python else js_definitions(selection)
    where: dict[str, Definition] = {
        name: Definition(name, local[name], source)
        for name in wanted
        if name in local and name not in inside
    }
    imports: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]
    if is_python:
        imports = [
            (python_module_files(level, module, source, import_roots), names)
            for level, module, names in python_imports(text)
        ]
    else:
        imports = [(js_module_files(spec, source), names) for spec, names in js_imports(text)]
    modules = 0
    wanted_set = set(wanted)
    for files, names in imports:
        needed = [
            (name, alias) for name, alias in names if alias in wanted_set and alias not in where
        ]
        if not needed or modules >= MAX_MODULES:
            continue
        for relative in files:
            found = _read(boundary, root, relative, withheld)
            if found is None:
                continue
            modules += 1
            defined = python_definitions(found) if is_python else js_definitions(found)
            for name, alias in needed:
                key = name if name != "default" else _js_default(found)
                if key in defined:
                    where[alias] = Definition(alias, defined[key], relative)
            break
    ordered = [where[name] for name in wanted if name in where]
    return tuple(ordered[:MAX_DEFINITIONS])


def _js_default(text: str) -> str:
    match = re.search(r"export\s+default\s+(?:async\s+)?(?:function\*?|class)\s+([\w$]+)", text)
    return match.group(1) if match else ""


def _without_lines(text: str, lines: tuple[int, int]) -> str:
    """``text`` with the selected lines blanked (so line numbers stay)."""
    split = text.split("\n")
    for i in range(lines[0], min(lines[1] + 1, len(split))):
        split[i] = ""
    return "\n".join(split)


def _read(boundary: Boundary, root: PurePosixPath, relative: str, withheld: Withheld) -> str | None:
    if not relative or relative.startswith("../"):
        return None
    return read_listed(
        boundary,
        root,
        relative,
        limit=MAX_PARSED_CHARS,
        purpose="definitions",
        withheld=withheld,
    )


def import_roots(root: str, source: str) -> tuple[str, ...]:
    """Folders (workspace-relative) absolute imports of ``source`` start from: the root,
    ``src``, and the folder above the source's top package. Blocks (looks for
    ``__init__.py`` files)."""
    import os

    folder = PurePosixPath(source).parent
    while folder != PurePosixPath(".") and os.path.isfile(
        os.path.join(root, str(folder), "__init__.py")
    ):
        folder = folder.parent
    return tuple(dict.fromkeys((str(folder), ".", "src")))
