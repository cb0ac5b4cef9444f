"""The VS Code extension in real VS Code (code-server 4.100.3 = VS Code 1.100.3), against the
fake Poe bot server.

Two runs, each with a fresh code-server profile:

* the extension's integration tests (``editors/vscode/test/integration/suite.ts``) inside the
  extension host, with the extension loaded from its source folder;
* the UI smoke test (``editors/vscode/test/ui/smoke.mjs``) in Chromium, with the packaged
  ``.vsix`` installed and nothing else: the extension runs the poe-lsp bundled in it.

Here we check what only the test process sees: what the fake bot received (the key, as
``Bearer``), that no file VS Code wrote (settings.json above all) holds the key, and what each
poe-lsp process got in its command line and environment: never the key, and the trust of the
user settings (``poe.trustedBots``, the ``poe.baseUrl`` host) as ``POE_TRUSTED_BOTS`` and
``POE_ALLOWED_HOSTS``. The test bots are not official ones, so that the actions run at all
without a question proves the extension passed the user's trust.

They need code-server, Chromium and the built extension, which
``editors/vscode/scripts/ci.sh`` installs and builds; it runs them with ``POE_VSCODE_E2E=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fakepoe import FakePoe, RecordedRequest, Script
from tests.gitrepo import git, make_repo

pytestmark = pytest.mark.skipif(
    os.environ.get("POE_VSCODE_E2E") != "1",
    reason="VS Code tests run from editors/vscode/scripts/ci.sh (POE_VSCODE_E2E=1)",
)

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
CODE_SERVER = Path(
    os.environ.get(
        "POE_CODE_SERVER", EXTENSION / ".cache/code-server/node_modules/.bin/code-server"
    )
)
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SUITE = EXTENSION / "out/test/integration/suite.js"
VSIX = EXTENSION / ".artifacts/poe-lsp.vsix"
ARTIFACTS = EXTENSION / ".artifacts"
PYTHON = Path(sys.executable)
POE_LSP = PYTHON.parent / "poe-lsp"

API_KEY = "poe-test-key-vscode-5f3a9c"
SETTINGS_KEY = "poe-test-key-in-settings-81d2"
ORIGINAL = "def add(a, b):\n    return a+b\n"
REFACTORED = (
    'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    return a + b\n'
)
ASKED = 'def add(a, b):\n    """Add two numbers."""\n    return a + b\n'
ASK_INSTRUCTION = "Add a docstring"
EXPLANATION = "the sum of its two arguments"
TESTS = "from m import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
BALANCE = 12345
CUSTOM_ACTION = {
    "id": "docstring",
    "title": "Add a docstring",
    "instruction": ASK_INSTRUCTION,
    "output": "replace",
    "bot": "Asker",
}
CHOSEN_BOT = "Fast-Coder-9"
CHAT_QUESTION = "Could add have a docstring?"
CATALOGUE: list[Any] = [
    {
        "id": "Claude-Sonnet-4.5",
        "object": "model",
        "owned_by": "Anthropic",
        "description": "Anthropic's model",
        "pricing": {"prompt": "0.0000026", "completion": "0.000013"},
        "context_window": {"context_length": 200_000},
    },
    {
        "id": CHOSEN_BOT,
        "object": "model",
        "owned_by": "Poe Test",
        "description": "A fast bot for code",
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
    },
]

SCRIPTS = {
    "Code": Script(
        chunks=[
            "Here you go:\n",
            "```python\n",
            "def add(a: int, b: int) -> int:\n",
            '    """Return the sum of a and b."""\n',
            "    return a + b\n",
            "```\n",
            "It now has type hints.",
        ],
        delay=0.2,
    ),
    "Explainer": Script(chunks=["`add` returns ", f"{EXPLANATION}."], delay=0.05),
    "Asker": Script(chunks=["```python\n", ASKED, "```\n"], delay=0.05),
    "Tester": Script(chunks=["```python\n", TESTS, "```\n"], delay=0.05),
    "Committer": Script(chunks=["Add notes\n", "\nWrite down what the module is for.\n"]),
    "Slow": Script(
        chunks=["```python\n", "def add(a, b):\n", *["    # thinking\n"] * 40], delay=0.5
    ),
}

VSCODE_SETTINGS = {
    "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "update.mode": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "chat.disableAIFeatures": True,
    "editor.hover.delay": 300,
}


@pytest.fixture(scope="module")
def prerequisites() -> None:
    """Fail (not skip) when ci.sh was asked to run these tests but did not set them up."""
    for path, how in [
        (CODE_SERVER, "npm ci in editors/vscode/test/code-server (ci.sh does it)"),
        (CHROMIUM, "apt-get install chromium"),
        (EXTENSION / "dist/extension.js", "npm run build in editors/vscode"),
        (SUITE, "npm run build in editors/vscode"),
        (POE_LSP, "pip install -e . into this interpreter's environment"),
    ]:
        if not path.exists():
            pytest.fail(f"{path} is missing: {how}")


@pytest.fixture(scope="module")
def poe() -> Iterator[FakePoe]:
    """The fake Poe server with every bot the tests use."""
    with FakePoe() as fake:
        for bot, script in SCRIPTS.items():
            fake.set_script(bot, script)
        fake.set_balance(BALANCE)
        yield fake


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project with one Python module."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "m.py").write_text(ORIGINAL)
    return folder


def test_extension_host_suite(
    prerequisites: None, poe: FakePoe, workspace: Path, tmp_path: Path
) -> None:
    """The integration tests pass in the extension host, and the key went to Poe only."""
    poe.reset()
    make_repo(workspace, staged=None)
    (workspace / "notes.txt").write_text("What m is for.\n")
    git(workspace, "add", "notes.txt")
    result = tmp_path / "suite-result.json"
    chats = tmp_path / "chats"
    suite_config = tmp_path / "suite-config.json"
    suite_config.write_text(
        json.dumps(
            {
                "resultFile": str(result),
                "workspace": str(workspace),
                "apiKey": API_KEY,
                "file": "m.py",
                "original": ORIGINAL,
                "refactored": REFACTORED,
                "asked": ASKED,
                "askInstruction": ASK_INSTRUCTION,
                "explanation": EXPLANATION,
                "tests": TESTS,
                "testFile": "tests/test_m.py",
                "balance": BALANCE,
                "settingsKey": SETTINGS_KEY,
                "commitMessage": "Add notes\n\nWrite down what the module is for.",
                "chatDirectory": str(chats),
                "chatQuestion": CHAT_QUESTION,
                "chatBot": "Asker",
            }
        )
    )
    with (
        _code_server(
            tmp_path,
            _poe_settings(poe),
            {"poe.server.pythonPath": str(PYTHON)},
            {"POE_VSCODE_TEST_CONFIG": str(suite_config), "POE_CHAT_DIRECTORY": str(chats)},
        ) as server,
        _servers_seen(server) as servers,
    ):
        _node(
            "test/harness/run-ext-tests.mjs",
            tmp_path / "harness.json",
            {
                "base": server.base,
                "workspace": str(workspace),
                "extension": str(EXTENSION),
                "tests": str(SUITE),
                "resultFile": str(result),
                "timeoutMs": 240_000,
                "screenshot": str(ARTIFACTS / "vscode-extension-host.png"),
            },
        )
        moved = poe.usage_requests[-1]
        assert moved.authorization == f"Bearer {SETTINGS_KEY}", "the moved key did not reach Poe"
        _assert_key_only_sent_to_poe(poe, server.data, workspace, moved=moved)
    # The suite takes Code out of poe.trustedBots (the server restarts and asks), then back in.
    without_code = ",".join(bot for bot in SCRIPTS if bot != "Code")
    _assert_servers_got_trust(servers, poe, {",".join(SCRIPTS), without_code})
    asked = [r for r in poe.requests if r.bot == "Asker"]
    assert asked, "Ask never reached the bot"
    assert ASK_INSTRUCTION in json.dumps(asked[0].messages)
    assert {r.bot for r in poe.requests} >= {"Code", "Explainer", "Asker", "Tester", "Slow"}
    committed = [r for r in poe.requests if r.bot == "Committer"]
    assert committed and "+What m is for." in json.dumps(committed[0].messages)
    assert poe.usage_requests, "Show Balance never asked Poe's usage API"
    assert (workspace / "tests" / "test_m.py").read_text() == TESTS
    # The chat: one file in $POE_CHAT_DIRECTORY, none in the workspace; the bot got the
    # selection it began from and the question typed under ## You.
    [chat] = list(chats.iterdir())
    assert chat.suffix == ".md" and CHAT_QUESTION in chat.read_text() and ASKED in chat.read_text()
    assert not list(workspace.rglob("*.md")), "a chat was written into the workspace"
    chatted = [r for r in asked if CHAT_QUESTION in json.dumps(r.messages)]
    assert chatted, "the chat's question never reached the bot"
    assert "return a+b" in json.dumps(chatted[0].messages), "the chat's context was not sent"


def test_ui_refactor_from_the_palette(
    prerequisites: None, poe: FakePoe, workspace: Path, tmp_path: Path
) -> None:
    """A person's path: palette, streamed refactor, saved file, explanation hover, a custom
    action from the editor's context menu (Poe, Run Action…), then a bot for Refactor chosen
    from Poe's catalogue, which lands in the user settings.

    Nothing but the .vsix: no server setting, no poe-lsp on the PATH, a ``python3`` without
    poe_lsp. The extension runs the poe-lsp bundled in it with that ``python3``.
    """
    if not VSIX.exists():
        pytest.fail(f"{VSIX} is missing: npm run package in editors/vscode")
    poe.reset()
    poe.set_models(CATALOGUE)
    chats = tmp_path / "chats"
    bare = _environment(tmp_path, {})
    assert shutil.which("poe-lsp", path=bare["PATH"]) is None
    python3 = shutil.which("python3", path=bare["PATH"])
    assert python3 is not None, "the bundled poe-lsp needs a python3 on the PATH"
    no_poe_lsp = subprocess.run(
        [python3, "-I", "-c", "import poe_lsp"], env=bare, capture_output=True, timeout=30
    )
    assert no_poe_lsp.returncode != 0, f"{python3} has poe_lsp: the test would not prove the bundle"
    with (
        _code_server(
            tmp_path,
            {**_poe_settings(poe), "poe.actions": [CUSTOM_ACTION]},
            {},
            {"POE_CHAT_DIRECTORY": str(chats)},
            vsix=VSIX,
        ) as server,
        _servers_seen(server) as servers,
    ):
        _node(
            "test/ui/smoke.mjs",
            tmp_path / "smoke.json",
            {
                "url": f"{server.base}/?folder={workspace}",
                "file": "m.py",
                "apiKey": API_KEY,
                "bot": "Code",
                "refactoredLine": '"""Return the sum of a and b."""',
                "explanation": EXPLANATION,
                "action": CUSTOM_ACTION["title"],
                "actionLine": '"""Add two numbers."""',
                "chatQuestion": CHAT_QUESTION,
                "chatBot": "Asker",
                "chooseFor": "Refactor",
                "chosenBot": CHOSEN_BOT,
                "chosenBotFacts": "by Poe Test · $1.00 in, $2.00 out per million tokens",
                "screenshots": str(ARTIFACTS),
            },
        )
        _assert_key_only_sent_to_poe(poe, server.data, workspace)
    assert poe.models_requests, "Choose Bot never asked for Poe's catalogue"
    user = json.loads((server.data / "User" / "settings.json").read_text())
    assert user["poe.bots"] == {**_poe_settings(poe)["poe.bots"], "refactor": CHOSEN_BOT}
    assert user["poe.bot"] == "Code"
    assert not (workspace / ".vscode").exists(), "Choose Bot wrote to the workspace's settings"
    _assert_servers_got_trust(servers, poe, {",".join(SCRIPTS)})
    for process in servers.values():  # python3 [-I LAUNCHER], through a pyenv shim maybe
        assert b"-I" in process.argv, process.argv
        launcher = process.argv[process.argv.index(b"-I") + 1].decode()
        assert launcher.startswith(str(tmp_path / "extensions")), process.argv
        assert launcher.endswith("/bundled/tool/poe_lsp_server.py"), process.argv
    assert _wait_for(lambda: (workspace / "m.py").read_text() == ASKED), (
        workspace / "m.py"
    ).read_text()
    [chat] = list(chats.iterdir())  # saved after the answer
    assert CHAT_QUESTION in chat.read_text() and "## Asker" in chat.read_text()
    assert not list(workspace.rglob("*.md")), "a chat was written into the workspace"
    print(f"screenshots: {ARTIFACTS / 'vscode-refactor.png'} {ARTIFACTS / 'vscode-explain.png'}")


class _Server:
    def __init__(self, base: str, data: Path, session: int) -> None:
        self.base = base
        self.data = data
        self.session = session
        """code-server's session id: every process it starts, poe-lsp too, is in it."""


