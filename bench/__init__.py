"""poe-lsp's benchmarks: the real ``poe-lsp`` process against a fake Poe bot, measured side by side.

``python -m bench`` runs them all and writes the table (``bench/results/``); ``--quick`` runs
tiny sizes, as CI does. What each number means: ``docs/performance.md``.
"""
