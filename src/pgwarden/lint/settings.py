"""The ``[lint]`` configuration table and command-line choices, validated into engine Settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config import Config
from ..errors import ConfigError, UsageError
from ..findings import Severity
from .engine import NEWEST_POSTGRES, OLDEST_POSTGRES, Settings
from .rules import ALL_RULES, RULES_BY_ID

_KEYS = ("rules", "assume_in_transaction", "postgres_version")
_RULE_KEYS = ("enabled", "severity")


def settings_from(
    cfg: Config,
    *,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
    assume_in_transaction: bool | None = None,
) -> Settings:
    """Settings from ``[lint]`` in ``cfg`` with ``--rule``/``--exclude`` applied on top."""
    raw = cfg.table("lint", _KEYS)
    where = cfg.where
    key = f"{cfg.prefix}lint"
    assume = raw.get("assume_in_transaction", True)
    if not isinstance(assume, bool):
        raise ConfigError(f"{where}: `{key}.assume_in_transaction` must be true or false.")
    if assume_in_transaction is not None:
        assume = assume_in_transaction
    version = raw.get("postgres_version", NEWEST_POSTGRES)
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or not OLDEST_POSTGRES <= version <= NEWEST_POSTGRES
    ):
        raise ConfigError(
            f"{where}: `{key}.postgres_version` must be a PostgreSQL major version from "
            f"{OLDEST_POSTGRES} to {NEWEST_POSTGRES}, e.g. 16."
        )
    enabled = {r.id: True for r in ALL_RULES}
    severities: dict[str, Severity] = {}
    rules = raw.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: `{key}.rules` must be a table of rule tables ([lint.rules.<rule-id>]).")
    for rule_id, spec in rules.items():
        at = f"{key}.rules.{rule_id}"
        if rule_id not in RULES_BY_ID:
            raise ConfigError(
                f"{where}: `{at}` names no lint rule; `pgwarden lint --list-rules` shows the ids."
            )
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: `{at}` must be a table with `enabled` and/or `severity`.")
        for name, value in spec.items():
            _rule_key(where, at, name, value, rule_id, enabled, severities)
    for rule_id in (*only, *exclude):
        if rule_id not in RULES_BY_ID:
            raise UsageError(
                f"--rule/--exclude: `{rule_id}` is not a lint rule; `pgwarden lint --list-rules` shows the ids."
            )
    chosen = [r for r in ALL_RULES if (r.id in only if only else enabled[r.id]) and r.id not in exclude]
    return Settings(
        rules=tuple(chosen), severities=severities, assume_in_transaction=assume, postgres_version=version
    )


def _rule_key(
    where: str,
    at: str,
    name: str,
    value: Any,
    rule_id: str,
    enabled: dict[str, bool],
    severities: dict[str, Severity],
) -> None:
    if name == "enabled":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: `{at}.enabled` must be true or false.")
        enabled[rule_id] = value
    elif name == "severity":
        choices = [s.value for s in Severity]
        if value not in choices:
            raise ConfigError(f"{where}: `{at}.severity` must be one of {', '.join(choices)}.")
        severities[rule_id] = Severity(value)
    else:
        raise ConfigError(f"{where}: unknown key `{at}.{name}`. Known keys: {', '.join(_RULE_KEYS)}.")
