"""Benchmark 6: requests on large documents, timed at the editor (request sent -> answer read).

* ``codeAction`` on a selection, and on a bare cursor (the server expands it to the block);
* typing: one ``didChange`` (a character typed, or deleted again, mid-file) followed by a
  ``hover``; the server handles messages in order, so the pair's round trip holds the cost of
  applying the change. The same pair on a small document shows what is not the file's size.

Each run's value is the median of ``samples`` requests; one server serves every run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types as t

from bench.answers import large_document
from bench.context import Context
from bench.editor import Editor
from bench.report import RATIO, Row


def _pos(line: int, character: int) -> t.Position:
    return t.Position(line=line, character=character)


async def _median_ms(samples: int, request: Callable[[int], Awaitable[Any]]) -> float:
    times = []
    for index in range(samples):
        started = time.perf_counter()
        await request(index)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _code_action(editor: Editor, uri: str, start: t.Position, end: t.Position) -> Awaitable[Any]:
    return editor.client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=start, end=end),
            context=t.CodeActionContext(diagnostics=[]),
        )
    )


def _hover(editor: Editor, uri: str) -> Awaitable[Any]:
    return editor.client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=_pos(0, 0))
    )


async def _typing(editor: Editor, uri: str, line: int, index: int) -> Any:
    """Type an ``x`` at the start of a line's code, or delete it again, then hover."""
    start = _pos(line, 4)
    if index % 2 == 0:
        editor.change(uri, t.Range(start=start, end=start), "x", keep=False)
    else:
        editor.change(uri, t.Range(start=start, end=_pos(line, 5)), "", keep=False)
    return await _hover(editor, uri)


async def _measure(
    editor: Editor, uri: str, line: int, samples: int, rows: dict[tuple[str, int], Row], size: int
) -> None:
    """One run on one document: around ``line``, the start of a function."""
    block_start, block_end = _pos(line, 0), _pos(line + 7, 0)

    def selection(_: int) -> Awaitable[Any]:
        return _code_action(editor, uri, block_start, block_end)

    def cursor(_: int) -> Awaitable[Any]:
        return _code_action(editor, uri, block_start, block_start)

    def typing(index: int) -> Awaitable[Any]:
        return _typing(editor, uri, line + 2, index)

    rows["selection", size].runs.append(await _median_ms(samples, selection))
    rows["cursor", size].runs.append(await _median_ms(samples, cursor))
    rows["typing", size].runs.append(await _median_ms(samples, typing))


async def run(ctx: Context) -> list[Row]:
    """Run benchmark 6."""
    cfg = ctx.config
    largest = cfg.large_sizes[-1]
    small = 40
    rows: dict[tuple[str, int], Row] = {}
    for size in (small, *cfg.large_sizes):
        budget = 2.0 if size == largest else None
        label = f"{size:,}-line file"
        rows["selection", size] = Row(
            "6 large files", f"codeAction, selection, {label}", "ms", budget=budget
        )
        rows["cursor", size] = Row(
            "6 large files", f"codeAction, cursor, {label}", "ms", budget=budget
        )
        rows["typing", size] = Row("6 large files", f"didChange + hover, {label}", "ms")
    growth = Row(
        "6 large files",
        f"didChange + hover: {largest:,} ÷ {small}-line file",
        RATIO,
        budget=2.0,
        note=f"a cost proportional to the file would make this about {largest // small}",
    )
    async with ctx.editor() as editor:
        uris = {}
        for size in (small, *cfg.large_sizes):
            uris[size] = ctx.uri(f"large-{size}.py")
            editor.open(uris[size], large_document(size))
        for uri in uris.values():  # the first request of each kind is slower: warm up
            await _code_action(editor, uri, _pos(0, 0), _pos(0, 0))
            await _code_action(editor, uri, _pos(0, 0), _pos(1, 0))
            await _typing(editor, uri, 2, 0)
            await _typing(editor, uri, 2, 1)
        for index in range(cfg.runs):
            ctx.log(f"large files: run {index + 1}/{cfg.runs}")
            for size, uri in uris.items():
                await _measure(editor, uri, size // 16 * 8, cfg.samples, rows, size)
            growth.runs.append(rows["typing", largest].runs[-1] / rows["typing", small].runs[-1])
    return [*rows.values(), growth]
