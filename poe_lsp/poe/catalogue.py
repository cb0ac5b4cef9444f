"""The bot catalogue: Poe's public list of bots (``GET <api host>v1/models``), cached.

Poe documents the endpoint as needing no authentication, so no key is ever sent to it; for
that reason it may go to the configured API host (``poe.usageUrl``, else ``poe.baseUrl``'s
host) without the host question of :mod:`poe_lsp.trust`, which guards only the key.

The list is kept in memory for the session and on disk (:func:`cache_file`) for a day; a stale
copy is answered at once while a fresh one is fetched in the background. The disk copy is
written atomically with mode 0600, read with a size cap and never through a symbolic link; a
file that is not a valid catalogue is ignored. Malformed entries in Poe's answer are skipped
and every size is capped.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from poe_lsp.poe import PoeError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

MODELS_PATH = "v1/models"
"""The catalogue endpoint, relative to the API host."""
MAX_AGE = 24 * 3600.0
"""Seconds a catalogue is fresh."""
MAX_BOTS = 5000
MAX_BYTES = 8 * 1024 * 1024
"""The largest answer or cache file read."""
_MAX_TEXT = 2000
_MAX_NAME = 200
_MAX_MODALITIES = 16
_CACHE_VERSION = 1


@dataclass(frozen=True)
class Bot:
    """One entry of the catalogue; ``None`` where Poe sent nothing usable."""

    id: str
    description: str | None = None
    owned_by: str | None = None
    input_modalities: tuple[str, ...] | None = None
    output_modalities: tuple[str, ...] | None = None
    pricing: dict[str, Any] | None = None
    context_length: int | None = None

    @property
    def text_output(self) -> bool:
        """Whether the bot answers text (or does not say what it answers)."""
        return self.output_modalities is None or "text" in self.output_modalities

    def to_json(self) -> dict[str, Any]:
        """The wire form of ``poe.listBots``."""
        return {
            "id": self.id,
            "description": self.description,
            "ownedBy": self.owned_by,
            "inputModalities": _list(self.input_modalities),
            "outputModalities": _list(self.output_modalities),
            "pricing": self.pricing,
            "contextLength": self.context_length,
        }


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return list(values) if values is not None else None


def parse_models(body: object) -> list[Bot]:
    """The bots of a ``v1/models`` answer (OpenAI-style ``{"data": [...]}``), malformed
    entries skipped, duplicates dropped, at most :data:`MAX_BOTS`."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return []
    bots: list[Bot] = []
    seen: set[str] = set()
    for entry in data:
        bot = _parse_entry(entry)
        if bot is not None and bot.id.lower() not in seen:
            seen.add(bot.id.lower())
            bots.append(bot)
            if len(bots) >= MAX_BOTS:
                break
    return bots


def _parse_entry(entry: object) -> Bot | None:
    if not isinstance(entry, dict):
        return None
    bot_id = entry.get("id")
    if not isinstance(bot_id, str) or not bot_id.strip() or len(bot_id) > _MAX_NAME:
        return None
    if "/" in bot_id or any(c.isspace() or not c.isprintable() for c in bot_id):
        return None
    architecture = entry.get("architecture")
    arch = architecture if isinstance(architecture, dict) else {}
    return Bot(
        id=bot_id,
        description=_text(entry.get("description"), _MAX_TEXT),
        owned_by=_text(entry.get("owned_by"), _MAX_NAME),
        input_modalities=_modalities(arch.get("input_modalities")),
        output_modalities=_modalities(arch.get("output_modalities")),
        pricing=_pricing(entry.get("pricing")),
        context_length=_context(entry),
    )


def _text(value: object, cap: int) -> str | None:
    return value[:cap] if isinstance(value, str) and value else None


def _modalities(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(v[:40] for v in value if isinstance(v, str) and v)[:_MAX_MODALITIES]


def _pricing(value: object) -> dict[str, Any] | None:
    """Poe's pricing object, keeping only short scalar fields."""
    if not isinstance(value, dict):
        return None
    kept = {
        k[:40]: v[:100] if isinstance(v, str) else v
        for k, v in list(value.items())[:32]
        if isinstance(k, str) and (isinstance(v, (str, int, float)) and not isinstance(v, bool))
    }
    return kept or None


def _context(entry: dict[str, Any]) -> int | None:
    """The context window: ``context_length``, or ``context_window`` as a number or as an
    object with ``context_length``."""
    for value in (entry.get("context_length"), entry.get("context_window")):
        if isinstance(value, dict):
            value = value.get("context_length")
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**9:
            return value
    return None


def models_url(api_base: str) -> str:
    """The catalogue's URL on the API host ``api_base`` (ending with ``/``)."""
    return api_base + MODELS_PATH


async def fetch_models(
    session: httpx.AsyncClient, api_base: str, timeout: float = 10.0
) -> list[Bot]:
    """Fetch the catalogue from ``api_base``, without any key; raise :class:`PoeError`."""
    import httpx  # not at startup: the session imports this module

    host = urlsplit(api_base).netloc.rpartition("@")[2] or api_base
    try:
        async with asyncio.timeout(timeout):
            status, raw = await _get_capped(session, models_url(api_base), timeout)
    except (TimeoutError, httpx.TimeoutException):
        raise PoeError(
            "timeout", f"{host} did not send the bot list within {timeout:g} s.", retryable=True
        ) from None
    except httpx.HTTPError as exc:
        raise PoeError(
            "network",
            f"Could not reach {host} for the bot list ({type(exc).__name__}).",
            retryable=True,
        ) from None
    if status != 200:
        raise PoeError(
            "server",
            f"{host} answered HTTP {status} when asked for the bot list.",
            status=status,
            retryable=status >= 500,
        )
    if raw is None:
        raise PoeError("server", f"{host} sent a bot list too large to read.")
    body: object = None
    with contextlib.suppress(ValueError, RecursionError):
        body = json.loads(raw)
    bots = parse_models(body)
    if not bots:
        raise PoeError("server", f"{host} sent no usable bot list.")
    return bots


async def _get_capped(
    session: httpx.AsyncClient, url: str, timeout: float
) -> tuple[int, bytes | None]:
    """The status and body of ``GET url``; the body is ``None`` past :data:`MAX_BYTES`.
    Works whether or not ``session`` raises ``httpx.HTTPStatusError`` from a response hook."""
    import httpx

    try:
        async with session.stream("GET", url, timeout=timeout) as response:
            if response.status_code != 200:
                return response.status_code, b""
            raw = bytearray()
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) > MAX_BYTES:
                    return 200, None
            return 200, bytes(raw)
    except httpx.HTTPStatusError as exc:
        return exc.response.status_code, b""


