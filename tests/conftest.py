"""Fixtures shared by every kind of test: the fake Poe bot server on 127.0.0.1."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from tests.fakepoe import FakePoe

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="poe-lsp-test-cache-")
"""The tests and the servers they start never read or write the user's cache (the bot
catalogue); tests of the cache give their server a directory of their own."""


@pytest.fixture(scope="session")
def fake_poe() -> Iterator[FakePoe]:
    """The fake Poe server, shared by the session."""
    with FakePoe() as fake:
        yield fake


@pytest.fixture
def poe(fake_poe: FakePoe) -> FakePoe:
    """The fake Poe server with no scripts, no balance and no requests yet."""
    fake_poe.reset()
    fake_poe.clear_scripts()
    return fake_poe
