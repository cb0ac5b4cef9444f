"""The trust policy: where the key may go, and which bots may spend it without asking."""

from __future__ import annotations

import pytest

from poe_lsp.settings import TRUSTED_BOTS
from poe_lsp.trust import (
    ALLOWED_HOSTS_ENV,
    bot_refused,
    bot_trust,
    destination,
    host_question,
    host_refused,
    is_local,
    may_send_key,
    parse_bots,
    parse_hosts,
)


@pytest.mark.parametrize(
    ("url", "place", "name"),
    [
        ("https://api.poe.com/bot/", "poe", "api.poe.com"),
        ("https://API.Poe.com/bot/", "poe", "api.poe.com"),
        ("https://poe.com/", "poe", "poe.com"),
        ("https://eu.api.poe.com:8443/", "poe", "eu.api.poe.com:8443"),
        ("http://api.poe.com/bot/", "other", "api.poe.com"),  # the key would travel in clear
        ("https://evilpoe.com/", "other", "evilpoe.com"),
        ("https://api.poe.com.evil.example/", "other", "api.poe.com.evil.example"),
        ("https://api.poe.com./", "other", "api.poe.com."),
        ("https://evil.example/bot/", "other", "evil.example"),
        ("http://localhost:8000/", "local", "localhost:8000"),
        ("https://127.0.0.1/", "local", "127.0.0.1"),
        ("http://127.1.2.3:9/", "local", "127.1.2.3:9"),
        ("http://[::1]:8080/", "local", "[::1]:8080"),
        ("http://poe-test.localhost/", "other", "poe-test.localhost"),
        ("https://vm/", "other", "vm"),  # a name that resolves to 127.0.0.1 is still a name
        ("https://10.0.0.1/", "other", "10.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "other", "[::ffff:127.0.0.1]"),
    ],
)
def test_hosts_are_poe_this_machine_or_other(url: str, place: str, name: str) -> None:
    found = destination(url)
    assert (found.place, found.name) == (place, name)


def test_only_literal_names_are_this_machine() -> None:
    assert is_local("localhost") and is_local("127.0.0.53") and is_local("::1")
    assert not is_local("localhost.example") and not is_local("128.0.0.1") and not is_local("")


def test_poe_and_this_machine_need_no_permission_others_do() -> None:
    assert may_send_key(destination("https://api.poe.com/bot/"), frozenset())
    assert may_send_key(destination("http://127.0.0.1:5000/"), frozenset())
    assert not may_send_key(destination("https://evil.example/"), frozenset())


def test_allowed_hosts_match_by_host_or_by_host_and_port() -> None:
    hosts, wrong = parse_hosts(" Proxy.example , gw.example:8443,[2001:db8::1]:444,2001:db8::2")
    assert wrong == []
    assert hosts == {
        ("proxy.example", None),
        ("gw.example", 8443),
        ("2001:db8::1", 444),
        ("2001:db8::2", None),
    }
    assert may_send_key(destination("https://proxy.example:9999/bot/"), hosts)
    assert may_send_key(destination("https://gw.example:8443/"), hosts)
    assert not may_send_key(destination("https://gw.example/"), hosts), "another port"
    assert may_send_key(destination("https://[2001:db8::1]:444/"), hosts)
    assert not may_send_key(destination("https://proxy.example.evil/"), hosts)
    port_443, _ = parse_hosts("gw.example:443")
    assert may_send_key(destination("https://gw.example/"), port_443), "443 is https' port"


@pytest.mark.parametrize(
    "entry", ["https://x.example/", "user@x.example", "x.example:0", "x.example:http", "[::1"]
)
def test_entries_that_are_not_hosts_are_named(entry: str) -> None:
    hosts, wrong = parse_hosts(f"ok.example,{entry}")
    assert hosts == {("ok.example", None)} and wrong == [entry]


def test_built_in_bots_are_trusted_and_settings_cannot_widen_alone() -> None:
    assert bot_trust("GPT-5", TRUSTED_BOTS, (), TRUSTED_BOTS) == "trusted"
    assert bot_trust("gpt-5", ["*"], (), TRUSTED_BOTS) == "trusted"
    assert bot_trust("ThirdParty", TRUSTED_BOTS, (), TRUSTED_BOTS) == "unknown"
    assert bot_trust("ThirdParty", ["*"], (), TRUSTED_BOTS) == "settings"
    assert bot_trust("ThirdParty", ["thirdparty"], (), TRUSTED_BOTS) == "settings"


def test_settings_can_narrow_the_built_in_list() -> None:
    assert bot_trust("Claude-Sonnet-4.5", ["GPT-5"], (), TRUSTED_BOTS) == "unknown"


def test_the_environment_widens_without_asking() -> None:
    assert parse_bots(" Code , ,Explainer") == ("Code", "Explainer")
    assert bot_trust("code", TRUSTED_BOTS, parse_bots("Code"), TRUSTED_BOTS) == "trusted"
    assert bot_trust("Any", [], parse_bots("*"), TRUSTED_BOTS) == "trusted"
    assert bot_trust("Other", [], parse_bots("Code"), TRUSTED_BOTS) == "unknown"


def test_messages_name_the_host_the_setting_and_the_way_to_allow_it() -> None:
    place = destination("https://evil.example:8443/bot/")
    question = host_question(place, "poe.baseUrl")
    assert question.startswith("Send your Poe API key to evil.example:8443?")
    assert "project" in question
    refused = host_refused(place, "poe.usageUrl")
    assert "evil.example:8443" in refused and "poe.usageUrl" in refused
    assert ALLOWED_HOSTS_ENV in refused and "Allow for this session" in refused
    assert "POE_TRUSTED_BOTS" in bot_refused("ThirdParty", "settings")
    assert "project" in bot_refused("ThirdParty", "settings")
    assert "project" not in bot_refused("ThirdParty", "unknown")
