"""The server on stdin/stdout: poe-lsp's own reader, and its own end of the connection.

pygls 2.1's ``start_io`` reads stdin in its thread pool with an exact-bytes header match
(a lower-case ``content-length`` or a wrong length wedges it), drops requests after
``shutdown`` without an answer, and on ``exit`` or end of input leaves the running jobs to
``asyncio.run``'s clean-up, which waits for them (and for their rollbacks' unanswered
``workspace/applyEdit``), then joins the thread still blocked on stdin. Here instead:

* a daemon thread reads the raw file descriptor and hands the bytes to the event loop;
  :class:`~poe_lsp.lsp.transport.Framer` splits them into messages and reports what is not one;
* invalid JSON gets a ``ParseError`` (-32700) answer, a message that is not JSON-RPC an
  ``InvalidRequest`` (-32600); so do requests after ``shutdown`` and a second ``initialize``,
  and requests before ``initialize`` get ``ServerNotInitialized`` (-32002);
* ``exit`` and the end of input end the connection at once: the editor is taken as gone (no
  more edits are sent or waited for), every job is cancelled, its Poe stream closed, and the
  process ends with 0 after ``shutdown`` and 1 otherwise, within :data:`LEAVE_TIMEOUT`.

Nothing but JSON-RPC frames is written to stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from typing import Any, BinaryIO, Protocol

from pygls.exceptions import JsonRpcException

from poe_lsp.lsp.transport import Framer, Message, Problem

log = logging.getLogger(__name__)

STALL_TIMEOUT = 0.5
"""Seconds of silence after which an incomplete body is checked for a whole JSON value."""
LEAVE_TIMEOUT = 0.6
"""Seconds the jobs get to stop once the editor is gone."""
SHUTDOWN_ANSWER_TIMEOUT = 3.0
"""Seconds an ``exit`` sent right behind ``shutdown`` waits for the shutdown's answer."""
HARD_EXIT_AFTER = 2.0
"""Seconds after leaving began at which the process ends whatever still runs."""

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002


class Server(Protocol):
    """What the connection needs from the language server."""

    @property
    def protocol(self) -> Any: ...

    def editor_left(self) -> None:
        """The editor is gone: send nothing more, wait for no answer."""
        ...

    async def close(self, timeout: float) -> None:
        """Stop every job (waiting at most ``timeout`` seconds) and close connections."""
        ...


class StdoutWriter:
    """pygls' writer: frames go to stdout until it is closed or the editor's end is gone."""

    def __init__(self, stdout: BinaryIO) -> None:
        self._stdout = stdout
        self._lock = threading.Lock()
        self.closed = False

    def write(self, data: bytes) -> None:
        """Write one frame, or drop it once the connection is over."""
        with self._lock:
            if self.closed:
                log.debug("not sent, the editor is gone: %.80r", data)
                return
            try:
                self._stdout.write(data)
                self._stdout.flush()
            except (OSError, ValueError) as exc:  # BrokenPipeError, or a closed file
                self.closed = True
                log.info("the editor no longer reads stdout (%s)", type(exc).__name__)

    def close(self) -> None:
        """Send nothing more (stdout itself closes with the process)."""
        with self._lock:
            self.closed = True


