"""The signature catalog: one TOML data file per known log signature, loaded in priority order."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["SIGNATURE_IDS", "Signature", "load", "by_id"]

SIGNATURE_IDS: tuple[str, ...] = (
    # Most specific first: an event is classified by the first signature that matches it, so a
    # migration that failed on a missing column is "migration-failed", not "undefined-column".
    "migration-failed",
    "telegram-webhook-active",
    "telegram-conflict",
    "telegram-flood-control",
    "telegram-bot-blocked",
    "telegram-bot-kicked",
    "telegram-chat-not-found",
    "telegram-message-not-modified",
    "telegram-message-gone",
    "telegram-query-too-old",
    "telegram-parse-entities",
    "telegram-message-too-long",
    "telegram-bad-webhook",
    "telegram-unauthorized",
    "sqlalchemy-pending-rollback",
    "sqlalchemy-queuepool-limit",
    "pg-disk-full",
    "pg-data-file-missing",
    "pg-crash-recovery",
    "pg-too-many-connections",
    "pg-password-failed",
    "pg-database-missing",
    "pg-role-missing",
    "pg-starting-up",
    "pg-connection-refused",
    "pg-ssl-syscall",
    "pg-idle-in-transaction-timeout",
    "pg-connection-lost",
    "undefined-column",
    "undefined-table",
    "pg-undefined-function",
    "pg-deadlock",
    "pg-serialization-failure",
    "pg-unique-violation",
    "pg-foreign-key-violation",
    "pg-not-null-violation",
    "pg-statement-timeout",
    "pg-lock-timeout",
    "pg-in-failed-transaction",
    "pg-read-only-transaction",
    "pg-integer-out-of-range",  # before pg-bad-parameter: asyncpg words it "invalid input for query argument"
    "pg-bad-parameter",
    "pg-value-too-long",
    "sqlalchemy-detached-instance",
    "sqlalchemy-missing-greenlet",
    "asyncpg-operation-in-progress",
    "asyncpg-interface-error",
    "http-timeout",
    "dns-failure",
    "http-connection-error",
    "coroutine-never-awaited",
    "task-destroyed-pending",
    "task-exception-never-retrieved",
    "event-loop-closed",
    "unclosed-client-session",
    "cancelled-error",
    "recursion-error",
    "too-many-open-files",
    "oom-killed",
    "memory-exhausted",
    "no-space-left",
    "start-limit-hit",
    "restart-loop",
    "service-crashed",
    "module-not-found",
)
"""Every signature, in the order they are tried; each has ``signatures/<id>.toml``."""

_KEYS = {"title", "severity", "patterns", "command", "explanation", "remedy", "examples"}


class CatalogError(ValueError):
    """A signature file is malformed (a pgwarden bug: the catalog ships with pgwarden)."""


@dataclass(frozen=True)
class Signature:
    id: str
    title: str
    severity: Severity
    patterns: tuple[str, ...]
    """Regular expressions in the common subset of Python ``re``, Hyperscan and ``grep -E``."""
    command: str
    explanation: str
    remedy: str
    examples: tuple[str, ...]
    regex: re.Pattern[str]
    """All ``patterns`` as one alternation, for confirming a candidate event."""


def parse(sig_id: str, text: str) -> Signature:
    """A ``Signature`` from the TOML text of ``signatures/<sig_id>.toml``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"signatures/{sig_id}.toml: {exc}") from None
    missing = _KEYS - data.keys()
    unknown = data.keys() - _KEYS
    if missing or unknown:
        raise CatalogError(f"signatures/{sig_id}.toml: missing {sorted(missing)}, unknown {sorted(unknown)}")
    patterns = tuple(data["patterns"])
    examples = tuple(data["examples"])
    if not patterns or not examples or not str(data["remedy"]).strip():
        raise CatalogError(f"signatures/{sig_id}.toml needs patterns, examples and a remedy")
    try:
        regex = re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise CatalogError(f"signatures/{sig_id}.toml: bad pattern: {exc}") from None
    return Signature(
        id=sig_id,
        title=data["title"],
        severity=Severity(data["severity"]),
        patterns=patterns,
        command=data["command"],
        explanation=" ".join(data["explanation"].split()),
        remedy=" ".join(data["remedy"].split()),
        examples=examples,
        regex=regex,
    )


@lru_cache(maxsize=1)
def load() -> tuple[Signature, ...]:
    """The whole catalog in priority order."""
    folder = resources.files(__package__).joinpath("signatures")
    return tuple(
        parse(sig_id, folder.joinpath(f"{sig_id}.toml").read_text(encoding="utf-8"))
        for sig_id in SIGNATURE_IDS
    )


def by_id(sig_id: str) -> Signature:
    for sig in load():
        if sig.id == sig_id:
            return sig
    raise KeyError(sig_id)
