"""``python -m bench.traced_server OUT``: poe-lsp, recording which of its own functions run
between ``workspace/executeCommand`` reaching the command handlers and the first
``workspace/applyEdit`` (``LspEditor.apply``); written to ``OUT`` as JSON at exit.

A profiler hook (every thread) sees each call; only poe-lsp's own files are kept, each
function once, in the order they first ran, and only calls made for that command: the handler
marks its context (a :class:`~contextvars.ContextVar`), which the tasks and threads it starts
inherit, so the server's other work meanwhile (reading stdin, other requests) is left out.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import poe_lsp

PACKAGE = str(Path(poe_lsp.__file__).parent) + "/"
START = ("lsp/handlers/commands.py", "_starter.<locals>.start")
"""The first function of the path: the handler of an action's ``workspace/executeCommand``."""
END = ("lsp/editor.py", "apply")
"""The last: ``LspEditor.apply``, which sends ``workspace/applyEdit``."""


ON_PATH: contextvars.ContextVar[bool] = contextvars.ContextVar("on_path", default=False)


def main() -> None:
    out = Path(sys.argv[1])
    seen: dict[tuple[str, str], None] = {}
    state = {"done": False}

    def write() -> None:
        out.write_text(json.dumps({"complete": state["done"], "calls": list(seen)}))

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or state["done"]:
            return
        filename = frame.f_code.co_filename
        if not filename.startswith(PACKAGE):
            return
        where = (filename[len(PACKAGE) :], frame.f_code.co_qualname)
        if not ON_PATH.get():
            if where != START:
                return
            ON_PATH.set(True)
        seen.setdefault(where)
        if where[0] == END[0] and where[1].endswith("." + END[1]):
            state["done"] = True
            write()  # now: the process may leave through os._exit

    atexit.register(write)
    sys.setprofile(hook)
    threading.setprofile(hook)
    sys.argv[1:] = []
    from poe_lsp.cli import main as poe_lsp_main

    sys.exit(poe_lsp_main())


if __name__ == "__main__":
    main()
