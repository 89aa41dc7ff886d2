"""Declared objects: the ``[[expect.<kind>]]`` tables of the configuration, one dataclass per kind.

Each kind is a dataclass; its fields (name, type, default) are the keys a user may write. Adding
a kind means adding a dataclass and a line in ``EXPECT_KINDS``; ``checks/declared/`` checks them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from ._keys import show, strings, unknown_keys
from .errors import ConfigError


@dataclass(frozen=True)
class ExpectTrigger:
    table: str
    name: str
    enabled: bool = True
    schema: str = "public"
    timing: str | None = None
    events: tuple[str, ...] | None = None
    function: str | None = None


@dataclass(frozen=True)
class ExpectFunction:
    name: str
    schema: str = "public"
    arguments: str | None = None
    """Identity argument types as PostgreSQL prints them (``integer, text``); any when unset."""
    language: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class ExpectIndex:
    table: str
    name: str | None = None
    columns: tuple[str, ...] | None = None
    unique: bool | None = None
    schema: str = "public"


@dataclass(frozen=True)
class ExpectExtension:
    name: str
    version: str | None = None


@dataclass(frozen=True)
class ExpectConstraint:
    table: str
    name: str
    kind: str | None = None
    schema: str = "public"


@dataclass(frozen=True)
class ExpectSetting:
    name: str
    """A server setting as ``SHOW`` names it (``session_replication_role``)."""
    value: str
    """The value a new session must see (``origin``), compared as ``SHOW`` prints it."""


@dataclass(frozen=True)
class ExpectGrant:
    role: str
    """The role that must hold the privileges (the bot's login role)."""
    privileges: tuple[str, ...]
    """``SELECT``, ``INSERT``...; ``ALL`` for every privilege of the kind of object."""
    tables: tuple[str, ...] | None = None
    """Tables or views, by name or pattern (``*``, ``bot_*``), in ``schema`` unless qualified."""
    sequences: tuple[str, ...] | None = None
    schemas: tuple[str, ...] | None = None
    schema: str = "public"


GRANT_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "tables": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "sequences": ("USAGE", "SELECT", "UPDATE"),
    "schemas": ("USAGE", "CREATE"),
}
"""What each kind of object of ``[[expect.grants]]`` can be granted, in ``GRANT``'s words."""


def _grant(expect: ExpectGrant, *, file: Path, where: str) -> ExpectGrant:
    """One of ``tables``, ``sequences``, ``schemas``, and privileges that kind has, upper-cased."""
    named = [k for k in GRANT_PRIVILEGES if getattr(expect, k) is not None]
    if len(named) != 1:
        raise ConfigError(f"{file}: `{where}` needs exactly one of `tables`, `sequences` or `schemas`.")
    allowed = GRANT_PRIVILEGES[named[0]]
    wanted: list[str] = []
    for p in expect.privileges:
        word = p.strip().upper()
        if word not in (*allowed, "ALL"):
            raise ConfigError(
                f"{file}: `{where}.privileges` may name {', '.join(allowed)} or ALL on {named[0]}, got {p!r}."
            )
        wanted += allowed if word == "ALL" else [word]
    if not wanted:
        raise ConfigError(f"{file}: `{where}.privileges` is empty: name at least one privilege.")
    return dataclasses.replace(expect, privileges=tuple(dict.fromkeys(wanted)))


# Values a user may write for some keys, checked at load time so the error names file and key.
_CHOICES: dict[tuple[type, str], tuple[str, ...]] = {
    (ExpectTrigger, "timing"): ("before", "after", "instead of"),
    (ExpectTrigger, "events"): ("insert", "update", "delete", "truncate"),
    (ExpectConstraint, "kind"): ("primary_key", "unique", "foreign_key", "check", "exclusion"),
}

EXPECT_KINDS: dict[str, type] = {
    "triggers": ExpectTrigger,
    "functions": ExpectFunction,
    "indexes": ExpectIndex,
    "extensions": ExpectExtension,
    "constraints": ExpectConstraint,
    "settings": ExpectSetting,
    "grants": ExpectGrant,
}


@dataclass(frozen=True)
class Expectations:
    triggers: tuple[ExpectTrigger, ...] = ()
    functions: tuple[ExpectFunction, ...] = ()
    indexes: tuple[ExpectIndex, ...] = ()
    extensions: tuple[ExpectExtension, ...] = ()
    constraints: tuple[ExpectConstraint, ...] = ()
    settings: tuple[ExpectSetting, ...] = ()
    grants: tuple[ExpectGrant, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def parse_expect(section: dict[str, Any], *, file: Path, prefix: str) -> Expectations:
    parsed: dict[str, tuple[Any, ...]] = {}
    unknown = [kind for kind in section if kind not in EXPECT_KINDS]
    if unknown:
        raise ConfigError(unknown_keys(str(file), f"{prefix}.", unknown, EXPECT_KINDS, noun="section"))
    for kind, entries in section.items():
        spec = EXPECT_KINDS[kind]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"{file}: `{prefix}.{kind}` must be an array of tables ([[{prefix}.{kind}]]).")
        parsed[kind] = tuple(
            _build(spec, entry, file=file, where=f"{prefix}.{kind}[{i}]") for i, entry in enumerate(entries)
        )
    return Expectations(**parsed)


def _build(spec: type, entry: dict[str, Any], *, file: Path, where: str) -> Any:
    allowed = {f.name: f for f in fields(spec)}
    kwargs: dict[str, Any] = {}
    unknown = [key for key in entry if key not in allowed]
    if unknown:
        raise ConfigError(unknown_keys(str(file), f"{where}.", unknown, allowed))
    for key, value in entry.items():
        annotation = str(allowed[key].type)
        if "tuple" in annotation:
            if not isinstance(value, list):
                raise ConfigError(f"{file}: `{where}.{key}` must be a list of strings.")
            kwargs[key] = tuple(strings(value, file=file, key=f"{where}.{key}"))
        elif annotation.startswith("bool"):
            if not isinstance(value, bool):
                raise ConfigError(f"{file}: `{where}.{key}` must be true or false, got {show(value)}.")
            kwargs[key] = value
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{file}: `{where}.{key}` must be a string, got {show(value)}.")
            kwargs[key] = value
    for key, value in kwargs.items():
        choices = _CHOICES.get((spec, key))
        if choices is None:
            continue
        values = value if isinstance(value, tuple) else (value,)
        normalised = tuple(" ".join(v.lower().replace("_", " ").split()) for v in values)
        if spec is ExpectConstraint:
            normalised = tuple(v.replace(" ", "_") for v in normalised)
        bad = [v for v, n in zip(values, normalised, strict=True) if n not in choices]
        if bad:
            raise ConfigError(
                f"{file}: `{where}.{key}` must be one of {', '.join(repr(c) for c in choices)}, got {bad[0]!r}."
            )
        kwargs[key] = normalised if isinstance(value, tuple) else normalised[0]
    required = [
        f.name
        for f in fields(spec)
        if f.default is MISSING and f.default_factory is MISSING and f.name not in kwargs
    ]
    if required:
        raise ConfigError(f"{file}: `{where}` needs `{required[0]}`.")
    built = spec(**kwargs)
    return _grant(built, file=file, where=where) if isinstance(built, ExpectGrant) else built
