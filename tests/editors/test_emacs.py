"""Emacs + Eglot driving the real ``poe-lsp`` against the fake Poe bot server.

Each test runs ``emacs --batch -Q -l tests/editors/emacs/driver.el`` (Debian's ``emacs-nox``
and ``elpa-eglot``), configured as ``docs/editors.md`` tells users to:
``editors/emacs/poe-eglot.el`` installed with ``package-install-file``, ``poe-eglot-contact`` in
``eglot-server-programs``, the settings in ``eglot-workspace-configuration``. The driver runs a
code action or a command as a user would, waits for ``poe/jobEnded`` and writes what the
buffers hold as JSON; the assertions are here. Without Emacs the tests are skipped, except
under CI (``$CI`` set), where a missing Emacs fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakepoe import FakePoe, Script

HERE = Path(__file__).parent / "emacs"
ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs" / "editors.md"
PACKAGE = ROOT / "editors" / "emacs" / "poe-eglot.el"
EMACS = shutil.which("emacs")
EGLOT = sorted(Path("/usr/share/emacs/site-lisp/elpa").glob("eglot-*"))
PACKAGE_LINT = sorted(Path("/usr/share/emacs/site-lisp/elpa").glob("package-lint-*"))
INSTALL = "apt-get install -y emacs-nox elpa-eglot"
KEY = "emacs-test-key-7d41c2a9e0"

SOURCE = """\
import math


def area(r):
    x = r * r
    y = x * 3.14159
    return y


def unchanged():
    return 0
