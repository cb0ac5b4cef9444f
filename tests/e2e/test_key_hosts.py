"""Where the key may go: settings (which can be the project's) cannot send it to another host.

The other host is this machine's own name (``socket.gethostname()``, ``vm`` here), which
resolves to 127.0.0.1 through ``/etc/hosts`` but is not one of the literal names poe-lsp
counts as this machine. A TLS front on 127.0.0.1, with a certificate for that name that the
server trusts through ``SSL_CERT_FILE``, forwards to the fake Poe server and counts every
TCP connection it accepts, so "nothing was sent" means no connection was even opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    API_KEY,
    execute,
    rng,
    server_env,
    settings_for,
    start_session,
    wait_for_progress_end,
)
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

SOURCE = "def f(x):\n    return x+1\n"
ALLOW = "Allow for this session"


def _other_name() -> str:
    """A name for 127.0.0.1 that is not ``localhost``; skip the module if there is none."""
    name = socket.gethostname().lower()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        address = ""
    if not address.startswith("127.") or name == "localhost" or shutil.which("openssl") is None:
        pytest.skip(f"needs openssl and a host name that resolves to 127.0.0.1 ({name!r} does not)")
    return name


class TlsFront:
    """A TLS listener on 127.0.0.1 forwarding to ``target``; counts accepted connections."""

    def __init__(self, certificate: Path, key: Path, target: int) -> None:
        self.connections = 0
        self.port = 0
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(certificate, key)
        self._target = target
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TlsFront:
        self._thread.start()
        assert self._ready.wait(10), "the TLS front did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(OSError, ssl.SSLError, ConnectionError):
            await writer.start_tls(self._context)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """The other name, and a self-signed certificate and key for it."""
    name = _other_name()
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", f"/CN={name}"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", f"subjectAltName=DNS:{name}", "-keyout", key, "-out", cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return name, cert, key


@pytest.fixture(scope="module")
def front(certificate: tuple[str, Path, Path], fake_poe: FakePoe) -> Iterator[TlsFront]:
    _, cert, key = certificate
    port = urlsplit(fake_poe.base_url).port
    assert port is not None
    with TlsFront(cert, key, port) as tls:
        yield tls


@pytest.fixture
def other(certificate: tuple[str, Path, Path], front: TlsFront) -> str:
    """``name:port`` of the other host, with no connection counted yet."""
    front.connections = 0
    return f"{certificate[0]}:{front.port}"


@contextlib.asynccontextmanager
async def editor(
    tmp_path: Path,
    certificate: tuple[str, Path, Path],
    settings: dict[str, Any] | None,
    *,
    spec: str | t.ClientCapabilities = "visual-studio-code",
    init: Any = None,
    **env: str,
) -> AsyncIterator[Editor]:
    """A session with a server that trusts the certificate, and ``env`` in its environment."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "poe_lsp", "-v"],
        server_env=server_env(SSL_CERT_FILE=str(certificate[1]), **env),
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    closed = False
    try:
        session = await start_session(client, spec, tmp_path, settings, init=init)
        session.open((tmp_path / "m.py").as_uri(), SOURCE)
        yield session
        await client.shutdown_session()
        closed = True
    finally:
        process = client._server  # a failed test did not shut it down: stop() would wait
        if not closed and process is not None and process.returncode is None:
            process.kill()
        await client.stop()  # type: ignore[no-untyped-call]


async def _explain(session: Editor, count: int = 1) -> list[Any]:
    uri = (session.root / "m.py").as_uri()
    await execute(
        session.client, "poe.explain", {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
    )
    return await wait_for_progress_end(session.client, count=count)


def _project(poe: FakePoe, other: str, **overrides: Any) -> dict[str, Any]:
    """Settings a repository could hold: another host, and every bot trusted."""
    return settings_for(poe, baseUrl=f"https://{other}/", trustedBots=["*"], **overrides)


async def test_cancel_sends_nothing_to_a_host_the_settings_name(
    tmp_path: Path, certificate: tuple[str, Path, Path], other: str, front: TlsFront, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["It adds one."]))
    async with editor(tmp_path, certificate, _project(poe, other)) as session:
        session.trust_answer = "Cancel"
        ((*_, end),) = await _explain(session)
        (question,) = session.questions
        assert question.startswith(f"Send your Poe API key to {other}?")
        assert "project" in question
        assert other in end.message and "POE_ALLOWED_HOSTS" in end.message
        assert any(
            other in m.message and "POE_ALLOWED_HOSTS" in m.message for m in session.client.messages
        )
    assert front.connections == 0 and poe.requests == [], "not even a connection was opened"


