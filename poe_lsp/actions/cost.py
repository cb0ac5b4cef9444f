"""The points a job spends: the daily budget checked before it asks a bot, its cost after.

Both read Poe's points history through the session's :class:`~poe_lsp.poe.PoeClient`, from
the API host the balance comes from (:func:`~poe_lsp.poe.usage.usage_base_url`), and only when
the key may go there without a question (Poe, this machine, ``POE_ALLOWED_HOSTS``, or a host
the user allowed this session): no question is asked for it. Reading it is best effort: a
failure never fails the job, the cost is then unknown (``None``).

The job's progress waits for its cost, at most :data:`COST_WAIT` seconds: the answer is in
the document by then, so only the progress and ``poe/jobEnded`` wait. Cancelling the job
meanwhile ends the wait (the answer stays), with the cost unknown.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from poe_lsp.actions.plan import Stop
from poe_lsp.editor import Host, Progress
from poe_lsp.poe import PoeError
from poe_lsp.points import Today, attribute, midnight
from poe_lsp.session import Session
from poe_lsp.settings import Settings
from poe_lsp.trust import BUDGET_ENV, destination

log = logging.getLogger(__name__)

COST_WAIT = 5.0
"""Seconds a finished job waits at most for its entry in the history."""
RETRY_DELAYS = (0.3, 0.7, 1.5)
"""Pauses between the reads of the history while the entry is not there yet."""
BUDGET_WAIT = 5.0
"""Seconds the budget check waits at most for today's history."""
RECENT = 20
"""Entries read to find a job's cost (the newest ones)."""


def history_url(session: Session, settings: Settings) -> str | None:
    """The usage API host the key may go to without asking, or ``None``."""
    from poe_lsp.poe.usage import usage_base_url  # httpx: not before the first job

    try:
        url = usage_base_url(settings.base_url, settings.usage_url)
    except ValueError:
        return None
    if settings.may_send_key(url) or destination(url).entry in session.allowed_hosts:
        return url
    return None


async def cost_of(
    session: Session,
    settings: Settings,
    key: str,
    bot: str,
    started: float,
    job_id: str,
    progress: Progress,
) -> int | None:
    """Find, keep and return what ``job_id``'s query to ``bot`` (started at ``started``,
    seconds since the epoch) cost; ``None`` when the history does not tell in time."""
    ledger = session.points
    url = history_url(session, settings)
    if url is None:
        return ledger.record(job_id, None)
    progress.report("reading what it cost…")
    try:
        async with asyncio.timeout(COST_WAIT):
            client = await session.poe_client(settings)
            for delay in (0.0, *RETRY_DELAYS):
                await asyncio.sleep(delay)
                try:
                    entries = await client.history(key, url, limit=RECENT)
                except PoeError as exc:
                    log.info("%s: no cost from the points history: %s", job_id, exc.kind)
                    if not exc.retryable:
                        break
                    continue
                entry = attribute(entries, bot, started, ledger.taken)
                if entry is not None:
                    return ledger.record(job_id, entry)
    except TimeoutError:
        log.info("%s: its cost was not in the points history within %gs", job_id, COST_WAIT)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # the answer is in; only the wait for its cost is cut short
    return ledger.record(job_id, None)


async def check_budget(
    session: Session, settings: Settings, key: str, editor: Host, progress: Progress
) -> None:
    """Stop the job if today's spending is at or above the daily budget; go on with a
    warning when it cannot be read."""
    budget = settings.daily_budget
    if budget <= 0:
        return
    setting = editor.wording.setting("poe.dailyPointBudget")
    today = session.points.fresh_today()
    if today is None:
        try:
            today = await read_today(session, settings, key, progress)
        except (PoeError, TimeoutError) as exc:
            reason = exc.message if isinstance(exc, PoeError) else "it took too long"
            editor.notify(
                "warning",
                f"Could not read today's spending to check {setting} ({budget:,} points), so "
                f"the job goes on without the check: {reason}",
            )
            return
    spent = today.spending.points
    if spent >= budget:
        raised = f"Raise {setting} in your user settings"
        if settings.env_daily_budget and settings.env_daily_budget <= budget:
            raised = f"Raise {BUDGET_ENV} in the environment poe-lsp starts from"
        raise Stop(
            f"Nothing was sent: {spent:,} points were spent through Poe's API today, and your "
            f"daily budget ({setting}) is {budget:,}. {raised} to go on today.",
            "warning",
        )


async def read_today(
    session: Session, settings: Settings, key: str, progress: Progress | None = None
) -> Today:
    """Read today's spending from the history (at most :data:`BUDGET_WAIT` seconds) and keep
    it; raise :class:`PoeError` or ``TimeoutError`` when it cannot be read."""
    url = history_url(session, settings)
    if url is None:
        raise PoeError("auth", "the usage API's host is not one the key may go to unasked.")
    if progress is not None:
        progress.report("reading today's spending…")
    since = midnight()
    async with asyncio.timeout(BUDGET_WAIT):
        client = await session.poe_client(settings)
        entries = await client.history(key, url, since=since)
    return session.points.read_today(entries)


async def usage(session: Session, settings: Settings) -> dict[str, Any]:
    """The answer of ``poe.usage``: today's and this session's spending, the budget, and
    whether the history could be read (today's figures are then the last ones read today,
    or zero)."""
    known = False
    today: Today | None = None
    if settings.api_key:
        try:
            today = await read_today(session, settings, settings.api_key)
            known = True
        except (PoeError, TimeoutError) as exc:
            log.info("poe.usage: the points history could not be read (%s)", type(exc).__name__)
    if today is None and session.points.today is not None:
        kept = session.points.today
        today = kept if kept.since == midnight() else None
    return {
        "today": today.spending.to_json() if today else {"points": 0, "byBot": {}},
        "session": session.points.session.to_json(),
        "dailyBudget": settings.daily_budget,
        "known": known,
    }
