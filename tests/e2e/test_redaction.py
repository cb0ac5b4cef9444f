"""Trust at every exit: the real ``poe-lsp`` process (raw pipes, stderr and log file kept),
a fake Poe that echoes the key back, floods, rate-limits for an hour, and a proxy that must
never be asked."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import server_env
from tests.e2e.rawclient import RawServer
from tests.fakepoe import FakePoe, Script

KEY = "sk-e2e-Redact/Me+0123456789"
SOURCE = "def f():\n    return 1\n"
POE_LSP = [sys.executable, "-m", "poe_lsp", "-vv"]
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
CAPABILITIES: dict[str, Any] = {
    "workspace": {"applyEdit": True, "configuration": False},
    "window": {"workDoneProgress": True, "showMessage": {}},
    "experimental": {"poeJobEvents": True},
}


def _start(tmp_path: Path, poe: FakePoe, **settings: Any) -> RawServer:
    server = RawServer(tmp_path)
    params = {
        "processId": None,
        "rootUri": tmp_path.as_uri(),
        "capabilities": CAPABILITIES,
        "initializationOptions": {
            "poe": {
                "apiKey": KEY,
                "baseUrl": poe.base_url,
                "bot": "Code",
                "trustedBots": ["*"],
                **settings,
            }
        },
    }
    server.request(1, "initialize", params)
    server.response(1, timeout=20)
    server.notify("initialized", {})
    return server


@pytest.fixture
def raw(tmp_path: Path, poe: FakePoe) -> Iterator[RawServer]:
    server = _start(tmp_path, poe)
    yield server
    server.stop()


class Job:
    """What the user saw of one job: its popups, its progress end and its ``poe/jobEnded``."""

    def __init__(self, server: RawServer, msg_id: int, timeout: float = 20.0) -> None:
        started = time.monotonic()
        job_id = server.response(msg_id, timeout)["result"]["jobId"]
        self.ended = server.wait_for(
            lambda m: m.get("method") == "poe/jobEnded" and m["params"]["jobId"] == job_id,
            timeout,
        )["params"]
        self.seconds = time.monotonic() - started
        self.popups = [
            m["params"]["message"]
            for m in server.received()
            if m.get("method") == "window/showMessage"
        ]
        self.progress_ends = [
            m["params"]["value"]["message"]
            for m in server.received()
            if m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end"
        ]

    def texts(self) -> list[str]:
        return [*self.popups, *self.progress_ends, self.ended["message"]]


def _explain(server: RawServer, msg_id: int, uri: str) -> Job:
    arguments = {"textDocument": {"uri": uri}, "range": RANGE}
    server.request(
        msg_id, "workspace/executeCommand", {"command": "poe.explain", "arguments": [arguments]}
    )
    return Job(server, msg_id)


ECHOES = {
    "401 JSON body": Script(
        status=401,
        body={"error": {"message": "bad key in {authorization}; also Bearer other-token"}},
        echo_authorization=True,
    ),
    "SSE error event": Script(
        end="error",
        error_text="denied: Authorization: {authorization} (Bearer other-token)",
        echo_authorization=True,
    ),
    "HTML 500 page": Script(
        status=500,
        html="<html><body><h1>Oops</h1><pre>Authorization: {authorization}\n"
        "X-Other: Bearer other-token</pre></body></html>",
        echo_authorization=True,
    ),
}


@pytest.mark.parametrize("failure", list(ECHOES))
def test_an_echoed_key_is_redacted_wherever_the_failure_is_shown(
    raw: RawServer, poe: FakePoe, tmp_path: Path, failure: str
) -> None:
    poe.set_script("Code", ECHOES[failure])
    uri = (tmp_path / "m.py").as_uri()
    raw.open(uri, SOURCE)
    job = _explain(raw, 2, uri)

    assert poe.requests[0].authorization == f"Bearer {KEY}", "the key went to Poe"
    assert job.ended["outcome"] == "failed"
    for text in job.texts():
        assert KEY not in text and "other-token" not in text, text
    assert any("[REDACTED]" in text for text in job.popups), "what Poe said is still quoted"
    assert "[REDACTED]" in job.ended["message"] and "[REDACTED]" in job.progress_ends[-1]
    raw.stop()
    for log in (raw.stderr, raw.log_file.read_text()):
        assert "sk-e2e" not in log and "other-token" not in log
    assert "[REDACTED]" in raw.stderr, "stderr tells the failure, redacted"


def test_the_command_line_redacts_an_echoed_key_on_stderr(tmp_path: Path, poe: FakePoe) -> None:
    (tmp_path / "mod.py").write_text(SOURCE)
    for failure in ECHOES.values():
        poe.set_script("Code", failure)
        done = subprocess.run(
            [*POE_LSP, "explain", "mod.py:1-2", "--bot", "Code", "--base-url", poe.base_url],
            cwd=tmp_path,
            env=server_env(POE_API_KEY=KEY),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "[REDACTED]" in done.stderr
        assert "sk-e2e" not in done.stderr + done.stdout and "other-token" not in done.stderr
    assert all(r.authorization == f"Bearer {KEY}" for r in poe.requests)


def test_an_hour_long_rate_limit_fails_jobs_at_once_and_says_so(
    raw: RawServer, poe: FakePoe, tmp_path: Path
) -> None:
    poe.set_script("Code", Script(status=429, headers={"retry-after": "3600"}))
    uri = (tmp_path / "m.py").as_uri()
    raw.open(uri, SOURCE)
    first = _explain(raw, 2, uri)
    second = _explain(raw, 3, uri)

    for job in (first, second):
        assert job.ended["outcome"] == "failed"
        assert "60 min" in job.ended["message"] and "readTimeout" in job.ended["message"]
        assert job.seconds < 5.0, f"failed after {job.seconds:.1f} s"
    assert len(poe.requests) == 1, "the second job did not ask Poe again"
    print(f"first job failed after {first.seconds:.2f} s, second after {second.seconds:.2f} s")


def test_a_short_rate_limit_wait_is_waited_for(
    raw: RawServer, poe: FakePoe, tmp_path: Path
) -> None:
    poe.set_script("Code", Script(status=429, headers={"retry-after": "1"}))
    uri = (tmp_path / "m.py").as_uri()
    raw.open(uri, SOURCE)
    job = _explain(raw, 2, uri)
    reports = [
        m["params"]["value"].get("message", "")
        for m in raw.received()
        if m.get("method") == "$/progress"
    ]
    assert any("waiting 1 s for Poe's rate limit" in r for r in reports)
    assert len(poe.requests) == 3, "retried after the wait, within poe's retries"
    assert job.ended["outcome"] == "failed" and "wait 1 s" in job.ended["message"]


class Proxy:
    """A TCP listener that records every connection and answers none."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_loopback_requests_never_go_through_a_proxy(
    tmp_path: Path, poe: FakePoe, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = Proxy()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.url)
    assert os.environ["HTTP_PROXY"] == proxy.url
    poe.set_script("Code", Script(chunks=["It returns one."]))
    poe.set_balance(42)
    server = _start(tmp_path, poe)
    try:
        uri = (tmp_path / "m.py").as_uri()
        server.open(uri, SOURCE)
        job = _explain(server, 2, uri)
        server.request(3, "workspace/executeCommand", {"command": "poe.balance", "arguments": []})
        balance = server.response(3, timeout=20)
    finally:
        server.stop()
        proxy.sock.close()
    assert job.ended["outcome"] == "done", job.ended
    assert len(poe.requests) == 1 and len(poe.usage_requests) == 1, "the bot got both requests"
    assert "42" in str(balance)
    assert proxy.connections == 0


def test_a_flood_of_bot_text_is_capped_where_it_is_shown(
    raw: RawServer, poe: FakePoe, tmp_path: Path
) -> None:
    uri = (tmp_path / "m.py").as_uri()
    raw.open(uri, SOURCE)
    poe.set_script("Code", Script(end="error", error_text="E" * 10_000_000))
    failed = _explain(raw, 2, uri)
    poe.set_script("Code", Script(chunks=["x" * 1_000_000] * 10))
    explained = _explain(raw, 3, uri)
    raw.request(4, "textDocument/hover", {"textDocument": {"uri": uri}, "position": RANGE["start"]})
    hover = raw.response(4, timeout=20)["result"]["contents"]["value"]
    raw.stop()

    for text in failed.texts():
        assert len(text) < 1_000 and "EEEE" in text
    assert explained.ended["outcome"] == "done"
    for text in (hover, explained.ended["explanation"]):
        assert 100_000 < len(text) < 101_000 and "explanation was cut here" in text
    assert len(raw.stderr) < 200_000 and len(raw.log_file.read_text()) < 200_000


def test_the_log_file_is_readable_by_the_user_only(raw: RawServer) -> None:
    raw.stop()
    assert stat.S_IMODE(raw.log_file.stat().st_mode) == 0o600
