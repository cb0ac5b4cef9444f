"""From a streamed Markdown answer to the code that goes into the document."""

from __future__ import annotations

from poe_lsp.edits.fences import extract_code, fit_to_selection

ANSWER = "Sure, here you go:\n```python\ndef f():\n    return 1\n```\nThat is all."


def test_code_inside_the_first_fence() -> None:
    assert extract_code(ANSWER, final=True) == "def f():\n    return 1\n"


def test_streaming_releases_whole_lines_and_holds_a_possible_closing_fence() -> None:
    prefixes = [ANSWER[:n] for n in range(len(ANSWER) + 1)]
    seen = [extract_code(p, final=False) for p in prefixes]
    assert seen[len("Sure, here")] is None
    assert extract_code("```python\ndef f():\n    ret", final=False) == "def f():\n    ret"
    assert extract_code("```python\ndef f():\n``", final=False) == "def f():\n"
    assert all(s is None or "```" not in s for s in seen)
    final = extract_code(ANSWER, final=True)
    assert all(s is None or final.startswith(s) or s.startswith(final) for s in seen)  # type: ignore[union-attr]


def test_an_answer_without_fence_is_code_only_once_complete() -> None:
    assert extract_code("x = 1\ny = 2", final=False) is None
    assert extract_code("x = 1\ny = 2\n\n", final=True) == "x = 1\ny = 2\n"


def test_longer_fences_and_tildes() -> None:
    answer = "````md\n```inner```\n```\n````\n"
    assert extract_code(answer, final=True) == "```inner```\n```\n"
    assert extract_code("~~~\nx\n~~~\n", final=True) == "x\n"


def test_unclosed_fence_runs_to_the_end_when_final() -> None:
    assert extract_code("```\nx = 1\ny", final=True) == "x = 1\ny"


def test_crlf_answers() -> None:
    assert extract_code("```py\r\nx = 1\r\n```\r\n", final=True) == "x = 1\n"


def test_fit_keeps_the_selections_trailing_newline() -> None:
    assert fit_to_selection("x = 1\n", "y = 2\n", eol="\n", at_line_start=True) == "x = 1\n"
    assert fit_to_selection("x = 1\n", "y = 2", eol="\n", at_line_start=False) == "x = 1"


def test_fit_reindents_flush_left_code_to_the_selection() -> None:
    original = "    def m(self):\n        return 1\n"
    code = "def m(self) -> int:\n    return 1\n"
    fitted = fit_to_selection(code, original, eol="\n", at_line_start=True)
    assert fitted == "    def m(self) -> int:\n        return 1\n"
    already = fit_to_selection(original, original, eol="\n", at_line_start=True)
    assert already == original


def test_fit_converts_to_the_documents_line_endings() -> None:
    assert fit_to_selection("a\nb\n", "x\r\ny\r\n", eol="\r\n", at_line_start=True) == "a\r\nb\r\n"
