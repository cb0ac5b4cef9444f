"""What the bot gets besides the selection, end to end: the project's instruction files, the
file's imports, and `poe.sent`, against the real server and the fake Poe bot."""

from __future__ import annotations

import pytest
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import execute, settings_for, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.e2e.test_commands import NEW_CODE, args, code_answer, open_source
from tests.fakepoe import FakePoe, Script

RULES = "Name tests after the behaviour they check.\n"


async def refactor(session: Editor, poe: FakePoe, name: str = "src/geometry.py") -> str:
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE)))
    (session.root / name).parent.mkdir(parents=True, exist_ok=True)
    uri = open_source(session, name)
    await execute(session.client, "poe.refactor", args(uri))
    await wait_for_progress_end(session.client)
    return uri


def system(poe: FakePoe) -> str:
    content: str = poe.requests[-1].messages[0]["content"]
    return content


async def test_the_nearest_agents_md_goes_into_the_system_message(
    session: Editor, poe: FakePoe
) -> None:
    (session.root / "AGENTS.md").write_text("Root rules, hidden by the nearer file.\n")
    (session.root / "src").mkdir()
    (session.root / "src" / "AGENTS.md").write_text(RULES)
    (session.root / "CLAUDE.md").write_text("Prefer pathlib.\n")
    uri = await refactor(session, poe)
    assert NEW_CODE in session.text(uri)
    text = system(poe)
    assert f"src/AGENTS.md:\n```markdown\n{RULES}```" in text
    assert "CLAUDE.md:\n```markdown\nPrefer pathlib.\n```" in text
    assert "Root rules" not in text
    assert "the instructions above win" in text


async def test_an_agents_md_linked_out_of_the_workspace_is_never_sent(
    session: Editor, poe: FakePoe, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    (home / "notes.md").write_text("aws_secret_access_key = SECRET-7f3e9d0c5b1a\n")
    (session.root / "AGENTS.md").symlink_to(home / "notes.md")
    uri = await refactor(session, poe)
    assert NEW_CODE in session.text(uri)
    assert len(poe.requests) == 1
    for message in poe.requests[0].messages:
        assert "SECRET" not in message["content"]


async def test_the_setting_off_sends_no_instructions(session: Editor, poe: FakePoe) -> None:
    (session.root / "AGENTS.md").write_text(RULES)
    settings = {"poe": {**settings_for(poe), "projectInstructions": False}}
    session.client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings=settings)
    )
    await refactor(session, poe)
    assert RULES not in system(poe)
    assert "AGENTS.md" not in system(poe)


async def test_the_imports_go_along_with_a_selection_500_lines_below_them(
    session: Editor, poe: FakePoe
) -> None:
    imports = '"""Shapes."""\n\nimport math\nfrom typing import Final\n'
    body = "".join(f"X{i}: Final = {i}\n" for i in range(500))
    source = imports + "\n" + body + "\n\ndef area(r):\n    return math.pi * r * r\n"
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE)))
    uri = (session.root / "shapes.py").as_uri()
    session.open(uri, source)
    line = source.count("\n") - 2
    selection = {"start": {"line": line, "character": 0}, "end": {"line": line + 2, "character": 0}}
    await execute(
        session.client, "poe.refactor", {"textDocument": {"uri": uri}, "range": selection}
    )
    await wait_for_progress_end(session.client)
    user = poe.requests[0].messages[-1]["content"]
    assert f"The file begins (lines 1-4):\n```python\n{imports}```" in user
    assert user.count("import math") == 1
    assert "X0: Final" not in user
    assert NEW_CODE in session.text(uri)


async def test_poe_sent_answers_exactly_what_the_bot_received(
    session: Editor, poe: FakePoe
) -> None:
    (session.root / "AGENTS.md").write_text(RULES)
    poe.set_script("Code", Script(chunks=code_answer(NEW_CODE)))
    uri = open_source(session)
    started = await execute(session.client, "poe.refactor", args(uri))
    (reports,) = await wait_for_progress_end(session.client)
    sent = await execute(session.client, "poe.sent", {"jobId": started["jobId"]})
    received = poe.requests[0].messages
    assert [(m["role"], m["content"]) for m in sent["messages"]] == [
        (m["role"], m["content"]) for m in received
    ]
    assert sent["sources"] == ["geometry.py", "AGENTS.md"]
    characters = sum(len(m["content"]) for m in received)
    said = [getattr(r, "message", None) or "" for r in reports]
    assert any(f"sent 2 files, {characters:,} characters" in m for m in said), said
    with pytest.raises(JsonRpcException, match="No job of this session"):
        await execute(session.client, "poe.sent", {"jobId": "job-nope"})
