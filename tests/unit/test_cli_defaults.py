"""The command line states the defaults the settings declare (``args`` imports only the
standard library, so it cannot read them at start-up: this test keeps them equal)."""

from __future__ import annotations

import argparse

import pytest

from poe_lsp.schema import declared
from poe_lsp.settings import Settings
from poe_lsp.terminal.args import add_commands

OPTIONS = {
    "--bot": "bot",
    "--context-lines": "contextLines",
    "--read-timeout": "readTimeout",
    "--base-url": "baseUrl",
}


def _help_of(command: str, option: str) -> str:
    parser = argparse.ArgumentParser(prog="poe-lsp")
    add_commands(parser)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[
        command
    ]
    action = next(a for a in sub._actions if option in a.option_strings)
    return str(action.help)


@pytest.mark.parametrize(("option", "key"), OPTIONS.items())
def test_the_help_of_each_option_names_the_declared_default(option: str, key: str) -> None:
    default = declared(Settings)[key].default
    shown = f"{default:g}" if isinstance(default, float) else str(default)
    assert f"default: {shown})" in _help_of("refactor", option) or (
        f"default {shown})" in _help_of("refactor", option)
    )
