"""A raw-pipe LSP client: the real ``poe-lsp`` process, its stdout parsed byte for byte.

pygls' own reader skips junk between messages, and pytest-lsp always says ``shutdown`` before
``exit``; the lifecycle and framing tests need neither, so they talk to the server through
this instead. A reader thread splits stdout into messages strictly (any byte outside a
``Content-Length`` frame is recorded in :attr:`RawServer.junk`) and answers the server's own
requests the way a simple editor would.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lsprotocol import types as t
from pygls.workspace import TextDocument

from tests.e2e.conftest import server_env


def frame(message: dict[str, Any]) -> bytes:
    """``message`` as the LSP base protocol frames it."""
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


CAPABILITIES: dict[str, Any] = {
    "workspace": {"applyEdit": True, "configuration": False},
    "window": {"workDoneProgress": True},
}
"""An editor that applies edits and shows progress, with unversioned edits."""


class RawServer:
    """``poe-lsp`` started with pipes; messages read strictly from its stdout."""

    def __init__(self, tmp_path: Path, *, answer_edits: bool = True) -> None:
        """Start the server (``-v``, log to ``tmp_path/poe-lsp.log``); nothing is sent yet."""
        self.log_file = tmp_path / "poe-lsp.log"
        self.answer_edits = answer_edits
        self.messages: list[dict[str, Any]] = []
        self.junk: list[bytes] = []
        self.docs: dict[str, TextDocument] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "poe_lsp", "-v", "--log-file", str(self.log_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=server_env(),
        )
        self._stderr: list[bytes] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        self._err = threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True)
        self._err.start()

    # Sending --------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        """Write raw bytes to the server's stdin (ignored once the pipe is broken)."""
        assert self.process.stdin is not None
        with self._write_lock:
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass

    def send(self, message: dict[str, Any]) -> None:
        """Send one framed message."""
        self.send_bytes(frame(message))

    def request(self, msg_id: int, method: str, params: Any = None) -> None:
        """Send a request (without waiting for the answer)."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def notify(self, method: str, params: Any = None) -> None:
        """Send a notification."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def close_stdin(self) -> None:
        """End the server's input, as an editor that crashed."""
        assert self.process.stdin is not None
        with self._write_lock, contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()

    def initialize(self, settings: dict[str, Any], root: Path) -> dict[str, Any]:
        """Run ``initialize`` and ``initialized``; return the initialize answer."""
        params = {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": CAPABILITIES,
            "initializationOptions": {"poe": settings},
        }
        self.request(1, "initialize", params)
        answer = self.wait_for(lambda m: m.get("id") == 1 and "method" not in m)
        self.notify("initialized", {})
        return answer

    # Receiving ------------------------------------------------------------------------

    def received(self) -> list[dict[str, Any]]:
        """Every message the server sent so far."""
        with self._lock:
            return list(self.messages)

    def wait_for(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """Return the first message ``matches`` accepts, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received():
                if matches(message):
                    return message
            if time.monotonic() > deadline:
                raise TimeoutError(f"no such message; got {self.received()[-5:]}")
            time.sleep(0.01)

    def response(self, msg_id: int, timeout: float = 10.0) -> dict[str, Any]:
        """The server's answer to request ``msg_id``."""
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the process to end; its exit code, or None if it still runs."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def stderr(self) -> str:
        """What the server wrote to stderr so far."""
        with self._lock:
            return b"".join(self._stderr).decode(errors="replace")

    def logged(self, text: str, timeout: float = 5.0) -> bool:
        """Wait until ``text`` appears on the server's stderr; whether it did.

        The server writes its log from its own threads, so a line may come a moment after
        the answer it goes with.
        """
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self) -> None:
        """Kill the process if it still runs, and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._reader.join(5)
        self._err.join(5)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()

    def _drain(self, pipe: IO[bytes]) -> None:
        for line in iter(pipe.readline, b""):
            with self._lock:
                self._stderr.append(line)

    def _read(self, pipe: IO[bytes]) -> None:
        """Split stdout into messages; anything else is junk."""
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = pipe.read(1)
                if not byte:
                    if header:
                        self.junk.append(header)
                    return
                header += byte
            fields: dict[bytes, bytes] = {}
            for line in header[:-4].split(b"\r\n"):
                name, sep, value = line.partition(b": ")
                if not sep or name not in (b"Content-Length", b"Content-Type"):
                    self.junk.append(line)
                fields[name] = value
            try:
                length = int(fields.get(b"Content-Length", b""))
            except ValueError:
                self.junk.append(header)
                continue
            body = pipe.read(length)
            try:
                message = json.loads(body)
            except ValueError:
                self.junk.append(body)
                continue
            with self._lock:
                self.messages.append(message)
            self._answer(message)

    def _answer(self, message: dict[str, Any]) -> None:
        """Answer the server's requests as a simple editor does."""
        if "method" not in message or "id" not in message:
            return
        method = message["method"]
        result: Any = None
        if method == "workspace/applyEdit":
            if not self.answer_edits:
                return
            self._apply(message["params"]["edit"])
            result = {"applied": True}
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def open(self, uri: str, text: str) -> None:
        """Open ``uri`` with ``text``."""
        self.docs[uri] = TextDocument(uri, text, version=1)
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def _apply(self, edit: dict[str, Any]) -> None:
        """Apply an unversioned edit and report it with ``didChange``, as VS Code does."""
        for uri, text_edits in (edit.get("changes") or {}).items():
            doc = self.docs[uri]
            for text_edit in text_edits:
                change = {"range": text_edit["range"], "text": text_edit["newText"]}
                doc.apply_change(
                    t.TextDocumentContentChangePartial(
                        range=_range(text_edit["range"]), text=text_edit["newText"]
                    )
                )
                doc.version = (doc.version or 0) + 1
                self.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": doc.version},
                        "contentChanges": [change],
                    },
                )


def _range(raw: dict[str, Any]) -> t.Range:
    start, end = raw["start"], raw["end"]
    return t.Range(
        start=t.Position(line=start["line"], character=start["character"]),
        end=t.Position(line=end["line"], character=end["character"]),
    )
