"""What never reaches a bot, end to end: a module whose name looks like a secret, a module git
ignores, a conftest in an ignored folder, even when the selection imports or needs them; and an
action on a ``.env`` file is refused before any request. Next to the friendly case: a tracked,
plainly named module's signature is sent."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lsprotocol import types as t

from tests.e2e.conftest import execute, rng, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.e2e.test_commands import code_answer
from tests.fakepoe import FakePoe, Script

TOKEN = "tok-4b9e1f7a2c"
USES = (
    "from pkg.credentials import load_token\n"
    "from pkg.local_settings import tuned\n"
    "from pkg.helpers import scale\n\n\n"
    "def total(x):\n    return scale(tuned(load_token(x)))\n"
)


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def _module(name: str, function: str) -> str:
    return f'TOKEN = "{TOKEN}"\n\n\ndef {function}(x: int) -> int:\n    """{name} {TOKEN}."""\n'


def _repository(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "credentials.py").write_text(_module("credentials", "load_token"))
    (root / "pkg" / "local_settings.py").write_text(_module("local", "tuned"))
    (root / "pkg" / "helpers.py").write_text(
        'def scale(value: float) -> float:\n    """Double it."""\n    return value * 2\n'
    )
    (root / ".gitignore").write_text("pkg/local_settings.py\n")
    git_init(root)


async def test_secret_looking_and_ignored_modules_are_never_sent_even_when_imported(
    session: Editor, poe: FakePoe
) -> None:
    _repository(session.root)
    poe.set_script("Code", Script(chunks=code_answer("def total(x):\n    return 0\n")))
    uri = (session.root / "pkg" / "uses.py").as_uri()
    session.open(uri, USES)
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": rng(5, 0, 7, 0)}
    )
    await wait_for_progress_end(session.client)

    sent = "\n".join(m["content"] for m in poe.requests[0].messages)
    assert "def scale(value: float) -> float:" in sent, "the tracked helper is sent"
    assert TOKEN not in sent
    assert "pkg/credentials.py" not in sent
    assert "pkg/local_settings.py" not in sent


async def test_a_conftest_in_an_ignored_folder_is_not_read_for_write_tests(
    session: Editor, poe: FakePoe
) -> None:
    root = session.root
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef shared():\n    return 1\n"
    )
    (root / "tests" / "private").mkdir()
    (root / "tests" / "private" / "conftest.py").write_text(
        f"import pytest\n\n\n@pytest.fixture\ndef fixture_{TOKEN.replace('-', '_')}():\n"
        "    return 2\n"
    )
    (root / "tests" / "private" / "test_calc.py").write_text("def test_x():\n    pass\n")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / ".gitignore").write_text("tests/private/conftest.py\n")
    git_init(root)
    poe.set_script("Code", Script(chunks=code_answer("def test_add():\n    assert True\n")))
    uri = (root / "calc.py").as_uri()
    session.open(uri, (root / "calc.py").read_text())
    await execute(
        session.client, "poe.writeTests", {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
    )
    await wait_for_progress_end(session.client)

    sent = "\n".join(m["content"] for m in poe.requests[0].messages)
    assert "tests/private/test_calc.py" in sent, "the existing test file is the target"
    assert "shared" in sent, "the tracked conftest's fixture is named"
    assert TOKEN.replace("-", "_") not in sent


async def test_an_action_on_a_dotenv_file_is_refused_before_any_request(
    session: Editor, poe: FakePoe
) -> None:
    env = session.root / ".env.local"
    env.write_text(f"POE_API_KEY={TOKEN}\n")
    session.open(env.as_uri(), env.read_text(), language="dotenv")
    await execute(
        session.client,
        "poe.explain",
        {"textDocument": {"uri": env.as_uri()}, "range": rng(0, 0, 1, 0)},
    )
    (reports,) = await wait_for_progress_end(session.client)

    assert poe.requests == []
    shown = [m.message for m in session.client.messages if m.type == t.MessageType.Warning]
    assert any("looks like a file of secrets" in m for m in shown), shown
    assert ".env.local" in reports[-1].message
