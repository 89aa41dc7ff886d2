"""Reading the object kinds added for completeness: inheritance, collations, composite types,
view triggers' companions and function comments. Each is one catalog query of its own, run
after the core ones; the results are folded into the ``Schema`` the core queries built.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from .kinds import Attribute, Collation, CompositeType
from .model import Schema, Table

Run = Callable[..., list[tuple[Any, ...]]]
Skip = Callable[..., bool]

QUERIES: tuple[str, ...] = ("inheritance", "collations", "composite_types", "function_comments")

_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def complete(schema: Schema, run: Run, nsp: list[int], skip: Skip, table_oids: dict[str, int]) -> Schema:
    """``schema`` with the kinds of this module read and added."""
    return dataclasses.replace(
        schema,
        tables=_inheritance(schema.tables, run("inheritance", nsp=nsp), table_oids),
        functions=_function_comments(schema, run("function_comments", nsp=nsp)),
        collations=tuple(
            _collation(schema_, name, attrs)
            for schema_, name, attrs in run("collations", nsp=nsp)
            if not skip(f"{schema_}.{name}", name)
        ),
        composite_types=tuple(
            CompositeType(schema_, name, tuple(Attribute(*json.loads(a)) for a in attributes))
            for schema_, name, attributes in run("composite_types", nsp=nsp)
            if not skip(f"{schema_}.{name}", name)
        ),
    )


def _inheritance(
    tables: tuple[Table, ...], rows: list[tuple[Any, ...]], oids: dict[str, int]
) -> tuple[Table, ...]:
    by_oid = {oid: (tuple(parents), set(columns)) for oid, parents, columns in rows}
    out = []
    for t in tables:
        found = by_oid.get(oids.get(t.qualname))
        if found is None:
            out.append(t)
            continue
        parents, columns = found
        out.append(
            dataclasses.replace(
                t,
                inherits=parents,
                columns=tuple(dataclasses.replace(c, inherited=c.name in columns) for c in t.columns),
            )
        )
    return tuple(out)


def _function_comments(schema: Schema, rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    comments = {f"{s}.{n}({args})": text for s, n, args, text in rows}
    if not comments:
        return schema.functions
    return tuple(dataclasses.replace(f, comment=comments.get(f.qualname)) for f in schema.functions)


def _collation(schema: str, name: str, attrs: dict[str, Any]) -> Collation:
    provider = _PROVIDERS.get(attrs.get("collprovider", "c"), "libc")
    # PostgreSQL 15-16 call the ICU locale colliculocale, 17+ colllocale (also builtin's).
    locale = attrs.get("colllocale") or attrs.get("colliculocale")
    libc = provider == "libc"
    return Collation(
        schema=schema,
        name=name,
        provider=provider,  # type: ignore[arg-type]
        lc_collate=attrs.get("collcollate") if libc else None,
        lc_ctype=attrs.get("collctype") if libc else None,
        locale=None if libc else locale,
        deterministic=bool(attrs.get("collisdeterministic", True)),
    )
