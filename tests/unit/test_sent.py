"""What ``poe.sent`` keeps: the last jobs' requests, and how the progress sums them up."""

from __future__ import annotations

from poe_lsp.poe import Message
from poe_lsp.sent import KEPT, Sent, SentLog


def test_the_summary_counts_files_and_characters() -> None:
    sent = Sent((Message("system", "a" * 5000), Message("user", "b" * 210)), ("a.py", "AGENTS.md"))
    assert sent.summary() == "sent 2 files, 5,210 characters"
    assert Sent((Message("user", "x"),), ("a.py",)).summary() == "sent 1 file, 1 character"


def test_only_the_last_jobs_are_kept() -> None:
    log = SentLog()
    for i in range(KEPT + 5):
        log.record(f"job-{i}", Sent((Message("user", str(i)),), ()))
    assert log.get("job-4") is None
    kept = log.get("job-5")
    assert kept is not None and kept.messages[0].content == "5"
    assert log.get(f"job-{KEPT + 4}") is not None
