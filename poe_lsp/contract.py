"""The public contract with editor clients: command ids, argument shapes, code-action kinds.

Declared here once, with the settings (:mod:`poe_lsp.settings`); ``python -m poe_lsp.contract``
writes them to ``editors/contract.json`` (and the files generated from it, see
:mod:`poe_lsp.contract_files`). The VS Code extension's tests and the Neovim plugin's generated
``contract.lua`` read that file; a test fails when it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal

from lsprotocol import types as t

Action = Literal["explain", "refactor", "writeTests", "ask", "commitMessage"]
ACTIONS: Final[tuple[Action, ...]] = ("explain", "refactor", "writeTests", "ask", "commitMessage")
EDITING_ACTIONS: Final[tuple[Action, ...]] = ("refactor", "writeTests", "ask", "commitMessage")
"""The actions whose answer goes into a document (and can be offered for review first)."""

TITLES: Final[dict[Action, str]] = {
    "explain": "Explain",
    "refactor": "Refactor",
    "writeTests": "Write tests",
    "ask": "Ask",
    "commitMessage": "Write commit message",
}
"""What each action is called: its progress title and edit label are :func:`label`."""


def label(action: Action) -> str:
    """``"Poe: Refactor"``: the progress title of ``action`` and the ``label`` of its
    ``workspace/applyEdit`` requests, by which clients group a job's edits into one undo step
    (and VS Code recognises the test file that Write tests creates)."""
    return f"Poe: {TITLES[action]}"


CMD_EXPLAIN: Final = "poe.explain"
CMD_REFACTOR: Final = "poe.refactor"
CMD_WRITE_TESTS: Final = "poe.writeTests"
CMD_ASK: Final = "poe.ask"
CMD_CANCEL: Final = "poe.cancel"
CMD_BALANCE: Final = "poe.balance"
"""No argument: answers ``{"points": N}``, the key's point balance (Poe's usage API)."""
CMD_LIST_BOTS: Final = "poe.listBots"
"""Optional ``{"all": true}``: answers ``{"bots": [Bot...]}``, Poe's bot catalogue (text-output
bots unless ``all``), cached for a day."""
CMD_ACCEPT: Final = "poe.accept"
"""``{"jobId": ...}``: apply a reviewed answer as one edit; answers ``{"applied": bool}``."""
CMD_REJECT: Final = "poe.reject"
"""``{"jobId": ...}``: drop a reviewed answer; answers ``{"rejected": bool}``."""
CMD_SENT: Final = "poe.sent"
"""``{"jobId": ...}``: what that job of this session sent to its bot (the last 50 jobs are
kept); answers ``{"messages": [{"role", "content"}], "sources": [path, ...], "points"}``
(``points``: what it cost, ``null`` when unknown)."""
CMD_USAGE: Final = "poe.usage"
"""No argument: answers ``{"today": {"points", "byBot"}, "session": {"points", "byBot"},
"dailyBudget", "known"}``: the key's API spending since local midnight (Poe's points
history), what this session's jobs cost, the daily budget in force (0: none), and whether
the history could be read (issue 16)."""

# Commit messages (issue 14): a message written from the staged diff, into a commit message
# file (a code action of kind KIND_COMMIT_MESSAGE) or for VS Code's Source Control input box.
CMD_COMMIT_MESSAGE: Final = "poe.commitMessage"
"""``{"textDocument"}``, a commit message file (``.git/COMMIT_EDITMSG``): the message streams
in above its comment lines, replacing the text there. ``{"rootUri"}``, a repository's work
tree: the message arrives as the ``text`` of ``poe/jobEnded`` (clients that opted in only).
Optional ``"bot"``. Answers ``{"jobId"}``."""
KIND_COMMIT_MESSAGE: Final = "source.poe.commitMessage"
"""A ``source`` action: it works on the whole file, not on a selection."""
COMMIT_LANGUAGES: Final = ("gitcommit", "git-commit")
"""The language ids of a commit message (Neovim and Vim; Helix, Emacs and VS Code)."""

# Custom actions, prompt files and Fix with Poe (issue 14).
CMD_RUN: Final = "poe.run"
"""``{"action": <id>, "textDocument", "range"}``: run the user's action ``id`` (the
``actions`` setting, or ``prompt:<name>`` for ``.github/prompts/<name>.prompt.md``) like the
built-in action of its output; answers ``{"jobId"}``."""
CMD_FIX: Final = "poe.fix"
"""``{"textDocument", "range", "diagnostics": [one]}``: rewrite ``range`` (an empty one: the
block around the diagnostic) so the diagnostic goes away; answers ``{"jobId"}``."""
CMD_LIST_ACTIONS: Final = "poe.listActions"
"""Optional ``{"textDocument"}``: answers ``{"actions": [{"id", "title", "output"}]}``, the
custom actions and prompt files offered (for that document's language)."""
KIND_QUICKFIX: Final = t.CodeActionKind.QuickFix.value

# Conversations (issue 15): a follow-up on a finished job.
CMD_FOLLOW_UP: Final = "poe.followUp"
"""``{"jobId", "instruction"}``: send the bot of that finished job (one of the session's last
20) the whole conversation and the instruction; the answer goes where the first went (it
replaces the region written, as the user's edits moved it, or adds to the explanation in
the hover). Answers ``{"jobId"}`` of the new job."""
KIND_FOLLOW_UP: Final = "poe.followUp"
SUGGESTED_TITLE: Final = "Poe: {reply}"
"""The title of a code action on a finished job's region that sends a reply the bot
suggested as a follow-up (kind ``KIND_FOLLOW_UP``, command ``CMD_FOLLOW_UP``)."""
MAX_INSTRUCTION: Final = 10_000
"""Characters a follow-up's instruction may have."""

# Chat documents (issue 15): a Markdown file whose ``## You`` / ``## <bot>`` sections are turns.
CMD_CHAT: Final = "poe.chat"
"""``{"textDocument"?, "range"?, "bot"?}``: create a chat document in the chat folder (outside
the workspace), starting from the selection, open it (``window/showDocument``) and answer
``{"uri"}``."""
CMD_CHAT_SEND: Final = "poe.chatSend"
"""``{"textDocument"}`` of a chat document: send the conversation the document holds; the
answer streams in under a new ``## <bot>``, then a fresh ``## You``. Answers ``{"jobId"}``."""
CMD_CHAT_APPLY: Final = "poe.chatApply"
"""``{"textDocument", "block"}``: propose the bot's code block ``block`` (0-based) of a chat for
the selection the chat began from, as one reviewed edit (refused if that code changed).
Answers ``{}`` at once; what happened is shown."""
KIND_CHAT_SEND: Final = "poe.chatSend"
KIND_CHAT_APPLY: Final = "poe.chatApply"
CHAT_SEND_TITLE: Final = "Poe: Send"
CHAT_APPLY_TITLE: Final = "Poe: Apply to {place}"

COMMAND_ACTIONS: Final[dict[str, Action]] = {
    CMD_EXPLAIN: "explain",
    CMD_REFACTOR: "refactor",
    CMD_WRITE_TESTS: "writeTests",
    CMD_ASK: "ask",
    CMD_COMMIT_MESSAGE: "commitMessage",
}

KIND_EXPLAIN: Final = "poe.explain"
KIND_REFACTOR: Final = t.CodeActionKind.RefactorRewrite.value
KIND_WRITE_TESTS: Final = "poe.writeTests"
KIND_ACCEPT: Final = "poe.accept"
KIND_REJECT: Final = "poe.reject"

CODE_ACTIONS: Final[tuple[tuple[Action, str, str], ...]] = (
    ("explain", KIND_EXPLAIN, CMD_EXPLAIN),
    ("refactor", KIND_REFACTOR, CMD_REFACTOR),
    ("writeTests", KIND_WRITE_TESTS, CMD_WRITE_TESTS),
)
"""The code actions offered on a selection: (action, kind, command); titled :func:`label`."""
ACCEPT_TITLE: Final = "Poe: Accept answer ({bot})"
REJECT_TITLE: Final = "Poe: Reject answer ({bot})"
"""The titles of the code actions on an answer kept for review (kinds ``KIND_ACCEPT`` /
``KIND_REJECT``, commands ``CMD_ACCEPT`` / ``CMD_REJECT``)."""

CONFIG_SECTION: Final = "poe"

NOTIFY_JOB_ENDED: Final = "poe/jobEnded"
"""Server -> client notification when a job ends, sent only to clients that opt in with the
client capability ``experimental.poeJobEvents: true`` (generic clients warn about unknown
notifications). Params: :class:`JobEnded`."""
EXPERIMENTAL_JOB_EVENTS: Final = "poeJobEvents"

Outcome = Literal["done", "cancelled", "failed"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("done", "cancelled", "failed")

SHAPES: Final[dict[str, dict[str, str]]] = {
    "ActionArgs": {
        "textDocument": "TextDocumentIdentifier",
        "range": "Range",
        "instruction": "string?",
        "bot": "string?",
        "diagnostics": "Diagnostic[]?",
    },
    "RunArgs": {
        "action": "string",
        "textDocument": "TextDocumentIdentifier",
        "range": "Range",
        "bot": "string?",
    },
    "FixArgs": {
        "textDocument": "TextDocumentIdentifier",
        "range": "Range",
        "diagnostics": "Diagnostic[]",
    },
    "ListActionsArgs": {"textDocument": "TextDocumentIdentifier?"},
    "CustomAction": {"id": "string", "title": "string", "output": "string"},
    "ListActionsResult": {"actions": "CustomAction[]"},
    "JobStarted": {"jobId": "string"},
    "JobArgs": {"jobId": "string"},
    "FollowUpArgs": {"jobId": "string", "instruction": "string"},
    "ChatArgs": {"textDocument": "TextDocumentIdentifier?", "range": "Range?", "bot": "string?"},
    "ChatSendArgs": {"textDocument": "TextDocumentIdentifier"},
    "ChatApplyArgs": {"textDocument": "TextDocumentIdentifier", "block": "integer"},
    "ChatStarted": {"uri": "string"},
    "Nothing": {},
    "CancelResult": {"cancelled": "string[]"},
    "AcceptResult": {"applied": "boolean"},
    "RejectResult": {"rejected": "boolean"},
    "BalanceResult": {"points": "integer"},
    "ListBotsArgs": {"all": "boolean?"},
    "Bot": {
        "id": "string",
        "description": "string|null",
        "ownedBy": "string|null",
        "inputModalities": "string[]|null",
        "outputModalities": "string[]|null",
        "pricing": "object|null",
        "contextLength": "integer|null",
    },
    "ListBotsResult": {"bots": "Bot[]"},
    "Message": {"role": "string", "content": "string"},
    "SentResult": {"messages": "Message[]", "sources": "string[]", "points": "integer|null"},
    "Spending": {"points": "integer", "byBot": "object"},
    "UsageResult": {
        "today": "Spending",
        "session": "Spending",
        "dailyBudget": "integer",
        "known": "boolean",
    },
    "CommitMessageArgs": {
        "textDocument": "TextDocumentIdentifier?",
        "rootUri": "string?",
        "bot": "string?",
    },
    "JobEnded": {
        "jobId": "string",
        "action": "Action",
        "uri": "string",
        "targetUri": "string|null",
        "outcome": "Outcome",
        "message": "string",
        "edits": "integer",
        "explanation": "string|null",
        "text": "string|null",
        "points": "integer|null",
    },
}
"""The wire objects, each key's type: an LSP or JSON type, ``Action`` / ``Outcome`` (one of
:data:`ACTIONS` / :data:`OUTCOMES`); ``?`` marks a key that may be left out."""

COMMANDS: Final[dict[str, tuple[str | None, str]]] = {
    CMD_EXPLAIN: ("ActionArgs", "JobStarted"),
    CMD_REFACTOR: ("ActionArgs", "JobStarted"),
    CMD_WRITE_TESTS: ("ActionArgs", "JobStarted"),
    CMD_ASK: ("ActionArgs", "JobStarted"),
    CMD_CANCEL: ("JobArgs?", "CancelResult"),
    CMD_ACCEPT: ("JobArgs", "AcceptResult"),
    CMD_REJECT: ("JobArgs", "RejectResult"),
    CMD_BALANCE: (None, "BalanceResult"),
    CMD_LIST_BOTS: ("ListBotsArgs?", "ListBotsResult"),
    CMD_SENT: ("JobArgs", "SentResult"),
    CMD_USAGE: (None, "UsageResult"),
    CMD_COMMIT_MESSAGE: ("CommitMessageArgs", "JobStarted"),
    CMD_RUN: ("RunArgs", "JobStarted"),
    CMD_FIX: ("FixArgs", "JobStarted"),
    CMD_LIST_ACTIONS: ("ListActionsArgs?", "ListActionsResult"),
    CMD_FOLLOW_UP: ("FollowUpArgs", "JobStarted"),
    CMD_CHAT: ("ChatArgs?", "ChatStarted"),
    CMD_CHAT_SEND: ("ChatSendArgs", "JobStarted"),
    CMD_CHAT_APPLY: ("ChatApplyArgs", "Nothing"),
}
"""Each command's one argument (a :data:`SHAPES` name; ``?``: it may be left out; ``None``: no
argument) and what it answers."""


@dataclass(frozen=True)
class JobEnded:
    """The params of ``poe/jobEnded``.

    On the wire: ``{"jobId", "action", "uri", "targetUri", "outcome", "message",
    "edits", "explanation"}``. ``targetUri`` is the document the edits went to (the test file
    for writeTests, ``null`` for explain); ``edits`` counts the ``workspace/applyEdit``
    requests the job sent to it (a client groups them into one undo step);
    ``explanation`` is the Markdown of a finished explain, else ``null``; ``text`` is the
    answer of a job that writes into no document (``poe.commitMessage {"rootUri"}``), else
    ``null``; ``points`` is what the job cost (Poe's points history), ``null`` when unknown.
    """

    job_id: str
    action: Action
    uri: str
    target_uri: str | None
    outcome: Outcome
    message: str
    edits: int = 0
    explanation: str | None = None
    text: str | None = None
    points: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the wire form."""
        return {
            "jobId": self.job_id,
            "action": self.action,
            "uri": self.uri,
            "targetUri": self.target_uri,
            "outcome": self.outcome,
            "message": self.message,
            "edits": self.edits,
            "explanation": self.explanation,
            "text": self.text,
            "points": self.points,
        }


class ArgumentError(ValueError):
    """The arguments of a command are not of the contract's shape."""


@dataclass(frozen=True)
class ActionArgs:
    """The argument object of ``poe.explain``, ``poe.refactor``, ``poe.writeTests``, ``poe.ask``.

    On the wire: ``{"textDocument": {"uri": ...}, "range": <LSP Range>,
    "instruction": <string, required for poe.ask>, "bot": <optional string>,
    "diagnostics": <optional list of LSP Diagnostic>}``.
    """

    uri: str
    range: t.Range
    instruction: str | None = None
    bot: str | None = None
    diagnostics: tuple[t.Diagnostic, ...] = ()

    @classmethod
    def from_json(cls, action: Action, args: tuple[Any, ...]) -> ActionArgs:
        """Validate the command's arguments; raise :class:`ArgumentError` saying what is wrong."""
        if len(args) != 1 or not isinstance(args[0], dict):
            raise ArgumentError(
                'expected one argument object {"textDocument": {"uri": ...}, "range": ...}'
            )
        obj = args[0]
        document = obj.get("textDocument")
        uri = document.get("uri") if isinstance(document, dict) else None
        if not isinstance(uri, str) or not uri:
            raise ArgumentError("textDocument.uri is missing")
        try:
            rng = _converter().structure(obj.get("range"), t.Range)
        except Exception as exc:
            raise ArgumentError("range must be an LSP Range") from exc
        if (rng.start.line, rng.start.character) > (rng.end.line, rng.end.character):
            raise ArgumentError("range ends before it starts")
        instruction = obj.get("instruction")
        if instruction is not None and not isinstance(instruction, str):
            raise ArgumentError("instruction must be a string")
        if action == "ask" and not (instruction or "").strip():
            raise ArgumentError("poe.ask needs an instruction")
        bot = obj.get("bot")
        if bot is not None and (not isinstance(bot, str) or not bot.strip() or "/" in bot):
            raise ArgumentError("bot must be a bot name")
        diagnostics: tuple[t.Diagnostic, ...] = ()
        if obj.get("diagnostics"):
            try:
                diagnostics = tuple(
                    _converter().structure(d, t.Diagnostic) for d in obj["diagnostics"]
                )
            except Exception as exc:
                raise ArgumentError("diagnostics must be a list of LSP Diagnostics") from exc
        return cls(uri, rng, instruction, bot.strip() if bot else None, diagnostics)

    def to_json(self) -> dict[str, Any]:
        """Return the wire form, as code actions put it into their command."""
        obj: dict[str, Any] = {
            "textDocument": {"uri": self.uri},
            "range": _converter().unstructure(self.range),
        }
        if self.instruction is not None:
            obj["instruction"] = self.instruction
        if self.bot is not None:
            obj["bot"] = self.bot
        if self.diagnostics:
            obj["diagnostics"] = [_converter().unstructure(d) for d in self.diagnostics]
        return obj


@dataclass(frozen=True)
class CommitMessageArgs:
    """The argument object of ``poe.commitMessage``: exactly one of ``textDocument`` (on the
    wire ``{"textDocument": {"uri": ...}}``) and ``rootUri``; an optional ``bot``."""

    uri: str | None = None
    root_uri: str | None = None
    bot: str | None = None

    @classmethod
    def from_json(cls, args: tuple[Any, ...]) -> CommitMessageArgs:
        """Validate the command's arguments; raise :class:`ArgumentError` saying what is wrong."""
        if len(args) != 1 or not isinstance(args[0], dict):
            raise ArgumentError('expected one argument object {"textDocument": {"uri": ...}}')
        obj = args[0]
        document = obj.get("textDocument")
        uri = document.get("uri") if isinstance(document, dict) else None
        root = obj.get("rootUri")
        if (uri is None) == (root is None):
            raise ArgumentError("give either textDocument.uri or rootUri")
        if not isinstance(uri or root, str) or not (uri or root):
            raise ArgumentError("textDocument.uri and rootUri must be URIs")
        bot = obj.get("bot")
        if bot is not None and (not isinstance(bot, str) or not bot.strip() or "/" in bot):
            raise ArgumentError("bot must be a bot name")
        return cls(uri, root, bot.strip() if bot else None)

    def to_json(self) -> dict[str, Any]:
        """Return the wire form, as the code action puts it into its command."""
        obj: dict[str, Any] = (
            {"textDocument": {"uri": self.uri}} if self.uri else {"rootUri": self.root_uri}
        )
        if self.bot is not None:
            obj["bot"] = self.bot
        return obj


@dataclass(frozen=True)
class FollowUpArgs:
    """The argument object of ``poe.followUp``: ``{"jobId": ..., "instruction": ...}``."""

    job_id: str
    instruction: str

    @classmethod
    def from_json(cls, args: tuple[Any, ...]) -> FollowUpArgs:
        """Validate the command's arguments; raise :class:`ArgumentError` saying what is wrong."""
        if len(args) != 1 or not isinstance(args[0], dict):
            raise ArgumentError('expected one argument object {"jobId": ..., "instruction": ...}')
        job, instruction = args[0].get("jobId"), args[0].get("instruction")
        if not isinstance(job, str) or not job:
            raise ArgumentError("jobId must name a job")
        if not isinstance(instruction, str) or not instruction.strip():
            raise ArgumentError("a follow-up needs an instruction")
        if len(instruction) > MAX_INSTRUCTION:
            raise ArgumentError(f"the instruction is longer than {MAX_INSTRUCTION:,} characters")
        return cls(job, instruction.strip())

    def to_json(self) -> dict[str, str]:
        """Return the wire form, as code actions put it into their command."""
        return {"jobId": self.job_id, "instruction": self.instruction}


@dataclass(frozen=True)
class ChatArgs:
    """The argument object of ``poe.chat``, ``poe.chatSend`` and ``poe.chatApply``."""

    uri: str | None = None
    range: t.Range | None = None
    bot: str | None = None
    block: int | None = None

    @classmethod
    def from_json(cls, command: str, args: tuple[Any, ...]) -> ChatArgs:
        """Validate the arguments of ``command``; raise :class:`ArgumentError` saying what is
        wrong."""
        obj = args[0] if len(args) == 1 and isinstance(args[0], dict) else None
        if obj is None and not (command == CMD_CHAT and (not args or args[0] is None)):
            raise ArgumentError('expected one argument object {"textDocument": {"uri": ...}}')
        obj = obj or {}
        document = obj.get("textDocument")
        uri = document.get("uri") if isinstance(document, dict) else None
        if uri is not None and (not isinstance(uri, str) or not uri):
            raise ArgumentError("textDocument.uri must be a URI")
        if uri is None and command != CMD_CHAT:
            raise ArgumentError(f"{command} needs the chat document (textDocument)")
        rng = None
        if obj.get("range") is not None:
            try:
                rng = _converter().structure(obj["range"], t.Range)
            except Exception as exc:
                raise ArgumentError("range must be an LSP Range") from exc
        bot = obj.get("bot")
        if bot is not None and (not isinstance(bot, str) or not bot.strip() or "/" in bot):
            raise ArgumentError("bot must be a bot name")
        block = obj.get("block")
        if command == CMD_CHAT_APPLY and (
            not isinstance(block, int) or isinstance(block, bool) or block < 0
        ):
            raise ArgumentError("block must be the index of a code block (0, 1, ...)")
        return cls(uri, rng, bot.strip() if bot else None, block)


def job_target(command: str, args: tuple[Any, ...]) -> str:
    """Return the job id that ``poe.accept`` / ``poe.reject`` / ``poe.sent`` name."""
    if len(args) == 1 and isinstance(args[0], dict) and isinstance(args[0].get("jobId"), str):
        return str(args[0]["jobId"])
    raise ArgumentError(f'{command} takes {{"jobId": "..."}}')


def list_all(args: tuple[Any, ...]) -> bool:
    """Whether ``poe.listBots`` asks for every bot (``{"all": true}``), not text-output only."""
    if not args or args[0] is None:
        return False
    if len(args) == 1 and isinstance(args[0], dict):
        value = args[0].get("all", False)
        if isinstance(value, bool):
            return value
    raise ArgumentError('poe.listBots takes {"all": true} or no argument')


def cancel_target(args: tuple[Any, ...]) -> str | None:
    """Return the job id ``poe.cancel`` names, or ``None`` to cancel every job."""
    if not args or args[0] is None:
        return None
    if len(args) == 1 and isinstance(args[0], dict):
        job = args[0].get("jobId")
        if job is None:
            return None
        if isinstance(job, str):
            return job
    raise ArgumentError('poe.cancel takes {"jobId": "..."} or no argument')


@cache
def _converter() -> Any:
    """lsprotocol's converter, built once: each build costs milliseconds."""
    from lsprotocol.converters import get_converter

    return get_converter()


if __name__ == "__main__":
    from poe_lsp.contract_files import main

    main()
