"""``[repair]`` in the config: defaults for `pgwarden repair`, validated with the file and key named."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from ..config import Config
from .errors import InvariantConfigError
from .invariants import DURATION
from .row_repair import Options

__all__ = ["options_from_config"]

_INTS = {"batch_size": 1, "max_rows": 1, "retries": 0}
_NUMBERS = {"throttle", "lock_wait"}
_DURATIONS = {"lock_timeout", "statement_timeout"}


def options_from_config(cfg: Config, **flags: Any) -> Options:
    """``Options`` from ``[repair]`` (or ``[tool.pgwarden.repair]``), then ``flags`` that are not ``None``."""
    known = {f.name for f in fields(Options)}
    raw = cfg.table("repair", known, error=InvariantConfigError)
    where = cfg.where

    def key(name: str) -> str:
        return f"`{cfg.prefix}repair.{name}`"

    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _INTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < _INTS[name]:
                raise InvariantConfigError(
                    f"{where}: {key(name)} must be a whole number, at least {_INTS[name]}; got {value!r}."
                )
        elif name in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InvariantConfigError(f"{where}: {key(name)} must be a number of seconds, 0 or more.")
            value = float(value)
        elif name in _DURATIONS and (not isinstance(value, str) or not DURATION.fullmatch(value.strip())):
            raise InvariantConfigError(f"{where}: {key(name)} = {value!r} is not a duration such as '2s'.")
        values[name] = value
    options = Options(**values)
    return replace(options, **{k: v for k, v in flags.items() if v is not None})
