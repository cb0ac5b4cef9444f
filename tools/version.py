"""One version for the server and every client we ship.

``poe_lsp/__init__.py``'s ``__version__`` is the source. The VS Code extension
(``package.json`` and its lock file), the Neovim plugin (``lua/poe_lsp/version.lua``) and the
Emacs package (the ``Version:`` header of ``poe-eglot.el``) carry copies, which this module
checks and writes:

    python -m tools.version          # exit 1, naming each stale copy
    python -m tools.version --write  # bring every copy to __version__
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "poe_lsp" / "__init__.py"


def source_version() -> str:
    """``__version__`` as written in ``poe_lsp/__init__.py`` (read, not imported)."""
    match = re.search(r'^__version__ = "([^"]+)"$', SOURCE.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"{SOURCE}: no __version__ line")
    return match.group(1)


@dataclass(frozen=True)
class Copy:
    """A file holding the version: how to read it, and how to rewrite it."""

    path: Path
    read: Callable[[str], str | None]
    write: Callable[[str, str], str]


def _json_read(text: str) -> str | None:
    data = json.loads(text)
    versions = {data.get("version")}
    if "packages" in data:  # package-lock.json: the root package is listed again under ""
        versions.add(data["packages"][""].get("version"))
    return versions.pop() if len(versions) == 1 else None


def _json_write(text: str, version: str) -> str:
    data = json.loads(text)
    data["version"] = version
    if "packages" in data:
        data["packages"][""]["version"] = version
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _pattern(
    regex: str, template: str
) -> tuple[Callable[[str], str | None], Callable[[str, str], str]]:
    compiled = re.compile(regex, re.MULTILINE)

    def read(text: str) -> str | None:
        match = compiled.search(text)
        return match.group(1) if match else None

    def write(text: str, version: str) -> str:
        return compiled.sub(template.format(version=version), text, count=1)

    return read, write


COPIES = (
    Copy(ROOT / "editors/vscode/package.json", _json_read, _json_write),
    Copy(ROOT / "editors/vscode/package-lock.json", _json_read, _json_write),
    Copy(
        ROOT / "editors/neovim/lua/poe_lsp/version.lua",
        *_pattern(r"^return '([^']+)'$", "return '{version}'"),
    ),
    Copy(
        ROOT / "editors/emacs/poe-eglot.el",
        *_pattern(r"^;; Version: (\S+)$", ";; Version: {version}"),
    ),
)


def stale(version: str) -> list[str]:
    """A line for each copy that does not carry ``version``."""
    problems = []
    for copy in COPIES:
        found = copy.read(copy.path.read_text())
        if found != version:
            problems.append(f"{copy.path.relative_to(ROOT)}: {found} (want {version})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.version", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the stale copies")
    args = parser.parse_args(argv)
    version = source_version()
    if args.write:
        for copy in COPIES:
            text = copy.path.read_text()
            if copy.read(text) != version:
                copy.path.write_text(copy.write(text, version))
                print(f"{copy.path.relative_to(ROOT)}: {version}")
        return 0
    problems = stale(version)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print("run: python -m tools.version --write", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
