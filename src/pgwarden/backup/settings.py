"""``[tool.pgwarden.backup]``: directory, retention, schedule and thresholds, validated with the key named."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import ConfigError, UsageError
from .schedule import Schedule, parse_duration, parse_schedule

__all__ = ["Settings", "from_config"]


@dataclass(frozen=True)
class Settings:
    dir: Path | None = None
    """Where archives and manifests live; relative paths resolve against the config file's folder."""
    keep_daily: int = 7
    """Keep the newest backup of each of the last N days that have one."""
    keep_weekly: int = 4
    """Keep the newest backup of each of the last M ISO weeks that have one."""
    schedule: Schedule | None = None
    """When the runtime guardian runs create + verify (``daily 02:30`` or ``every 6h``)."""
    max_age: float = 26 * 3600.0
    """Seconds after which the newest verified backup counts as too old."""
    exact_count_below: int = 100_000
    """Tables whose estimated row count is below this are counted exactly in the manifest."""

    def with_overrides(self, **flags: Any) -> Settings:
        changes = {k: v for k, v in flags.items() if v is not None}
        if "dir" in changes:
            changes["dir"] = Path(changes["dir"]).expanduser().resolve()
        return replace(self, **changes)

    def directory(self, where: str = "the configuration") -> Path:
        """The backup directory, or a ``UsageError`` saying how to name one."""
        if self.dir is None:
            raise UsageError(f"No backup directory: pass --dir DIR or set `backup.dir` in {where}.")
        return self.dir


_KEYS: dict[str, type | tuple[type, ...]] = {
    "dir": str,
    "keep_daily": int,
    "keep_weekly": int,
    "schedule": str,
    "max_age": (str, int, float),
    "exact_count_below": int,
}


def from_config(cfg: Config) -> Settings:
    """Settings from ``cfg.sections['backup']``; a ``ConfigError`` names the file and the key."""
    raw = cfg.table("backup", _KEYS)
    where = cfg.where

    def key(name: str) -> str:
        return f"{cfg.prefix}backup.{name}"

    values: dict[str, Any] = {}
    for name, given in raw.items():
        expected = _KEYS[name]
        if not isinstance(given, expected) or isinstance(given, bool):
            raise ConfigError(f"{where}: `{key(name)}` has the wrong type ({type(given).__name__}).")
        value: Any = given
        if name == "dir":
            path = Path(value).expanduser()
            values[name] = (path if path.is_absolute() else cfg.root / path).resolve()
        elif name in ("keep_daily", "keep_weekly", "exact_count_below"):
            if value < 0:
                raise ConfigError(f"{where}: `{key(name)}` must not be negative, got {value}.")
            values[name] = value
        elif name == "schedule":
            try:
                values[name] = parse_schedule(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: `{key(name)}` = {exc}.") from None
        else:
            try:
                values[name] = parse_duration(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: `{key(name)}` = {exc}.") from None
    return Settings(**values)


def configured(cfg: Config) -> Settings | None:
    """The ``[backup]`` settings when there is something to do with them (``backup.dir`` is set), else None."""
    if not cfg.sections.get("backup"):
        return None
    settings = from_config(cfg)
    return settings if settings.dir is not None else None
