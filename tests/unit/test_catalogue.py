"""The bot catalogue: parsing Poe's ``v1/models``, the disk cache, the near-name suggestion."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from poe_lsp.poe import PoeError, catalogue
from poe_lsp.poe.catalogue import (
    MAX_BOTS,
    Bot,
    Catalogue,
    cache_file,
    fetch_models,
    parse_models,
    read_cache,
    suggest,
    write_cache,
)
from tests.fakepoe import FakePoe

SOURCE = "https://api.poe.com/"
ENTRY: dict[str, Any] = {
    "id": "Claude-Sonnet-4.5",
    "object": "model",
    "created": 1700000000000,
    "owned_by": "Anthropic",
    "description": "Anthropic's model",
    "architecture": {
        "input_modalities": ["text", "image"],
        "output_modalities": ["text"],
        "modality": "text,image->text",
    },
    "pricing": {"prompt": "0.0000026", "completion": "0.000013", "nested": {"x": 1}},
    "context_window": {"context_length": 200000, "max_output_tokens": 64000},
}


def test_an_entry_becomes_the_wire_form_and_what_poe_left_out_is_null() -> None:
    bots = parse_models({"object": "list", "data": [ENTRY, {"id": "Bare"}]})
    assert bots[0].to_json() == {
        "id": "Claude-Sonnet-4.5",
        "description": "Anthropic's model",
        "ownedBy": "Anthropic",
        "inputModalities": ["text", "image"],
        "outputModalities": ["text"],
        "pricing": {"prompt": "0.0000026", "completion": "0.000013"},
        "contextLength": 200000,
    }
    assert bots[1].to_json() == {
        "id": "Bare",
        "description": None,
        "ownedBy": None,
        "inputModalities": None,
        "outputModalities": None,
        "pricing": None,
        "contextLength": None,
    }


def test_context_length_may_be_a_plain_number_under_either_name() -> None:
    bots = parse_models(
        {"data": [{"id": "A", "context_length": 8192}, {"id": "B", "context_window": 4096}]}
    )
    assert [b.context_length for b in bots] == [8192, 4096]


@pytest.mark.parametrize(
    "entry",
    [
        None,
        "Claude",
        ["id"],
        {},
        {"id": ""},
        {"id": 7},
        {"id": "a/b"},
        {"id": "two words"},
        {"id": "x" * 500},
        {"id": "bell\x07"},
    ],
)
def test_malformed_entries_are_skipped(entry: object) -> None:
    assert [b.id for b in parse_models({"data": [entry, {"id": "Good"}]})] == ["Good"]


@pytest.mark.parametrize("body", [None, [], "list", {"data": None}, {"data": {"id": "A"}}])
def test_a_body_without_a_list_gives_no_bots(body: object) -> None:
    assert parse_models(body) == []


def test_sizes_are_capped_and_duplicates_dropped() -> None:
    data = [{"id": f"Bot{i}", "description": "d" * 10_000} for i in range(MAX_BOTS + 10)]
    bots = parse_models({"data": [{"id": "bot0"}, *data]})
    assert len(bots) == MAX_BOTS and bots[0].id == "bot0"
    assert all(len(b.description or "") <= 2000 for b in bots)


def test_text_output_is_what_the_bot_says_it_answers() -> None:
    image = Bot("Painter", output_modalities=("image",))
    assert not image.text_output
    assert Bot("Unknown").text_output and Bot("T", output_modalities=("text",)).text_output


def test_the_cache_lives_in_the_xdg_cache_directory() -> None:
    assert cache_file({"XDG_CACHE_HOME": "/c"}) == Path("/c/poe-lsp/models.json")
    assert cache_file({"XDG_CACHE_HOME": "relative"}).parts[-3:] == (
        ".cache",
        "poe-lsp",
        "models.json",
    )


def test_the_cache_round_trips_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "poe-lsp" / "models.json"
    bots = parse_models({"data": [ENTRY]})
    write_cache(path, SOURCE, bots, 1234.5)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_cache(path, SOURCE) == (bots, 1234.5)
    assert read_cache(path, "http://elsewhere/") is None
    assert [p.name for p in path.parent.iterdir()] == ["models.json"]


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b"[1]", b'{"version": 1}', b"\xff\xfe", b"[" * 100_000]
)
def test_a_corrupt_cache_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "models.json"
    path.write_bytes(content)
    assert read_cache(path, SOURCE) is None


def test_a_cache_through_a_link_or_too_large_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    write_cache(real, SOURCE, [Bot("A")], time.time())
    link = tmp_path / "models.json"
    link.symlink_to(real)
    assert read_cache(link, SOURCE) is None
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (9 * 1024 * 1024))
    assert read_cache(big, SOURCE) is None
    assert read_cache(tmp_path, SOURCE) is None


def test_writing_over_a_link_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep")
    link = tmp_path / "models.json"
    link.symlink_to(target)
    write_cache(link, SOURCE, [Bot("A")], time.time())
    assert target.read_text() == "keep" and not link.is_symlink()


def test_suggest_finds_the_near_name_case_insensitively() -> None:
    names = ["Claude-Sonnet-4.5", "GPT-5", "Gemini-2.5-Pro"]
    assert suggest("claude-sonet-4.5", names) == "Claude-Sonnet-4.5"
    assert suggest("gpt-5", names) == "GPT-5"
    assert suggest("Zebra", names) is None
    assert suggest("GPT-5", names) is None


async def test_memory_then_disk_then_a_background_refresh(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    calls: list[str] = []

    async def fetch(source: str) -> list[Bot]:
        calls.append(source)
        return [Bot(f"Bot{len(calls)}")]

    first = Catalogue(path)
    assert [b.id for b in await first.bots(SOURCE, fetch)] == ["Bot1"]
    assert [b.id for b in await first.bots(SOURCE, fetch)] == ["Bot1"]
    assert [b.id for b in await Catalogue(path).bots(SOURCE, fetch)] == ["Bot1"]
    assert calls == [SOURCE]

    body = json.loads(path.read_text())
    body["fetched"] = time.time() - 2 * 86400
    path.write_text(json.dumps(body))
    stale = Catalogue(path)
    assert [b.id for b in await stale.bots(SOURCE, fetch)] == ["Bot1"]
    for _ in range(200):
        if stale.names(SOURCE) == ["Bot2"]:
            break
        await asyncio.sleep(0.01)
    assert stale.names(SOURCE) == ["Bot2"] and len(calls) == 2
    cached = read_cache(path, SOURCE)
    assert cached is not None and [b.id for b in cached[0]] == ["Bot2"]


async def test_a_failed_fetch_caches_nothing(tmp_path: Path) -> None:
    async def fetch(source: str) -> list[Bot]:
        raise PoeError("network", "down")

    catalogue = Catalogue(tmp_path / "models.json")
    with pytest.raises(PoeError):
        await catalogue.bots(SOURCE, fetch)
    assert catalogue.names(SOURCE) == [] and not (tmp_path / "models.json").exists()


async def test_fetch_reads_the_fake_catalogue_without_a_key(
    poe: FakePoe, monkeypatch: pytest.MonkeyPatch
) -> None:
    poe.set_models([ENTRY, {"id": "GPT-5"}, 42])
    async with httpx.AsyncClient() as session:
        assert [b.id for b in await fetch_models(session, poe.base_url)] == [
            "Claude-Sonnet-4.5",
            "GPT-5",
        ]
        monkeypatch.setattr(catalogue, "MAX_BYTES", 100)
        with pytest.raises(PoeError, match="too large"):
            await fetch_models(session, poe.base_url)
        poe.set_models([], status=200)
        with pytest.raises(PoeError, match="no usable bot list"):
            await fetch_models(session, poe.base_url)
        poe.set_models(None)
        with pytest.raises(PoeError, match="HTTP 404"):
            await fetch_models(session, poe.base_url)
    assert all(r.authorization is None for r in poe.models_requests)
    assert len(poe.models_requests) == 4
