"""The terminal host: ``poe-lsp explain|refactor|tests|ask FILE:LINES`` and ``poe-lsp balance``
for shell scripts.

It runs the same :func:`~poe_lsp.actions.run.run_action` as the language server, with a
:class:`~poe_lsp.terminal.host.TerminalEditor` (files from disk, messages on stderr) and a
:class:`~poe_lsp.terminal.host.TerminalTarget`: the answer streams to stdout
(:mod:`poe_lsp.terminal.output`), and ``--write`` saves it once it is complete. Only
:mod:`poe_lsp.terminal.command` imports the heavy parts, so parsing the command line stays
cheap for the server.
"""