def cache_file(env: dict[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/poe-lsp/models.json``, else ``~/.cache/poe-lsp/models.json``."""
    env = dict(os.environ) if env is None else env
    root = env.get("XDG_CACHE_HOME", "")
    base = Path(root) if root and Path(root).is_absolute() else Path.home() / ".cache"
    return base / "poe-lsp" / "models.json"


def read_cache(path: Path, source: str) -> tuple[list[Bot], float] | None:
    """The bots cached for the catalogue at ``source`` and when they were fetched, or ``None``
    when the file is missing, a link, not a regular file, too large or not a catalogue."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        log.info("ignoring a corrupt bot catalogue cache at %s", path)
        return None
    if not isinstance(body, dict) or body.get("version") != _CACHE_VERSION:
        return None
    fetched = body.get("fetched")
    if body.get("source") != source or not isinstance(fetched, (int, float)):
        return None
    bots = parse_models(body)
    return (bots, float(fetched)) if bots else None


def write_cache(path: Path, source: str, bots: list[Bot], fetched: float) -> None:
    """Write the cache atomically (a 0600 temporary file renamed over ``path``)."""
    data = [
        {
            "id": b.id,
            "description": b.description,
            "owned_by": b.owned_by,
            "architecture": {
                "input_modalities": _list(b.input_modalities),
                "output_modalities": _list(b.output_modalities),
            },
            "pricing": b.pricing,
            "context_length": b.context_length,
        }
        for b in bots
    ]
    body = {"version": _CACHE_VERSION, "source": source, "fetched": fetched, "data": data}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(body, f, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def suggest(name: str, names: list[str]) -> str | None:
    """The catalogue's name closest to ``name`` (case-insensitive), if one is close."""
    by_lower = {n.lower(): n for n in names}
    if name.lower() in by_lower and by_lower[name.lower()] != name:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close and by_lower[close[0]] != name else None


Fetch = Callable[[str], Awaitable[list[Bot]]]
"""Fetches the catalogue from an API host."""


class Catalogue:
    """The catalogue of one session: memory first, then the disk cache, then Poe."""

    def __init__(self, path: Path | None = None, *, max_age: float = MAX_AGE) -> None:
        """``path``: the disk cache (:func:`cache_file` by default)."""
        self.path = path if path is not None else cache_file()
        self.max_age = max_age
        self._bots: dict[str, tuple[list[Bot], float]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    async def bots(self, source: str, fetch: Fetch) -> list[Bot]:
        """The catalogue of ``source`` (an API host): a fresh copy from memory or disk, a
        stale one while a background fetch refreshes it, else a fetch awaited here."""
        async with self._lock:
            known = self._bots.get(source)
            if known is None:  # the disk cache, read off the event loop
                known = await asyncio.to_thread(read_cache, self.path, source)
                if known is not None:
                    self._bots[source] = known
            if known is None:
                bots = await fetch(source)
                await self._store(source, bots)
                return bots
        bots, fetched = known
        if time.time() - fetched > self.max_age:
            self._refresh(source, fetch)
        return bots

    def names(self, source: str) -> list[str]:
        """The bot names known for ``source`` without any request (memory, else disk).

        Only a failure message asks, so the small, capped disk read happens in place.
        """
        known = self._known(source)
        return [b.id for b in known[0]] if known else []

    def _known(self, source: str) -> tuple[list[Bot], float] | None:
        known = self._bots.get(source)
        if known is None:
            known = read_cache(self.path, source)
            if known is not None:
                self._bots[source] = known
        return known

    async def _store(self, source: str, bots: list[Bot]) -> None:
        """Keep ``bots`` in memory, and write them to the disk cache off the event loop."""
        now = time.time()
        self._bots[source] = (bots, now)
        try:
            await asyncio.to_thread(write_cache, self.path, source, bots, now)
        except OSError as exc:
            log.warning("could not write the bot catalogue cache %s: %s", self.path, exc)

    def _refresh(self, source: str, fetch: Fetch) -> None:
        running = self._refreshing.get(source)
        if running is not None and not running.done():
            return

        async def refresh() -> None:
            try:
                bots = await fetch(source)
                await self._store(source, bots)
            except PoeError as exc:
                log.info("the bot catalogue was not refreshed: %s", exc.message)

        self._refreshing[source] = asyncio.get_running_loop().create_task(refresh())

    async def close(self) -> None:
        """Stop background refreshes."""
        for task in self._refreshing.values():
            task.cancel()
        for task in self._refreshing.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._refreshing.clear()
