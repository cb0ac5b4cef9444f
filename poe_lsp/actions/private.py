"""What is never sent to a bot as context: files that look like secrets, files git ignores.

A selection's context comes from other files of the workspace (the definitions it uses, the
test file's fixtures). A repository decides what those files are called and what imports
what, so a file is left out, whatever names it, when its name looks like a secret (``.env``,
``*.pem``, ``id_rsa``, ``credentials.json``, ``.npmrc`` …: :func:`looks_secret`) or when git
ignores it (a local settings module, a ``.venv``, build output). The document the user acts
on is refused when its name looks like a secret; an ignored one is theirs to send.

Which files git ignores is asked once per workspace folder every :data:`IGNORED_TTL` seconds
(``git ls-files --others --ignored --exclude-standard --directory``, through
:mod:`poe_lsp.git`), in the repository the folder is, or lies in (a workspace opened on one
package of a monorepo is ruled by the repository's ``.gitignore`` files above it); outside a
repository, or when git fails, nothing is ignored.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

from poe_lsp.git import GitError, enclosing_work_tree, run_git

log = logging.getLogger(__name__)

SECRET_NAMES: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.asc",
    "*.gpg",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*credentials*",
    "*secret*",
    ".npmrc",
    ".yarnrc.yml",
    ".netrc",
    "_netrc",
    ".pypirc",
    ".pgpass",
    ".htpasswd",
    ".git-credentials",
    ".dockercfg",
    "*.tfvars",
    "*.tfstate",
    "*.tfstate.*",
    "service-account*.json",
)
"""File names (matched without case) that look like secrets."""

SECRET_FOLDERS = frozenset({".ssh", ".aws", ".gnupg", ".azure", ".kube", ".docker"})
"""Folders whose files all look like secrets."""

IGNORED_TTL = 5.0
"""Seconds the list of ignored files of a workspace folder is reused."""
MAX_IGNORED_BYTES = 1_000_000
"""The most of git's list of ignored files that is read; what is past it is not known."""


def looks_secret(relative: str) -> bool:
    """Whether the file at the ``/``-separated path ``relative`` looks like a secret."""
    parts = PurePosixPath(relative.lower()).parts
    if not parts:
        return False
    if any(part in SECRET_FOLDERS for part in parts[:-1]):
        return True
    return any(fnmatch.fnmatchcase(parts[-1], pattern) for pattern in SECRET_NAMES)


@dataclass(frozen=True)
class Withheld:
    """The files of one workspace folder never sent as context."""

    ignored: frozenset[str] = frozenset()
    """What git ignores there: files, and folders as ``name/``."""

    def reason(self, relative: str) -> str | None:
        """Why ``relative`` is never sent, or ``None`` when it may be."""
        if looks_secret(relative):
            return f"{relative} looks like a file of secrets"
        if relative in self.ignored or any(folder in self.ignored for folder in _folders(relative)):
            return f"git ignores {relative}"
        return None


ONLY_SECRETS = Withheld()
"""Withhold the secret-looking files alone (git's list is not known)."""


def _folders(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def parse_ignored(out: bytes) -> frozenset[str]:
    """The paths of ``git ls-files -z``'s output (a cut last entry is dropped)."""
    entries = out.split(b"\0")
    if len(out) > MAX_IGNORED_BYTES or not out.endswith(b"\0"):
        entries = entries[:-1]
    return frozenset(e.decode("utf-8", "surrogateescape") for e in entries if e)


_cache: dict[str, tuple[float, Withheld]] = {}


def forget() -> None:
    """Forget every list of ignored files (the next action asks git again)."""
    _cache.clear()


async def withheld(root: PurePosixPath | None) -> Withheld:
    """What is never sent from the workspace folder ``root``."""
    if root is None:
        return Withheld()
    key = str(root)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < IGNORED_TTL:
        return cached[1]
    found = Withheld(await _ignored(key))
    _cache[key] = (now, found)
    return found


async def _ignored(root: str) -> frozenset[str]:
    try:
        top, git_dir = await asyncio.to_thread(enclosing_work_tree, root)
        out, _ = await run_git(
            git_dir,
            "ls-files",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
            "-z",
            cap=MAX_IGNORED_BYTES,
            work_tree=top,
            cwd=root,  # so git lists the paths under root, relative to it
        )
    except (GitError, OSError) as exc:
        log.debug("no list of ignored files for %s: %s", root, exc)
        return frozenset()
    return parse_ignored(out)
