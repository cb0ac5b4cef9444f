"""Install a built wheel as a user would, with pipx, and run it against the fake Poe bot.

    python -m tools.install_smoke dist/poe_lsp-X-py3-none-any.whl

pipx gets a home of its own in a temporary folder, so nothing of the source tree or of the
dev environment is on the installed server's path. Checked: ``poe-lsp --version`` names the
wheel's version, the installed ``poe_lsp`` lies inside pipx's environment, and ``poe-lsp
explain FILE:1-3`` streams the fake bot's answer. Exits non-zero, saying why, on any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fakepoe import FakePoe, Script

KEY = "install-smoke-key-5b2e91"
BOT = "Claude-Sonnet-4.5"  # the default bot, trusted out of the box
ANSWER = ["`area` returns ", "the area of a circle."]
SOURCE = "def area(r):\n    return 3.14159 * r * r\n\nprint(area(2))\n"


def fail(message: str, done: subprocess.CompletedProcess[str] | None = None) -> None:
    """Stop with ``message`` and what the command said."""
    if done is not None:
        message += f"\nexit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    raise SystemExit(f"install smoke: {message}")


def run(argv: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].endswith(".whl"):
        fail("usage: python -m tools.install_smoke WHEEL")
    wheel = Path(argv[0]).resolve()
    version = wheel.name.split("-")[1]
    with tempfile.TemporaryDirectory(prefix="poe-pipx-") as tmp:
        home = Path(tmp)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "PIPX_HOME": str(home / "pipx"),
            "PIPX_BIN_DIR": str(home / "bin"),
            "PIPX_MAN_DIR": str(home / "man"),
            "LANG": "C.UTF-8",
        }
        for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE"):
            if name in os.environ:
                env[name] = os.environ[name]
        started = time.monotonic()
        done = run([sys.executable, "-m", "pipx", "install", str(wheel)], env=env, cwd=home)
        if done.returncode != 0:
            fail("pipx install failed", done)
        print(f"pipx install {wheel.name}: {time.monotonic() - started:.1f}s")
        poe_lsp = home / "bin" / "poe-lsp"

        done = run([str(poe_lsp), "--version"], env=env, cwd=home)
        if done.returncode != 0 or done.stdout.strip() != f"poe-lsp {version}":
            fail(f"poe-lsp --version should say poe-lsp {version}", done)
        print(done.stdout.strip())

        python = home / "pipx" / "venvs" / "poe-lsp" / "bin" / "python"
        done = run(
            [str(python), "-c", "import poe_lsp; print(poe_lsp.__file__)"], env=env, cwd=home
        )
        where = Path(done.stdout.strip())
        if done.returncode != 0 or not where.is_relative_to(home / "pipx"):
            fail("the installed poe_lsp is not pipx's", done)

        project = home / "project"
        project.mkdir()
        (project / "app.py").write_text(SOURCE)
        with FakePoe() as poe:
            poe.set_script(BOT, Script(chunks=[*ANSWER], delay=0.02))
            done = run(
                [str(poe_lsp), "explain", "app.py:1-3", "--base-url", poe.base_url],
                env={**env, "POE_API_KEY": KEY},
                cwd=project,
            )
            if done.returncode != 0 or done.stdout != "".join(ANSWER) + "\n":
                fail("poe-lsp explain did not stream the answer", done)
            if "def area(r):" not in poe.requests[0].messages[1]["content"]:
                fail("the bot did not get the selected code")
        print(f"poe-lsp explain app.py:1-3 from {where.parent}: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
