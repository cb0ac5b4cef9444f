"""poe-lsp: a language server that streams answers from Poe bots into any LSP editor."""

__version__ = "0.2.0"