def serve(server: Server, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve LSP on ``stdin``/``stdout`` until ``exit`` or end of input; return the exit code."""
    connection = Connection(server, StdoutWriter(stdout))
    return asyncio.run(connection.run(stdin.fileno()))


class Connection:
    """One editor session over a byte stream."""

    def __init__(self, server: Server, writer: StdoutWriter) -> None:
        self.server = server
        self.writer = writer
        self.initialized = False
        self.shut_down = False
        self._shutdown_id: Any = None
        server.protocol.set_writer(writer)

    async def run(self, fd: int) -> int:
        """Read and handle messages until the connection ends; return the exit code."""
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        reader = threading.Thread(
            target=_read_input, args=(fd, loop, chunks), name="poe-lsp-stdin", daemon=True
        )
        reader.start()
        framer = Framer()
        code: int | None = None
        while code is None:
            try:
                timeout = STALL_TIMEOUT if framer.waiting_for_body else None
                data = await asyncio.wait_for(chunks.get(), timeout)
            except TimeoutError:
                events = framer.stalled()
            else:
                if data is None:
                    code = self._input_ended(framer)
                    break
                events = framer.feed(data)
            for event in events:
                code = self._handle(event)
                if code is not None:
                    break
        await self.leave()
        return code

    def _input_ended(self, framer: Framer) -> int:
        problem = framer.end()
        if problem is not None:
            log.error("input from the editor: %s", problem.text)
        code = 0 if self.shut_down else 1
        log.info(
            "the editor closed the connection (end of input) %s; exiting with %d",
            "after shutdown" if self.shut_down else "without shutdown and exit",
            code,
        )
        return code

    def _handle(self, event: Message | Problem) -> int | None:
        if isinstance(event, Problem):
            log.error("input from the editor: %s", event.text)
            if event.fatal:
                log.error("closing the connection; exiting with 1")
                return 1
            return None
        if event.note:
            log.warning("input from the editor: %s", event.note)
        return self.dispatch(event.body)

    def dispatch(self, body: bytes) -> int | None:
        """Handle one message body; return the exit code if it ends the connection."""
        try:
            raw = json.loads(body)
        except ValueError as exc:
            log.error("input from the editor: a body is not JSON (%s): %.80r", exc, body)
            self.send_error(None, PARSE_ERROR, f"Parse error: {exc}")
            return None
        if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
            log.error("input from the editor: not a JSON-RPC 2.0 message: %.80r", body)
            msg_id = raw.get("id") if isinstance(raw, dict) else None
            self.send_error(msg_id, INVALID_REQUEST, "Not a JSON-RPC 2.0 message")
            return None
        method = raw.get("method")
        is_request = isinstance(method, str) and "id" in raw
        if method == "exit":
            code = 0 if self.shut_down else 1
            log.info("exit %s shutdown; exiting with %d", "after" if code == 0 else "without", code)
            return code
        refusal = self._refusal(method, is_request)
        if refusal is not None:
            if is_request:
                self.send_error(raw["id"], *refusal)
            else:
                log.info("ignored %s: %s", method, refusal[1])
            return None
        try:
            message = self.server.protocol.structure_message(raw)
        except JsonRpcException as exc:
            if is_request:
                self.send_error(raw["id"], exc.code, exc.message)
            return None
        if method == "initialize":
            self.initialized = True
        elif method == "shutdown":
            self.shut_down = True
            self._shutdown_id = raw.get("id")
        try:
            self.server.protocol.handle_message(message)
        except Exception:
            log.exception("could not handle %s", method or "a response")
        return None

    def _refusal(self, method: object, is_request: bool) -> tuple[int, str] | None:
        """The error a message gets instead of being handled, if any."""
        if method is None:
            return None  # a response to one of the server's requests: always welcome
        if self.shut_down and is_request:
            return INVALID_REQUEST, f"{method}: the server is shutting down"
        if method == "initialize" and self.initialized:
            return INVALID_REQUEST, "initialize: the server is already initialized"
        if not self.initialized and method != "initialize":
            return SERVER_NOT_INITIALIZED, f"{method}: the server is not initialized yet"
        return None

    def send_error(self, msg_id: Any, code: int, message: str) -> None:
        """Answer with a JSON-RPC error (``msg_id`` None when it is not known)."""
        if not isinstance(msg_id, int | str):
            msg_id = None
        response = {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
        body = json.dumps(response).encode()
        self.writer.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def leave(self) -> None:
        """The editor is gone: stop the jobs and their streams now, within a bounded time."""
        await self._answer_shutdown()
        timer = threading.Timer(HARD_EXIT_AFTER, _hard_exit, args=(0 if self.shut_down else 1,))
        timer.daemon = True
        timer.start()
        self.writer.close()
        self.server.editor_left()
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.server.close(LEAVE_TIMEOUT), LEAVE_TIMEOUT + 0.3)
        except TimeoutError:
            log.warning("jobs still running %ss after the editor left", LEAVE_TIMEOUT)
        except Exception:
            log.exception("could not stop the jobs cleanly")
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in left:
            task.cancel()
        log.info(
            "stopped the jobs in %.2f s; %d other task(s) cancelled",
            time.monotonic() - started,
            len(left),
        )

    async def _answer_shutdown(self) -> None:
        """Let a ``shutdown`` still at work (stopping jobs, restoring text) be answered.

        A client may send ``exit`` without waiting for that answer; the editor is still
        there to read it, and its text is still being restored.
        """
        pending = self.server.protocol._request_futures.get(self._shutdown_id)
        if pending is None or pending.done():
            return
        waiter = asyncio.wrap_future(pending) if not asyncio.isfuture(pending) else pending
        with contextlib.suppress(Exception):
            await asyncio.wait({waiter}, timeout=SHUTDOWN_ANSWER_TIMEOUT)
        await asyncio.sleep(0)  # the answer is sent from the future's done callback


def _read_input(fd: int, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[Any]) -> None:
    """Read ``fd`` (unbuffered: no lock held at interpreter exit) into ``chunks``."""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError as exc:
            log.error("could not read stdin: %s", exc)
            data = b""
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, data or None)
        except RuntimeError:  # the loop is closed: the server is exiting
            return
        if not data:
            return


def _hard_exit(code: int) -> None:
    """End the process even though something still runs (a stuck thread or task)."""
    log.error("still running %ss after the editor left; exiting now", HARD_EXIT_AFTER)
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    os._exit(code)