class _ServerProcess:
    """What one poe-lsp process was started with."""

    def __init__(self, argv: list[bytes], environ: dict[bytes, bytes]) -> None:
        self.argv = argv
        self.environ = environ

    def holds(self, secret: str) -> bool:
        raw = b"\0".join([*self.argv, *(k + b"=" + v for k, v in self.environ.items())])
        return secret.encode() in raw

    def env(self, name: str) -> str | None:
        value = self.environ.get(name.encode())
        return None if value is None else value.decode()


@contextmanager
def _servers_seen(server: _Server) -> Iterator[dict[int, _ServerProcess]]:
    """Watch /proc for poe-lsp processes in code-server's session while the block runs."""
    seen: dict[int, _ServerProcess] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            for pid, process in _poe_lsp_processes(server.session):
                seen.setdefault(pid, process)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join(timeout=10)


def _poe_lsp_processes(session: int) -> Iterator[tuple[int, _ServerProcess]]:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if int(stat.rpartition(")")[2].split()[3]) != session:
                continue
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            server = any(b"poe_lsp" in arg or arg.endswith(b"/poe-lsp") for arg in argv)
            if not server or b"--stdio" not in argv:  # not a probe (--version)
                continue
            lines = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue  # gone, or not readable
        environ = dict(line.partition(b"=")[::2] for line in lines if b"=" in line)
        yield int(proc.name), _ServerProcess(argv, environ)


