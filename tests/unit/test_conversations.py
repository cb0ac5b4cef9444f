"""Conversations kept for follow-ups: their bounds, the regions they follow, the messages a
follow-up sends and where its answer goes (in memory: a fake editor, a scripted Poe)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from lsprotocol import types as t

from poe_lsp.actions.followup import FollowUpTargets, planner, realign, refusal, user_message
from poe_lsp.actions.run import SUGGESTED, SUGGESTED_LENGTH, pump, run_action
from poe_lsp.actions.targets import EditorTargets
from poe_lsp.contract import MAX_INSTRUCTION, Action, ActionArgs, ArgumentError, FollowUpArgs
from poe_lsp.conversations import Conversation, ConversationStore
from poe_lsp.edits.region import TrackedSpan
from poe_lsp.jobs import Job, JobRegistry
from poe_lsp.poe import AnswerChunk, Message, PoeError
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from tests.unit.fakes import FakeEditor, ScriptedPoe

URI = "file:///w/calc.py"
SOURCE = "import os\n\n\ndef add(a, b):\n    return a+b\n\n\nprint(add(1, 2))\n"
SELECTED = t.Range(start=t.Position(line=3, character=0), end=t.Position(line=5, character=0))
FIRST = "def add(a: int, b: int) -> int:\n    return a + b\n"
SECOND = 'def add(a: int, b: int) -> int:\n    """Add."""\n    return a + b\n'
SETTINGS = Settings(api_key="k-123", bot="Claude-Sonnet-4.5")


def _range(a: int, b: int, c: int, d: int) -> t.Range:
    return t.Range(start=t.Position(line=a, character=b), end=t.Position(line=c, character=d))


def _conversation(job: str, chars: int = 10, region: TrackedSpan | None = None) -> Conversation:
    return Conversation(
        job_id=job,
        action="refactor",
        bot="Code",
        uri=URI,
        messages=(Message("system", "s"), Message("user", "u" * (chars - 2))),
        answer="a",
        region=region,
    )


def test_the_store_keeps_the_last_jobs_and_stops_following_the_others() -> None:
    editor = FakeEditor({URI: SOURCE})
    store = ConversationStore(kept=3)
    for n in range(5):
        store.keep(_conversation(f"refactor-{n}", region=TrackedSpan(editor, URI, (3, 0), (5, 0))))
    assert len(store) == 3
    assert store.get("refactor-1") is None and store.get("refactor-4") is not None
    assert editor.tracked == 3, "a dropped conversation's region stops following the document"
    store.forget(URI)
    assert len(store) == 0 and editor.tracked == 0


def test_the_store_caps_the_characters_it_holds() -> None:
    store = ConversationStore(kept=20, max_characters=100)
    for n in range(5):
        assert store.keep(_conversation(f"ask-{n}", chars=40))
    assert len(store) == 2 and store.characters <= 100
    assert not store.keep(_conversation("ask-big", chars=101)), "too big alone: not kept"
    assert store.get("ask-big") is None and len(store) == 2


def test_a_kept_region_follows_typing_above_and_inside_and_is_lost_when_deleted() -> None:
    editor = FakeEditor({URI: SOURCE})
    span = TrackedSpan(editor, URI, (3, 0), (5, 0))
    editor.change(URI, _range(0, 0, 0, 0), "# one\n# two\n")
    assert (span.start, span.end) == ((5, 0), (7, 0))
    editor.change(URI, _range(6, 4, 6, 4), "  ")  # inside
    assert (span.start, span.end) == ((5, 0), (7, 0)) and not span.lost
    editor.change(URI, _range(5, 0, 5, 0), "@decorator\n")  # at its start: above it
    assert (span.start, span.end) == ((6, 0), (8, 0))
    editor.change(URI, _range(4, 0, 8, 0), "")  # across its start
    assert span.lost and editor.tracked == 0


def test_deleting_exactly_the_region_loses_it() -> None:
    editor = FakeEditor({URI: SOURCE})
    span = TrackedSpan(editor, URI, (3, 0), (5, 0))
    editor.change(URI, _range(3, 0, 5, 0), "")
    assert span.lost and editor.tracked == 0


async def test_pump_keeps_three_suggested_replies_capped_and_apart_from_the_answer() -> None:
    async def chunks() -> AsyncIterator[AnswerChunk]:
        yield AnswerChunk("Hello")
        for n in range(5):
            yield AnswerChunk(f"reply {n} " + "x" * SUGGESTED_LENGTH, suggested=True)
        yield AnswerChunk(" world")

    async def show(answer: str, final: bool) -> bool:
        return True

    answer = await pump(chunks(), show)
    assert answer.text == "Hello world"
    assert len(answer.suggested) == SUGGESTED == 3
    assert answer.suggested[0].startswith("reply 0 ")
    assert all(len(s) == SUGGESTED_LENGTH for s in answer.suggested)


async def _first(editor: FakeEditor, poe: ScriptedPoe, action: Action = "refactor") -> Session:
    session = Session(SETTINGS, client=poe)
    job = Job(id=f"{action}-1", action=action, uri=URI)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    outcome = await run_action(session, editor, job, action, ActionArgs(URI, SELECTED), targets)
    assert outcome.ending == "done"
    return session


async def _follow(
    session: Session, editor: FakeEditor, job_id: str, instruction: str
) -> tuple[str, Job]:
    conversation = session.conversations.get(job_id)
    assert conversation is not None
    job = Job(id=f"{conversation.action}-2", action=conversation.action, uri=URI)
    targets = FollowUpTargets(
        editor, session.explanations, session.proposals, conversation, instruction
    )
    place = conversation.place()
    assert place is not None
    where = _range(*place[1], *place[2])
    outcome = await run_action(
        session,
        editor,
        job,
        conversation.action,
        ActionArgs(URI, where, bot=conversation.bot),
        targets,
        planner=planner(editor, conversation, instruction),
        title="Poe: Follow up",
    )
    return outcome.ending, job


def _fenced(code: str) -> list[str]:
    return [f"```python\n{code}```\n"]


async def test_a_follow_up_sends_the_turns_and_replaces_the_moved_region() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(_fenced(FIRST), suggested=["Add a docstring"])
    session = await _first(editor, poe)
    conversation = session.conversations.get("refactor-1")
    assert conversation is not None and conversation.suggested == ("Add a docstring",)
    editor.change(URI, _range(0, 0, 0, 0), "# a comment\n# another\n")
    poe.chunks = _fenced(SECOND)

    ending, _ = await _follow(session, editor, "refactor-1", "Add a docstring")

    assert ending == "done"
    assert editor.text(URI) == "# a comment\n# another\n" + SOURCE.replace(
        "def add(a, b):\n    return a+b\n", SECOND
    )
    first, second = poe.queries
    assert [m.role for m in second.messages] == ["system", "user", "bot", "user"]
    assert second.messages[:2] == first.messages
    assert second.messages[2].content == _fenced(FIRST)[0]
    assert "Follow-up instruction: Add a docstring" in second.messages[3].content
    assert "not what your last answer wrote" not in second.messages[3].content
    assert second.bot == first.bot
    chained = session.conversations.get("refactor-2")
    assert chained is not None and len(chained.turns) == 5


async def test_a_follow_up_tells_the_bot_what_the_user_changed_inside() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(_fenced(FIRST))
    session = await _first(editor, poe)
    editor.change(URI, _range(4, 13, 4, 14), "-")  # a + b -> a - b
    poe.chunks = _fenced(SECOND)
    ending, _ = await _follow(session, editor, "refactor-1", "Keep my change")
    assert ending == "done"
    assert "return a - b" in poe.queries[1].messages[3].content
    assert SECOND in editor.text(URI)


async def test_an_explain_follow_up_adds_to_the_hover() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(["It adds."])
    session = await _first(editor, poe, "explain")
    poe.chunks = ["With ints."]
    ending, _ = await _follow(session, editor, "explain-1", "What types?")
    assert ending == "done"
    explanation = session.explanations.at(URI, (4, 0))
    assert explanation is not None
    assert explanation.text.startswith("It adds.")
    assert "**Follow-up:** What types?\n\nWith ints." in explanation.text
    assert editor.text(URI) == SOURCE
    assert [m.role for m in poe.queries[1].messages] == ["system", "user", "bot", "user"]


def test_refusals_name_the_reason() -> None:
    editor = FakeEditor({URI: SOURCE})
    store = ConversationStore()
    store.keep(_conversation("refactor-1", region=TrackedSpan(editor, URI, (3, 0), (5, 0))))
    jobs = JobRegistry()
    assert refusal(store, jobs, "refactor-1") is None
    assert "no finished Poe job refactor-9" in (refusal(store, jobs, "refactor-9") or "")
    editor.change(URI, _range(3, 0, 5, 0), "")
    assert "deleted or overwritten" in (refusal(store, jobs, "refactor-1") or "")


def test_the_user_message_asks_for_the_whole_code_again() -> None:
    editor = FakeEditor({URI: SOURCE})
    conversation = _conversation("refactor-1", region=TrackedSpan(editor, URI, (3, 0), (5, 0)))
    text = user_message(conversation, "Shorter", None)
    assert text.startswith("Follow-up instruction: Shorter")
    assert "replaces the code of your last answer" in text


async def test_a_second_follow_up_on_the_first_job_replaces_what_the_first_follow_up_grew() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(_fenced(FIRST))
    session = await _first(editor, poe)
    poe.chunks = _fenced(FIRST + "\n\ndef twice(a):\n    return add(a, a)\n")
    ending, job = await _follow(session, editor, "refactor-1", "Add twice")
    assert ending == "done"
    first = session.conversations.get("refactor-1")
    assert first is not None and first.region is not None
    realign(first, session.conversations.get(job.id))
    assert (first.region.start, first.region.end) == ((3, 0), (9, 0))
    poe.chunks = _fenced(SECOND)
    ending, _ = await _follow(session, editor, "refactor-1", "Only add, with a docstring")
    assert ending == "done"
    assert editor.text(URI) == SOURCE.replace("def add(a, b):\n    return a+b\n", SECOND)


def test_follow_up_arguments_are_checked() -> None:
    parsed = FollowUpArgs.from_json(({"jobId": "ask-3", "instruction": "  Shorter  "},))
    assert parsed == FollowUpArgs("ask-3", "Shorter")
    for bad, said in [
        ((), "one argument object"),
        (({"instruction": "x"},), "jobId"),
        (({"jobId": "ask-3", "instruction": ""},), "needs an instruction"),
        (({"jobId": "ask-3", "instruction": "x" * (MAX_INSTRUCTION + 1)},), "longer than"),
    ]:
        with pytest.raises(ArgumentError, match=said):
            FollowUpArgs.from_json(bad)


async def test_closing_the_document_forgets_its_conversations() -> None:
    editor = FakeEditor({URI: SOURCE})
    session = await _first(editor, ScriptedPoe(_fenced(FIRST)))
    assert session.conversations.get("refactor-1") is not None and editor.tracked == 1
    session.document_closed(URI)
    assert session.conversations.get("refactor-1") is None and editor.tracked == 0
    assert "no finished Poe job" in (
        refusal(session.conversations, session.jobs, "refactor-1") or ""
    )


async def test_a_failed_job_keeps_no_conversation() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(_fenced(FIRST), error=PoeError("server", "Poe failed."))
    session = Session(SETTINGS, client=poe)
    job = Job(id="refactor-1", action="refactor", uri=URI)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    outcome = await run_action(session, editor, job, "refactor", ActionArgs(URI, SELECTED), targets)
    assert outcome.ending == "failed" and editor.text(URI) == SOURCE
    assert len(session.conversations) == 0 and editor.tracked == 0


async def test_a_follow_up_on_an_answer_in_review_says_it_was_not_applied() -> None:
    editor = FakeEditor({URI: SOURCE})
    poe = ScriptedPoe(_fenced(FIRST))
    session = Session(replace(SETTINGS, review={"refactor": True}), client=poe)
    job = Job(id="refactor-1", action="refactor", uri=URI)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    await run_action(session, editor, job, "refactor", ActionArgs(URI, SELECTED), targets)
    assert session.proposals.get("refactor-1") is not None and editor.text(URI) == SOURCE
    session.proposals.pop("refactor-1")
    poe.chunks = _fenced(SECOND)
    ending, _ = await _follow(session, editor, "refactor-1", "Add a docstring")
    assert ending == "done"
    assert "return a+b" in poe.queries[1].messages[3].content, "the bot is told what is there"
    proposal = session.proposals.get("refactor-2")
    assert proposal is not None and proposal.code == SECOND
