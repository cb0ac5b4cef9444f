"""The terminal host: ``poe-lsp explain|refactor|tests|ask FILE:LINES`` and ``poe-lsp balance``
for shell scripts.

It runs the same :func:`~poe_lsp.actions.run.run_action` as the language server, against a
:class:`~poe_lsp.actions.run.Host` whose "editor" is a set of documents held in memory
(:mod:`poe_lsp.shell.memory`). What the answer adds streams to stdout
(:mod:`poe_lsp.shell.output`); ``--write`` saves the result once the answer is complete.
Only :mod:`poe_lsp.shell.command` imports the heavy parts, so parsing the command line
stays cheap for the server.
"""
