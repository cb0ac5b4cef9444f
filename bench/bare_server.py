"""The start-up baseline: a bare pygls language server, started like poe-lsp
(``python -m bench.bare_server``) and answering ``initialize`` with pygls' defaults."""

from __future__ import annotations

from pygls.lsp.server import LanguageServer


def main() -> None:
    """Serve on stdio until the client says ``exit``."""
    LanguageServer("bare-pygls", "0").start_io()


if __name__ == "__main__":
    main()
