"""The layering docs/architecture.md promises, checked on the source: pygls only in the LSP
layer, fastapi_poe only behind the Poe client."""

from __future__ import annotations

import ast
from pathlib import Path

import poe_lsp

PACKAGE = Path(poe_lsp.__file__).parent


def _imports(path: Path) -> set[str]:
    """The top-level packages ``path`` imports (anywhere in the module, lazily or not)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _importers(package: str) -> set[str]:
    return {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if package in _imports(path)
    }


def test_only_the_lsp_layer_imports_pygls() -> None:
    outside = {p for p in _importers("pygls") if not p.startswith("lsp/")}
    assert outside == set()
    # The check sees the imports it is about.
    assert {"lsp/server.py", "lsp/editor.py", "lsp/workspace.py"} <= _importers("pygls")


def test_only_the_poe_client_imports_fastapi_poe() -> None:
    assert _importers("fastapi_poe") == {"poe/fastapi_client.py"}
