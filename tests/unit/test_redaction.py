"""Redaction and bounds: what any exit to the user or a log does to secrets and bot text."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from pathlib import Path
from urllib.parse import quote

import pytest

from poe_lsp.answers import TEXT_LIMIT, Explanation
from poe_lsp.logs import RedactingFormatter, open_log_file, setup_logging
from poe_lsp.redaction import REDACTED, add_secret, bounded, redact, shown

KEY = "sk-unit/Key+0123456789=="


@pytest.fixture(autouse=True)
def _key() -> None:
    add_secret(KEY)


@pytest.mark.parametrize(
    "echo",
    [
        KEY,
        json.dumps({"auth": KEY}),
        json.dumps(KEY).replace("/", "\\/"),
        quote(KEY, safe=""),
        quote(KEY, safe="").lower(),
        repr(KEY),
    ],
)
def test_the_key_is_redacted_in_every_form_a_server_echoes(echo: str) -> None:
    text = redact(f"server said: {echo} (sorry)")
    assert KEY not in text and quote(KEY, safe="") not in text
    assert "sk-unit" not in text and REDACTED in text
    assert text.startswith("server said: ") and text.endswith(" (sorry)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("header Bearer other-token here", "header Bearer [REDACTED] here"),
        ('{"Authorization": "Bearer abc.def~ghi"}', '{"Authorization": "Bearer [REDACTED]"}'),
        ("Authorization: raw-token-123", "Authorization: [REDACTED]"),
        ("authorization=Basic dXNlcjpwYXNz", "authorization=[REDACTED]"),
        ("(b'authorization', b'tok')", "(b'authorization', b'[REDACTED]')"),
        ("Proxy-Authorization: secret", "Proxy-Authorization: [REDACTED]"),
    ],
)
def test_tokens_nobody_told_us_about_are_redacted_too(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_ordinary_text_is_left_alone() -> None:
    text = "Poe refused the API key (HTTP 401). Set poe.apiKey; bearer of bad news."
    assert redact(text) == text


def test_bounded_text_is_one_short_clean_line() -> None:
    hostile = "\x1b[31mred\x1b[0m\u202eevil\r\n\n\t" + "word " * 2_000_000
    text = bounded(hostile, 300)
    assert len(text) <= 300 and text.endswith("…")
    assert "\x1b" not in text and "\u202e" not in text and "\n" not in text
    assert text.startswith("[31mred[0mevil word word")


def test_a_cut_never_leaves_part_of_the_key() -> None:
    text = bounded("x" * 290 + " " + KEY, 300)
    assert "sk-unit" not in text and len(text) <= 300


def test_shown_messages_are_redacted_and_bounded() -> None:
    assert shown(f"failed: Bearer {KEY}") == f"failed: Bearer {REDACTED}"
    assert len(shown("x" * 1_000_000)) <= 2_000


def test_a_chained_traceback_is_kept_and_redacted() -> None:
    def inner() -> None:
        raise ValueError(f"Illegal header value b'Bearer {KEY}'")

    def outer() -> None:
        try:
            inner()
        except ValueError as exc:
            raise RuntimeError(f"request with {quote(KEY, safe='')} failed") from exc

    try:
        try:
            outer()
        except RuntimeError:
            raise KeyError(f"context {json.dumps(KEY)}")  # noqa: B904 (implicit __context__)
    except KeyError as caught:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed for %s", (KEY,), None)
        record.exc_info = (type(caught), caught, caught.__traceback__)
        record.stack_info = f"Stack (most recent call last):\n  key={KEY}"
    text = RedactingFormatter("%(levelname)s %(message)s").format(record)

    assert "sk-unit" not in text and "Key+0123" not in text
    assert "Traceback (most recent call last)" in text, "the traceback is kept"
    assert "in inner" in text and "in outer" in text
    assert "The above exception was the direct cause" in text
    assert "During handling of the above exception" in text
    assert "ValueError: Illegal header value b'Bearer [REDACTED]'" in text
    assert "Stack (most recent call last)" in text and f"key={REDACTED}" in text
    assert text.startswith(f"ERROR failed for {REDACTED}")


def test_a_huge_log_message_is_capped_but_its_traceback_kept() -> None:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "%s", ("y" * 10_000_000,), None)
    text = RedactingFormatter("%(message)s").format(record)
    assert len(text) < 5_000 and "more characters" in text


def test_setup_logging_redacts_stderr_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    log_file = tmp_path / "poe.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(0, str(log_file))
        try:
            raise RuntimeError(f"echo {KEY}")
        except RuntimeError:
            logging.getLogger("poe_lsp.t").exception("bot said Bearer %s", "other-token")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], level = saved
        root.setLevel(level)
    for text in (err.getvalue(), log_file.read_text()):
        assert "RuntimeError: echo [REDACTED]" in text
        assert "Bearer [REDACTED]" in text and "other-token" not in text and "sk-unit" not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_the_log_file_is_private_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    new = tmp_path / "new.log"
    handler = open_log_file(str(new))
    handler.close()
    assert stat.S_IMODE(new.stat().st_mode) == 0o600

    old = tmp_path / "old.log"
    old.write_text("before\n")
    old.chmod(0o640)
    handler = open_log_file(str(old))
    handler.emit(logging.LogRecord("t", logging.WARNING, __file__, 1, "after", (), None))
    handler.close()
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    assert old.read_text().startswith("before\nafter"), "appended, not truncated"


def test_a_symlink_at_the_log_path_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.log"
    link = tmp_path / "poe.log"
    os.symlink(target, link)
    with pytest.raises(OSError):
        open_log_file(str(link))
    assert not target.exists()


def test_a_huge_explanation_is_capped_in_the_hover() -> None:
    explanation = Explanation("file:///m.py", (0, 0), (1, 0), "Bot", text="z" * 10_000_000)
    explanation.done = True
    shown_text = explanation.markdown()
    assert len(shown_text) < TEXT_LIMIT + 500
    assert "explanation was cut here" in shown_text and "9,900,000 more characters" in shown_text
    friendly = Explanation("file:///m.py", (0, 0), (1, 0), "Bot", text="short", done=True)
    assert friendly.markdown() == "short\n\n---\n*Written by Bot*"
