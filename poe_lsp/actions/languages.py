"""Language ids (as LSP clients name them) for files the editor has not opened."""

from __future__ import annotations

from pathlib import PurePath

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescriptreact",
    ".jsx": "javascriptreact",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".rb": "ruby",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".lua": "lua",
    ".sh": "shellscript",
    ".md": "markdown",
}


def language_for(path: str | PurePath) -> str:
    """Return the LSP language id of ``path`` by its extension, ``plaintext`` if unknown."""
    return LANGUAGES.get(PurePath(path).suffix, "plaintext")
