"""The ``poe-lsp`` process itself: command line, start-up imports, a clean stdout, no key leaks.

pygls' own reader skips junk between messages, so these tests read the server's stdout
byte for byte instead of through a pygls client.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import poe_lsp
from tests.e2e.conftest import server_env
from tests.e2e.test_poe_failures import FAILURES
from tests.fakepoe import FakePoe

KEY = "raw-pipe-key-5f3a9c0e11"


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "poe_lsp", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"poe-lsp {poe_lsp.__version__}"


PIPELINE_MODULES = (
    "poe_lsp.actions.plan",
    "poe_lsp.actions.prompt",
    "poe_lsp.actions.run",
    "poe_lsp.actions.targets",
    "poe_lsp.actions.chat",
    "poe_lsp.actions.definitions",
    "poe_lsp.git",
)


def test_answering_initialize_imports_neither_fastapi_poe_nor_the_action_pipeline() -> None:
    """Both load after ``initialized``: fastapi_poe in a thread, the pipeline on the loop."""
    probe = (
        "import importlib, sys\n"
        "from poe_lsp.lsp.handlers import build_server\n"
        "from poe_lsp.lsp.handlers.lifecycle import PIPELINE\n"
        "from poe_lsp.cli import parse_args\n"
        "parse_args([]); build_server()\n"
        f"heavy = ('fastapi_poe', 'fastapi', 'uvicorn', 'httpx', *{PIPELINE_MODULES!r})\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "for name in PIPELINE: importlib.import_module(name)\n"
        f"print(sorted(m for m in {PIPELINE_MODULES!r} if m not in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "[]"]


class _Collector:
    """Reads a pipe to its end in a thread, so a test can wait for what arrived so far."""

    def __init__(self, pipe: IO[bytes] | None) -> None:
        assert pipe is not None
        self._pipe = pipe
        self._data = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while chunk := os.read(self._pipe.fileno(), 65536):
            with self._lock:
                self._data += chunk

    def wait_until(self, done: Callable[[bytes], bool], timeout: float) -> bool:
        """Wait until what has arrived so far is ``done``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                data = bytes(self._data)
            if done(data):
                return True
            time.sleep(0.05)
        return False

    def everything(self) -> bytes:
        """Wait for the end of the pipe and return all it held."""
        self._thread.join(timeout=15)
        with self._lock:
            return bytes(self._data)


def _unexplained(data: bytes) -> list[str]:
    """The failures whose message the user has not been shown in ``data`` (whole frames)."""
    shown = []
    for part in data.split(b"Content-Length: ")[1:]:
        body = part.partition(b"\r\n\r\n")[2]
        with contextlib.suppress(ValueError):
            message = json.loads(body)
            if message.get("method") == "window/showMessage":
                shown.append(message["params"]["message"].lower())
    return [
        name
        for name, failure in FAILURES.items()
        if not any(failure.says.lower() in text for text in shown)
    ]


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def _parse_strictly(data: bytes) -> list[dict[str, Any]]:
    """Split stdout into JSON-RPC messages; fail on any byte that is not part of one."""
    messages = []
    while data:
        header, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"bytes outside a message: {data[:80]!r}"
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        assert set(fields) <= {b"Content-Length", b"Content-Type"}, f"junk in a header: {header!r}"
        length = int(fields[b"Content-Length"])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def test_stdout_holds_only_json_rpc_under_every_failure_and_the_key_leaks_nowhere(
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "poe-lsp.log"
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    return 1\n")
    arguments = {
        "textDocument": {"uri": source.as_uri()},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}},
    }
    with FakePoe() as poe:
        for name, failure in FAILURES.items():
            if failure.script is not None:
                poe.set_script(f"Fail-{name}", failure.script)
        settings = {"apiKey": KEY, "baseUrl": poe.base_url, "trustedBots": ["*"], "readTimeout": 1}
        init = {
            "processId": None,
            "rootUri": tmp_path.as_uri(),
            "capabilities": {},
            "initializationOptions": {"poe": settings},
        }
        messages: list[dict[str, Any]] = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        ]
        for index, name in enumerate(FAILURES, start=2):
            command = {
                "command": "poe.explain",
                "arguments": [{**arguments, "bot": f"Fail-{name}"}],
            }
            messages.append(
                {
                    "jsonrpc": "2.0",
                    "id": index,
                    "method": "workspace/executeCommand",
                    "params": command,
                }
            )
        server = subprocess.Popen(
            [sys.executable, "-m", "poe_lsp", "-vv", "--log-file", str(log_file)],
            env=server_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert server.stdin is not None
        server.stdin.write(b"".join(_frame(m) for m in messages))
        server.stdin.flush()
        out, err = _Collector(server.stdout), _Collector(server.stderr)
        expected = sum(f.requests for f in FAILURES.values())
        assert poe.wait_for_requests(expected, timeout=30), len(poe.requests)
        assert out.wait_until(lambda data: not _unexplained(data), timeout=30), _unexplained(
            out.everything()
        )
        last = len(messages)
        server.stdin.write(_frame({"jsonrpc": "2.0", "id": last, "method": "shutdown"}))
        server.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit"}))
        server.stdin.flush()
        server.wait(timeout=15)
        stdout, stderr = out.everything(), err.everything()

    received = _parse_strictly(stdout)
    assert not _unexplained(stdout)
    answered = [m["id"] for m in received if "id" in m and "result" in m]
    assert answered == list(range(1, last + 1))
    for where in (stdout, stderr, log_file.read_bytes()):
        assert KEY.encode() not in where
    assert b"Fail-500" in log_file.read_bytes(), "the log file gets the server's log"
