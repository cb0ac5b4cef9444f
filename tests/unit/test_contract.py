"""The contract is declared once: ``editors/contract.json`` is current, and the Python side
(settings parsing, the wire shapes) follows the same declaration."""

from __future__ import annotations

import dataclasses
import json

import pytest
from lsprotocol import types as t

from poe_lsp import contract
from poe_lsp.contract import SHAPES, ActionArgs, JobEnded
from poe_lsp.contract_files import CONTRACT_JSON, REFRESH, outputs, stale
from poe_lsp.settings import DEFAULT_REVIEW, SETTINGS, Settings, parse_settings


def test_the_generated_files_are_current() -> None:
    assert not stale(), f"stale: {', '.join(map(str, stale()))}; run `{REFRESH}`"


def test_contract_json_is_deterministic_and_says_it_is_generated() -> None:
    assert outputs() == outputs()
    doc = json.loads(CONTRACT_JSON.read_text())
    assert REFRESH in doc["$comment"]
    assert [s["key"] for s in doc["settings"]] == list(SETTINGS)


def _keys(shape: str, *, required: bool = False) -> set[str]:
    return {k for k, v in SHAPES[shape].items() if not (required and v.endswith("?"))}


def test_the_wire_objects_have_the_declared_keys() -> None:
    rng = t.Range(start=t.Position(line=0, character=0), end=t.Position(line=1, character=0))
    diagnostic = t.Diagnostic(range=rng, message="m")
    full = ActionArgs("file:///a.py", rng, "why", "GPT-5", (diagnostic,)).to_json()
    assert set(full) == _keys("ActionArgs")
    assert set(ActionArgs("file:///a.py", rng).to_json()) == _keys("ActionArgs", required=True)
    event = JobEnded("ask-1", "ask", "file:///a.py", None, "done", "ok").to_json()
    assert set(event) == _keys("JobEnded")
    assert {event["action"]} <= set(contract.ACTIONS)
    assert set(contract.COMMANDS) == {
        getattr(contract, n) for n in dir(contract) if n.startswith("CMD_")
    }
    for arguments, result in contract.COMMANDS.values():
        assert {(arguments or "JobArgs").rstrip("?"), result} <= set(SHAPES)


def test_every_action_that_edits_can_be_reviewed() -> None:
    assert set(DEFAULT_REVIEW) == set(contract.EDITING_ACTIONS)
    assert SETTINGS["review"].properties == contract.EDITING_ACTIONS
    assert SETTINGS["bots"].properties == contract.ACTIONS


def test_the_settings_defaults_are_the_declared_ones() -> None:
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        spec = f.metadata.get("poe_lsp.setting")
        if spec is not None:
            value = getattr(defaults, f.name)
            assert spec.to_json()["default"] == (list(value) if isinstance(value, tuple) else value)
    assert "``rate_limit_window`` (``rateLimitWindow``)" in (Settings.__doc__ or "")


@pytest.mark.parametrize("key", [k for k, s in SETTINGS.items() if s.minimum is not None])
def test_parse_settings_takes_the_declared_range(key: str) -> None:
    spec = SETTINGS[key]
    assert spec.minimum is not None and spec.maximum is not None
    field = next(
        f.name for f in dataclasses.fields(Settings) if f.metadata.get("poe_lsp.setting") is spec
    )
    for inside in (spec.minimum, spec.maximum):
        settings, problems = parse_settings({key: inside}, env={})
        assert (getattr(settings, field), problems) == (inside, [])
    for outside in (spec.minimum - 1, spec.maximum + 1):
        settings, problems = parse_settings({key: outside}, env={})
        assert getattr(settings, field) == getattr(Settings(), field)
        assert problems == [
            f"poe.{key} must be a number from {spec.minimum:.12g} to {spec.maximum:.12g}; "
            "using the default"
        ]
