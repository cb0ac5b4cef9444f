--- The plugin's version: the server's (`poe_lsp/__init__.py`), copied by `python -m tools.version`.
return '0.2.0'
