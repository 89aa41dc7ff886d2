"""Snapshot files as an expected-schema source; the JSON format itself lives in ``catalog.serialize``."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from ..catalog.model import Schema, Table
from ..catalog.serialize import read
from ..paths import show_path
from .expected import Expected


def load(path: Path, *, schemas: Sequence[str] = (), ignore: Sequence[str] = ()) -> Expected:
    """Read a snapshot file as an expected-schema source, with ``schemas`` and ``ignore`` applied.

    The live side is read with the same settings; a snapshot written before an object was
    ignored would otherwise call that object missing.
    """
    return Expected(label=show_path(path), kind="snapshot", schema=restrict(read(path), schemas, ignore))


def restrict(schema: Schema, schemas: Sequence[str], ignore: Sequence[str]) -> Schema:
    """``schema`` without the objects ``ignore`` matches or that live outside ``schemas``.

    Names are matched as ``catalog.inspect`` matches them: qualified and bare, a table's
    parts as ``schema.table.part`` and a function with its argument types.
    """
    if not schemas and not ignore:
        return schema

    def skip(*names: str) -> bool:
        return any(fnmatch.fnmatchcase(n, p) for n in names for p in ignore)

    def keep(obj: Any) -> bool:
        owner = getattr(obj, "schema", None)
        if schemas and isinstance(owner, str) and owner not in schemas:
            return False
        name = getattr(obj, "name", None)
        if not isinstance(name, str):
            return True
        if isinstance(owner, str):
            arguments = getattr(obj, "arguments", None)
            full = [f"{owner}.{name}({arguments})"] if isinstance(arguments, str) else []
            return not skip(*full, f"{owner}.{name}", name)
        return not skip(name)

    def parts(table: Table) -> Table:
        changes: dict[str, Any] = {}
        for f in fields(table):
            value = getattr(table, f.name)
            if isinstance(value, tuple) and value and is_dataclass(value[0]):
                changes[f.name] = tuple(
                    p for p in value if not skip(f"{table.qualname}.{getattr(p, 'name', '')}")
                )
        return replace(table, **changes)

    changes: dict[str, Any] = {}
    for f in fields(schema):
        value = getattr(schema, f.name)
        if f.name == "schemas":
            changes[f.name] = tuple(n for n in value if (not schemas or n in schemas) and not skip(n))
        elif isinstance(value, tuple) and value and is_dataclass(value[0]):
            kept = tuple(o for o in value if keep(o))
            changes[f.name] = tuple(parts(t) if isinstance(t, Table) else t for t in kept)
    return replace(schema, **changes)
