"""A fake Poe-protocol bot server for tests.

``FakePoe`` serves scripted bots over real HTTP on ``127.0.0.1``, in a uvicorn server that runs
in a daemon thread with its own event loop, so the code under test can talk to it through the
real ``fastapi_poe`` client::

    with FakePoe() as fake:
        fake.set_script("Echo", Script(["Hello", " world"], delay=0.01))
        async for msg in fp.stream_request(request, "Echo", "key", base_url=fake.base_url,
                                           num_tries=1, session=session, on_error=ignore):
            ...
        assert fake.requests[0].messages[-1]["content"] == "hi"

Streaming answers come from ``fastapi_poe.make_app`` (one ``PoeBot`` behind the catch-all
route ``/{bot}``), so they are genuine Poe-protocol SSE: ``meta`` is not sent; ``text``,
``replace_response``, ``suggested_reply``, ``error`` and ``done`` events are. A thin ASGI
wrapper in front of that app records every request, answers unknown bots with 404 and
``status`` scripts with plain JSON, hands the current script to the bot through the ASGI scope,
rewrites the final ``done`` event for the ``"nodone"`` and ``"disconnect"`` endings, and notices
streams that the client abandoned.

Logging: uvicorn runs with ``log_level="critical"`` and ``log_config=None`` (the process-wide
logging configuration is left alone, except that uvicorn sets the level of its own
``uvicorn.error``/``uvicorn.access``/``uvicorn.asgi`` loggers). Critical is needed because a
``"disconnect"`` ending makes uvicorn log "ASGI callable returned without completing response"
at error level. Nothing is written to stdout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import http
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import fastapi_poe as fp
import uvicorn
from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from sse_starlette.event import ServerSentEvent
from starlette.responses import HTMLResponse, JSONResponse
from starlette.types import Message, Receive, Scope, Send

from tests.fakehistory import HISTORY_PATH, History

__all__ = ["ENDINGS", "Chunk", "FakePoe", "RecordedRequest", "Script"]

ENDINGS = frozenset({"done", "error", "disconnect", "nodone"})
"""The accepted values of :attr:`Script.end`."""

_CALL_KEY = "fakepoe.call"
_USAGE_PATH = "usage/current_balance"
_MODELS_PATH = "v1/models"
_DONE_PREFIX = b"event: done"
_POLL_INTERVAL = 0.005


@dataclass
class Chunk:
    """One streamed piece of an answer.

    ``replace`` sends it as a ``replace_response`` event (the client drops earlier text);
    ``suggested`` sends it as a ``suggested_reply`` event. Otherwise it is a ``text`` event.
    """

    text: str
    replace: bool = False
    suggested: bool = False


@dataclass
class Script:
    """What a fake bot answers to each query.

    A streaming script sleeps ``first_delay + delay`` before the first chunk and ``delay``
    before each later one (``first_delay`` alone before the ending when there are no chunks),
    then ends according to ``end``:

    * ``"done"``: the normal ``done`` event;
    * ``"error"``: an SSE ``error`` event with ``error_text``, ``allow_retry`` and, if set,
      ``error_type`` (the client raises ``BotError``, or ``BotErrorNoRetry`` if
      ``allow_retry`` is false);
    * ``"disconnect"``: the TCP connection is dropped without the chunked-encoding terminator,
      so httpx raises ``httpx.RemoteProtocolError``;
    * ``"nodone"``: the stream closes cleanly without a ``done`` event.

    If ``status`` is set, the query is answered with that HTTP status and the JSON ``body``
    (default ``{"error": {"message": error_text, "type": error_type, "code": status}}``)
    instead of a stream, after sleeping ``first_delay``. ``headers`` are added to both kinds of
    answer (e.g. ``retry-after`` or ``x-ratelimit-*``); no header is added unless given here.
    With ``html`` set, a ``status`` script answers that raw HTML page instead of JSON.

    ``report_delay`` is how long the bot takes to answer a ``report_error`` POST (a slow
    server: fastapi_poe awaits that report before it returns).

    With ``echo_authorization``, every ``{authorization}`` in ``error_text``, ``html`` and the
    strings of ``body`` becomes the request's ``Authorization`` header, as a careless server
    or proxy echoes it.
    """

    chunks: list[Chunk | str] = field(default_factory=list)
    delay: float = 0.0
    first_delay: float = 0.0
    end: str = "done"
    error_text: str = "fake failure"
    allow_retry: bool = False
    error_type: str | None = None
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None
    echo_authorization: bool = False
    report_delay: float = 0.0

    def __post_init__(self) -> None:
        """Reject an unknown ``end``."""
        if self.end not in ENDINGS:
            raise ValueError(f"Script.end must be one of {sorted(ENDINGS)}, not {self.end!r}")

    def status_body(self) -> dict[str, Any]:
        """The JSON body sent for a ``status`` script."""
        if self.body is not None:
            return self.body
        return {"error": {"message": self.error_text, "type": self.error_type, "code": self.status}}

    def echoing(self, authorization: str | None) -> Script:
        """This script with ``{authorization}`` filled in, if it echoes the header."""
        if not self.echo_authorization:
            return self
        header = authorization or ""
        body = None
        if self.body is not None:
            body = json.loads(json.dumps(self.body).replace("{authorization}", header))
        return dataclasses.replace(
            self,
            error_text=self.error_text.replace("{authorization}", header),
            html=self.html.replace("{authorization}", header) if self.html is not None else None,
            body=body,
        )


@dataclass
class RecordedRequest:
    """One POST the fake server received.

    ``body`` is the parsed JSON body (``{}`` if it was not a JSON object). ``chunks_sent``
    counts the script chunks that were handed to the SSE stream for this request; it is updated
    while the stream runs and stays 0 for anything but streamed queries.
    """

    bot: str
    authorization: str | None
    body: dict[str, Any]
    chunks_sent: int = 0
    received_at: float = field(default_factory=time.monotonic)
    """When the request arrived (``time.monotonic()`` of this process)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation sent with a query (``body["query"]``), or ``[]``."""
        query = self.body.get("query")
        return query if isinstance(query, list) else []


@dataclass
class _Call:
    """Per-request state shared by the ASGI wrapper and the bot, through the ASGI scope."""

    bot: str
    script: Script
    record: RecordedRequest
    started: bool = False
    completed: bool = False
    closed: bool = False
    on_complete: Callable[[], None] | None = None
    """Called when every chunk was sent (the points history counts the query)."""


class _ScriptBot(fp.PoeBot):
    """The one ``PoeBot`` behind ``/{bot}``: plays the script found in the request scope."""

    async def get_response_with_context(
        self, request: fp.QueryRequest, context: fp.RequestContext
    ) -> AsyncIterator[fp.PartialResponse | ServerSentEvent | fp.DataResponse]:
        """Stream the script's chunks, then its error event if it ends with ``"error"``."""
        call: _Call = context.http_request.scope[_CALL_KEY]
        script = call.script
        call.started = True
        chunks = [Chunk(c) if isinstance(c, str) else c for c in script.chunks]
        if not chunks and script.first_delay > 0:
            await asyncio.sleep(script.first_delay)
        for index, chunk in enumerate(chunks):
            pause = script.delay + (script.first_delay if index == 0 else 0.0)
            if pause > 0:
                await asyncio.sleep(pause)
            yield fp.PartialResponse(
                text=chunk.text,
                is_replace_response=chunk.replace,
                is_suggested_reply=chunk.suggested,
            )
            call.record.chunks_sent += 1
        call.completed = True
        if call.on_complete is not None:
            call.on_complete()
        if script.end == "error":
            yield self.error_event(
                script.error_text, allow_retry=script.allow_retry, error_type=script.error_type
            )

    async def on_error(self, error_request: fp.ReportErrorRequest) -> None:
        """Ignore ``report_error`` POSTs quietly; ``FakePoe.reports`` records them."""


