"""One redaction layer: passwords, tokens and other secrets never leave pgwarden in any output.

Every output path goes through :func:`redact`: the command line wraps its stdout and stderr in
:class:`RedactingStream`, log handlers carry :class:`RedactingFilter`, and alerts, health JSON
and metrics labels call :func:`redact` before they are sent. What is hidden:

- database URLs and DSNs: ``user:password@`` and ``password=…`` key/values;
- ``PGPASSWORD``-style variables (any upper-case name containing PASSWORD, TOKEN, SECRET, …);
- Telegram bot tokens (``123456:AA…``, also inside ``/bot<token>/`` URLs);
- ``Authorization`` headers and bearer tokens;
- any literal value registered with :func:`register_secret` (passwords of the URLs pgwarden
  was given, the values of secret-looking environment variables, configured tokens).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import IO, cast
from urllib.parse import unquote

__all__ = [
    "MASK",
    "RedactingFilter",
    "RedactingStream",
    "redact",
    "redacting",
    "guard_loggers",
    "register_secret",
    "register_environment",
]

MASK = "***"

_MIN_LITERAL = 4
"""Shorter registered values would mask ordinary words; the patterns still catch them in URLs."""

_SECRET_NAME = r"[A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*"

_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # scheme://user:password@host — greedy up to the last '@' of the word, so an unencoded '@'
    # inside the password is hidden too (over-hiding a host is the safe side).
    (re.compile(r"(://[^:/\s'\"<>]*):[^\s'\"<>]*@"), r"\1:" + MASK + "@"),
    # password=… in a libpq DSN, a URL query or a command line (--password=…, --password …)
    # (a quoted value whole: '…', "…", and \"…\" as a JSON string holds "…"; a `"` followed by a
    # space, `,`, `:`, `]` or `}` closes a JSON string, as in `{"hint": "set password=", …}`)
    (
        re.compile(
            r"(?i)(\bpass(?:word|wd)?\s*=\s*)"
            r"('(?:[^'\\]|\\.)*'|\\\"(?:\\\\\\\"|[^\"\\\n]|\\[^\"])*\\\"|\"(?![\s,:\]}])(?:[^\"\\\n]|\\.)*\"|[^\s&;,'\"<>]+)"
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)(--pass(?:word|wd)?[= ])([^\s'\"]+)"), r"\1" + MASK),
    # PGPASSWORD=…, BOT_TOKEN: …, "API_KEY": "…"
    (
        re.compile(r"(\b" + _SECRET_NAME + r"\b\"?\s*[=:]\s*\"?)([^\s\"',&;<>]+)"),
        r"\1" + MASK,
    ),
    # Telegram bot tokens: keep the bot id (it is public), hide the secret half
    (re.compile(r"(?<![0-9])([0-9]{6,}):[A-Za-z0-9_-]{30,}"), r"\1:" + MASK),
    # Authorization: Bearer …, Basic …, or a bare value
    (
        re.compile(r"(?i)(\bauthorization\"?\s*[:=]\s*\"?)(?:(bearer|basic|token)\s+)?[^\s\"',;<>]+"),
        lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + MASK,
    ),
    (re.compile(r"(?i)(\bbearer\s+)(?!\*\*\*)[A-Za-z0-9._~+/=-]{8,}"), r"\1" + MASK),
)

_TRIGGERS = ("://", "pass", "token", "secret", "key", "authorization", "bearer")
"""Every pattern above needs one of these (or ``_TOKEN_START``); most output has none, and substring
tests are cheap (a regex alternation of them costs about ten times as much on a large lint report)."""

_TOKEN_START = re.compile(r":(?<=[0-9]{6}:)")
"""A colon after six digits, searched from the colon: a literal first character lets the regex engine
skip ahead (``[0-9]{6}:`` tried a match at every digit: 0.19 s over a 6 MB lint report, this 4 ms)."""

_SECRET_WORDS = (
    ("pass", "PASS"),  # PASSWORD, PASSWD, PASSPHRASE
    ("token", "TOKEN"),
    ("secret", "SECRET"),
    ("key", "_KEY"),  # API_KEY, PRIVATE_KEY
    ("key", "APIKEY"),
)
"""What ``_SECRET_NAME`` cannot match without (upper case), each with its trigger: a bare ``KEY``
(SQL's ``FOREIGN KEY``) cannot match it. One substring each: every test scans a whole report."""

# What each pattern above cannot match without (same order), given the text, its lower case and
# the triggers found in it: a pattern is only run over text that holds what it needs. Exact, not a
# heuristic; it matters on large output (a JSON report of thousands of lint findings says
# "foreign key" often, which woke every pattern, each scanning megabytes).
_NEEDS: tuple[Callable[[str, bytes, set[str]], bool], ...] = (
    lambda text, low, found: "://" in found,
    lambda text, low, found: "pass" in found,
    lambda text, low, found: "pass" in found and b"--pass" in low,
    lambda text, low, found: any(w in text for t, w in _SECRET_WORDS if t in found),
    lambda text, low, found: ":" in found,
    lambda text, low, found: "authorization" in found,
    lambda text, low, found: "bearer" in found,
)


_ANCHORS: tuple[re.Pattern[str], ...] = (
    _PATTERNS[0][0],
    re.compile(r"(?i)\bpass(?:word|wd)?\s*="),
    _PATTERNS[2][0],
    re.compile(r"\b" + _SECRET_NAME + r"\b"),
    _PATTERNS[4][0],
    re.compile(r"(?i)\bauthorization"),
    _PATTERNS[6][0],
)
"""What a match of each pattern above starts with (same order) that cannot hold a ``"``: the whole
pattern where none of it can, else its part before the first place a ``"`` may come
(``json_sink`` relies on it: such a part lies inside one string of a JSON document)."""

_literals: set[str] = set()
_literal_re: re.Pattern[str] | None = None
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Hide ``value`` wherever it appears from now on (values under four characters are ignored)."""
    global _literal_re
    if not value or len(value) < _MIN_LITERAL or value == MASK:
        return
    with _lock:
        if value in _literals:
            return
        _literals.add(value)
        # each as written in JSON too (``\\uXXXX`` for what is not ASCII, ``\\"``, ``\\\\``): a
        # report's redaction sees the document, not the values it was made of
        forms = _literals | {json.dumps(v)[1:-1] for v in _literals}
        ordered = sorted(forms, key=len, reverse=True)
        _literal_re = re.compile("|".join(re.escape(v) for v in ordered))


def register_environment(environ: Iterable[tuple[str, str]] | None = None) -> None:
    """Register secret-looking environment variables and the passwords of URLs in any of them."""
    name_re = re.compile(_SECRET_NAME)
    url_password = re.compile(r"://[^:/@\s]*:([^\s]*)@")
    for name, value in environ if environ is not None else os.environ.items():
        if name_re.fullmatch(name.upper()):
            register_secret(value)
        for found in url_password.findall(value):
            register_secret(found)
            register_secret(unquote(found))


def registered_digest() -> str:
    """A digest of the literal values registered so far (never the values): besides the text
    itself, what decides what :func:`redact` hides. Caches of redacted output are keyed with it."""
    with _lock:
        values = sorted(_literals)
    joined = "".join(f"{len(value)}:{value}" for value in values)  # lengths first: no two sets alike
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def _suspects(text: str) -> tuple[bytes, set[str]]:
    """``text`` with its ASCII letters lowered, and the triggers (``:`` for ``_TOKEN_START``) in it.

    Lowered as bytes: ``str.lower`` maps every character, ~15 times slower on text that is not all
    ASCII (a lint report with a dash in it), and no trigger or word ``_NEEDS`` looks for can come
    from lowering anything but an ASCII letter: of the rest only the Kelvin sign lowers to one
    (``k``: what ``key`` and ``token`` wake, ``_SECRET_NAME``, is matched case-sensitively) and ``İ``
    to ``i`` with a combining dot (no trigger has ``i`` before a character that is not ASCII).
    """
    low = text.encode("utf-8", "surrogatepass").lower()
    found = {trigger for trigger, word in _TRIGGER_BYTES if word in low}
    if _TOKEN_START.search(text) is not None:
        found.add(":")
    return low, found


_TRIGGER_BYTES = tuple((trigger, trigger.encode("ascii")) for trigger in _TRIGGERS)


def redact(text: str) -> str:
    """``text`` with every password, token and registered secret replaced by ``***``."""
    if not text:
        return text
    low, found = _suspects(text)
    if found:
        for needs, (pattern, replacement) in zip(_NEEDS, _PATTERNS, strict=True):
            if needs(text, low, found):
                text = pattern.sub(replacement, text)
    return _redact_literals(text)


def may_hide(text: str) -> bool:
    """Whether :func:`redact` could change ``text`` or any part of it: ``False`` means it leaves
    each of the fields ``text`` was joined from as it is (what it looks for is found in the join)."""
    literal = _literal_re
    if literal is not None and literal.search(text) is not None:
        return True
    low, found = _suspects(text)
    return any(needs(text, low, found) for needs in _NEEDS) if found else False


def _redact_literals(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (what ``redact`` does last)."""
    literal = _literal_re
    if literal is not None:
        text = literal.sub(MASK, text)
    return text


def json_sink(out: IO[str], strings: str) -> IO[str]:
    """Where to write a JSON document so that it comes out as writing it to ``out`` would.

    ``strings``: a JSON text holding every string of the document (its keys too), escaped as the
    document writes them. When ``out`` is a :class:`RedactingStream` with nothing held and no
    pattern above can match in any of those strings, no pattern can match in the document either:
    the part a match starts with (``_ANCHORS``) holds no ``"``, so it lies inside one string (JSON's
    numbers, ``true``/``false``/``null`` and punctuation hold no trigger of any pattern), and each
    string stands between ``"`` there as here. The document then only needs the registered
    literals hidden (a secret may hold any character), line by line as ``out`` would: the returned
    stream does that, or is the stream behind ``out`` when there are none. Otherwise ``out`` itself.
    Scanning the strings, once each, instead of the document (keys and indentation, ~6 MB for 7,500
    lint findings in SARIF, many strings repeated) is the point. The caller flushes what it gets.
    """
    if not isinstance(out, RedactingStream) or out._pending:
        return out
    low, found = _suspects(strings)
    for needs, anchor in zip(_NEEDS, _ANCHORS, strict=True):
        if needs(strings, low, found) and anchor.search(strings) is not None:
            return out
    if _literal_re is None:
        return out.target
    return cast("IO[str]", RedactingStream(out.target, patterns=False))


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before passing them on.

    Writes are held until a newline (or an explicit flush), so a secret written in pieces — as
    ``json.dump`` does — is still seen whole.
    """

    def __init__(self, target: IO[str], *, patterns: bool = True) -> None:
        super().__init__()
        self.target = target
        self._pending = ""
        self._redact = redact if patterns else _redact_literals

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            head, _, self._pending = self._pending.rpartition("\n")
            self.target.write(self._redact(head + "\n"))
        return len(text)

    def flush(self) -> None:
        if getattr(self.target, "closed", False):  # e.g. at garbage collection, after the file was closed
            self._pending = ""
            return
        if self._pending:
            pending, self._pending = self._pending, ""
            self.target.write(self._redact(pending))
        self.target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.target, "isatty", lambda: False)())

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.target, "encoding", None) or "utf-8")


def already_redacted(stream: IO[str]) -> IO[str]:
    """Where to write text that a :class:`RedactingStream` has redacted already (a stored report):
    the stream behind ``stream`` when it is one (what it holds is written first), else ``stream``.
    The text is then written exactly as it was when it was redacted (a 6 MB report: ~25 ms saved)."""
    if isinstance(stream, RedactingStream):
        stream.flush()
        return stream.target
    return stream


def redacting(target: IO[str]) -> IO[str]:
    """``target`` behind a :class:`RedactingStream`, typed as the text stream it stands in for."""
    return cast("IO[str]", RedactingStream(target))


LOGGERS = (
    "pgwarden",
    "pgwarden.runtime",
    "pgwarden.runtime.server",
    "pgwarden.runtime.alerts",
    "pgwarden.integrations",
    "pgwarden.scratch",
)
"""Every logger pgwarden writes to. A filter on a logger sees the records made on it, so each one
carries its own: inside a bot (aiogram, python-telegram-bot) the records reach the application's
handlers already redacted."""


def guard_loggers() -> None:
    """Put a :class:`RedactingFilter` on each of pgwarden's loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message (and any exception text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(exc_text)
        return True


# on import: whoever imports pgwarden (the CLI, or a bot through pgwarden.integrations) is covered
guard_loggers()
