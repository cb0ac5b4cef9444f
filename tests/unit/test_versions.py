"""The server, the VS Code extension, the Neovim plugin and the Emacs package share a version."""

from __future__ import annotations

import poe_lsp
from tools import version


def test_every_client_carries_the_servers_version() -> None:
    assert version.source_version() == poe_lsp.__version__
    assert version.stale(poe_lsp.__version__) == [], "run: python -m tools.version --write"


def test_write_fixes_a_stale_copy() -> None:
    for copy in version.COPIES:
        text = copy.path.read_text()
        rewritten = copy.write(copy.write(text, "9.8.7"), poe_lsp.__version__)
        assert copy.read(copy.write(text, "9.8.7")) == "9.8.7", copy.path
        assert rewritten == text, f"{copy.path}: a round trip changes nothing else"
