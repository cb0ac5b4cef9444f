"""Where Write tests writes: the module's existing test file, else where the project keeps
its tests, else the language's convention (:func:`~poe_lsp.actions.testfile.test_path_for`).

:func:`place_tests` is pure: it decides from a :class:`~poe_lsp.actions.listing.Listing` of
the workspace. :func:`locate_tests` lists the workspace (off the event loop) and decides.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from poe_lsp.actions.listing import Listing, list_files
from poe_lsp.actions.testfile import test_path_for

JS_SUFFIXES = (".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_LANGUAGES = ("javascript", "typescript", "javascriptreact", "typescriptreact")
_PY_TEST = re.compile(r"(test_\w+|\w+_test)\.py")
_JS_TEST = re.compile(r"[\w.-]+\.(test|spec)\.[mc]?[jt]sx?")


def family(source: PurePosixPath, language: str) -> str:
    """``"python"``, ``"js"``, ``"go"`` or ``"other"``: which conventions ``source`` follows."""
    if language == "python" or source.suffix == ".py":
        return "python"
    if language in _JS_LANGUAGES or source.suffix in JS_SUFFIXES:
        return "js"
    if language == "go" or source.suffix == ".go":
        return "go"
    return "other"


def test_names(source: PurePosixPath, language: str) -> tuple[str, ...]:
    """The file names (or ``__tests__/`` paths) a test file of ``source`` may have."""
    stem, suffix = source.stem, source.suffix
    kind = family(source, language)
    if kind == "python":
        return (f"test_{stem}.py", f"{stem}_test.py")
    if kind == "js":
        names = [f"{stem}.{mark}{ext}" for mark in ("test", "spec") for ext in JS_SUFFIXES]
        names += [f"__tests__/{stem}{ext}" for ext in JS_SUFFIXES]
        return tuple(names)
    if kind == "go":
        return ()  # Go's tests live beside the source: the convention
    if suffix == ".rb":
        return (f"{stem}_spec.rb", f"test_{stem}.rb", f"{stem}_test.rb")
    if suffix == ".java":
        return (f"{stem}Test.java", f"{stem}Tests.java", f"Test{stem}.java")
    if suffix == ".rs":
        return ()
    return (f"test_{stem}{suffix}", f"{stem}_test{suffix}")


def distance(a: PurePosixPath, b: PurePosixPath) -> int:
    """Folder steps from folder ``a`` to folder ``b``: up to their common folder, then down."""
    common = 0
    for x, y in zip(a.parts, b.parts, strict=False):
        if x != y:
            break
        common += 1
    return len(a.parts) - common + len(b.parts) - common


def place_tests(
    listing: Listing,
    source: str,
    language: str,
    conventional: str | None = None,
    conventional_exists: bool = False,
) -> tuple[str, bool]:
    """Return the workspace-relative test file for the relative ``source`` and whether it
    exists: the existing one nearest the source (``conventional`` wins a tie, and counts as
    existing when ``conventional_exists``, e.g. through a linked folder the walk did not
    enter), else a new one where the project keeps its tests, else ``conventional``."""
    path = PurePosixPath(source)
    convention = conventional or str(test_path_for(path, PurePosixPath("."), language))
    if convention == source:
        return source, True
    names = test_names(path, language)
    found = [
        f
        for f in listing.files
        if f != source and any(f == n or f.endswith("/" + n) for n in names)
    ]
    if conventional_exists or listing.has(convention):
        found.append(convention)
    if found:
        here = path.parent
        best = min(
            found,
            key=lambda f: (distance(here, PurePosixPath(f).parent), f != convention, f),
        )
        return best, True
    return _by_layout(listing, path, language) or convention, False


def _by_layout(listing: Listing, source: PurePosixPath, language: str) -> str | None:
    """A new test file where most of the project's tests of this language are."""
    kind = family(source, language)
    if kind == "python":
        tests = [f for f in listing.files if _PY_TEST.fullmatch(PurePosixPath(f).name)]
    elif kind == "js":
        tests = [
            f
            for f in listing.files
            if _JS_TEST.fullmatch(PurePosixPath(f).name) or "/__tests__/" in f"/{f}"
        ]
    else:
        return None
    if not tests:
        return None
    folders = Counter(str(PurePosixPath(f).parent) for f in tests)
    sources = {str(PurePosixPath(f).parent) for f in listing.files if f not in set(tests)}
    here = source.parent
    stem, suffix = source.stem, source.suffix
    if kind == "js":
        if all("/__tests__/" in f"/{f}" for f in tests):
            return str(here / "__tests__" / f"{stem}.test{suffix}")
        mark = "spec" if sum(".spec." in f for f in tests) * 2 > len(tests) else "test"
        beside = sum(n for folder, n in folders.items() if folder in sources)
        if beside * 2 >= len(tests):
            return str(here / f"{stem}.{mark}{suffix}")
    folder = min(
        folders,
        key=lambda f: (
            -folders[f],
            "unit" not in PurePosixPath(f).parts,
            distance(here, PurePosixPath(f)),
            f,
        ),
    )
    name = f"test_{stem}.py" if kind == "python" else f"{stem}.test{suffix}"
    return str(PurePosixPath(folder) / name) if folder != "." else name


@dataclass(frozen=True)
class TestPlace:
    """The test file Write tests extends, decided before its job starts."""

    path: PurePosixPath
    """Absolute."""
    listing: Listing | None = None
    """The workspace listing it was found in (none: the convention, without a walk)."""


def locate_tests(root: PurePosixPath | None, source: PurePosixPath, language: str) -> TestPlace:
    """Return the test file for the absolute ``source``; outside the workspace folder, the
    convention. Blocks: walks the workspace."""
    if root is None or not source.is_relative_to(root) or source == root:
        return TestPlace(test_path_for(source, root, language))
    conventional = test_path_for(source, root, language)
    if family(source, language) == "go" or source.suffix == ".rs":
        return TestPlace(conventional)
    listing = list_files(str(root))
    relative = str(source.relative_to(root))
    convention = str(conventional.relative_to(root)) if conventional.is_relative_to(root) else None
    exists = conventional.is_relative_to(root) and _regular_inside(conventional, root)
    found, _ = place_tests(listing, relative, language, convention, exists)
    return TestPlace(root / found, listing)


def _regular_inside(path: PurePosixPath, root: PurePosixPath) -> bool:
    """Whether ``path`` is a regular file whose real place is inside ``root``."""
    real = os.path.realpath(path)
    return PurePosixPath(real).is_relative_to(os.path.realpath(root)) and os.path.isfile(real)
