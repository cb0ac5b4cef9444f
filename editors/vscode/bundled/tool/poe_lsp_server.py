"""Start the poe-lsp bundled with the VS Code extension, from ``../libs``.

The extension runs ``PYTHON -I poe_lsp_server.py [ARGS]``: ``-I`` keeps the workspace, the user's
site-packages and ``PYTHON*`` variables out of ``sys.path``, so only the bundled libraries (and
the standard library) are imported. Exit code 3 with a message when Python is too old.
"""

import os
import sys

if sys.version_info < (3, 11):
    sys.stderr.write(
        f"poe-lsp needs Python 3.11 or newer; {sys.executable} is {sys.version.split()[0]}\n"
    )
    raise SystemExit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs"))

from poe_lsp.cli import main  # noqa: E402

raise SystemExit(main())
