"""The server does what ``editors/contract.json`` tells the editors: the commands and code
actions it offers, and the labels of its streamed edits, which clients group into undo steps."""

from __future__ import annotations

import json

from lsprotocol import types as t

from poe_lsp.contract_files import CONTRACT_JSON
from tests.e2e.conftest import execute, rng, wait_for_progress_end
from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe, Script

CONTRACT = json.loads(CONTRACT_JSON.read_text())
SOURCE = "def area(r):\n    return 3.14 * r * r\n\n\nprint(area(2))\n"


async def test_it_offers_the_commands_and_code_actions_of_the_contract(session: Editor) -> None:
    capabilities = session.server_capabilities
    assert capabilities is not None
    assert set(capabilities.execute_command_provider.commands) == set(CONTRACT["commands"])
    kinds = capabilities.code_action_provider.code_action_kinds
    assert list(kinds) == [action["kind"] for action in CONTRACT["codeActions"]]

    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    selection = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=2, character=0))
    offered = await session.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=selection,
            context=t.CodeActionContext(diagnostics=[]),
        )
    )
    expected = [a for a in CONTRACT["codeActions"] if "action" in a]
    assert [(a.title, a.kind, a.command.command) for a in offered or [] if a.command] == [
        (a["title"], a["kind"], a["command"]) for a in expected
    ]


async def test_streamed_edits_carry_the_label_of_their_action(
    session: Editor, poe: FakePoe
) -> None:
    poe.set_script("Code", Script(chunks=["```python\n", "def area(r):\n", "    return r\n```\n"]))
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    arguments = {"textDocument": {"uri": uri}, "range": rng(0, 0, 2, 0)}
    labels = {action["name"]: action["label"] for action in CONTRACT["actions"]}
    for count, action in enumerate(("refactor", "writeTests"), start=1):
        before = len(session.edits)
        await execute(session.client, f"poe.{action}", arguments)
        reports = await wait_for_progress_end(session.client, count)
        assert {edit.params.label for edit in session.edits[before:]} == {labels[action]}
        assert labels[action] in {r[0].title for r in reports}
