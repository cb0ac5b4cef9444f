"""Code actions: what is offered, for which range, and that offering them costs nothing."""

from __future__ import annotations

from lsprotocol import types as t

from tests.e2e.editor import Editor
from tests.fakepoe import FakePoe

SOURCE = (
    "import math\n\n\ndef area(r):\n    x = math.pi * r * r\n    return x\n\n\nprint(area(2))\n"
)


async def code_actions(
    editor: Editor, uri: str, rng: t.Range, only: list[str] | None = None
) -> list[t.CodeAction]:
    result = await editor.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=t.CodeActionContext(diagnostics=[], only=only),
        )
    )
    assert result is not None
    return [a for a in result if isinstance(a, t.CodeAction)]


def _range(a: int, b: int, c: int, d: int) -> t.Range:
    return t.Range(start=t.Position(line=a, character=b), end=t.Position(line=c, character=d))


async def test_capabilities_advertise_commands_and_kinds(session: Editor) -> None:
    server_caps = session.server_capabilities
    assert server_caps is not None
    assert set(server_caps.execute_command_provider.commands) == {
        "poe.explain",
        "poe.refactor",
        "poe.writeTests",
        "poe.ask",
        "poe.cancel",
        "poe.accept",
        "poe.reject",
        "poe.balance",
        "poe.listBots",
        "poe.sent",
        "poe.commitMessage",
        "poe.run",
        "poe.fix",
        "poe.listActions",
        "poe.followUp",
        "poe.chat",
        "poe.chatSend",
        "poe.chatApply",
        "poe.usage",
    }
    kinds = server_caps.code_action_provider.code_action_kinds
    assert set(kinds) == {
        "poe.explain",
        "refactor.rewrite",
        "poe.writeTests",
        "poe.accept",
        "poe.reject",
        "source.poe.commitMessage",
        "quickfix",
        "poe.followUp",
        "poe.chatSend",
        "poe.chatApply",
    }
    assert server_caps.hover_provider


async def test_three_actions_for_a_selection_without_network(session: Editor, poe: FakePoe) -> None:
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    selection = _range(3, 0, 6, 0)
    actions = await code_actions(session, uri, selection)

    assert [(a.title, a.kind) for a in actions] == [
        ("Poe: Explain", "poe.explain"),
        ("Poe: Refactor", "refactor.rewrite"),
        ("Poe: Write tests", "poe.writeTests"),
    ]
    commands = [a.command for a in actions if a.command]
    assert [c.command for c in commands] == ["poe.explain", "poe.refactor", "poe.writeTests"]
    for command in commands:
        (argument,) = command.arguments or []
        assert argument["textDocument"] == {"uri": uri}
        assert argument["range"] == {
            "start": {"line": 3, "character": 0},
            "end": {"line": 6, "character": 0},
        }
    assert poe.requests == []


async def test_only_filters_by_kind(session: Editor) -> None:
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    actions = await code_actions(session, uri, _range(3, 0, 6, 0), only=["refactor"])
    assert [a.title for a in actions] == ["Poe: Refactor"]
    actions = await code_actions(session, uri, _range(3, 0, 6, 0), only=["poe"])
    assert [a.title for a in actions] == ["Poe: Explain", "Poe: Write tests"]


async def test_cursor_on_def_line_acts_on_the_whole_block(session: Editor) -> None:
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    actions = await code_actions(session, uri, _range(3, 4, 3, 4))
    (argument,) = actions[0].command.arguments or []  # type: ignore[union-attr]
    assert argument["range"] == {
        "start": {"line": 3, "character": 0},
        "end": {"line": 6, "character": 0},
    }


async def test_cursor_on_blank_line_offers_nothing(session: Editor) -> None:
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    assert await code_actions(session, uri, _range(1, 0, 1, 0)) == []


async def test_diagnostics_in_context_travel_with_the_command(session: Editor) -> None:
    uri = (session.root / "geometry.py").as_uri()
    session.open(uri, SOURCE)
    diagnostic = t.Diagnostic(
        range=_range(4, 4, 4, 5), message="unused name x", severity=t.DiagnosticSeverity.Warning
    )
    result = await session.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=_range(3, 0, 6, 0),
            context=t.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert result
    action = result[1]
    assert isinstance(action, t.CodeAction) and action.command
    assert action.command.arguments[0]["diagnostics"][0]["message"] == "unused name x"  # type: ignore[index]
