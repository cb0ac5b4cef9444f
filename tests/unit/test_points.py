"""Attributing a job's cost, today's spending, the daily budget: the pure parts, then the
workflow with a scripted Poe client."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from lsprotocol import types as t

from poe_lsp.actions.run import run_action
from poe_lsp.actions.targets import EditorTargets
from poe_lsp.contract import ActionArgs
from poe_lsp.jobs import Job
from poe_lsp.poe import PoeError
from poe_lsp.poe.history import Spend
from poe_lsp.points import CLOCK_SLACK, Ledger, attribute, midnight, with_points
from poe_lsp.session import Session
from poe_lsp.settings import Settings, parse_settings
from poe_lsp.trust import daily_budget, parse_budget
from tests.unit.fakes import FakeEditor, ScriptedPoe

NOW = 1_800_000_000.0
URI = "file:///w/calc.py"
SOURCE = "def add(a, b):\n    return a+b\n"
WHOLE = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=2, character=0))


def spend(bot: str, points: int, at: float, query_id: str, usage_type: str = "API") -> Spend:
    return Spend(query_id, bot, usage_type, points, at)


def test_the_newest_api_entry_of_the_bot_since_the_job_started_is_its_cost() -> None:
    entries = [
        spend("BotA", 339, NOW + 5, "a2"),
        spend("BotA", 100, NOW + 1, "a1"),
        spend("BotB", 50, NOW + 6, "b1"),
        spend("BotA", 70, NOW + 7, "chat", usage_type="Chat"),
        spend("BotA", 99, NOW - CLOCK_SLACK - 1, "old"),
    ]
    assert attribute(entries, "BotA", NOW).query_id == "a2"  # type: ignore[union-attr]
    assert attribute(entries, "bota", NOW).query_id == "a2"  # type: ignore[union-attr]
    assert attribute(entries, "BotA", NOW, taken={"a2"}).query_id == "a1"  # type: ignore[union-attr]
    assert attribute(entries, "BotA", NOW, taken={"a2", "a1"}) is None
    assert attribute(entries, "BotB", NOW).points == 50  # type: ignore[union-attr]
    assert attribute(entries, "BotC", NOW) is None
    assert attribute(entries, "BotA", NOW + 10) is None, "older than the job"


def test_two_jobs_on_one_bot_never_get_the_same_entry() -> None:
    ledger = Ledger()
    entries = [spend("BotA", 10, NOW + 2, "q2"), spend("BotA", 20, NOW + 1, "q1")]
    first = ledger.record("job-1", attribute(entries, "BotA", NOW, ledger.taken))
    second = ledger.record("job-2", attribute(entries, "BotA", NOW, ledger.taken))
    third = ledger.record("job-3", attribute(entries, "BotA", NOW, ledger.taken))
    assert (first, second, third) == (10, 20, None)
    assert ledger.session.to_json() == {"points": 30, "byBot": {"BotA": 30}}
    assert [ledger.points_of(j) for j in ("job-1", "job-2", "job-3", "job-4")] == [
        10,
        20,
        None,
        None,
    ]


def test_the_ledger_forgets_the_oldest_jobs_but_not_the_totals() -> None:
    ledger = Ledger(kept=2)
    for n in range(3):
        ledger.record(f"job-{n}", spend("BotA", 1, NOW, f"q{n}"))
    assert ledger.points_of("job-0") is None and ledger.points_of("job-2") == 1
    assert ledger.session.points == 3


def test_today_counts_api_entries_since_midnight_and_attributed_jobs_once() -> None:
    now = midnight(NOW) + 3600
    ledger = Ledger()
    today = ledger.read_today(
        [
            spend("BotA", 100, now - 60, "t1"),
            spend("BotB", 5, now - 30, "t2"),
            spend("BotA", 7, now - 20, "c1", usage_type="Chat"),
            spend("BotA", 1000, midnight(NOW) - 1, "yesterday"),
        ],
        now=now,
    )
    assert today.spending.to_json() == {"points": 105, "byBot": {"BotA": 100, "BotB": 5}}
    ledger.record("job-1", spend("BotA", 100, now - 60, "t1"))  # already counted
    ledger.record("job-2", spend("BotB", 20, now - 1, "t3"))
    assert today.spending.points == 125
    assert ledger.fresh_today(now + 10) is today
    assert ledger.fresh_today(now + 10_000) is None, "read again after a while"
    assert ledger.fresh_today(midnight(NOW) + 86_400 + 7200) is None, "a new day"


def test_midnight_is_local() -> None:
    at = midnight(NOW)
    assert at <= NOW < at + 86_400 + 3600
    assert time.localtime(at)[3:6] == (0, 0, 0)


@pytest.mark.parametrize(
    ("setting", "env", "expected"),
    [(0, 0, 0), (500, 0, 500), (0, 800, 800), (500, 800, 500), (900, 800, 800)],
)
def test_the_settings_lower_the_budget_but_never_raise_or_remove_it(
    setting: int, env: int, expected: int
) -> None:
    assert daily_budget(setting, env) == expected


def test_the_budget_setting_and_its_environment() -> None:
    settings, problems = parse_settings(
        {"dailyPointBudget": 900}, {"POE_DAILY_POINT_BUDGET": "1_000"}
    )
    assert problems == [] and settings.daily_budget == 900
    settings, problems = parse_settings({"dailyPointBudget": 0}, {"POE_DAILY_POINT_BUDGET": "800"})
    assert settings.daily_budget == 800, "a project's 0 does not remove the user's budget"
    settings, problems = parse_settings({"dailyPointBudget": -1}, {})
    assert settings.daily_budget == 0 and "poe.dailyPointBudget" in problems[0]
    settings, problems = parse_settings({}, {"POE_DAILY_POINT_BUDGET": "lots"})
    assert settings.daily_budget == 0 and "POE_DAILY_POINT_BUDGET" in problems[0]
    assert parse_budget("") == 0 and parse_budget(" 42 ") == 42 and parse_budget("-3") is None


def test_with_points() -> None:
    assert with_points("Code finished (1 edit).", 339) == "Code finished (1 edit), 339 points."
    assert with_points("Done.", 1) == "Done, 1 point."
    assert with_points("Done.", 12345) == "Done, 12,345 points."
    assert with_points("Done.", None) == "Done."


# The workflow ------------------------------------------------------------------------------

SETTINGS = Settings(api_key="k-123", bot="BotA", env_trusted_bots=("*",))


async def _refactor(
    poe: ScriptedPoe, session: Session | None = None, settings: Settings = SETTINGS
) -> tuple[FakeEditor, Session, str]:
    editor = FakeEditor({URI: SOURCE})
    session = session or Session(settings, client=poe)
    job = Job(id=f"refactor-{len(poe.queries) + 1}", action="refactor", uri=URI)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    outcome = await run_action(session, editor, job, "refactor", ActionArgs(URI, WHOLE), targets)
    return editor, session, outcome.message


class CostingPoe(ScriptedPoe):
    """Each query to a bot adds an API entry of ``cost`` points to the history."""

    cost = 339

    async def stream(self, query):  # type: ignore[no-untyped-def,override]
        async for chunk in super().stream(query):
            yield chunk
        self.spent.append(spend(query.bot, self.cost, time.time(), f"q{len(self.spent) + 1}"))


async def test_a_finished_job_says_what_it_cost() -> None:
    poe = CostingPoe(["```python\nx = 1\n```\n"], history_error=None)
    editor, session, message = await _refactor(poe)
    assert message == "BotA finished (1 edit), 339 points."
    (event,) = editor.events
    assert event.points == 339 and event.to_json()["points"] == 339
    assert editor.progress.ended == [message]
    assert session.points.points_of("refactor-1") == 339
    assert poe.history_reads == ["https://api.poe.com/"], "the balance's host, nowhere else"


async def test_an_unreadable_history_leaves_the_cost_unknown() -> None:
    poe = ScriptedPoe(["```python\nx = 1\n```\n"])  # the history answers 404
    editor, _, message = await _refactor(poe)
    assert message == "BotA finished (1 edit)."
    assert editor.events[0].points is None and len(poe.history_reads) == 1


async def test_the_budget_refuses_the_job_before_the_bot_is_asked() -> None:
    poe = ScriptedPoe(["```python\nx = 1\n```\n"], history_error=None)
    now = time.time()
    poe.spent = [spend("BotA", 600, now - 5, "earlier"), spend("BotB", 400, now, "b")]
    settings = replace(SETTINGS, daily_point_budget=1000)
    editor, _, message = await _refactor(poe, settings=settings)
    assert poe.queries == [] and editor.text(URI) == SOURCE
    assert "1,000 points were spent" in message and "poe.dailyPointBudget" in message
    assert "is 1,000" in message


async def test_below_the_budget_the_job_goes_on_and_counts_towards_it() -> None:
    poe = CostingPoe(["```python\nx = 1\n```\n"], history_error=None)
    poe.cost = 600
    session = Session(replace(SETTINGS, daily_point_budget=1000), client=poe)
    await _refactor(poe, session)
    assert len(poe.queries) == 1 and session.points.today is not None
    assert session.points.today.spending.points == 600
    await _refactor(poe, session)
    assert len(poe.queries) == 2, "600 is below 1,000"
    _, _, message = await _refactor(poe, session)
    assert len(poe.queries) == 2 and "1,200 points were spent" in message


async def test_an_unreadable_history_lets_the_job_go_on_with_a_warning() -> None:
    poe = ScriptedPoe(["```python\nx = 1\n```\n"], history_error=PoeError("server", "HTTP 500"))
    settings = replace(SETTINGS, daily_point_budget=1000)
    editor, _, message = await _refactor(poe, settings=settings)
    assert len(poe.queries) == 1 and message.startswith("BotA finished")
    (warning,) = [m for severity, m in editor.messages if severity == "warning"]
    assert "poe.dailyPointBudget" in warning and "goes on" in warning


async def test_cancelling_the_wait_for_the_cost_keeps_the_answer() -> None:
    reading = asyncio.Event()

    class Stuck(ScriptedPoe):
        async def history(self, api_key: str, usage_url: str, **_: object) -> list[Spend]:
            reading.set()
            await asyncio.Event().wait()
            return []

    poe = Stuck(["```python\nx = 1\n```\n"], history_error=None)
    editor, session = FakeEditor({URI: SOURCE}), Session(SETTINGS, client=poe)
    targets = EditorTargets(editor, session.explanations, session.proposals)
    job = session.jobs.start(
        "refactor",
        URI,
        lambda job: run_action(session, editor, job, "refactor", ActionArgs(URI, WHOLE), targets),
    )
    await asyncio.wait_for(reading.wait(), 5)
    assert job.cancel()
    assert job.task is not None
    outcome = await job.task
    assert outcome.ending == "done" and editor.text(URI) == "x = 1\n"  # type: ignore[attr-defined]
    assert editor.events[0].points is None
