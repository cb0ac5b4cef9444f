"""``python -m poe_lsp``: the same as the ``poe-lsp`` console script."""

from poe_lsp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
