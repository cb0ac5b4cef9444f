"""Every way a request to Poe can fail, end to end: the message the user reads, the
document left as it was, no text inserted twice, and the key in no log or message."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as t
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

LOG = Path(tempfile.gettempdir()) / f"poe-lsp-failures-{os.getpid()}.log"
VERBOSE = ClientServerConfig(
    server_command=[sys.executable, "-m", "poe_lsp", "-vv", "--log-file", str(LOG)],
    server_env=server_env(),
)
SOURCE = "def f(x):\n    return x+1\n\n\nprint(f(1))\n"
PARTIAL = ["```python\n", "def f(x: int) -> int:  # marker\n", "    return x + 1\n"]
RATE_TEXT = "You have exceeded rate limit to query bot using User API Key. Try again later."


@dataclass
class Failure:
    script: Script | None
    says: str
    requests: int = 1
    streamed: bool = False
    settings: dict[str, object] = field(default_factory=dict)


FAILURES = {
    "401": Failure(
        Script(status=401, body={"error": {"message": "Invalid API key"}}), "refused the API key"
    ),
    "402": Failure(
        Script(status=402, body={"error": {"message": "Insufficient points"}}), "out of points"
    ),
    "404": Failure(None, "no bot named"),
    "429": Failure(
        Script(status=429, headers={"retry-after": "1"}, body={"error": {"message": "slow down"}}),
        "rate limit",
        requests=3,
    ),
    "sse-error-retry": Failure(
        Script(end="error", error_text="overloaded", allow_retry=True), "overloaded", 3
    ),
    "sse-error-final": Failure(
        Script(end="error", error_text="bad input", allow_retry=False), "bad input"
    ),
    "sse-rate-limit": Failure(
        Script(end="error", error_text=RATE_TEXT, allow_retry=True), "rate limit", 3
    ),
    "sse-no-points": Failure(
        Script(end="error", error_text="Not enough points", error_type="insufficient_fund"),
        "out of points",
    ),
    "500": Failure(Script(status=500, body={"error": {"message": "exploded"}}), "exploded", 3),
    "dropped-mid-stream": Failure(
        Script(chunks=PARTIAL, delay=0.1, end="disconnect"), "connection", 1, True
    ),
    "error-mid-stream": Failure(
        Script(chunks=PARTIAL, delay=0.1, end="error", error_text="oops"), "oops", 1, True
    ),
    "no-done": Failure(Script(chunks=PARTIAL, delay=0.1, end="nodone"), "cut off", 1, True),
    "no-done-slow-report": Failure(
        Script(chunks=PARTIAL, delay=0.1, end="nodone", report_delay=3),
        "cut off",
        1,
        True,
        settings={"readTimeout": 1},
    ),
    "read-timeout": Failure(
        Script(chunks=["```python\n", "x = 1\n", "y = 2\n"], delay=2.5),
        "too long",
        1,
        settings={"readTimeout": 1},
    ),
}


@pytest_lsp.fixture(config=VERBOSE)
async def verbose(lsp_client: LanguageClient, poe: FakePoe, tmp_path: Path) -> AsyncIterator[None]:
    lsp_client.editor = await start_session(  # type: ignore[attr-defined]
        lsp_client, "visual-studio-code", tmp_path, settings_for(poe, bot="Failing")
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("name", list(FAILURES))
async def test_failure_is_explained_and_leaves_the_document_alone(
    name: str, verbose: LanguageClient, poe: FakePoe
) -> None:
    failure = FAILURES[name]
    editor: Editor = verbose.editor  # type: ignore[attr-defined]
    if failure.script is not None:
        poe.set_script("Failing", failure.script)
    if failure.settings:
        verbose.workspace_did_change_configuration(
            t.DidChangeConfigurationParams(
                settings={"poe": {**settings_for(poe, bot="Failing"), **failure.settings}}
            )
        )
    uri = (editor.root / "m.py").as_uri()
    editor.open(uri, SOURCE)
    texts: list[str] = []
    original = editor._on_apply_edit

    def record(params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
        result = original(params)
        texts.append(editor.text(uri))
        return result

    editor._on_apply_edit = record  # type: ignore[method-assign]
    started = time.monotonic()
    await execute(verbose, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)})
    (reports,) = await wait_for_progress_end(verbose, timeout=30)

    errors = [
        m.message
        for m in verbose.messages
        if m.type in (t.MessageType.Error, t.MessageType.Warning)
    ]
    assert len(errors) == 1, errors
    assert failure.says.lower() in errors[0].lower()
    assert failure.says.lower() in reports[-1].message.lower()
    assert editor.text(uri) == SOURCE, "the document is as it was"
    assert all(text.count("marker") <= 1 for text in texts), "no text inserted twice"
    assert bool(texts) == failure.streamed
    assert len(poe.requests) == failure.requests
    if name == "429":
        assert time.monotonic() - started >= 2.0, "Retry-After (1 s) was honoured between tries"
    said = [m.message for m in verbose.messages] + [m.message for m in verbose.log_messages]
    assert not any(API_KEY in text for text in said)
    assert API_KEY not in LOG.read_text(), "the key never reaches the log"
    assert "Failing" in LOG.read_text(), "the log did get the failure"
