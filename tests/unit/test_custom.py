"""Custom actions, prompt files and Fix with Poe: the pure parts."""

from __future__ import annotations

import os
from pathlib import Path

from poe_lsp.actions.custom import fix_action, fix_span, fix_title, parse_actions, safe_title
from poe_lsp.actions.promptfiles import parse_prompt, scan
from poe_lsp.boundary import Boundary
from poe_lsp.settings import parse_settings

GOOD = {"id": "docs", "title": "Add docs", "instruction": "Add docstrings"}


def test_a_good_entry_becomes_an_action_with_its_defaults() -> None:
    (action,), problems = parse_actions([GOOD])
    assert problems == []
    assert (action.id, action.label, action.output, action.action) == (
        "docs",
        "Poe: Add docs",
        "replace",
        "refactor",
    )
    assert action.review is None and action.offered_for("rust")


def test_each_bad_entry_is_named_and_skipped_and_the_good_ones_stay() -> None:
    raw = [
        GOOD,
        "text",
        {"id": "1bad", "title": "t", "instruction": "i"},
        {"id": "x", "title": "t", "instruction": "i", "output": "poem"},
        {"id": "y", "title": "t", "instruction": "i", "bot": "a/b"},
        {"id": "z", "title": "t", "instruction": "i", "languages": "python"},
        {"id": "w", "title": "t", "instruction": "i", "colour": "red"},
        {"id": "v", "title": "t", "instruction": "i", "review": "yes"},
        GOOD,
    ]
    actions, problems = parse_actions(raw)
    assert [a.id for a in actions] == ["docs"]
    assert len(problems) == 8
    assert problems[0].startswith("poe.actions[1] must be an object")
    assert problems[2].startswith("poe.actions[3] ('x') has output 'poem'")
    assert problems[-1] == "poe.actions[8] ('docs') repeats the id 'docs'; skipped"


def test_parse_settings_warns_about_actions_and_never_fails() -> None:
    settings, problems = parse_settings({"actions": {"id": "x"}}, env={})
    assert settings.actions == () and problems and "poe.actions must be a list" in problems[0]
    settings, problems = parse_settings({"actions": [GOOD, None]}, env={})
    assert [a.id for a in settings.actions] == ["docs"] and len(problems) == 1


def test_titles_escape_control_and_bidi_characters_and_stay_short() -> None:
    assert safe_title("a\u202eb\nc\u0007") == "a\\u202eb c\\u0007"
    assert safe_title("x" * 200).endswith("\u2026") and len(safe_title("x" * 200)) == 80
    assert fix_title("undefined name 'x'") == "Poe: Fix \"undefined name 'x'\""


def test_fix_names_the_diagnostic_its_code_and_source() -> None:
    action = fix_action("undefined name 'x'", "F821", "pyflakes")
    assert "undefined name 'x' [F821] (from pyflakes)" in action.instruction
    assert action.action == "refactor" and action.label == "Poe: Fix"


def test_fix_span_is_the_block_at_the_diagnostic_and_covers_it() -> None:
    lines = ["def f():\n", "    return 1\n", "\n", "x = 1\n", "\n"]
    assert fix_span(lines, 0, 0) == (0, 2)
    assert fix_span(lines, 1, 1) == (1, 2)
    assert fix_span(lines, 0, 3) == (0, 4)
    assert fix_span(lines, 4, 4) == (3, 5)  # a blank line: from the code above it
    assert fix_span([], 0, 0) is None


def test_a_prompt_file_front_matter_and_body() -> None:
    text = "---\ndescription: 'Make it async'\nmode: ask\nmodel: GPT-5\n---\nDo it.\n"
    action = parse_prompt("async", text, ".github/prompts/async.prompt.md")
    assert action is not None
    assert (action.id, action.title, action.output, action.bot) == (
        "prompt:async",
        "Make it async",
        "explain",
        "GPT-5",
    )
    assert action.instruction == "Do it." and action.source == ".github/prompts/async.prompt.md"
    plain = parse_prompt("p", "Just the body", "p")
    assert plain is not None and plain.title == "p" and plain.output == "replace"
    odd_model = parse_prompt("m", "---\nmodel: Claude Sonnet 4 (copilot)\n---\nx", "m")
    assert odd_model is not None and odd_model.bot is None
    assert parse_prompt("e", "---\ndescription: d\n---\n  \n", "e") is None
    assert parse_prompt("h", "x" * 20_000, "h") is None


def test_scan_skips_links_out_fifos_and_a_linked_folder(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    folder = root / ".github" / "prompts"
    folder.mkdir(parents=True)
    outside.mkdir()
    (outside / "s.md").write_text("secret")
    (folder / "ok.prompt.md").write_text("fine")
    (folder / "out.prompt.md").symlink_to(outside / "s.md")
    (folder / "notes.md").write_text("not a prompt file")
    os.mkfifo(folder / "pipe.prompt.md")
    assert [a.id for a in scan(Boundary([root]))] == ["prompt:ok"]
    other = tmp_path / "other"
    (other / ".github").mkdir(parents=True)
    (other / ".github" / "prompts").symlink_to(outside)
    (outside / "x.prompt.md").write_text("outside")
    assert scan(Boundary([other])) == ()
