"""Where the API key may go, and which bots may spend it without asking: the policy, no I/O.

Editor settings can come from the project that is open (``.vscode/settings.json``,
``.dir-locals.el``, ``.helix/languages.toml``, ``.zed/settings.json``), and over LSP the
server cannot tell them from the user's own. So settings may *narrow* what the key can
reach or spend, but never widen it silently:

* The key goes to Poe (``poe.com`` and ``*.poe.com`` over https), to this machine
  (``localhost``, ``127.0.0.0/8``, ``::1``), or to a host the user allowed from a place a
  repository cannot write: :data:`ALLOWED_HOSTS_ENV` in the server's environment, the
  command line (the CLI's ``--base-url``), or an answer to a question naming the host.
* The daily point budget of :data:`BUDGET_ENV` is lowered by the ``dailyPointBudget``
  setting, never raised (:func:`daily_budget`).
* Bots in :data:`poe_lsp.settings.TRUSTED_BOTS` and in :data:`TRUSTED_BOTS_ENV` are
  trusted without asking; a bot trusted only by the settings (``trustedBots``, ``"*"``)
  is asked about, like any other bot.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

ALLOWED_HOSTS_ENV = "POE_ALLOWED_HOSTS"
"""Comma-separated ``host`` or ``host:port`` entries the key may be sent to besides Poe's."""
TRUSTED_BOTS_ENV = "POE_TRUSTED_BOTS"
"""Comma-separated bots trusted without asking besides the built-in list; ``*``: every bot."""
BUDGET_ENV = "POE_DAILY_POINT_BUDGET"
"""The most points the key may spend through poe-lsp a day (``0`` or unset: no limit); the
``dailyPointBudget`` setting can lower it, not raise it."""
POE_DOMAIN = "poe.com"
ALLOW_SESSION = "Allow for this session"
"""The button that allows a host until the server stops."""

Place = Literal["poe", "local", "other"]
BotTrust = Literal["trusted", "settings", "unknown"]
"""A bot is ``trusted`` (no question), trusted by the ``settings`` only (asked, saying so),
or ``unknown`` (asked)."""
HostEntry = tuple[str, int | None]
"""A host the user allowed, and its port (``None``: any port)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Destination:
    """The host a URL sends the key to, and whether it is Poe's, this machine's, or other."""

    host: str
    """The host name, lower-case (an IPv6 address without brackets)."""
    port: int
    """The port, the scheme's default if the URL has none."""
    explicit_port: bool
    place: Place

    @property
    def name(self) -> str:
        """The host as a user writes it: ``example.com``, ``example.com:8443``, ``[::1]:81``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    @property
    def entry(self) -> HostEntry:
        """This host and port, as remembered when the user allows it."""
        return (self.host, self.port)


def destination(url: str) -> Destination:
    """Classify the host of ``url`` (an absolute http(s) URL, as settings validate it)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    place: Place = "other"
    if is_local(host):
        place = "local"
    elif (
        scheme == "https"
        and host.isascii()
        and (host == POE_DOMAIN or host.endswith("." + POE_DOMAIN))
    ):
        place = "poe"
    return Destination(host, port or _DEFAULT_PORTS.get(scheme, 0), port is not None, place)


def is_local(host: str) -> bool:
    """Whether ``host`` is this machine by its name alone: ``localhost``, 127.0.0.0/8, ``::1``.

    Only literal names count; what a resolver makes of other names (``*.localhost``, the
    machine's own name) does not.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def may_send_key(place: Destination, allowed: Collection[HostEntry]) -> bool:
    """Whether the key may go to ``place`` without asking: Poe, this machine, or allowed."""
    if place.place != "other":
        return True
    return (place.host, None) in allowed or place.entry in allowed


def parse_hosts(value: str) -> tuple[frozenset[HostEntry], list[str]]:
    """Read a :data:`ALLOWED_HOSTS_ENV` value; return the hosts and the entries that are not."""
    hosts: set[HostEntry] = set()
    wrong: list[str] = []
    for item in _items(value):
        entry = _host_entry(item)
        if entry is None:
            wrong.append(item)
        else:
            hosts.add(entry)
    return frozenset(hosts), wrong


def parse_bots(value: str) -> tuple[str, ...]:
    """Read a :data:`TRUSTED_BOTS_ENV` value: bot names, or ``*``."""
    return tuple(_items(value))


def bot_trust(
    bot: str, settings: Iterable[str], environment: Iterable[str], defaults: Iterable[str]
) -> BotTrust:
    """How far ``bot`` is trusted: by the built-in list (as far as the settings keep it) or
    the environment, by the settings only, or not at all."""
    name = bot.lower()
    listed = {b.lower() for b in settings}
    env = {b.lower() for b in environment}
    if "*" in env or name in env:
        return "trusted"
    if name in {b.lower() for b in defaults} and ("*" in listed or name in listed):
        return "trusted"
    if "*" in listed or name in listed:
        return "settings"
    return "unknown"


def host_question(place: Destination, setting: str) -> str:
    """The question that asks whether the key may go to ``place``, set by ``setting``."""
    return (
        f"Send your Poe API key to {place.name}? {setting} points there, and it is not Poe's "
        "server or this machine. Settings can come from the project you opened, so allow it "
        "only if you set it yourself: whoever runs that host gets your key and can spend "
        "your points."
    )


def host_refused(place: Destination, setting: str) -> str:
    """Why nothing was sent to ``place``, and how to allow it."""
    return (
        f"Nothing was sent: {setting} points to {place.name}, which is not Poe's server or "
        "this machine, and settings can come from the project you opened. To send your Poe "
        f"API key there, answer '{ALLOW_SESSION}' when asked, or add {place.name} to "
        f"{ALLOWED_HOSTS_ENV} in the environment poe-lsp starts from."
    )


def daily_budget(setting: int, environment: int) -> int:
    """The daily point budget in force (``0``: none): the environment's, lowered but never
    raised or removed by the settings' (which may come from the project that is open)."""
    if environment > 0 and setting > 0:
        return min(environment, setting)
    return environment or setting


def parse_budget(value: str) -> int | None:
    """Read a :data:`BUDGET_ENV` value: a whole number of points (``""``: 0); ``None`` if not."""
    text = value.strip().replace("_", "")
    if not text:
        return 0
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _host_entry(item: str) -> HostEntry | None:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address."""
    host, port = item.lower(), ""
    if host.startswith("["):
        host, closed, rest = host[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
    if not host or any(c in host for c in "/@\\ ?#[]") or (":" in host and not _is_ip(host)):
        return None
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return None
    return host, int(port) if port else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def bot_refused(bot: str, trust: BotTrust) -> str:
    """Why nothing was sent to ``bot``, and how to trust it."""
    why = (
        "poe.trustedBots trusts it, but settings can come from the project you opened"
        if trust == "settings"
        else "it is not one of your trusted bots"
    )
    return (
        f"Nothing was sent to {bot}: {why}, and a bot you query can spend your whole point "
        f"balance. Allow it when asked, or add it to {TRUSTED_BOTS_ENV} in the environment "
        "poe-lsp starts from (poe.trustedBots alone does not do)."
    )