"""
REFACTORED = '''\
def area(r):
    """Return the area of a circle of radius r."""
    return math.pi * r * r
'''
AREA = "def area(r):\n    x = r * r\n    y = x * 3.14159\n    return y\n"
AREA_LINES = "4 7"  # the lines of AREA in SOURCE

needs_emacs = pytest.mark.skipif(
    (EMACS is None or not EGLOT) and not os.environ.get("CI"),
    reason=f"needs Emacs and Eglot: {INSTALL}",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project directory with ``geometry.py``."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "geometry.py").write_text(SOURCE)
    return root


def run_emacs(
    project: Path,
    poe: FakePoe,
    scenario: str,
    *,
    key_in_settings: bool = False,
    stdin: str = "",
) -> dict[str, Any]:
    """Run the driver on ``geometry.py``; return its result after checking the key stayed put.

    The key reaches the server either through the settings (``apiKey``, from an environment
    variable the elisp reads) or through ``$POE_API_KEY``; never through a command line.
    """
    assert EMACS is not None and EGLOT, f"Emacs and Eglot are needed: {INSTALL}"
    log = project.parent / "poe-lsp.log"
    result = project.parent / "result.json"
    env = {k: v for k, v in os.environ.items() if k != "POE_API_KEY"}
    env.update(
        HOME=str(project.parent),  # no ~/.emacs.d of the machine's user
        PYTHONUNBUFFERED="1",
        POE_TEST_SCENARIO=scenario,
        POE_TEST_FILE=str(project / "geometry.py"),
        POE_TEST_RANGE=AREA_LINES,
        POE_TEST_RESULT=str(result),
        POE_LSP_COMMAND=json.dumps([sys.executable, "-m", "poe_lsp", "-v", "--log-file", str(log)]),
        # Eglot's settings can come from a project's .dir-locals.el, so they alone do not
        # trust a bot: the user's environment does.
        POE_TRUSTED_BOTS="Code,Explainer",
        POE_TEST_SETTINGS=json.dumps(
            {"baseUrl": poe.base_url, "bot": "Code", "trustedBots": ["Code", "Explainer"]}
        ),
    )
    env["POE_TEST_KEY" if key_in_settings else "POE_API_KEY"] = KEY
    argv = [EMACS, "--batch", "-Q", "-l", str(HERE / "driver.el")]
    done = subprocess.run(
        argv, env=env, input=stdin, capture_output=True, text=True, timeout=180, cwd=project
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert KEY not in output + " ".join(argv)
    assert KEY not in log.read_text(), "the key reached the server's log"
    for path in project.rglob("*"):
        assert not path.is_file() or KEY not in path.read_text(), f"the key is in {path}"
    assert all(r.authorization == f"Bearer {KEY}" for r in poe.requests)
    data: dict[str, Any] = json.loads(result.read_text())
    return data


def streamed(poe: FakePoe, bot: str) -> int:
    """How many chunks ``bot`` streamed to the one query it got."""
    (request,) = [r for r in poe.requests if r.bot == bot]
    return request.chunks_sent


@needs_emacs
def test_refactor_code_action_streams_into_the_buffer_as_one_undo_step(
    project: Path, poe: FakePoe
) -> None:
    chunks = ["Here it is:\n\n```python\n", *REFACTORED.splitlines(keepends=True), "```\n", "Done."]
    poe.set_script("Code", Script(chunks=chunks, delay=0.15))

    result = run_emacs(project, poe, "refactor", key_in_settings=True)

    assert result["offered"] == ["Poe: Explain", "Poe: Refactor", "Poe: Write tests"]
    assert result["text"] == SOURCE.replace(AREA, REFACTORED)
    assert streamed(poe, "Code") == len(chunks)
    event = result["event"]
    assert (event["action"], event["outcome"]) == ("refactor", "done")
    assert event["targetUri"] == (project / "geometry.py").as_uri()
    assert result["applied"] == event["edits"] >= 2, "the answer did not stream"
    assert result["undone"] == SOURCE, "one undo did not take the whole answer back"


@needs_emacs
def test_explain_code_action_answers_in_the_hover(project: Path, poe: FakePoe) -> None:
    chunks = ["`area` squares ", "the radius ", "and multiplies by pi."]
    poe.set_script("Code", Script(chunks=chunks, delay=0.1))

    result = run_emacs(project, poe, "explain")

    explanation = result["event"]["explanation"]
    assert explanation.startswith("`area` squares the radius and multiplies by pi.")
    assert result["hover"] == explanation.strip()
    assert result["shown"] == explanation
    assert result["hoverOutside"] is None
    assert result["text"] == SOURCE
    assert result["applied"] == 0
    assert streamed(poe, "Code") == len(chunks)


@needs_emacs
def test_ask_prompts_for_the_instruction_and_offers_the_answer_for_review(
    project: Path, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", REFACTORED, "```\n"], delay=0.1))

    result = run_emacs(project, poe, "ask", stdin="Use math.pi and add a docstring\n")

    (request,) = poe.requests
    assert "Use math.pi and add a docstring" in request.messages[-1]["content"]
    assert (result["event"]["action"], result["event"]["outcome"]) == ("ask", "done")
    assert REFACTORED in result["proposal"]
    assert result["offered"][:2] == ["Poe: Accept answer (Code)", "Poe: Reject answer (Code)"]
    assert result["text"] == SOURCE.replace(AREA, REFACTORED)
    assert result["applied"] == 1
    assert result["undone"] == SOURCE


@needs_emacs
def test_cancel_command_takes_the_streamed_edits_back(project: Path, poe: FakePoe) -> None:
    lines = [f"    # step {n}\n" for n in range(20)]
    poe.set_script("Code", Script(chunks=["```python\n", "def area(r):\n", *lines], delay=0.5))

    result = run_emacs(project, poe, "cancel")

    assert result["streamed"] != SOURCE
    assert (result["event"]["action"], result["event"]["outcome"]) == ("refactor", "cancelled")
    assert result["text"] == SOURCE
    assert streamed(poe, "Code") < 2 + len(lines), "cancelling did not stop the answer"


@needs_emacs
def test_write_tests_fills_and_shows_the_test_file(project: Path, poe: FakePoe) -> None:
    tests = "from geometry import area\n\n\ndef test_area():\n    assert area(1) > 3\n"
    chunks = ["```python\n", *tests.splitlines(keepends=True), "```\n"]
    poe.set_script("Code", Script(chunks=chunks, delay=0.1))

    result = run_emacs(project, poe, "write-tests")

    assert result["text"] == SOURCE
    assert result["event"]["targetUri"] == (project / "tests" / "test_geometry.py").as_uri()
    assert result["tests"] == tests
    assert (project / "tests" / "test_geometry.py").read_text() == ""  # written, not saved
    assert result["testsShown"] is True
    assert result["testsManaged"] is True
    assert result["applied"] >= 2


def test_the_docs_use_the_tested_package() -> None:
    """docs/editors.md points at the package the tests install, and names only what it defines."""
    docs = DOCS.read_text()
    assert "](../editors/emacs/poe-eglot.el)" in docs
    defined = set(
        re.findall(r"^\((?:defun|defclass|defcustom) (poe-eglot-[\w-]+)", PACKAGE.read_text(), re.M)
    )
    named = set(re.findall(r"\b(poe-eglot-[a-z][\w-]*)", docs))
    assert {"poe-eglot-contact", "poe-eglot-server", "poe-eglot-ask"} <= named
    assert named <= defined, f"the docs name what poe-eglot.el lacks: {named - defined}"


@needs_emacs
def test_the_package_compiles_clean_and_passes_package_lint() -> None:
    """``make lint``'s Emacs check: no byte-compiler warning, no package-lint complaint."""
    if not PACKAGE_LINT and not os.environ.get("CI"):
        pytest.skip("needs package-lint: apt-get install -y elpa-package-lint")
    done = subprocess.run(
        [str(EMACS), "--batch", "-Q", "-l", str(HERE / "lint.el"), str(PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
