"""``[tool.pgwarden.runtime]``: the guardian's settings, validated with the file and key named in errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from ..config import Config
from ..errors import ConfigError

__all__ = ["POLICIES", "TELEGRAM_TAKEOVER_DELAY", "RuntimeSettings"]

POLICIES = ("halt", "migrate", "restore")

TELEGRAM_TAKEOVER_DELAY = 12.0
"""Seconds ``--telegram`` waits after a takeover: longer than the getUpdates long-poll that aiogram and
python-telegram-bot open by default (10 s), so the old poller's request has ended and no 409 is produced."""

_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,63}$")


@dataclass(frozen=True)
class RuntimeSettings:
    name: str = "default"
    """Lock name: instances with the same name elect one active among themselves."""
    ttl: float = 10.0
    """Seconds a lease lives without renewal; a hung leader is replaced after it."""
    check_interval: float = 1.0
    takeover_delay: float = 0.0
    """Seconds to wait after becoming active by a takeover before the work starts."""
    telegram: bool = False
    """Preset: takeover_delay at least ``TELEGRAM_TAKEOVER_DELAY``."""
    grace: float = 10.0
    """Seconds between SIGTERM and SIGKILL when the child is stopped."""
    auto_migrate: bool = False
    contract_check: bool = True
    """Run the contract check (``pgwarden check``) in the schema gate when a source is configured."""
    data_loss_policy: str = "halt"
    required_tables: tuple[str, ...] = ()
    non_empty_tables: tuple[str, ...] = ()
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    health_token_env: str = "PGWARDEN_HEALTH_TOKEN"
    console: bool = False
    """Serve ``pgwarden console``'s page under ``/console/`` on the health port (same host and token)."""
    rss_growth_mb_per_hour: float | None = None
    progress_timeout: float | None = None
    invariants_every: float = 300.0
    """Seconds between runs of the configured invariants by the active instance (0: never)."""

    @property
    def renew_interval(self) -> float:
        return self.ttl / 3

    @property
    def effective_takeover_delay(self) -> float:
        return max(self.takeover_delay, TELEGRAM_TAKEOVER_DELAY) if self.telegram else self.takeover_delay

    @property
    def all_required_tables(self) -> tuple[str, ...]:
        """Required tables, including the ones that must also be non-empty."""
        return tuple(dict.fromkeys((*self.required_tables, *self.non_empty_tables)))

    def with_overrides(self, **values: Any) -> RuntimeSettings:
        """A copy with the given values (``None`` means not given), checked like the file's."""
        known = {f.name for f in fields(self)}
        changes = {k: v for k, v in values.items() if v is not None}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"Unknown runtime setting {unknown[0]!r}; known: {', '.join(sorted(known))}.")
        updated = replace(self, **changes)
        updated.validate(where="the arguments", prefix="")
        return updated

    def validate(self, *, where: str, prefix: str) -> None:
        def bad(key: str, what: str) -> ConfigError:
            return ConfigError(f"{where}: `{prefix}{key}` {what}.")

        if not _NAME.match(self.name):
            raise bad("name", "must be 1-63 letters, digits or _ . : -")
        for key in ("ttl", "check_interval"):
            if getattr(self, key) <= 0:
                raise bad(key, "must be a positive number of seconds")
        if self.check_interval > self.ttl / 2:
            raise bad("check_interval", f"must be at most half of ttl ({self.ttl:g} s)")
        for key in ("takeover_delay", "grace"):
            if getattr(self, key) < 0:
                raise bad(key, "must be zero or a positive number of seconds")
        if self.data_loss_policy not in POLICIES:
            raise bad("data_loss_policy", f"must be one of {', '.join(POLICIES)}")
        if self.health_port is not None and not 0 <= self.health_port <= 65535:
            raise bad("health_port", "must be a TCP port number (0-65535)")
        if self.invariants_every < 0:
            raise bad("invariants_every", "must be zero (off) or a positive number of seconds")
        for key in ("rss_growth_mb_per_hour", "progress_timeout"):
            value = getattr(self, key)
            if value is not None and value <= 0:
                raise bad(key, "must be a positive number")

    @classmethod
    def from_config(cls, cfg: Config, **overrides: Any) -> RuntimeSettings:
        """Settings from ``cfg.sections['runtime']`` and top-level ``name``; flags in ``overrides``."""
        raw = cfg.table("runtime", _TYPES)
        where = cfg.where
        prefix = f"{cfg.prefix}runtime."
        values: dict[str, Any] = {}
        top_name = cfg.sections.get("name")
        if top_name is not None:
            if not isinstance(top_name, str):
                raise ConfigError(f"{where}: `{cfg.prefix}name` must be a string.")
            values["name"] = top_name
        for key, value in raw.items():
            values[key] = _coerce(key, value, where=where, prefix=prefix)
        if not _NAME.match(values.get("name", "default")):
            key = f"{prefix}name" if "name" in raw else f"{cfg.prefix}name"
            raise ConfigError(f"{where}: `{key}` must be 1-63 letters, digits or _ . : -.")
        settings = cls(**values)
        settings.validate(where=where, prefix=prefix)
        return settings.with_overrides(**overrides) if overrides else settings

    @classmethod
    def for_guardian(cls, cfg: Config, **overrides: Any) -> RuntimeSettings:
        """``from_config`` for an instance about to start, whose flags are known (``--health-port``)."""
        settings = cls.from_config(cfg, **overrides)
        if settings.console and settings.health_port is None:
            prefix = f"{cfg.prefix}runtime."
            raise ConfigError(
                f"{cfg.where}: `{prefix}console` is served on the guardian's HTTP server: set "
                f"`{prefix}health_port` (or pass --health-port), or remove `{prefix}console`."
            )
        return settings


_IDENT = r'(?:[A-Za-z_\x80-\uffff][A-Za-z0-9_$\x80-\uffff]*|"(?:[^"]|"")+")'
_TABLE_NAME = re.compile(rf"{_IDENT}(?:\.{_IDENT})?")

_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "ttl": (int, float),
    "check_interval": (int, float),
    "takeover_delay": (int, float),
    "telegram": (bool,),
    "grace": (int, float),
    "auto_migrate": (bool,),
    "contract_check": (bool,),
    "data_loss_policy": (str,),
    "required_tables": (list,),
    "non_empty_tables": (list,),
    "health_host": (str,),
    "health_port": (int,),
    "health_token_env": (str,),
    "console": (bool,),
    "rss_growth_mb_per_hour": (int, float),
    "progress_timeout": (int, float),
    "invariants_every": (int, float),
}


def _coerce(key: str, value: Any, *, where: str, prefix: str) -> Any:
    expected = _TYPES.get(key)
    if expected is None:
        raise ConfigError(f"{where}: unknown key `{prefix}{key}`; known: {', '.join(sorted(_TYPES))}.")
    if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
        names = {str: "a string", bool: "true or false", list: "a list of table names", int: "an integer"}
        wanted = "a number" if float in expected else names[expected[0]]
        raise ConfigError(f"{where}: `{prefix}{key}` must be {wanted}, got {value!r}.")
    if isinstance(value, list):
        for i, item in enumerate(value):
            # a name PostgreSQL cannot parse would fail every round: caught here, not retried forever
            if not isinstance(item, str) or not _TABLE_NAME.fullmatch(item):
                raise ConfigError(
                    f"{where}: `{prefix}{key}[{i}]` must be a table name (table or schema.table, "
                    f'"quoted" where needed), got {item!r}.'
                )
        return tuple(value)
    if float in expected:
        return float(value)  # type: ignore[arg-type]
    return value
