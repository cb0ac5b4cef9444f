"""The action workflow, end to end in memory: a fake editor and a scripted Poe client.

Each test runs :func:`~poe_lsp.actions.run.run_action` as a job and checks what the user
would see: the document, the messages, the progress, the job event and the outcome.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from lsprotocol import types as t

from poe_lsp.actions.run import Outcome, run_action
from poe_lsp.actions.targets import EditorTargets
from poe_lsp.contract import Action, ActionArgs
from poe_lsp.jobs import Job
from poe_lsp.messages import UNEXPECTED
from poe_lsp.poe import PoeError
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from tests.unit.fakes import FakeEditor, ScriptedPoe

URI = "file:///w/calc.py"
TESTS = "file:///w/tests/test_calc.py"
SOURCE = "import os\n\n\ndef add(a, b):\n    return a+b\n\n\nprint(add(1, 2))\n"
SELECTED = t.Range(start=t.Position(line=3, character=0), end=t.Position(line=5, character=0))
NEW = "def add(a: int, b: int) -> int:\n    return a + b\n"
SETTINGS = Settings(api_key="k-123", bot="Claude-Sonnet-4.5")


def answer(code: str) -> list[str]:
    """A bot answer with ``code`` in a fence, in a few chunks."""
    text = f"```python\n{code}```\n"
    return [text[i : i + 9] for i in range(0, len(text), 9)]


async def run(
    editor: FakeEditor,
    poe: ScriptedPoe,
    action: Action = "refactor",
    *,
    settings: Settings = SETTINGS,
    args: ActionArgs | None = None,
    session: Session | None = None,
) -> tuple[Outcome, Session]:
    session = session or Session(settings, client=poe)
    job = Job(id=f"{action}-1", action=action, uri=URI)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    outcome = await run_action(
        session, editor, job, action, args or ActionArgs(URI, SELECTED), targets
    )
    return outcome, session


async def test_refactor_streams_the_code_over_the_selection() -> None:
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW))

    outcome, session = await run(editor, poe)

    assert editor.text(URI) == SOURCE.replace("def add(a, b):\n    return a+b\n", NEW)
    assert outcome.ending == "done" and outcome.failure is None
    assert outcome.edits == len(editor.edits) > 0
    assert outcome.message == f"Claude-Sonnet-4.5 finished ({outcome.edits} edits)."
    (event,) = editor.events
    assert (event.outcome, event.target_uri, event.edits) == ("done", URI, outcome.edits)
    assert editor.progress.ended == [outcome.message]
    assert editor.tracked == 1, "only the kept conversation's region follows the document"
    conversation = session.conversations.get("refactor-1")
    assert conversation is not None and conversation.region is not None
    assert conversation.region.start == (3, 0) and conversation.region.end == (5, 0)
    (query,) = poe.queries
    assert "def add(a, b)" in query.messages[-1].content and query.api_key == "k-123"


async def test_write_tests_creates_the_test_file_and_shows_it() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(answer("def test_add():\n    assert add(1, 2) == 3\n"))

    outcome, _ = await run(editor, poe, "writeTests")

    assert outcome.ending == "done" and outcome.target_uri == TESTS
    assert editor.text(TESTS) == "def test_add():\n    assert add(1, 2) == 3\n"
    assert editor.text(URI) == SOURCE
    assert editor.shown == [TESTS]
    prompt = poe.queries[0].messages[-1].content
    assert "The tests go into the new file tests/test_calc.py." in prompt


async def test_write_tests_appends_after_the_existing_tests() -> None:
    existing = "import calc\n\n\ndef test_old():\n    pass\n"
    editor = FakeEditor({URI: SOURCE, TESTS: existing})
    poe = ScriptedPoe(answer("def test_new():\n    pass\n"))

    outcome, _ = await run(editor, poe, "writeTests")

    assert outcome.ending == "done"
    assert editor.text(TESTS) == existing + "\n\ndef test_new():\n    pass\n"
    assert "def test_old" in poe.queries[0].messages[-1].content, "the prompt shows its head"


async def test_explain_keeps_the_answer_for_the_hover() -> None:
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(["It adds ", "two numbers."])

    outcome, session = await run(editor, poe, "explain")

    assert outcome.ending == "done" and editor.edits == []
    assert outcome.message == "Claude-Sonnet-4.5 explained the selection: hover it to read."
    explanation = session.explanations.at(URI, (4, 2))
    assert explanation is not None and explanation.done
    assert explanation.text == "It adds two numbers."
    assert "It adds two numbers." in (editor.events[0].explanation or "")


async def test_review_in_a_client_that_confirms_applies_what_the_user_accepts() -> None:
    editor, poe = FakeEditor({URI: SOURCE}, confirmable=True), ScriptedPoe(answer(NEW))
    settings = replace(SETTINGS, review={"refactor": True})

    outcome, session = await run(editor, poe, settings=settings)

    assert outcome.ending == "done"
    assert outcome.message == "Poe: Refactor (Claude-Sonnet-4.5): you accepted the change."
    assert NEW in editor.text(URI)
    assert len(editor.edits) == 1, "one edit, applied once the user confirmed it"
    assert editor.edits[0].change_annotations is not None
    assert session.proposals.get("refactor-1") is None


async def test_review_the_user_rejects_leaves_the_document_as_it_was() -> None:
    editor = FakeEditor({URI: SOURCE}, confirmable=True, accepts_confirmation=False)
    settings = replace(SETTINGS, review={"refactor": True})

    outcome, session = await run(editor, ScriptedPoe(answer(NEW)), settings=settings)

    assert outcome.ending == "cancelled"
    assert "you rejected the change; the document is as it was." in outcome.message
    assert editor.text(URI) == SOURCE
    assert session.proposals.get("refactor-1") is None
    assert editor.tracked == 0


async def test_review_elsewhere_keeps_a_proposal_for_accept_and_reject() -> None:
    editor = FakeEditor({URI: SOURCE})
    settings = replace(SETTINGS, review={"refactor": True})

    outcome, session = await run(editor, ScriptedPoe(answer(NEW)), settings=settings)

    assert outcome.ending == "done" and editor.text(URI) == SOURCE
    proposal = session.proposals.get("refactor-1")
    assert proposal is not None and proposal.code == NEW
    assert editor.messages == [("info", outcome.message)]
    assert "'Poe: Accept answer'" in outcome.message
    explanation = session.explanations.at(URI, (4, 0))
    assert explanation is not None and "Proposed change:" in explanation.text
    assert "Not applied yet" in explanation.markdown()
    assert editor.tracked == 2, "the proposal's region follows the document until accepted"
    # ... and so does the region of the kept conversation


async def test_cancel_mid_stream_rolls_back() -> None:
    hold = asyncio.Event()
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW), hold=hold)
    editor.on_edit = lambda: editor.cancel and editor.cancel()
    session = Session(SETTINGS, client=poe)
    job = Job(id="refactor-1", action="refactor", uri=URI)
    job.task = asyncio.ensure_future(
        run_action(
            session,
            editor,
            job,
            "refactor",
            ActionArgs(URI, SELECTED),
            EditorTargets(editor, session.explanations, session.proposals),
        )
    )

    outcome = await asyncio.wait_for(job.task, 5)

    assert isinstance(outcome, Outcome) and outcome.ending == "cancelled"
    assert outcome.message == "Cancelled; the document is as it was."
    assert editor.text(URI) == SOURCE
    assert [e.outcome for e in editor.events] == ["cancelled"]
    assert editor.progress.ended == [outcome.message]


async def test_a_poe_failure_after_some_code_rolls_back_and_says_so() -> None:
    error = PoeError("rate_limit", "Poe's rate limit: wait a minute.")
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW)[:-2], error=error)

    outcome, _ = await run(editor, poe)

    assert (outcome.ending, outcome.failure) == ("failed", "poe")
    assert outcome.message == "Poe's rate limit: wait a minute. The document is as it was."
    assert editor.text(URI) == SOURCE
    assert editor.messages == [("error", outcome.message)]


async def test_an_answer_without_code_leaves_the_selection_alone() -> None:
    editor = FakeEditor({URI: SOURCE})

    outcome, _ = await run(editor, ScriptedPoe(["Here you are:\n```python\n```\n"]))

    assert (outcome.ending, outcome.failure) == ("failed", "answer")
    assert "held no code" in outcome.message
    assert editor.text(URI) == SOURCE and editor.edits == []
    assert editor.messages == [("warning", outcome.message)]


async def test_typing_inside_the_region_stops_the_job_and_keeps_the_users_text() -> None:
    hold = asyncio.Event()
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW), hold=hold)

    def user_types() -> None:
        if editor.on_edit is not None:
            editor.on_edit = None
            editor.change(URI, t.Range(start=t.Position(3, 4), end=t.Position(3, 4)), "X")
            hold.set()

    editor.on_edit = user_types

    outcome, _ = await run(editor, poe)

    assert (outcome.ending, outcome.failure) == ("failed", "answer")
    assert "you edited the text Poe was writing" in outcome.message
    assert "X" in editor.text(URI), "the user's typing stays"


async def test_no_key_asks_nothing() -> None:
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW))

    outcome, _ = await run(editor, poe, settings=replace(SETTINGS, api_key=None))

    assert (outcome.ending, outcome.failure) == ("failed", "before")
    assert "poe.apiKey" in outcome.message and "POE_API_KEY" in outcome.message
    assert poe.queries == []


@pytest.mark.parametrize("allowed", [False, True])
async def test_an_untrusted_bot_is_asked_for_first(allowed: bool) -> None:
    editor, poe = FakeEditor({URI: SOURCE}, allow_bot=allowed), ScriptedPoe(answer(NEW))
    args = ActionArgs(URI, SELECTED, bot="Expensive-Bot")

    outcome, _ = await run(editor, poe, args=args)

    assert editor.asked == ["Expensive-Bot"]
    if allowed:
        assert outcome.ending == "done" and poe.queries[0].bot == "Expensive-Bot"
    else:
        assert (outcome.ending, outcome.failure) == ("failed", "before")
        assert poe.queries == [] and editor.messages[0][0] == "warning"
        assert "Expensive-Bot" in outcome.message


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_host_that_is_not_poe_is_asked_for_before_the_key_goes_there(
    allowed: bool,
) -> None:
    editor, poe = FakeEditor({URI: SOURCE}, allow_host=allowed), ScriptedPoe(answer(NEW))
    settings = replace(SETTINGS, base_url="https://proxy.example.com/bot/")

    outcome, _ = await run(editor, poe, settings=settings)

    assert editor.asked == ["proxy.example.com"]
    assert (outcome.ending == "done") is allowed
    assert (poe.queries != []) is allowed


async def test_a_document_that_cannot_be_read_says_so() -> None:
    editor, poe = FakeEditor({}), ScriptedPoe(answer(NEW))

    outcome, _ = await run(editor, poe)

    assert (outcome.ending, outcome.failure) == ("failed", "before")
    assert outcome.message.startswith(f"Cannot read {URI}")


async def test_a_blank_selection_asks_for_code() -> None:
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW))
    blank = t.Range(start=t.Position(1, 0), end=t.Position(1, 0))

    outcome, _ = await run(editor, poe, args=ActionArgs(URI, blank))

    assert "Put the cursor on a line of code" in outcome.message
    assert poe.queries == []


async def test_a_bug_ends_the_job_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    editor, poe = FakeEditor({URI: SOURCE}), ScriptedPoe(answer(NEW))

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr("poe_lsp.actions.plan.plan", broken)
    outcome, _ = await run(editor, poe)

    assert (outcome.ending, outcome.failure, outcome.message) == ("failed", "bug", UNEXPECTED)
    assert editor.messages == [("error", UNEXPECTED)]


async def test_a_client_that_cannot_apply_edits_gets_the_answer_for_review() -> None:
    editor = FakeEditor({URI: SOURCE})
    editor.can_apply_edits = False

    outcome, session = await run(editor, ScriptedPoe(answer(NEW)))

    assert outcome.ending == "done" and editor.edits == []
    proposal = session.proposals.get("refactor-1")
    assert proposal is not None and proposal.code == NEW
    assert proposal.writer.edit_for(NEW).document_changes, "the code action carries the edit"