@contextmanager
def _silenced(logger_name: str) -> Iterator[None]:
    """Disable one logger for the duration of the block."""
    logger = logging.getLogger(logger_name)
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was_disabled


def _build_poe_app() -> FastAPI:
    """A ``make_app`` app with one ``_ScriptBot`` on ``/{bot}``, without docs routes.

    The bot is passed as a list so that ``make_app`` ignores ``$POE_ACCESS_KEY`` and
    ``$POE_API_KEY`` (for a single bot it would adopt them, and exit the process if they are
    not 32 characters long). No ``bot_name`` and no ``access_key`` are set, so nothing contacts
    api.poe.com; the resulting "settings will NOT be synced" warning is silenced.
    """
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    with _silenced("uvicorn.default"):
        fp.make_app([_ScriptBot(path="/{bot}")], allow_without_key=True, app=app)
    return app


def _is_bearer(authorization: str | None) -> bool:
    """Whether ``make_app``'s ``HTTPBearer`` dependency would accept this header."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    return bool(authorization and scheme and credentials and scheme.lower() == "bearer")


def _parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, or ``{}``."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header ``name`` (lower-case bytes), decoded as latin-1."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _script_send(call: _Call, send: Send) -> Send:
    """Wrap ``send`` to add the script's headers and to replace the final ``done`` event.

    For ``"nodone"`` the ``done`` event becomes the end of the body; for ``"disconnect"`` it and
    everything after it is swallowed, so the app returns with the response incomplete and
    uvicorn closes the connection mid-body.
    """
    script = call.script
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in script.headers.items()]

    async def wrapped(message: Message) -> None:
        if call.closed:
            return
        if message["type"] == "http.response.start" and extra:
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        elif (
            message["type"] == "http.response.body"
            and script.end in ("nodone", "disconnect")
            and bytes(message.get("body", b"")).startswith(_DONE_PREFIX)
        ):
            call.closed = True
            if script.end == "nodone":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return wrapped


class FakePoe:
    """Context manager: a scripted Poe-protocol bot server on a free port of 127.0.0.1.

    Entering starts uvicorn in a daemon thread and waits until it listens; leaving stops it and
    joins the thread (streams still running then get up to one second before being cancelled).
    All methods and properties are safe to call from any thread; the list properties return
    copies.

    Routing: ``POST /<bot>`` plays the script set for ``<bot>``; a bot that was never set
    answers 404 ``{"detail": "Not Found"}``. A query without ``Authorization: Bearer <key>``
    gets make_app's 401 ``{"detail": "Not authenticated"}`` (also for ``status`` scripts).
    Every POST is recorded before it is routed, including the rejected ones (``authorization``
    is then ``None`` or the raw header).

    Poe's usage API: ``GET /usage/current_balance`` answers ``{"current_point_balance": N}``
    as set by :meth:`set_balance` (404 until then), 401 without a Bearer key, and is recorded
    in ``usage_requests``.

    Poe's bot catalogue: ``GET /v1/models`` answers ``{"object": "list", "data": [...]}`` with
    the entries set by :meth:`set_models` (404 until then), to any request, and is recorded in
    ``models_requests``.

    Poe's points history: ``GET /usage/points_history`` is :attr:`history`
    (:class:`tests.fakehistory.History`): ``poe.set_cost("BotA", 339)`` makes each complete
    answer of BotA add an entry; ``poe.history.fail(500)`` or ``fail(delay=…)`` script failures.
    """

    base_url: str

    def __init__(self) -> None:
        """Create the server; it starts in ``__enter__``."""
        self.base_url = ""
        self._lock = threading.Lock()
        self._scripts: dict[str, Script] = {}
        self._requests: list[RecordedRequest] = []
        self._reports: list[RecordedRequest] = []
        self._disconnects: list[str] = []
        self._usage_requests: list[RecordedRequest] = []
        self._balance: tuple[int | None, int] = (None, 200)
        self._models: tuple[list[Any] | None, int] = (None, 200)
        self._models_requests: list[RecordedRequest] = []
        self.history = History()
        """The points history this server serves."""
        self._app = _build_poe_app()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakePoe:
        """Start the server and wait until it accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakePoe is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi,
            log_level="critical",
            log_config=None,
            access_log=False,
            lifespan="off",
            interface="asgi3",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"fakepoe-{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError("the fake Poe server did not start")
            time.sleep(_POLL_INTERVAL)
        self._server, self._thread = server, thread
        self.base_url = f"http://127.0.0.1:{port}/"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server and join its thread."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=5.0)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5.0)

    def set_script(self, bot: str, script: Script) -> None:
        """Define (or redefine) what ``bot`` answers; takes effect for the next request."""
        with self._lock:
            self._scripts[bot] = script

    def clear_scripts(self) -> None:
        """Forget all scripts and the balance: every bot answers 404 again."""
        with self._lock:
            self._scripts.clear()
            self._balance = (None, 200)
            self._models = (None, 200)
        self.history.clear()

    def reset(self) -> None:
        """Clear ``requests``, ``reports``, ``disconnects`` and ``usage_requests``.

        The scripts and the balance stay.
        """
        with self._lock:
            self._requests.clear()
            self._reports.clear()
            self._disconnects.clear()
            self._usage_requests.clear()
            self._models_requests.clear()

    def set_balance(self, n: int | None, status: int = 200) -> None:
        """Set what ``GET /usage/current_balance`` answers to an authorized request.

        ``{"current_point_balance": n}`` when ``status`` is 200 and ``n`` is not None; a 404
        when ``n`` is None; otherwise HTTP ``status`` with a Poe-style JSON error body.
        """
        with self._lock:
            self._balance = (n, status)

    def set_cost(self, bot: str, points: int) -> None:
        """Each complete answer of ``bot`` from now on adds an ``API`` entry of ``points`` to
        the points history (:meth:`tests.fakehistory.History.set_cost`)."""
        self.history.set_cost(bot, points)

    @property
    def history_requests(self) -> list[Any]:
        """Every ``GET /usage/points_history`` received (with its ``authorization``)."""
        return self.history.requests

    def set_models(self, data: list[Any] | None, status: int = 200) -> None:
        """Set the entries ``GET /v1/models`` lists (any JSON, malformed ones included);
        ``None``: 404; another ``status``: that status with a JSON error body."""
        with self._lock:
            self._models = (data, status)

    @property
    def models_requests(self) -> list[RecordedRequest]:
        """Every ``GET /v1/models`` received, in order."""
        with self._lock:
            return list(self._models_requests)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every query POST (body ``type == "query"``) received, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def reports(self) -> list[RecordedRequest]:
        """Every other POST received (``report_error``, ``settings``, ...), in order."""
        with self._lock:
            return list(self._reports)

    @property
    def disconnects(self) -> list[str]:
        """Bots whose stream the client abandoned before the script had finished, in order."""
        with self._lock:
            return list(self._disconnects)

    @property
    def usage_requests(self) -> list[RecordedRequest]:
        """Every ``GET /usage/current_balance`` received (``bot`` is that path), in order."""
        with self._lock:
            return list(self._usage_requests)

    def wait_for_disconnect(self, bot: str, timeout: float = 5.0) -> bool:
        """Block until ``bot`` is in ``disconnects``; False on timeout.

        This blocks the calling thread. In a coroutine, call it as
        ``await asyncio.to_thread(fake.wait_for_disconnect, bot, timeout)``: after
        ``await gen.aclose()`` on a ``fastapi_poe`` stream, the client closes its connection only
        on a later turn of the event loop (the inner generators are closed by the loop's
        async-generator finalizer), so blocking the loop would keep the connection open.
        """
        return self._wait(lambda: bot in self._disconnects, timeout)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` query requests were recorded; False on timeout."""
        return self._wait(lambda: len(self._requests) >= n, timeout)

    def _check(self, condition: Callable[[], bool]) -> bool:
        with self._lock:
            return condition()

    def _wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll ``condition`` (evaluated under the lock) until it holds or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not self._check(condition):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_INTERVAL)
        return True

    def _record(self, record: RecordedRequest, *, query: bool) -> None:
        with self._lock:
            (self._requests if query else self._reports).append(record)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record the request, then route it by its path segment (the bot name)."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        raw = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            raw += message.get("body", b"")
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(raw), "more_body": False}
            return await receive()

        bot: str = scope["path"][1:]
        authorization = _header(scope, b"authorization")
        body = _parse_body(bytes(raw))
        is_query = scope["method"] == "POST" and body.get("type") == "query"
        record = RecordedRequest(bot=bot, authorization=authorization, body=body)
        if scope["method"] == "GET" and bot == _USAGE_PATH:
            with self._lock:
                self._usage_requests.append(record)
            await self._usage_response(authorization)(scope, replay, send)
            return
        if scope["method"] == "GET" and bot == HISTORY_PATH:
            await self.history.respond(scope, replay, send, authorization)
            return
        if scope["method"] == "GET" and bot == _MODELS_PATH:
            with self._lock:
                self._models_requests.append(record)
                data, status = self._models
            if data is None or status != 200:
                status = 404 if data is None else status
                error = {"error": {"message": "fake", "type": "fake_models_error", "code": status}}
                await JSONResponse(error, status_code=status)(scope, replay, send)
            else:
                body = {"object": "list", "data": data}
                await JSONResponse(body)(scope, replay, send)
            return
        if scope["method"] == "POST":
            self._record(record, query=is_query)
        with self._lock:
            script = self._scripts.get(bot)
        if script is not None:
            script = script.echoing(authorization)

        if script is None:
            await JSONResponse({"detail": "Not Found"}, status_code=404)(scope, replay, send)
        elif not is_query:
            if script.report_delay > 0 and body.get("type") == "report_error":
                await asyncio.sleep(script.report_delay)
            await self._app(scope, replay, send)
        elif script.status is not None and _is_bearer(authorization):
            if script.first_delay > 0:
                await asyncio.sleep(script.first_delay)
            response: JSONResponse | HTMLResponse
            if script.html is not None:
                response = HTMLResponse(
                    script.html, status_code=script.status, headers=script.headers
                )
            else:
                response = JSONResponse(
                    script.status_body(), status_code=script.status, headers=script.headers
                )
            await response(scope, replay, send)
        else:
            call = _Call(
                bot=bot,
                script=script,
                record=record,
                on_complete=lambda: self.history.finished(bot),
            )
            try:
                await self._app({**scope, _CALL_KEY: call}, replay, _script_send(call, send))
            finally:
                if call.started and not call.completed:
                    with self._lock:
                        self._disconnects.append(bot)

    def _usage_response(self, authorization: str | None) -> JSONResponse:
        """The answer of the usage API to a request with this ``Authorization`` header."""
        with self._lock:
            balance, status = self._balance
        if not _is_bearer(authorization):
            status = 401
        elif status == 200 and balance is not None:
            return JSONResponse({"current_point_balance": balance})
        elif status == 200:
            status = 404
        try:
            message = http.HTTPStatus(status).phrase
        except ValueError:
            message = "Error"
        body = {"error": {"message": message, "type": "fake_usage_error", "code": status}}
        return JSONResponse(body, status_code=status)
