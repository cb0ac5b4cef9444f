"""The LSP layer: the only package that imports pygls.

:mod:`~poe_lsp.lsp.server` (the pygls subclass, wiring only), :mod:`~poe_lsp.lsp.handlers` (one
module per LSP request family), :mod:`~poe_lsp.lsp.editor` (``LspEditor``, the
:class:`~poe_lsp.editor.Editor` over LSP), :mod:`~poe_lsp.lsp.workspace` (the documents, with
LSP's lines), :mod:`~poe_lsp.lsp.stdio` and :mod:`~poe_lsp.lsp.transport` (the connection).
Everything else is plain Python that an editor or the terminal drives.
"""