async def test_a_client_that_cannot_ask_sends_nothing_and_says_how_to_allow(
    tmp_path: Path, certificate: tuple[str, Path, Path], other: str, front: TlsFront, poe: FakePoe
) -> None:
    """Helix-style: the settings arrive as initializationOptions; no showMessageRequest."""
    capabilities = t.ClientCapabilities(window=t.WindowClientCapabilities(work_done_progress=True))
    poe.set_script("Code", Script(chunks=["It adds one."]))
    init = {"poe": _project(poe, other)}
    async with editor(tmp_path, certificate, None, spec=capabilities, init=init) as session:
        uri = (session.root / "m.py").as_uri()
        await execute(
            session.client, "poe.explain", {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
        )
        for _ in range(200):
            if session.client.messages:
                break
            await asyncio.sleep(0.02)
        (message,) = session.client.messages
        assert other in message.message and "POE_ALLOWED_HOSTS" in message.message
        assert session.questions == []
    assert front.connections == 0 and poe.requests == []


async def test_a_host_in_poe_allowed_hosts_gets_the_key_without_a_question(
    tmp_path: Path, certificate: tuple[str, Path, Path], other: str, front: TlsFront, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["It adds one."]))
    allowed = f"elsewhere.example,{other}"
    async with editor(
        tmp_path, certificate, _project(poe, other), POE_ALLOWED_HOSTS=allowed
    ) as session:
        ((*_, end),) = await _explain(session)
        assert end.message.endswith("hover it to read."), end.message
        assert session.questions == []
    (request,) = poe.requests
    assert request.authorization == f"Bearer {API_KEY}"
    assert front.connections >= 1, "the key went through the other host"


async def test_allow_for_this_session_is_asked_once(
    tmp_path: Path, certificate: tuple[str, Path, Path], other: str, front: TlsFront, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["It adds one."]))
    poe.set_balance(4321)
    async with editor(tmp_path, certificate, _project(poe, other)) as session:
        session.trust_answer = ALLOW
        await _explain(session)
        ended = await _explain(session, count=2)
        assert all(reports[-1].message.endswith("hover it to read.") for reports in ended)
        assert await execute(session.client, "poe.balance") == {"points": 4321}
        (question,) = session.questions
        assert other in question
    assert len(poe.requests) == 2 and len(poe.usage_requests) == 1
    assert front.connections >= 1


async def test_the_balance_is_not_fetched_from_a_host_that_was_not_allowed(
    tmp_path: Path, certificate: tuple[str, Path, Path], other: str, front: TlsFront, poe: FakePoe
) -> None:
    poe.set_balance(4321)
    settings = settings_for(poe, usageUrl=f"https://{other}/")  # bots stay on this machine
    async with editor(tmp_path, certificate, settings) as session:
        session.trust_answer = "Cancel"
        with pytest.raises(JsonRpcException, match="POE_ALLOWED_HOSTS") as refused:
            await execute(session.client, "poe.balance")
        assert other in str(refused.value) and "poe.usageUrl" in str(refused.value)
        (question,) = session.questions
        assert question.startswith(f"Send your Poe API key to {other}?")
    async with editor(tmp_path, certificate, settings, POE_ALLOWED_HOSTS=other) as session:
        assert await execute(session.client, "poe.balance") == {"points": 4321}
        assert session.questions == []
    assert len(poe.usage_requests) == 1 and front.connections >= 1
