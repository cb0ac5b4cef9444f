"""The context budget: what does not fit in ``contextBudget`` characters is left out. Pure.

The selection is always sent. The rest is kept in this order of priority: the diagnostics,
the project's instructions, the file's header, the definitions the selection uses, the
existing test file, the surrounding lines; so the surrounding lines go first, the farthest
lines first. Text is left out by whole lines (or whole files, definitions and diagnostics),
never cut inside a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from poe_lsp.actions.prompt import MAX_CONTEXT_CHARS, PromptInput, build_messages
from poe_lsp.edits.positions import split_lines


def size(prompt: PromptInput) -> int:
    """The characters of the messages ``prompt`` makes."""
    return sum(len(m.content) for m in build_messages(prompt))


def fit(prompt: PromptInput, budget: int) -> tuple[PromptInput, tuple[str, ...]]:
    """Return ``prompt`` within ``budget`` characters (as far as leaving things out can take
    it; the line saying what was left out counts too) and what was left out, as the progress
    says it (``"12 surrounding lines"``)."""
    fitted, dropped = _fit(prompt, budget)
    over = size(fitted) - budget
    if dropped and over > 0:  # the line that says so did not fit
        fitted, dropped = _fit(prompt, budget - over)
    return fitted, dropped


def _fit(prompt: PromptInput, budget: int) -> tuple[PromptInput, tuple[str, ...]]:
    dropped: list[str] = []
    for shrink in _ORDER:
        over = size(prompt) - budget
        if over <= 0:
            break
        prompt, note = shrink(prompt, over)
        if note:
            dropped.append(note)
    return replace(prompt, dropped=tuple(dropped)), tuple(dropped)


def _lines(text: str) -> list[str]:
    return split_lines(text, keepends=True) if text else []


def _surrounding(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    before, after = _shown(_lines(p.before), from_end=True), _shown(_lines(p.after))
    removed = count = 0
    while removed < over and (before or after):
        line = before.pop(0) if len(before) >= len(after) else after.pop()
        removed += len(line)
        count += 1
    if not count:
        return p, ""
    note = f"{count} surrounding line{'' if count == 1 else 's'}"
    return replace(p, before="".join(before), after="".join(after)), note


def _shown(lines: list[str], from_end: bool = False) -> list[str]:
    """The lines the prompt shows of a side (it caps each at :data:`MAX_CONTEXT_CHARS`)."""
    kept: list[str] = []
    total = 0
    for line in reversed(lines) if from_end else lines:
        total += len(line)
        if total > MAX_CONTEXT_CHARS:
            break
        kept.append(line)
    return kept[::-1] if from_end else kept


def _test_file(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    if not p.test_head:
        return p, ""
    lines = _lines(p.test_head)
    removed = 0
    while lines and removed < over:
        removed += len(lines.pop())
    kept = "".join(lines)
    note = "the test file's text" if not kept else "the end of the test file's text"
    return replace(p, test_head=kept), note


def _definitions(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    kept = list(p.definitions)
    removed = 0
    while kept and removed < over:
        path, text = kept.pop()
        removed += len(path) + len(text) + 8
    count = len(p.definitions) - len(kept)
    if not count:
        return p, ""
    return replace(p, definitions=tuple(kept)), f"{count} definition{'' if count == 1 else 's'}"


def _header(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    lines = _lines(p.header)
    removed = count = 0
    while lines and removed < over:
        removed += len(lines.pop())
        count += 1
    if not count:
        return p, ""
    return replace(p, header="".join(lines)), f"{count} header line{'' if count == 1 else 's'}"


def _instructions(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    kept = list(p.project)
    removed = 0
    dropped = []
    while kept and removed < over:
        gone = kept.pop()
        removed += len(gone.text) + len(gone.path)
        dropped.append(gone.path)
    if not dropped:
        return p, ""
    return replace(p, project=tuple(kept)), ", ".join(reversed(dropped))


def _diagnostics(p: PromptInput, over: int) -> tuple[PromptInput, str]:
    kept = list(p.diagnostics)
    removed = 0
    while kept and removed < over:
        removed += len(kept.pop().message) + 24
    count = len(p.diagnostics) - len(kept)
    if not count:
        return p, ""
    return replace(p, diagnostics=tuple(kept)), f"{count} diagnostic{'' if count == 1 else 's'}"


_ORDER: tuple[Callable[[PromptInput, int], tuple[PromptInput, str]], ...] = (
    _surrounding,
    _test_file,
    _definitions,
    _header,
    _instructions,
    _diagnostics,
)
