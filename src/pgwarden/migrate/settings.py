"""``[tool.pgwarden.migrate]``: lock waiting, default timeouts and retries, validated with the key named."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ..config import Config
from ..errors import ConfigError

__all__ = ["Settings", "from_config"]

_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:us|ms|s|min|h|d)?")


@dataclass(frozen=True)
class Settings:
    lock_wait: float = 300.0
    """Seconds to wait for another migrator before giving up."""
    lock_timeout: str = "5s"
    """Per-file default for PostgreSQL's ``lock_timeout`` (a directive overrides it)."""
    statement_timeout: str = "10min"
    retries: int = 3
    """Extra attempts of a file that hit ``lock_timeout``, with doubling backoff."""
    backoff: float = 0.5
    app_version: str | None = None
    data_guard: bool = True
    """Refuse a file whose statements would lose rows unless it says ``-- pgwarden: destructive -- REASON``."""
    allow_data_loss: bool = False
    """``--allow-data-loss``: this run may lose rows; the guard does not look."""
    foreign_ledger: str | None = None
    """A hand-made ledger table (``schema.table``) another runner keeps, read like the known ones."""
    foreign_ledger_column: str = "version"
    """Its column holding a version (``7``) or a file name (``007_add_jobs.sql``)."""

    @property
    def configured_ledger(self) -> tuple[str, str] | None:
        return (self.foreign_ledger, self.foreign_ledger_column) if self.foreign_ledger else None

    def with_overrides(self, **flags: Any) -> Settings:
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


_KEYS: dict[str, type | tuple[type, ...]] = {
    "lock_wait": (int, float),
    "lock_timeout": str,
    "statement_timeout": str,
    "retries": int,
    "backoff": (int, float),
    "app_version": str,
    "data_guard": bool,
    "foreign_ledger": str,
    "foreign_ledger_column": str,
}


def from_config(cfg: Config) -> Settings:
    """Settings from ``cfg.sections['migrate']``; ``ConfigError`` naming the file and key."""
    raw = cfg.table("migrate", _KEYS)
    where = cfg.where

    def key(name: str) -> str:
        return f"{cfg.prefix}migrate.{name}"

    values: dict[str, Any] = {}
    for name, given in raw.items():
        value: Any = given
        expected = _KEYS[name]
        if expected is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: `{key(name)}` must be true or false.")
            values[name] = value
            continue
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"{where}: `{key(name)}` has the wrong type ({type(value).__name__}).")
        if name in ("lock_timeout", "statement_timeout") and not _DURATION.fullmatch(str(value)):
            raise ConfigError(
                f"{where}: `{key(name)}` = {value!r} is not a duration such as '5s' or '10min'."
            )
        if isinstance(value, (int, float)):
            if value < 0:
                raise ConfigError(f"{where}: `{key(name)}` must not be negative.")
            values[name] = value if name == "retries" else float(value)
        else:
            values[name] = value
    return Settings(**values)
