"""Where the tests for a source file belong, by the conventions of its language."""

from __future__ import annotations

from pathlib import PurePosixPath


def test_path_for(
    source: PurePosixPath, root: PurePosixPath | None, language: str
) -> PurePosixPath:
    """Return the conventional test file for ``source`` (both absolute paths).

    Python: ``<root>/tests/test_<module>.py``. JavaScript/TypeScript: ``<name>.test.<ext>``
    beside the source. Go: ``<name>_test.go`` beside it. Rust: the source itself (a
    ``#[cfg(test)] mod tests`` at its end). Java under ``src/main/java``: the same package
    under ``src/test/java`` as ``<Name>Test.java``. Ruby: ``<root>/spec/<name>_spec.rb``.
    Others: ``<root>/tests/test_<name><ext>``.
    """
    base = root if root is not None and _inside(source, root) else source.parent
    stem, suffix = source.stem, source.suffix
    if language == "python" or suffix == ".py":
        if stem.startswith("test_") or stem.endswith("_test"):
            return source
        return base / "tests" / f"test_{stem}.py"
    if language in ("javascript", "typescript", "javascriptreact", "typescriptreact") or suffix in (
        ".js",
        ".ts",
        ".jsx",
        ".tsx",
        ".mjs",
        ".cjs",
    ):
        if ".test" in stem or ".spec" in stem:
            return source
        return source.with_name(f"{stem}.test{suffix}")
    if language == "go" or suffix == ".go":
        return source if stem.endswith("_test") else source.with_name(f"{stem}_test.go")
    if language == "rust" or suffix == ".rs":
        return source
    if language == "java" or suffix == ".java":
        parts = source.parts
        for index in range(len(parts) - 2):
            if parts[index : index + 3] == ("src", "main", "java"):
                package = parts[index + 3 : -1]
                return PurePosixPath(
                    *parts[:index], "src", "test", "java", *package, f"{stem}Test.java"
                )
        return source.with_name(f"{stem}Test.java")
    if language == "ruby" or suffix == ".rb":
        return base / "spec" / f"{stem}_spec.rb"
    return base / "tests" / f"test_{stem}{suffix}"


def _inside(path: PurePosixPath, root: PurePosixPath) -> bool:
    return path.is_relative_to(root)