def _assert_servers_got_trust(
    servers: dict[int, _ServerProcess], poe: FakePoe, trusted_bots: set[str]
) -> None:
    """Each poe-lsp started got, in its environment, the user settings' trust (one of
    ``trusted_bots``, every one of them seen) and the host of their baseUrl; no key in its
    environment or command line."""
    assert servers, "no poe-lsp process was seen"
    for process in servers.values():
        for key in (API_KEY, SETTINGS_KEY):
            assert not process.holds(key), (
                f"a key is in poe-lsp's argv or environment: {process.argv}"
            )
    assert {p.env("POE_TRUSTED_BOTS") for p in servers.values()} == trusted_bots
    host = poe.base_url.split("/")[2]
    assert {p.env("POE_ALLOWED_HOSTS") for p in servers.values()} == {host}


@contextmanager
def _code_server(
    tmp_path: Path,
    settings: dict[str, Any],
    machine: dict[str, Any],
    env: dict[str, str],
    vsix: Path | None = None,
) -> Iterator[_Server]:
    """Run code-server on a free loopback port with a fresh profile and these settings.

    code-server windows are remote windows: machine-scoped settings (where the server is) come
    from the machine's settings, not the user's.
    """
    data, extensions, home = tmp_path / "data", tmp_path / "extensions", tmp_path / "home"
    for folder, values in (("User", settings), ("Machine", machine)):
        (data / folder).mkdir(parents=True)
        (data / folder / "settings.json").write_text(json.dumps(values, indent=2))
    extensions.mkdir()
    home.mkdir()
    server_env = _environment(home, env)
    if vsix is not None:
        subprocess.run(
            [*_profile(data, extensions), "--install-extension", vsix],
            env=server_env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = _free_port()
    log = (tmp_path / "code-server.log").open("wb")
    process = subprocess.Popen(
        [
            *_profile(data, extensions),
            *("--auth", "none", "--bind-addr", f"127.0.0.1:{port}"),
            *("--disable-telemetry", "--disable-update-check", "--disable-workspace-trust"),
            *("--log", "trace"),  # so the "Poe Trace" channel records (and must mask the key)
        ],
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_for(lambda: _healthy(base), timeout=60), "code-server did not start"
        yield _Server(base, data, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        log.close()


def _profile(data: Path, extensions: Path) -> list[str | Path]:
    return [CODE_SERVER, "--user-data-dir", data, "--extensions-dir", extensions]


def _environment(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """code-server's environment: no Poe key, no trust of its own (the user settings', through
    the extension, only), no poe-lsp on the PATH, no marketplace."""
    unwanted = {"POE_API_KEY", "POE_TRUSTED_BOTS", "POE_ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "poe-lsp").exists()
    )
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_CACHE_HOME"] = str(home / "cache")  # poe-lsp's bot catalogue cache
    env["EXTENSIONS_GALLERY"] = json.dumps(
        {"serviceUrl": "http://127.0.0.1:9/gallery", "itemUrl": "http://127.0.0.1:9/item"}
    )
    env.update(extra)
    return env


def _poe_settings(poe: FakePoe) -> dict[str, Any]:
    return {
        **VSCODE_SETTINGS,
        "poe.baseUrl": poe.base_url,
        "poe.bot": "Code",
        "poe.bots": {
            "explain": "Explainer",
            "writeTests": "Tester",
            "ask": "Asker",
            "commitMessage": "Committer",
        },
        "poe.trustedBots": list(SCRIPTS),
        "poe.trace.server": "verbose",
    }


def _node(script: str, config_path: Path, config: dict[str, Any]) -> None:
    """Run a Node script of the extension with its JSON config; fail with its output."""
    config_path.write_text(json.dumps(config))
    node = shutil.which("node") or "node"
    run = subprocess.run(
        [node, script, str(config_path)],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(run.stdout, run.stderr, sep="\n")
    assert run.returncode == 0, f"{script} failed:\n{run.stdout}\n{run.stderr}"


def _assert_key_only_sent_to_poe(
    poe: FakePoe, data: Path, workspace: Path, moved: RecordedRequest | None = None
) -> None:
    """Every request to Poe carried the key as Bearer (but ``moved``, which carried the key
    moved from settings.json); settings.json and every other file lack the key."""
    requests = [r for r in poe.requests + poe.usage_requests if r is not moved]
    assert requests, "no query reached the fake Poe server"
    assert all(r.authorization == f"Bearer {API_KEY}" for r in requests), [
        r.authorization for r in requests
    ]
    settings = (data / "User" / "settings.json").read_text()
    assert API_KEY not in settings
    assert SETTINGS_KEY not in settings
    holders = [
        str(path)
        for folder in (data, workspace)
        for path in folder.rglob("*")
        if path.is_file()
        and any(key.encode() in path.read_bytes() for key in (API_KEY, SETTINGS_KEY))
    ]
    assert holders == [], f"a key was written to {holders}"


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(condition: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
